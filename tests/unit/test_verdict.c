/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict table of docs/architecture.md, cell by cell. */
#include "verdict.h"
#include "emsmdb.h"
#include "t.h"

static struct probe_result mk(const char *label, enum probe_level lvl,
			      enum probe_outcome o, enum probe_phase ph,
			      uint32_t ec, const char *ec_name)
{
	struct probe_result r;
	int i;

	memset(&r, 0, sizeof(r));
	r.label = label;
	r.level = lvl;
	r.outcome = o;
	r.phase = ph;
	r.ec = ec;
	snprintf(r.ec_name, sizeof(r.ec_name), "%s", ec_name);
	snprintf(r.message, sizeof(r.message), "test message");
	for (i = 0; i < PHASE_COUNT; i++)
		r.phase_end[i] = -1;
	r.phase_end[PHASE_CONNECT] = 0.01;
	r.phase_end[PHASE_RTS] = 0.02;
	r.total_time = 0.21;
	return r;
}

static struct probe_result enc_ok(void)
{
	return mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_LOGON_OK,
		  PHASE_DONE, 0, "ecNone");
}

static struct probe_result unenc(enum probe_outcome o, uint32_t ec,
				 const char *name)
{
	return mk("unencrypted", PROBE_LEVEL_CONNECT, o,
		  o == OUTCOME_LOGON_OK ? PHASE_DONE : PHASE_LOGON, ec, name);
}

/* Outlook 2003 SP3, 11.0.8161.0, in the old three-word form (MS-OXCRPC
 * 3.1.4.1.3.1: major, build, minor build). */
static const uint16_t outlook2003[3] = { 11, 8161, 0 };

static struct verdict run(enum verdict_expect ex, enum verdict_probes pr,
			  const struct probe_result *e,
			  const struct probe_result *u);

/* Both probes, the sealed one OK, the unsealed one refused with ec. */
static struct verdict run_refused(enum verdict_expect ex, uint32_t ec,
				  const char *name)
{
	struct probe_result e = enc_ok(),
			    u = unenc(OUTCOME_LOGON_REFUSED, ec, name);
	return run(ex, PROBES_BOTH, &e, &u);
}

static struct verdict run(enum verdict_expect ex, enum verdict_probes pr,
			  const struct probe_result *e,
			  const struct probe_result *u)
{
	struct verdict_input in = { "mail.example.com",
				    "EXCH01",
				    ex,
				    pr,
				    e,
				    u,
				    3,
				    10,
				    "/o=Example/cn=Recipients/cn=probe",
				    outlook2003,
				    0 };
	struct verdict v;
	verdict_decide(&in, &v);
	return v;
}

/* MAPI over HTTP: the https Connect e, the plain http Connect u. */
static struct verdict run_mapi(enum verdict_expect ex,
			       const struct probe_result *e,
			       const struct probe_result *u)
{
	struct verdict_input in = { "mail.example.com",
				    NULL,
				    ex,
				    e && u ? PROBES_BOTH :
				    e      ? PROBES_ENCRYPTED :
					     PROBES_UNENCRYPTED,
				    e,
				    u,
				    MP_UNKNOWN,
				    10,
				    "/o=Example/cn=Recipients/cn=probe",
				    NULL,
				    1 };
	struct verdict v;
	verdict_decide(&in, &v);
	return v;
}

static int has_line(const struct verdict *v, const char *needle)
{
	int i;
	for (i = 0; i < v->nlines; i++)
		if (strstr(v->lines[i], needle))
			return 1;
	return 0;
}

