/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RPC over HTTP v2 virtual connection, client side (MS-RPCH 3.2.2;
 * docs/architecture.md, "The virtual connection").
 *
 * The core (struct rpch_vc) is sans-I/O: it makes the cookies, builds
 * CONN/A1 and CONN/B1, takes the bytes of the OUT channel's response body
 * and turns them into events (RTS PDUs seen, "open" once CONN/C2 arrived,
 * DCE/RPC PDUs for the association) plus the flow-control acks to send on
 * the IN channel.  rpch_pipe.h binds it to the two HTTP channels of
 * transport_http as an rpc_pipe. */
#ifndef RPE_RPCH_VC_H
#define RPE_RPCH_VC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dcerpc.h"
#include "err.h"
#include "rts.h"

/* Receive window we advertise in CONN/A1 (MS-RPCH 2.2.3.5.1: 8 KiB..256 KiB
 * for a client; Windows uses 64 KiB). */
#define RPCH_RECV_WINDOW 65536u
/* ChannelLifetime and ClientKeepalive of CONN/B1, as Windows sends them
 * (MS-RPCH 2.2.3.5.5, 2.2.3.5.6). */
#define RPCH_CHANNEL_LIFETIME 1073741824u
#define RPCH_CLIENT_KEEPALIVE 300000u

struct rpch_vc {
	struct rts_vc rts;
	uint8_t vc_cookie[16], in_cookie[16], out_cookie[16], assoc_group[16];
	struct dcerpc_reader reader; /* OUT channel byte stream -> PDUs */
	uint64_t out_bytes;          /* OUT body bytes seen */
	uint32_t unacked;            /* non-RTS bytes since the last ack */
	uint32_t received_total;
};

enum rpch_event {
	RPCH_EV_NONE = 0, /* need more bytes */
	RPCH_EV_RTS,      /* an RTS PDU was taken (rts_vc_last_name) */
	RPCH_EV_OPEN,     /* CONN/C2: both channels reached the server */
	RPCH_EV_PDU,      /* a DCE/RPC PDU for the association */
};

/* cookies: VC, IN, OUT and association group cookie (64 bytes), or NULL
 * for random UUIDv4 ones. */
int rpch_vc_init(struct rpch_vc *vc, const uint8_t *cookies,
		 struct rpe_error *err);
void rpch_vc_free(struct rpch_vc *vc);
/* CONN/A1, the OUT channel's request body; CONN/B1, the IN channel's
 * first PDU. */
int rpch_vc_conn_a1(const struct rpch_vc *vc, struct buf *out,
		    struct rpe_error *err);
int rpch_vc_conn_b1(const struct rpch_vc *vc, struct buf *out,
		    struct rpe_error *err);
/* Bytes of the OUT channel's 2xx response body.  content_type names what
 * the proxy said it sent, for the message when the body is no RPC. */
int rpch_vc_feed(struct rpch_vc *vc, const uint8_t *d, size_t n,
		 const char *content_type, struct rpe_error *err);
/* The next event of what was fed.  RPCH_EV_PDU: *pdu is valid until the
 * next feed; when `ack` is not empty afterwards, it holds a flow-control
 * ack the client must send on the IN channel first (MS-RPCH 3.2.2.4.1).
 * < 0: the stream is corrupt or out of order (err says why). */
int rpch_vc_next(struct rpch_vc *vc, struct dcerpc_pdu *pdu, struct buf *ack,
		 struct rpe_error *err);
int rpch_vc_is_open(const struct rpch_vc *vc);

#endif
