/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store logon probes; see probe.h and docs/architecture.md ("The probe").
 *
 * One probe walks these phases, each ended by a server answer:
 *
 *   connect  the pipe's connection (RPC/HTTP: both requests sent, TLS and
 *            HTTP auth by libcurl; RPC/TCP: the endpoint mapper lookup and
 *            the TCP connection to the port it names)
 *   rts      RPC/HTTP only: CONN/A1 + CONN/B1 -> CONN/A3, CONN/C2
 *   bind     bind + first security token -> bind_ack
 *   logon    auth3, EcDoConnectEx -> response (MS-OXCRPC 3.1.4.11)
 *   disconnect EcDoDisconnect -> response (only after a successful logon)
 *
 * The probe holds only phases, outcomes and the deadline: the connection
 * is an rpc_pipe (rpch_pipe.h or rpc_tcp.h, picked from a table), the
 * DCE/RPC association an rpc_assoc, the stubs lib/emsmdb's. */
#include "probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "loop.h"
#include "mapi_probe.h"
#include "rpc_assoc.h"
#include "rpc_pipe.h"
#include "rpc_tcp.h"
#include "rpch_pipe.h"

/* Windows reports bad credentials after the context as an access denied
 * fault on the first call (MS-RPCE 3.3.1.5.2.2; ERROR_ACCESS_DENIED). */
#define FAULT_ACCESS_DENIED 5

struct probe_run {
	struct loop *loop;
	const struct probe_companion *companion;
	int trace_level;
	probe_trace_fn trace;
	void *trace_ctx;
};

struct probe {
	struct probe_run *run;
	struct probe_result *res;
	const struct probe_target *target;
	struct rpc_pipe *pipe;
	struct mapi_probe *mapi;   /* MAPI over HTTP: a session, no pipe */
	struct rpc_tcp_params tcp; /* RPC/TCP: what the pipe asks and where */
	struct secctx *sec;        /* the bind's package; NULL: level none */
	struct rpc_assoc assoc;
	int assoc_ready;
	int started; /* its turn came (probe_run_bounded) */
	int finished;
	double t0;
	enum probe_phase phase;
	uint32_t connect_call, disconnect_call;
	uint8_t cxh[20];
	int have_session;
	char hint[200]; /* the package's hint for a failure */
};

int64_t probe_now_ms(void)
{
	return loop_now_ms();
}