/* docs/architecture.md, "MAPI over HTTP": the plain door's table. */
static void test_mapi(void)
{
	struct probe_result e = enc_ok(), u, bad;
	struct verdict v;

	u = unenc(OUTCOME_TLS_REQUIRED, 0, "");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK_INT(v.state, MP_OK);
	CHECK_INT(v.enforced, 1);
	CHECK(strstr(v.summary, "requires TLS for MAPI over HTTP") != NULL);
	CHECK(has_line(&v, "MAPI over HTTP, plain http"));
	v = run_mapi(EXPECT_OPTIONAL, &e, &u);
	CHECK_INT(v.state, MP_CRITICAL);
	v = run_mapi(EXPECT_ANY, &e, &u);
	CHECK_INT(v.state, MP_OK);

	u = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	snprintf(u.auth_offered, sizeof(u.auth_offered), "NTLM, Basic");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK_INT(v.state, MP_CRITICAL);
	CHECK_INT(v.enforced, 0);
	CHECK(strstr(v.summary, "accepted without TLS") != NULL);
	CHECK(strstr(v.summary, "Basic sends passwords in clear") != NULL);
	CHECK(has_line(&v, "Require SSL"));
	v = run_mapi(EXPECT_OPTIONAL, &e, &u);
	CHECK_INT(v.state, MP_OK);

	/* An answered 401 on plain http: the door is open. */
	u = unenc(OUTCOME_ANSWERED_IN_CLEAR, 0, "");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK_INT(v.state, MP_CRITICAL);
	CHECK_INT(v.enforced, 0);
	CHECK(strstr(v.summary, "answered without TLS") != NULL);
	v = run_mapi(EXPECT_ANY, &e, &u);
	CHECK_INT(v.state, MP_OK);

	/* Anything else on the plain door: the policy cannot be told. */
	u = unenc(OUTCOME_PROXY_REFUSED, 0, "");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK_INT(v.state, MP_UNKNOWN);
	CHECK_INT(v.enforced, -1);
	u = unenc(OUTCOME_TIMEOUT, 0, "");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK_INT(v.state, 3);
	CHECK(strstr(v.summary, "timed out after 10s") != NULL);

	/* The https Connect refused: named with the mailbox setting. */
	bad = mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_LOGON_REFUSED,
		 PHASE_LOGON, EMSMDB_EC_PROTOCOL_DISABLED, "ecProtocolDisabled");
	u = unenc(OUTCOME_TLS_REQUIRED, 0, "");
	v = run_mapi(EXPECT_REQUIRED, &bad, &u);
	CHECK_INT(v.state, MP_CRITICAL);
	CHECK(strstr(v.summary, "ecProtocolDisabled 2008") != NULL);
	CHECK(strstr(v.summary, "-MapiHttpEnabled") != NULL);
	CHECK(has_line(&v,
		       "Set-CASMailbox -Identity '/o=Example/cn=Recipients/cn=probe'"));
	/* Not offered (404 without X-ResponseCode), a wrong MailboxId (3). */
	bad = mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_PROXY_REFUSED,
		 PHASE_CONNECT, 0, "");
	bad.http_status = 404;
	v = run_mapi(EXPECT_REQUIRED, &bad, &u);
	CHECK(strstr(v.summary, "MAPI over HTTP not offered") != NULL);
	bad.have_mapi_rc = 1;
	bad.mapi_rc = 3;
	v = run_mapi(EXPECT_REQUIRED, &bad, &u);
	CHECK(strstr(v.summary, "X-ResponseCode 3 (Invalid Path)") != NULL);
	CHECK(has_line(&v, "ExchangeGuid"));
	/* Only the https probe. */
	v = run_mapi(EXPECT_REQUIRED, &e, NULL);
	CHECK_INT(v.state, MP_OK);
	CHECK(strstr(v.summary, "plain http not tested") != NULL);
}

