/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict table of docs/architecture.md, cell by cell. */
#include "verdict.h"
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

static struct verdict run(enum verdict_expect ex, enum verdict_probes pr,
			  const struct probe_result *e,
			  const struct probe_result *u)
{
	struct verdict_input in = { "mail.example.com", "EXCH01", ex, pr, e, u,
				    3, 10 };
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

static void test_enforced(void)
{
	struct probe_result e = enc_ok(),
		u = unenc(OUTCOME_LOGON_NOT_ENCRYPTED, 0x970, "ecNotEncrypted");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK_INT(v.state, VSTATE_OK);
	CHECK_INT(v.enforced, 1);
	CHECK_STR(v.summary, "mail.example.com requires RPC encryption: unencrypted logon refused (ecNotEncrypted 2416), encrypted logon OK in 0.21s");
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, VSTATE_CRITICAL);
	CHECK(strstr(v.summary, "locked out") != NULL);
	CHECK(has_line(&v, "Set-RpcClientAccess -Server EXCH01 -EncryptionRequired $false"));
	CHECK(has_line(&v, "Set-MailboxServer EXCH01 -MapiEncryptionRequired:$false"));
	v = run(EXPECT_ANY, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, VSTATE_OK);
	CHECK_INT(v.enforced, 1);
}

static void test_not_enforced(void)
{
	struct probe_result e = enc_ok(), u = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK_INT(v.state, VSTATE_CRITICAL);
	CHECK_INT(v.enforced, 0);
	CHECK_STR(v.summary, "mail.example.com accepts unencrypted RPC logons (expected: encryption required)");
	CHECK(has_line(&v, "Set-RpcClientAccess -Server EXCH01 -EncryptionRequired $true"));
	CHECK(has_line(&v, "(Get-RpcClientAccess -Server EXCH01).EncryptionRequired"));
	/* '|' would start perfdata in the long output */
	for (int i = 0; i < v.nlines; i++)
		CHECK(strchr(v.lines[i], '|') == NULL);
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, VSTATE_OK);
	v = run(EXPECT_ANY, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, VSTATE_OK);
	CHECK_INT(v.enforced, 0);
}

static void test_encrypted_broken(void)
{
	static const enum probe_outcome bad[] = {
		OUTCOME_AUTH_FAILED, OUTCOME_RPC_FAULT, OUTCOME_BIND_REJECTED,
		OUTCOME_TLS_FAILED, OUTCOME_CONNECT_FAILED,
		OUTCOME_PROXY_REFUSED, OUTCOME_PROTOCOL_ERROR,
		OUTCOME_LOGON_REFUSED, OUTCOME_LOGON_NOT_ENCRYPTED };
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
			CHECK_INT(v.state, VSTATE_CRITICAL);
			CHECK_INT(v.enforced, -1);
			CHECK(strstr(v.summary, "encrypted logon") != NULL);
		}
	}
}

static void test_timeouts(void)
{
	struct probe_result e = enc_ok(),
		u = mk("unencrypted", PROBE_LEVEL_CONNECT, OUTCOME_TIMEOUT,
		       PHASE_BIND, 0, "");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	CHECK_INT(v.state, VSTATE_UNKNOWN); /* the -t state given */
	CHECK_STR(v.summary, "mail.example.com: unencrypted logon timed out after 10s during bind");
	e = mk("encrypted", PROBE_LEVEL_PRIVACY, OUTCOME_TIMEOUT, PHASE_RTS, 0, "");
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, VSTATE_UNKNOWN);
	CHECK(strstr(v.summary, "during rts") != NULL);
}

static void test_inconclusive(void)
{
	struct probe_result e = enc_ok(),
		u = unenc(OUTCOME_LOGON_REFUSED, 0x966, "ecClientVerDisallowed");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	/* A blocked client version is never "encryption enforced". */
	CHECK_INT(v.state, VSTATE_UNKNOWN);
	CHECK_INT(v.enforced, -1);
	CHECK(strstr(v.summary, "ecClientVerDisallowed 2406") != NULL);
	CHECK(has_line(&v, "--client-version"));
	u = unenc(OUTCOME_BIND_REJECTED, 0, "");
	v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);
	CHECK_INT(v.state, VSTATE_UNKNOWN);
	CHECK(has_line(&v, "--unencrypted-level integrity"));
}

static void test_single_probe(void)
{
	struct probe_result e = enc_ok(),
		nenc = unenc(OUTCOME_LOGON_NOT_ENCRYPTED, 0x970, "ecNotEncrypted"),
		uok = unenc(OUTCOME_LOGON_OK, 0, "ecNone");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_ENCRYPTED, &e, NULL);

	CHECK_INT(v.state, VSTATE_OK);
	CHECK_INT(v.enforced, -1);
	v = run(EXPECT_REQUIRED, PROBES_UNENCRYPTED, NULL, &nenc);
	CHECK_INT(v.state, VSTATE_OK);
	CHECK_INT(v.enforced, 1);
	v = run(EXPECT_OPTIONAL, PROBES_UNENCRYPTED, NULL, &nenc);
	CHECK_INT(v.state, VSTATE_CRITICAL);
	v = run(EXPECT_REQUIRED, PROBES_UNENCRYPTED, NULL, &uok);
	CHECK_INT(v.state, VSTATE_CRITICAL);
	v = run(EXPECT_OPTIONAL, PROBES_UNENCRYPTED, NULL, &uok);
	CHECK_INT(v.state, VSTATE_OK);
	v = run(EXPECT_ANY, PROBES_UNENCRYPTED, NULL, &uok);
	CHECK_INT(v.state, VSTATE_OK);
}

static void test_timing(void)
{
	struct probe_result e = enc_ok(),
		u = unenc(OUTCOME_LOGON_NOT_ENCRYPTED, 0x970, "ecNotEncrypted");
	struct verdict v = run(EXPECT_REQUIRED, PROBES_BOTH, &e, &u);

	verdict_apply_timing(&v, VSTATE_WARNING, "slowest probe 0.21s");
	CHECK_INT(v.state, VSTATE_WARNING);
	CHECK(strstr(v.summary, "(slowest probe 0.21s)") != NULL);
	/* Timing never lowers or masks a worse state. */
	v = run(EXPECT_OPTIONAL, PROBES_BOTH, &e, &u);
	verdict_apply_timing(&v, VSTATE_WARNING, "slow");
	CHECK_INT(v.state, VSTATE_CRITICAL);
}

int main(void)
{
	T_RUN(test_enforced);
	T_RUN(test_not_enforced);
	T_RUN(test_encrypted_broken);
	T_RUN(test_timeouts);
	T_RUN(test_inconclusive);
	T_RUN(test_single_probe);
	T_RUN(test_timing);
	T_DONE();
}
