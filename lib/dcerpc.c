/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DCE/RPC connection-oriented PDUs; see dcerpc.h. */
#include "dcerpc.h"

#include <stdio.h>
#include <string.h>

const struct dcerpc_syntax dcerpc_ndr_syntax = {
	{ 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08,
	  0x00, 0x2b, 0x10, 0x48, 0x60 },
	2,
	0
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dcerpc_uuid_parse(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	int i = 0, hi = -1;

	for (; *s && i < 16; s++) {
		int v;
		if (*s == '-')
			continue;
		if ((v = hexval(*s)) < 0)
			return RPE_ERR_ARG;
		if (hi < 0) {
			hi = v;
		} else {
			b[i++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (i != 16 || *s || hi >= 0)
		return RPE_ERR_ARG;
	/* GUID fields 1-3 are little-endian on the wire. */
	out[0] = b[3];
	out[1] = b[2];
	out[2] = b[1];
	out[3] = b[0];
	out[4] = b[5];
	out[5] = b[4];
	out[6] = b[7];
	out[7] = b[6];
	memcpy(out + 8, b + 8, 8);
	return 0;
}

/* Reader ----------------------------------------------------------------------- */

void dcerpc_reader_init(struct dcerpc_reader *r)
{
	/* A hostile server cannot make us buffer more than a few fragments. */
	buf_init(&r->in, 4 * (DCERPC_MAX_FRAG + 1));
	r->consumed = 0;
}

void dcerpc_reader_free(struct dcerpc_reader *r)
{
	buf_free(&r->in);
	r->consumed = 0;
}

int dcerpc_reader_feed(struct dcerpc_reader *r, const uint8_t *p, size_t n,
		       struct rpe_error *err)
{
	if (r->consumed) {
		TRY(buf_consume(&r->in, r->consumed));
		r->consumed = 0;
	}
	if (buf_put_bytes(&r->in, p, n) < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"more than %zu bytes of incomplete PDUs buffered",
				r->in.max);
	return 0;
}

/* The 16 bytes of the common header; v[] receives rpc_vers,
 * rpc_vers_minor and drep[0] for the caller to judge. */
static int get_header(struct buf_cur *c, struct dcerpc_pdu *out, uint8_t v[3])
{
	TRY(buf_get_u8(c, &v[0]));
	TRY(buf_get_u8(c, &v[1]));
	TRY(buf_get_u8(c, &out->ptype));
	TRY(buf_get_u8(c, &out->pfc_flags));
	TRY(buf_get_u8(c, &v[2]));
	TRY(buf_skip(c, 3));
	TRY(buf_get_u16le(c, &out->frag_length));
	TRY(buf_get_u16le(c, &out->auth_length));
	return buf_get_u32le(c, &out->call_id);
}

int dcerpc_parse_header(const uint8_t *p, size_t len, struct dcerpc_pdu *out,
			struct rpe_error *err)
{
	struct buf_cur c;
	uint8_t v[3];

	buf_cur_init(&c, p, len);
	if (get_header(&c, out, v) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "PDU header truncated");
	if (v[0] != 5 || v[1] != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"not a DCE/RPC v5.0 PDU (version %u.%u)",
				(unsigned)v[0], (unsigned)v[1]);
	/* Only little-endian integers and ASCII characters are spoken here
	 * (drep 0x10); Windows never sends anything else. */
	if ((v[2] & 0xF0) != 0x10)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"big-endian data representation 0x%02x",
				(unsigned)v[2]);
	if (out->frag_length < DCERPC_HEADER_LEN)
		return rpe_fail(err, RPE_ERR_PROTO, "frag_length %u below 16",
				(unsigned)out->frag_length);
	if (out->auth_length &&
	    (size_t)out->auth_length + DCERPC_TRAILER_LEN >
		    (size_t)out->frag_length - DCERPC_HEADER_LEN)
		return rpe_fail(err, RPE_ERR_PROTO,
				"auth_length %u does not fit frag_length %u",
				(unsigned)out->auth_length,
				(unsigned)out->frag_length);
	out->data = p;
	out->len = len;
	return 0;
}

int dcerpc_reader_next(struct dcerpc_reader *r, struct dcerpc_pdu *pdu,
		       struct rpe_error *err)
{
	size_t avail = r->in.len - r->consumed;
	const uint8_t *p;

	if (avail < DCERPC_HEADER_LEN)
		return 0; /* also before the first feed, when in.data is NULL */
	p = r->in.data + r->consumed;
	TRY(dcerpc_parse_header(p, avail, pdu, err));
	if (avail < pdu->frag_length)
		return 0;
	pdu->len = pdu->frag_length;
	r->consumed += pdu->frag_length;
	return 1;
}

/* Connection ------------------------------------------------------------------- */

void dcerpc_conn_init(struct dcerpc_conn *c, struct secctx *sec,
		      uint8_t auth_level, uint32_t auth_context_id)
{
	memset(c, 0, sizeof(*c));
	c->sec = sec;
	c->auth_level = auth_level;
	c->auth_context_id = auth_context_id;
	c->max_xmit_frag = 5840;
	c->max_recv_frag = 5840;
	buf_init(&c->reasm, DCERPC_MAX_STUB);
}

void dcerpc_conn_free(struct dcerpc_conn *c)
{
	buf_free(&c->reasm);
}

int dcerpc_put_header(struct buf *b, uint8_t ptype, uint8_t flags,
		      uint32_t call_id)
{
	static const uint8_t drep[4] = { 0x10, 0, 0, 0 };
	TRY(buf_put_u8(b, 5));
	TRY(buf_put_u8(b, 0));
	TRY(buf_put_u8(b, ptype));
	TRY(buf_put_u8(b, flags));
	TRY(buf_put_bytes(b, drep, 4));
	TRY(buf_put_u16le(b, 0)); /* frag_length, patched */
	TRY(buf_put_u16le(b, 0)); /* auth_length, patched */
	return buf_put_u32le(b, call_id);
}

static int put_trailer(struct buf *b, const struct dcerpc_conn *c, uint8_t pad)
{
	TRY(buf_put_u8(b, c->sec->ops->auth_type));
	TRY(buf_put_u8(b, c->auth_level));
	TRY(buf_put_u8(b, pad));
	TRY(buf_put_u8(b, 0));
	return buf_put_u32le(b, c->auth_context_id);
}

static int patch_lengths(struct buf *b, size_t start, size_t auth_len)
{
	size_t len = b->len - start;
	if (len > DCERPC_MAX_FRAG || auth_len > 0xFFFF)
		return RPE_ERR_TOOBIG;
	TRY(buf_set_u16le_at(b, start + 8, (uint16_t)len));
	return buf_set_u16le_at(b, start + 10, (uint16_t)auth_len);
}

/* Length of the verifier on protected PDUs at the connection's level. */
static size_t sig_len(const struct dcerpc_conn *c)
{
	const struct secctx_ops *o = c->sec->ops;
	return o->sig_size ? o->sig_size(c->sec->ctx, c->auth_level) : o->sig_len;
}

/* Header signing is offered on the bind or alter_context of a package that
 * protects the whole PDU (MS-RPCE 2.2.2.3, 3.3.1.5.2.2). */
static int wants_header_sign(const struct dcerpc_conn *c)
{
	return c->sec && c->sec->ops->header_sign &&
	       c->auth_level >= DCERPC_AUTH_LEVEL_INTEGRITY;
}

/* bind / alter_context body (C706 12.6.4.3): sizes, association group and
 * one presentation context with one transfer syntax (NDR). */
static int put_bind_body(struct buf *out, const struct dcerpc_conn *c,
			 uint16_t ctx_id, const struct dcerpc_syntax *abs)
{
	TRY(buf_put_u16le(out, c->max_xmit_frag));
	TRY(buf_put_u16le(out, c->max_recv_frag));
	TRY(buf_put_u32le(out, c->assoc_group_id));
	TRY(buf_put_u8(out, 1)); /* n_context_elem */
	TRY(buf_put_zeros(out, 3));
	TRY(buf_put_u16le(out, ctx_id));
	TRY(buf_put_u8(out, 1)); /* n_transfer_syn */
	TRY(buf_put_u8(out, 0));
	TRY(buf_put_bytes(out, abs->uuid, 16));
	TRY(buf_put_u16le(out, abs->major));
	TRY(buf_put_u16le(out, abs->minor));
	TRY(buf_put_bytes(out, dcerpc_ndr_syntax.uuid, 16));
	return buf_put_u32le(out, dcerpc_ndr_syntax.major);
}

static int put_bind(struct buf *out, const struct dcerpc_conn *c, int alter,
		    uint32_t call_id, uint16_t ctx_id,
		    const struct dcerpc_syntax *abs, const uint8_t *token,
		    size_t toklen)
{
	size_t start = out->len;

	TRY(dcerpc_put_header(out,
			      alter ? DCERPC_PTYPE_ALTER_CONTEXT :
				      DCERPC_PTYPE_BIND,
			      DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG |
				      (wants_header_sign(c) ?
					       DCERPC_PFC_SUPPORT_HEADER_SIGN :
					       0),
			      call_id));
	TRY(put_bind_body(out, c, ctx_id, abs));
	if (c->sec) {
		TRY(put_trailer(out, c, 0));
		TRY(buf_put_bytes(out, token, toklen));
	}
	return patch_lengths(out, start, c->sec ? toklen : 0);
}

int dcerpc_encode_bind(struct buf *out, struct dcerpc_conn *c, int alter,
		       uint32_t call_id, uint16_t ctx_id,
		       const struct dcerpc_syntax *abs, const uint8_t *token,
		       size_t toklen, struct rpe_error *err)
{
	int rc = put_bind(out, c, alter, call_id, ctx_id, abs, token, toklen);

	if (rc < 0)
		return rpe_fail(err, rc, "cannot encode bind");
	return 0;
}

/* bind_ack up to the first result (C706 12.6.4.4): sizes, association
 * group, secondary address padded to 4 bytes, the result list. */
static int get_bind_ack_body(struct buf_cur *body, struct dcerpc_bind_ack *out,
			     uint8_t *nres)
{
	uint16_t sec_len;

	TRY(buf_get_u16le(body, &out->max_xmit_frag));
	TRY(buf_get_u16le(body, &out->max_recv_frag));
	TRY(buf_get_u32le(body, &out->assoc_group_id));
	TRY(buf_get_u16le(body, &sec_len));
	TRY(buf_skip(body, sec_len));
	/* The secondary address is padded so the result list starts on a
	 * 4-byte boundary of the PDU. */
	TRY(buf_get_align(body, 4));
	TRY(buf_get_u8(body, nres));
	return buf_skip(body, 3);
}

/* The first p_result_t: result, reason, transfer syntax (20 bytes). */
static int get_bind_result(struct buf_cur *body, struct dcerpc_bind_ack *out)
{
	TRY(buf_get_u16le(body, &out->result));
	TRY(buf_get_u16le(body, &out->reason));
	return buf_skip(body, 20);
}

/* sec_trailer and auth value at the end of a PDU (MS-RPCE 2.2.2.11). */
static int get_auth_trailer(const struct buf_cur *pdu, uint16_t auth_len,
			    uint8_t *type, uint8_t *level, const uint8_t **value)
{
	struct buf_cur tr;

	TRY(buf_cur_slice(pdu, pdu->len - auth_len - DCERPC_TRAILER_LEN,
			  DCERPC_TRAILER_LEN + auth_len, &tr));
	TRY(buf_get_u8(&tr, type));
	TRY(buf_get_u8(&tr, level));
	TRY(buf_skip(&tr, 6));
	return buf_get_ref(&tr, auth_len, value);
}

static int bind_ack_auth(const struct dcerpc_conn *c, const struct buf_cur *cur,
			 uint16_t auth_len, struct dcerpc_bind_ack *out,
			 struct rpe_error *err)
{
	uint8_t type;

	if (get_auth_trailer(cur, auth_len, &type, &out->auth_level,
			     &out->auth_value) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"bind_ack auth trailer truncated");
	if (c->sec && type != c->sec->ops->auth_type)
		return rpe_fail(err, RPE_ERR_PROTO,
				"bind_ack auth type %u, expected %u",
				(unsigned)type, (unsigned)c->sec->ops->auth_type);
	out->auth_len = auth_len;
	return 0;
}

int dcerpc_decode_bind_ack(struct dcerpc_conn *c, const uint8_t *pdu, size_t len,
			   struct dcerpc_bind_ack *out, struct rpe_error *err)
{
	struct dcerpc_pdu h;
	struct buf_cur cur, body;
	uint8_t nres;
	size_t body_len;

	memset(out, 0, sizeof(*out));
	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype != DCERPC_PTYPE_BIND_ACK &&
	    h.ptype != DCERPC_PTYPE_ALTER_CONTEXT_RESP)
		return rpe_fail(err, RPE_ERR_PROTO,
				"PDU type %u is not bind_ack", (unsigned)h.ptype);
	if (h.frag_length != len)
		return rpe_fail(err, RPE_ERR_PROTO,
				"bind_ack frag_length %u but %zu bytes",
				(unsigned)h.frag_length, len);
	body_len = len - DCERPC_HEADER_LEN;
	if (h.auth_length)
		body_len -= (size_t)h.auth_length + DCERPC_TRAILER_LEN;
	buf_cur_init(&cur, pdu, len);
	if (buf_cur_slice(&cur, DCERPC_HEADER_LEN, body_len, &body) < 0)
		return rpe_fail(err, RPE_ERR_PROTO, "bind_ack too short");
	if (get_bind_ack_body(&body, out, &nres) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"bind_ack truncated in its fixed part");
	if (nres < 1)
		return rpe_fail(err, RPE_ERR_PROTO, "bind_ack with no result");
	if (get_bind_result(&body, out) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "bind_ack result truncated");
	if (out->max_xmit_frag < 1432 || out->max_recv_frag < 1432)
		return rpe_fail(err, RPE_ERR_PROTO,
				"bind_ack fragment sizes %u/%u below the 1432 minimum",
				(unsigned)out->max_xmit_frag,
				(unsigned)out->max_recv_frag);
	/* The server's max_recv is what we may send; its max_xmit what it will
	 * send us (C706 12.6.3.1). */
	if (out->max_recv_frag < c->max_xmit_frag)
		c->max_xmit_frag = out->max_recv_frag;
	c->assoc_group_id = out->assoc_group_id;
	/* Our Kerberos protection covers header and sec_trailer; a server
	 * that does not echo the flag would check the body alone. */
	if (h.ptype == DCERPC_PTYPE_BIND_ACK && wants_header_sign(c) &&
	    !(h.pfc_flags & DCERPC_PFC_SUPPORT_HEADER_SIGN))
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"server does not support header signing (PFC_SUPPORT_HEADER_SIGN not echoed in the bind_ack)");
	return h.auth_length ? bind_ack_auth(c, &cur, h.auth_length, out, err) :
			       0;
}

/* A PDU of type ptype, for reading its body at fixed offsets. */
static int open_pdu(const uint8_t *pdu, size_t len, uint8_t ptype,
		    const char *name, struct buf_cur *c, struct rpe_error *err)
{
	struct dcerpc_pdu h;

	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype != ptype)
		return rpe_fail(err, RPE_ERR_PROTO, "not a %s", name);
	buf_cur_init(c, pdu, len);
	return 0;
}

