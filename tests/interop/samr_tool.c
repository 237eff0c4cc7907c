/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Interop driver: lib/'s RPC/TCP stack against a real server (Samba AD DC).
 *
 *   samr_tool HOST EPM-PORT LEVEL USER DOMAIN     (password in $SAMR_PASSWORD)
 *
 * Through the same event loop and TCP transport as the plugin it asks the
 * endpoint mapper for SAMR (and for EMSMDB), binds SAMR over ncacn_ip_tcp
 * with NTLM at LEVEL (connect, integrity or privacy), calls SamrConnect
 * (opnum 0) and SamrCloseHandle (opnum 1), and binds EMSMDB on the same
 * port.  Every step prints one "key=value" line for tests/interop/samba.sh;
 * the server checks our signatures and sealing, lib/dcerpc checks the
 * server's.  Exit 0 when every step could be carried out (whatever the
 * server answered), 1 on a transport or protocol failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "dcerpc.h"
#include "emsmdb.h"
#include "epm.h"
#include "ntlm.h"
#include "probe.h"
#include "transport_http.h"
#include "transport_tcp.h"

#define DEADLINE_MS 20000
#define MAX_FRAG 5840
#define SAMR_CONNECT 0
#define SAMR_CLOSE_HANDLE 1
/* SAM_SERVER_CONNECT | SAM_SERVER_LOOKUP_DOMAIN */
#define SAMR_ACCESS 0x00000021u

/* 12345778-1234-abcd-ef00-0123456789ac v1.0 */
static const struct dcerpc_syntax samr_interface = {
	{ 0x78, 0x57, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab,
	  0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xac },
	1, 0
};

struct stream {
	struct loop *loop;
	struct tcp_chan *ch;
	struct dcerpc_reader rd;
	int ended;
	char why[400];
	int64_t deadline;
};

static int on_data(void *ctx, struct tcp_chan *ch, const uint8_t *p, size_t n)
{
	struct stream *s = ctx;
	struct rpe_error err = { 0, "" };
	(void)ch;
	if (dcerpc_reader_feed(&s->rd, p, n, &err) < 0) {
		s->ended = 1;
		snprintf(s->why, sizeof(s->why), "%s", err.msg);
		return -1;
	}
	return 0;
}

static void on_done(void *ctx, struct tcp_chan *ch, enum loop_result res,
		    const char *msg)
{
	struct stream *s = ctx;
	(void)ch;
	(void)res;
	s->ended = 1;
	snprintf(s->why, sizeof(s->why), "%s", msg);
}

static int stream_open(struct stream *s, struct loop *loop,
		       const char *host, long port, const char *name)
{
	struct tcp_chan_cb cb = { s, NULL, on_data, on_done };
	struct tcp_params tp = { host, NULL, port, 0, name };
	struct rpe_error err = { 0, "" };

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->deadline = probe_now_ms() + DEADLINE_MS;
	dcerpc_reader_init(&s->rd);
	s->ch = tcp_chan_open(loop, &tp, &cb, &err);
	if (!s->ch) {
		printf("error=%s\n", err.msg);
		return -1;
	}
	return 0;
}

static void stream_close(struct stream *s)
{
	tcp_chan_close(s->ch);
	s->ch = NULL;
	dcerpc_reader_free(&s->rd);
}

/* Send one PDU and wait for the next whole PDU from the server. */
static int exchange(struct stream *s, const struct buf *out,
		    struct dcerpc_pdu *pdu)
{
	struct rpe_error err = { 0, "" };
	int rc;

	if (out && tcp_chan_send(s->ch, out->data, out->len) < 0)
		return -1;
	for (;;) {
		rc = dcerpc_reader_next(&s->rd, pdu, &err);
		if (rc > 0)
			return 0;
		if (rc < 0) {
			printf("error=%s\n", err.msg);
			return -1;
		}
		if (s->ended) {
			printf("error=%s\n", s->why);
			return -1;
		}
		if (probe_now_ms() > s->deadline) {
			printf("error=no answer within %d ms\n", DEADLINE_MS);
			return -1;
		}
		if (loop_run(s->loop, 200, &err) < 0) {
			printf("error=%s\n", err.msg);
			return -1;
		}
	}
}

