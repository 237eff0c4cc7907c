/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Autodiscover POX (MS-OXDSCLI) and the client side of MS-OXDISCO: request,
 * candidates, redirect policy, hardened response parser.  lib/xml (expat)
 * does the XML, libcurl's URL API the URLs; no I/O. */
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#include "autodiscover.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "xml.h"

/* Addresses and host names ---------------------------------------------------- */

/* A DNS host name (RFC 1123 2.1): labels of letters, digits and hyphens, 1..63
 * long, not starting or ending with a hyphen, 253 characters at most. */
int autodiscover_check_host(const char *h, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253 || h[0] == '.' || h[len - 1] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)h[i];
		if (ch == '.') {
			if (label == 0 || h[i - 1] == '-')
				return -1;
			label = 0;
			continue;
		}
		if (!isalnum(ch) && ch != '-')
			return -1;
		if (label == 0 && ch == '-')
			return -1;
		if (++label > 63)
			return -1;
	}
	return h[len - 1] == '-' ? -1 : 0;
}

int autodiscover_check_address(const char *email, const char **domain,
			       struct rpe_error *err)
{
	const char *at;
	size_t i, local;

	if (!email || !*email)
		return rpe_fail(err, RPE_ERR_ARG, "e-mail address missing");
	at = strrchr(email, '@');
	if (!at || at == email)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid e-mail address '%.64s' (want local@domain)",
				email);
	local = (size_t)(at - email);
	if (local > 64 || strlen(at + 1) > 255)
		return rpe_fail(err, RPE_ERR_ARG, "e-mail address too long");
	for (i = 0; i < local; i++) {
		unsigned char ch = (unsigned char)email[i];
		/* RFC 5322 atext and dots; quoted local parts are not used by
		 * Exchange recipients. */
		if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),:;<>@[\\]", ch))
			return rpe_fail(err, RPE_ERR_ARG,
					"invalid character in the local part of "
					"e-mail address '%.64s'",
					email);
	}
	if (autodiscover_check_host(at + 1, strlen(at + 1)) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid domain in e-mail address '%.64s' (an "
				"ASCII DNS name; write IDNs in punycode)",
				email);
	if (domain)
		*domain = at + 1;
	return 0;
}

int autodiscover_candidates(
	const char *email,
	struct autodiscover_candidate out[AUTODISCOVER_CANDIDATES],
	struct rpe_error *err)
{
	const char *domain;

	TRY(autodiscover_check_address(email, &domain, err));
	/* MS-OXDISCO 3.1.5.2 (text manipulation of the domain), 3.1.5.4 (the
	 * http GET redirect), 3.1.5.3 (SRV), in the order Outlook uses. */
	out[0].step = AUTODISCOVER_STEP_POST;
	snprintf(out[0].url, sizeof(out[0].url), "https://%s%s", domain,
		 AUTODISCOVER_PATH);
	out[1].step = AUTODISCOVER_STEP_POST;
	snprintf(out[1].url, sizeof(out[1].url), "https://autodiscover.%s%s",
		 domain, AUTODISCOVER_PATH);
	out[2].step = AUTODISCOVER_STEP_GET_REDIRECT;
	snprintf(out[2].url, sizeof(out[2].url), "http://autodiscover.%s%s",
		 domain, AUTODISCOVER_PATH);
	out[3].step = AUTODISCOVER_STEP_SRV;
	snprintf(out[3].url, sizeof(out[3].url), "_autodiscover._tcp.%s", domain);
	return 0;
}

/* URLs ----------------------------------------------------------------------- */

