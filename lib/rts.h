/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over HTTP v2 RTS PDUs (MS-RPCH 2.2.3, 2.2.4) and the client's view
 * of the virtual connection handshake (3.2.2.5.6).  Sans-I/O. */
#ifndef RPE_RTS_H
#define RPE_RTS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dcerpc.h"
#include "err.h"

#define RTS_PTYPE DCERPC_PTYPE_RTS

/* RTS header flags (2.2.3.6.1) */
#define RTS_FLAG_PING 0x0001
#define RTS_FLAG_OTHER_CMD 0x0002
#define RTS_FLAG_RECYCLE_CHANNEL 0x0004
#define RTS_FLAG_IN_CHANNEL 0x0008
#define RTS_FLAG_OUT_CHANNEL 0x0010
#define RTS_FLAG_EOF 0x0020
#define RTS_FLAG_ECHO 0x0040

/* Command types (2.2.3.5) */
enum rts_cmd_type {
	RTS_CMD_RECEIVE_WINDOW_SIZE = 0,
	RTS_CMD_FLOW_CONTROL_ACK = 1,
	RTS_CMD_CONNECTION_TIMEOUT = 2,
	RTS_CMD_COOKIE = 3,
	RTS_CMD_CHANNEL_LIFETIME = 4,
	RTS_CMD_CLIENT_KEEPALIVE = 5,
	RTS_CMD_VERSION = 6,
	RTS_CMD_EMPTY = 7,
	RTS_CMD_PADDING = 8,
	RTS_CMD_NEGATIVE_ANCE = 9,
	RTS_CMD_ANCE = 10,
	RTS_CMD_CLIENT_ADDRESS = 11,
	RTS_CMD_ASSOCIATION_GROUP_ID = 12,
	RTS_CMD_DESTINATION = 13,
	RTS_CMD_PING_TRAFFIC_SENT_NOTIFY = 14,
};

/* Forward destinations (2.2.3.3) */
#define RTS_FD_CLIENT 0
#define RTS_FD_IN_PROXY 1
#define RTS_FD_SERVER 2
#define RTS_FD_OUT_PROXY 3

#define RTS_MAX_COMMANDS 16

struct rts_cmd {
	enum rts_cmd_type type;
	uint32_t value;     /* u32-valued commands, address family */
	uint8_t cookie[16]; /* Cookie, AssociationGroupId, ack cookie */
	uint32_t ack_bytes; /* FlowControlAck */
	uint32_t ack_window;
	uint8_t address[16]; /* ClientAddress */
};

struct rts_pdu {
	uint16_t flags;
	uint16_t ncmds;
	struct rts_cmd cmds[RTS_MAX_COMMANDS];
};

/* Decode one whole RTS PDU (common header included). */
int rts_parse(const uint8_t *pdu, size_t len, struct rts_pdu *out,
	      struct rpe_error *err);
const char *rts_cmd_name(enum rts_cmd_type t);

/* Give 16 random bytes the UUIDv4 layout (version and variant bits). */
void rts_cookie_set_uuid4(uint8_t cookie[16]);

/* CONN/A1 (2.2.4.2): 76 bytes, the body of RPC_OUT_DATA. */
int rts_build_conn_a1(struct buf *out, const uint8_t vc_cookie[16],
		      const uint8_t out_cookie[16], uint32_t recv_window,
		      struct rpe_error *err);
/* CONN/B1 (2.2.4.5): 104 bytes, first PDU on RPC_IN_DATA. */
int rts_build_conn_b1(struct buf *out, const uint8_t vc_cookie[16],
		      const uint8_t in_cookie[16], uint32_t lifetime,
		      uint32_t keepalive, const uint8_t assoc_group[16],
		      struct rpe_error *err);
/* FlowControlAckWithDestination (2.2.4.51) for the OUT channel, sent on IN
 * with destination FDOutProxy. */
int rts_build_flow_control_ack(struct buf *out, uint32_t bytes_received,
			       uint32_t available_window,
			       const uint8_t out_cookie[16],
			       struct rpe_error *err);

/* Client side of the virtual connection: CONN/A3 then CONN/C2 on OUT. */
enum rts_vc_state {
	RTS_VC_WAIT_A3 = 0,
	RTS_VC_WAIT_C2,
	RTS_VC_OPEN,
};

struct rts_vc {
	enum rts_vc_state state;
	uint32_t connection_timeout; /* ms, from A3/C2 */
	uint32_t server_window;      /* ReceiveWindowSize of C2 */
	const char *last;            /* name of the last RTS PDU seen */
};

void rts_vc_init(struct rts_vc *vc);
/* Feed an RTS PDU received on the OUT channel.  Pings are accepted in any
 * state; anything out of order is RPE_ERR_PROTO. */
int rts_vc_feed(struct rts_vc *vc, const uint8_t *pdu, size_t len,
		struct rpe_error *err);
int rts_vc_is_open(const struct rts_vc *vc);
const char *rts_vc_last_name(const struct rts_vc *vc);

#endif
