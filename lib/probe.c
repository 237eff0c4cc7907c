/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store logon probes over RPC over HTTP v2; see probe.h.
 *
 * One probe walks these phases, each ended by a server answer on the OUT
 * channel (MS-RPCH 3.2.2, MS-RPCE, MS-OXCRPC):
 *
 *   connect  both HTTP requests sent (TLS, HTTP auth by libcurl)
 *   rts      CONN/A1 (OUT body) + CONN/B1 (IN) -> CONN/A3, CONN/C2
 *   bind     bind + NTLM NEGOTIATE -> bind_ack + CHALLENGE (Kerberos:
 *            AP-REQ -> AP-REP; SPNEGO adds alter_context legs)
 *   logon    auth3 + AUTHENTICATE (Kerberos: our AP-REP), EcDoConnectEx
 *            -> response
 *   disconnect EcDoDisconnect -> response (only after a successful logon)
 *
 * Over RPC/TCP (ncacn_ip_tcp) the connect phase is an endpoint mapper
 * lookup on port 135 (bind without authentication, ept_map for EMSMDB) and
 * the TCP connection to the port it names; there is no rts phase, and the
 * PDUs of bind, logon and disconnect are the same bytes on a plain stream.
 *
 * Everything here is driven by callbacks from transport_http and
 * transport_tcp; the protocol work is done by the sans-I/O codecs. */
#define _POSIX_C_SOURCE 200809L
#include "probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "epm.h"
#include "kerberos.h"
#include "loop.h"
#include "ntlm.h"
#include "rts.h"

int64_t probe_now_ms(void)
{
	return loop_now_ms();
}

/* Protocol constants ------------------------------------------------------- */

/* Receive window we advertise in CONN/A1 (MS-RPCH 2.2.3.5.1: 8 KiB..256 KiB
 * for a client; Windows uses 64 KiB). */
#define PROBE_RECV_WINDOW 65536u
/* ChannelLifetime and ClientKeepalive of CONN/B1, as Windows sends them. */
#define PROBE_CHANNEL_LIFETIME 1073741824u
#define PROBE_CLIENT_KEEPALIVE 300000u
/* DCE/RPC fragment sizes offered in the bind (Windows RPC/HTTP uses 5840). */
#define PROBE_MAX_FRAG 5840u
#define PROBE_CONTEXT_ID 0
#define PROBE_AUTH_CONTEXT_ID 79231
#define CALL_BIND 1
#define CALL_CONNECT 2
#define CALL_DISCONNECT 3
#define CALL_EPM_BIND 1
#define CALL_EPM_MAP 2

/* One probe ------------------------------------------------------------------ */

struct probe {
	struct probe_run *run;
	struct probe_result *res;
	const struct probe_target *target;
	struct http_chan *in, *out;
	struct tcp_chan *tcp;          /* RPC/TCP: the EMSMDB connection */
	struct tcp_chan *epm;          /* RPC/TCP: the endpoint mapper lookup */
	struct dcerpc_reader epm_reader;
	struct dcerpc_conn epm_conn;
	int epm_done;                  /* lookup answered, epm may be closed */
	int finished;
	double t0;
	enum probe_phase phase;

	struct dcerpc_reader reader;   /* OUT channel byte stream -> PDUs */
	struct rts_vc vc;
	uint8_t vc_cookie[16], in_cookie[16], out_cookie[16], assoc_group[16];
	uint32_t unacked;              /* non-RTS bytes since last ack */
	uint32_t received_total;

	struct ntlm_client *ntlm;      /* NTLM, or */
	struct kerb_ctx *kerb;         /* Kerberos or SPNEGO */
	struct secctx sec;
	struct dcerpc_conn conn;       /* negotiated fragment sizes, call ids */
	uint8_t cxh[20];
	int have_session;
};

struct probe_run {
	struct loop *loop;
	int trace_level;
	probe_trace_fn trace;
	void *trace_ctx;
};

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