int dcerpc_decode_bind_nak(const uint8_t *pdu, size_t len, uint16_t *reason,
			   struct rpe_error *err)
{
	struct buf_cur c;

	TRY(open_pdu(pdu, len, DCERPC_PTYPE_BIND_NAK, "bind_nak", &c, err));
	/* provider_reject_reason follows the common header (C706 12.6.4.5). */
	if (buf_peek_u16le_at(&c, DCERPC_HEADER_LEN, reason) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "bind_nak truncated");
	return 0;
}

const char *dcerpc_bind_nak_reason_name(const uint8_t *pdu, size_t len)
{
	uint16_t r;

	if (dcerpc_decode_bind_nak(pdu, len, &r, NULL) < 0)
		return "malformed bind_nak";
	switch (r) {
	case 0: return "reason not specified";
	case 1: return "temporary congestion";
	case 2: return "local limit exceeded";
	case 4: return "protocol version not supported";
	case 8: return "authentication type not recognized";
	case 9: return "invalid checksum (authentication failed)";
	}
	return "unknown reason";
}

const char *dcerpc_ack_reason_name(uint16_t result, uint16_t reason)
{
	if (result == 0)
		return "acceptance";
	switch (reason) {
	case 1:
		return result == 1 ?
			       "user rejection: abstract syntax not supported" :
			       "provider rejection: abstract syntax not supported (EMSMDB not offered)";
	case 2:
		return "provider rejection: proposed transfer syntaxes not supported";
	case 3: return "provider rejection: local limit exceeded";
	}
	return result == 1 ? "user rejection" : "provider rejection";
}

