/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/spnego: DER against tokens written by an independent encoder
 * (impacket's spnego module, SPNEGO_NegTokenInit/SPNEGO_NegTokenResp
 * getData(), and the responder's tests/responder/spnego_server.py for the
 * mechListMIC field impacket lacks), malformed input, the context's legs
 * over toy mechanisms, and NTLM's mechListMIC with its RC4 reset. */
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "ntlm.h"
#include "spnego.h"
#include "t.h"

/* impacket: MechTypes=[NTLMSSP], MechToken=NTLMSSP\0 01000000 */
static const char init_ntlm_hex[] =
	"602c06062b0601050502a0223020a00e300c060a2b06010401823702020aa20e"
	"040c4e544c4d5353500001000000";
/* impacket: NegState=1, SupportedMech=NTLMSSP, ResponseToken=NTLMSSP\0 02.. */
static const char resp_hex[] =
	"a1253023a0030a0101a10c060a2b06010401823702020aa20e040c4e544c4d53"
	"53500002000000";
/* impacket: the client's NegTokenResp with ResponseToken only */
static const char client_resp_hex[] = "a1123010a20e040c4e544c4d5353500003000000";
/* spnego_server.resp(0, mic=00..0f): accept-completed with a mechListMIC */
static const char completed_hex[] =
	"a11b3019a0030a0100a3120410000102030405060708090a0b0c0d0e0f";

static void test_encode_vectors(void)
{
	static const enum spnego_mech ntlm_only[] = { SPNEGO_MECH_NTLM };
	static const enum spnego_mech both[] = { SPNEGO_MECH_KRB5,
						 SPNEGO_MECH_NTLM };
	uint8_t want[512], tok[200];
	struct buf out, types;
	size_t n, i;

	buf_init(&out, 0);
	buf_init(&types, 0);
	n = t_unhex(init_ntlm_hex, want, sizeof(want));
	CHECK_INT(spnego_put_init(&out, &types, ntlm_only, 1,
				  (const uint8_t *)"NTLMSSP\0\1\0\0\0", 12),
		  0);
	CHECK_INT(out.len, n);
	CHECK_MEM(out.data, want, n);
	/* The MIC covers the MechTypeList: 30 0c 06 0a <NTLMSSP OID>. */
	CHECK_INT(types.len, 14);
	CHECK_MEM(types.data, want + 16, 14);
	/* Both mechanisms and a 200-byte token (long-form lengths): impacket
	 * gives 6081f7 06062b.. a081ec 3081e9 a019 3017 <krb5> <ntlm> a281cb
	 * 0481c8 <token>. */
	for (i = 0; i < sizeof(tok); i++)
		tok[i] = (uint8_t)i;
	buf_reset(&out);
	CHECK_INT(spnego_put_init(&out, &types, both, 2, tok, sizeof(tok)), 0);
	CHECK_INT(out.len, 250);
	CHECK_MEM(out.data,
		  "\x60\x81\xf7\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x81\xec\x30\x81\xe9\xa0\x19\x30\x17\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02",
		  32);
	CHECK_MEM(out.data + 44, "\xa2\x81\xcb\x04\x81\xc8", 6);
	CHECK_MEM(out.data + 50, tok, sizeof(tok));
	n = t_unhex(client_resp_hex, want, sizeof(want));
	buf_reset(&out);
	CHECK_INT(spnego_put_resp(&out, (const uint8_t *)"NTLMSSP\0\3\0\0\0",
				  12, NULL, 0),
		  0);
	CHECK_INT(out.len, n);
	CHECK_MEM(out.data, want, n);
	buf_free(&out);
	buf_free(&types);
}