static void hexdump_trace(struct probe *p, const char *what, const uint8_t *d,
			  size_t n)
{
	char hex[3 * 24 + 1];
	size_t i, o = 0;

	if (!p->run->trace || p->run->trace_level < 3)
		return;
	/* Only the common header (and a little more): stubs may carry
	 * mailbox data, auth values carry NTLM material. */
	for (i = 0; i < n && i < 16; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%02x ", d[i]);
	if (o)
		hex[o - 1] = '\0';
	else
		hex[0] = '\0';
	ptrace(p, 3, "%s %zu bytes, header: %s", what, n, hex);
}

static double elapsed(const struct probe *p)
{
	return loop_now_s() - p->t0;
}

static void end_phase(struct probe *p, enum probe_phase next)
{
	p->res->phase_end[p->phase] = elapsed(p);
	ptrace(p, 1, "phase %s done in %.3fs", probe_phase_name(p->phase),
	       p->res->phase_end[p->phase]);
	p->phase = next;
	p->res->phase = next;
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
	va_start(ap, fmt);
	vsnprintf(p->res->message, sizeof(p->res->message), fmt, ap);
	va_end(ap);
	ptrace(p, 1, "%s during %s after %.3fs: %s", probe_outcome_name(o),
	       probe_phase_name(p->phase), p->res->total_time, p->res->message);
	/* Whatever callback this runs in, the loop returns to probe_run()
	 * without sleeping, so the run ends as soon as the last probe does. */
	loop_wake(p->run->loop);
	/* The channels are closed by the run loop, outside libcurl's
	 * callbacks (this may run inside one); closing both requests ends the
	 * virtual connection and the server tears down the session with it. */
}

static void close_channels(struct probe *p)
{
	http_chan_close(p->in);
	http_chan_close(p->out);
	tcp_chan_close(p->tcp);
	tcp_chan_close(p->epm);
	p->in = p->out = NULL;
	p->tcp = p->epm = NULL;
}

static int is_tcp(const struct probe *p)
{
	return p->target->transport == PROBE_TRANSPORT_TCP;
}

/* Sending ---------------------------------------------------------------------- */

/* Client-to-server PDUs go on the IN channel, or on the TCP stream. */
static int send_in(struct probe *p, const struct buf *b, const char *what)
{
	int rc;

	hexdump_trace(p, what, b->data, b->len);
	ptrace(p, 2, "%s -> %s (%zu bytes)", is_tcp(p) ? "TCP" : "IN ", what,
	       b->len);
	p->res->bytes_sent += (unsigned)b->len;
	if (is_tcp(p))
		rc = p->tcp ? tcp_chan_send(p->tcp, b->data, b->len) : -1;
	else
		rc = p->in ? http_chan_send(p->in, b->data, b->len) : -1;
	if (rc < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot queue %s on the %s",
		       what, is_tcp(p) ? "TCP connection" : "IN channel");
		return -1;
	}
	return 0;
}

/* Sign/seal happen inside dcerpc_encode_request at the probe's level; at
 * level connect requests carry no verifier (MS-RPCE 3.3.1.5.2). */
static int send_request(struct probe *p, uint32_t call_id, uint16_t opnum,
			const struct buf *stub, const char *what)
{
	struct buf pdu;
	struct rpe_error err = { 0, "" };
	int rc;

	buf_init(&pdu, 1u << 20);
	rc = dcerpc_encode_request(&pdu, &p->conn, call_id, PROBE_CONTEXT_ID,
				   opnum, stub->data, stub->len, &err);
	if (rc == 0)
		rc = send_in(p, &pdu, what);
	else
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot build %s: %s", what,
		       err.msg);
	buf_free(&pdu);
	return rc;
}

/* EcDoConnectEx: the first PDU that is signed or sealed (the session keys
 * exist only once the bind's legs are done). */
static int send_connect(struct probe *p)
{
	struct emsmdb_connect_req req;
	struct rpe_error err = { 0, "" };
	struct buf stub;
	int rc;

	buf_init(&stub, 65536);
	memset(&req, 0, sizeof(req));
	req.user_dn = p->target->mailbox_dn;
	memcpy(req.client_version, p->target->client_version,
	       sizeof(req.client_version));
	rc = emsmdb_encode_connect_ex(&stub, &req, &err);
	if (rc == 0)
		rc = send_request(p, CALL_CONNECT, EMSMDB_OPNUM_CONNECT_EX, &stub,
				  "EcDoConnectEx request");
	else
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot build EcDoConnectEx: %s",
		       err.msg);
	buf_free(&stub);
	return rc;
}

/* bind (alter 0) or alter_context (alter 1) carrying the package's token. */
static int send_bind_pdu(struct probe *p, int alter, const struct buf *tok)
{
	struct rpe_error err = { 0, "" };
	struct buf pdu;
	int rc;

	buf_init(&pdu, 16384);
	rc = dcerpc_encode_bind(&pdu, &p->conn, alter, CALL_BIND,
				PROBE_CONTEXT_ID, &emsmdb_interface, tok->data,
				tok->len, &err);
	if (rc == 0)
		rc = send_in(p, &pdu, alter ? "alter_context" : "bind");
	else
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot build %s: %s",
		       alter ? "alter_context" : "bind", err.msg);
	buf_free(&pdu);
	return rc;
}

static int send_auth3(struct probe *p, const struct buf *tok)
{
	struct rpe_error err = { 0, "" };
	struct buf pdu;
	int rc;

	buf_init(&pdu, 16384);
	rc = dcerpc_encode_auth3(&pdu, &p->conn, CALL_BIND, tok->data, tok->len,
				 &err);
	if (rc == 0)
		rc = send_in(p, &pdu, "auth3");
	else
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot build auth3: %s",
		       err.msg);
	buf_free(&pdu);
	return rc;
}

/* One leg of a package driven by its step function (Kerberos, SPNEGO):
 * first for the bind's token, else in is the server's last token.  The
 * answer goes in the bind, an alter_context (more legs), or an auth3 or
 * nothing (complete: the logon follows), MS-RPCE 3.3.1.5.2. */
