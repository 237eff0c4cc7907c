/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict for MAPI over HTTP (--transport mapi): TLS is its only
 * protection, so the policy is the plain http door (docs/architecture.md,
 * "MAPI over HTTP"):
 *
 *   https Connect   plain http Connect        required          optional
 *   LOGON_OK        TLS_REQUIRED              OK: TLS enforced  CRITICAL
 *   LOGON_OK        LOGON_OK                  CRITICAL: in clear OK
 *   LOGON_OK        ANSWERED_IN_CLEAR (401)   CRITICAL: open    OK
 *   failed          -                         CRITICAL, named   CRITICAL
 *   LOGON_OK        failed otherwise          UNKNOWN           UNKNOWN
 *
 * `any` reports either as OK.  Pure, table-tested in test_verdict. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emsmdb.h"
#include "mapihttp.h"

static const char *mailbox(const struct verdict_input *in)
{
	return in->mailbox && in->mailbox[0] ? in->mailbox : "<mailbox>";
}

static void describe(struct verdict *v, const struct probe_result *r)
{
	static const enum probe_phase order[] = { PHASE_CONNECT, PHASE_LOGON,
						  PHASE_DISCONNECT };
	const char *door = r->level == PROBE_LEVEL_PRIVACY ?
				   "MAPI over HTTP, https" :
				   "MAPI over HTTP, plain http";

	verdict_add_probe_head(v, r, door, order,
			       sizeof(order) / sizeof(order[0]));
	if (r->display_name[0])
		verdict_add_line(v, "  logged on as \"%s\"", r->display_name);
}

/* The store's refusals with the mailbox setting behind them (MS-OXCRPC
 * 3.1.4.1 codes; MAPI over HTTP carries them in the Connect response). */
static void refused(struct verdict *v, const struct verdict_input *in,
		    const struct probe_result *r)
{
	const char *m = emsmdb_ec_meaning(r->ec);

	if (r->ec == EMSMDB_EC_PROTOCOL_DISABLED) {
		verdict_set_summary(v, MP_CRITICAL,
				    "%s: MAPI over HTTP logon refused (ecProtocolDisabled %u): MAPI is disabled for the mailbox (Set-CASMailbox -MAPIEnabled / -MapiHttpEnabled)",
				    in->host, (unsigned)r->ec);
		verdict_add_line(v,
				 "To allow it: Set-CASMailbox -Identity '%s' -MAPIEnabled $true -MapiHttpEnabled $true (a client access rule can also block it: Get-ClientAccessRule)",
				 mailbox(in));
		return;
	}
	verdict_set_summary(v, MP_CRITICAL,
			    "%s: MAPI over HTTP logon refused (%s %u)", in->host,
			    r->ec_name[0] ? r->ec_name : "ec", (unsigned)r->ec);
	if (m)
		verdict_add_line(v, "%s: %s.", r->ec_name, m);
}

static void failed(struct verdict *v, const struct verdict_input *in,
		   const struct probe_result *r)
{
	const char *meaning;

	v->cause = r;

	if (r->outcome == OUTCOME_TIMEOUT) {
		verdict_set_summary(v, in->timeout_state,
				    "%s: %s MAPI over HTTP logon timed out after %gs during %s",
				    in->host, r->label, in->timeout_seconds,
				    probe_phase_name(r->phase));
		return;
	}
	if (r->outcome == OUTCOME_LOGON_REFUSED) {
		refused(v, in, r);
		return;
	}
	if (r->have_mapi_rc) {
		meaning = mapihttp_rc_meaning(r->mapi_rc);
		verdict_set_summary(v, MP_CRITICAL,
				    "%s: MAPI over HTTP refused the %s Connect: X-ResponseCode %u (%s)",
				    in->host, r->label, (unsigned)r->mapi_rc,
				    mapihttp_rc_name(r->mapi_rc) ?
					    mapihttp_rc_name(r->mapi_rc) :
					    "unknown");
		if (meaning)
			verdict_add_line(v, "X-ResponseCode %u: %s.",
					 (unsigned)r->mapi_rc, meaning);
		if (r->mapi_rc == MAPIHTTP_RC_INVALID_PATH)
			verdict_add_line(v,
					 "Give the mailbox as --rpc-server GUID@DOMAIN: (Get-Mailbox monitor).ExchangeGuid and its primary SMTP domain, or use -e.");
		return;
	}
	if (r->outcome == OUTCOME_PROXY_REFUSED && r->http_status == 404) {
		verdict_set_summary(v, MP_CRITICAL,
				    "%s: MAPI over HTTP not offered (HTTP 404 on %s)",
				    in->host, MAPIHTTP_EMSMDB_PATH);
		verdict_add_line(v,
				 "Exchange 2013 SP1 and later serve it at /mapi: Set-OrganizationConfig -MapiHttpEnabled $true; check Get-MapiVirtualDirectory | fl Server,InternalUrl,ExternalUrl.");
		return;
	}
	verdict_set_summary(v, MP_CRITICAL,
			    "%s: %s MAPI over HTTP logon failed during %s: %s (%s)",
			    in->host, r->label, probe_phase_name(r->phase),
			    probe_outcome_name(r->outcome), r->message);
}

