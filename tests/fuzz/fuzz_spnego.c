/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: lib/spnego's NegTokenResp parser, and a SPNEGO context
 * over a toy NTLM-like mechanism fed the input as the server's answers (the
 * first byte splits it into two tokens): mechanism choice, inner tokens,
 * negState, mechListMIC, anything out of order.  Any failure must be a
 * named error; nothing may read outside the input. */
#include <stdlib.h>
#include <string.h>

#include "spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int toy_step(void *ctx, const uint8_t *in, size_t n, struct buf *out,
		    struct rpe_error *err)
{
	(void)ctx;
	(void)err;
	if (!in)
		return buf_put_bytes(out, "NEG", 3) < 0 ? RPE_ERR_NOMEM :
							  SECCTX_CONTINUE;
	if (buf_put_bytes(out, in, n > 8 ? 8 : n) < 0)
		return RPE_ERR_NOMEM;
	return (n & 1) ? SECCTX_CONTINUE : SECCTX_LAST;
}

static int toy_get_mic(void *ctx, const uint8_t *msg, size_t len, struct buf *mic)
{
	(void)ctx;
	return buf_put_bytes(mic, msg, len > 16 ? 16 : len);
}

static int toy_verify_mic(void *ctx, const uint8_t *msg, size_t len,
			  const uint8_t *mic, size_t mic_len)
{
	(void)ctx;
	return mic_len == (len > 16 ? 16 : len) && memcmp(mic, msg, mic_len) == 0 ?
		       0 :
		       RPE_ERR_AUTH;
}

static const struct secctx_ops toy_ops = {
	.name = "TOY",
	.auth_type = 10,
	.sig_len = 16,
	.step = toy_step,
	.get_mic = toy_get_mic,
	.verify_mic = toy_verify_mic,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpe_error err = { 0, "" };
	struct spnego_resp r;
	struct secctx *inner, *s;
	struct buf out;
	size_t cut;
	uint8_t *a, *b;

	(void)spnego_parse_resp(data, size, &r, &err);
	if (size < 1)
		return 0;
	cut = data[0] < size ? data[0] : size - 1;
	/* Copies of exactly the token bytes, so ASan sees any overread. */
	a = malloc(cut ? cut : 1);
	b = malloc(size - 1 - cut ? size - 1 - cut : 1);
	inner = calloc(1, sizeof(*inner));
	if (!a || !b || !inner) {
		free(a), free(b), free(inner);
		return 0;
	}
	memcpy(a, data + 1, cut);
	memcpy(b, data + 1 + cut, size - 1 - cut);
	inner->ops = &toy_ops;
	s = spnego_secctx_new(NULL, inner, &err);
	buf_init(&out, 1u << 20);
	if (s && s->ops->step(s->ctx, NULL, 0, &out, &err) >= 0) {
		buf_reset(&out);
		if (s->ops->step(s->ctx, a, cut, &out, &err) == SECCTX_CONTINUE) {
			buf_reset(&out);
			(void)s->ops->step(s->ctx, b, size - 1 - cut, &out, &err);
		}
	}
	buf_free(&out);
	if (s) {
		s->ops->destroy(s->ctx);
		free(s);
	}
	free(a);
	free(b);
	return 0;
}
