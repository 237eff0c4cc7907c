/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Verdict table (see docs/architecture.md and the README):
 *
 *   encrypted              unencrypted            required         optional
 *   LOGON_OK               ecNotEncrypted         OK: enforced     CRITICAL: locked out
 *   LOGON_OK               ecClientVerDisallowed  OK: enforced     CRITICAL: locked out
 *   LOGON_OK               LOGON_OK               CRITICAL: drift  OK
 *   ecClientVerDisallowed  -                      CRITICAL: version blocked
 *   other                  -                      CRITICAL (phase) CRITICAL (phase)
 *
 * `any` reports either policy as OK.  A probe that ran into the deadline
 * yields the -t state.
 *
 * ecClientVerDisallowed (MS-OXCRPC 3.1.4.1) has two causes: the version is
 * blocked (BlockedClientVersions), or the server requires encryption and
 * the client is too old to receive ecNotEncrypted (MS-OXCRPC 3.2.4.1.3.2:
 * before Outlook 2007, 12.0).  Both probes present the same client version,
 * so a block refuses the sealed logon too: a sealed logon that works next
 * to an unsealed one refused with ecClientVerDisallowed is the encryption
 * policy, as Outlook 2003 meets it.  An unencrypted logon refused for any
 * other reason (bind refused at level connect, ...) proves nothing about
 * the policy: UNKNOWN, with the reason. */
#include "verdict.h"

#include "emsmdb.h"
#include "rpch_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void verdict_add_line(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->nlines >= VERDICT_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(v->lines[v->nlines++], VERDICT_LINE_MAX, fmt, ap);
	va_end(ap);
}

void verdict_set_summary(struct verdict *v, enum mp_state st, const char *fmt, ...)
{
	va_list ap;

	v->state = st;
	va_start(ap, fmt);
	vsnprintf(v->summary, sizeof(v->summary), fmt, ap);
	va_end(ap);
}