/* Bind and report the result; 1 accepted, 0 rejected, -1 failure. */
static int do_bind(struct stream *s, struct dcerpc_conn *c, uint32_t call_id,
		const struct dcerpc_syntax *iface, const char *what,
		const struct buf *token, struct dcerpc_bind_ack *ack)
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct buf b;
	int rc;

	buf_init(&b, 8192);
	rc = dcerpc_encode_bind(&b, c, 0, call_id, 0, iface,
				token ? token->data : NULL,
				token ? token->len : 0, &err);
	if (rc == 0)
		rc = exchange(s, &b, &pdu);
	buf_free(&b);
	if (rc < 0)
		return -1;
	if (pdu.ptype == DCERPC_PTYPE_BIND_NAK) {
		printf("%s=bind_nak %s\n", what,
		       dcerpc_bind_nak_reason_name(pdu.data, pdu.len));
		return 0;
	}
	if (pdu.ptype != DCERPC_PTYPE_BIND_ACK ||
	    dcerpc_decode_bind_ack(c, pdu.data, pdu.len, ack, &err) < 0) {
		printf("error=%s bind answered with PDU type %u %s\n", what,
		       (unsigned)pdu.ptype, err.msg);
		return -1;
	}
	if (ack->result != 0) {
		printf("%s=rejected %s\n", what,
		       dcerpc_ack_reason_name(ack->result, ack->reason));
		return 0;
	}
	printf("%s=accepted\n", what);
	return 1;
}

/* Call and print "<what>=status 0x..." or "<what>=fault 0x...". */
static int call(struct stream *s, struct dcerpc_conn *c, uint32_t call_id,
		uint16_t opnum, const struct buf *stub, const char *what,
		struct buf *resp)
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct buf b;
	int rc;

	buf_init(&b, 65536);
	rc = dcerpc_encode_request(&b, c, call_id, 0, opnum, stub->data,
				   stub->len, &err);
	if (rc < 0) {
		printf("error=%s\n", err.msg);
		buf_free(&b);
		return -1;
	}
	rc = exchange(s, &b, &pdu);
	buf_free(&b);
	while (rc == 0) {
		if (pdu.ptype == DCERPC_PTYPE_FAULT) {
			uint32_t st = 0;
			if (dcerpc_decode_fault(pdu.data, pdu.len, &st, &err) < 0)
				break;
			printf("%s=fault 0x%08x %s\n", what, (unsigned)st,
			       dcerpc_fault_name(st));
			return 0;
		}
		rc = dcerpc_decode_response(c, pdu.data, pdu.len, resp, &err);
		if (rc < 0)
			break;
		if (rc == 1)
			return 1;
		rc = exchange(s, NULL, &pdu);
	}
	printf("error=%s: %s\n", what, err.msg[0] ? err.msg : "bad answer");
	return -1;
}