static void ptrace(struct probe *p, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ptrace(struct probe *p, int level, const char *fmt, ...)
{
	char line[600];
	int n;
	va_list ap;

	if (!p->run->trace || level > p->run->trace_level)
		return;
	n = snprintf(line, sizeof(line), "%s: ", p->res->label);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	p->run->trace(p->run->trace_ctx, level, line);
}

static double elapsed(const struct probe *p)
{
	return loop_now_s() - p->t0;
}

/* The one place a phase changes (and is traced). */
static void end_phase(struct probe *p, enum probe_phase next)
{
	p->res->phase_end[p->phase] = elapsed(p);
	ptrace(p, 1, "phase %s done in %.3fs", probe_phase_name(p->phase),
	       p->res->phase_end[p->phase]);
	p->phase = next;
	p->res->phase = next;
}

/* What the pipe measured goes into the result. */
static void take_pipe_facts(struct probe *p)
{
	const struct rpc_pipe *pp = p->pipe;
	struct probe_result *r = p->res;

	if (!pp)
		return;
	r->bytes_sent += pp->bytes_sent;
	r->bytes_received += pp->bytes_received;
	if (pp->http_status) {
		r->http_status = pp->http_status;
		snprintf(r->http_reason, sizeof(r->http_reason), "%s",
			 pp->http_reason);
	}
	if (pp->tls_time > 0)
		r->tls_time = pp->tls_time;
	if (pp->epm_time > 0)
		r->epm_time = pp->epm_time;
	if (pp->tcp_port)
		r->tcp_port = pp->tcp_port;
	if (pp->fault_status)
		r->fault_status = pp->fault_status;
	if (pp->resolve_time > 0)
		r->resolve_time = pp->resolve_time;
	if (pp->tcp_time > 0)
		r->tcp_time = pp->tcp_time;
	if (pp->tls.have_cert || pp->tls.version[0])
		r->tls = pp->tls;
	if (pp->auth_offered[0])
		memcpy(r->auth_offered, pp->auth_offered,
		       sizeof(r->auth_offered));
}

static void finish(struct probe *p, enum probe_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct probe *p, enum probe_outcome o, const char *fmt, ...)
{
	va_list ap;

	if (p->finished)
		return;
	p->finished = 1;
	p->res->outcome = o;
	p->res->phase = p->phase;
	p->res->total_time = elapsed(p);
	if (p->sec)
		snprintf(p->res->auth_name, sizeof(p->res->auth_name), "%s",
			 secctx_display_name(p->sec));
	take_pipe_facts(p);
	va_start(ap, fmt);
	vsnprintf(p->res->message, sizeof(p->res->message), fmt, ap);
	va_end(ap);
	ptrace(p, 1, "%s during %s after %.3fs: %s", probe_outcome_name(o),
	       probe_phase_name(p->phase), p->res->total_time, p->res->message);
	/* Whatever callback this runs in, the loop returns to probe_run()
	 * without sleeping, so the run ends as soon as the last probe does;
	 * the pipe is closed there, outside its callbacks. */
	loop_wake(p->run->loop);
}

/* Sending ---------------------------------------------------------------------- */

static int send_pdu(struct probe *p, const struct buf *b, const char *what)
{
	rpc_pipe_trace_pdu(p->pipe, what, b->data, b->len);
	ptrace(p, 2, "%s %s (%zu bytes)", p->pipe->ops->send_name, what, b->len);
	p->res->bytes_sent += (unsigned)b->len;
	if (p->pipe->ops->send(p->pipe, b->data, b->len) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot queue %s on the %s",
		       what, p->pipe->ops->send_what);
		return -1;
	}
	return 0;
}

static int send_call(struct probe *p, uint16_t opnum, const struct buf *stub,
		     uint32_t *call_id, const char *what)
{
	struct rpc_assoc_event ev;
	struct buf pdu;
	int rc;

	buf_init(&pdu, 1u << 20);
	rc = rpc_assoc_call(&p->assoc, opnum, stub->data, stub->len, &pdu,
			    call_id, &ev);
	if (rc < 0)
		finish(p, rpc_pipe_assoc_outcome(ev.fail),
		       "cannot build %s: %s", what, ev.msg);
	else
		rc = send_pdu(p, &pdu, what);
	buf_free(&pdu);
	return rc;
}

static void send_bind(struct probe *p)
{
	struct rpc_assoc_event ev;
	struct buf pdu;

	buf_init(&pdu, 8192);
	if (rpc_assoc_bind(&p->assoc, &pdu, &ev) < 0)
		finish(p, rpc_pipe_assoc_outcome(ev.fail), "%s", ev.msg);
	else
		send_pdu(p, &pdu, "bind");
	buf_free(&pdu);
}

static void send_connect(struct probe *p)
{
	struct rpe_error err = { 0, "" };
	struct emsmdb_connect_req req;
	struct buf stub;

	buf_init(&stub, 65536);
	memset(&req, 0, sizeof(req));
	req.user_dn = p->target->mailbox_dn;
	memcpy(req.client_version, p->target->client_version,
	       sizeof(req.client_version));
	if (emsmdb_encode_connect_ex(&stub, &req, &err) < 0)
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "cannot build EcDoConnectEx: %s", err.msg);
	else
		send_call(p, EMSMDB_OPNUM_CONNECT_EX, &stub, &p->connect_call,
			  "EcDoConnectEx request");
	buf_free(&stub);
}

