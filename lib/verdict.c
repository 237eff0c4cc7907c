/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Verdict table (see docs/architecture.md and the README):
 *
 *   encrypted   unencrypted          required              optional
 *   LOGON_OK    LOGON_NOT_ENCRYPTED  OK: enforced          CRITICAL: locked out
 *   LOGON_OK    LOGON_OK             CRITICAL: drift       OK
 *   other       -                    CRITICAL (phase)      CRITICAL (phase)
 *
 * `any` reports either policy as OK.  A probe that ran into the deadline
 * yields the -t state.  An encrypted logon that works next to an
 * unencrypted one that failed for an unrelated reason (blocked client
 * version, bind refused at level connect...) proves nothing about the
 * policy: UNKNOWN, with the reason. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void add_line(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_line(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->nlines >= VERDICT_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(v->lines[v->nlines++], VERDICT_LINE_MAX, fmt, ap);
	va_end(ap);
}

static void set_summary(struct verdict *v, enum verdict_state st,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_summary(struct verdict *v, enum verdict_state st,
			const char *fmt, ...)
{
	va_list ap;

	v->state = st;
	va_start(ap, fmt);
	vsnprintf(v->summary, sizeof(v->summary), fmt, ap);
	va_end(ap);
}

const char *verdict_state_name(int state)
{
	switch (state) {
	case VSTATE_OK: return "OK";
	case VSTATE_WARNING: return "WARNING";
	case VSTATE_CRITICAL: return "CRITICAL";
	default: return "UNKNOWN";
	}
}

/* "NTLM, packet privacy (sealed)" */
static const char *level_text(const struct probe_result *r, char *out,
			      size_t n)
{
	const char *l = "?";

	switch (r->level) {
	case PROBE_LEVEL_PRIVACY: l = "packet privacy (sealed)"; break;
	case PROBE_LEVEL_INTEGRITY: l = "packet integrity (signed, not sealed)"; break;
	case PROBE_LEVEL_CONNECT: l = "level connect (not sealed)"; break;
	}
	snprintf(out, n, "%s, %s", probe_auth_name(r->auth), l);
	return out;
}

/* "ecNotEncrypted 2416" */
static void ec_text(const struct probe_result *r, char *out, size_t n)
{
	if (r->ec_name[0] && r->ec_name[0] != '0')
		snprintf(out, n, "%s %u", r->ec_name, (unsigned)r->ec);
	else
		snprintf(out, n, "0x%08x", (unsigned)r->ec);
}

static void describe_probe(struct verdict *v, const struct probe_result *r)
{
	static const enum probe_phase order[] = { PHASE_CONNECT, PHASE_RTS,
		PHASE_BIND, PHASE_LOGON, PHASE_DISCONNECT };
	char phases[200], lt[80];
	size_t o = 0, i;
	double prev = 0;

	if (r->phase == PHASE_DONE)
		add_line(v, "%s probe (%s): %s in %.3fs: %s", r->label,
			 level_text(r, lt, sizeof(lt)), probe_outcome_name(r->outcome),
			 r->total_time, r->message);
	else
		add_line(v, "%s probe (%s): %s during %s in %.3fs: %s", r->label,
			 level_text(r, lt, sizeof(lt)), probe_outcome_name(r->outcome),
			 probe_phase_name(r->phase), r->total_time, r->message);
	phases[0] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		double end = r->phase_end[order[i]];
		int w;
		if (end < 0)
			continue; /* not reached, or none (rts over TCP) */
		w = snprintf(phases + o, sizeof(phases) - o, "%s%s %.3fs",
			     o ? ", " : "", probe_phase_name(order[i]),
			     end - prev);
		if (w < 0 || (size_t)w >= sizeof(phases) - o)
			break;
		o += (size_t)w;
		prev = end;
	}
	if (o)
		add_line(v, "  phases: %s", phases);
	if (r->tcp_port)
		add_line(v, "  RPC over TCP, store port %u%s", r->tcp_port,
			 r->epm_time > 0 ? " (from the endpoint mapper)" : "");
	if (r->server_version[0])
		add_line(v, "  store server %s%s%s", r->server_version,
			 r->display_name[0] ? ", " : "", r->display_name);
}

static int timed_out(const struct probe_result *r)
{
	return r && r->outcome == OUTCOME_TIMEOUT;
}

static void remediation_enforce(struct verdict *v, const char *srv)
{
	add_line(v, "To require encryption (Exchange 2010 and later): Set-RpcClientAccess -Server %s -EncryptionRequired $true", srv);
	add_line(v, "Exchange 2007: Set-MailboxServer %s -MapiEncryptionRequired:$true", srv);
	add_line(v, "Check the setting: (Get-RpcClientAccess -Server %s).EncryptionRequired", srv);
}

static void remediation_allow(struct verdict *v, const char *srv)
{
	add_line(v, "Outlook profiles without \"Encrypt data between Microsoft Outlook and Microsoft Exchange\" cannot log on.");
	add_line(v, "Either enable that setting in the profiles (or by Group Policy), or allow unencrypted RPC:");
	add_line(v, "Exchange 2010 and later: Set-RpcClientAccess -Server %s -EncryptionRequired $false", srv);
	add_line(v, "Exchange 2007: Set-MailboxServer %s -MapiEncryptionRequired:$false", srv);
	add_line(v, "Check the setting: (Get-RpcClientAccess -Server %s).EncryptionRequired", srv);
}

static void failure(struct verdict *v, const struct verdict_input *in,
		    const struct probe_result *r)
{
	if (r->outcome == OUTCOME_TIMEOUT) {
		set_summary(v, (enum verdict_state)in->timeout_state,
			    "%s: %s logon timed out after %gs during %s%s%s%s",
			    in->host, r->label, in->timeout_seconds,
			    probe_phase_name(r->phase), r->step[0] ? " (" : "",
			    r->step, r->step[0] ? ")" : "");
		return;
	}
	if (r->outcome == OUTCOME_LOGON_REFUSED ||
	    r->outcome == OUTCOME_LOGON_NOT_ENCRYPTED) {
		char ec[64];
		ec_text(r, ec, sizeof(ec));
		set_summary(v, VSTATE_CRITICAL, "%s: %s logon refused (%s)",
			    in->host, r->label, ec);
		return;
	}
	set_summary(v, VSTATE_CRITICAL, "%s: %s logon failed during %s: %s (%s)",
		    in->host, r->label, probe_phase_name(r->phase),
		    probe_outcome_name(r->outcome), r->message);
}

/* The unencrypted logon worked: fine unless encryption is required. */
static void accepted_unencrypted(const struct verdict_input *in,
				 struct verdict *v, const char *srv,
				 const char *ok_text)
{
	v->enforced = 0;
	if (in->expect == EXPECT_REQUIRED) {
		set_summary(v, VSTATE_CRITICAL, "%s accepts unencrypted RPC logons (expected: encryption required)",
			    in->host);
		remediation_enforce(v, srv);
	} else {
		set_summary(v, VSTATE_OK, "%s %s", in->host, ok_text);
	}
}

/* Only the unencrypted probe ran. */
static void decide_unencrypted_only(const struct verdict_input *in,
				    struct verdict *v)
{
	const struct probe_result *u = in->unencrypted;
	const char *srv = in->rpc_server ? in->rpc_server : in->host;

	if (u->outcome == OUTCOME_LOGON_NOT_ENCRYPTED) {
		v->enforced = 1;
		if (in->expect == EXPECT_OPTIONAL) {
			set_summary(v, VSTATE_CRITICAL, "%s requires RPC encryption: unencrypted logon refused (ecNotEncrypted %u) (expected: encryption optional)",
				    in->host, (unsigned)u->ec);
			remediation_allow(v, srv);
		} else {
			set_summary(v, VSTATE_OK, "%s requires RPC encryption: unencrypted logon refused (ecNotEncrypted %u)",
				    in->host, (unsigned)u->ec);
		}
	} else if (u->outcome == OUTCOME_LOGON_OK) {
		char ok[128];
		snprintf(ok, sizeof(ok),
			 "accepts unencrypted RPC logons: unencrypted logon OK in %.2fs",
			 u->total_time);
		accepted_unencrypted(in, v, srv, ok);
	} else {
		failure(v, in, u);
	}
}

void verdict_decide(const struct verdict_input *in, struct verdict *v)
{
	const struct probe_result *e = in->encrypted, *u = in->unencrypted;
	const char *srv = in->rpc_server ? in->rpc_server : in->host;
	char ec[64];

	memset(v, 0, sizeof(*v));
	v->enforced = -1;
	v->state = VSTATE_UNKNOWN;

	if (in->probes == PROBES_UNENCRYPTED || !e) {
		if (!u) {
			set_summary(v, VSTATE_UNKNOWN, "no probe was run");
			return;
		}
		decide_unencrypted_only(in, v);
		describe_probe(v, u);
		return;
	}

	if (e->outcome != OUTCOME_LOGON_OK) {
		/* Without a working encrypted logon nothing can be said about
		 * the policy: the service or the credentials are broken. */
		failure(v, in, e);
		if (e->outcome == OUTCOME_LOGON_NOT_ENCRYPTED)
			add_line(v, "The server refused even the sealed logon with ecNotEncrypted: its RPC stack did not accept the NTLM privacy level.");
		describe_probe(v, e);
		if (u)
			describe_probe(v, u);
		return;
	}

	if (in->probes == PROBES_ENCRYPTED || !u) {
		set_summary(v, VSTATE_OK, "%s: encrypted logon OK in %.2fs (policy not tested: unencrypted probe disabled)",
			    in->host, e->total_time);
		describe_probe(v, e);
		return;
	}

	switch (u->outcome) {
	case OUTCOME_LOGON_NOT_ENCRYPTED:
		v->enforced = 1;
		ec_text(u, ec, sizeof(ec));
		if (in->expect == EXPECT_OPTIONAL) {
			set_summary(v, VSTATE_CRITICAL, "%s requires RPC encryption: unencrypted clients are locked out (%s) (expected: encryption optional)",
				    in->host, ec);
			remediation_allow(v, srv);
		} else {
			set_summary(v, VSTATE_OK, "%s requires RPC encryption: unencrypted logon refused (%s), encrypted logon OK in %.2fs",
				    in->host, ec, e->total_time);
		}
		break;
	case OUTCOME_LOGON_OK: {
		char ok[160];
		snprintf(ok, sizeof(ok),
			 "does not require RPC encryption: unencrypted and encrypted logons OK in %.2fs and %.2fs",
			 u->total_time, e->total_time);
		accepted_unencrypted(in, v, srv, ok);
		break;
	}
	default:
		if (timed_out(u)) {
			failure(v, in, u);
			break;
		}
		if (u->outcome == OUTCOME_LOGON_REFUSED) {
			ec_text(u, ec, sizeof(ec));
			set_summary(v, VSTATE_UNKNOWN, "%s: cannot tell the RPC encryption policy: unencrypted logon refused for another reason (%s), encrypted logon OK",
				    in->host, ec);
			if (u->ec == 0x966)
				add_line(v, "ecClientVerDisallowed: the server blocks the client version presented (Set-RpcClientAccess -BlockedClientVersions); try --client-version.");
		} else {
			set_summary(v, VSTATE_UNKNOWN, "%s: cannot tell the RPC encryption policy: unencrypted logon failed during %s: %s (%s), encrypted logon OK",
				    in->host, probe_phase_name(u->phase),
				    probe_outcome_name(u->outcome), u->message);
			if (u->outcome == OUTCOME_BIND_REJECTED ||
			    (u->outcome == OUTCOME_RPC_FAULT &&
			     u->level == PROBE_LEVEL_CONNECT))
				add_line(v, "The server refused level connect; --unencrypted-level integrity probes with signed but unsealed calls.");
		}
		break;
	}
	describe_probe(v, e);
	describe_probe(v, u);
}

void verdict_apply_timing(struct verdict *v, int timing_state, const char *why)
{
	size_t n;

	if (v->state != VSTATE_OK || timing_state == VSTATE_OK)
		return;
	v->state = (enum verdict_state)timing_state;
	n = strlen(v->summary);
	if (why && n < sizeof(v->summary))
		snprintf(v->summary + n, sizeof(v->summary) - n, " (%s)", why);
}