static int put_auth3(struct buf *out, const struct dcerpc_conn *c,
		     uint32_t call_id, const uint8_t *token, size_t toklen)
{
	size_t start = out->len;

	TRY(dcerpc_put_header(out, DCERPC_PTYPE_AUTH3,
			      DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG,
			      call_id));
	/* 4 bytes of padding precede the trailer (MS-RPCE 2.2.2.10). */
	TRY(buf_put_zeros(out, 4));
	TRY(put_trailer(out, c, 0));
	TRY(buf_put_bytes(out, token, toklen));
	return patch_lengths(out, start, toklen);
}

int dcerpc_encode_auth3(struct buf *out, struct dcerpc_conn *c,
			uint32_t call_id, const uint8_t *token, size_t toklen,
			struct rpe_error *err)
{
	int rc;

	if (!c->sec)
		return rpe_fail(err, RPE_ERR_STATE,
				"auth3 without security context");
	rc = put_auth3(out, c, call_id, token, toklen);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot encode auth3");
	return 0;
}

static int protects(const struct dcerpc_conn *c)
{
	return c->sec && (c->auth_level == DCERPC_AUTH_LEVEL_INTEGRITY ||
			  c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY);
}

/* Pad the fragment's stub, append the sec_trailer and the signature, and
 * sign it (integrity) or seal it (privacy).  frag_length and auth_length
 * are final before the signature is computed: it covers the PDU from the
 * header through the sec_trailer (MS-RPCE 2.2.2.11, MS-NLMP 3.4.3). */
