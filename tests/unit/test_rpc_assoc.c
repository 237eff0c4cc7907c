/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/rpc_assoc without sockets: an unauthenticated bind and call (the
 * endpoint mapper's way), a security context stepped through bind, auth3
 * and through an extra alter_context leg, the failures (bind_nak, context
 * rejected, no token, a refused token), responses matched by call_id and
 * faults; NTLM's step adapter through the same calls.  The toy security
 * context signs nothing: level connect. */
#include "rpc_assoc.h"
#include "rpc_pipe.h"
#include "t.h"

#include "ntlm.h"

#include <stdint.h>

static const struct dcerpc_syntax iface = { { 0x18, 0x5a, 0xcc, 0xf5, 0x64,
					      0x42, 0x1a, 0x10, 0x8c, 0x59, 0x08,
					      0x00, 0x2b, 0x2f, 0x84, 0x26 },
					    0x38,
					    0 };

/* Toy package: "NEG" for the bind, then per server token "OK": LAST with
 * "AUTH", "MORE": CONTINUE with "AGAIN", "BAD": refused. */
static int toy_step(void *ctx, const uint8_t *in, size_t n, struct buf *out,
		    struct rpe_error *err)
{
	(void)ctx;
	if (!in) {
		buf_put_bytes(out, "NEG", 3);
		return SECCTX_CONTINUE;
	}
	if (n == 2 && memcmp(in, "OK", 2) == 0) {
		buf_put_bytes(out, "AUTH", 4);
		return SECCTX_LAST;
	}
	if (n == 4 && memcmp(in, "MORE", 4) == 0) {
		buf_put_bytes(out, "AGAIN", 5);
		return SECCTX_CONTINUE;
	}
	return rpe_fail(err, RPE_ERR_AUTH, "toy token refused");
}

static const struct secctx_ops toy_ops = {
	.name = "TOY",
	.auth_type = 10,
	.sig_len = 16,
	.step = toy_step,
};

static void put_header(struct buf *b, uint8_t ptype, uint32_t call_id)
{
	buf_put_u8(b, 5);
	buf_put_u8(b, 0);
	buf_put_u8(b, ptype);
	buf_put_u8(b, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG);
	buf_put_u32le(b, 0x10);
	buf_put_u16le(b, 0); /* frag_length, patched by done() */
	buf_put_u16le(b, 0); /* auth_length */
	buf_put_u32le(b, call_id);
}

static void done(struct buf *b, struct dcerpc_pdu *pdu, size_t auth_len)
{
	buf_set_u16le_at(b, 8, (uint16_t)b->len);
	buf_set_u16le_at(b, 10, (uint16_t)auth_len);
	memset(pdu, 0, sizeof(*pdu));
	pdu->ptype = b->data[2];
	pdu->frag_length = (uint16_t)b->len;
	pdu->call_id = b->data[12];
	pdu->data = b->data;
	pdu->len = b->len;
}

/* bind_ack (C706 12.6.4.4) with one result and an optional token. */
static void bind_ack(struct buf *b, struct dcerpc_pdu *pdu, uint8_t ptype,
		     uint16_t result, const char *token)
{
	buf_reset(b);
	put_header(b, ptype, 1);
	buf_put_u16le(b, 5840);
	buf_put_u16le(b, 5840);
	buf_put_u32le(b, 0x1234);
	buf_put_u16le(b, 4);
	buf_put_bytes(b, "135", 4);
	buf_put_align(b, 4);
	buf_put_u8(b, 1);
	buf_put_zeros(b, 3);
	buf_put_u16le(b, result);
	buf_put_u16le(b, result ? 2 : 0);
	buf_put_bytes(b, dcerpc_ndr_syntax.uuid, 16);
	buf_put_u32le(b, 2);
	if (token) {
		buf_put_u8(b, 10);
		buf_put_u8(b, DCERPC_AUTH_LEVEL_CONNECT);
		buf_put_u8(b, 0);
		buf_put_u8(b, 0);
		buf_put_u32le(b, 79231);
		buf_put_bytes(b, token, strlen(token));
	}
	done(b, pdu, token ? strlen(token) : 0);
}

static void response(struct buf *b, struct dcerpc_pdu *pdu, uint32_t call_id,
		     const char *stub)
{
	buf_reset(b);
	put_header(b, DCERPC_PTYPE_RESPONSE, call_id);
	buf_put_u32le(b, (uint32_t)strlen(stub)); /* alloc_hint */
	buf_put_u16le(b, 0);                      /* context id */
	buf_put_u8(b, 0);                         /* cancel count */
	buf_put_u8(b, 0);
	buf_put_bytes(b, stub, strlen(stub));
	done(b, pdu, 0);
}

static void fault(struct buf *b, struct dcerpc_pdu *pdu, uint32_t call_id,
		  uint32_t status)
{
	buf_reset(b);
	put_header(b, DCERPC_PTYPE_FAULT, call_id);
	buf_put_u32le(b, 0);
	buf_put_u16le(b, 0);
	buf_put_u8(b, 0);
	buf_put_u8(b, 0);
	buf_put_u32le(b, status);
	buf_put_u32le(b, 0);
	done(b, pdu, 0);
}

static void test_unauthenticated(void)
{
	struct rpc_assoc a;
	struct rpc_assoc_event ev;
	struct dcerpc_pdu pdu;
	struct buf out, in;
	uint32_t id = 0;

	buf_init(&out, 0);
	buf_init(&in, 0);
	rpc_assoc_init(&a, "endpoint mapper", "endpoint mapper ", &iface, NULL,
		       0);
	/* A call before the bind is refused. */
	CHECK_INT(rpc_assoc_call(&a, 3, (const uint8_t *)"x", 1, &out, &id, &ev),
		  -1);
	CHECK_INT(rpc_assoc_bind(&a, &out, &ev), 0);
	CHECK_INT(out.data[2], DCERPC_PTYPE_BIND);
	CHECK_INT(out.data[10], 0); /* no auth trailer */
	CHECK_INT(out.data[12], 1); /* call_id 1 */
	bind_ack(&in, &pdu, DCERPC_PTYPE_BIND_ACK, 0, NULL);
	buf_reset(&out);
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_BOUND);
	CHECK_INT(out.len, 0);
	CHECK_INT(rpc_assoc_call(&a, 3, (const uint8_t *)"abcd", 4, &out, &id,
				 &ev),
		  0);
	CHECK_INT(id, 2);
	CHECK_INT(out.data[2], DCERPC_PTYPE_REQUEST);
	/* An answer to another call is refused ... */
	response(&in, &pdu, 7, "wxyz");
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_FAILED);
	CHECK_INT(ev.fail, RPC_ASSOC_FAIL_PROTOCOL);
	CHECK_STR(ev.msg, "endpoint mapper response for unexpected call id 7");
	/* ... the right one is handed over with its stub. */
	response(&in, &pdu, 2, "wxyz");
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_RESPONSE);
	CHECK_INT(ev.call_id, 2);
	CHECK_INT(ev.stub_len, 4);
	if (ev.stub_len == 4)
		CHECK_MEM(ev.stub, "wxyz", 4);
	/* Nothing is pending any more. */
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_FAILED);
	rpc_assoc_free(&a);
	buf_free(&out);
	buf_free(&in);
}