static void test_parse_vectors(void)
{
	struct rpe_error err = { 0, "" };
	struct spnego_resp r;
	uint8_t in[512];
	size_t n;

	n = t_unhex(resp_hex, in, sizeof(in));
	CHECK_INT(spnego_parse_resp(in, n, &r, &err), 0);
	CHECK_INT(r.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	CHECK_INT(r.mech, SPNEGO_MECH_NTLM);
	CHECK_INT(r.token_len, 12);
	CHECK(r.token && memcmp(r.token, "NTLMSSP\0\2", 9) == 0);
	CHECK(r.mic == NULL);
	n = t_unhex(completed_hex, in, sizeof(in));
	CHECK_INT(spnego_parse_resp(in, n, &r, &err), 0);
	CHECK_INT(r.neg_state, SPNEGO_ACCEPT_COMPLETED);
	CHECK_INT(r.mech, -1);
	CHECK(r.token == NULL);
	CHECK_INT(r.mic_len, 16);
	CHECK(r.mic && r.mic[15] == 0x0f);
}

/* Every truncation, a byte flipped at every place, and the named bad
 * shapes: an error or a parse, never a read outside the input. */
static void test_parse_malformed(void)
{
	struct rpe_error err = { 0, "" };
	struct spnego_resp r;
	uint8_t in[512], bad[512];
	size_t n, i;

	n = t_unhex(resp_hex, in, sizeof(in));
	for (i = 0; i < n; i++)
		CHECK(spnego_parse_resp(in, i, &r, &err) < 0);
	for (i = 0; i < n; i++) {
		memcpy(bad, in, n);
		bad[i] ^= 0x80;
		(void)spnego_parse_resp(bad, n, &r, &err);
	}
	/* trailing byte */
	memcpy(bad, in, n);
	bad[n] = 0;
	CHECK(spnego_parse_resp(bad, n + 1, &r, &err) < 0);
	/* indefinite length */
	CHECK(spnego_parse_resp((const uint8_t *)"\xa1\x80\x30\x00\x00\x00", 6,
				&r, &err) < 0);
	/* negState 7 */
	CHECK(spnego_parse_resp((const uint8_t *)"\xa1\x07\x30\x05\xa0\x03\x0a\x01\x07",
				9, &r, &err) < 0);
	/* a NegTokenInit where a NegTokenResp belongs */
	n = t_unhex(init_ntlm_hex, in, sizeof(in));
	CHECK(spnego_parse_resp(in, n, &r, &err) < 0);
	CHECK(strstr(err.msg, "NegTokenInit") != NULL);
	/* an unknown mechanism is reported as such */
	CHECK_INT(spnego_parse_resp((const uint8_t *)"\xa1\x09\x30\x07\xa1\x05\x06\x03\x2a\x03\x04",
				    11, &r, &err),
		  0);
	CHECK_INT(r.mech, -2);
}

/* Toy mechanisms: NTLM-like (two tokens, then LAST) and a Kerberos whose
 * first step fails (no ticket). */
static int toy_step(void *ctx, const uint8_t *in, size_t len, struct buf *out,
		    struct rpe_error *err)
{
	(void)ctx;
	if (!in)
		return buf_put_bytes(out, "TOY-NEG", 7) < 0 ? -1 :
							      SECCTX_CONTINUE;
	if (len != 8 || memcmp(in, "TOY-CHAL", 8) != 0)
		return rpe_fail(err, RPE_ERR_AUTH, "bad challenge");
	return buf_put_bytes(out, "TOY-AUTH", 8) < 0 ? -1 : SECCTX_LAST;
}

static int toy_get_mic(void *ctx, const uint8_t *msg, size_t len, struct buf *mic)
{
	(void)ctx;
	TRY(buf_put_bytes(mic, "C-MIC:", 6));
	return buf_put_bytes(mic, msg, len);
}

static int toy_verify_mic(void *ctx, const uint8_t *msg, size_t len,
			  const uint8_t *mic, size_t mic_len)
{
	(void)ctx;
	return mic_len == len + 6 && memcmp(mic, "S-MIC:", 6) == 0 &&
			       memcmp(mic + 6, msg, len) == 0 ?
		       0 :
		       RPE_ERR_AUTH;
}

static int toy_fail_step(void *ctx, const uint8_t *in, size_t len,
			 struct buf *out, struct rpe_error *err)
{
	(void)ctx, (void)in, (void)len, (void)out;
	return rpe_fail(err, RPE_ERR_AUTH, "no ticket");
}

static int toy_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t *sig)
{
	(void)ctx, (void)msg;
	memset(sig, (int)len, 16);
	return 0;
}

