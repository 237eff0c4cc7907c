/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RTS PDUs (MS-RPCH 2.2.3, 2.2.4); see rts.h. */
#include "rts.h"

#include <string.h>

const char *rts_cmd_name(enum rts_cmd_type t)
{
	static const char *const names[] = {
		"ReceiveWindowSize",
		"FlowControlAck",
		"ConnectionTimeout",
		"Cookie",
		"ChannelLifetime",
		"ClientKeepalive",
		"Version",
		"Empty",
		"Padding",
		"NegativeANCE",
		"ANCE",
		"ClientAddress",
		"AssociationGroupId",
		"Destination",
		"PingTrafficSentNotify",
	};
	if ((unsigned)t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return "unknown";
}

void rts_cookie_set_uuid4(uint8_t c[16])
{
	/* Cookies travel as GUIDs; byte 7 holds the version nibble in the
	 * little-endian time_hi field, byte 8 the variant. */
	c[7] = (uint8_t)((c[7] & 0x0F) | 0x40);
	c[8] = (uint8_t)((c[8] & 0x3F) | 0x80);
}

/* The body of one command (MS-RPCH 2.2.3.5); RPE_ERR_SHORT when it runs
 * past the PDU, RPE_ERR_PROTO for what no command may contain. */
static int get_cmd_body(struct buf_cur *c, struct rts_cmd *cmd)
{
	switch (cmd->type) {
	case RTS_CMD_RECEIVE_WINDOW_SIZE:
	case RTS_CMD_CONNECTION_TIMEOUT:
	case RTS_CMD_CHANNEL_LIFETIME:
	case RTS_CMD_CLIENT_KEEPALIVE:
	case RTS_CMD_VERSION:
	case RTS_CMD_DESTINATION:
	case RTS_CMD_PING_TRAFFIC_SENT_NOTIFY:
		return buf_get_u32le(c, &cmd->value);
	case RTS_CMD_FLOW_CONTROL_ACK:
		TRY(buf_get_u32le(c, &cmd->ack_bytes));
		TRY(buf_get_u32le(c, &cmd->ack_window));
		return buf_get_bytes(c, cmd->cookie, 16);
	case RTS_CMD_COOKIE:
	case RTS_CMD_ASSOCIATION_GROUP_ID:
		return buf_get_bytes(c, cmd->cookie, 16);
	case RTS_CMD_EMPTY:
	case RTS_CMD_NEGATIVE_ANCE:
	case RTS_CMD_ANCE: return 0;
	case RTS_CMD_PADDING:
		TRY(buf_get_u32le(c, &cmd->value));
		return buf_skip(c, cmd->value) < 0 ? RPE_ERR_PROTO : 0;
	case RTS_CMD_CLIENT_ADDRESS:
		/* 2.2.3.5.11: family 0 = IPv4 (4 bytes), 1 = IPv6 (16), then
		 * 12 bytes of padding. */
		TRY(buf_get_u32le(c, &cmd->value));
		if (cmd->value > 1)
			return RPE_ERR_PROTO;
		TRY(buf_get_bytes(c, cmd->address, cmd->value ? 16 : 4));
		return buf_skip(c, 12);
	}
	return RPE_ERR_UNSUPPORTED;
}

static int parse_cmd(struct buf_cur *c, struct rts_cmd *cmd, struct rpe_error *err)
{
	uint32_t type;
	int rc;

	if (buf_get_u32le(c, &type) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "RTS command truncated");
	memset(cmd, 0, sizeof(*cmd));
	cmd->type = (enum rts_cmd_type)type;
	rc = get_cmd_body(c, cmd);
	if (rc == RPE_ERR_UNSUPPORTED)
		return rpe_fail(err, RPE_ERR_PROTO,
				"unknown RTS command type %u", (unsigned)type);
	if (rc == RPE_ERR_PROTO && type == RTS_CMD_PADDING)
		return rpe_fail(err, rc,
				"RTS Padding of %u bytes overruns the PDU",
				(unsigned)cmd->value);
	if (rc == RPE_ERR_PROTO)
		return rpe_fail(err, rc, "RTS ClientAddress family %u",
				(unsigned)cmd->value);
	if (rc < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "RTS %s command truncated",
				rts_cmd_name(cmd->type));
	return 0;
}

/* Flags and NumberOfCommands after the common header (2.2.3.6.1). */
static int get_rts_header(struct buf_cur *c, struct rts_pdu *out)
{
	TRY(buf_skip(c, DCERPC_HEADER_LEN));
	TRY(buf_get_u16le(c, &out->flags));
	return buf_get_u16le(c, &out->ncmds);
}

int rts_parse(const uint8_t *pdu, size_t len, struct rts_pdu *out,
	      struct rpe_error *err)
{
	struct dcerpc_pdu h;
	struct buf_cur c;
	uint16_t i;

	memset(out, 0, sizeof(*out));
	/* The common header is DCE/RPC's (MS-RPCH 2.2.3.6.1): version,
	 * data representation and lengths are checked there. */
	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype != DCERPC_PTYPE_RTS)
		return rpe_fail(err, RPE_ERR_PROTO,
				"not an RTS PDU (PDU type %u)",
				(unsigned)h.ptype);
	if (h.frag_length != len || h.auth_length != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"RTS PDU length fields inconsistent (frag_length %u, %zu bytes, auth_length %u)",
				(unsigned)h.frag_length, len,
				(unsigned)h.auth_length);
	buf_cur_init(&c, pdu, len);
	if (get_rts_header(&c, out) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "RTS PDU truncated");
	if (out->ncmds > RTS_MAX_COMMANDS)
		return rpe_fail(err, RPE_ERR_PROTO, "RTS PDU claims %u commands",
				(unsigned)out->ncmds);
	for (i = 0; i < out->ncmds; i++)
		TRY(parse_cmd(&c, &out->cmds[i], err));
	if (buf_cur_remaining(&c) != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"RTS PDU has %zu bytes after its %u commands",
				buf_cur_remaining(&c), (unsigned)out->ncmds);
	return 0;
}