static void test_enforced(void)
{
	struct probe_result e = enc_ok(), u = unenc(OUTCOME_LOGON_NOT_ENCRYPTED,
						    0x970, "ecNotEncrypted");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK_INT(v.state, MP_OK);
	CHECK_INT(v.enforced, 1);
	CHECK_STR(v.summary,
		  "mail.example.com requires RPC encryption: unencrypted logon refused (ecNotEncrypted 2416), encrypted logon OK in 0.21s");
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, MP_CRITICAL);
	CHECK(strstr(v.summary, "locked out") != NULL);
	CHECK(has_line(&v,
		       "Set-RpcClientAccess -Server EXCH01 -EncryptionRequired $false"));
	CHECK(has_line(&v,
		       "Set-MailboxServer EXCH01 -MapiEncryptionRequired:$false"));
	v = run(EXPECT_ANY, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, MP_OK);
	CHECK_INT(v.enforced, 1);
}

static void test_not_enforced(void)
{
	struct probe_result e = enc_ok(),
			    u = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK_INT(v.state, MP_CRITICAL);
	CHECK_INT(v.enforced, 0);
	CHECK_STR(v.summary,
		  "mail.example.com accepts unencrypted RPC logons (expected: encryption required)");
	CHECK(has_line(&v,
		       "Set-RpcClientAccess -Server EXCH01 -EncryptionRequired $true"));
	CHECK(has_line(&v,
		       "(Get-RpcClientAccess -Server EXCH01).EncryptionRequired"));
	/* '|' would start perfdata in the long output */
	for (int i = 0; i < v.nlines; i++)
		CHECK(strchr(v.lines[i], '|') == NULL);
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, MP_OK);
	v = run(EXPECT_ANY, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, MP_OK);
	CHECK_INT(v.enforced, 0);
}

static void test_encrypted_broken(void)
{
	static const enum probe_outcome bad[] = {
		OUTCOME_AUTH_FAILED,        OUTCOME_RPC_FAULT,
		OUTCOME_BIND_REJECTED,      OUTCOME_TLS_FAILED,
		OUTCOME_CONNECT_FAILED,     OUTCOME_PROXY_REFUSED,
		OUTCOME_PROTOCOL_ERROR,     OUTCOME_LOGON_REFUSED,
		OUTCOME_LOGON_NOT_ENCRYPTED
	};
	struct probe_result u = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	size_t i;
	int ex;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct probe_result e = mk("encrypted", PROBE_LEVEL_PRIVACY,
					   bad[i], PHASE_BIND, 0x3eb,
					   "ecUnknownUser");
		for (ex = EXPECT_REQUIRED; ex <= EXPECT_ANY; ex++) {
			struct verdict v = run((enum verdict_expect)ex,
					       PROBES_BOTH, &e, &u);
			CHECK_INT(v.state, MP_CRITICAL);
			CHECK_INT(v.enforced, -1);
			CHECK(strstr(v.summary, "encrypted logon") != NULL);
		}
	}
}

static void test_timeouts(void)
{
	struct probe_result e = enc_ok(),
			    u = mk("unencrypted", PROBE_LEVEL_CONNECT,
				   OUTCOME_TIMEOUT, PHASE_BIND, 0, "");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK_INT(v.state, MP_UNKNOWN); /* the -t state given */
	CHECK_STR(v.summary,
		  "mail.example.com: unencrypted logon timed out after 10s during bind");
	e = mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_TIMEOUT, PHASE_RTS, 0,
	       "");
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, MP_UNKNOWN);
	CHECK(strstr(v.summary, "during rts") != NULL);
}

static void test_inconclusive(void)
{
	struct probe_result e = enc_ok(), u;
	struct verdict v = run_refused(EXPECT_REQUIRED, EMSMDB_EC_LOGIN_FAILURE,
				       "ecLoginFailure");

	/* Refused for a reason unrelated to sealing: the policy is open. */
	CHECK_INT(v.state, MP_UNKNOWN);
	CHECK_INT(v.enforced, -1);
	CHECK(strstr(v.summary, "ecLoginFailure 2147746065") != NULL);
	CHECK(has_line(&v, "ecLoginFailure: the store cannot log the user on"));
	u = unenc(OUTCOME_BIND_REJECTED, 0, "");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, MP_UNKNOWN);
	CHECK(has_line(&v, "--unencrypted-level integrity"));
}

