/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DCE/RPC, RTS and EMSMDB decoders against truncated and inconsistent
 * input, fragment boundaries, and round trips through a toy security
 * context (the real NTLM one is cross-checked in codec_vectors.py). */
#include "dcerpc.h"
#include "emsmdb.h"
#include "rts.h"
#include "t.h"

/* A toy context: "seal" XORs with 0x5a, the signature is a byte sum over
 * everything after the 24-byte request/response header (so a request can
 * be turned into the matching response by rewriting the header). */
static uint8_t sum(const uint8_t *m, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *m++);
	return s;
}

static int x_sign(void *c, const uint8_t *m, size_t n, uint8_t *sig)
{
	(void)c;
	memset(sig, n > 24 ? sum(m + 24, n - 24) : 0, 16);
	return 0;
}

static int x_verify(void *c, const uint8_t *m, size_t n, const uint8_t *sig)
{
	uint8_t want[16];
	x_sign(c, m, n, want);
	return memcmp(want, sig, 16) ? RPE_ERR_AUTH : 0;
}

static int x_seal(void *c, uint8_t *m, size_t n, size_t off, size_t len,
		  uint8_t *sig)
{
	size_t i;
	x_sign(c, m, n, sig);
	for (i = 0; i < len; i++)
		m[off + i] ^= 0x5a;
	return 0;
}

static int x_unseal(void *c, uint8_t *m, size_t n, size_t off, size_t len,
		    const uint8_t *sig)
{
	size_t i;
	for (i = 0; i < len; i++)
		m[off + i] ^= 0x5a;
	return x_verify(c, m, n, sig);
}

static const struct secctx_ops xops = {
	.name = "toy",
	.auth_type = 10,
	.sig_len = 16,
	.sign = x_sign,
	.verify = x_verify,
	.seal = x_seal,
	.unseal = x_unseal,
};

/* Turn a request PDU built by lib/ into the matching response PDU (the toy
 * context is symmetric): same stub, ptype 2, response header fields. */
static void request_to_response(uint8_t *p)
{
	p[2] = DCERPC_PTYPE_RESPONSE;
	p[20] = p[21] = p[22] = p[23] = 0; /* p_cont_id, cancel_count */
}

static void test_fragments(void)
{
	struct secctx sec = { &xops, NULL };
	struct dcerpc_conn c, r;
	struct buf out, stub, got;
	struct rpe_error err;
	uint8_t data[4000];
	size_t room, sizes[6], i;
	int level;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	for (level = 5; level <= 6; level++) {
		dcerpc_conn_init(&c, &sec, (uint8_t)level, 1);
		c.max_xmit_frag = 1432;
		room = 1432 - 24 - 8 - 16;
		room -= room % 16;
		/* exactly one fragment, one byte over, two exact, many */
		sizes[0] = room;
		sizes[1] = room + 1;
		sizes[2] = 2 * room;
		sizes[3] = 1;
		sizes[4] = 0;
		sizes[5] = sizeof(data);
		for (i = 0; i < 6; i++) {
			size_t off = 0, frags = 0;
			int rc = 0;
			buf_init(&out, 0);
			buf_init(&got, 0);
			CHECK_INT(dcerpc_encode_request(&out, &c, 7, 0, 10,
							data, sizes[i], &err),
				  0);
			dcerpc_conn_init(&r, &sec, (uint8_t)level, 1);
			while (off < out.len) {
				struct dcerpc_pdu h;
				CHECK_INT(dcerpc_parse_header(out.data + off,
							      out.len - off, &h,
							      &err),
					  0);
				CHECK(h.frag_length <= 1432);
				request_to_response(out.data + off);
				rc = dcerpc_decode_response(&r, out.data + off,
							    h.frag_length, &got,
							    &err);
				CHECK(rc >= 0);
				off += h.frag_length;
				frags++;
			}
			CHECK_INT(rc, 1);
			CHECK_INT(got.len, sizes[i]);
			CHECK(got.len == 0 ||
			      memcmp(got.data, data, got.len) == 0);
			CHECK_INT(frags, sizes[i] <= room ?
						 1 :
						 (sizes[i] + room - 1) / room);
			dcerpc_conn_free(&r);
			buf_free(&out);
			buf_free(&got);
		}
		dcerpc_conn_free(&c);
	}
	(void)stub;
}