static void test_authenticated(void)
{
	struct secctx sec = { &toy_ops, NULL };
	struct rpc_assoc a;
	struct rpc_assoc_event ev;
	struct dcerpc_pdu pdu;
	struct buf out, in;
	uint32_t id = 0;

	buf_init(&out, 0);
	buf_init(&in, 0);
	rpc_assoc_init(&a, "EMSMDB", "", &iface, &sec, DCERPC_AUTH_LEVEL_CONNECT);
	CHECK_INT(rpc_assoc_bind(&a, &out, &ev), 0);
	CHECK_INT(out.data[10], 3); /* auth_length: "NEG" */
	CHECK_MEM(out.data + out.len - 3, "NEG", 3);
	/* A second leg: alter_context with the package's next token. */
	bind_ack(&in, &pdu, DCERPC_PTYPE_BIND_ACK, 0, "MORE");
	buf_reset(&out);
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_NONE);
	CHECK_INT(out.data[2], DCERPC_PTYPE_ALTER_CONTEXT);
	CHECK_MEM(out.data + out.len - 5, "AGAIN", 5);
	/* The last leg goes in an auth3 on the bind's call_id. */
	bind_ack(&in, &pdu, DCERPC_PTYPE_ALTER_CONTEXT_RESP, 0, "OK");
	buf_reset(&out);
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_BOUND);
	CHECK_INT(out.data[2], DCERPC_PTYPE_AUTH3);
	CHECK_INT(out.data[12], 1);
	CHECK_MEM(out.data + out.len - 4, "AUTH", 4);
	/* A fault names its call. */
	buf_reset(&out);
	CHECK_INT(rpc_assoc_call(&a, 10, (const uint8_t *)"q", 1, &out, &id, &ev),
		  0);
	fault(&in, &pdu, id, 0x1c010002);
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_FAULT);
	CHECK_INT(ev.call_id, id);
	CHECK_INT(ev.status, 0x1c010002);
	/* A second bind_ack is out of order. */
	bind_ack(&in, &pdu, DCERPC_PTYPE_BIND_ACK, 0, "OK");
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_FAILED);
	CHECK_STR(ev.msg, "unexpected bind_ack");
	rpc_assoc_free(&a);
	buf_free(&out);
	buf_free(&in);
}

/* Each failure of the bind, with its reason. */
static void bind_fails(uint8_t ptype, uint16_t result, const char *token,
		       enum rpc_assoc_fail want, const char *msg)
{
	struct secctx sec = { &toy_ops, NULL };
	struct rpc_assoc a;
	struct rpc_assoc_event ev;
	struct dcerpc_pdu pdu;
	struct buf out, in;