/* Sealed logon OK, unsealed ecClientVerDisallowed with the same version:
 * how a server requiring encryption answers Outlook 2003. */
static void test_old_client_enforced(void)
{
	static const struct {
		enum verdict_expect ex;
		int state;
		const char *summary, *line;
	} want[] = {
		{ EXPECT_REQUIRED, MP_OK,
		  "mail.example.com requires RPC encryption: unencrypted logon refused (ecClientVerDisallowed 1247), encrypted logon OK in 0.21s",
		  "same client version 11.0.8161.0 worked: the server requires encryption" },
		{ EXPECT_OPTIONAL, MP_CRITICAL,
		  "mail.example.com requires RPC encryption: unencrypted clients are locked out (ecClientVerDisallowed 1247) (expected: encryption optional)",
		  "-EncryptionRequired $false" },
		{ EXPECT_ANY, MP_OK,
		  "mail.example.com requires RPC encryption: unencrypted logon refused (ecClientVerDisallowed 1247), encrypted logon OK in 0.21s",
		  "has blocked the version of Outlook that you are using" },
	};
	struct probe_result u = unenc(OUTCOME_LOGON_REFUSED,
				      EMSMDB_EC_CLIENT_VER_DISALLOWED,
				      "ecClientVerDisallowed");
	struct verdict v;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		v = run_refused(want[i].ex, EMSMDB_EC_CLIENT_VER_DISALLOWED,
				"ecClientVerDisallowed");
		CHECK_INT(v.state, want[i].state);
		CHECK_INT(v.enforced, 1);
		CHECK_STR(v.summary, want[i].summary);
		CHECK(has_line(&v, want[i].line));
		CHECK(has_line(&v, "cannot receive ecNotEncrypted"));
	}
	/* Alone, the unsealed answer cannot tell policy from block. */
	v = run(EXPECT_REQUIRED, PROBES_UNENCRYPTED, NULL, &u);
	CHECK_INT(v.state, MP_UNKNOWN);
	CHECK_INT(v.enforced, -1);
	CHECK(strstr(v.summary, "--probe both") != NULL);
}

/* Both logons ecClientVerDisallowed: the version is blocked, whatever
 * the expectation. */
static void test_version_blocked(void)
{
	struct probe_result e = mk("encrypted", PROBE_LEVEL_PRIVACY,
				   OUTCOME_LOGON_REFUSED, PHASE_LOGON,
				   EMSMDB_EC_CLIENT_VER_DISALLOWED,
				   "ecClientVerDisallowed"),
			    u = unenc(OUTCOME_LOGON_REFUSED,
				      EMSMDB_EC_CLIENT_VER_DISALLOWED,
				      "ecClientVerDisallowed");
	struct verdict v;
	int ex;

	for (ex = EXPECT_REQUIRED; ex <= EXPECT_ANY; ex++) {
		v = run((enum verdict_expect)ex, PROBES_BOTH, &e, &u);
		CHECK_INT(v.state, MP_CRITICAL);
		CHECK_INT(v.enforced, -1);
		CHECK_STR(v.summary,
			  "mail.example.com: client version 11.0.8161.0 is blocked: both logons refused (ecClientVerDisallowed 1247); see Set-RpcClientAccess -BlockedClientVersions, try another --client-version");
		CHECK(has_line(&v,
			       "(Get-RpcClientAccess -Server EXCH01).BlockedClientVersions"));
		CHECK(has_line(&v, "MAPIBlockOutlookVersions"));
		CHECK(has_line(&v, "--client-version outlook2016"));
	}
	/* The sealed logon alone suffices to tell a block. */
	v = run(EXPECT_REQUIRED, PROBES_ENCRYPTED, &e, NULL);
	CHECK_INT(v.state, MP_CRITICAL);
	CHECK(strstr(v.summary,
		     "is blocked: encrypted logon refused (ecClientVerDisallowed 1247)") !=
	      NULL);
}