static int protect_fragment(struct buf *out, struct dcerpc_conn *c,
			    size_t start, size_t stub_off, size_t chunk)
{
	size_t siglen = sig_len(c), signed_len;
	size_t pad = (DCERPC_AUTH_PAD_ALIGN - chunk % DCERPC_AUTH_PAD_ALIGN) %
		     DCERPC_AUTH_PAD_ALIGN;
	uint8_t *pdu;

	TRY(buf_put_zeros(out, pad));
	TRY(put_trailer(out, c, (uint8_t)pad));
	TRY(buf_put_space(out, siglen, NULL));
	TRY(patch_lengths(out, start, siglen));
	pdu = out->data + start;
	signed_len = out->len - start - siglen;
	if (c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		return c->sec->ops->seal(c->sec->ctx, pdu, signed_len, stub_off,
					 chunk + pad, pdu + signed_len);
	return c->sec->ops->sign(c->sec->ctx, pdu, signed_len, pdu + signed_len);
}

/* One request fragment (C706 12.6.4.9): alloc_hint is what remains of the
 * stub from this fragment on. */
static int put_request_fragment(struct buf *out, struct dcerpc_conn *c,
				uint8_t flags, uint32_t call_id,
				uint16_t ctx_id, uint16_t opnum,
				const uint8_t *chunk, size_t n, size_t remaining)
{
	size_t start = out->len, stub_off;

	TRY(dcerpc_put_header(out, DCERPC_PTYPE_REQUEST, flags, call_id));
	TRY(buf_put_u32le(out, (uint32_t)remaining));
	TRY(buf_put_u16le(out, ctx_id));
	TRY(buf_put_u16le(out, opnum));
	stub_off = out->len - start;
	TRY(buf_put_bytes(out, chunk, n));
	if (protects(c))
		return protect_fragment(out, c, start, stub_off, n);
	return patch_lengths(out, start, 0);
}

int dcerpc_encode_request(struct buf *out, struct dcerpc_conn *c,
			  uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
			  const uint8_t *stub, size_t len, struct rpe_error *err)
{
	size_t overhead = DCERPC_HEADER_LEN + 8, room, done = 0;

	if (protects(c))
		overhead += DCERPC_TRAILER_LEN + sig_len(c);
	if (c->max_xmit_frag <= overhead + DCERPC_AUTH_PAD_ALIGN)
		return rpe_fail(err, RPE_ERR_STATE, "max_xmit_frag %u too small",
				(unsigned)c->max_xmit_frag);
	room = c->max_xmit_frag - overhead;
	/* Keep every fragment's stub a multiple of the pad alignment so only
	 * the last one needs padding. */
	room -= room % DCERPC_AUTH_PAD_ALIGN;
	do {
		size_t chunk = len - done < room ? len - done : room;
		uint8_t flags = (done == 0 ? DCERPC_PFC_FIRST_FRAG : 0) |
				(done + chunk == len ? DCERPC_PFC_LAST_FRAG : 0);
		int rc = put_request_fragment(out, c, flags, call_id, ctx_id,
					      opnum, stub + done, chunk,
					      len - done);
		if (rc < 0)
			return rpe_fail(err, rc,
					"cannot encode request fragment: %s",
					rpe_code_name(rc));
		done += chunk;
	} while (done < len);
	return 0;
}

/* Where a response fragment's stub lies and which pad it carries. */
struct stub_span {
	size_t off, len;
	uint8_t pad;
};

/* auth_type, auth_level and auth_pad_length of the sec_trailer at off. */
static int peek_trailer(const struct buf_cur *cur, size_t off, uint8_t *type,
			uint8_t *level, uint8_t *pad)
{
	struct buf_cur t;

	TRY(buf_cur_slice(cur, off, 3, &t));
	TRY(buf_get_u8(&t, type));
	TRY(buf_get_u8(&t, level));
	return buf_get_u8(&t, pad);
}

/* The sec_trailer of a signed or sealed response: it must name our auth
 * type and level (MS-RPCE 2.2.2.11), and its pad must fit the stub. */
static int check_response_trailer(const struct dcerpc_conn *c,
				  const struct buf_cur *cur, uint16_t auth_len,
				  struct stub_span *sp, struct rpe_error *err)
{
	size_t siglen = sig_len(c);
	uint8_t type, level;

	if (auth_len != siglen)
		return rpe_fail(err, RPE_ERR_AUTH,
				"response at %s level carries %u bytes of verifier, expected %zu",
				c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY ?
					"privacy" :
					"integrity",
				(unsigned)auth_len, siglen);
	if (sp->len < DCERPC_TRAILER_LEN + siglen)
		return rpe_fail(err, RPE_ERR_PROTO,
				"response too short for its verifier");
	sp->len -= DCERPC_TRAILER_LEN + siglen;
	if (peek_trailer(cur, sp->off + sp->len, &type, &level, &sp->pad) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "response trailer truncated");
	if (type != c->sec->ops->auth_type || level != c->auth_level)
		return rpe_fail(err, RPE_ERR_AUTH,
				"response auth type/level %u/%u, expected %u/%u",
				(unsigned)type, (unsigned)level,
				(unsigned)c->sec->ops->auth_type,
				(unsigned)c->auth_level);
	if (sp->pad > sp->len)
		return rpe_fail(err, RPE_ERR_PROTO,
				"auth_pad_length %u exceeds the %zu-byte stub",
				(unsigned)sp->pad, sp->len);
	return 0;
}

/* Verify (integrity) or unseal (privacy) the fragment in copy and append
 * its plaintext stub. */
static int unprotect_copy(struct dcerpc_conn *c, struct buf *copy,
			  const uint8_t *pdu, size_t len,
			  const struct stub_span *sp)
{
	size_t siglen = sig_len(c);

	TRY(buf_put_bytes(copy, pdu, len));
	if (c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		TRY(c->sec->ops->unseal(c->sec->ctx, copy->data, len - siglen,
					sp->off, sp->len,
					copy->data + len - siglen));
	else
		TRY(c->sec->ops->verify(c->sec->ctx, copy->data, len - siglen,
					copy->data + len - siglen));
	if (buf_put_bytes(&c->reasm, copy->data + sp->off, sp->len - sp->pad) < 0)
		return RPE_ERR_TOOBIG;
	return 0;
}

/* On a copy: unsealing decrypts in place. */
static int unprotect_fragment(struct dcerpc_conn *c, const uint8_t *pdu,
			      size_t len, const struct stub_span *sp)
{
	struct buf copy;
	int rc;

	buf_init(&copy, DCERPC_MAX_FRAG + 1);
	rc = unprotect_copy(c, &copy, pdu, len, sp);
	buf_free(&copy);
	return rc;
}

static int protected_stub(struct dcerpc_conn *c, const uint8_t *pdu, size_t len,
			  uint16_t auth_len, struct stub_span *sp,
			  struct rpe_error *err)
{
	struct buf_cur cur;
	int rc;

	buf_cur_init(&cur, pdu, len);
	TRY(check_response_trailer(c, &cur, auth_len, sp, err));
	rc = unprotect_fragment(c, pdu, len, sp);
	if (rc == RPE_ERR_AUTH)
		return rpe_fail(err, rc,
				"response signature does not verify (tampered, or wrong session keys)");
	if (rc < 0)
		return rpe_fail(err, rc, "response: %s", rpe_code_name(rc));
	return 0;
}

/* Level connect (or no authentication): nothing to verify, but Windows
 * sends an NTLM verifier on connect-level responses too (Exchange, Zeek's
 * dce-rpc/mapi.pcap frame 782: auth_length 16, auth_pad_length 12).
 * Whenever auth_length is not 0 the sec_trailer is aligned by
 * auth_pad_length bytes at the end of the stub, at every level (MS-RPCE
 * 2.2.2.11): those bytes go with the trailer and the verifier. */
static int plain_stub(struct dcerpc_conn *c, const uint8_t *pdu, size_t len,
		      uint16_t auth_len, struct stub_span *sp,
		      struct rpe_error *err)
{
	struct buf_cur cur;
	uint8_t type, level, pad;

	if (auth_len) {
		if (sp->len < (size_t)auth_len + DCERPC_TRAILER_LEN)
			return rpe_fail(err, RPE_ERR_PROTO,
					"response too short for its sec_trailer");
		sp->len -= (size_t)auth_len + DCERPC_TRAILER_LEN;
		buf_cur_init(&cur, pdu, len);
		if (peek_trailer(&cur, sp->off + sp->len, &type, &level, &pad) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"response trailer truncated");
		if (pad > sp->len)
			return rpe_fail(err, RPE_ERR_PROTO,
					"auth_pad_length %u exceeds the %zu-byte stub",
					(unsigned)pad, sp->len);
		sp->len -= pad;
	}
	if (buf_put_bytes(&c->reasm, pdu + sp->off, sp->len) < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"response stub larger than %u bytes",
				(unsigned)DCERPC_MAX_STUB);
	return 0;
}

/* Header checks and reassembly bookkeeping of one response fragment. */
static int start_response(struct dcerpc_conn *c, const struct dcerpc_pdu *h,
			  size_t len, struct rpe_error *err)
{
	if (h->ptype != DCERPC_PTYPE_RESPONSE)
		return rpe_fail(err, RPE_ERR_PROTO,
				"PDU type %u is not a response",
				(unsigned)h->ptype);
	if (h->pfc_flags & DCERPC_PFC_FIRST_FRAG) {
		buf_reset(&c->reasm);
		c->reasm_active = 1;
		c->reasm_call_id = h->call_id;
	} else if (!c->reasm_active || c->reasm_call_id != h->call_id) {
		return rpe_fail(err, RPE_ERR_PROTO,
				"response fragment for call %u without a first fragment",
				(unsigned)h->call_id);
	}
	if (h->frag_length != len || len < DCERPC_HEADER_LEN + 8)
		return rpe_fail(err, RPE_ERR_PROTO,
				"response frag_length %u inconsistent with %zu bytes",
				(unsigned)h->frag_length, len);
	return 0;
}

int dcerpc_decode_response(struct dcerpc_conn *c, const uint8_t *pdu,
			   size_t len, struct buf *stub, struct rpe_error *err)
{
	struct dcerpc_pdu h;
	/* alloc_hint, p_cont_id, cancel_count, reserved precede the stub; the
	 * hint is only a hint, the cap on reasm bounds memory. */
	struct stub_span sp = { DCERPC_HEADER_LEN + 8, 0, 0 };
	int rc;

	TRY(dcerpc_parse_header(pdu, len, &h, err));
	TRY(start_response(c, &h, len, err));
	sp.len = len - sp.off;
	if (protects(c))
		TRY(protected_stub(c, pdu, len, h.auth_length, &sp, err));
	else
		TRY(plain_stub(c, pdu, len, h.auth_length, &sp, err));
	if (!(h.pfc_flags & DCERPC_PFC_LAST_FRAG))
		return 0;
	c->reasm_active = 0;
	rc = buf_put_bytes(stub, c->reasm.data, c->reasm.len);
	buf_reset(&c->reasm);
	if (rc < 0)
		return rpe_fail(err, rc, "response stub too large");
	return 1;
}

int dcerpc_decode_fault(const uint8_t *pdu, size_t len, uint32_t *status,
			struct rpe_error *err)
{
	struct buf_cur c;

	TRY(open_pdu(pdu, len, DCERPC_PTYPE_FAULT, "fault PDU", &c, err));
	/* alloc_hint u32, p_cont_id u16, cancel_count u8, reserved u8, then
	 * the status (C706 12.6.4.7). */
	if (buf_peek_u32le_at(&c, DCERPC_HEADER_LEN + 8, status) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "fault PDU truncated");
	return 0;
}

const char *dcerpc_fault_name(uint32_t status)
{
	static char unknown[16];

	switch (status) {
	case 0x00000005: return "access denied";
	case 0x000006d1: return "rpc_s_unknown_if";
	case 0x000006f7: return "nca_s_fault_ndr (bad stub data)";
	case 0x00000721: return "rpc_s_sec_pkg_error";
	case 0x000006d8: return "rpc_s_invalid_tag";
	case 0x1c010002: return "nca_s_op_rng_error (unknown operation)";
	case 0x1c010003: return "nca_s_unk_if (unknown interface)";
	case 0x1c010006: return "nca_s_wrong_boot_time";
	case 0x1c010009: return "nca_s_you_crashed";
	case 0x1c01000b: return "nca_s_proto_error";
	case 0x1c010013: return "nca_s_out_args_too_big";
	case 0x1c010014: return "nca_s_server_too_busy";
	case 0x1c010017: return "nca_s_unsupported_type";
	case 0x1c000001: return "nca_s_fault_int_div_by_zero";
	case 0x1c000009: return "nca_s_fault_invalid_tag";
	case 0x1c00000c: return "nca_s_fault_context_mismatch";
	case 0x1c00000d: return "nca_s_fault_cancel";
	case 0x1c00000e: return "nca_s_fault_ill_inst";
	case 0x1c000012: return "nca_s_fault_remote_no_memory";
	case 0x1c00001b: return "nca_s_fault_unspec";
	case 0x1c000021: return "nca_s_fault_pipe_closed";
	case 0x1c00001e: return "nca_s_fault_pipe_discipline";
	}
	snprintf(unknown, sizeof(unknown), "0x%08x", (unsigned)status);
	return unknown;
}