static int sec_step(struct probe *p, int first, const uint8_t *in,
		    size_t in_len)
{
	struct rpe_error err = { 0, "" };
	struct buf tok;
	int step, rc = 0;

	buf_init(&tok, 65536);
	step = p->sec.ops->step(p->sec.ctx, in, in_len, &tok, &err);
	if (step < 0) {
		finish(p, OUTCOME_AUTH_FAILED, "%s", err.msg);
		rc = -1;
	} else if (step == SECCTX_CONTINUE) {
		rc = send_bind_pdu(p, !first, &tok);
	} else if (first) {
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "%s completed without the server", p->sec.ops->name);
		rc = -1;
	} else {
		end_phase(p, PHASE_LOGON);
		if (step == SECCTX_LAST)
			rc = send_auth3(p, &tok);
		if (rc == 0)
			rc = send_connect(p);
	}
	buf_free(&tok);
	return rc;
}

static int send_bind(struct probe *p)
{
	struct buf tok;
	struct rpe_error err = { 0, "" };
	int rc;

	if (!p->ntlm)
		return sec_step(p, 1, NULL, 0);
	buf_init(&tok, 4096);
	rc = ntlm_client_negotiate(p->ntlm, &tok, &err);
	if (rc == 0)
		rc = send_bind_pdu(p, 0, &tok);
	else
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot build bind: %s", err.msg);
	buf_free(&tok);
	return rc;
}

/* NTLM: AUTHENTICATE in the auth3, then the logon. */
static int send_logon(struct probe *p, const uint8_t *challenge, size_t clen)
{
	struct buf tok;
	struct rpe_error err = { 0, "" };
	int rc;

	buf_init(&tok, 8192);
	rc = ntlm_client_authenticate(p->ntlm, challenge, clen, &tok, &err);
	if (rc < 0)
		finish(p, rc == RPE_ERR_AUTH ? OUTCOME_AUTH_FAILED :
			  OUTCOME_PROTOCOL_ERROR,
		       "NTLM CHALLENGE rejected: %s", err.msg);
	else
		rc = send_auth3(p, &tok);
	buf_free(&tok);
	return rc < 0 ? rc : send_connect(p);
}

static int send_disconnect(struct probe *p)
{
	struct buf stub;
	struct rpe_error err = { 0, "" };
	int rc;

	buf_init(&stub, 256);
	rc = emsmdb_encode_disconnect(&stub, p->cxh, &err);
	if (rc == 0)
		rc = send_request(p, CALL_DISCONNECT, EMSMDB_OPNUM_DISCONNECT,
				  &stub, "EcDoDisconnect request");
	else
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "cannot build EcDoDisconnect: %s", err.msg);
	buf_free(&stub);
	return rc;
}

/* Receiving --------------------------------------------------------------------- */

static void on_rts(struct probe *p, const struct dcerpc_pdu *pdu)
{
	struct rpe_error err = { 0, "" };
	int was_open = rts_vc_is_open(&p->vc);

	if (rts_vc_feed(&p->vc, pdu->data, pdu->len, &err) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "RTS: %s", err.msg);
		return;
	}
	ptrace(p, 2, "OUT <- RTS %s", rts_vc_last_name(&p->vc));
	if (!was_open && rts_vc_is_open(&p->vc)) {
		/* CONN/C2 proves both channels reached the server, so nothing
		 * sent on IN so far will ever be replayed for HTTP auth. */
		http_chan_commit(p->in);
		end_phase(p, PHASE_BIND);
		send_bind(p);
	}
}

static void on_bind_ack(struct probe *p, const struct dcerpc_pdu *pdu)
{
	struct dcerpc_bind_ack ack;
	struct rpe_error err = { 0, "" };

	if (p->phase != PHASE_BIND) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "unexpected bind_ack");
		return;
	}
	if (dcerpc_decode_bind_ack(&p->conn, pdu->data, pdu->len, &ack,
				   &err) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "bind_ack: %s", err.msg);
		return;
	}
	if (ack.result != 0) {
		finish(p, OUTCOME_BIND_REJECTED,
		       "EMSMDB presentation context rejected: %s",
		       dcerpc_ack_reason_name(ack.result, ack.reason));
		return;
	}
	/* SPNEGO's closing alter_context_resp may carry nothing more. */
	if (pdu->ptype == DCERPC_PTYPE_BIND_ACK &&
	    (!ack.auth_value || ack.auth_len == 0)) {
		finish(p, OUTCOME_BIND_REJECTED, "bind_ack carries no %s token",
		       p->sec.ops->name);
		return;
	}
	ptrace(p, 2, "OUT <- %s (max_xmit %u, max_recv %u, level %s)",
	       pdu->ptype == DCERPC_PTYPE_BIND_ACK ? "bind_ack" :
						     "alter_context_resp",
	       (unsigned)p->conn.max_xmit_frag, (unsigned)p->conn.max_recv_frag,
	       probe_level_name(p->res->level));
	if (!p->ntlm) {
		sec_step(p, 0, ack.auth_value, ack.auth_len);
		return;
	}
	end_phase(p, PHASE_LOGON);
	send_logon(p, ack.auth_value, ack.auth_len);
}