static int url_part(CURLU *h, CURLUPart part, unsigned flags, char **out)
{
	*out = NULL;
	return curl_url_get(h, part, out, flags) == CURLUE_OK ? 0 : -1;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int url_compose(CURLU *h, bool allow_http, char *out, size_t outsize,
		       char *host, size_t hostsize, struct rpe_error *err)
{
	char *scheme = NULL, *hn = NULL, *port = NULL, *path = NULL,
	     *query = NULL, *user = NULL;
	int rc = 0, n;

	if (url_part(h, CURLUPART_USER, 0, &user) == 0) {
		rc = rpe_fail(err, RPE_ERR_PROTO,
			      "URL carries a user name: refused");
		goto out;
	}
	if (url_part(h, CURLUPART_SCHEME, 0, &scheme) < 0 ||
	    url_part(h, CURLUPART_HOST, 0, &hn) < 0 ||
	    url_part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT, &port) < 0 ||
	    url_part(h, CURLUPART_PATH, 0, &path) < 0) {
		rc = rpe_fail(err, RPE_ERR_PROTO, "URL incomplete");
		goto out;
	}
	(void)url_part(h, CURLUPART_QUERY, 0, &query);
	lower(scheme);
	lower(hn);
	if (strcmp(scheme, "https") != 0 &&
	    !(allow_http && strcmp(scheme, "http") == 0)) {
		rc = rpe_fail(err, RPE_ERR_PROTO, "%s URL refused (https only)",
			      scheme);
		goto out;
	}
	n = snprintf(out, outsize, "%s://%s:%s%s%s%s", scheme, hn, port, path,
		     query ? "?" : "", query ? query : "");
	if (n < 0 || (size_t)n >= outsize ||
	    (host && (size_t)snprintf(host, hostsize, "%s", hn) >= hostsize))
		rc = rpe_fail(err, RPE_ERR_TOOBIG, "URL too long");
out:
	curl_free(scheme);
	curl_free(hn);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	return rc;
}

int autodiscover_url_canon(const char *ref, const char *base, bool allow_http,
			   char *out, size_t outsize, char *host,
			   size_t hostsize, struct rpe_error *err)
{
	CURLU *h;
	CURLUcode uc = CURLUE_OK;
	int rc;

	if (!ref || !*ref || strlen(ref) >= AUTODISCOVER_URL_MAX)
		return rpe_fail(err, RPE_ERR_PROTO, "URL empty or too long");
	h = curl_url();
	if (!h)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	/* A relative Location is resolved against the URL it came from
	 * (RFC 7231 7.1.2); curl's URL API does that when the handle already
	 * holds the base. */
	if (base)
		uc = curl_url_set(h, CURLUPART_URL, base, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_set(h, CURLUPART_URL, ref, 0);
	if (uc != CURLUE_OK) {
		curl_url_cleanup(h);
		return rpe_fail(err, RPE_ERR_PROTO, "malformed URL '%.200s' (%s)",
				ref, curl_url_strerror(uc));
	}
	rc = url_compose(h, allow_http, out, outsize, host, hostsize, err);
	curl_url_cleanup(h);
	return rc;
}

/* Request -------------------------------------------------------------------- */

/* Text content with the characters XML reserves escaped (the address is
 * ASCII without controls: autodiscover_check_address). */
static int put_escaped(struct buf *out, const char *s)
{
	for (; *s; s++) {
		const char *e = *s == '&' ? "&amp;" :
				*s == '<' ? "&lt;" :
				*s == '>' ? "&gt;" :
					    NULL;

		if (e ? buf_put_bytes(out, e, strlen(e)) < 0 :
			buf_put_u8(out, (uint8_t)*s) < 0)
			return -1;
	}
	return 0;
}

static int put_str(struct buf *out, const char *s)
{
	return buf_put_bytes(out, s, strlen(s));
}

int autodiscover_build_request(const char *email, struct buf *out,
			       struct rpe_error *err)
{
	TRY(autodiscover_check_address(email, NULL, err));
	/* MS-OXDSCLI 2.2.3.1: Request with EMailAddress (2.2.3.1.1.2) and
	 * AcceptableResponseSchema (2.2.3.1.1.1). */
	if (put_str(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			 "<Autodiscover xmlns=\"" AUTODISCOVER_NS_REQUEST "\">"
			 "<Request><EMailAddress>") < 0 ||
	    put_escaped(out, email) < 0 ||
	    put_str(out, "</EMailAddress><AcceptableResponseSchema>" AUTODISCOVER_NS_OUTLOOK
			 "</AcceptableResponseSchema>"
			 "</Request></Autodiscover>\n") < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG, "request too large");
	return 0;
}

/* Response ------------------------------------------------------------------- */

/* Copy text, trimmed, control characters as spaces (it ends up in the
 * plugin's output lines). */
static int copy_text(const char *text, const char *what, char *dst, size_t size,
		     struct rpe_error *err)
{
	const char *s = text ? text : "";
	size_t len, i;

	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= size)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"Autodiscover answer: %s longer than %zu bytes",
				what, size - 1);
	for (i = 0; i < len; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	dst[len] = '\0';
	return 0;
}

