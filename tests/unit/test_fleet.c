/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --all-addresses: the fleet verdict and its status line (lib/fleet), the
 * perfdata label of an address, the order of resolved addresses
 * (lib/resolve), and the WWW-Authenticate schemes (lib/tlsinfo). */
#include "fleet.h"
#include "resolve.h"
#include "tlsinfo.h"

#include <stdio.h>

#include "t.h"

static struct verdict mk(enum mp_state st, int enforced, const char *summary)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.state = st;
	v.enforced = enforced;
	snprintf(v.summary, sizeof(v.summary), "%s", summary);
	return v;
}

static void test_all_ok(void)
{
	struct verdict a = mk(MP_OK, 1, "10.0.0.5 requires RPC encryption");
	struct verdict b = mk(MP_OK, 1, "10.0.0.6 requires RPC encryption");
	struct fleet_site s[2] = { { "10.0.0.5", &a }, { "10.0.0.6", &b } };
	struct fleet_summary f;

	fleet_judge("mail", EXPECT_REQUIRED, s, 2, &f);
	CHECK_INT(f.state, MP_OK);
	CHECK_INT(f.enforced, 2);
	CHECK_STR(f.text, "mail: all 2 addresses require RPC encryption");
	a.enforced = b.enforced = 0;
	fleet_judge("mail", EXPECT_OPTIONAL, s, 2, &f);
	CHECK_STR(f.text, "mail: all 2 addresses accept unencrypted RPC logons");
	a.enforced = 1;
	fleet_judge("mail", EXPECT_ANY, s, 2, &f);
	CHECK_STR(f.text,
		  "mail: 2 addresses OK, 1 of them require RPC encryption");
}

/* Three addresses 10.0.0.5, 10.0.0.7, 10.0.0.6 with the verdicts v. */
static void judge3(const struct verdict v[3], enum verdict_expect e,
		   struct fleet_summary *f)
{
	struct fleet_site s[3] = { { "10.0.0.5", &v[0] },
				   { "10.0.0.7", &v[1] },
				   { "10.0.0.6", &v[2] } };

	fleet_judge("mail", e, s, 3, f);
}

static void test_drift(void)
{
	struct verdict v[3] = {
		mk(MP_OK, 1, "10.0.0.5 requires RPC encryption"),
		mk(MP_CRITICAL, 0, "10.0.0.7 accepts unencrypted RPC logons"),
		mk(MP_OK, 1, "10.0.0.6 requires RPC encryption"),
	};
	struct fleet_summary f;

	judge3(v, EXPECT_REQUIRED, &f);
	CHECK_INT(f.state, MP_CRITICAL);
	CHECK_INT(f.odd, 1);
	CHECK_INT(f.enforced, 2);
	CHECK_STR(f.text,
		  "mail: 1 of 3 addresses accept unencrypted logons: 10.0.0.7 (expected: encryption required)");
	/* Two drifted: both named, in order. */
	v[0] = mk(MP_CRITICAL, 0, "10.0.0.5 accepts unencrypted RPC logons");
	judge3(v, EXPECT_REQUIRED, &f);
	CHECK_STR(f.text,
		  "mail: 2 of 3 addresses accept unencrypted logons: 10.0.0.5, 10.0.0.7 (expected: encryption required)");
	/* --expect optional: the enforcing one is odd. */
	v[0] = mk(MP_OK, 0, "x");
	v[1] = mk(MP_OK, 0, "y");
	v[2] = mk(MP_CRITICAL, 1, "10.0.0.6 requires RPC encryption ...");
	judge3(v, EXPECT_OPTIONAL, &f);
	CHECK_STR(f.text,
		  "mail: 1 of 3 addresses refuse unencrypted logons: 10.0.0.6 (expected: encryption optional)");
}

/* MAPI over HTTP: the same table, the plain door's words. */
static void test_mapi_words(void)
{
	struct verdict v[3] = {
		mk(MP_OK, 1, "10.0.0.5 requires TLS for MAPI over HTTP"),
		mk(MP_CRITICAL, 0,
		   "10.0.0.7: MAPI over HTTP accepted without TLS"),
		mk(MP_OK, 1, "10.0.0.6 requires TLS for MAPI over HTTP"),
	};
	struct fleet_site s[3] = { { "10.0.0.5", &v[0] },
				   { "10.0.0.7", &v[1] },
				   { "10.0.0.6", &v[2] } };
	struct fleet_summary f;

	fleet_judge_words("mail", EXPECT_REQUIRED, &fleet_words_mapi, s, 3, &f);
	CHECK_INT(f.state, MP_CRITICAL);
	CHECK_STR(f.text,
		  "mail: 1 of 3 addresses accept MAPI over HTTP without TLS: 10.0.0.7 (expected: TLS required)");
	v[1] = mk(MP_OK, 1, "10.0.0.7 requires TLS for MAPI over HTTP");
	fleet_judge_words("mail", EXPECT_REQUIRED, &fleet_words_mapi, s, 3, &f);
	CHECK_STR(f.text, "mail: all 3 addresses require TLS for MAPI over HTTP");
	v[0] = mk(MP_CRITICAL, 1, "x");
	v[1] = mk(MP_OK, 0, "y");
	v[2] = mk(MP_OK, 0, "z");
	fleet_judge_words("mail", EXPECT_OPTIONAL, &fleet_words_mapi, s, 3, &f);
	CHECK_STR(f.text,
		  "mail: 1 of 3 addresses refuse MAPI over plain http: 10.0.0.5 (expected: plain http allowed)");
}

