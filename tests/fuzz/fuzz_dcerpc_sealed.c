/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: signed and sealed DCE/RPC responses past their
 * verification.  A server-side NTLM session with a real key signs or seals
 * what the fuzzer chooses (the fragments' flags, the sec_trailer's
 * auth_pad_length, the stub split over up to three fragments), so the
 * client's lib/dcerpc verifies and unseals it like a real server's answer
 * and the fuzzer reaches what comes after: the pad and reassembly
 * bookkeeping, then the EMSMDB answer parsers on the plaintext stub.
 *
 * Input: byte 0 = level (bit 0: privacy, else integrity), fragment count
 * (bits 1-2: 1..3); byte 1 = the trailer's auth_pad_length (0xff: the real
 * pad); byte 2 = the fragments' pfc_flags mask (bits they may lack); the
 * rest is the stub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CTX_ID 79231u

static const uint8_t key[16] = { 0x55, 0x41, 0x3a, 0x23, 0xb5, 0x7e, 0x0f, 0x26,
				 0x51, 0x79, 0xc5, 0x53, 0x58, 0x3a, 0x9a, 0x51 };

/* One response fragment, protected by the server's session. */
static int server_fragment(struct ntlm_session *srv, struct buf *out,
			   uint8_t level, uint8_t flags, uint8_t pad_claim,
			   const uint8_t *chunk, size_t n, size_t hint)
{
	size_t pad = (16 - n % 16) % 16, len;
	uint8_t *pdu;

	buf_reset(out);
	if (buf_put_u8(out, 5) < 0 || buf_put_u8(out, 0) < 0 ||
	    buf_put_u8(out, DCERPC_PTYPE_RESPONSE) < 0 ||
	    buf_put_u8(out, flags) < 0 || buf_put_u32le(out, 0x10) < 0 ||
	    buf_put_u16le(out, 0) < 0 || buf_put_u16le(out, 16) < 0 ||
	    buf_put_u32le(out, 1) < 0 || buf_put_u32le(out, (uint32_t)hint) < 0 ||
	    buf_put_u32le(out, 0) < 0 || buf_put_bytes(out, chunk, n) < 0 ||
	    buf_put_zeros(out, pad) < 0 ||
	    buf_put_u8(out, NTLM_AUTH_TYPE) < 0 || buf_put_u8(out, level) < 0 ||
	    buf_put_u8(out, pad_claim == 0xff ? (uint8_t)pad : pad_claim) < 0 ||
	    buf_put_u8(out, 0) < 0 || buf_put_u32le(out, CTX_ID) < 0 ||
	    buf_put_zeros(out, 16) < 0)
		return -1;
	len = out->len;
	if (len > 0xffff)
		return -1;
	pdu = out->data;
	pdu[8] = (uint8_t)len;
	pdu[9] = (uint8_t)(len >> 8);
	if (level == DCERPC_AUTH_LEVEL_PRIVACY)
		return ntlm_session_seal(srv, pdu, len - 16, 24, n + pad,
					 pdu + len - 16);
	return ntlm_session_sign(srv, pdu, len - 16, pdu + len - 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntlm_session *srv, *cli;
	struct rpe_error err;
	struct dcerpc_conn c;
	struct secctx sec;
	struct buf pdu, stub;
	uint8_t level, mask;
	size_t nfrag, i, off = 0, len;
	int rc = 0;

	if (size < 3 || size > 20000 || crypto_init(NULL) < 0)
		return 0;
	level = (data[0] & 1) ? DCERPC_AUTH_LEVEL_PRIVACY :
				DCERPC_AUTH_LEVEL_INTEGRITY;
	nfrag = 1 + ((data[0] >> 1) & 3) % 3;
	mask = data[2];
	data += 3;
	size -= 3;
	srv = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 1);
	cli = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 0);
	if (!srv || !cli)
		abort();
	sec.ops = &ntlm_borrowed_secctx_ops;
	sec.ctx = cli;
	dcerpc_conn_init(&c, &sec, level, CTX_ID);
	buf_init(&pdu, 0);
	buf_init(&stub, 1u << 20);
	for (i = 0; i < nfrag && rc == 0; i++) {
		uint8_t flags =
			(uint8_t)((i == 0 ? DCERPC_PFC_FIRST_FRAG : 0) |
				  (i == nfrag - 1 ? DCERPC_PFC_LAST_FRAG : 0));
		/* Fragments but the last carry a multiple of 16 bytes. */
		len = i == nfrag - 1 ? size - off : ((size - off) / nfrag) & ~15u;
		flags &= (uint8_t) ~(mask & 3);
		if (server_fragment(srv, &pdu, level, flags, data[-2],
				    data + off, len, size - off) < 0)
			break;
		off += len;
		rc = dcerpc_decode_response(&c, pdu.data, pdu.len, &stub, &err);
	}
	/* Untouched flags and the real pad: a genuine answer, which must
	 * verify and decode to the very stub (else the target would test
	 * nothing past the signature). */
	if ((mask & 3) == 0 && data[-2] == 0xff &&
	    (rc != 1 || stub.len != size ||
	     (size && memcmp(stub.data, data, size)))) {
		fprintf(stderr, "genuine answer refused (rc %d): %s\n", rc,
			rc < 0 ? err.msg : "");
		abort();
	}
	if (rc == 1) {
		struct emsmdb_connect_resp r;
		uint32_t ec;
		if (emsmdb_parse_connect_ex_response(stub.data, stub.len, &r,
						     &err) == 0)
			emsmdb_connect_resp_free(&r);
		(void)emsmdb_parse_disconnect_response(stub.data, stub.len, &ec,
						       &err);
	}
	buf_free(&pdu);
	buf_free(&stub);
	dcerpc_conn_free(&c);
	ntlm_session_free(srv);
	ntlm_session_free(cli);
	return 0;
}
