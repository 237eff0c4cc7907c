/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --posture: evaluation of what the run saw; see posture.h. */
#include "posture.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

/* The doors, in the order the report lists them.  Extended Protection
 * values are HealthChecker's supported ones (CSS-Exchange): Require on
 * the front end's Rpc and MAPI, None on Autodiscover. */
static const struct posture_door_info doors[POSTURE_DOOR_COUNT] = {
	[POSTURE_DOOR_RPC] = {
		"/rpc", "rpc", "Default Web Site/Rpc", 1, 1,
		"Set-OutlookAnywhere -Identity '%s\\Rpc (Default Web Site)' "
		"-IISAuthenticationMethods Negotiate,NTLM",
	},
	[POSTURE_DOOR_MAPI] = {
		"/mapi", "mapi", "Default Web Site/mapi", 1, 1,
		"Set-MapiVirtualDirectory -Identity '%s\\mapi (Default Web Site)' "
		"-IISAuthenticationMethods Negotiate,NTLM",
	},
	[POSTURE_DOOR_AUTODISCOVER] = {
		"Autodiscover", "autodiscover", "Default Web Site/Autodiscover",
		0, 0, NULL,
	},
};

const struct posture_door_info *posture_door_info(enum posture_door d)
{
	return (unsigned)d < POSTURE_DOOR_COUNT ? &doors[d] : NULL;
}

/* Options ------------------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned bit;
} check_names[] = {
	{ "ep", POSTURE_EP },       { "tls", POSTURE_TLS },
	{ "auth", POSTURE_AUTH },   { "cert", POSTURE_CERT },
	{ "build", POSTURE_BUILD },
};

int posture_parse_checks(const char *s, unsigned *out, struct rpe_error *err)
{
	const char *p = s;
	unsigned bits = 0;

	if (!s || !*s || strcmp(s, "all") == 0) {
		*out = POSTURE_ALL;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ","), i;
		for (i = 0; i < sizeof(check_names) / sizeof(check_names[0]); i++)
			if (strlen(check_names[i].name) == len &&
			    strncmp(p, check_names[i].name, len) == 0)
				break;
		if (i == sizeof(check_names) / sizeof(check_names[0]))
			return rpe_fail(err, RPE_ERR_ARG,
					"--posture: unknown check '%.*s' (use all, or a comma list of ep, tls, auth, cert, build)",
					(int)(len > 32 ? 32 : len), p);
		bits |= check_names[i].bit;
		p += len;
		if (*p == ',' && p[1] == '\0')
			return rpe_fail(err, RPE_ERR_ARG,
					"--posture: empty check after ','");
		if (*p == ',')
			p++;
	}
	*out = bits;
	return 0;
}

static const char *const tls_names[POSTURE_TLS_COUNT] = {
	"TLS 1.0",
	"TLS 1.1",
	"TLS 1.2",
	"TLS 1.3",
};

int posture_parse_tls_floor(const char *s, int *out, struct rpe_error *err)
{
	static const char *const v[POSTURE_TLS_COUNT] = { "1.0", "1.1", "1.2",
							  "1.3" };
	int i;

	for (i = 0; i < POSTURE_TLS_COUNT; i++)
		if (s && strcmp(s, v[i]) == 0) {
			*out = i;
			return 0;
		}
	return rpe_fail(err, RPE_ERR_ARG,
			"--tls-floor '%.16s' is not one of 1.0, 1.1, 1.2, 1.3",
			s ? s : "");
}

const char *posture_tls_name(int v)
{
	return v >= 0 && v < POSTURE_TLS_COUNT ? tls_names[v] : "TLS ?";
}

/* Builds ------------------------------------------------------------------- */

/* Releases by major.minor.build; rev is the release's own revision (a
 * later one is a Security Update or hotfix on top). */
static const struct {
	unsigned major, minor, build, rev;
	const char *name;
} builds[] = {
	{ 14, 3, 123, 4, "Exchange 2010 SP3" },
	{ 15, 0, 1497, 2, "Exchange 2013 CU23" },
	{ 15, 1, 2375, 7, "Exchange 2016 CU22" },
	{ 15, 1, 2507, 6, "Exchange 2016 CU23" },
	{ 15, 2, 1118, 7, "Exchange 2019 CU12" },
	{ 15, 2, 1258, 12, "Exchange 2019 CU13" },
	{ 15, 2, 1544, 4, "Exchange 2019 CU14" },
	{ 15, 2, 1748, 10, "Exchange 2019 CU15" },
	{ 15, 2, 2562, 17, "Exchange Server SE RTM" },
};