/* Builders ------------------------------------------------------------------ */

/* RTS PDUs are single fragments with call_id 0 (MS-RPCH 2.2.3.6.1); the
 * frag_length is patched by finish_pdu. */
static int put_header(struct buf *b, uint16_t flags, uint16_t ncmds)
{
	TRY(dcerpc_put_header(b, DCERPC_PTYPE_RTS,
			      DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG, 0));
	TRY(buf_put_u16le(b, flags));
	return buf_put_u16le(b, ncmds);
}

static int put_u32_cmd(struct buf *b, enum rts_cmd_type t, uint32_t v)
{
	TRY(buf_put_u32le(b, (uint32_t)t));
	return buf_put_u32le(b, v);
}

static int put_cookie_cmd(struct buf *b, enum rts_cmd_type t, const uint8_t c[16])
{
	TRY(buf_put_u32le(b, (uint32_t)t));
	return buf_put_bytes(b, c, 16);
}

/* What the client's RTS PDUs carry besides their fixed commands. */
struct rts_args {
	const uint8_t *vc_cookie;   /* virtual connection */
	const uint8_t *chan_cookie; /* IN or OUT channel */
	const uint8_t *assoc_group;
	uint32_t n1, n2; /* window / lifetime / bytes, keepalive */
};

/* CONN/A1 (2.2.4.2) */
static int put_conn_a1(struct buf *b, const struct rts_args *a)
{
	TRY(put_header(b, 0, 4));
	TRY(put_u32_cmd(b, RTS_CMD_VERSION, 1));
	TRY(put_cookie_cmd(b, RTS_CMD_COOKIE, a->vc_cookie));
	TRY(put_cookie_cmd(b, RTS_CMD_COOKIE, a->chan_cookie));
	return put_u32_cmd(b, RTS_CMD_RECEIVE_WINDOW_SIZE, a->n1);
}

/* CONN/B1 (2.2.4.5) */
static int put_conn_b1(struct buf *b, const struct rts_args *a)
{
	TRY(put_header(b, 0, 6));
	TRY(put_u32_cmd(b, RTS_CMD_VERSION, 1));
	TRY(put_cookie_cmd(b, RTS_CMD_COOKIE, a->vc_cookie));
	TRY(put_cookie_cmd(b, RTS_CMD_COOKIE, a->chan_cookie));
	TRY(put_u32_cmd(b, RTS_CMD_CHANNEL_LIFETIME, a->n1));
	TRY(put_u32_cmd(b, RTS_CMD_CLIENT_KEEPALIVE, a->n2));
	return put_cookie_cmd(b, RTS_CMD_ASSOCIATION_GROUP_ID, a->assoc_group);
}

/* FlowControlAckWithDestination (2.2.4.51) */
static int put_flow_control_ack(struct buf *b, const struct rts_args *a)
{
	TRY(put_header(b, RTS_FLAG_OTHER_CMD, 2));
	TRY(put_u32_cmd(b, RTS_CMD_DESTINATION, RTS_FD_OUT_PROXY));
	TRY(buf_put_u32le(b, RTS_CMD_FLOW_CONTROL_ACK));
	TRY(buf_put_u32le(b, a->n1));
	TRY(buf_put_u32le(b, a->n2));
	return buf_put_bytes(b, a->chan_cookie, 16);
}

/* Append one PDU built by put, check its fixed size and patch its
 * frag_length. */