/* "NTLM, packet privacy (sealed)" */
static const char *level_text(const struct probe_result *r, char *out, size_t n)
{
	const char *l = "?";

	switch (r->level) {
	case PROBE_LEVEL_PRIVACY: l = "packet privacy (sealed)"; break;
	case PROBE_LEVEL_INTEGRITY:
		l = "packet integrity (signed, not sealed)";
		break;
	case PROBE_LEVEL_CONNECT: l = "level connect (not sealed)"; break;
	case PROBE_LEVEL_NONE: return "no RPC authentication, level none";
	}
	snprintf(out, n, "%s, %s",
		 r->auth_name[0] ? r->auth_name : probe_auth_name(r->auth), l);
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

void verdict_add_probe_head(struct verdict *v, const struct probe_result *r,
			    const char *how, const enum probe_phase *order,
			    size_t norder)
{
	char phases[200];
	size_t o = 0, i;
	double prev = 0;

	if (v->nprobes < VERDICT_PROBES) { /* for the result tree */
		v->probe[v->nprobes] = r;
		v->probe_line[v->nprobes++] = v->nlines;
	}
	if (r->phase == PHASE_DONE)
		verdict_add_line(v, "%s probe (%s): %s in %.3fs: %s", r->label,
				 how, probe_outcome_name(r->outcome),
				 r->total_time, r->message);
	else
		verdict_add_line(v, "%s probe (%s): %s during %s in %.3fs: %s",
				 r->label, how, probe_outcome_name(r->outcome),
				 probe_phase_name(r->phase), r->total_time,
				 r->message);
	phases[0] = '\0';
	for (i = 0; i < norder; i++) {
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
		verdict_add_line(v, "  phases: %s", phases);
}

static void describe_probe(struct verdict *v, const struct probe_result *r)
{
	static const enum probe_phase order[] = { PHASE_CONNECT, PHASE_RTS,
						  PHASE_BIND, PHASE_LOGON,
						  PHASE_DISCONNECT };
	char lt[80];

	verdict_add_probe_head(v, r, level_text(r, lt, sizeof(lt)), order,
			       sizeof(order) / sizeof(order[0]));
	if (r->tcp_port)
		verdict_add_line(v, "  RPC over TCP, store port %u%s",
				 r->tcp_port,
				 r->epm_time > 0 ? " (from the endpoint mapper)" :
						   "");
	/* szDisplayName is the display name of the user logged on
	 * (MS-OXCRPC 3.1.4.1), not the server's. */
	if (r->server_version[0])
		verdict_add_line(v, "  store server version %s%s%s%s",
				 r->server_version,
				 r->display_name[0] ? ", logged on as \"" : "",
				 r->display_name, r->display_name[0] ? "\"" : "");
}

static int timed_out(const struct probe_result *r)
{
	return r && r->outcome == OUTCOME_TIMEOUT;
}

static void remediation_enforce(struct verdict *v, const char *srv)
{
	verdict_add_line(v,
			 "To require encryption (Exchange 2010 and later): Set-RpcClientAccess -Server %s -EncryptionRequired $true",
			 srv);
	verdict_add_line(v,
			 "Exchange 2007: Set-MailboxServer %s -MapiEncryptionRequired:$true",
			 srv);
	verdict_add_line(v,
			 "Check the setting: (Get-RpcClientAccess -Server %s).EncryptionRequired",
			 srv);
}

static void remediation_allow(struct verdict *v, const char *srv)
{
	verdict_add_line(v,
			 "Outlook profiles without \"Encrypt data between Microsoft Outlook and Microsoft Exchange\" cannot log on.");
	verdict_add_line(v,
			 "Either enable that setting in the profiles (or by Group Policy), or allow unencrypted RPC:");
	verdict_add_line(v,
			 "Exchange 2010 and later: Set-RpcClientAccess -Server %s -EncryptionRequired $false",
			 srv);
	verdict_add_line(v,
			 "Exchange 2007: Set-MailboxServer %s -MapiEncryptionRequired:$false",
			 srv);
	verdict_add_line(v,
			 "Check the setting: (Get-RpcClientAccess -Server %s).EncryptionRequired",
			 srv);
}

/* The client version as administrators write it, A.B.C.D; the old
 * three-word form holds major, build and minor build (MS-OXCRPC
 * 3.1.4.1.3.1). */
static const char *version_text(const struct verdict_input *in, char *buf,
				size_t n)
{
	const uint16_t *w = in->client_version;

	if (!w)
		return "presented";
	if (w[1] & 0x8000)
		emsmdb_format_version(w, buf, n);
	else
		snprintf(buf, n, "%u.0.%u.%u", (unsigned)w[0], (unsigned)w[1],
			 (unsigned)w[2]);
	return buf;
}

static int refused_with(const struct probe_result *r, uint32_t ec)
{
	return r && r->outcome == OUTCOME_LOGON_REFUSED && r->ec == ec;
}

static const char *mailbox_id(const struct verdict_input *in)
{
	return in->mailbox && in->mailbox[0] ? in->mailbox : "<mailbox>";
}

/* BlockedClientVersions (Set-RpcClientAccess, service-wide) and
 * MAPIBlockOutlookVersions (Set-CASMailbox, per mailbox) both answer
 * ecClientVerDisallowed; so does a client older than 12.0 in an
 * organization without public folders (MS-OXCRPC 3.1.4.1, ulFlags). */
static void explain_version_block(struct verdict *v,
				  const struct verdict_input *in, const char *srv)
{
	char ver[32];

	verdict_add_line(v,
			 "ecClientVerDisallowed on the sealed logon: the server blocks client version %s.",
			 version_text(in, ver, sizeof(ver)));
	verdict_add_line(v,
			 "Check: (Get-RpcClientAccess -Server %s).BlockedClientVersions and (Get-CASMailbox -Identity '%s').MAPIBlockOutlookVersions",
			 srv, mailbox_id(in));
	verdict_add_line(v,
			 "Clients older than Outlook 2007 (12.0) are also refused this way when the organization has no public folders.");
	verdict_add_line(v,
			 "To test the encryption policy, present a version the server accepts: --client-version outlook2016.");
}

/* The per-mailbox MAPI settings behind the codes of the 12.0 row of
 * MS-OXCRPC 3.2.4.1.3.2 (Set-CASMailbox parameters). */
static const struct {
	uint32_t ec;
	const char *what; /* for the status line */
	const char *fix;  /* %s: the mailbox */
} mailbox_settings[] = {
	{ EMSMDB_EC_RPC_HTTP_DISALLOWED,
	  "the mailbox may not use RPC over HTTP (Set-CASMailbox -MAPIBlockOutlookRpcHttp)",
	  "To allow Outlook Anywhere for the mailbox: Set-CASMailbox -Identity '%s' -MAPIBlockOutlookRpcHttp $false" },
	{ EMSMDB_EC_PROTOCOL_DISABLED,
	  "MAPI is disabled for the mailbox (Set-CASMailbox -MAPIEnabled)",
	  "To allow MAPI for the mailbox: Set-CASMailbox -Identity '%s' -MAPIEnabled $true (a client access rule can also block it: Get-ClientAccessRule)" },
	{ EMSMDB_EC_CACHED_MODE_REQUIRED,
	  "the mailbox allows only cached mode (Set-CASMailbox -MAPIBlockOutlookNonCachedMode)",
	  "The probe logs on like Outlook in online mode; to allow it: Set-CASMailbox -Identity '%s' -MAPIBlockOutlookNonCachedMode $false" },
};

static int mailbox_setting(uint32_t ec)
{
	int i;

	for (i = 0;
	     i < (int)(sizeof(mailbox_settings) / sizeof(mailbox_settings[0]));
	     i++)
		if (mailbox_settings[i].ec == ec)
			return i;
	return -1;
}

static void explain_ec(struct verdict *v, const struct probe_result *r)
{
	const char *m = emsmdb_ec_meaning(r->ec);

	if (m)
		verdict_add_line(v, "%s: %s.",
				 r->ec_name[0] ? r->ec_name : "ec", m);
}

/* An RPC proxy answers a channel request for a RemoteName it cannot route
 * with 404; Exchange 2013 and later route by mailbox (the EXCH Server of
 * Autodiscover, MS-OXDSCLI 2.2.4.1.1.2.6), not by server name. */
static void remediation_remote_name(struct verdict *v,
				    const struct verdict_input *in)
{
	/* rpc_server is NULL when the RemoteName was a mailbox GUID@domain. */
	if (in->rpc_server)
		verdict_add_line(v,
				 "HTTP 404: the RPC proxy cannot route the RemoteName %s.",
				 in->rpc_server);
	else
		verdict_add_line(v, "HTTP 404: the RPC proxy knows no mailbox with that "
				    "GUID@domain RemoteName.");
	verdict_add_line(v,
			 "Exchange 2013 and later route by mailbox: use -e ADDRESS "
			 "(Autodiscover finds it) or --rpc-server GUID@DOMAIN with the "
			 "mailbox's (Get-Mailbox monitor).ExchangeGuid and its primary "
			 "SMTP domain.");
}

/* The RPC proxy's own error status (MS-RPCH 2.1.2.1.3): what to fix. */
static void explain_proxy_error(struct verdict *v, const struct verdict_input *in,
				const struct probe_result *r)
{
	struct rpch_http_error e;

	if (!r->http_status || (r->outcome != OUTCOME_PROXY_REFUSED &&
				r->outcome != OUTCOME_AUTH_FAILED))
		return;
	if (r->http_status == 404)
		remediation_remote_name(v, in);
	rpch_explain_http(r->http_status, r->http_reason,
			  strlen(r->http_reason), &e);
	if (e.fix)
		verdict_add_line(v, "To fix (HTTP %ld from the RPC proxy): %s.",
				 r->http_status, e.fix);
}

static void failure(struct verdict *v, const struct verdict_input *in,
		    const struct probe_result *r)
{
	const char *srv = in->rpc_server ? in->rpc_server : in->host;
	char ec[64], ver[32];
	int ms;

	v->cause = r;

	if (r->outcome == OUTCOME_TIMEOUT) {
		verdict_set_summary(v, in->timeout_state,
				    "%s: %s logon timed out after %gs during %s%s%s%s",
				    in->host, r->label, in->timeout_seconds,
				    probe_phase_name(r->phase),
				    r->step[0] ? " (" : "", r->step,
				    r->step[0] ? ")" : "");
		return;
	}
	if (r->outcome != OUTCOME_LOGON_REFUSED &&
	    r->outcome != OUTCOME_LOGON_NOT_ENCRYPTED) {
		verdict_set_summary(v, MP_CRITICAL,
				    "%s: %s logon failed during %s: %s (%s)",
				    in->host, r->label,
				    probe_phase_name(r->phase),
				    probe_outcome_name(r->outcome), r->message);
		explain_proxy_error(v, in, r);
		return;
	}
	ec_text(r, ec, sizeof(ec));
	if (refused_with(r, EMSMDB_EC_CLIENT_VER_DISALLOWED)) {
		int both = r != in->unencrypted &&
			   refused_with(in->unencrypted,
					EMSMDB_EC_CLIENT_VER_DISALLOWED);
		verdict_set_summary(v, MP_CRITICAL,
				    "%s: client version %s is blocked: %s refused (%s); see Set-RpcClientAccess -BlockedClientVersions, try another --client-version",
				    in->host, version_text(in, ver, sizeof(ver)),
				    both                 ? "both logons" :
				    r == in->unencrypted ? "unencrypted logon" :
							   "encrypted logon",
				    ec);
		explain_version_block(v, in, srv);
		return;
	}
	ms = r->outcome == OUTCOME_LOGON_REFUSED ? mailbox_setting(r->ec) : -1;
	verdict_set_summary(v, MP_CRITICAL, "%s: %s logon refused (%s)%s%s",
			    in->host, r->label, ec, ms >= 0 ? ": " : "",
			    ms >= 0 ? mailbox_settings[ms].what : "");
	explain_ec(v, r);
	if (ms >= 0)
		verdict_add_line(v, mailbox_settings[ms].fix, mailbox_id(in));
}

/* The unencrypted logon worked: fine unless encryption is required. */
static void accepted_unencrypted(const struct verdict_input *in,
				 struct verdict *v, const char *srv,
				 const char *ok_text)
{
	const struct probe_result *u = in->unencrypted;

	v->enforced = 0;
	/* Exchange 2013 and later take the RPC proxy's HTTP authentication
	 * for an RPC/HTTP connection without RPC authentication and do not
	 * hold it to EncryptionRequired (MS-OXCRPC 3.1.4.1 asks for
	 * ecNotEncrypted below PKT_PRIVACY). */
	if (u && u->level == PROBE_LEVEL_NONE) {
		verdict_add_line(v,
				 "The store accepted a logon without RPC authentication (level none): only TLS to the RPC proxy protects it, and EncryptionRequired did not refuse it.");
		if (in->expect == EXPECT_REQUIRED) {
			v->cause = u;
			verdict_set_summary(v, MP_CRITICAL,
					    "%s accepts RPC logons without RPC authentication (expected: encryption required)",
					    in->host);
			verdict_add_line(v,
					 "Exchange 2013 and later exempt such logons behind the RPC proxy; EncryptionRequired itself is tested with --unencrypted-level connect or integrity.");
			return;
		}
	}
	if (in->expect == EXPECT_REQUIRED) {
		v->cause = u;
		verdict_set_summary(v, MP_CRITICAL,
				    "%s accepts unencrypted RPC logons (expected: encryption required)",
				    in->host);
		remediation_enforce(v, srv);
	} else {
		verdict_set_summary(v, MP_OK, "%s %s", in->host, ok_text);
	}
}

/* The unencrypted logon was refused because of the encryption policy:
 * ecNotEncrypted, or ecClientVerDisallowed next to a sealed logon that
 * worked with the same client version. */
static void refused_unencrypted(const struct verdict_input *in, struct verdict *v,
				const char *srv, const struct probe_result *u,
				const struct probe_result *e)
{
	char ec[64], enc_ok[64] = "", ver[32];

	v->enforced = 1;
	ec_text(u, ec, sizeof(ec));
	if (e)
		snprintf(enc_ok, sizeof(enc_ok),
			 ", encrypted logon OK in %.2fs", e->total_time);
	if (in->expect == EXPECT_OPTIONAL) {
		v->cause = u;
		verdict_set_summary(v, MP_CRITICAL,
				    "%s requires RPC encryption: %s (%s) (expected: encryption optional)",
				    in->host,
				    e ? "unencrypted clients are locked out" :
					"unencrypted logon refused",
				    ec);
		remediation_allow(v, srv);
	} else {
		verdict_set_summary(v, MP_OK,
				    "%s requires RPC encryption: unencrypted logon refused (%s)%s",
				    in->host, ec, enc_ok);
	}
	if (u->ec != EMSMDB_EC_CLIENT_VER_DISALLOWED)
		return;
	verdict_add_line(v,
			 "The unsealed logon was refused with ecClientVerDisallowed while the sealed logon with the same client version %s worked: the server requires encryption.",
			 version_text(in, ver, sizeof(ver)));
	verdict_add_line(v,
			 "Clients older than Outlook 2007 (12.0) cannot receive ecNotEncrypted and are told their version is blocked (MS-OXCRPC 3.1.4.1);");
	verdict_add_line(v,
			 "Outlook shows \"Your Exchange Server administrator has blocked the version of Outlook that you are using.\"");
}

/* A logon without RPC authentication (level none) refused at the bind or
 * with a fault on the call: Exchange 2010 and RPC/TCP refuse such logons
 * whatever EncryptionRequired says, so the policy stays unknown. */
static int refused_without_auth(const struct probe_result *u)
{
	return u->level == PROBE_LEVEL_NONE &&
	       (u->outcome == OUTCOME_BIND_REJECTED ||
		u->outcome == OUTCOME_RPC_FAULT);
}

static void unknown_without_auth(const struct verdict_input *in,
				 struct verdict *v, const struct probe_result *u)
{
	v->cause = u;
	verdict_set_summary(v, MP_UNKNOWN,
			    "%s: cannot tell the RPC encryption policy: the server refuses logons without RPC authentication; the policy cannot be told at this level (unencrypted logon failed during %s: %s (%s))",
			    in->host, probe_phase_name(u->phase),
			    probe_outcome_name(u->outcome), u->message);
	verdict_add_line(v,
			 "The server refused a logon without RPC authentication (Exchange 2010 and RPC/TCP require it); --unencrypted-level connect probes with NTLM but without sealing.");
}

/* Only the unencrypted probe ran. */
static void decide_unencrypted_only(const struct verdict_input *in,
				    struct verdict *v)
{
	const struct probe_result *u = in->unencrypted;
	const char *srv = in->rpc_server ? in->rpc_server : in->host;
	char ec[64];

	if (u->outcome == OUTCOME_LOGON_NOT_ENCRYPTED) {
		refused_unencrypted(in, v, srv, u, NULL);
	} else if (u->outcome == OUTCOME_LOGON_OK) {
		char ok[128];
		snprintf(ok, sizeof(ok),
			 "accepts unencrypted RPC logons: unencrypted logon OK in %.2fs",
			 u->total_time);
		accepted_unencrypted(in, v, srv, ok);
	} else if (refused_with(u, EMSMDB_EC_CLIENT_VER_DISALLOWED)) {
		/* Without the sealed logon a version block and the policy
		 * look alike. */
		ec_text(u, ec, sizeof(ec));
		v->cause = u;
		verdict_set_summary(v, MP_UNKNOWN,
				    "%s: cannot tell the RPC encryption policy: unencrypted logon refused (%s), which means either encryption required or client version blocked; run --probe both",
				    in->host, ec);
		explain_ec(v, u);
	} else if (refused_without_auth(u)) {
		unknown_without_auth(in, v, u);
	} else {
		failure(v, in, u);
	}
}

/* Both probes ran and the sealed logon worked. */
static void decide_both(const struct verdict_input *in, struct verdict *v,
			const struct probe_result *e,
			const struct probe_result *u)
{
	const char *srv = in->rpc_server ? in->rpc_server : in->host;
	char ec[64];

	if (u->outcome == OUTCOME_LOGON_NOT_ENCRYPTED ||
	    refused_with(u, EMSMDB_EC_CLIENT_VER_DISALLOWED)) {
		refused_unencrypted(in, v, srv, u, e);
	} else if (u->outcome == OUTCOME_LOGON_OK) {
		char ok[160];
		snprintf(ok, sizeof(ok),
			 "does not require RPC encryption: unencrypted and encrypted logons OK in %.2fs and %.2fs",
			 u->total_time, e->total_time);
		accepted_unencrypted(in, v, srv, ok);
	} else if (timed_out(u)) {
		failure(v, in, u);
	} else if (u->outcome == OUTCOME_LOGON_REFUSED) {
		ec_text(u, ec, sizeof(ec));
		v->cause = u;
		verdict_set_summary(v, MP_UNKNOWN,
				    "%s: cannot tell the RPC encryption policy: unencrypted logon refused for another reason (%s), encrypted logon OK",
				    in->host, ec);
		explain_ec(v, u);
	} else if (refused_without_auth(u)) {
		unknown_without_auth(in, v, u);
	} else {
		v->cause = u;
		verdict_set_summary(v, MP_UNKNOWN,
				    "%s: cannot tell the RPC encryption policy: unencrypted logon failed during %s: %s (%s), encrypted logon OK",
				    in->host, probe_phase_name(u->phase),
				    probe_outcome_name(u->outcome), u->message);
		if (u->outcome == OUTCOME_BIND_REJECTED ||
		    (u->outcome == OUTCOME_RPC_FAULT &&
		     u->level == PROBE_LEVEL_CONNECT))
			verdict_add_line(v,
					 "The server refused level connect; --unencrypted-level integrity probes with signed but unsealed calls.");
	}
}

void verdict_decide(const struct verdict_input *in, struct verdict *v)
{
	const struct probe_result *e = in->encrypted, *u = in->unencrypted;

	if (in->mapi) {
		verdict_decide_mapi(in, v);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->enforced = -1;
	v->state = MP_UNKNOWN;

	if (in->probes == PROBES_UNENCRYPTED || !e) {
		if (!u) {
			verdict_set_summary(v, MP_UNKNOWN, "no probe was run");
			return;
		}
		decide_unencrypted_only(in, v);
		describe_probe(v, u);
		return;
	}

	if (e->outcome != OUTCOME_LOGON_OK) {
		/* Without a working encrypted logon nothing can be said about
		 * the policy: the service, the credentials or the version
		 * are refused. */
		failure(v, in, e);
		if (e->outcome == OUTCOME_LOGON_NOT_ENCRYPTED)
			verdict_add_line(v,
					 "The server refused even the sealed logon with ecNotEncrypted: its RPC stack did not accept the NTLM privacy level.");
		describe_probe(v, e);
		if (u)
			describe_probe(v, u);
		return;
	}

	if (in->probes == PROBES_ENCRYPTED || !u) {
		verdict_set_summary(v, MP_OK,
				    "%s: encrypted logon OK in %.2fs (policy not tested: unencrypted probe disabled)",
				    in->host, e->total_time);
		describe_probe(v, e);
		return;
	}
	decide_both(in, v, e, u);
	describe_probe(v, e);
	describe_probe(v, u);
}

void verdict_apply_timing(struct verdict *v, enum mp_state timing_state,
			  const char *why)
{
	size_t n;

	if (v->state != MP_OK || timing_state == MP_OK)
		return;
	v->state = timing_state;
	n = strlen(v->summary);
	if (why && n < sizeof(v->summary))
		snprintf(v->summary + n, sizeof(v->summary) - n, " (%s)", why);
}

void verdict_apply_posture(struct verdict *v, const struct posture_report *r)
{
	const char *sep = "; posture: ";
	size_t n;
	int i;

	if (!r || !r->findings)
		return;
	/* UNKNOWN (3) stays: the policy could not be told, whatever else. */
	if (v->state != MP_UNKNOWN && r->state > (int)v->state)
		v->state = (enum mp_state)r->state;
	for (i = 0; i < r->n; i++) {
		if (r->item[i].status != POSTURE_FINDING || !r->item[i].brief[0])
			continue;
		n = strlen(v->summary);
		if (n < sizeof(v->summary))
			snprintf(v->summary + n, sizeof(v->summary) - n, "%s%s",
				 sep, r->item[i].brief);
		sep = ", ";
	}
}
