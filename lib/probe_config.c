/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Configuration helpers; see probe_config.h. */
#define _POSIX_C_SOURCE 200809L
#include "probe_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autodiscover.h"
#include "buf.h"
#include "emsmdb.h"

void probe_config_init(struct probe_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tls = true;
	c->rpc_port = CFG_DEFAULT_RPC_PORT;
	c->transport = PROBE_TRANSPORT_HTTP;
	c->expect = EXPECT_REQUIRED;
	c->probes = PROBES_BOTH;
	c->unencrypted_level = PROBE_LEVEL_CONNECT;
	c->unencrypted_levels[0] = PROBE_LEVEL_CONNECT;
	c->n_unencrypted_levels = 1;
	c->auth = PROBE_AUTH_NEGOTIATE; /* what a default Outlook binds with */
	c->http_auth = HTTP_AUTH_ANY;
	/* The default names a known alias: this cannot fail. */
	cfg_parse_client_version(CFG_DEFAULT_CLIENT_VERSION, c->client_version,
				 NULL);
	mp_deadline_init(&c->deadline);
	c->posture.tls_floor = POSTURE_TLS12;
	c->max_parallel = CFG_DEFAULT_MAX_PARALLEL;
	c->plain_port = CFG_DEFAULT_PORT_PLAIN;
}