static void on_connect_response(struct probe *p, const uint8_t *stub,
				size_t len)
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
	if (r.result == EMSMDB_EC_NONE) {
		emsmdb_format_server_version(r.server_version,
					     p->res->server_version,
					     sizeof(p->res->server_version));
		snprintf(p->res->display_name, sizeof(p->res->display_name),
			 "%s", r.display_name ? r.display_name : "");
		memcpy(p->cxh, r.cxh, sizeof(p->cxh));
		p->have_session = 1;
		emsmdb_connect_resp_free(&r);
		ptrace(p, 2, "OUT <- EcDoConnectEx: ecNone, server %s",
		       p->res->server_version);
		end_phase(p, PHASE_DISCONNECT);
		send_disconnect(p);
		return;
	}
	emsmdb_connect_resp_free(&r);
	ptrace(p, 2, "OUT <- EcDoConnectEx: %s (0x%x)", p->res->ec_name,
	       (unsigned)p->res->ec);
	p->res->phase_end[PHASE_LOGON] = elapsed(p);
	if (p->res->ec == EMSMDB_EC_NOT_ENCRYPTED)
		finish(p, OUTCOME_LOGON_NOT_ENCRYPTED,
		       "store refused the logon: %s (%u)", p->res->ec_name,
		       (unsigned)p->res->ec);
	else
		finish(p, OUTCOME_LOGON_REFUSED, "store refused the logon: %s (0x%x)",
		       p->res->ec_name, (unsigned)p->res->ec);
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

static void on_response(struct probe *p, const struct dcerpc_pdu *pdu)
{
	struct buf stub;
	struct rpe_error err = { 0, "" };
	int rc;

	if (p->phase != PHASE_LOGON && p->phase != PHASE_DISCONNECT) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "unexpected response PDU");
		return;
	}
	buf_init(&stub, 1u << 20);
	rc = dcerpc_decode_response(&p->conn, pdu->data, pdu->len, &stub, &err);
	if (rc < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "response: %s", err.msg);
	} else if (rc == 0) {
		/* more fragments to come */
	} else if (pdu->call_id == CALL_CONNECT && p->phase == PHASE_LOGON) {
		on_connect_response(p, stub.data, stub.len);
	} else if (pdu->call_id == CALL_DISCONNECT &&
		   p->phase == PHASE_DISCONNECT) {
		on_disconnect_response(p, stub.data, stub.len);
	} else {
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "response for unexpected call id %u",
		       (unsigned)pdu->call_id);
	}
	buf_free(&stub);
}

static void on_fault(struct probe *p, const struct dcerpc_pdu *pdu)
{
	uint32_t status = 0;
	struct rpe_error err = { 0, "" };

	if (dcerpc_decode_fault(pdu->data, pdu->len, &status, &err) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "fault: %s", err.msg);
		return;
	}
	p->res->fault_status = status;
	if (p->phase == PHASE_DISCONNECT) {
		/* The logon itself worked. */
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone); EcDoDisconnect failed with fault %s",
		       dcerpc_fault_name(status));
		return;
	}
	/* Windows reports bad NTLM credentials after auth3 as an access
	 * denied fault on the first call. */
	if (p->phase == PHASE_LOGON && status == 5)
		finish(p, OUTCOME_AUTH_FAILED,
		       "RPC call denied after %s authentication (fault %s): %s",
		       p->sec.ops->name, dcerpc_fault_name(status),
		       p->ntlm ? "wrong user or password?" :
				 "the account may not use this service");
	else
		finish(p, OUTCOME_RPC_FAULT, "fault %s (0x%08x)",
		       dcerpc_fault_name(status), (unsigned)status);
}

static void maybe_ack_flow(struct probe *p, size_t pdu_len)
{
	struct buf b;
	struct rpe_error err = { 0, "" };

	/* MS-RPCH 3.2.2.4.1: only non-RTS PDUs consume the receive window;
	 * acknowledge once half of it is used. */
	p->unacked += (uint32_t)pdu_len;
	p->received_total += (uint32_t)pdu_len;
	if (p->unacked < PROBE_RECV_WINDOW / 2)
		return;
	buf_init(&b, 256);
	if (rts_build_flow_control_ack(&b, p->received_total, PROBE_RECV_WINDOW,
				       p->out_cookie, &err) == 0 &&
	    send_in(p, &b, "RTS FlowControlAck") == 0)
		p->unacked = 0;
	buf_free(&b);
}

static void on_pdu(struct probe *p, const struct dcerpc_pdu *pdu)
{
	hexdump_trace(p, is_tcp(p) ? "TCP <-" : "OUT <-", pdu->data, pdu->len);
	if (is_tcp(p)) {
		if (pdu->ptype == DCERPC_PTYPE_RTS) {
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "RTS PDU on an RPC/TCP connection");
			return;
		}
	} else {
		if (pdu->ptype == DCERPC_PTYPE_RTS) {
			on_rts(p, pdu);
			return;
		}
		if (!rts_vc_is_open(&p->vc)) {
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "PDU type %u before the virtual connection was open",
			       (unsigned)pdu->ptype);
			return;
		}
		maybe_ack_flow(p, pdu->len);
		if (p->finished)
			return;
	}
	switch (pdu->ptype) {
	case DCERPC_PTYPE_BIND_ACK:
	case DCERPC_PTYPE_ALTER_CONTEXT_RESP:
		on_bind_ack(p, pdu);
		break;
	case DCERPC_PTYPE_BIND_NAK:
		/* Windows and Samba refuse a Kerberos ticket they cannot
		 * decrypt with a bind_nak. */
		finish(p, OUTCOME_BIND_REJECTED, "bind_nak: %s%s%s%s",
		       dcerpc_bind_nak_reason_name(pdu->data, pdu->len),
		       p->kerb ? " (the server refused the Kerberos ticket for " : "",
		       p->kerb ? kerb_ctx_spn(p->kerb) : "",
		       p->kerb ? ": is that SPN registered on this server's account?)" : "");
		break;
	case DCERPC_PTYPE_RESPONSE:
		on_response(p, pdu);
		break;
	case DCERPC_PTYPE_FAULT:
		on_fault(p, pdu);
		break;
	default:
		finish(p, OUTCOME_PROTOCOL_ERROR, "unexpected PDU type %u",
		       (unsigned)pdu->ptype);
	}
}