static void send_disconnect(struct probe *p)
{
	struct rpe_error err = { 0, "" };
	struct buf stub;

	buf_init(&stub, 256);
	if (emsmdb_encode_disconnect(&stub, p->cxh, &err) < 0)
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "cannot build EcDoDisconnect: %s", err.msg);
	else
		send_call(p, EMSMDB_OPNUM_DISCONNECT, &stub,
			  &p->disconnect_call, "EcDoDisconnect request");
	buf_free(&stub);
}

/* Answers ------------------------------------------------------------------------ */

/* The bind_ack was accepted; `leg` is the auth3 the security context
 * sends last.  Session keys exist only now: EcDoConnectEx is the first
 * PDU that is signed or sealed. */
static void on_bound(struct probe *p, const struct buf *leg)
{
	ptrace(p, 2, "%s bind_ack (max_xmit %u, max_recv %u, level %s)",
	       p->pipe->ops->recv_name, (unsigned)p->assoc.conn.max_xmit_frag,
	       (unsigned)p->assoc.conn.max_recv_frag,
	       probe_level_name(p->res->level));
	end_phase(p, PHASE_LOGON);
	if (leg->len && send_pdu(p, leg, "auth3") < 0)
		return;
	send_connect(p);
}

static void on_connect_refused(struct probe *p, uint32_t ec)
{
	ptrace(p, 2, "%s EcDoConnectEx: %s (0x%x)", p->pipe->ops->recv_name,
	       p->res->ec_name, (unsigned)ec);
	p->res->phase_end[PHASE_LOGON] = elapsed(p);
	if (ec == EMSMDB_EC_NOT_ENCRYPTED)
		finish(p, OUTCOME_LOGON_NOT_ENCRYPTED,
		       "store refused the logon: %s (%u)", p->res->ec_name,
		       (unsigned)ec);
	else
		finish(p, OUTCOME_LOGON_REFUSED,
		       "store refused the logon: %s (0x%x)", p->res->ec_name,
		       (unsigned)ec);
}

static void on_connect_response(struct probe *p, const uint8_t *stub, size_t len)
{
	struct emsmdb_connect_resp r;
	struct rpe_error err = { 0, "" };

	if (emsmdb_parse_connect_ex_response(stub, len, &r, &err) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "EcDoConnectEx response: %s",
		       err.msg);
		return;
	}
	p->res->ec = r.result;
	snprintf(p->res->ec_name, sizeof(p->res->ec_name), "%s",
		 emsmdb_ec_name(r.result));
	if (r.result != EMSMDB_EC_NONE) {
		emsmdb_connect_resp_free(&r);
		on_connect_refused(p, p->res->ec);
		return;
	}
	emsmdb_format_server_version(r.server_version, p->res->server_version,
				     sizeof(p->res->server_version));
	snprintf(p->res->display_name, sizeof(p->res->display_name), "%s",
		 r.display_name ? r.display_name : "");
	memcpy(p->cxh, r.cxh, sizeof(p->cxh));
	p->have_session = 1;
	emsmdb_connect_resp_free(&r);
	ptrace(p, 2, "%s EcDoConnectEx: ecNone, server %s",
	       p->pipe->ops->recv_name, p->res->server_version);
	end_phase(p, PHASE_DISCONNECT);
	send_disconnect(p);
}

static void on_disconnect_response(struct probe *p, const uint8_t *stub,
				   size_t len)
{
	uint32_t ec = 0;
	struct rpe_error err = { 0, "" };

	end_phase(p, PHASE_DONE);
	if (emsmdb_parse_disconnect_response(stub, len, &ec, &err) < 0)
		finish(p, OUTCOME_LOGON_OK,
		       "logged on; EcDoDisconnect answer malformed: %s", err.msg);
	else
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone), session closed (EcDoDisconnect %s)",
		       emsmdb_ec_name(ec));
}

/* The package's hint for failure f into p->hint; NULL when it has none. */
static const char *hint(struct probe *p, enum secctx_failure f, unsigned reason)
{
	p->hint[0] = '\0';
	return secctx_failure_hint(p->sec, f, reason, p->hint, sizeof(p->hint));
}