/* ecRpcHttpDisallowed / ecProtocolDisabled / ecCachedModeRequired name
 * the Set-CASMailbox parameter. */
static void test_mailbox_settings(void)
{
	static const struct {
		uint32_t ec;
		const char *name, *summary, *fix;
	} cases[] = {
		{ EMSMDB_EC_RPC_HTTP_DISALLOWED, "ecRpcHttpDisallowed",
		  "refused (ecRpcHttpDisallowed 1248): the mailbox may not use RPC over HTTP (Set-CASMailbox -MAPIBlockOutlookRpcHttp)",
		  "Set-CASMailbox -Identity '/o=Example/cn=Recipients/cn=probe' -MAPIBlockOutlookRpcHttp $false" },
		{ EMSMDB_EC_PROTOCOL_DISABLED, "ecProtocolDisabled",
		  "refused (ecProtocolDisabled 2008): MAPI is disabled for the mailbox (Set-CASMailbox -MAPIEnabled)",
		  "-MAPIEnabled $true" },
		{ EMSMDB_EC_CACHED_MODE_REQUIRED, "ecCachedModeRequired",
		  "refused (ecCachedModeRequired 1249): the mailbox allows only cached mode",
		  "-MAPIBlockOutlookNonCachedMode $false" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probe_result e = mk("encrypted", PROBE_LEVEL_PRIVACY,
					   OUTCOME_LOGON_REFUSED, PHASE_LOGON,
					   cases[i].ec, cases[i].name),
				    u = unenc(OUTCOME_LOGON_REFUSED,
					      cases[i].ec, cases[i].name);
		struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

		CHECK_INT(v.state, MP_CRITICAL);
		CHECK_INT(v.enforced, -1);
		CHECK(strstr(v.summary, cases[i].summary) != NULL);
		CHECK(has_line(&v, cases[i].fix));
	}
}

/* The RPC proxy's errors get the administrator's fix in the long output. */
static void test_proxy_errors(void)
{
	static const struct {
		enum probe_outcome o;
		long status;
		const char *reason, *fix;
	} cases[] = {
		{ OUTCOME_PROXY_REFUSED, 503, "RPC Error: 6ba", "ValidPorts" },
		{ OUTCOME_PROXY_REFUSED, 503, "RPC Error: 6d9", "MSExchangeRPC" },
		{ OUTCOME_PROXY_REFUSED, 404, "Not Found", "ExchangeGuid" },
		{ OUTCOME_AUTH_FAILED, 401, "Unauthorized", "--http-auth" },
	};
	struct probe_result u = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probe_result e = mk("encrypted", PROBE_LEVEL_PRIVACY,
					   cases[i].o, PHASE_CONNECT, 0, "");
		struct verdict v;

		e.http_status = cases[i].status;
		snprintf(e.http_reason, sizeof(e.http_reason), "%s",
			 cases[i].reason);
		v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
		CHECK_INT(v.state, MP_CRITICAL);
		CHECK(has_line(&v, "To fix (HTTP "));
		CHECK(has_line(&v, cases[i].fix));
	}
}

/* state, encryption_enforced and (unless NULL) the status line text */
static void check_verdict(const struct verdict *v, int state, int enforced,
			  const char *summary)
{
	CHECK_INT(v->state, state);
	CHECK_INT(v->enforced, enforced);
	if (summary)
		CHECK_STR(v->summary, summary);
}