/* Channel callbacks ------------------------------------------------------------ */

static void on_status(void *ctx, struct http_chan *ch, long status)
{
	struct probe *p = ctx;

	ptrace(p, 2, "%s channel: HTTP %ld",
	       http_chan_kind(ch) == HTTP_CHAN_OUT ? "OUT" : "IN", status);
	if (http_chan_kind(ch) == HTTP_CHAN_OUT && p->phase == PHASE_CONNECT &&
	    status >= 200 && status <= 299) {
		struct http_timings t;
		http_chan_timings(ch, &t);
		if (t.tls_us > 0)
			p->res->tls_time = (double)t.tls_us / 1e6;
		p->res->http_status = status;
		end_phase(p, PHASE_RTS);
	}
}

/* Server-to-client bytes (OUT channel body, TCP stream, endpoint mapper
 * stream) -> whole PDUs -> handle(). */
static int feed_stream(struct probe *p, struct dcerpc_reader *rd,
		       const uint8_t *d, size_t n, const char *where,
		       void (*handle)(struct probe *, const struct dcerpc_pdu *))
{
	struct dcerpc_pdu pdu;
	struct rpe_error err = { 0, "" };
	int rc;

	if (dcerpc_reader_feed(rd, d, n, &err) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "%s: %s", where, err.msg);
		return -1;
	}
	while (!p->finished && (rc = dcerpc_reader_next(rd, &pdu, &err)) != 0) {
		if (rc < 0) {
			finish(p, OUTCOME_PROTOCOL_ERROR, "%s: %s", where,
			       err.msg);
			return -1;
		}
		handle(p, &pdu);
	}
	return 0;
}

static int on_data(void *ctx, struct http_chan *ch, const uint8_t *d, size_t n)
{
	struct probe *p = ctx;

	if (p->finished)
		return -1;
	if (http_chan_kind(ch) != HTTP_CHAN_OUT)
		return 0; /* IN responses carry nothing for us */
	p->res->bytes_received += (unsigned)n;
	if (p->res->bytes_received == n && n > 0 && d[0] != 5) {
		const char *ct = http_chan_content_type(ch);
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "RPC_OUT_DATA answered with %s%s instead of RPC PDUs (a login page or SSL offloading in front of the RPC proxy?)",
		       ct[0] ? "Content-Type " : "a non-RPC body",
		       ct[0] ? ct : "");
		return -1;
	}
	return feed_stream(p, &p->reader, d, n, "OUT channel", on_pdu);
}

static void on_done(void *ctx, struct http_chan *ch, enum loop_result res,
		    long status, const char *msg)
{
	struct probe *p = ctx;
	const char *which = http_chan_kind(ch) == HTTP_CHAN_OUT ? "RPC_OUT_DATA" :
				"RPC_IN_DATA";

	if (p->finished)
		return;
	if (p->have_session) {
		/* The logon itself was answered; only the goodbye got lost. */
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone); %s ended before EcDoDisconnect was answered",
		       which);
		return;
	}
	p->res->http_status = status;
	switch (res) {
	case LOOP_RES_HTTP_STATUS:
		if (status == 401 || status == 403 || status == 407)
			finish(p, OUTCOME_AUTH_FAILED,
			       "RPC proxy refused the credentials on %s: %s",
			       which, msg);
		else
			finish(p, OUTCOME_PROXY_REFUSED, "RPC proxy answered %s: %s",
			       which, msg);
		break;
	case LOOP_RES_TLS_VERIFY:
	case LOOP_RES_TLS_FAILED:
		finish(p, OUTCOME_TLS_FAILED, "%s", msg);
		break;
	case LOOP_RES_RESOLVE_FAILED:
	case LOOP_RES_CONNECT_FAILED:
	case LOOP_RES_PROXY_FAILED:
		finish(p, OUTCOME_CONNECT_FAILED, "%s", msg);
		break;
	default:
		if (p->phase == PHASE_CONNECT)
			finish(p, OUTCOME_CONNECT_FAILED, "%s: %s", which, msg);
		else
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "%s ended during %s: %s", which,
			       probe_phase_name(p->phase), msg);
	}
}

/* RPC/TCP: the EMSMDB connection ------------------------------------------------- */

static void tcp_on_connected(void *ctx, struct tcp_chan *ch)
{
	struct probe *p = ctx;

	(void)ch;
	if (p->finished)
		return;
	end_phase(p, PHASE_BIND); /* no rts phase: its end stays unset */
	send_bind(p);
}