/* One decimal part of a build number (1..5 digits), then '.' unless it is
 * the last part, through a cursor over the header value. */
static int parse_part(struct buf_cur *c, unsigned *v, int last)
{
	unsigned x = 0;
	int digits = 0;
	uint8_t ch = 0;

	while (buf_get_u8(c, &ch) == 0 && ch >= '0' && ch <= '9') {
		if (++digits > 5)
			return -1;
		x = x * 10 + (unsigned)(ch - '0');
		ch = 0;
	}
	if (!digits)
		return -1;
	if (last ? ch != 0 || buf_cur_remaining(c) : ch != '.')
		return -1;
	*v = x;
	return 0;
}

int posture_build_name(const char *version, char *out, size_t n)
{
	unsigned v[4];
	struct buf_cur c;
	size_t i;

	if (n)
		out[0] = '\0';
	if (!version)
		return -1;
	buf_cur_init(&c, version, strlen(version));
	if (parse_part(&c, &v[0], 0) < 0 || parse_part(&c, &v[1], 0) < 0 ||
	    parse_part(&c, &v[2], 0) < 0 || parse_part(&c, &v[3], 1) < 0)
		return -1;
	for (i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		if (builds[i].major != v[0] || builds[i].minor != v[1] ||
		    builds[i].build != v[2])
			continue;
		snprintf(out, n, "%s%s", builds[i].name,
			 v[3] > builds[i].rev ? " with a later update" :
			 v[3] < builds[i].rev ? " (a pre-release revision)" :
						"");
		return 1;
	}
	return 0;
}

/* Items -------------------------------------------------------------------- */