static uint32_t tail_status(const struct buf *b)
{
	const uint8_t *p = b->data + b->len - 4;
	return b->len < 4 ? 0xffffffffu :
	       (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
}

static int lookup(struct stream *s, struct dcerpc_conn *c, uint32_t call_id,
		  const struct dcerpc_syntax *iface, const char *what)
{
	struct rpe_error err = { 0, "" };
	struct epm_map_result r;
	struct buf stub, resp;
	int rc;

	buf_init(&stub, 4096);
	buf_init(&resp, 65536);
	rc = epm_encode_map_request(&stub, iface, EPM_MAX_TOWERS, &err);
	if (rc == 0)
		rc = call(s, c, call_id, EPM_OPNUM_MAP, &stub, what, &resp);
	if (rc == 1) {
		rc = epm_decode_map_response(resp.data, resp.len, iface, &r, &err);
		if (rc < 0)
			printf("error=%s: %s\n", what, err.msg);
		else {
			printf("%s=%s towers=%u port=%u\n", what,
			       epm_status_name(r.status), (unsigned)r.num_towers,
			       r.found ? (unsigned)r.port : 0u);
			rc = r.found ? (int)r.port : 0;
		}
	}
	buf_free(&stub);
	buf_free(&resp);
	return rc;
}

int main(int argc, char **argv)
{
	struct rpe_error err = { 0, "" };
	struct loop *loop;
	struct stream s;
	struct dcerpc_conn epmc, c;
	struct dcerpc_bind_ack ack;
	struct ntlm_client *ntlm = NULL;
	struct secctx sec;
	struct buf tok, stub, resp, b;
	uint8_t handle[20];
	const char *pw = getenv("SAMR_PASSWORD");
	int level, port, rc, status = 1;

	if (argc != 6 || !pw) {
		fprintf(stderr, "usage: SAMR_PASSWORD=... %s HOST EPM-PORT "
				"connect|integrity|privacy USER DOMAIN\n",
			argv[0]);
		return 2;
	}
	level = !strcmp(argv[3], "privacy") ? DCERPC_AUTH_LEVEL_PRIVACY :
		!strcmp(argv[3], "integrity") ? DCERPC_AUTH_LEVEL_INTEGRITY :
		!strcmp(argv[3], "connect") ? DCERPC_AUTH_LEVEL_CONNECT : 0;
	if (!level || crypto_init(&err) < 0 || !(loop = loop_new(&err))) {
		fprintf(stderr, "%s: cannot start: %s\n", argv[0], err.msg);
		return 2;
	}
	buf_init(&tok, 8192);
	buf_init(&stub, 4096);
	buf_init(&resp, 65536);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));

	/* 1. The endpoint mapper, without authentication. */
	dcerpc_conn_init(&epmc, NULL, DCERPC_AUTH_LEVEL_NONE, 0);
	if (stream_open(&s, loop, argv[1], atol(argv[2]), "EPM") < 0)
		goto out;
	if (do_bind(&s, &epmc, 1, &epm_interface, "epm_bind", NULL, &ack) != 1)
		goto out;
	port = lookup(&s, &epmc, 2, &samr_interface, "epm_samr");
	if (port <= 0 || lookup(&s, &epmc, 3, &emsmdb_interface,
				"epm_emsmdb") < 0)
		goto out;
	stream_close(&s);

	/* 2. SAMR with NTLM at the requested level. */
	ntlm = ntlm_client_new(argv[4], argv[5], pw, &err);
	if (!ntlm) {
		printf("error=%s\n", err.msg);
		goto out;
	}
	sec.ops = &ntlm_secctx_ops;
	sec.ctx = ntlm_client_session(ntlm);
	dcerpc_conn_init(&c, &sec, (uint8_t)level, 1);
	if (stream_open(&s, loop, argv[1], port, "SAMR") < 0 ||
	    ntlm_client_negotiate(ntlm, &tok, &err) < 0)
		goto out_c;
	rc = do_bind(&s, &c, 1, &samr_interface, "samr_bind", &tok, &ack);
	if (rc != 1)
		goto out_c;
	buf_reset(&tok);
	if (ntlm_client_authenticate(ntlm, ack.auth_value, ack.auth_len, &tok,
				     &err) < 0) {
		printf("error=NTLM: %s\n", err.msg);
		goto out_c;
	}
	buf_init(&b, 8192);
	rc = dcerpc_encode_auth3(&b, &c, 1, tok.data, tok.len, &err);
	if (rc == 0)
		rc = tcp_chan_send(s.ch, b.data, b.len);
	buf_free(&b);
	if (rc < 0)
		goto out_c;
	/* SamrConnect(ServerName NULL, DesiredAccess) */
	buf_put_u32le(&stub, 0);
	buf_put_u32le(&stub, SAMR_ACCESS);
	rc = call(&s, &c, 2, SAMR_CONNECT, &stub, "samr_connect", &resp);
	if (rc < 0)
		goto out_c;
	if (rc == 1) {
		if (resp.len != 24) {
			printf("error=SamrConnect answer of %zu bytes\n", resp.len);
			goto out_c;
		}
		memcpy(handle, resp.data, 20);
		printf("samr_connect=status 0x%08x\n",
		       (unsigned)tail_status(&resp));
		buf_reset(&stub);
		buf_reset(&resp);
		buf_put_bytes(&stub, handle, 20);
		rc = call(&s, &c, 3, SAMR_CLOSE_HANDLE, &stub, "samr_close",
			  &resp);
		if (rc < 0)
			goto out_c;
		if (rc == 1)
			printf("samr_close=status 0x%08x\n",
			       (unsigned)tail_status(&resp));
	}
	status = 0;
out_c:
	stream_close(&s);
	dcerpc_conn_free(&c);
out:
	stream_close(&s);
	dcerpc_conn_free(&epmc);
	ntlm_client_free(ntlm);
	buf_free(&tok);
	buf_free(&stub);
	buf_free(&resp);
	loop_free(loop);
	crypto_cleanup();
	return status;
}