static void test_failures(void)
{
	struct verdict v[3] = {
		mk(MP_OK, 1, "10.0.0.5 requires RPC encryption"),
		mk(MP_UNKNOWN, -1,
		   "10.0.0.7: encrypted logon timed out after 3s during bind"),
		mk(MP_WARNING, 1,
		   "10.0.0.6 requires RPC encryption (slowest probe 3s)"),
	};
	struct fleet_summary f;

	/* WARNING outranks UNKNOWN (Monitoring Plugins order). */
	judge3(v, EXPECT_REQUIRED, &f);
	CHECK_INT(f.state, MP_WARNING);
	CHECK_STR(f.text,
		  "mail: 1 of 3 addresses WARNING: 10.0.0.6 requires RPC encryption (slowest probe 3s)");
	v[2] = mk(MP_OK, 1, "ok");
	judge3(v, EXPECT_REQUIRED, &f);
	CHECK_INT(f.state, MP_UNKNOWN);
	CHECK_STR(f.text,
		  "mail: 1 of 3 addresses UNKNOWN: 10.0.0.7: encrypted logon timed out after 3s during bind");
	/* A CRITICAL failure and a drift together: both summaries. */
	v[0] = mk(MP_CRITICAL, 0, "A accepts");
	v[1] = mk(MP_CRITICAL, -1, "B: encrypted logon failed");
	judge3(v, EXPECT_REQUIRED, &f);
	CHECK_STR(f.text,
		  "mail: 2 of 3 addresses CRITICAL: A accepts; B: encrypted logon failed");
}

static void test_label(void)
{
	char l[64];

	fleet_label("10.0.0.7", l, sizeof(l));
	CHECK_STR(l, "10_0_0_7");
	fleet_label("2001:db8::7", l, sizeof(l));
	CHECK_STR(l, "2001_db8__7");
	fleet_label("::1", l, sizeof(l));
	CHECK_STR(l, "__1");
	fleet_label("10.0.0.7", l, 4);
	CHECK_STR(l, "10_");
}

static void test_addr_order(void)
{
	CHECK(resolve_addr_cmp("10.0.0.9", "10.0.0.10") < 0);
	CHECK(resolve_addr_cmp("192.0.2.1", "::1") < 0);
	CHECK(resolve_addr_cmp("::1", "2001:db8::1") < 0);
	CHECK(resolve_addr_cmp("2001:db8::1", "2001:db8::1") == 0);
}

static void schemes(const char *value, char *out, size_t n, int want)
{
	CHECK_INT(http_auth_schemes_add(out, n, (const uint8_t *)value,
					strlen(value)),
		  want);
}

static void test_auth_schemes(void)
{
	char l[96] = "";

	/* IIS: one header per scheme, then a repeat. */
	schemes(" Negotiate\r\n", l, sizeof(l), 1);
	schemes(" NTLM\r\n", l, sizeof(l), 1);
	schemes(" Basic realm=\"mail.contoso.com\"\r\n", l, sizeof(l), 1);
	schemes(" ntlm\r\n", l, sizeof(l), 0);
	CHECK_STR(l, "Negotiate, NTLM, Basic");
	/* Several challenges in one field (RFC 7235 section 4.1), params
	 * with commas inside quoted strings, a token68. */
	l[0] = '\0';
	schemes("Basic realm=\"a, b\", charset=\"UTF-8\", NTLM TlRMTVNTUAACAAAA==, Digest realm=\"x\", qop=\"auth,auth-int\"",
		l, sizeof(l), 3);
	CHECK_STR(l, "Basic, NTLM, Digest");
	/* Not a challenge list, an unterminated quote. */
	l[0] = '\0';
	schemes("\"quoted\"", l, sizeof(l), -1);
	schemes("Basic realm=\"open", l, sizeof(l), -1);
	schemes("", l, sizeof(l), 0);
	schemes(" , ,", l, sizeof(l), 0);
	/* A full list stays as it is. */
	{
		char small[10] = "";
		schemes("Negotiate, NTLM", small, sizeof(small), 1);
		CHECK_STR(small, "Negotiate");
	}
}

int main(void)
{
	T_RUN(test_all_ok);
	T_RUN(test_drift);
	T_RUN(test_mapi_words);
	T_RUN(test_failures);
	T_RUN(test_label);
	T_RUN(test_addr_order);
	T_RUN(test_auth_schemes);
	T_DONE();
}