static void remediation_tls(struct verdict *v)
{
	verdict_add_line(v,
			 "Require TLS on the /mapi virtual directory: IIS Manager, Default Web Site > mapi > SSL Settings > Require SSL (appcmd set config \"Default Web Site/mapi\" -section:access -sslFlags:Ssl,Ssl128 -commit:apphost).");
	verdict_add_line(v,
			 "With SSL offloading at a load balancer: close port 80 there or redirect it to https.");
}

/* What the plain http door did, next to a working https logon (e, or
 * NULL when only the plain probe ran). */
static void plain_door(struct verdict *v, const struct verdict_input *in,
		       const struct probe_result *u, const struct probe_result *e)
{
	char enc[64] = "";
	int basic = strstr(u->auth_offered, "Basic") != NULL;

	if (e)
		snprintf(enc, sizeof(enc), ", encrypted logon OK in %.2fs",
			 e->total_time);
	switch (u->outcome) {
	case OUTCOME_TLS_REQUIRED:
		v->enforced = 1;
		if (in->expect == EXPECT_OPTIONAL)
			verdict_set_summary(v, MP_CRITICAL,
					    "%s requires TLS for MAPI over HTTP: %s (expected: plain http allowed)",
					    in->host, u->message);
		else
			verdict_set_summary(v, MP_OK,
					    "%s requires TLS for MAPI over HTTP: %s%s",
					    in->host, u->message, enc);
		return;
	case OUTCOME_LOGON_OK:
	case OUTCOME_ANSWERED_IN_CLEAR:
		v->enforced = 0;
		if (in->expect != EXPECT_REQUIRED) {
			verdict_set_summary(v, MP_OK,
					    "%s %s MAPI over HTTP without TLS%s",
					    in->host,
					    u->outcome == OUTCOME_LOGON_OK ?
						    "accepts" :
						    "answers",
					    enc);
			return;
		}
		if (u->outcome == OUTCOME_LOGON_OK)
			verdict_set_summary(v, MP_CRITICAL,
					    "%s: MAPI over HTTP accepted without TLS: logon in clear on plain http (it offers %s%s) (expected: TLS required)",
					    in->host,
					    u->auth_offered[0] ?
						    u->auth_offered :
						    "no authentication",
					    basic ? "; Basic sends passwords in clear" :
						    "");
		else
			verdict_set_summary(v, MP_CRITICAL,
					    "%s: MAPI over HTTP answered without TLS: %s (expected: TLS required)",
					    in->host, u->message);
		verdict_add_line(v,
				 "Every MAPI byte of a client sent to this door, mail and credentials included, crosses the network unencrypted.");
		remediation_tls(v);
		return;
	case OUTCOME_TIMEOUT: failed(v, in, u); return;
	default:
		verdict_set_summary(v, MP_UNKNOWN,
				    "%s: cannot tell whether MAPI over HTTP requires TLS: plain http probe failed during %s: %s (%s)",
				    in->host, probe_phase_name(u->phase),
				    probe_outcome_name(u->outcome), u->message);
		return;
	}
}

void verdict_decide_mapi(const struct verdict_input *in, struct verdict *v)
{
	const struct probe_result *e = in->encrypted, *u = in->unencrypted;

	memset(v, 0, sizeof(*v));
	v->enforced = -1;
	v->state = MP_UNKNOWN;
	if (!e && !u) {
		verdict_set_summary(v, MP_UNKNOWN, "no probe was run");
		return;
	}
	if (e && e->outcome != OUTCOME_LOGON_OK) {
		failed(v, in, e);
	} else if (u) {
		plain_door(v, in, u, e);
	} else {
		verdict_set_summary(v, MP_OK,
				    "%s: MAPI over HTTP logon OK in %.2fs (plain http not tested: unencrypted probe disabled)",
				    in->host, e->total_time);
	}
	/* A failed https logon names itself (failed()); otherwise what is
	 * not OK is the plain http door's answer. */
	if (v->state != MP_OK && !v->cause)
		v->cause = u;
	if (e)
		describe(v, e);
	if (u)
		describe(v, u);
}