static const struct secctx_ops toy_ntlm_ops = {
	.name = "TOY",
	.auth_type = 10,
	.sig_len = 16,
	.step = toy_step,
	.sign = toy_sign,
	.get_mic = toy_get_mic,
	.verify_mic = toy_verify_mic,
};
static const struct secctx_ops toy_krb_ops = {
	.name = "TOYK",
	.auth_type = 16,
	.step = toy_fail_step,
};

static int toy_krb_step(void *ctx, const uint8_t *in, size_t len,
			struct buf *out, struct rpe_error *err)
{
	(void)ctx, (void)len;
	if (in)
		return rpe_fail(err, RPE_ERR_STATE, "Kerberos was not chosen");
	return buf_put_bytes(out, "KRB-APREQ", 9) < 0 ? -1 : SECCTX_CONTINUE;
}

static const struct secctx_ops toy_krb_ok_ops = {
	.name = "TOYK",
	.auth_type = 16,
	.step = toy_krb_step,
};

static struct secctx *toy(const struct secctx_ops *ops)
{
	struct secctx *s = calloc(1, sizeof(*s));

	s->ops = ops;
	return s;
}

/* The server's NegTokenResp, built with our own encoder's pieces. */
static void server_resp(struct buf *b, int state, const uint8_t *mech_tlv,
			size_t mech_len, const char *token, const uint8_t *mic,
			size_t mic_len)
{
	uint8_t f[300];
	size_t n = 0;

	if (state >= 0) {
		memcpy(f + n, "\xa0\x03\x0a\x01", 4);
		f[n + 4] = (uint8_t)state;
		n += 5;
	}
	if (mech_len) {
		f[n++] = 0xa1;
		f[n++] = (uint8_t)mech_len;
		memcpy(f + n, mech_tlv, mech_len);
		n += mech_len;
	}
	if (token) {
		size_t tl = strlen(token);
		f[n++] = 0xa2, f[n++] = (uint8_t)(tl + 2);
		f[n++] = 0x04, f[n++] = (uint8_t)tl;
		memcpy(f + n, token, tl);
		n += tl;
	}
	if (mic) {
		f[n++] = 0xa3, f[n++] = (uint8_t)(mic_len + 2);
		f[n++] = 0x04, f[n++] = (uint8_t)mic_len;
		memcpy(f + n, mic, mic_len);
		n += mic_len;
	}
	buf_reset(b);
	buf_put_u8(b, 0xa1);
	buf_put_u8(b, (uint8_t)(n + 2));
	buf_put_u8(b, 0x30);
	buf_put_u8(b, (uint8_t)n);
	buf_put_bytes(b, f, n);
}

static const uint8_t ntlm_oid_tlv[] =
	"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a";
static const uint8_t krb_oid_tlv[] =
	"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
static const uint8_t types_ntlm[] =
	"\x30\x0c\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a";

enum srv { SRV_GOOD, SRV_BAD_MIC, SRV_NO_MIC, SRV_WRONG_MECH, SRV_REJECT };

/* One context through the legs against a scripted server; returns the
 * last step's result, err says why. */