static void on_fault(struct probe *p, uint32_t status)
{
	p->res->fault_status = status;
	if (p->phase == PHASE_DISCONNECT)
		/* The logon itself worked. */
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone); EcDoDisconnect failed with fault %s",
		       dcerpc_fault_name(status));
	else if ((p->phase == PHASE_LOGON || p->phase == PHASE_BIND) &&
		 status == FAULT_ACCESS_DENIED && p->sec)
		finish(p, OUTCOME_AUTH_FAILED,
		       "RPC call denied after %s authentication (fault %s)%s%s",
		       secctx_display_name(p->sec), dcerpc_fault_name(status),
		       hint(p, SECCTX_FAIL_DENIED, 0) ? ": " : "", p->hint);
	else if (!p->sec)
		/* Level none: no credentials to blame.  Exchange 2010 and
		 * RPC/TCP accept the bind and deny the call (the verdict
		 * reads it as a refusal of unauthenticated logons). */
		finish(p, OUTCOME_RPC_FAULT,
		       "fault %s (0x%08x) to a call without RPC authentication",
		       dcerpc_fault_name(status), (unsigned)status);
	else
		finish(p, OUTCOME_RPC_FAULT, "fault %s (0x%08x)",
		       dcerpc_fault_name(status), (unsigned)status);
}

/* The association failed; a bind_nak gets the package's hint (which
 * names the SPN of a refused ticket, or another --auth). */
static void on_assoc_failed(struct probe *p, const struct dcerpc_pdu *pdu,
			    const struct rpc_assoc_event *ev)
{
	uint16_t reason = 0;

	if (p->sec && pdu->ptype == DCERPC_PTYPE_BIND_NAK &&
	    dcerpc_decode_bind_nak(pdu->data, pdu->len, &reason, NULL) == 0 &&
	    hint(p, SECCTX_FAIL_BIND_NAK, reason))
		finish(p, rpc_pipe_assoc_outcome(ev->fail), "%s (%s)", ev->msg,
		       p->hint);
	else
		finish(p, rpc_pipe_assoc_outcome(ev->fail), "%s", ev->msg);
}

/* Pipe callbacks ----------------------------------------------------------------- */

static int pipe_on_pdu(void *ctx, struct rpc_pipe *pipe,
		       const struct dcerpc_pdu *pdu)
{
	struct probe *p = ctx;
	struct rpc_assoc_event ev;
	struct buf leg;

	if (p->finished)
		return -1;
	rpc_pipe_trace_pdu(pipe, pipe->ops->recv_name, pdu->data, pdu->len);
	buf_init(&leg, 16384);
	switch (rpc_assoc_feed(&p->assoc, pdu, &leg, &ev)) {
	case RPC_ASSOC_EV_BOUND: on_bound(p, &leg); break;
	case RPC_ASSOC_EV_RESPONSE:
		if (ev.call_id == p->connect_call)
			on_connect_response(p, ev.stub, ev.stub_len);
		else
			on_disconnect_response(p, ev.stub, ev.stub_len);
		break;
	case RPC_ASSOC_EV_FAULT: on_fault(p, ev.status); break;
	case RPC_ASSOC_EV_FAILED: on_assoc_failed(p, pdu, &ev); break;
	default:
		if (leg.len) /* the next leg of the security context */
			send_pdu(p, &leg, "alter_context");
		break;
	}
	buf_free(&leg);
	return p->finished ? -1 : 0;
}

static void pipe_on_connected(void *ctx, struct rpc_pipe *pipe)
{
	struct probe *p = ctx;

	(void)pipe;
	if (!p->finished && p->phase == PHASE_CONNECT)
		end_phase(p, PHASE_RTS);
}

static void pipe_on_ready(void *ctx, struct rpc_pipe *pipe)
{
	struct probe *p = ctx;

	(void)pipe;
	if (p->finished)
		return;
	end_phase(p, PHASE_BIND); /* RPC/TCP: no rts phase, its end unset */
	send_bind(p);
}

