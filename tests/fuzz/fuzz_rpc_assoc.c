/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: one DCE/RPC association fed a server's byte stream
 * after its bind: bind_ack / alter_context_resp, responses matched by
 * call_id, faults, anything out of order.  The first byte picks an
 * unauthenticated association or one with a toy security context whose
 * step accepts any token. */
#include <stdlib.h>
#include <string.h>

#include "rpc_assoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int toy_step(void *ctx, const uint8_t *in, size_t n, struct buf *out,
		    struct rpe_error *err)
{
	(void)ctx;
	(void)err;
	if (!in)
		return buf_put_bytes(out, "NEG", 3) < 0 ? RPE_ERR_NOMEM :
							  SECCTX_CONTINUE;
	/* An odd-length token asks for one more leg. */
	if (buf_put_bytes(out, in, n > 8 ? 8 : n) < 0)
		return RPE_ERR_NOMEM;
	return (n & 1) ? SECCTX_CONTINUE : SECCTX_LAST;
}

static const struct secctx_ops toy_ops = {
	.name = "TOY",
	.auth_type = 10,
	.sig_len = 16,
	.step = toy_step,
};

static const struct dcerpc_syntax iface = { { 1, 2, 3, 4 }, 1, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secctx sec = { &toy_ops, NULL };
	struct rpc_assoc a;
	struct rpc_assoc_event ev;
	struct dcerpc_reader rd;
	struct dcerpc_pdu pdu;
	struct rpe_error err;
	struct buf out;
	uint32_t id;
	int rc;

	if (size < 1)
		return 0;
	rpc_assoc_init(&a, "X", "x ", &iface, (data[0] & 1) ? &sec : NULL,
		       DCERPC_AUTH_LEVEL_CONNECT);
	dcerpc_reader_init(&rd);
	buf_init(&out, 0);
	if (rpc_assoc_bind(&a, &out, &ev) < 0)
		abort();
	if (dcerpc_reader_feed(&rd, data + 1, size - 1, &err) < 0)
		goto out;
	while ((rc = dcerpc_reader_next(&rd, &pdu, &err)) > 0) {
		buf_reset(&out);
		switch (rpc_assoc_feed(&a, &pdu, &out, &ev)) {
		case RPC_ASSOC_EV_BOUND:
			if (rpc_assoc_call(&a, 1, data, size > 64 ? 64 : size,
					   &out, &id, &ev) < 0)
				abort();
			break;
		case RPC_ASSOC_EV_RESPONSE:
			if (ev.stub_len && !ev.stub)
				abort();
			break;
		case RPC_ASSOC_EV_FAILED: goto out;
		default: break;
		}
	}
out:
	buf_free(&out);
	dcerpc_reader_free(&rd);
	rpc_assoc_free(&a);
	return 0;
}
