/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One DCE/RPC client association; see rpc_assoc.h. */
#include "rpc_assoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The one presentation context of the association (C706 12.6.3.1). */
#define ASSOC_CONTEXT_ID 0
/* auth_context_id of the sec_trailer (MS-RPCE 2.2.2.11): any value the
 * client keeps for the association; this is what Windows clients use. */
#define ASSOC_AUTH_CONTEXT_ID 79231
/* Cap of a reassembled response stub we keep. */
#define ASSOC_STUB_MAX (1u << 20)

static int failed(struct rpc_assoc_event *ev, enum rpc_assoc_fail f,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int failed(struct rpc_assoc_event *ev, enum rpc_assoc_fail f,
		  const char *fmt, ...)
{
	va_list ap;

	ev->kind = RPC_ASSOC_EV_FAILED;
	ev->fail = f;
	va_start(ap, fmt);
	vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap);
	va_end(ap);
	return RPC_ASSOC_EV_FAILED;
}

void rpc_assoc_init(struct rpc_assoc *a, const char *name, const char *prefix,
		    const struct dcerpc_syntax *iface, struct secctx *sec,
		    uint8_t level)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->prefix = prefix;
	a->iface = iface;
	a->sec = sec;
	dcerpc_conn_init(&a->conn, sec, sec ? level : DCERPC_AUTH_LEVEL_NONE,
			 sec ? ASSOC_AUTH_CONTEXT_ID : 0);
	a->next_call_id = 1;
	buf_init(&a->stub, ASSOC_STUB_MAX);
}

void rpc_assoc_free(struct rpc_assoc *a)
{
	dcerpc_conn_free(&a->conn);
	buf_free(&a->stub);
}

/* One leg of the security context: in = the server's token or NULL. */
static int sec_step(struct rpc_assoc *a, const uint8_t *in, size_t in_len,
		    struct buf *tok, struct rpc_assoc_event *ev)
{
	struct rpe_error err = { 0, "" };
	int rc;

	if (!a->sec->ops->step)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			      "%s cannot establish a context", a->sec->ops->name);
	rc = a->sec->ops->step(a->sec->ctx, in, in_len, tok, &err);
	if (rc < 0)
		failed(ev,
		       rc == RPE_ERR_AUTH ? RPC_ASSOC_FAIL_AUTH :
					    RPC_ASSOC_FAIL_PROTOCOL,
		       "%s %s rejected: %s", a->sec->ops->name,
		       in ? "answer" : "start", err.msg);
	return rc;
}

int rpc_assoc_bind(struct rpc_assoc *a, struct buf *out,
		   struct rpc_assoc_event *ev)
{
	struct rpe_error err = { 0, "" };
	struct buf tok;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	buf_init(&tok, 8192);
	if (a->sec)
		rc = sec_step(a, NULL, 0, &tok, ev);
	if (rc >= 0) {
		a->bind_call_id = a->next_call_id++;
		rc = dcerpc_encode_bind(out, &a->conn, 0, a->bind_call_id,
					ASSOC_CONTEXT_ID, a->iface, tok.data,
					tok.len, &err);
		if (rc < 0)
			failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			       "cannot build bind: %s", err.msg);
	}
	buf_free(&tok);
	if (rc < 0)
		return -1;
	a->state = RPC_ASSOC_BINDING;
	return 0;
}

int rpc_assoc_call(struct rpc_assoc *a, uint16_t opnum, const uint8_t *stub,
		   size_t len, struct buf *out, uint32_t *call_id,
		   struct rpc_assoc_event *ev)
{
	struct rpe_error err = { 0, "" };
	uint32_t id = a->next_call_id;

	memset(ev, 0, sizeof(*ev));
	if (a->state != RPC_ASSOC_BOUND) {
		failed(ev, RPC_ASSOC_FAIL_PROTOCOL, "call before the bind");
		return -1;
	}
	/* Sign/seal happen inside dcerpc_encode_request at the association's
	 * level; at level connect requests carry no verifier (MS-RPCE
	 * 3.3.1.5.2). */
	if (dcerpc_encode_request(out, &a->conn, id, ASSOC_CONTEXT_ID, opnum,
				  stub, len, &err) < 0) {
		failed(ev, RPC_ASSOC_FAIL_PROTOCOL, "cannot build request: %s",
		       err.msg);
		return -1;
	}
	a->next_call_id++;
	a->pending = id;
	*call_id = id;
	return 0;
}

/* bind_ack or alter_context_resp: the context's verdict and the server's
 * token; the next leg (auth3, alter_context) goes to out. */