static void pipe_on_fail(void *ctx, struct rpc_pipe *pipe, enum probe_outcome o,
			 const char *msg)
{
	struct probe *p = ctx;

	if (p->have_session && pipe->closed)
		/* The logon itself was answered; only the goodbye got lost. */
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone); the connection ended before EcDoDisconnect was answered");
	else
		finish(p, o, "%s", msg);
}

static void pipe_trace(void *ctx, int level, const char *line)
{
	ptrace(ctx, level, "%s", line);
}

/* Transports ---------------------------------------------------------------------- */

typedef struct rpc_pipe *(*pipe_open_fn)(struct probe *p,
					 const struct rpc_pipe_cb *cb,
					 struct rpe_error *err);

static struct rpc_pipe *open_http(struct probe *p, const struct rpc_pipe_cb *cb,
				  struct rpe_error *err)
{
	return rpch_pipe_open(p->run->loop, &p->target->http, cb, err);
}

static struct rpc_pipe *open_tcp(struct probe *p, const struct rpc_pipe_cb *cb,
				 struct rpe_error *err)
{
	return rpc_tcp_open(p->run->loop, &p->tcp, cb, err);
}

/* MAPI over HTTP carries no DCE/RPC: the probe drives a lib/mapi_probe
 * session instead of a pipe, with the same phases and deadline. */
static void mapi_phase(void *ctx, enum probe_phase next)
{
	struct probe *p = ctx;

	if (!p->finished && next > p->phase)
		end_phase(p, next);
}

static void mapi_finish(void *ctx, enum probe_outcome o, const char *msg)
{
	finish(ctx, o, "%s", msg);
}

static void start_mapi(struct probe *p, struct rpe_error *err)
{
	struct mapi_probe_cb cb = { p, mapi_phase, mapi_finish, pipe_trace,
				    p->run->trace ? p->run->trace_level : 0 };

	p->mapi = mapi_probe_open(p->run->loop, p->target, p->res, &cb, err);
	if (!p->mapi)
		finish(p, OUTCOME_CONNECT_FAILED, "cannot start: %s", err->msg);
}

/* Per transport: the pipe that carries the association, or NULL for a
 * session of its own (MAPI over HTTP). */
static const pipe_open_fn pipe_open[] = {
	[PROBE_TRANSPORT_HTTP] = open_http,
	[PROBE_TRANSPORT_TCP] = open_tcp,
	[PROBE_TRANSPORT_MAPI] = NULL,
};

static void probe_start(struct probe *p)
{
	struct rpc_pipe_cb cb = {
		.ctx = p,
		.on_connected = pipe_on_connected,
		.on_ready = pipe_on_ready,
		.on_pdu = pipe_on_pdu,
		.on_fail = pipe_on_fail,
		.trace = pipe_trace,
		.trace_level = p->run->trace ? p->run->trace_level : 0,
	};
	struct rpe_error err = { 0, "" };
	unsigned t = (unsigned)p->target->transport;

	p->t0 = loop_now_s();
	p->phase = PHASE_CONNECT;
	p->res->phase = PHASE_CONNECT;
	if (t >= sizeof(pipe_open) / sizeof(pipe_open[0])) {
		finish(p, OUTCOME_CONNECT_FAILED,
		       "cannot start: no such transport");
		return;
	}
	if (!pipe_open[t]) {
		start_mapi(p, &err);
		return;
	}
	p->pipe = pipe_open[t](p, &cb, &err);
	if (!p->pipe)
		finish(p, OUTCOME_CONNECT_FAILED, "cannot start: %s", err.msg);
}

/* Run ------------------------------------------------------------------------------ */

/* The bind's security package, from lib/auth's table; Kerberos works on
 * the run's credentials (acquired before, within the deadline). */
static int probe_secctx(struct probe *p, struct rpe_error *err)
{
	const struct probe_target *t = p->target;
	struct auth_params ap = {
		.user = t->user,
		.domain = t->domain,
		.password = t->password,
		.kerb = t->kerb,
		.spn = t->spn,
		.spn_server = t->spn_server,
		.level = (uint8_t)p->res->level,
	};

	p->res->auth = t->auth;
	p->sec = auth_secctx_new((enum auth_package)t->auth, &ap, err);
	return p->sec ? 0 : err->code;
}

