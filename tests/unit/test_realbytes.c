/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/dcerpc's response decoder against a real Exchange server's bytes.
 *
 * Zeek's testing/btest/Traces/dce-rpc/mapi.pcap (zeek/zeek @
 * a13de64fbbdb01f90961c04719b308fbbb6d199e, BSD licence) holds an
 * Exchange server's EMSMDB, NSPI and endpoint mapper answers over
 * ncacn_ip_tcp at RPC_C_AUTHN_LEVEL_CONNECT.  The server puts an NTLM
 * verifier on them, and with it an auth pad that aligns the sec_trailer
 * (MS-RPCE 2.2.2.11; frame 782: frag_length 208, auth_length 16,
 * auth_pad_length 12).  tests/unit/vectors/zeek_mapi_connect_level.txt
 * has all 167 such PDUs (extract_zeek_mapi.py, each checked against
 * tshark's dissector) with the length and CRC-32 of the stub tshark shows
 * for each call: every one must decode to exactly that. */
#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "ntlm.h"
#include "t.h"

static int unhex(const char *s, struct buf *out)
{
	unsigned v;

	while (s[0] && s[0] != '\n' && s[1]) {
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		if (buf_put_u8(out, (uint8_t)v) < 0)
			return -1;
		s += 2;
	}
	return 0;
}

/* A connection at level connect: the verifier is neither checked nor
 * needed, but the security context is there as in the probe. */
static void conn_connect_level(struct dcerpc_conn *c, struct secctx *sec,
			       struct ntlm_session **s)
{
	static const uint8_t key[16];

	*s = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 0);
	sec->ops = &ntlm_secctx_ops;
	sec->ctx = *s;
	dcerpc_conn_init(c, sec, DCERPC_AUTH_LEVEL_CONNECT, 0);
}

/* Decode one call's fragments; 0 and the stub when complete. */
static int decode_call(const struct buf *pdus, const size_t *lens, int n,
		       struct buf *stub, struct rpe_error *err)
{
	struct dcerpc_conn c;
	struct ntlm_session *s;
	struct secctx sec;
	size_t off = 0;
	int i, rc = 0;

	conn_connect_level(&c, &sec, &s);
	for (i = 0; i < n && rc >= 0; i++) {
		rc = dcerpc_decode_response(&c, pdus->data + off, lens[i], stub,
					    err);
		off += lens[i];
	}
	dcerpc_conn_free(&c);
	ntlm_session_free(s);
	return rc == 1 ? 0 : -1;
}

static void test_zeek_mapi(void)
{
	const char *dir = getenv("top_srcdir");
	char path[4096], line[1 << 16];
	struct buf pdus, stub;
	size_t lens[16];
	int n = 0, calls = 0, pdu_count = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "%s/tests/unit/vectors/zeek_mapi_connect_level.txt",
		 dir ? dir : ".");
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	buf_init(&pdus, 1u << 20);
	buf_init(&stub, 1u << 20);
	while (fgets(line, sizeof(line), f)) {
		struct rpe_error err = { 0, "" };
		size_t before = pdus.len, want_len;
		unsigned want_crc;

		if (strncmp(line, "pdu ", 4) == 0) {
			CHECK(n < 16 && unhex(line + 4, &pdus) == 0);
			if (n < 16)
				lens[n++] = pdus.len - before;
			pdu_count++;
			continue;
		}
		if (sscanf(line, "stub %zu %x", &want_len, &want_crc) != 2)
			continue;
		buf_reset(&stub);
		if (decode_call(&pdus, lens, n, &stub, &err) < 0)
			fprintf(stderr, "call %d: %s\n", calls, err.msg);
		CHECK_INT(stub.len, want_len);
		CHECK_INT(crypto_crc32(0, stub.data, stub.len), want_crc);
		calls++;
		n = 0;
		buf_reset(&pdus);
	}
	fclose(f);
	CHECK_INT(pdu_count, 167);
	CHECK_INT(calls, 162);
	buf_free(&pdus);
	buf_free(&stub);
}

/* An EcDoDisconnect answer (24 bytes: the zeroed handle and ecNone) in a
 * response laid out like frame 782, its pad bytes copied from there
 * (../shared/real_bytes/derived/disconnect_connect_level.bin): the probe
 * that decides the verdict must read it, not refuse "trailing bytes". */
static void test_disconnect_connect_level(void)
{
	static const uint8_t pdu[] = {
		0x05,
		0x00,
		0x02,
		0x03,
		0x10,
		0x00,
		0x00,
		0x00,
		0x50,
		0x00,
		0x10,
		0x00,
		0x01,
		0x00,
		0x00,
		0x00,
		0x18,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00, /* stub: */
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0, /* auth pad (frame 782's): */
		0x9e,
		0xb5,
		0x28,
		0xb5,
		0xc6,
		0xb5,
		0xdf,
		0x61,
		/* sec_trailer: NTLMSSP, connect, pad 8 */
		0x0a,
		0x02,
		0x08,
		0x00,
		0xa8,
		0x89,
		0x0b,
		0x00,
		/* verifier */
		0x01,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
	};
	struct rpe_error err = { 0, "" };
	struct dcerpc_conn c;
	struct ntlm_session *s;
	struct secctx sec;
	struct buf stub;
	uint32_t ec = 1;

	buf_init(&stub, 4096);
	conn_connect_level(&c, &sec, &s);
	CHECK_INT(dcerpc_decode_response(&c, pdu, sizeof(pdu), &stub, &err), 1);
	CHECK_INT(stub.len, 24);
	CHECK_INT(emsmdb_parse_disconnect_response(stub.data, stub.len, &ec, &err),
		  0);
	CHECK_INT(ec, 0);
	/* A pad longer than the stub is refused, not read past. */
	{
		uint8_t bad[sizeof(pdu)];
		memcpy(bad, pdu, sizeof(bad));
		bad[sizeof(bad) - 16 - 6] = 40;
		buf_reset(&stub);
		CHECK(dcerpc_decode_response(&c, bad, sizeof(bad), &stub, &err) <
		      0);
	}
	dcerpc_conn_free(&c);
	ntlm_session_free(s);
	buf_free(&stub);
}

int main(void)
{
	T_RUN(test_zeek_mapi);
	T_RUN(test_disconnect_connect_level);
	T_DONE();
}