static int build_pdu(struct buf *out, const char *name, size_t want,
		     int (*put)(struct buf *, const struct rts_args *),
		     const struct rts_args *a, struct rpe_error *err)
{
	size_t start = out->len;
	int rc = put(out, a);

	if (rc < 0)
		return rpe_fail(err, rc, "cannot build %s", name);
	if (out->len - start != want)
		return rpe_fail(err, RPE_ERR_STATE, "%s has %zu bytes, not %zu",
				name, out->len - start, want);
	return buf_set_u16le_at(out, start + 8, (uint16_t)want);
}

int rts_build_conn_a1(struct buf *out, const uint8_t vc[16], const uint8_t oc[16],
		      uint32_t window, struct rpe_error *err)
{
	const struct rts_args a = { vc, oc, NULL, window, 0 };
	return build_pdu(out, "CONN/A1", 76, put_conn_a1, &a, err);
}

int rts_build_conn_b1(struct buf *out, const uint8_t vc[16],
		      const uint8_t ic[16], uint32_t lifetime, uint32_t keepalive,
		      const uint8_t ag[16], struct rpe_error *err)
{
	const struct rts_args a = { vc, ic, ag, lifetime, keepalive };
	return build_pdu(out, "CONN/B1", 104, put_conn_b1, &a, err);
}

int rts_build_flow_control_ack(struct buf *out, uint32_t bytes, uint32_t window,
			       const uint8_t oc[16], struct rpe_error *err)
{
	const struct rts_args a = { NULL, oc, NULL, bytes, window };
	return build_pdu(out, "FlowControlAck", 56, put_flow_control_ack, &a,
			 err);
}

/* Virtual connection ----------------------------------------------------------- */

void rts_vc_init(struct rts_vc *vc)
{
	memset(vc, 0, sizeof(*vc));
	vc->state = RTS_VC_WAIT_A3;
	vc->last = "none";
}

int rts_vc_is_open(const struct rts_vc *vc)
{
	return vc->state == RTS_VC_OPEN;
}

const char *rts_vc_last_name(const struct rts_vc *vc)
{
	return vc->last;
}

static int is_shape(const struct rts_pdu *p, uint16_t flags, uint16_t n,
		    const enum rts_cmd_type *types)
{
	uint16_t i;
	if (p->flags != flags || p->ncmds != n)
		return 0;
	for (i = 0; i < n; i++)
		if (p->cmds[i].type != types[i])
			return 0;
	return 1;
}

int rts_vc_feed(struct rts_vc *vc, const uint8_t *pdu, size_t len,
		struct rpe_error *err)
{
	static const enum rts_cmd_type a3[] = { RTS_CMD_CONNECTION_TIMEOUT };
	static const enum rts_cmd_type c2[] = { RTS_CMD_VERSION,
						RTS_CMD_RECEIVE_WINDOW_SIZE,
						RTS_CMD_CONNECTION_TIMEOUT };
	struct rts_pdu p;

	TRY(rts_parse(pdu, len, &p, err));
	if (p.flags & RTS_FLAG_PING) {
		/* 2.2.4.49 Ping: keeps proxies from timing out; ignore. */
		vc->last = "Ping";
		return 0;
	}
	switch (vc->state) {
	case RTS_VC_WAIT_A3:
		if (!is_shape(&p, 0, 1, a3))
			return rpe_fail(err, RPE_ERR_PROTO,
					"expected RTS CONN/A3, got flags 0x%x with %u commands",
					(unsigned)p.flags, (unsigned)p.ncmds);
		vc->connection_timeout = p.cmds[0].value;
		vc->state = RTS_VC_WAIT_C2;
		vc->last = "CONN/A3";
		return 0;
	case RTS_VC_WAIT_C2:
		if (!is_shape(&p, 0, 3, c2))
			return rpe_fail(err, RPE_ERR_PROTO,
					"expected RTS CONN/C2, got flags 0x%x with %u commands",
					(unsigned)p.flags, (unsigned)p.ncmds);
		if (p.cmds[0].value != 1)
			return rpe_fail(err, RPE_ERR_PROTO,
					"RTS CONN/C2 with version %u",
					(unsigned)p.cmds[0].value);
		vc->server_window = p.cmds[1].value;
		vc->connection_timeout = p.cmds[2].value;
		vc->state = RTS_VC_OPEN;
		vc->last = "CONN/C2";
		return 0;
	case RTS_VC_OPEN:
		/* Flow control acks for our IN channel traffic are harmless;
		 * channel recycling is not something a short probe does. */
		if (p.flags & RTS_FLAG_RECYCLE_CHANNEL)
			return rpe_fail(err, RPE_ERR_UNSUPPORTED,
					"server asked to recycle the channel (OUT channel recycling is not supported)");
		vc->last = "RTS";
		return 0;
	}
	return rpe_fail(err, RPE_ERR_STATE, "bad RTS state");
}
