/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command-line driver for the cross-implementation tests: prints the
 * bytes lib/ produces for given inputs (hex), or parses hex input, so
 * tests/unit/codec_vectors.py can compare with impacket.
 *
 *   codec_tool a1 VC OC WINDOW
 *   codec_tool b1 VC IC LIFETIME KEEPALIVE AG
 *   codec_tool fca BYTES WINDOW COOKIE
 *   codec_tool bind LEVEL TOKENHEX
 *   codec_tool auth3 TOKENHEX
 *   codec_tool connect DN VERSION
 *   codec_tool request LEVEL KEYHEX OPNUM MAXFRAG STUBHEX
 *   codec_tool response LEVEL KEYHEX PDUHEX...   (server->client PDUs)
 *   codec_tool connect-response STUBHEX
 *   codec_tool challenge HEX
 *   codec_tool epm-request             (ept_map stub for EMSMDB)
 *   codec_tool epm-response STUBHEX    (prints status, towers, port)
 *   codec_tool epm-tower PORT IP       (ncacn_ip_tcp tower for EMSMDB)
 *   codec_tool ntlm USER DOMAIN PASSWORD CHALLENGEHEX CLIENTCHAL EXPORTED
 *       (prints NEGOTIATE hex, newline, AUTHENTICATE hex)
 *   codec_tool ntlm USER DOMAIN PASSWORD CHALLENGEHEX CLIENTCHAL EXPORTED
 *       CBTHEX|- SPN      (the same with Extended Protection AV pairs;
 *                          - is the all-zero "no binding")
 *   codec_tool cbt DERFILE (prints the RFC 5929 hash name, the certificate
 *                           hash and the MsvAvChannelBindings value)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"
#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "epm.h"
#include "ntlm.h"
#include "rts.h"

static size_t unhex(const char *s, struct buf *b)
{
	size_t n = strlen(s), i;
	for (i = 0; i + 1 < n; i += 2) {
		unsigned v;
		if (sscanf(s + i, "%2x", &v) != 1)
			exit(2);
		buf_put_u8(b, (uint8_t)v);
	}
	return b->len;
}

static void cookie(const char *s, uint8_t out[16])
{
	struct buf b;
	buf_init(&b, 0);
	if (unhex(s, &b) != 16)
		exit(2);
	memcpy(out, b.data, 16);
	buf_free(&b);
}

static void hex(const struct buf *b)
{
	size_t i;
	for (i = 0; i < b->len; i++)
		printf("%02x", b->data[i]);
	printf("\n");
}

static int fail(const struct rpe_error *e)
{
	printf("error %s\n", e->msg);
	return 1;
}

static int cmd_cbt(const char *path, struct rpe_error *err)
{
	uint8_t der[16384], h[CBT_HASH_MAX], md5[16];
	size_t n, hlen = 0, i;
	const char *name = NULL;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 2;
	n = fread(der, 1, sizeof(der), f);
	fclose(f);
	if (cbt_cert_hash(der, n, h, &hlen, &name, err) < 0 ||
	    cbt_md5_from_hash(h, hlen, md5, err) < 0)
		return fail(err);
	printf("%s ", name);
	for (i = 0; i < hlen; i++)
		printf("%02x", h[i]);
	printf(" ");
	for (i = 0; i < 16; i++)
		printf("%02x", md5[i]);
	printf("\n");
	return 0;
}

/* Optional Extended Protection arguments of the ntlm command. */
static int ntlm_binding(struct ntlm_client *c, int argc, char **argv,
			struct rpe_error *err)
{
	uint8_t cbt[16];
	struct buf b;

	if (argc != 10)
		return 0;
	if (!strcmp(argv[8], "-"))
		return ntlm_client_set_binding(c, NULL, argv[9], err);
	buf_init(&b, 0);
	if (unhex(argv[8], &b) != 16)
		exit(2);
	memcpy(cbt, b.data, 16);
	buf_free(&b);
	return ntlm_client_set_binding(c, cbt, argv[9], err);
}