static struct posture_item *add(struct posture_report *r, unsigned check,
				enum posture_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct posture_item *add(struct posture_report *r, unsigned check,
				enum posture_status st, const char *fmt, ...)
{
	static struct posture_item sink;
	struct posture_item *it;
	va_list ap;

	if (r->n >= POSTURE_ITEMS_MAX) {
		memset(&sink, 0, sizeof(sink));
		return &sink; /* never reached with the checks below */
	}
	it = &r->item[r->n++];
	memset(it, 0, sizeof(*it));
	it->check = check;
	it->status = st;
	it->perf_value = NAN;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
	if (st == POSTURE_FINDING)
		r->findings++;
	return it;
}

static void perf(struct posture_item *it, const char *label, double v,
		 const char *alert)
{
	snprintf(it->perf_label, sizeof(it->perf_label), "%s", label);
	it->perf_value = v;
	snprintf(it->perf_alert, sizeof(it->perf_alert), "%s", alert);
}

static void brief(struct posture_item *it, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void brief(struct posture_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->brief, sizeof(it->brief), fmt, ap);
	va_end(ap);
}

/* A scheme in a ", "-separated list ("Negotiate, NTLM, Basic"). */
static int offers(const char *list, const char *scheme)
{
	size_t n = strlen(scheme);
	const char *p = list;

	while (p && *p) {
		if (strncasecmp(p, scheme, n) == 0 && (p[n] == ',' || !p[n]))
			return 1;
		p = strchr(p, ',');
		if (p)
			p += strspn(p, ", ");
	}
	return 0;
}

static int offers_ntlm(const char *list)
{
	return offers(list, "NTLM") || offers(list, "Negotiate");
}

/* Extended Protection ------------------------------------------------------- */

static void ep_untested(struct posture_report *r,
			const struct posture_door_info *di, const char *why)
{
	struct posture_item *it =
		add(r, POSTURE_EP, POSTURE_UNTESTED,
		    "Extended Protection on %s not testable: %s", di->name, why);
	char label[48];

	if (di->ep_required) {
		snprintf(label, sizeof(label), "ep_%s", di->label);
		perf(it, label, NAN, "1:");
	}
}

/* Why the Extended Protection check cannot be told at this door ("" when
 * it can). */
static void ep_why_untested(const struct posture_input *in,
			    const struct posture_door_seen *s, char *why,
			    size_t n)
{
	const char *offered = s->offered[0] ? s->offered : s->ep_offered;

	why[0] = '\0';
	if (!in->tls)
		snprintf(why, n, "no TLS (--no-tls), so no channel binding");
	else if (!s->ep_answered)
		snprintf(why, n, "%s",
			 s->ep_timed_out ? "no answer before the deadline" :
			 s->ep_error[0]  ? s->ep_error :
					   "no answer");
	else if (!offers_ntlm(offered))
		snprintf(why, n, "it offers no NTLM or Negotiate (offered: %s)",
			 offered[0] ? offered : "no HTTP authentication");
	else if (!s->ep_sent)
		snprintf(why, n,
			 "the NTLM logon did not get to its AUTHENTICATE (%s)",
			 s->ep_error[0] ? s->ep_error : "no challenge");
	else if (s->ep_status == 401 && s->bound_none)
		snprintf(why, n,
			 "refused (HTTP 401), but the run made no NTLM logon with channel binding there to compare (--http-auth basic or negotiate)");
	else if (s->ep_status == 401 && !s->bound_ok)
		snprintf(why, n,
			 "the run's own logon with channel binding was refused too (credentials?)");
}

static void ep_door(struct posture_report *r, const struct posture_input *in,
		    enum posture_door d)
{
	const struct posture_door_info *di = &doors[d];
	const struct posture_door_seen *s = &in->door[d];
	struct posture_item *it;
	char why[260], label[48];

	snprintf(label, sizeof(label), "ep_%s", di->label);
	ep_why_untested(in, s, why, sizeof(why));
	if (why[0]) {
		ep_untested(r, di, why);
		return;
	}
	if (s->ep_status == 401) {
		it = add(r, POSTURE_EP,
			 di->ep_required ? POSTURE_PASS : POSTURE_INFO,
			 "Extended Protection enforced on %s: an NTLM logon without channel binding was refused (HTTP 401)",
			 di->name);
		if (di->ep_required)
			perf(it, label, 1, "1:");
		return;
	}
	if (!di->ep_required) {
		add(r, POSTURE_EP, POSTURE_INFO,
		    "Extended Protection not enforced on %s (an NTLM logon without channel binding got HTTP %ld); Microsoft's supported setting there is None",
		    di->name, s->ep_status);
		return;
	}
	it = add(r, POSTURE_EP, POSTURE_FINDING,
		 "Extended Protection not enforced on %s: an NTLM logon without channel binding was accepted (HTTP %ld), so relayed NTLM credentials work there (CVE-2024-21410; setting None or Allow). "
		 "Fix: tokenChecking Require on '%s' and its Exchange Back End twin (ExchangeExtendedProtectionManagement.ps1 of CSS-Exchange, or Set-WebConfigurationProperty -PSPath IIS:\\ -Location '%s' -Filter system.webServer/security/authentication/windowsAuthentication -Name extendedProtection.tokenChecking -Value Require); not behind SSL offloading",
		 di->name, s->ep_status, di->vdir, di->vdir);
	brief(it, "Extended Protection not enforced on %s", di->name);
	perf(it, label, 0, "1:");
}

/* Authentication schemes ------------------------------------------------------ */

static void auth_door(struct posture_report *r, const struct posture_input *in,
		      enum posture_door d)
{
	const struct posture_door_info *di = &doors[d];
	const struct posture_door_seen *s = &in->door[d];
	struct posture_item *it;
	char label[48], fix[200];
	int basic = offers(s->offered, "Basic"), other = offers_ntlm(s->offered);

	snprintf(label, sizeof(label), "basic_%s", di->label);
	if (!di->basic_finding) {
		if (s->offered[0])
			add(r, POSTURE_AUTH, POSTURE_INFO,
			    "authentication offered on %s: %s", di->name,
			    s->offered);
		return;
	}
	if (!s->offered[0]) {
		it = add(r, POSTURE_AUTH, POSTURE_UNTESTED,
			 "authentication offered on %s not seen (%s)", di->name,
			 s->answered ? "no 401 challenge" :
			 s->error[0] ? s->error :
				       "no answer");
		perf(it, label, NAN, "0");
		return;
	}
	if (!basic) {
		it = add(r, POSTURE_AUTH, POSTURE_PASS,
			 "authentication offered on %s: %s (no Basic)",
			 di->name, s->offered);
		perf(it, label, 0, "0");
		return;
	}
	snprintf(fix, sizeof(fix), di->auth_fix,
		 in->server ? in->server : "SERVER");
	it = add(r, POSTURE_AUTH, POSTURE_FINDING,
		 "Basic offered on %s%s (offered: %s): %s, with the password in every request. Fix: %s",
		 di->name, other ? " beside NTLM/Negotiate" : " alone",
		 s->offered,
		 other ? "a way around Extended Protection" :
			 "Extended Protection cannot protect it",
		 fix);
	brief(it, "Basic offered on %s", di->name);
	perf(it, label, 1, "0");
}

/* TLS floor ---------------------------------------------------------------- */

static void tls_floor(struct posture_report *r, const struct posture_options *o,
		      const struct posture_input *in)
{
	const struct posture_tls_seen *t = &in->tls_seen;
	char refused[160] = "", untried[160] = "", probes[120] = "";
	int v, accepted = 0, untested = 0;
	struct posture_item *it;

	if (!in->tls) {
		add(r, POSTURE_TLS, POSTURE_UNTESTED,
		    "TLS floor not testable: no TLS (--no-tls)");
		return;
	}
	if (in->probe_tls[0])
		snprintf(probes, sizeof(probes), "; the probes got %s%s%s",
			 in->probe_tls, in->probe_cipher[0] ? ", " : "",
			 in->probe_cipher);
	for (v = 0; v < o->tls_floor; v++) {
		size_t n;
		if (!t->tried[v]) {
			n = strlen(untried);
			snprintf(untried + n, sizeof(untried) - n, "%s%s",
				 n ? ", " : "", tls_names[v]);
			untested++;
			continue;
		}
		if (!t->accepted[v]) {
			n = strlen(refused);
			snprintf(refused + n, sizeof(refused) - n, "%s%s",
				 n ? ", " : "", tls_names[v]);
			continue;
		}
		accepted++;
		it = add(r, POSTURE_TLS, POSTURE_FINDING,
			 "%s accepted (%s), below the floor %s. Fix: disable it in SChannel (HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\%s\\Server: Enabled=0, DisabledByDefault=1, then restart) and on any load balancer that terminates TLS in front",
			 tls_names[v],
			 t->cipher[v][0] ? t->cipher[v] : "cipher unknown",
			 tls_names[o->tls_floor], tls_names[v]);
		brief(it, "%s accepted", tls_names[v]);
	}
	it = add(r, POSTURE_TLS, untested ? POSTURE_UNTESTED : POSTURE_PASS,
		 "TLS floor %s: %s%s%s%s%s%s", tls_names[o->tls_floor],
		 o->tls_floor == 0        ? "nothing below it to try" :
		 accepted == o->tls_floor ? "every version below it accepted" :
					    "",
		 refused, refused[0] ? " refused" : "",
		 untried[0] ? (refused[0] ? "; not tried before the deadline: " :
					    "not tried before the deadline: ") :
			      "",
		 untried, probes);
	if (accepted)
		it->status = POSTURE_INFO;
	perf(it, "tls_below_floor", untested && !accepted ? NAN : accepted, "0");
}

/* Certificate -------------------------------------------------------------- */

static void cert_checks(struct posture_report *r, const struct posture_input *in)
{
	const struct cert_strength *c = in->cert;
	const struct posture_tls_seen *t = &in->tls_seen;
	struct posture_item *it;
	char sigs[300] = "";
	int weak = 0, i, min;

	if (!in->tls || !c || !c->have) {
		add(r, POSTURE_CERT, POSTURE_UNTESTED,
		    "certificate strength not testable: %s",
		    in->tls ? "no certificate seen" : "no TLS (--no-tls)");
		return;
	}
	min = strcmp(c->key_type, "EC") == 0 ? 256 :
	      strcmp(c->key_type, "RSA") == 0 || strcmp(c->key_type, "DSA") == 0 ?
					       2048 :
					       0;
	if (min && c->key_bits < min) {
		it = add(r, POSTURE_CERT, POSTURE_FINDING,
			 "certificate key %s %d bits, weaker than %d. Fix: a new certificate with an RSA key of 2048 bits or more or an ECDSA P-256 key (New-ExchangeCertificate -KeySize 2048 ..., then Enable-ExchangeCertificate -Services IIS)",
			 c->key_type, c->key_bits, min);
		brief(it, "certificate key %s %d bits", c->key_type, c->key_bits);
	}
	for (i = 0; i < c->n; i++) {
		size_t n = strlen(sigs);
		int bad = strcasecmp(c->digest[i], "SHA1") == 0 ||
			  strcasecmp(c->digest[i], "MD5") == 0;
		snprintf(sigs + n, sizeof(sigs) - n, "%s%s (%s)", n ? ", " : "",
			 c->digest[i], i == 0 ? "leaf" : "intermediate");
		if (!bad)
			continue;
		weak++;
		it = add(r, POSTURE_CERT, POSTURE_FINDING,
			 "certificate %s (%s) is signed with %s. Fix: have it reissued with SHA-256 (the %s certificate of the chain)",
			 c->subject[i], i == 0 ? "leaf" : "intermediate",
			 c->digest[i], i == 0 ? "server" : "intermediate CA");
		brief(it, "%s certificate signed with %s",
		      i == 0 ? "server" : "intermediate", c->digest[i]);
	}
	it = add(r, POSTURE_CERT, POSTURE_PASS,
		 "certificate: %s key %d bits; signatures %s", c->key_type,
		 c->key_bits, sigs[0] ? sigs : "(self-signed only)");
	if ((min && c->key_bits < min) || weak)
		it->status = POSTURE_INFO;
	perf(it, "certificate_weak_signatures", weak, "0");
	if (!in->insecure)
		return;
	if (!t->verify_tried) {
		add(r, POSTURE_CERT, POSTURE_UNTESTED,
		    "certificate chain not verified (--insecure; no handshake with verification before the deadline)");
		return;
	}
	if (t->verify_failed) {
		it = add(r, POSTURE_CERT, POSTURE_FINDING,
			 "the certificate chain verifies only with --insecure (%s): Outlook warns or refuses. Fix: a certificate from a CA the clients trust, with its intermediates (Import-ExchangeCertificate, Enable-ExchangeCertificate -Services IIS)",
			 t->verify_error[0] ? t->verify_error :
					      "verification failed");
		brief(it, "certificate chain not trusted");
		perf(it, "certificate_trusted", 0, "1:");
	} else {
		it = add(r, POSTURE_CERT, POSTURE_PASS,
			 "the certificate chain verifies against the system's CAs (--insecure was not needed)");
		perf(it, "certificate_trusted", 1, "1:");
	}
}

/* Build -------------------------------------------------------------------- */

static void build(struct posture_report *r, const struct posture_input *in)
{
	char name[96], doorlist[96] = "";
	int d, rc;

	for (d = 0; d < POSTURE_DOOR_COUNT; d++) {
		const struct posture_door_seen *s = &in->door[d];
		size_t n = strlen(doorlist);
		if (!s->used)
			continue;
		if (s->owa_version[0]) {
			rc = posture_build_name(s->owa_version, name,
						sizeof(name));
			add(r, POSTURE_BUILD, POSTURE_INFO,
			    "Exchange build %s (%s), from X-OWA-Version on %s",
			    s->owa_version,
			    rc > 0  ? name :
			    rc == 0 ? "not in this plugin's table" :
				      "not a build number",
			    doors[d].name);
			return;
		}
		snprintf(doorlist + n, sizeof(doorlist) - n, "%s%s",
			 n ? ", " : "", doors[d].name);
	}
	add(r, POSTURE_BUILD, POSTURE_INFO,
	    "Exchange build not shown: no X-OWA-Version header on %s (a reverse proxy may strip it)",
	    doorlist[0] ? doorlist : "any door");
}

void posture_evaluate(const struct posture_options *o,
		      const struct posture_input *in, struct posture_report *out)
{
	int d;

	memset(out, 0, sizeof(*out));
	if (!o->checks)
		return;
	for (d = 0; d < POSTURE_DOOR_COUNT; d++) {
		if (!in->door[d].used)
			continue;
		if (o->checks & POSTURE_EP)
			ep_door(out, in, (enum posture_door)d);
		if (o->checks & POSTURE_AUTH)
			auth_door(out, in, (enum posture_door)d);
	}
	if (o->checks & POSTURE_TLS)
		tls_floor(out, o, in);
	if (o->checks & POSTURE_CERT)
		cert_checks(out, in);
	if (o->checks & POSTURE_BUILD)
		build(out, in);
	out->state = out->findings ? (o->critical ? 2 : 1) : 0;
}