static int tcp_on_data(void *ctx, struct tcp_chan *ch, const uint8_t *d,
		       size_t n)
{
	struct probe *p = ctx;

	(void)ch;
	if (p->finished)
		return -1;
	p->res->bytes_received += (unsigned)n;
	return feed_stream(p, &p->reader, d, n, "RPC/TCP", on_pdu);
}

static void tcp_on_done(void *ctx, struct tcp_chan *ch, enum loop_result res,
			const char *msg)
{
	struct probe *p = ctx;

	(void)ch;
	if (p->finished)
		return;
	if (p->have_session) {
		finish(p, OUTCOME_LOGON_OK,
		       "logged on (ecNone); the connection ended before EcDoDisconnect was answered");
		return;
	}
	if (p->phase == PHASE_CONNECT)
		finish(p, OUTCOME_CONNECT_FAILED, "EMSMDB port %s", msg);
	else if (res == LOOP_RES_RECV_FAILED || res == LOOP_RES_SEND_FAILED)
		finish(p, OUTCOME_PROTOCOL_ERROR, "RPC/TCP %s during %s", msg,
		       probe_phase_name(p->phase));
	else
		finish(p, OUTCOME_PROTOCOL_ERROR, "RPC/TCP: %s", msg);
}

static int tcp_connect_emsmdb(struct probe *p, long port, struct rpe_error *err)
{
	struct tcp_chan_cb cb = { p, tcp_on_connected, tcp_on_data, tcp_on_done };
	struct tcp_params tp = p->target->tcp;

	tp.port = port;
	tp.name = "RPC";
	p->res->tcp_port = (unsigned)port;
	p->tcp = tcp_chan_open(p->run->loop, &tp, &cb, err);
	return p->tcp ? 0 : -1;
}

/* RPC/TCP: the endpoint mapper ---------------------------------------------------- */

static void epm_answer(struct probe *p, const uint8_t *stub, size_t len)
{
	struct epm_map_result r;
	struct rpe_error err = { 0, "" };

	if (epm_decode_map_response(stub, len, &emsmdb_interface, &r, &err) < 0) {
		finish(p, OUTCOME_PROTOCOL_ERROR, "endpoint mapper: %s", err.msg);
		return;
	}
	p->epm_done = 1;
	p->res->epm_time = elapsed(p);
	if (!r.found) {
		finish(p, OUTCOME_NOT_REGISTERED,
		       "EMSMDB is not registered at the endpoint mapper of %s:%ld (%s, %u towers): no Exchange store (MSExchangeRPC) listens for RPC/TCP there",
		       p->target->tcp.connect_ip ? p->target->tcp.connect_ip :
		       p->target->tcp.host, p->target->tcp.port,
		       epm_status_name(r.status), (unsigned)r.num_towers);
		return;
	}
	ptrace(p, 2, "EPM <- ept_map: EMSMDB on TCP port %u", (unsigned)r.port);
	if (tcp_connect_emsmdb(p, r.port, &err) < 0)
		finish(p, OUTCOME_CONNECT_FAILED, "cannot connect: %s", err.msg);
}

static void epm_send_map(struct probe *p)
{
	struct rpe_error err = { 0, "" };
	struct buf stub, pdu;
	int rc;

	buf_init(&stub, 4096);
	buf_init(&pdu, 8192);
	rc = epm_encode_map_request(&stub, &emsmdb_interface, EPM_MAX_TOWERS,
				    &err);
	if (rc == 0)
		rc = dcerpc_encode_request(&pdu, &p->epm_conn, CALL_EPM_MAP, 0,
					   EPM_OPNUM_MAP, stub.data, stub.len,
					   &err);
	if (rc == 0) {
		ptrace(p, 2, "EPM -> ept_map EMSMDB (%zu bytes)", pdu.len);
		rc = tcp_chan_send(p->epm, pdu.data, pdu.len);
	}
	if (rc < 0)
		finish(p, OUTCOME_PROTOCOL_ERROR, "cannot send ept_map: %s",
		       err.msg[0] ? err.msg : "connection closed");
	buf_free(&stub);
	buf_free(&pdu);
}

static void epm_pdu(struct probe *p, const struct dcerpc_pdu *pdu)
{
	struct rpe_error err = { 0, "" };
	struct buf b;
	int rc;

	if (p->epm_done)
		return; /* the lookup is answered; later PDUs do not matter */
	switch (pdu->ptype) {
	case DCERPC_PTYPE_BIND_ACK: {
		struct dcerpc_bind_ack ack;
		if (dcerpc_decode_bind_ack(&p->epm_conn, pdu->data, pdu->len,
					   &ack, &err) < 0) {
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "endpoint mapper bind_ack: %s", err.msg);
			return;
		}
		if (ack.result != 0) {
			finish(p, OUTCOME_BIND_REJECTED,
			       "endpoint mapper rejected its interface: %s",
			       dcerpc_ack_reason_name(ack.result, ack.reason));
			return;
		}
		epm_send_map(p);
		return;
	}
	case DCERPC_PTYPE_BIND_NAK:
		finish(p, OUTCOME_BIND_REJECTED, "endpoint mapper bind_nak: %s",
		       dcerpc_bind_nak_reason_name(pdu->data, pdu->len));
		return;
	case DCERPC_PTYPE_RESPONSE:
		if (pdu->call_id != CALL_EPM_MAP) {
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "endpoint mapper answered unexpected call id %u",
			       (unsigned)pdu->call_id);
			return;
		}
		buf_init(&b, 65536);
		rc = dcerpc_decode_response(&p->epm_conn, pdu->data, pdu->len,
					    &b, &err);
		if (rc < 0)
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "endpoint mapper response: %s", err.msg);
		else if (rc == 1)
			epm_answer(p, b.data, b.len);
		buf_free(&b);
		return;
	case DCERPC_PTYPE_FAULT: {
		uint32_t status = 0;
		if (dcerpc_decode_fault(pdu->data, pdu->len, &status, &err) < 0)
			finish(p, OUTCOME_PROTOCOL_ERROR,
			       "endpoint mapper fault: %s", err.msg);
		else
			finish(p, OUTCOME_RPC_FAULT,
			       "endpoint mapper fault %s (0x%08x)",
			       dcerpc_fault_name(status), (unsigned)status);
		p->res->fault_status = status;
		return;
	}
	default:
		finish(p, OUTCOME_PROTOCOL_ERROR,
		       "endpoint mapper sent PDU type %u",
		       (unsigned)pdu->ptype);
	}
}