int main(int argc, char **argv)
{
	struct buf out, in;
	struct rpe_error err = { 0, "" };
	uint8_t c1[16], c2[16], c3[16];
	int rc = 0, status = 0;

	if (argc < 2 || crypto_init(&err) < 0)
		return 2;
	buf_init(&out, 0);
	buf_init(&in, 0);
	if (!strcmp(argv[1], "a1") && argc == 5) {
		cookie(argv[2], c1);
		cookie(argv[3], c2);
		rc = rts_build_conn_a1(&out, c1, c2, (uint32_t)atol(argv[4]),
				       &err);
	} else if (!strcmp(argv[1], "b1") && argc == 7) {
		cookie(argv[2], c1);
		cookie(argv[3], c2);
		cookie(argv[6], c3);
		rc = rts_build_conn_b1(&out, c1, c2, (uint32_t)atol(argv[4]),
				       (uint32_t)atol(argv[5]), c3, &err);
	} else if (!strcmp(argv[1], "fca") && argc == 5) {
		cookie(argv[4], c1);
		rc = rts_build_flow_control_ack(&out, (uint32_t)atol(argv[2]),
						(uint32_t)atol(argv[3]), c1,
						&err);
	} else if ((!strcmp(argv[1], "bind") && argc == 4) ||
		   (!strcmp(argv[1], "auth3") && argc == 3)) {
		struct dcerpc_conn conn;
		struct secctx sec = { &ntlm_secctx_ops, NULL };
		int bind = argv[1][0] == 'b';
		dcerpc_conn_init(&conn, &sec, bind ? (uint8_t)atoi(argv[2]) : 6,
				 79231);
		unhex(argv[bind ? 3 : 2], &in);
		rc = bind ? dcerpc_encode_bind(&out, &conn, 0, 1, 0,
					       &emsmdb_interface, in.data,
					       in.len, &err) :
			    dcerpc_encode_auth3(&out, &conn, 1, in.data, in.len,
						&err);
		dcerpc_conn_free(&conn);
	} else if (!strcmp(argv[1], "connect") && argc == 4) {
		struct emsmdb_connect_req req;
		memset(&req, 0, sizeof(req));
		req.user_dn = argv[2];
		if (emsmdb_parse_version(argv[3], req.client_version) < 0)
			return 2;
		rc = emsmdb_encode_connect_ex(&out, &req, &err);
	} else if (!strcmp(argv[1], "request") && argc == 7) {
		struct dcerpc_conn conn;
		struct ntlm_session *s;
		struct secctx sec;
		uint8_t key[16];
		unhex(argv[3], &in);
		memcpy(key, in.data, 16);
		buf_reset(&in);
		s = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 0);
		sec.ops = &ntlm_secctx_ops;
		sec.ctx = s;
		dcerpc_conn_init(&conn, &sec, (uint8_t)atoi(argv[2]), 79231);
		conn.max_xmit_frag = (uint16_t)atoi(argv[5]);
		unhex(argv[6], &in);
		rc = dcerpc_encode_request(&out, &conn, 2, 0,
					   (uint16_t)atoi(argv[4]), in.data,
					   in.len, &err);
		dcerpc_conn_free(&conn);
		ntlm_session_free(s);
	} else if (!strcmp(argv[1], "response") && argc >= 5) {
		struct dcerpc_conn conn;
		struct ntlm_session *s;
		struct secctx sec;
		uint8_t key[16];
		int i, done = 0;
		unhex(argv[3], &in);
		memcpy(key, in.data, 16);
		s = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 0);
		sec.ops = &ntlm_secctx_ops;
		sec.ctx = s;
		dcerpc_conn_init(&conn, &sec, (uint8_t)atoi(argv[2]), 79231);
		for (i = 4; i < argc && rc >= 0; i++) {
			buf_reset(&in);
			unhex(argv[i], &in);
			rc = dcerpc_decode_response(&conn, in.data, in.len,
						    &out, &err);
			done = rc == 1;
		}
		if (rc >= 0 && !done) {
			printf("incomplete\n");
			rc = 0;
			buf_reset(&out);
		}
		dcerpc_conn_free(&conn);
		ntlm_session_free(s);
	} else if (!strcmp(argv[1], "connect-response") && argc == 3) {
		struct emsmdb_connect_resp r;
		char v[32];
		unhex(argv[2], &in);
		rc = emsmdb_parse_connect_ex_response(in.data, in.len, &r, &err);
		if (rc == 0) {
			emsmdb_format_version(r.server_version, v, sizeof(v));
			printf("ec=%u version=%s name=%s prefix=%s polls=%u\n",
			       (unsigned)r.result, v,
			       r.display_name ? r.display_name : "-",
			       r.dn_prefix ? r.dn_prefix : "-",
			       (unsigned)r.polls_max);
			emsmdb_connect_resp_free(&r);
		}
	} else if (!strcmp(argv[1], "cbt") && argc == 3) {
		status = cmd_cbt(argv[2], &err);
	} else if (!strcmp(argv[1], "ntlm") && (argc == 8 || argc == 10)) {
		struct ntlm_client *c =
			ntlm_client_new(argv[2], argv[3], argv[4], &err);
		struct ntlm_overrides ov;
		struct buf tmp;
		if (!c)
			return fail(&err);
		memset(&ov, 0, sizeof(ov));
		buf_init(&tmp, 0);
		unhex(argv[6], &tmp);
		memcpy(ov.client_challenge, tmp.data, 8);
		buf_reset(&tmp);
		unhex(argv[7], &tmp);
		memcpy(ov.exported_session_key, tmp.data, 16);
		ov.timestamp = 0x01d0000000000000ull;
		ntlm_client_set_overrides(c, &ov);
		buf_free(&tmp);
		rc = ntlm_binding(c, argc, argv, &err);
		if (rc == 0)
			rc = ntlm_client_negotiate(c, &out, &err);
		if (rc == 0) {
			hex(&out);
			buf_reset(&out);
			unhex(argv[5], &in);
			rc = ntlm_client_authenticate(c, in.data, in.len, &out,
						      &err);
		}
		ntlm_client_free(c);
	} else if (!strcmp(argv[1], "challenge") && argc == 3) {
		struct ntlm_challenge ch;
		unhex(argv[2], &in);
		rc = ntlm_parse_challenge(in.data, in.len, &ch, &err);
		if (rc == 0)
			printf("flags=%08x ts=%d\n", (unsigned)ch.flags,
			       ch.has_timestamp);
	} else if (!strcmp(argv[1], "epm-request") && argc == 2) {
		rc = epm_encode_map_request(&out, &emsmdb_interface,
					    EPM_MAX_TOWERS, &err);
	} else if (!strcmp(argv[1], "epm-tower") && argc == 4) {
		unsigned a, b, c, d;
		uint8_t ip[4];
		if (sscanf(argv[3], "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
			return 2;
		ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c,
		ip[3] = (uint8_t)d;
		rc = epm_encode_tower(&out, &emsmdb_interface,
				      (uint16_t)atoi(argv[2]), ip, &err);
	} else if (!strcmp(argv[1], "epm-response") && argc == 3) {
		struct epm_map_result r;
		unhex(argv[2], &in);
		rc = epm_decode_map_response(in.data, in.len, &emsmdb_interface,
					     &r, &err);
		if (rc == 0)
			printf("status=0x%08x towers=%u found=%d port=%u ip=%u.%u.%u.%u\n",
			       (unsigned)r.status, (unsigned)r.num_towers,
			       r.found, (unsigned)r.port, r.ip[0], r.ip[1],
			       r.ip[2], r.ip[3]);
	} else {
		return 2;
	}
	if (rc < 0)
		status = fail(&err);
	else if (out.len)
		hex(&out);
	buf_free(&out);
	buf_free(&in);
	crypto_cleanup();
	return status;
}