static void probe_tcp_params(struct probe *p)
{
	p->tcp.epm = p->target->tcp;
	p->tcp.port = p->target->tcp_port;
	p->tcp.iface = &emsmdb_interface;
	p->tcp.iface_name = "EMSMDB";
	p->tcp.not_registered_hint =
		"no Exchange store (MSExchangeRPC) listens for RPC/TCP there";
}

static int probe_init(struct probe *p, struct probe_run *run,
		      const struct probe_target *target, struct probe_result *r,
		      struct rpe_error *err)
{
	int k;

	r->outcome = OUTCOME_NONE;
	for (k = 0; k < PHASE_COUNT; k++)
		r->phase_end[k] = -1;
	p->run = run;
	p->res = r;
	p->target = target = r->target ? r->target : target;
	probe_tcp_params(p);
	if ((unsigned)target->transport <
		    sizeof(pipe_open) / sizeof(pipe_open[0]) &&
	    !pipe_open[target->transport])
		return 0; /* no DCE/RPC association */
	/* RPC_C_AUTHN_LEVEL_NONE (MS-RPCE 2.2.1.1.8): no security context,
	 * a bind without auth trailer; over RPC/HTTP the RPC proxy's HTTP
	 * authentication is then the only one. */
	if (r->level == PROBE_LEVEL_NONE) {
		rpc_assoc_init(&p->assoc, "EMSMDB", "", &emsmdb_interface, NULL,
			       0);
		p->assoc_ready = 1;
		return 0;
	}
	TRY(probe_secctx(p, err));
	rpc_assoc_init(&p->assoc, "EMSMDB", "", &emsmdb_interface, p->sec,
		       (uint8_t)r->level);
	p->assoc_ready = 1;
	return 0;
}

static void probe_cleanup(struct probe *p)
{
	if (p->pipe)
		p->pipe->ops->close(p->pipe);
	p->pipe = NULL;
	mapi_probe_close(p->mapi);
	p->mapi = NULL;
	if (p->assoc_ready)
		rpc_assoc_free(&p->assoc);
	p->assoc_ready = 0;
	auth_secctx_free(p->sec);
	p->sec = NULL;
}

/* The deadline passed: every probe still running ends, naming its phase. */
static void expire(struct probe *p)
{
	const char *step = p->pipe ? p->pipe->connect_step : NULL;
	enum probe_outcome o;
	char msg[sizeof(p->res->message)];

	if (p->finished)
		return;
	if (!p->started) {
		p->t0 = loop_now_s();
		finish(p, OUTCOME_TIMEOUT,
		       "not started before the deadline (more probes than run at once)");
	} else if (mapi_probe_expire(p->mapi, &o, msg, sizeof(msg))) {
		finish(p, o, "%s", msg);
	} else if (p->have_session) {
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone); no answer to EcDoDisconnect before the deadline");
	} else if (p->pipe && p->pipe->ops->stalled &&
		   (step = p->pipe->ops->stalled(p->pipe)) != NULL) {
		/* Still connecting, whatever phase the other channel reached. */
		p->phase = PHASE_CONNECT;
		finish(p, OUTCOME_TIMEOUT, "no answer to %s", step);
	} else if (p->phase == PHASE_CONNECT && step) {
		snprintf(p->res->step, sizeof(p->res->step), "%s", step);
		finish(p, OUTCOME_TIMEOUT,
		       "no answer from the %s during connect", p->res->step);
	} else {
		finish(p, OUTCOME_TIMEOUT, "no answer from the server during %s",
		       probe_phase_name(p->phase));
	}
}

/* Start waiting probes, in order, while fewer than max are under way;
 * returns how many have not finished. */
