/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/rpch_vc without sockets: CONN/A1 and B1 with pinned cookies, the
 * handshake (CONN/A3, CONN/C2) in one chunk and byte by byte, PDUs before
 * the connection is open, a non-RPC body, flow control (MS-RPCH 3.2.2.4.1:
 * an ack once half the 64 KiB window is used, RTS PDUs not counted), and
 * the IN channel's replay log (transport_http's http_upload): rewind
 * before commit, nothing to replay after. */
#include "rpch_vc.h"
#include "t.h"

#include "crypto.h"
#include "transport_http.h"

#include <stdint.h>

static const uint8_t cookies[64] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x47, 0x08,
	0x89, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, /* VC */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x47, 0x18,
	0x99, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, /* IN */
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x47, 0x28,
	0xa9, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, /* OUT */
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x47, 0x38,
	0xb9, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, /* group */
};

/* An RTS PDU (MS-RPCH 2.2.3.6) of u32-valued commands. */
static void put_rts(struct buf *b, uint16_t flags, int n, const uint32_t *cmd)
{
	size_t start = b->len;
	int i;

	buf_put_u8(b, 5);
	buf_put_u8(b, 0);
	buf_put_u8(b, DCERPC_PTYPE_RTS);
	buf_put_u8(b, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG);
	buf_put_u32le(b, 0x10);
	buf_put_u16le(b, 0); /* frag_length, patched below */
	buf_put_u16le(b, 0);
	buf_put_u32le(b, 0);
	buf_put_u16le(b, flags);
	buf_put_u16le(b, (uint16_t)n);
	for (i = 0; i < n; i++) {
		buf_put_u32le(b, cmd[2 * i]);
		buf_put_u32le(b, cmd[2 * i + 1]);
	}
	buf_set_u16le_at(b, start + 8, (uint16_t)(b->len - start));
}

static void put_a3_c2(struct buf *b)
{
	static const uint32_t a3[] = { RTS_CMD_CONNECTION_TIMEOUT, 120000 };
	static const uint32_t c2[] = { RTS_CMD_VERSION,
				       1,
				       RTS_CMD_RECEIVE_WINDOW_SIZE,
				       65536,
				       RTS_CMD_CONNECTION_TIMEOUT,
				       120000 };
	put_rts(b, 0, 1, a3);
	put_rts(b, 0, 3, c2);
}

/* A response PDU of n bytes in all (its body is not looked at here). */
static void put_pdu(struct buf *b, size_t n, uint32_t call_id)
{
	size_t start = b->len;

	buf_put_u8(b, 5);
	buf_put_u8(b, 0);
	buf_put_u8(b, DCERPC_PTYPE_RESPONSE);
	buf_put_u8(b, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG);
	buf_put_u32le(b, 0x10);
	buf_put_u16le(b, (uint16_t)n);
	buf_put_u16le(b, 0);
	buf_put_u32le(b, call_id);
	buf_put_zeros(b, n - (b->len - start));
}

static int next(struct rpch_vc *vc, struct buf *ack, struct dcerpc_pdu *pdu)
{
	struct rpe_error err = { 0, "" };
	return rpch_vc_next(vc, pdu, ack, &err);
}

static void open_vc(struct rpch_vc *vc)
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct buf b, ack;

	buf_init(&b, 0);
	buf_init(&ack, 0);
	CHECK_INT(rpch_vc_init(vc, cookies, &err), 0);
	put_a3_c2(&b);
	CHECK_INT(rpch_vc_feed(vc, b.data, b.len, "application/rpc", &err), 0);
	CHECK_INT(next(vc, &ack, &pdu), RPCH_EV_RTS);
	CHECK_STR(rts_vc_last_name(&vc->rts), "CONN/A3");
	CHECK(!rpch_vc_is_open(vc));
	CHECK_INT(next(vc, &ack, &pdu), RPCH_EV_OPEN);
	CHECK(rpch_vc_is_open(vc));
	CHECK_INT(next(vc, &ack, &pdu), RPCH_EV_NONE);
	CHECK_INT(ack.len, 0);
	buf_free(&b);
	buf_free(&ack);
}