/* The text of child `name` of parent (same namespace) into dst; absent
 * leaves dst untouched. */
static int child_text(const struct xml_node *parent, const char *name,
		      char *dst, size_t size, struct rpe_error *err)
{
	const struct xml_node *n = xml_child(parent, parent->ns, name);
	size_t len;
	char *text;
	int rc;

	if (!n)
		return 0;
	len = xml_content(n, dst, 1);
	text = malloc(len + 1);
	if (!text)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	xml_content(n, text, len + 1);
	rc = copy_text(text, name, dst, size, err);
	free(text);
	return rc;
}

static const struct {
	const char *name;
	enum autodiscover_auth auth;
} auth_names[] = {
	{ "Basic", AUTODISCOVER_AUTH_BASIC },
	{ "Ntlm", AUTODISCOVER_AUTH_NTLM },
	{ "Negotiate", AUTODISCOVER_AUTH_NEGOTIATE },
	{ "Kerb", AUTODISCOVER_AUTH_KERB },
	{ "KerbNtlm", AUTODISCOVER_AUTH_KERBNTLM },
	{ "Certificate", AUTODISCOVER_AUTH_CERTIFICATE },
	{ "Anonymous", AUTODISCOVER_AUTH_ANONYMOUS },
};

const char *autodiscover_auth_name(enum autodiscover_auth a)
{
	size_t i;

	for (i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
		if (auth_names[i].auth == a)
			return auth_names[i].name;
	return a == AUTODISCOVER_AUTH_UNSPECIFIED ? "unspecified" : "other";
}

static enum autodiscover_auth auth_parse(const char *s)
{
	size_t i;

	if (!*s)
		return AUTODISCOVER_AUTH_UNSPECIFIED;
	for (i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
		if (strcasecmp(s, auth_names[i].name) == 0)
			return auth_names[i].auth;
	return AUTODISCOVER_AUTH_OTHER;
}

/* ServerVersion: 8 hex digits; bits 27..22 major, 21..16 minor, 14..0 build
 * (the layout Microsoft's POX reference gives for ServerVersion, e.g.
 * 738180DA = 14.1.218). */
static void version_parse(struct autodiscover_response *r, const char *s)
{
	char *end;
	unsigned long v;

	if (strlen(s) != 8 || !isxdigit((unsigned char)s[0]))
		return;
	v = strtoul(s, &end, 16);
	if (*end)
		return;
	r->has_version = true;
	r->server_version = (uint32_t)v;
	r->version_major = (unsigned)(v >> 22) & 0x3f;
	r->version_minor = (unsigned)(v >> 16) & 0x3f;
	r->version_build = (unsigned)v & 0x7fff;
}

static int parse_expr(const struct xml_node *p, struct autodiscover_response *r,
		      struct rpe_error *err)
{
	char ssl[16] = "";

	r->has_expr = true;
	TRY(child_text(p, "Server", r->expr_server, sizeof(r->expr_server), err));
	TRY(child_text(p, "SSL", ssl, sizeof(ssl), err));
	TRY(child_text(p, "AuthPackage", r->expr_auth_name,
		       sizeof(r->expr_auth_name), err));
	TRY(child_text(p, "CertPrincipalName", r->expr_cert_principal,
		       sizeof(r->expr_cert_principal), err));
	/* SSL is On unless the server says Off. */
	r->expr_ssl = strcasecmp(ssl, "Off") != 0;
	r->expr_auth = auth_parse(r->expr_auth_name);
	return 0;
}

static int parse_exch(const struct xml_node *p, struct autodiscover_response *r,
		      struct rpe_error *err)
{
	char version[16] = "";

	r->has_exch = true;
	TRY(child_text(p, "Server", r->exch_server, sizeof(r->exch_server), err));
	TRY(child_text(p, "ServerDN", r->exch_server_dn,
		       sizeof(r->exch_server_dn), err));
	TRY(child_text(p, "ServerVersion", version, sizeof(version), err));
	version_parse(r, version);
	r->exch_server_is_guid = autodiscover_is_guid_name(r->exch_server) == 1;
	return 0;
}

static int parse_mapi_http(const struct xml_node *p,
			   struct autodiscover_response *r, struct rpe_error *err)
{
	const struct xml_node *store = xml_child(p, p->ns, "MailStore");

	r->mapi_http = true;
	if (!store)
		return 0;
	TRY(child_text(store, "InternalUrl", r->mapi_http_url,
		       sizeof(r->mapi_http_url), err));
	return child_text(store, "ExternalUrl", r->mapi_http_url,
			  sizeof(r->mapi_http_url), err);
}

/* One Protocol element (MS-OXDSCLI 2.2.4.1.1.2.6): its kind is the Type
 * child element, or the Type attribute ("mapiHttp").  The first of each
 * kind counts. */
static int parse_protocol(const struct xml_node *p,
			  struct autodiscover_response *r, struct rpe_error *err)
{
	char type[32] = "";
	const char *attr = xml_attr(p, NULL, "Type");

	if (attr) {
		TRY(copy_text(attr, "Protocol Type", type, sizeof(type), err));
	} else {
		TRY(child_text(p, "Type", type, sizeof(type), err));
	}
	if (strcmp(type, "EXPR") == 0 && !r->has_expr)
		return parse_expr(p, r, err);
	if (strcmp(type, "EXCH") == 0 && !r->has_exch)
		return parse_exch(p, r, err);
	if (strcasecmp(type, "mapiHttp") == 0 && !r->mapi_http)
		return parse_mapi_http(p, r, err);
	return 0;
}

static int parse_error(const struct xml_node *e,
		       struct autodiscover_response *r, struct rpe_error *err)
{
	r->action = AUTODISCOVER_ACTION_ERROR;
	TRY(child_text(e, "ErrorCode", r->error_code, sizeof(r->error_code), err));
	TRY(child_text(e, "Message", r->error_message, sizeof(r->error_message),
		       err));
	return child_text(e, "DebugData", r->error_debug,
			  sizeof(r->error_debug), err);
}

static int parse_action(const char *action, struct autodiscover_response *r,
			struct rpe_error *err)
{
	/* MS-OXDSCLI 2.2.4.1.1.2.2 */
	if (strcasecmp(action, "settings") == 0)
		r->action = AUTODISCOVER_ACTION_SETTINGS;
	else if (strcasecmp(action, "redirectAddr") == 0)
		r->action = AUTODISCOVER_ACTION_REDIRECT_ADDR;
	else if (strcasecmp(action, "redirectUrl") == 0)
		r->action = AUTODISCOVER_ACTION_REDIRECT_URL;
	else
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover answer: unknown Action '%.40s'",
				action);
	return 0;
}

static int parse_account(const struct xml_node *acct,
			 struct autodiscover_response *r, struct rpe_error *err)
{
	const char *ns = acct->ns;
	char action[32] = "";
	const struct xml_node *n;

	n = xml_child(acct, ns, "Error");
	if (n)
		return parse_error(n, r, err);
	TRY(child_text(acct, "Action", action, sizeof(action), err));
	if (!*action)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover answer: Account without Action");
	TRY(parse_action(action, r, err));
	if (r->action == AUTODISCOVER_ACTION_REDIRECT_ADDR)
		TRY(child_text(acct, "RedirectAddr", r->redirect,
			       sizeof(r->redirect), err));
	else if (r->action == AUTODISCOVER_ACTION_REDIRECT_URL)
		TRY(child_text(acct, "RedirectUrl", r->redirect,
			       sizeof(r->redirect), err));
	if (r->action != AUTODISCOVER_ACTION_SETTINGS && !*r->redirect)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover answer: Action %s without its target",
				action);
	for (n = xml_child(acct, ns, "Protocol"); n;
	     n = xml_next(n, ns, "Protocol"))
		TRY(parse_protocol(n, r, err));
	return 0;
}