static int start_waiting(struct probe *probes, int n, int max)
{
	int i, running = 0, left = 0;

	for (i = 0; i < n; i++)
		running += probes[i].started && !probes[i].finished;
	for (i = 0; i < n; i++) {
		if (!probes[i].started && running < max) {
			probes[i].started = 1;
			running++;
			probe_start(&probes[i]);
		}
		left += !probes[i].finished;
	}
	return left;
}

/* Drive the loop until every probe finished or the deadline passed, with
 * at most max probes under way at once. */
static void run_until(struct probe_run *run, struct probe *probes, int n,
		      int max, int64_t deadline_ms, struct rpe_error *err)
{
	int i;

	for (;;) {
		int64_t now = loop_now_ms(), wait;

		if (now >= deadline_ms) {
			for (i = 0; i < n; i++)
				expire(&probes[i]);
			return;
		}
		if (!start_waiting(probes, n, max) &&
		    !(run->companion && run->companion->busy(run->companion->ctx)))
			return;
		wait = deadline_ms - now;
		if (wait > 1000)
			wait = 1000;
		if (loop_run(run->loop, (int)wait, err) < 0) {
			for (i = 0; i < n; i++)
				finish(&probes[i], OUTCOME_PROTOCOL_ERROR,
				       "event loop failed: %s", err->msg);
			return;
		}
		/* Finished probes let go of their connections now, outside
		 * the loop's callbacks. */
		for (i = 0; i < n; i++) {
			if (probes[i].finished && probes[i].pipe) {
				probes[i].pipe->ops->close(probes[i].pipe);
				probes[i].pipe = NULL;
			}
			if (probes[i].finished) {
				mapi_probe_close(probes[i].mapi);
				probes[i].mapi = NULL;
			} else {
				mapi_probe_step(probes[i].mapi);
			}
		}
	}
}

int probe_run(const struct probe_target *target, struct probe_result *results,
	      int n, int64_t deadline_ms, int trace_level, probe_trace_fn trace,
	      void *trace_ctx, struct rpe_error *err)
{
	return probe_run_bounded(target, results, n, n, deadline_ms,
				 trace_level, trace, trace_ctx, err);
}

int probe_run_bounded(const struct probe_target *target,
		      struct probe_result *results, int n, int max_running,
		      int64_t deadline_ms, int trace_level, probe_trace_fn trace,
		      void *trace_ctx, struct rpe_error *err)
{
	return probe_run_with(target, results, n, max_running, deadline_ms,
			      trace_level, trace, trace_ctx, NULL, err);
}

int probe_run_with(const struct probe_target *target,
		   struct probe_result *results, int n, int max_running,
		   int64_t deadline_ms, int trace_level, probe_trace_fn trace,
		   void *trace_ctx, const struct probe_companion *companion,
		   struct rpe_error *err)
{
	struct probe_run run;
	struct rpe_error local = { 0, "" };
	struct probe *probes;
	int i, rc = 0;

	if (!err)
		err = &local;
	memset(&run, 0, sizeof(run));
	run.trace_level = trace_level;
	run.trace = trace;
	run.trace_ctx = trace_ctx;
	if (n <= 0 || max_running <= 0)
		return rpe_fail(err, RPE_ERR_ARG, "no probe to run");
	if (crypto_init(err) < 0)
		return err->code;
	probes = calloc((size_t)n, sizeof(*probes));
	if (!probes)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	run.loop = loop_new(err);
	if (!run.loop) {
		free(probes);
		return err->code;
	}
	if (trace)
		loop_set_trace(run.loop, trace_level, trace, trace_ctx);
	for (i = 0; i < n && rc == 0; i++)
		rc = probe_init(&probes[i], &run, target, &results[i], err);
	if (rc == 0 && companion) {
		/* stop() follows a start() that failed half-way too. */
		run.companion = companion;
		rc = companion->start(companion->ctx, run.loop, deadline_ms, err);
	}
	if (rc == 0)
		run_until(&run, probes, n, max_running, deadline_ms, err);
	if (run.companion)
		companion->stop(companion->ctx);
	for (i = 0; i < n; i++)
		probe_cleanup(&probes[i]);
	loop_free(run.loop);
	free(probes);
	return rc;
}