static int epm_on_data(void *ctx, struct tcp_chan *ch, const uint8_t *d,
		       size_t n)
{
	struct probe *p = ctx;

	(void)ch;
	if (p->finished || p->epm_done)
		return -1;
	if (feed_stream(p, &p->epm_reader, d, n, "endpoint mapper",
			epm_pdu) < 0)
		return -1;
	return (p->finished || p->epm_done) ? -1 : 0;
}

static void epm_on_done(void *ctx, struct tcp_chan *ch, enum loop_result res,
			const char *msg)
{
	struct probe *p = ctx;

	(void)ch;
	(void)res;
	if (p->finished || p->epm_done)
		return;
	finish(p, OUTCOME_CONNECT_FAILED, "endpoint mapper %s", msg);
}

static int probe_start_tcp(struct probe *p, struct rpe_error *err)
{
	struct tcp_chan_cb cb = { p, NULL, epm_on_data, epm_on_done };
	struct tcp_params tp = p->target->tcp;
	struct buf b;
	int rc;

	if (p->target->tcp_port > 0) {
		p->epm_done = 1;
		return tcp_connect_emsmdb(p, p->target->tcp_port, err);
	}
	tp.name = "EPM";
	p->epm = tcp_chan_open(p->run->loop, &tp, &cb, err);
	if (!p->epm)
		return -1;
	/* The endpoint mapper is asked without authentication, as the
	 * Windows RPC runtime does. */
	buf_init(&b, 1024);
	rc = dcerpc_encode_bind(&b, &p->epm_conn, 0, CALL_EPM_BIND, 0,
				&epm_interface, NULL, 0, err);
	if (rc == 0) {
		ptrace(p, 2, "EPM -> bind epmapper v3 (%zu bytes)", b.len);
		rc = tcp_chan_send(p->epm, b.data, b.len);
	}
	buf_free(&b);
	return rc;
}

/* Run ---------------------------------------------------------------------------- */

static int probe_start(struct probe *p, struct rpe_error *err)
{
	struct http_chan_cb cb = { p, on_status, on_data, on_done };
	struct buf a1, b1;
	int rc = -1;

	p->t0 = loop_now_s();
	p->phase = PHASE_CONNECT;
	p->res->phase = PHASE_CONNECT;
	if (is_tcp(p))
		return probe_start_tcp(p, err);
	buf_init(&a1, 256);
	buf_init(&b1, 256);
	if (crypto_random(p->vc_cookie, 16, err) < 0 ||
	    crypto_random(p->in_cookie, 16, err) < 0 ||
	    crypto_random(p->out_cookie, 16, err) < 0 ||
	    crypto_random(p->assoc_group, 16, err) < 0)
		goto out;
	rts_cookie_set_uuid4(p->vc_cookie);
	rts_cookie_set_uuid4(p->in_cookie);
	rts_cookie_set_uuid4(p->out_cookie);
	rts_cookie_set_uuid4(p->assoc_group);
	if (rts_build_conn_a1(&a1, p->vc_cookie, p->out_cookie,
			      PROBE_RECV_WINDOW, err) < 0 ||
	    rts_build_conn_b1(&b1, p->vc_cookie, p->in_cookie,
			      PROBE_CHANNEL_LIFETIME, PROBE_CLIENT_KEEPALIVE,
			      p->assoc_group, err) < 0)
		goto out;
	p->out = http_chan_open(p->run->loop, &p->target->http, HTTP_CHAN_OUT,
				a1.data, a1.len, &cb, err);
	if (!p->out)
		goto out;
	p->in = http_chan_open(p->run->loop, &p->target->http, HTTP_CHAN_IN,
			       NULL, 0, &cb, err);
	if (!p->in)
		goto out;
	ptrace(p, 2, "OUT -> RTS CONN/A1, IN -> RTS CONN/B1");
	p->res->bytes_sent += (unsigned)(a1.len + b1.len);
	rc = http_chan_send(p->in, b1.data, b1.len);
out:
	buf_free(&a1);
	buf_free(&b1);
	return rc;
}