	buf_init(&out, 0);
	buf_init(&in, 0);
	rpc_assoc_init(&a, "EMSMDB", "", &iface, &sec, DCERPC_AUTH_LEVEL_CONNECT);
	CHECK_INT(rpc_assoc_bind(&a, &out, &ev), 0);
	if (ptype == DCERPC_PTYPE_BIND_NAK) {
		buf_reset(&in);
		put_header(&in, DCERPC_PTYPE_BIND_NAK, 1);
		buf_put_u16le(&in, 4);
		buf_put_u8(&in, 0);
		done(&in, &pdu, 0);
	} else {
		bind_ack(&in, &pdu, ptype, result, token);
	}
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_FAILED);
	CHECK_INT(ev.fail, want);
	CHECK(strstr(ev.msg, msg) != NULL);
	if (!strstr(ev.msg, msg))
		fprintf(stderr, "  message: %s\n", ev.msg);
	rpc_assoc_free(&a);
	buf_free(&out);
	buf_free(&in);
}

static void test_bind_failures(void)
{
	bind_fails(DCERPC_PTYPE_BIND_NAK, 0, NULL, RPC_ASSOC_FAIL_REJECTED,
		   "bind_nak");
	bind_fails(DCERPC_PTYPE_BIND_ACK, 2, "OK", RPC_ASSOC_FAIL_REJECTED,
		   "EMSMDB presentation context rejected");
	bind_fails(DCERPC_PTYPE_BIND_ACK, 0, NULL, RPC_ASSOC_FAIL_REJECTED,
		   "bind_ack carries no TOY token");
	bind_fails(DCERPC_PTYPE_BIND_ACK, 0, "BAD", RPC_ASSOC_FAIL_AUTH,
		   "toy token refused");
	bind_fails(DCERPC_PTYPE_ALTER_CONTEXT, 0, NULL, RPC_ASSOC_FAIL_PROTOCOL,
		   "unexpected PDU type 14");
}

/* ntlm_secctx_ops' step: NEGOTIATE in the bind (MS-NLMP 2.2.1.1), a
 * CHALLENGE that does not parse refused; a session without a client
 * cannot step. */
static void test_ntlm_step(void)
{
	struct rpe_error err = { 0, "" };
	struct ntlm_client *c = ntlm_client_new("probe", "EXAMPLE", "pw", &err);
	struct secctx sec = { &ntlm_secctx_ops, NULL };
	struct rpc_assoc a;
	struct rpc_assoc_event ev;
	struct dcerpc_pdu pdu;
	struct buf out, in;
	uint8_t key[16] = { 0 };

	CHECK(c != NULL);
	if (!c)
		return;
	sec.ctx = ntlm_client_session(c);
	buf_init(&out, 0);
	buf_init(&in, 0);
	rpc_assoc_init(&a, "EMSMDB", "", &iface, &sec, DCERPC_AUTH_LEVEL_PRIVACY);
	CHECK_INT(rpc_assoc_bind(&a, &out, &ev), 0);
	CHECK_INT(out.data[10], 40); /* NEGOTIATE with version: 40 bytes */
	CHECK_MEM(out.data + out.len - 40, "NTLMSSP\0\1\0\0\0", 12);
	bind_ack(&in, &pdu, DCERPC_PTYPE_BIND_ACK, 0, "NTLMSSP");
	CHECK_INT(rpc_assoc_feed(&a, &pdu, &out, &ev), RPC_ASSOC_EV_FAILED);
	CHECK(strstr(ev.msg, "NTLMSSP answer rejected") != NULL);
	rpc_assoc_free(&a);
	ntlm_client_free(c);
	sec.ctx = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 0);
	buf_reset(&out);
	CHECK_INT(ntlm_secctx_ops.step(sec.ctx, NULL, 0, &out, &err),
		  RPE_ERR_STATE);
	ntlm_session_free(sec.ctx);
	buf_free(&out);
	buf_free(&in);
}

/* The pipe layer turns the association's reasons into outcome classes. */
static void test_outcome_map(void)
{
	CHECK_INT(rpc_pipe_assoc_outcome(RPC_ASSOC_FAIL_PROTOCOL),
		  OUTCOME_PROTOCOL_ERROR);
	CHECK_INT(rpc_pipe_assoc_outcome(RPC_ASSOC_FAIL_AUTH),
		  OUTCOME_AUTH_FAILED);
	CHECK_INT(rpc_pipe_assoc_outcome(RPC_ASSOC_FAIL_REJECTED),
		  OUTCOME_BIND_REJECTED);
}

int main(void)
{
	T_RUN(test_unauthenticated);
	T_RUN(test_authenticated);
	T_RUN(test_bind_failures);
	T_RUN(test_ntlm_step);
	T_RUN(test_outcome_map);
	T_DONE();
}