/* Response: in the outlook 2006a schema for settings and redirects; Exchange
 * sends its Error responses in the base 2006 schema. */
static int parse_response(const struct xml_node *resp,
			  struct autodiscover_response *r, struct rpe_error *err)
{
	const char *ns = resp->ns;
	const struct xml_node *n;

	n = xml_child(resp, ns, "Error");
	if (n)
		return parse_error(n, r, err);
	n = xml_child(resp, ns, "User");
	if (n) {
		TRY(child_text(n, "DisplayName", r->display_name,
			       sizeof(r->display_name), err));
		TRY(child_text(n, "LegacyDN", r->legacy_dn,
			       sizeof(r->legacy_dn), err));
		TRY(child_text(n, "AutoDiscoverSMTPAddress", r->smtp_address,
			       sizeof(r->smtp_address), err));
	}
	n = xml_child(resp, ns, "Account");
	if (!n)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover answer: no Account and no Error in Response");
	return parse_account(n, r, err);
}

static const struct xml_node *find_response(const struct xml_node *root)
{
	const struct xml_node *n;

	for (n = root->children; n; n = n->next)
		if (xml_is(n, AUTODISCOVER_NS_OUTLOOK, "Response") ||
		    xml_is(n, AUTODISCOVER_NS_RESPONSE, "Response"))
			return n;
	return NULL;
}