static int run_legs(enum srv how, int with_krb, struct rpe_error *err,
		    char *name, size_t namesz)
{
	struct secctx *s = spnego_secctx_new(with_krb ? toy(&toy_krb_ops) : NULL,
					     toy(&toy_ntlm_ops), err);
	struct buf out, in;
	uint8_t mic[64];
	int rc;

	buf_init(&out, 0);
	buf_init(&in, 0);
	rc = s->ops->step(s->ctx, NULL, 0, &out, err);
	CHECK_INT(rc, SECCTX_CONTINUE);
	/* Kerberos could not start: NTLM alone is offered, no header
	 * signing. */
	CHECK(out.len > 30 && memcmp(out.data + 16, types_ntlm, 14) == 0);
	CHECK_INT(s->ops->header_sign, 0);
	if (how == SRV_REJECT)
		server_resp(&in, SPNEGO_REJECT, NULL, 0, NULL, NULL, 0);
	else if (how == SRV_WRONG_MECH)
		server_resp(&in, 1, krb_oid_tlv, 11, "TOY-CHAL", NULL, 0);
	else
		server_resp(&in, 1, ntlm_oid_tlv, 12, "TOY-CHAL", NULL, 0);
	buf_reset(&out);
	rc = s->ops->step(s->ctx, in.data, in.len, &out, err);
	if (rc < 0)
		goto done;
	CHECK_INT(rc, SECCTX_CONTINUE);
	/* a1 .. 30 .. a2 (TOY-AUTH) a3 (C-MIC:<types>) */
	CHECK(out.len > 20 && out.data[0] == 0xa1);
	memcpy(mic, "S-MIC:", 6);
	memcpy(mic + 6, types_ntlm, 14);
	if (how == SRV_BAD_MIC)
		mic[10] ^= 1;
	server_resp(&in, 0, NULL, 0, NULL, how == SRV_NO_MIC ? NULL : mic, 20);
	buf_reset(&out);
	rc = s->ops->step(s->ctx, in.data, in.len, &out, err);
done:
	snprintf(name, namesz, "%s", secctx_display_name(s));
	buf_free(&out);
	buf_free(&in);
	s->ops->destroy(s->ctx);
	free(s);
	return rc;
}

static void test_legs(void)
{
	struct rpe_error err = { 0, "" };
	char name[32];

	CHECK_INT(run_legs(SRV_GOOD, 1, &err, name, sizeof(name)), SECCTX_DONE);
	CHECK_STR(name, "SPNEGO (NTLM)");
	CHECK_INT(run_legs(SRV_BAD_MIC, 0, &err, name, sizeof(name)),
		  RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "mechListMIC does not verify") != NULL);
	CHECK_INT(run_legs(SRV_NO_MIC, 0, &err, name, sizeof(name)),
		  RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "lacks the mechListMIC") != NULL);
	CHECK_INT(run_legs(SRV_WRONG_MECH, 0, &err, name, sizeof(name)),
		  RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "selected Kerberos, which was not offered") != NULL);
	CHECK_INT(run_legs(SRV_REJECT, 0, &err, name, sizeof(name)),
		  RPE_ERR_AUTH);
	CHECK(strstr(err.msg, "negState reject") != NULL);
	CHECK_STR(name, "SPNEGO");
}

/* NTLM's mechListMIC in both directions, then a sealed message: the MICs
 * advanced the sequence numbers (the seal carries 1) and left the RC4
 * handles where a fresh session has them. */
static void test_ntlm_mic_reset(void)
{
	uint8_t key[16], msg[32], fresh_msg[32], sig[16], fresh_sig[16];
	uint32_t flags = NTLM_CLIENT_FLAGS;
	struct ntlm_session *c, *srv, *fresh;
	struct buf mic;
	size_t i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)(0x55 + i);
	c = ntlm_session_new(key, flags, 0);
	srv = ntlm_session_new(key, flags, 1);
	fresh = ntlm_session_new(key, flags, 0);
	buf_init(&mic, 64);
	CHECK_INT(ntlm_secctx_ops.get_mic(c, types_ntlm, 14, &mic), 0);
	CHECK_INT(mic.len, 16);
	CHECK_INT(ntlm_secctx_ops.verify_mic(srv, types_ntlm, 14, mic.data,
					     mic.len),
		  0);
	buf_reset(&mic);
	CHECK_INT(ntlm_secctx_ops.get_mic(srv, types_ntlm, 14, &mic), 0);
	CHECK_INT(ntlm_secctx_ops.verify_mic(c, types_ntlm, 14, mic.data, mic.len),
		  0);
	CHECK(ntlm_secctx_ops.verify_mic(c, types_ntlm, 13, mic.data, mic.len) <
	      0);
	/* Same plaintext sealed by c (after the MICs) and by a fresh
	 * session: the same RC4 key stream, so the same ciphertext; c's
	 * signature carries sequence number 1. */
	memset(msg, 0x41, sizeof(msg));
	memset(fresh_msg, 0x41, sizeof(fresh_msg));
	CHECK_INT(ntlm_session_seal(c, msg, sizeof(msg), 8, 16, sig), 0);
	CHECK_INT(ntlm_session_seal(fresh, fresh_msg, sizeof(fresh_msg), 8, 16,
				    fresh_sig),
		  0);
	CHECK_MEM(msg + 8, fresh_msg + 8, 16);
	CHECK_INT(sig[12], 1);
	CHECK_INT(fresh_sig[12], 0);
	CHECK_INT(ntlm_session_unseal(srv, msg, sizeof(msg), 8, 16, sig), 0);
	buf_free(&mic);
	ntlm_session_free(c);
	ntlm_session_free(srv);
	ntlm_session_free(fresh);
}