static int on_bind_ack(struct rpc_assoc *a, const struct dcerpc_pdu *pdu,
		       struct buf *out, struct rpc_assoc_event *ev)
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_bind_ack ack;
	struct buf tok;
	int rc, step;

	if (a->state != RPC_ASSOC_BINDING)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			      "%sunexpected bind_ack", a->prefix);
	if (dcerpc_decode_bind_ack(&a->conn, pdu->data, pdu->len, &ack, &err) < 0)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL, "%sbind_ack: %s",
			      a->prefix, err.msg);
	if (ack.result != 0)
		return failed(ev, RPC_ASSOC_FAIL_REJECTED,
			      "%s presentation context rejected: %s", a->name,
			      dcerpc_ack_reason_name(ack.result, ack.reason));
	if (!a->sec) {
		a->state = RPC_ASSOC_BOUND;
		return ev->kind = RPC_ASSOC_EV_BOUND;
	}
	if (!ack.auth_value || ack.auth_len == 0)
		return failed(ev, RPC_ASSOC_FAIL_REJECTED,
			      "bind_ack carries no %s token", a->sec->ops->name);
	buf_init(&tok, 8192);
	step = sec_step(a, ack.auth_value, ack.auth_len, &tok, ev);
	rc = 0;
	if (step == SECCTX_LAST)
		rc = dcerpc_encode_auth3(out, &a->conn, a->bind_call_id,
					 tok.data, tok.len, &err);
	else if (step == SECCTX_CONTINUE)
		rc = dcerpc_encode_bind(out, &a->conn, 1, a->bind_call_id,
					ASSOC_CONTEXT_ID, a->iface, tok.data,
					tok.len, &err);
	buf_free(&tok);
	if (step < 0)
		return ev->kind;
	if (rc < 0)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			      "cannot build the next %s leg: %s",
			      a->sec->ops->name, err.msg);
	if (step == SECCTX_CONTINUE)
		return RPC_ASSOC_EV_NONE; /* alter_context_resp to come */
	a->state = RPC_ASSOC_BOUND;
	return ev->kind = RPC_ASSOC_EV_BOUND;
}

static int on_response(struct rpc_assoc *a, const struct dcerpc_pdu *pdu,
		       struct rpc_assoc_event *ev)
{
	struct rpe_error err = { 0, "" };
	int rc;

	if (a->state != RPC_ASSOC_BOUND || !a->pending)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			      "%sunexpected response PDU", a->prefix);
	buf_reset(&a->stub);
	rc = dcerpc_decode_response(&a->conn, pdu->data, pdu->len, &a->stub,
				    &err);
	if (rc < 0)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL, "%sresponse: %s",
			      a->prefix, err.msg);
	if (rc == 0)
		return RPC_ASSOC_EV_NONE; /* more fragments to come */
	if (pdu->call_id != a->pending)
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			      "%sresponse for unexpected call id %u", a->prefix,
			      (unsigned)pdu->call_id);
	a->pending = 0;
	ev->call_id = pdu->call_id;
	ev->stub = a->stub.data;
	ev->stub_len = a->stub.len;
	return ev->kind = RPC_ASSOC_EV_RESPONSE;
}

int rpc_assoc_feed(struct rpc_assoc *a, const struct dcerpc_pdu *pdu,
		   struct buf *out, struct rpc_assoc_event *ev)
{
	struct rpe_error err = { 0, "" };

	memset(ev, 0, sizeof(*ev));
	switch (pdu->ptype) {
	case DCERPC_PTYPE_BIND_ACK:
	case DCERPC_PTYPE_ALTER_CONTEXT_RESP:
		return on_bind_ack(a, pdu, out, ev);
	case DCERPC_PTYPE_BIND_NAK:
		return failed(ev, RPC_ASSOC_FAIL_REJECTED, "%sbind_nak: %s",
			      a->prefix,
			      dcerpc_bind_nak_reason_name(pdu->data, pdu->len));
	case DCERPC_PTYPE_RESPONSE: return on_response(a, pdu, ev);
	case DCERPC_PTYPE_FAULT:
		if (dcerpc_decode_fault(pdu->data, pdu->len, &ev->status, &err) <
		    0)
			return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
				      "%sfault: %s", a->prefix, err.msg);
		ev->call_id = pdu->call_id;
		a->pending = 0;
		return ev->kind = RPC_ASSOC_EV_FAULT;
	default:
		return failed(ev, RPC_ASSOC_FAIL_PROTOCOL,
			      "%sunexpected PDU type %u", a->prefix,
			      (unsigned)pdu->ptype);
	}
}