int autodiscover_parse_response(const uint8_t *data, size_t len,
				struct autodiscover_response *out,
				struct rpe_error *err)
{
	struct xml_doc *doc;
	const struct xml_node *root, *resp;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover answer is empty");
	/* lib/xml refuses DTDs and entity declarations (in UTF-8 and UTF-16,
	 * before parsing), answers over the size limit and runaway trees. */
	TRY(xml_parse(data, len, AUTODISCOVER_MAX_RESPONSE,
		      "Autodiscover answer", &doc, err));
	root = xml_root(doc);
	if (!xml_is(root, AUTODISCOVER_NS_RESPONSE, "Autodiscover"))
		rc = rpe_fail(err, RPE_ERR_PROTO,
			      "not an Autodiscover answer (root element %.40s%s%.100s)",
			      root->name, *root->ns ? " in " : "", root->ns);
	else if (!(resp = find_response(root)))
		rc = rpe_fail(err, RPE_ERR_PROTO,
			      "Autodiscover answer without an Outlook Response "
			      "(responseschema/2006a)");
	else
		rc = parse_response(resp, out, err);
	xml_free(doc);
	return rc;
}

void autodiscover_format_version(const struct autodiscover_response *r,
				 char *out, size_t n)
{
	static const struct {
		unsigned major, minor;
		const char *name;
	} names[] = {
		{ 8, 0, "Exchange 2007" },
		{ 8, 1, "Exchange 2007 SP1" },
		{ 8, 2, "Exchange 2007 SP2" },
		{ 8, 3, "Exchange 2007 SP3" },
		{ 14, 0, "Exchange 2010" },
		{ 14, 1, "Exchange 2010 SP1" },
		{ 14, 2, "Exchange 2010 SP2" },
		{ 14, 3, "Exchange 2010 SP3" },
		{ 15, 0, "Exchange 2013" },
		{ 15, 1, "Exchange 2016" },
		{ 15, 2, "Exchange 2019 or SE" },
	};
	const char *name = "Exchange";
	size_t i;

	if (!r->has_version) {
		snprintf(out, n, "unknown version");
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].major == r->version_major &&
		    names[i].minor == r->version_minor)
			name = names[i].name;
	snprintf(out, n, "%s (%u.%u.%u)", name, r->version_major,
		 r->version_minor, r->version_build);
}