/* Kerberos offered first with its AP-REQ; the server takes NTLM without a
 * token (RFC 4178 5, protocol.md 7): NTLM's NEGOTIATE goes in the next
 * leg, then AUTHENTICATE with the MIC over both mechanisms, which the
 * server must answer with its own (not its first choice). */
static void test_fallback_to_ntlm(void)
{
	static const uint8_t types_both[] =
		"\x30\x17\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
		"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a";
	struct rpe_error err = { 0, "" };
	struct secctx *s = spnego_secctx_new(toy(&toy_krb_ok_ops),
					     toy(&toy_ntlm_ops), &err);
	struct buf out, in;
	uint8_t mic[64];

	buf_init(&out, 0);
	buf_init(&in, 0);
	CHECK_INT(s->ops->step(s->ctx, NULL, 0, &out, &err), SECCTX_CONTINUE);
	CHECK(out.len > 40 && memcmp(out.data + 16, types_both, 25) == 0);
	CHECK_INT(s->ops->header_sign, 1);
	server_resp(&in, 1, ntlm_oid_tlv, 12, NULL, NULL, 0);
	buf_reset(&out);
	CHECK_INT(s->ops->step(s->ctx, in.data, in.len, &out, &err),
		  SECCTX_CONTINUE);
	CHECK(out.len > 7 && memcmp(out.data + out.len - 7, "TOY-NEG", 7) == 0);
	server_resp(&in, 1, NULL, 0, "TOY-CHAL", NULL, 0);
	buf_reset(&out);
	CHECK_INT(s->ops->step(s->ctx, in.data, in.len, &out, &err),
		  SECCTX_CONTINUE);
	/* no server MIC: refused, the server did not take our first choice */
	memcpy(mic, "S-MIC:", 6);
	memcpy(mic + 6, types_both, 25);
	server_resp(&in, 0, NULL, 0, NULL, NULL, 0);
	buf_reset(&out);
	CHECK_INT(s->ops->step(s->ctx, in.data, in.len, &out, &err),
		  RPE_ERR_AUTH);
	CHECK_STR(secctx_display_name(s), "SPNEGO (NTLM)");
	s->ops->destroy(s->ctx);
	free(s);

	s = spnego_secctx_new(toy(&toy_krb_ok_ops), toy(&toy_ntlm_ops), &err);
	buf_reset(&out);
	s->ops->step(s->ctx, NULL, 0, &out, &err);
	server_resp(&in, 1, ntlm_oid_tlv, 12, NULL, NULL, 0);
	buf_reset(&out);
	s->ops->step(s->ctx, in.data, in.len, &out, &err);
	server_resp(&in, 1, NULL, 0, "TOY-CHAL", NULL, 0);
	buf_reset(&out);
	s->ops->step(s->ctx, in.data, in.len, &out, &err);
	server_resp(&in, 0, NULL, 0, NULL, mic, 31);
	buf_reset(&out);
	CHECK_INT(s->ops->step(s->ctx, in.data, in.len, &out, &err), SECCTX_DONE);
	s->ops->destroy(s->ctx);
	free(s);
	buf_free(&out);
	buf_free(&in);
}

int main(void)
{
	struct rpe_error err = { 0, "" };

	if (crypto_init(&err) < 0)
		fprintf(stderr, "crypto_init: %s\n", err.msg);
	T_RUN(test_encode_vectors);
	T_RUN(test_parse_vectors);
	T_RUN(test_parse_malformed);
	T_RUN(test_legs);
	T_RUN(test_fallback_to_ntlm);
	T_RUN(test_ntlm_mic_reset);
	crypto_cleanup();
	T_DONE();
}