/* --unencrypted-level none: no RPC authentication at all. */
static void test_level_none(void)
{
	struct probe_result e = enc_ok(),
			    u = mk("unencrypted", PROBE_LEVEL_NONE,
				   OUTCOME_LOGON_OK, PHASE_DONE, 0, "ecNone");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	/* Accepted (Exchange 2013 and later behind the RPC proxy). */
	check_verdict(&v, MP_CRITICAL, 0,
		      "mail.example.com accepts RPC logons without RPC authentication (expected: encryption required)");
	CHECK(has_line(&v, "--unencrypted-level connect or integrity"));
	CHECK(has_line(&v,
		       "unencrypted probe (no RPC authentication, level none): LOGON_OK"));
	CHECK(!has_line(&v, "-EncryptionRequired $true"));
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	check_verdict(&v, MP_OK, 0, NULL);
	CHECK(has_line(&v, "without RPC authentication (level none)"));
	/* Refused with ecNotEncrypted: enforced as for any level. */
	u = mk("unencrypted", PROBE_LEVEL_NONE, OUTCOME_LOGON_NOT_ENCRYPTED,
	       PHASE_LOGON, 0x970, "ecNotEncrypted");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	check_verdict(&v, MP_OK, 1, NULL);
	/* The bind refused (Exchange 2010, RPC/TCP): policy unknown. */
	u = mk("unencrypted", PROBE_LEVEL_NONE, OUTCOME_BIND_REJECTED,
	       PHASE_BIND, 0, "");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	check_verdict(&v, MP_UNKNOWN, -1, NULL);
	CHECK(strstr(v.summary,
		     "the server refuses logons without RPC authentication; the policy cannot be told at this level") !=
	      NULL);
	CHECK(has_line(&v, "refused a logon without RPC authentication"));
	CHECK(!has_line(&v, "--unencrypted-level integrity probes"));
	/* The bind accepted, the call denied (Exchange 2010 over RPC/HTTP
	 * and RPC/TCP): the same, with the unencrypted probe alone too. */
	u = mk("unencrypted", PROBE_LEVEL_NONE, OUTCOME_RPC_FAULT, PHASE_LOGON,
	       0, "");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	check_verdict(&v, MP_UNKNOWN, -1, NULL);
	CHECK(strstr(v.summary, "the policy cannot be told at this level") !=
	      NULL);
	v = run(EXPECT_REQUIRED, PROBES_UNENCRYPTED, NULL, &u);
	check_verdict(&v, MP_UNKNOWN, -1, NULL);
	CHECK(strstr(v.summary, "refuses logons without RPC authentication") !=
	      NULL);
}

/* The long output labels szDisplayName as the user's. */
static void test_display_name(void)
{
	struct probe_result e = enc_ok(), u = unenc(OUTCOME_LOGON_NOT_ENCRYPTED,
						    0x970, "ecNotEncrypted");
	struct verdict v;

	snprintf(e.server_version, sizeof(e.server_version), "15.1.2507.6");
	snprintf(e.display_name, sizeof(e.display_name), "Probe User");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	CHECK(has_line(&v,
		       "  store server version 15.1.2507.6, logged on as \"Probe User\""));
}

static void test_single_probe(void)
{
	struct probe_result e = enc_ok(),
			    nenc = unenc(OUTCOME_LOGON_NOT_ENCRYPTED, 0x970,
					 "ecNotEncrypted"),
			    uok = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_ENCRYPTED, &e, NULL);

	CHECK_INT(v.state, MP_OK);
	CHECK_INT(v.enforced, -1);
	v = run(EXPECT_REQUIRED, PROBES_UNENCRYPTED, NULL, &nenc);
	CHECK_INT(v.state, MP_OK);
	CHECK_INT(v.enforced, 1);
	v = run(EXPECT_OPTIONAL, PROBES_UNENCRYPTED, NULL, &nenc);
	CHECK_INT(v.state, MP_CRITICAL);
	v = run(EXPECT_REQUIRED, PROBES_UNENCRYPTED, NULL, &uok);
	CHECK_INT(v.state, MP_CRITICAL);
	v = run(EXPECT_OPTIONAL, PROBES_UNENCRYPTED, NULL, &uok);
	CHECK_INT(v.state, MP_OK);
	v = run(EXPECT_ANY, PROBES_UNENCRYPTED, NULL, &uok);
	CHECK_INT(v.state, MP_OK);
}