static void test_truncation(void)
{
	struct secctx sec = { &xops, NULL };
	struct dcerpc_conn c, r;
	struct buf out, got;
	struct rpe_error err;
	struct dcerpc_pdu h;
	size_t n;
	uint8_t stub[40] = { 1, 2, 3 };

	dcerpc_conn_init(&c, &sec, 6, 1);
	buf_init(&out, 0);
	CHECK_INT(dcerpc_encode_request(&out, &c, 7, 0, 10, stub, sizeof(stub),
					&err),
		  0);
	request_to_response(out.data);
	/* every prefix is rejected, never read past */
	for (n = 0; n < out.len; n++) {
		dcerpc_conn_init(&r, &sec, 6, 1);
		buf_init(&got, 0);
		CHECK(dcerpc_decode_response(&r, out.data, n, &got, &err) < 0);
		buf_free(&got);
		dcerpc_conn_free(&r);
	}
	/* lying fields */
	buf_store_u16le(out.data + 8, (uint16_t)(out.len + 1)); /* frag_length */
	buf_init(&got, 0);
	dcerpc_conn_init(&r, &sec, 6, 1);
	CHECK(dcerpc_decode_response(&r, out.data, out.len, &got, &err) < 0);
	buf_store_u16le(out.data + 8, (uint16_t)out.len);
	buf_store_u16le(out.data + 10, 2000); /* auth_length */
	CHECK_INT(dcerpc_parse_header(out.data, out.len, &h, &err),
		  RPE_ERR_PROTO);
	buf_store_u16le(out.data + 10, 16);
	out.data[out.len - 16 - 6] = 200; /* auth_pad_length > stub */
	CHECK(dcerpc_decode_response(&r, out.data, out.len, &got, &err) < 0);
	buf_store_u16le(out.data + 8, 10); /* frag_length below 16 */
	CHECK_INT(dcerpc_parse_header(out.data, out.len, &h, &err),
		  RPE_ERR_PROTO);
	buf_free(&got);
	dcerpc_conn_free(&r);
	dcerpc_conn_free(&c);
	buf_free(&out);
}

static void test_reader(void)
{
	struct dcerpc_reader rd;
	struct dcerpc_pdu p;
	struct rpe_error err;
	struct buf s;
	uint8_t vc[16] = { 1 }, oc[16] = { 2 };
	size_t chunk, off, got;
	int rc;

	/* asking before anything was fed (no buffer yet) is "need more" */
	dcerpc_reader_init(&rd);
	CHECK_INT(dcerpc_reader_next(&rd, &p, &err), 0);
	dcerpc_reader_free(&rd);

	buf_init(&s, 0);
	rts_build_conn_a1(&s, vc, oc, 65536, &err);
	rts_build_conn_a1(&s, vc, oc, 65536, &err);
	rts_build_conn_a1(&s, vc, oc, 65536, &err);
	/* three PDUs, fed in chunks of every size, come out whole */
	for (chunk = 1; chunk <= s.len; chunk++) {
		dcerpc_reader_init(&rd);
		got = 0;
		for (off = 0; off < s.len; off += chunk) {
			size_t n = s.len - off < chunk ? s.len - off : chunk;
			CHECK_INT(dcerpc_reader_feed(&rd, s.data + off, n, &err),
				  0);
			while ((rc = dcerpc_reader_next(&rd, &p, &err)) == 1) {
				CHECK_INT(p.len, 76);
				CHECK_INT(p.ptype, 20);
				got++;
			}
			CHECK_INT(rc, 0);
		}
		CHECK_INT(got, 3);
		dcerpc_reader_free(&rd);
	}
	/* a wrong version is an error, not a stall */
	dcerpc_reader_init(&rd);
	s.data[0] = 4;
	dcerpc_reader_feed(&rd, s.data, s.len, &err);
	CHECK(dcerpc_reader_next(&rd, &p, &err) < 0);
	dcerpc_reader_free(&rd);
	buf_free(&s);
}

static void test_rts(void)
{
	uint8_t vc[16] = { 0 }, ic[16] = { 1 }, ag[16] = { 2 };
	struct buf b;
	struct rts_pdu p;
	struct rts_vc v;
	struct rpe_error err;
	size_t n;
	/* CONN/A3 and CONN/C2 as a server sends them (MS-RPCH 2.2.4.4, 2.2.4.9) */
	static const uint8_t a3[] = { 5, 0, 20, 3, 0x10, 0,    0, 0, 28, 0,
				      0, 0, 0,  0, 0,    0,    0, 0, 1,  0,
				      2, 0, 0,  0, 0xc0, 0xd4, 1, 0 };
	static const uint8_t c2[] = { 5, 0, 20, 3, 0x10, 0, 0, 0,    44,   0, 0,
				      0, 0, 0,  0, 0,    0, 0, 3,    0,    6, 0,
				      0, 0, 1,  0, 0,    0, 0, 0,    0,    0, 0,
				      0, 1, 0,  2, 0,    0, 0, 0xc0, 0xd4, 1, 0 };

	buf_init(&b, 0);
	CHECK_INT(rts_build_conn_b1(&b, vc, ic, 1073741824, 300000, ag, &err), 0);
	CHECK_INT(b.len, 104);
	CHECK_INT(rts_parse(b.data, b.len, &p, &err), 0);
	CHECK_INT(p.ncmds, 6);
	CHECK_INT(p.cmds[3].value, 1073741824);
	for (n = 0; n < b.len; n++)
		CHECK(rts_parse(b.data, n, &p, &err) < 0);
	buf_free(&b);

	rts_vc_init(&v);
	CHECK_INT(rts_vc_feed(&v, c2, sizeof(c2), &err),
		  RPE_ERR_PROTO); /* C2 first */
	rts_vc_init(&v);
	CHECK_INT(rts_vc_feed(&v, a3, sizeof(a3), &err), 0);
	CHECK(!rts_vc_is_open(&v));
	CHECK_INT(rts_vc_feed(&v, c2, sizeof(c2), &err), 0);
	CHECK(rts_vc_is_open(&v));
	CHECK_INT(v.connection_timeout, 120000);
}