int autodiscover_is_guid_name(const char *name)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (!name || strlen(name) < sizeof(shape) + 1)
		return 0;
	for (i = 0; i + 1 < sizeof(shape); i++)
		if (shape[i] == '-' ? name[i] != '-' :
				      !isxdigit((unsigned char)name[i]))
			return 0;
	/* then the mailbox's primary SMTP domain: two labels or more */
	if (name[sizeof(shape) - 1] != '@' || !strchr(name + sizeof(shape), '.'))
		return 0;
	return autodiscover_check_host(name + sizeof(shape),
				       strlen(name + sizeof(shape))) == 0;
}

/* Redirect policy ------------------------------------------------------------ */

struct autodiscover_walk {
	char email[AUTODISCOVER_ADDR_MAX];
	unsigned hops;
	char **seen; /* "POST <url> <address>" and "ADDR <address>" */
	size_t nseen, capseen;
};

static int walk_remember(struct autodiscover_walk *w, const char *kind,
			 const char *what, struct rpe_error *err)
{
	size_t i, len = strlen(kind) + strlen(what) + strlen(w->email) + 3;
	char *key = malloc(len);

	if (!key)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	snprintf(key, len, "%s %s %s", kind, what, w->email);
	lower(key);
	for (i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i], key) == 0) {
			free(key);
			return 1;
		}
	if (w->nseen == w->capseen) {
		size_t cap = w->capseen ? 2 * w->capseen : 8;
		char **n = realloc(w->seen, cap * sizeof(*n));
		if (!n) {
			free(key);
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		}
		w->seen = n;
		w->capseen = cap;
	}
	w->seen[w->nseen++] = key;
	return 0;
}

struct autodiscover_walk *autodiscover_walk_new(const char *email,
						struct rpe_error *err)
{
	struct autodiscover_walk *w;

	if (autodiscover_check_address(email, NULL, err) < 0)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(w->email, sizeof(w->email), "%s", email);
	if (walk_remember(w, "ADDR", "-", err) < 0) {
		autodiscover_walk_free(w);
		return NULL;
	}
	return w;
}

void autodiscover_walk_free(struct autodiscover_walk *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nseen; i++)
		free(w->seen[i]);
	free(w->seen);
	free(w);
}

const char *autodiscover_walk_email(const struct autodiscover_walk *w)
{
	return w->email;
}

unsigned autodiscover_walk_hops(const struct autodiscover_walk *w)
{
	return w->hops;
}

int autodiscover_walk_visit(struct autodiscover_walk *w,
			    enum autodiscover_step step, const char *url,
			    struct rpe_error *err)
{
	int rc = walk_remember(w,
			       step == AUTODISCOVER_STEP_POST         ? "POST" :
			       step == AUTODISCOVER_STEP_GET_REDIRECT ? "GET" :
									"SRV",
			       url, err);

	if (rc > 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover redirect loop: %.200s asked twice for %s",
				url, w->email);
	return rc;
}

static int walk_hop(struct autodiscover_walk *w, struct rpe_error *err)
{
	if (++w->hops > AUTODISCOVER_MAX_HOPS)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover: more than %d redirects",
				AUTODISCOVER_MAX_HOPS);
	return 0;
}

int autodiscover_walk_redirect_url(struct autodiscover_walk *w,
				   const char *location, const char *base,
				   char *url, size_t urlsize,
				   struct rpe_error *err)
{
	struct rpe_error why;
	int rc;

	TRY(walk_hop(w, err));
	rc = autodiscover_url_canon(location, base, false, url, urlsize, NULL,
				    0, &why);
	if (rc < 0)
		rpe_fail(err, rc, "Autodiscover redirect to '%.200s' refused: %s",
			 location ? location : "", why.msg);
	return rc;
}

int autodiscover_walk_redirect_addr(struct autodiscover_walk *w,
				    const char *address, struct rpe_error *err)
{
	int rc;

	TRY(walk_hop(w, err));
	TRY(autodiscover_check_address(address, NULL, err));
	if (strlen(address) >= sizeof(w->email))
		return rpe_fail(err, RPE_ERR_ARG, "e-mail address too long");
	snprintf(w->email, sizeof(w->email), "%s", address);
	rc = walk_remember(w, "ADDR", "-", err);
	if (rc > 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Autodiscover redirect loop: redirectAddr back to %s",
				address);
	return rc;
}