static void test_timing(void)
{
	struct probe_result e = enc_ok(), u = unenc(OUTCOME_LOGON_NOT_ENCRYPTED,
						    0x970, "ecNotEncrypted");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	verdict_apply_timing(&v, MP_WARNING, "slowest probe 0.21s");
	CHECK_INT(v.state, MP_WARNING);
	CHECK(strstr(v.summary, "(slowest probe 0.21s)") != NULL);
	/* Timing never lowers or masks a worse state. */
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	verdict_apply_timing(&v, MP_WARNING, "slow");
	CHECK_INT(v.state, MP_CRITICAL);
}

/* What the result tree is built from: the advice first, then each probe's
 * description; the probe a non-OK state rests on. */
static void test_structure(void)
{
	struct probe_result e = enc_ok(), u = unenc(OUTCOME_LOGON_NOT_ENCRYPTED,
						    0x970, "ecNotEncrypted");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK(v.cause == NULL);
	CHECK_INT(v.nprobes, 2);
	CHECK(v.probe[0] == &e && v.probe[1] == &u);
	CHECK_INT(v.probe_line[0], 0); /* OK: no advice */
	CHECK(strncmp(v.lines[v.probe_line[0]], "encrypted probe (", 17) == 0);
	CHECK(strncmp(v.lines[v.probe_line[1]], "unencrypted probe (", 19) == 0);
	CHECK(strncmp(v.lines[v.probe_line[0] + 1], "  phases: ", 10) == 0);
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK(v.cause == &u);
	CHECK(v.probe_line[0] > 0); /* the remediation comes first */
	CHECK(strstr(v.lines[0], "Outlook profiles without") != NULL);
	CHECK(strncmp(v.lines[v.probe_line[0]], "encrypted probe (", 17) == 0);
	e = mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_AUTH_FAILED,
	       PHASE_CONNECT, 0, "");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	CHECK(v.cause == &e);
	CHECK_INT(v.nprobes, 2);
	e = enc_ok();
	u = mk("unencrypted", PROBE_LEVEL_CONNECT, OUTCOME_TIMEOUT, PHASE_BIND,
	       0, "");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	CHECK(v.cause == &u);
	v = run(EXPECT_REQUIRED, PROBES_ENCRYPTED, &e, NULL);
	CHECK(v.cause == NULL);
	CHECK_INT(v.nprobes, 1);
	CHECK(v.probe[0] == &e);

	/* MAPI over HTTP: the same structure from its own verdict. */
	u = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK(v.cause == &u);
	CHECK_INT(v.nprobes, 2);
	CHECK(v.probe[0] == &e && v.probe[1] == &u);
	CHECK(strstr(v.lines[v.probe_line[0]], "(MAPI over HTTP, https)") != NULL);
	CHECK(strstr(v.lines[v.probe_line[1]], "(MAPI over HTTP, plain http)") !=
	      NULL);
	v = run_mapi(EXPECT_OPTIONAL, &e, &u);
	CHECK(v.cause == NULL);
	e = mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_AUTH_FAILED,
	       PHASE_CONNECT, 0, "");
	v = run_mapi(EXPECT_REQUIRED, &e, &u);
	CHECK(v.cause == &e);
}

int main(void)
{
	T_RUN(test_enforced);
	T_RUN(test_not_enforced);
	T_RUN(test_encrypted_broken);
	T_RUN(test_timeouts);
	T_RUN(test_inconclusive);
	T_RUN(test_old_client_enforced);
	T_RUN(test_version_blocked);
	T_RUN(test_mailbox_settings);
	T_RUN(test_display_name);
	T_RUN(test_proxy_errors);
	T_RUN(test_level_none);
	T_RUN(test_single_probe);
	T_RUN(test_timing);
	T_RUN(test_mapi);
	T_RUN(test_structure);
	T_DONE();
}