static void probe_cleanup(struct probe *p)
{
	close_channels(p);
	dcerpc_reader_free(&p->reader);
	dcerpc_reader_free(&p->epm_reader);
	dcerpc_conn_free(&p->conn);
	dcerpc_conn_free(&p->epm_conn);
	ntlm_client_free(p->ntlm);
	p->ntlm = NULL;
	kerb_ctx_free(p->kerb);
	p->kerb = NULL;
}

/* The bind's security package: NTLM, or a Kerberos context on the run's
 * credentials (acquired before, within the deadline). */
static int probe_secctx(struct probe *p, struct rpe_error *err)
{
	const struct probe_target *t = p->target;

	p->res->auth = t->auth;
	if (t->auth == PROBE_AUTH_NTLM) {
		p->ntlm = ntlm_client_new(t->user, t->domain, t->password, err);
		if (!p->ntlm)
			return err ? err->code : RPE_ERR_NOMEM;
		p->sec.ops = &ntlm_secctx_ops;
		p->sec.ctx = ntlm_client_session(p->ntlm);
		return 0;
	}
	if (!t->kerb)
		return rpe_fail(err, RPE_ERR_ARG, "Kerberos without credentials");
	p->kerb = kerb_ctx_new(t->kerb, t->spn, t->spn_server,
			       (uint8_t)p->res->level,
			       t->auth == PROBE_AUTH_NEGOTIATE, err);
	if (!p->kerb)
		return err ? err->code : RPE_ERR_NOMEM;
	kerb_ctx_secctx(p->kerb, &p->sec);
	return 0;
}

int probe_run(const struct probe_target *target, struct probe_result *results,
	      int n, int64_t deadline_ms, int trace_level, probe_trace_fn trace,
	      void *trace_ctx, struct rpe_error *err)
{
	struct probe_run run = { NULL, trace_level, trace, trace_ctx };
	struct probe *probes;
	int i, left, rc = 0;

	if (n <= 0)
		return rpe_fail(err, RPE_ERR_ARG, "no probe to run");
	if (crypto_init(err) < 0)
		return err ? err->code : RPE_ERR_CRYPTO;
	probes = calloc((size_t)n, sizeof(*probes));
	if (!probes)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	run.loop = loop_new(err);
	if (!run.loop) {
		free(probes);
		return err ? err->code : RPE_ERR_NOMEM;
	}
	if (trace)
		loop_set_trace(run.loop, trace_level, trace, trace_ctx);

	for (i = 0; i < n; i++) {
		struct probe *p = &probes[i];
		struct probe_result *r = &results[i];
		int k;

		r->outcome = OUTCOME_NONE;
		for (k = 0; k < PHASE_COUNT; k++)
			r->phase_end[k] = -1;
		p->run = &run;
		p->res = r;
		p->target = target;
		dcerpc_reader_init(&p->reader);
		dcerpc_reader_init(&p->epm_reader);
		dcerpc_conn_init(&p->epm_conn, NULL, DCERPC_AUTH_LEVEL_NONE, 0);
		rts_vc_init(&p->vc);
		if ((rc = probe_secctx(p, err)) < 0)
			goto out;
		dcerpc_conn_init(&p->conn, &p->sec, (uint8_t)r->level,
				 PROBE_AUTH_CONTEXT_ID);
		if (probe_start(p, err) < 0) {
			finish(p, OUTCOME_CONNECT_FAILED, "cannot start: %s",
			       err ? err->msg : "?");
		}
	}

	for (;;) {
		int64_t now = probe_now_ms(), wait;
		left = 0;
		for (i = 0; i < n; i++)
			left += !probes[i].finished;
		if (!left)
			break;
		if (now >= deadline_ms) {
			for (i = 0; i < n; i++) {
				struct probe *p = &probes[i];
				if (p->finished)
					continue;
				if (p->have_session)
					finish(p, OUTCOME_LOGON_OK,
					       "logged on (ecNone); no answer to EcDoDisconnect before the deadline");
				else if (is_tcp(p) && p->phase == PHASE_CONNECT) {
					snprintf(p->res->step, sizeof(p->res->step),
						 "%s", p->epm_done ? "store port" :
						 "endpoint mapper");
					finish(p, OUTCOME_TIMEOUT,
					       "no answer from the %s during connect",
					       p->res->step);
				} else {
					finish(p, OUTCOME_TIMEOUT,
					       "no answer from the server during %s",
					       probe_phase_name(p->phase));
				}
			}
			break;
		}
		wait = deadline_ms - now;
		if (wait > 1000)
			wait = 1000;
		if (loop_run(run.loop, (int)wait, err) < 0) {
			for (i = 0; i < n; i++)
				finish(&probes[i], OUTCOME_PROTOCOL_ERROR,
				       "event loop failed: %s",
				       err ? err->msg : "?");
			break;
		}
		for (i = 0; i < n; i++) {
			if (probes[i].finished) {
				close_channels(&probes[i]);
			} else if (probes[i].epm_done && probes[i].epm) {
				tcp_chan_close(probes[i].epm);
				probes[i].epm = NULL;
			}
		}
	}
out:
	for (i = 0; i < n; i++)
		probe_cleanup(&probes[i]);
	loop_free(run.loop);
	free(probes);
	return rc;
}