static void test_conn_a1_b1(void)
{
	struct rpe_error err = { 0, "" };
	struct rpch_vc vc, rnd;
	struct rts_pdu p;
	struct buf a1, b1;

	buf_init(&a1, 0);
	buf_init(&b1, 0);
	CHECK_INT(rpch_vc_init(&vc, cookies, &err), 0);
	CHECK_INT(rpch_vc_conn_a1(&vc, &a1, &err), 0);
	CHECK_INT(rpch_vc_conn_b1(&vc, &b1, &err), 0);
	CHECK_INT(a1.len, 76);  /* MS-RPCH 2.2.4.2 */
	CHECK_INT(b1.len, 104); /* MS-RPCH 2.2.4.5 */
	CHECK_INT(rts_parse(a1.data, a1.len, &p, &err), 0);
	CHECK_INT(p.ncmds, 4);
	CHECK_MEM(p.cmds[1].cookie, cookies, 16);      /* VC cookie */
	CHECK_MEM(p.cmds[2].cookie, cookies + 32, 16); /* OUT cookie */
	CHECK_INT(p.cmds[3].value, RPCH_RECV_WINDOW);
	CHECK_INT(rts_parse(b1.data, b1.len, &p, &err), 0);
	CHECK_MEM(p.cmds[2].cookie, cookies + 16, 16); /* IN cookie */
	/* Random cookies are UUIDv4s and differ per connection. */
	CHECK_INT(crypto_init(&err), 0);
	CHECK_INT(rpch_vc_init(&rnd, NULL, &err), 0);
	CHECK_INT(rnd.vc_cookie[7] >> 4, 4);
	CHECK_INT(rnd.vc_cookie[8] >> 6, 2);
	CHECK(memcmp(rnd.vc_cookie, rnd.in_cookie, 16) != 0);
	rpch_vc_free(&vc);
	rpch_vc_free(&rnd);
	buf_free(&a1);
	buf_free(&b1);
}

static void test_handshake_byte_by_byte(void)
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct rpch_vc vc;
	struct buf b, ack;
	size_t i;
	int ev, seen_open = 0, seen_rts = 0;

	buf_init(&b, 0);
	buf_init(&ack, 0);
	CHECK_INT(rpch_vc_init(&vc, cookies, &err), 0);
	put_a3_c2(&b);
	for (i = 0; i < b.len; i++) {
		CHECK_INT(rpch_vc_feed(&vc, b.data + i, 1, "", &err), 0);
		while ((ev = next(&vc, &ack, &pdu)) > 0) {
			seen_rts += ev == RPCH_EV_RTS;
			seen_open += ev == RPCH_EV_OPEN;
		}
		CHECK(ev == 0);
	}
	CHECK_INT(seen_rts, 1);
	CHECK_INT(seen_open, 1);
	rpch_vc_free(&vc);
	buf_free(&b);
	buf_free(&ack);
}

static void test_out_of_order(void)
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct rpch_vc vc;
	struct buf b, ack;

	buf_init(&b, 0);
	buf_init(&ack, 0);
	/* A DCE/RPC PDU before CONN/C2. */
	CHECK_INT(rpch_vc_init(&vc, cookies, &err), 0);
	put_pdu(&b, 64, 1);
	CHECK_INT(rpch_vc_feed(&vc, b.data, b.len, "", &err), 0);
	CHECK_INT(rpch_vc_next(&vc, &pdu, &ack, &err), RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "before the virtual connection was open") != NULL);
	rpch_vc_free(&vc);
	/* An HTML page where the RTS PDUs belong. */
	CHECK_INT(rpch_vc_init(&vc, cookies, &err), 0);
	CHECK_INT(rpch_vc_feed(&vc, (const uint8_t *)"<html>", 6, "text/html",
			       &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "Content-Type text/html instead of RPC PDUs") !=
	      NULL);
	rpch_vc_free(&vc);
	buf_free(&b);
	buf_free(&ack);
}