static void test_emsmdb(void)
{
	struct emsmdb_connect_req req;
	struct buf b;
	struct rpe_error err;
	uint16_t v[3];
	char s[32];

	memset(&req, 0, sizeof(req));
	buf_init(&b, 0);
	req.user_dn = "/o=X/cn=a\x01";
	CHECK_INT(emsmdb_encode_connect_ex(&b, &req, &err), RPE_ERR_ARG);
	req.user_dn = "";
	CHECK_INT(emsmdb_encode_connect_ex(&b, &req, &err), RPE_ERR_ARG);
	buf_free(&b);
	CHECK_INT(emsmdb_parse_version("16.0.4266.1001", v), 0);
	CHECK_INT(v[0], 0x1000);
	CHECK_INT(v[1], 0x8000 | 4266);
	CHECK_INT(v[2], 1001);
	emsmdb_format_version(v, s, sizeof(s));
	CHECK_STR(s, "16.0.4266.1001");
	CHECK_INT(emsmdb_parse_version("11.0.8161", v), 0);
	emsmdb_format_version(v, s, sizeof(s));
	CHECK_STR(s, "11.0.8161");
	CHECK(emsmdb_parse_version("16.0", v) < 0);
	CHECK(emsmdb_parse_version("16.0.x", v) < 0);
	CHECK(emsmdb_parse_version("256.0.1.1", v) < 0);
	CHECK(emsmdb_parse_version("1.2.3.4.5", v) < 0);
	CHECK_STR(emsmdb_ec_name(0x12345678), "0x12345678");
	CHECK(emsmdb_ec_meaning(0x12345678) == NULL);
}

/* Every code of the EcDoConnectEx error table (MS-OXCRPC 3.1.4.1) has its
 * name and an admin-readable line. */
static void test_ec_table(void)
{
	static const struct {
		uint32_t ec;
		const char *name;
	} table[] = {
		{ 0x80070005, "ecAccessDenied" },
		{ 0x00000970, "ecNotEncrypted" },
		{ 0x000004DF, "ecClientVerDisallowed" },
		{ 0x80040111, "ecLoginFailure" },
		{ 0x000003EB, "ecUnknownUser" },
		{ 0x000003F2, "ecLoginPerm" },
		{ 0x80040110, "ecVersionMismatch" },
		{ 0x000004E1, "ecCachedModeRequired" },
		{ 0x000004E0, "ecRpcHttpDisallowed" },
		{ 0x000007D8, "ecProtocolDisabled" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *m = emsmdb_ec_meaning(table[i].ec);
		CHECK_STR(emsmdb_ec_name(table[i].ec), table[i].name);
		CHECK(m != NULL && strlen(m) > 20 && !strchr(m, '|'));
	}
	CHECK_INT(EMSMDB_EC_CLIENT_VER_DISALLOWED, 1247);
	CHECK_INT(EMSMDB_EC_NOT_ENCRYPTED, 2416);
	/* 0x966 was once documented as ecClientVerDisallowed: it is not. */
	CHECK(strcmp(emsmdb_ec_name(0x966), "ecClientVerDisallowed") != 0);
	CHECK(strstr(emsmdb_ec_meaning(EMSMDB_EC_CLIENT_VER_DISALLOWED),
		     "BlockedClientVersions") != NULL);
	CHECK(strstr(emsmdb_ec_meaning(EMSMDB_EC_RPC_HTTP_DISALLOWED),
		     "MAPIBlockOutlookRpcHttp") != NULL);
	CHECK(strstr(emsmdb_ec_meaning(EMSMDB_EC_PROTOCOL_DISABLED),
		     "MAPIEnabled") != NULL);
}

int main(void)
{
	T_RUN(test_fragments);
	T_RUN(test_truncation);
	T_RUN(test_reader);
	T_RUN(test_rts);
	T_RUN(test_emsmdb);
	T_RUN(test_ec_table);
	T_DONE();
}