static void free_str(char **p, bool secret)
{
	if (*p) {
		if (secret)
			buf_wipe(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void probe_config_free(struct probe_config *c)
{
	if (!c)
		return;
	free_str(&c->password, true);
	free_str(&c->hostname, false);
	free_str(&c->ip_address, false);
	free_str(&c->rpc_server, false);
	free_str(&c->proxy_path, false);
	free_str(&c->proxy, false);
	free_str(&c->user, false);
	free_str(&c->username, false);
	free_str(&c->domain, false);
	free_str(&c->mailbox_dn, false);
	free_str(&c->ca_file, false);
	free_str(&c->client_cert, false);
	free_str(&c->client_key, false);
	free_str(&c->keytab, false);
	free_str(&c->realm, false);
	free_str(&c->spn, false);
	free_str(&c->email, false);
	free_str(&c->autodiscover_url, false);
	free_str(&c->autodiscover_dns, false);
	while (c->autodiscover_connect_to_n)
		free_str(&c->autodiscover_connect_to[--c->autodiscover_connect_to_n],
			 false);
}

int probe_config_set_str(char **slot, const char *s, bool secret)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return RPE_ERR_NOMEM;
	}
	free_str(slot, secret);
	*slot = copy;
	return 0;
}

/* One name table per option that chooses from names. */
struct choice_name {
	const char *name;
	int value;
};

struct choice_table {
	const char *option;
	const struct choice_name *names;
	size_t n;
};

static const struct choice_name transport_names[] = {
	{ "http", PROBE_TRANSPORT_HTTP },
	{ "tcp", PROBE_TRANSPORT_TCP },
	{ "mapi", PROBE_TRANSPORT_MAPI },
};
static const struct choice_name expect_names[] = {
	{ "required", EXPECT_REQUIRED },
	{ "optional", EXPECT_OPTIONAL },
	{ "any", EXPECT_ANY },
};
static const struct choice_name probes_names[] = {
	{ "both", PROBES_BOTH },
	{ "encrypted", PROBES_ENCRYPTED },
	{ "unencrypted", PROBES_UNENCRYPTED },
};
/* The unencrypted probe binds at level connect (no per-message protection),
 * integrity (signed, not sealed), or without RPC authentication at all
 * (none), MS-RPCE 2.2.1.1.8. */
static const struct choice_name level_names[] = {
	{ "connect", PROBE_LEVEL_CONNECT },
	{ "integrity", PROBE_LEVEL_INTEGRITY },
	{ "none", PROBE_LEVEL_NONE },
};
static const struct choice_name auth_names[] = {
	{ "any", HTTP_AUTH_ANY },
	{ "basic", HTTP_AUTH_BASIC },
	{ "ntlm", HTTP_AUTH_NTLM },
	{ "negotiate", HTTP_AUTH_NEGOTIATE },
};

static const struct choice_name rpc_auth_names[] = {
	{ "ntlm", PROBE_AUTH_NTLM },
	{ "kerberos", PROBE_AUTH_KERBEROS },
	{ "negotiate", PROBE_AUTH_NEGOTIATE },
};

#define TABLE(opt, t)                                                          \
	{                                                                      \
		opt, t, sizeof(t) / sizeof(t[0])                               \
	}

static const struct choice_table choice_tables[] = {
	[CFG_CHOICE_TRANSPORT] = TABLE("--transport", transport_names),
	[CFG_CHOICE_EXPECT] = TABLE("--expect", expect_names),
	[CFG_CHOICE_PROBES] = TABLE("--probe", probes_names),
	[CFG_CHOICE_UNENC_LEVEL] = TABLE("--unencrypted-level", level_names),
	[CFG_CHOICE_HTTP_AUTH] = TABLE("--http-auth", auth_names),
	[CFG_CHOICE_AUTH] = TABLE("--auth", rpc_auth_names),
};

/* "a, b or c" */
static void choices_text(const struct choice_table *t, char *out, size_t n)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < t->n && len < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == t->n ? " or " : ", ";
		int w = snprintf(out + len, n - len, "%s%s", sep,
				 t->names[i].name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int parse_choice(const char *s, const struct choice_table *t, int *out,
			struct rpe_error *err)
{
	char choices[128];
	size_t i;

	for (i = 0; s && i < t->n; i++) {
		if (strcmp(s, t->names[i].name) == 0) {
			*out = t->names[i].value;
			return 0;
		}
	}
	choices_text(t, choices, sizeof(choices));
	return rpe_fail(err, RPE_ERR_ARG, "invalid %s '%.64s' (choose %s)",
			t->option, s ? s : "", choices);
}

/* --unencrypted-level LEVEL[,LEVEL...]: each level once. */
static int set_levels(struct probe_config *c, const char *s, struct rpe_error *err)
{
	const struct choice_table *t = &choice_tables[CFG_CHOICE_UNENC_LEVEL];
	enum probe_level got[CFG_UNENC_LEVELS_MAX];
	char item[32];
	size_t n = 0, i, len;
	int v;

	for (;;) {
		len = strcspn(s, ",");
		if (len == 0 || len >= sizeof(item))
			return rpe_fail(err, RPE_ERR_ARG,
					"invalid --unencrypted-level list '%.64s' (levels separated by commas: connect,integrity,none)",
					s);
		memcpy(item, s, len);
		item[len] = '\0';
		TRY(parse_choice(item, t, &v, err));
		for (i = 0; i < n; i++)
			if (got[i] == (enum probe_level)v)
				return rpe_fail(err, RPE_ERR_ARG,
						"--unencrypted-level names '%s' twice",
						item);
		got[n++] = (enum probe_level)v;
		if (!s[len])
			break;
		s += len + 1;
	}
	memcpy(c->unencrypted_levels, got, n * sizeof(got[0]));
	c->n_unencrypted_levels = n;
	c->unencrypted_level = got[0];
	return 0;
}

int cfg_set_choice(struct probe_config *c, enum cfg_choice which, const char *s,
		   struct rpe_error *err)
{
	int v = 0;

	if ((size_t)which >= sizeof(choice_tables) / sizeof(choice_tables[0]))
		return rpe_fail(err, RPE_ERR_ARG, "unknown option choice %d",
				(int)which);
	if (which == CFG_CHOICE_UNENC_LEVEL && s)
		return set_levels(c, s, err);
	TRY(parse_choice(s, &choice_tables[which], &v, err));
	switch (which) {
	case CFG_CHOICE_TRANSPORT:
		c->transport = (enum probe_transport)v;
		break;
	case CFG_CHOICE_EXPECT: c->expect = (enum verdict_expect)v; break;
	case CFG_CHOICE_PROBES: c->probes = (enum verdict_probes)v; break;
	case CFG_CHOICE_UNENC_LEVEL:
		c->unencrypted_level = (enum probe_level)v;
		break;
	case CFG_CHOICE_HTTP_AUTH: c->http_auth = (enum http_auth)v; break;
	case CFG_CHOICE_AUTH: c->auth = (enum probe_auth)v; break;
	}
	return 0;
}

/* Decimal digits only, value <= max; no sign, no blanks, no leading '+'. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (!s || !*s)
		return RPE_ERR_ARG;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return RPE_ERR_ARG;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return RPE_ERR_ARG;
	}
	*out = v;
	return 0;
}

int cfg_parse_port(const char *s, const char *what, unsigned *out,
		   struct rpe_error *err)
{
	unsigned long v;

	if (parse_uint(s, 65535, &v) < 0 || v == 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid %s '%.32s' (must be 1..65535)", what,
				s ? s : "");
	*out = (unsigned)v;
	return 0;
}

int cfg_parse_max_parallel(const char *s, unsigned *out, struct rpe_error *err)
{
	unsigned long v;

	if (parse_uint(s, CFG_MAX_PARALLEL_MAX, &v) < 0 || v == 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --max-parallel '%.32s' (must be 1..%d)",
				s ? s : "", CFG_MAX_PARALLEL_MAX);
	*out = (unsigned)v;
	return 0;
}

/* Builds of each Outlook as Exchange logs them (four numbers: major,
 * minor, build, minor build). */
static const struct {
	const char *name;
	const char *version;
} outlook_versions[] = {
	{ "outlook2003", "11.0.8161.0" },    /* Outlook 2003 SP3 */
	{ "outlook2007", "12.0.6607.1000" }, /* Outlook 2007 SP3 */
	{ "outlook2010", "14.0.7015.1000" }, /* Outlook 2010 SP2 */
	{ "outlook2013", "15.0.4569.1506" }, /* Outlook 2013 SP1 */
	{ "outlook2016", "16.0.4266.1001" }, /* Outlook 2016 (volume licence) */
};

int cfg_parse_client_version(const char *s, uint16_t out[3], struct rpe_error *err)
{
	const char *v = s;
	size_t i;

	for (i = 0;
	     s && i < sizeof(outlook_versions) / sizeof(outlook_versions[0]); i++)
		if (strcmp(s, outlook_versions[i].name) == 0)
			v = outlook_versions[i].version;
	if (!v || emsmdb_parse_version(v, out) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --client-version '%.32s' (an alias "
				"outlook2003 ... outlook2016, A.B.C.D with A "
				"and B up to 255, C up to 32767 and D up to "
				"65535, or the three words A.B.C with B up to "
				"32767)",
				s ? s : "");
	return 0;
}

int cfg_split_user(struct probe_config *c, struct rpe_error *err)
{
	const char *u = c->user, *sep;
	char *name = NULL, *dom = NULL;
	enum cfg_user_form form;

	if (!u || !*u)
		return rpe_fail(err, RPE_ERR_ARG, "missing user name (-u)");
	if ((sep = strchr(u, '\\')) != NULL) {
		form = CFG_USER_DOWNLEVEL;
		dom = strndup(u, (size_t)(sep - u));
		name = strdup(sep + 1);
	} else if ((sep = strrchr(u, '@')) != NULL) {
		form = CFG_USER_UPN;
		name = strndup(u, (size_t)(sep - u));
		dom = strdup(sep + 1);
	} else {
		form = CFG_USER_BARE;
		name = strdup(u);
		dom = strdup("");
	}
	if (!name || !dom) {
		free(name);
		free(dom);
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	}
	if (!*name || (form != CFG_USER_BARE && !*dom) || strchr(name, '\\') ||
	    (form == CFG_USER_DOWNLEVEL && strchr(dom, '@'))) {
		free(name);
		free(dom);
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid user '%.64s' (use DOMAIN\\user or "
				"user@domain)",
				u);
	}
	free(c->username);
	free(c->domain);
	c->username = name;
	c->domain = dom;
	c->user_form = form;
	return 0;
}

/* Read at most n bytes of path into buf; *got says how many. */
static int read_secret(const char *path, char *buf, size_t n, size_t *got,
		       struct rpe_error *err)
{
	FILE *f = fopen(path, "rb");
	int failed;

	if (!f)
		return rpe_fail(err, RPE_ERR_ARG,
				"cannot read password file '%.200s': %s", path,
				strerror(errno));
	*got = fread(buf, 1, n, f);
	failed = ferror(f);
	fclose(f);
	if (failed)
		return rpe_fail(err, RPE_ERR_ARG,
				"cannot read password file '%.200s'", path);
	return 0;
}

static int password_from(const char *path, char *buf, size_t size, char **out,
			 struct rpe_error *err)
{
	size_t n = 0;

	TRY(read_secret(path, buf, size, &n, err));
	if (n && buf[n - 1] == '\n') {
		n--;
		if (n && buf[n - 1] == '\r')
			n--;
	}
	if (n > CFG_PASSWORD_MAX)
		return rpe_fail(err, RPE_ERR_ARG,
				"password file '%.200s' is longer than %d bytes",
				path, CFG_PASSWORD_MAX);
	if (n == 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"password file '%.200s' is empty", path);
	if (memchr(buf, '\0', n))
		return rpe_fail(err, RPE_ERR_ARG,
				"password file '%.200s' contains a NUL byte",
				path);
	*out = malloc(n + 1);
	if (!*out)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	memcpy(*out, buf, n);
	(*out)[n] = '\0';
	return 0;
}

int cfg_read_password_file(const char *path, char **out, struct rpe_error *err)
{
	/* Two bytes more than allowed: an over-long file is told apart from
	 * one that ends in "\r\n". */
	char buf[CFG_PASSWORD_MAX + 2];
	int rc;

	*out = NULL;
	rc = password_from(path, buf, sizeof(buf), out, err);
	buf_wipe(buf, sizeof(buf));
	return rc;
}

/* Checks ------------------------------------------------------------------ */

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A colon belongs only to an IPv6 literal, bare or in brackets (RFC 3986
 * 3.2.2); "host:port" and "[v6]:port" would become a URL's port, or a
 * libcurl error at connect.  0 when s has no colon or is such a literal. */
static int check_colon(const char *what, const char *s, struct rpe_error *err)
{
	struct in6_addr a;
	char inner[64];
	size_t n = strlen(s);

	if (!strchr(s, ':') || inet_pton(AF_INET6, s, &a) == 1)
		return 0;
	if (s[0] == '[' && n >= 2 && n - 2 < sizeof(inner) && s[n - 1] == ']') {
		memcpy(inner, s + 1, n - 2);
		inner[n - 2] = '\0';
		if (inet_pton(AF_INET6, inner, &a) == 1)
			return 0;
	}
	if (s[0] == '[' || !strchr(strchr(s, ':') + 1, ':'))
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid %s '%.64s': give the port with %s, not "
				"after the name",
				what, s,
				strcmp(what, "--rpc-server") == 0 ? "--rpc-port" :
								    "-p");
	return rpe_fail(err, RPE_ERR_ARG,
			"invalid %s '%.64s': neither a host name nor an IPv6 "
			"address",
			what, s);
}

int cfg_check_host(const char *what, const char *s, struct rpe_error *err)
{
	const char *p;

	if (!*s)
		return rpe_fail(err, RPE_ERR_ARG, "%s is empty", what);
	if (strlen(s) > 255)
		return rpe_fail(err, RPE_ERR_ARG, "%s is too long", what);
	for (p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch == 0x7f || strchr("/?#@\\%", ch) ||
		    (p == s && ch == '-'))
			return rpe_fail(err, RPE_ERR_ARG,
					"invalid %s '%.64s' (a host name or "
					"address, without scheme or path)",
					what, s);
	}
	return check_colon(what, s, err);
}

int cfg_check_rpc_server(const char *s, bool *mailbox, struct rpe_error *err)
{
	const char *at = strchr(s, '@');

	*mailbox = false;
	if (!at)
		return cfg_check_host("--rpc-server", s, err);
	/* Exchange 2013 and later address the mailbox, not a server, in the
	 * RPC proxy URL: ExchangeGuid@PrimarySmtpDomain, the Server that
	 * Autodiscover returns for Protocol Type EXCH (MS-OXDSCLI). */
	if (!autodiscover_is_guid_name(s))
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --rpc-server '%.80s' (a host name, or "
				"a mailbox as GUID@domain such as "
				"3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com)",
				s);
	*mailbox = true;
	return 0;
}

int cfg_check_mailbox_dn(const char *s, struct rpe_error *err)
{
	struct rpe_error e;

	if (s[0] != '/' || has_control(s))
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --mailbox-dn '%.64s' (a legacyExchangeDN "
				"such as /o=Org/ou=.../cn=Recipients/cn=user)",
				s);
	if (emsmdb_check_user_dn(s, &e) < 0)
		return rpe_fail(err, e.code, "invalid --mailbox-dn (%s)", e.msg);
	return 0;
}

int cfg_check_file(const char *what, const char *path, struct rpe_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return rpe_fail(err, RPE_ERR_ARG, "cannot read %s '%.200s': %s",
				what, path, strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = rpe_fail(err, RPE_ERR_ARG, "cannot read %s '%.200s': %s",
			      what, path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = rpe_fail(err, RPE_ERR_ARG,
			      "cannot read %s '%.200s': it is a directory",
			      what, path);
	close(fd);
	return rc;
}

int cfg_check_proxy_path(const char *s, struct rpe_error *err)
{
	if (s[0] != '/' || strpbrk(s, "?# ") || has_control(s))
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --rpc-proxy-path '%.64s' (an absolute "
				"path such as %s)",
				s, CFG_DEFAULT_PROXY_PATH);
	return 0;
}

int cfg_check_connect_to(const char *s, struct rpe_error *err)
{
	const char *p = s;
	int colons = 0, bracket = 0;

	/* Four fields; the colons of an IPv6 literal in brackets do not
	 * count. */
	for (; *p; p++) {
		bracket += *p == '[' ? 1 : *p == ']' ? -1 : 0;
		colons += *p == ':' && bracket == 0;
	}
	if (colons != 3 || bracket != 0 || has_control(s) || strchr(s, ' ') ||
	    strchr(s, '/'))
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --autodiscover-connect-to '%.80s' (want "
				"HOST:PORT:ADDRESS:PORT, e.g. "
				"autodiscover.contoso.com:443:10.0.0.5:443)",
				s);
	return 0;
}

int cfg_check_proxy(const char *s, struct rpe_error *err)
{
	if (!*s || has_control(s))
		return rpe_fail(err, RPE_ERR_ARG, "invalid --proxy");
	return 0;
}