static void test_flow_control(void)
{
	static const uint32_t ping[] = { RTS_CMD_EMPTY, 0 };
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct rpch_vc vc;
	struct rts_pdu p;
	struct buf b, ack;
	int i;

	open_vc(&vc);
	buf_init(&b, 0);
	buf_init(&ack, 0);
	/* Seven 4 KiB PDUs: 28 KiB, under half the window; no ack. */
	for (i = 0; i < 7; i++)
		put_pdu(&b, 4096, (uint32_t)i + 2);
	CHECK_INT(rpch_vc_feed(&vc, b.data, b.len, "", &err), 0);
	for (i = 0; i < 7; i++) {
		CHECK_INT(next(&vc, &ack, &pdu), RPCH_EV_PDU);
		CHECK_INT(pdu.call_id, i + 2);
	}
	CHECK_INT(ack.len, 0);
	/* RTS pings do not consume the window. */
	buf_reset(&b);
	put_rts(&b, RTS_FLAG_PING, 0, ping);
	put_pdu(&b, 4096, 9);
	CHECK_INT(rpch_vc_feed(&vc, b.data, b.len, "", &err), 0);
	CHECK_INT(next(&vc, &ack, &pdu), RPCH_EV_RTS);
	CHECK_INT(ack.len, 0);
	/* The eighth reaches 32 KiB: FlowControlAck to the OUT proxy
	 * (2.2.4.51) with what was received, the window and our OUT cookie. */
	CHECK_INT(next(&vc, &ack, &pdu), RPCH_EV_PDU);
	CHECK_INT(ack.len, 56);
	CHECK_INT(rts_parse(ack.data, ack.len, &p, &err), 0);
	CHECK_INT(p.ncmds, 2);
	CHECK_INT(p.cmds[0].type, RTS_CMD_DESTINATION);
	CHECK_INT(p.cmds[0].value, RTS_FD_OUT_PROXY);
	CHECK_INT(p.cmds[1].type, RTS_CMD_FLOW_CONTROL_ACK);
	CHECK_INT(p.cmds[1].ack_bytes, 32768);
	CHECK_INT(p.cmds[1].ack_window, RPCH_RECV_WINDOW);
	CHECK_MEM(p.cmds[1].cookie, cookies + 32, 16);
	/* The count restarts; the total goes on. */
	buf_reset(&ack);
	buf_reset(&b);
	for (i = 0; i < 8; i++)
		put_pdu(&b, 4096, 20);
	CHECK_INT(rpch_vc_feed(&vc, b.data, b.len, "", &err), 0);
	for (i = 0; i < 7; i++)
		CHECK_INT(next(&vc, &ack, &pdu), RPCH_EV_PDU);
	CHECK_INT(ack.len, 0);
	CHECK_INT(next(&vc, &ack, &pdu), RPCH_EV_PDU);
	CHECK_INT(rts_parse(ack.data, ack.len, &p, &err), 0);
	CHECK_INT(p.cmds[1].ack_bytes, 65536);
	rpch_vc_free(&vc);
	buf_free(&b);
	buf_free(&ack);
}

static void test_upload_replay_commit(void)
{
	struct http_upload u;
	uint8_t in[300], out[300];
	size_t took, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	http_upload_init(&u);
	/* Nothing queued: libcurl is told to pause. */
	CHECK_INT(http_upload_take(&u, out, sizeof(out), &took), 0);
	CHECK_INT(took, 0);
	/* CONN/B1 and a bind go out in two reads ... */
	CHECK_INT(http_upload_push(&u, in, 104), 0);
	CHECK_INT(http_upload_take(&u, out, 60, &took), 0);
	CHECK_INT(took, 60);
	CHECK_INT(http_upload_push(&u, in + 104, 196), 0);
	CHECK_INT(http_upload_take(&u, out + 60, 100, &took), 0);
	CHECK_INT(took, 100);
	/* ... then HTTP auth restarts the request: everything again, in
	 * order, what was not read yet behind it. */
	CHECK_INT(http_upload_rewind(&u), 0);
	CHECK_INT(http_upload_take(&u, out, sizeof(out), &took), 0);
	CHECK_INT(took, 300);
	CHECK_MEM(out, in, 300);
	/* CONN/C2 arrived: committed, the log is gone and stays empty. */
	http_upload_commit(&u);
	CHECK_INT(http_upload_rewind(&u), RPE_ERR_STATE);
	CHECK_INT(http_upload_push(&u, in, 10), 0);
	CHECK_INT(http_upload_take(&u, out, sizeof(out), &took), 0);
	CHECK_INT(took, 10);
	CHECK_INT(u.replay.len, 0);
	http_upload_free(&u);
}

static void test_upload_replay_cap(void)
{
	static uint8_t chunk[64 * 1024], out[64 * 1024];
	struct http_upload u;
	size_t took;
	int i, rc = 0;

	/* A server that never confirms cannot grow the log without bound. */
	http_upload_init(&u);
	for (i = 0; i < 8 && rc == 0; i++) {
		CHECK_INT(http_upload_push(&u, chunk, sizeof(chunk)), 0);
		rc = http_upload_take(&u, out, sizeof(out), &took);
	}
	CHECK(rc < 0);
	CHECK(u.replay.len <= 256 * 1024);
	http_upload_free(&u);
}

int main(void)
{
	T_RUN(test_conn_a1_b1);
	T_RUN(test_handshake_byte_by_byte);
	T_RUN(test_out_of_order);
	T_RUN(test_flow_control);
	T_RUN(test_upload_replay_commit);
	T_RUN(test_upload_replay_cap);
	T_DONE();
}
