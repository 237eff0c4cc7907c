/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DCE/RPC connection-oriented PDUs; see dcerpc.h. */
#include "dcerpc.h"

#include <stdio.h>
#include <string.h>

const struct dcerpc_syntax dcerpc_ndr_syntax = {
	{ 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08,
	  0x00, 0x2b, 0x10, 0x48, 0x60 },
	2, 0
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
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
	out[0] = b[3]; out[1] = b[2]; out[2] = b[1]; out[3] = b[0];
	out[4] = b[5]; out[5] = b[4];
	out[6] = b[7]; out[7] = b[6];
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

int dcerpc_parse_header(const uint8_t *p, size_t len, struct dcerpc_pdu *out,
			struct rpe_error *err)
{
	struct buf_cur c;
	uint8_t vers, minor, drep0;

	buf_cur_init(&c, p, len);
	if (buf_get_u8(&c, &vers) < 0 || buf_get_u8(&c, &minor) < 0 ||
	    buf_get_u8(&c, &out->ptype) < 0 ||
	    buf_get_u8(&c, &out->pfc_flags) < 0 || buf_get_u8(&c, &drep0) < 0 ||
	    buf_skip(&c, 3) < 0 || buf_get_u16le(&c, &out->frag_length) < 0 ||
	    buf_get_u16le(&c, &out->auth_length) < 0 ||
	    buf_get_u32le(&c, &out->call_id) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "PDU header truncated");
	if (vers != 5 || minor != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"not a DCE/RPC v5.0 PDU (version %u.%u)",
				(unsigned)vers, (unsigned)minor);
	/* Only little-endian integers and ASCII characters are spoken here
	 * (drep 0x10); Windows never sends anything else. */
	if ((drep0 & 0xF0) != 0x10)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"big-endian data representation 0x%02x",
				(unsigned)drep0);
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

static int put_header(struct buf *b, uint8_t ptype, uint8_t flags,
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

static int put_trailer(struct buf *b, const struct dcerpc_conn *c,
		       uint8_t pad)
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

int dcerpc_encode_bind(struct buf *out, struct dcerpc_conn *c, int alter,
		       uint32_t call_id, uint16_t ctx_id,
		       const struct dcerpc_syntax *abs, const uint8_t *token,
		       size_t toklen, struct rpe_error *err)
{
	size_t start = out->len;
	int rc;

	rc = put_header(out, alter ? DCERPC_PTYPE_ALTER_CONTEXT :
				     DCERPC_PTYPE_BIND,
			DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG |
				(wants_header_sign(c) ? DCERPC_PFC_SUPPORT_HEADER_SIGN : 0),
			call_id);
	if (rc == 0) rc = buf_put_u16le(out, c->max_xmit_frag);
	if (rc == 0) rc = buf_put_u16le(out, c->max_recv_frag);
	if (rc == 0) rc = buf_put_u32le(out, c->assoc_group_id);
	/* p_context_list: one context, one transfer syntax (NDR) */
	if (rc == 0) rc = buf_put_u8(out, 1);
	if (rc == 0) rc = buf_put_zeros(out, 3);
	if (rc == 0) rc = buf_put_u16le(out, ctx_id);
	if (rc == 0) rc = buf_put_u8(out, 1);
	if (rc == 0) rc = buf_put_u8(out, 0);
	if (rc == 0) rc = buf_put_bytes(out, abs->uuid, 16);
	if (rc == 0) rc = buf_put_u16le(out, abs->major);
	if (rc == 0) rc = buf_put_u16le(out, abs->minor);
	if (rc == 0) rc = buf_put_bytes(out, dcerpc_ndr_syntax.uuid, 16);
	if (rc == 0) rc = buf_put_u32le(out, dcerpc_ndr_syntax.major);
	if (c->sec && rc == 0) {
		rc = put_trailer(out, c, 0);
		if (rc == 0) rc = buf_put_bytes(out, token, toklen);
	}
	if (rc == 0)
		rc = patch_lengths(out, start, c->sec ? toklen : 0);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot encode bind");
	return 0;
}

int dcerpc_decode_bind_ack(struct dcerpc_conn *c, const uint8_t *pdu,
			   size_t len, struct dcerpc_bind_ack *out,
			   struct rpe_error *err)
{
	struct dcerpc_pdu h;
	struct buf_cur cur, body;
	uint16_t sec_len;
	uint8_t nres;
	size_t body_len;

	memset(out, 0, sizeof(*out));
	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype != DCERPC_PTYPE_BIND_ACK &&
	    h.ptype != DCERPC_PTYPE_ALTER_CONTEXT_RESP)
		return rpe_fail(err, RPE_ERR_PROTO, "PDU type %u is not bind_ack",
				(unsigned)h.ptype);
	if (h.frag_length != len)
		return rpe_fail(err, RPE_ERR_PROTO,
				"bind_ack frag_length %u but %zu bytes",
				(unsigned)h.frag_length, len);
	body_len = len - DCERPC_HEADER_LEN;
	if (h.auth_length)
		body_len -= (size_t)h.auth_length + DCERPC_TRAILER_LEN;
	buf_cur_init(&cur, pdu, len);
	TRY(buf_skip(&cur, DCERPC_HEADER_LEN));
	if (buf_get_sub(&cur, body_len, &body) < 0)
		return rpe_fail(err, RPE_ERR_PROTO, "bind_ack too short");
	if (buf_get_u16le(&body, &out->max_xmit_frag) < 0 ||
	    buf_get_u16le(&body, &out->max_recv_frag) < 0 ||
	    buf_get_u32le(&body, &out->assoc_group_id) < 0 ||
	    buf_get_u16le(&body, &sec_len) < 0 ||
	    buf_skip(&body, sec_len) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"bind_ack truncated in its fixed part");
	/* The secondary address is padded so the result list starts on a
	 * 4-byte boundary of the PDU. */
	if (buf_get_align(&body, 4) < 0 || buf_get_u8(&body, &nres) < 0 ||
	    buf_skip(&body, 3) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "bind_ack result list truncated");
	if (nres < 1)
		return rpe_fail(err, RPE_ERR_PROTO, "bind_ack with no result");
	if (buf_get_u16le(&body, &out->result) < 0 ||
	    buf_get_u16le(&body, &out->reason) < 0 || buf_skip(&body, 20) < 0)
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
	if (h.auth_length) {
		struct buf_cur tr;
		uint8_t type, level;
		TRY(buf_cur_slice(&cur, len - h.auth_length - DCERPC_TRAILER_LEN,
				  DCERPC_TRAILER_LEN + h.auth_length, &tr));
		if (buf_get_u8(&tr, &type) < 0 || buf_get_u8(&tr, &level) < 0 ||
		    buf_skip(&tr, 6) < 0 ||
		    buf_get_ref(&tr, h.auth_length, &out->auth_value) < 0)
			return rpe_fail(err, RPE_ERR_SHORT, "bind_ack auth trailer truncated");
		if (c->sec && type != c->sec->ops->auth_type)
			return rpe_fail(err, RPE_ERR_PROTO,
					"bind_ack auth type %u, expected %u",
					(unsigned)type,
					(unsigned)c->sec->ops->auth_type);
		out->auth_len = h.auth_length;
		out->auth_level = level;
	}
	return 0;
}

int dcerpc_decode_bind_nak(const uint8_t *pdu, size_t len, uint16_t *reason,
			   struct rpe_error *err)
{
	struct dcerpc_pdu h;
	struct buf_cur c;

	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype != DCERPC_PTYPE_BIND_NAK)
		return rpe_fail(err, RPE_ERR_PROTO, "not a bind_nak");
	buf_cur_init(&c, pdu, len);
	if (buf_skip(&c, DCERPC_HEADER_LEN) < 0 || buf_get_u16le(&c, reason) < 0)
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
	case 1: return result == 1 ? "user rejection: abstract syntax not supported" :
				     "provider rejection: abstract syntax not supported (EMSMDB not offered)";
	case 2: return "provider rejection: proposed transfer syntaxes not supported";
	case 3: return "provider rejection: local limit exceeded";
	}
	return result == 1 ? "user rejection" : "provider rejection";
}

int dcerpc_encode_auth3(struct buf *out, struct dcerpc_conn *c,
			uint32_t call_id, const uint8_t *token, size_t toklen,
			struct rpe_error *err)
{
	size_t start = out->len;
	int rc;

	if (!c->sec)
		return rpe_fail(err, RPE_ERR_STATE, "auth3 without security context");
	rc = put_header(out, DCERPC_PTYPE_AUTH3,
			DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG, call_id);
	/* 4 bytes of padding precede the trailer (MS-RPCE 2.2.2.10). */
	if (rc == 0) rc = buf_put_zeros(out, 4);
	if (rc == 0) rc = put_trailer(out, c, 0);
	if (rc == 0) rc = buf_put_bytes(out, token, toklen);
	if (rc == 0) rc = patch_lengths(out, start, toklen);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot encode auth3");
	return 0;
}

static int protects(const struct dcerpc_conn *c)
{
	return c->sec && (c->auth_level == DCERPC_AUTH_LEVEL_INTEGRITY ||
			  c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY);
}

int dcerpc_encode_request(struct buf *out, struct dcerpc_conn *c,
			  uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
			  const uint8_t *stub, size_t len,
			  struct rpe_error *err)
{
	size_t overhead = DCERPC_HEADER_LEN + 8, room, done = 0;
	int prot = protects(c), rc = 0;

	if (prot)
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
		size_t start = out->len, pad = 0, stub_off;
		uint8_t flags = 0;

		if (done == 0)
			flags |= DCERPC_PFC_FIRST_FRAG;
		if (done + chunk == len)
			flags |= DCERPC_PFC_LAST_FRAG;
		rc = put_header(out, DCERPC_PTYPE_REQUEST, flags, call_id);
		if (rc == 0) rc = buf_put_u32le(out, (uint32_t)(len - done));
		if (rc == 0) rc = buf_put_u16le(out, ctx_id);
		if (rc == 0) rc = buf_put_u16le(out, opnum);
		stub_off = out->len - start;
		if (rc == 0) rc = buf_put_bytes(out, stub + done, chunk);
		if (prot && rc == 0) {
			uint8_t *sig;
			size_t siglen = sig_len(c);
			pad = (DCERPC_AUTH_PAD_ALIGN - chunk % DCERPC_AUTH_PAD_ALIGN) %
			      DCERPC_AUTH_PAD_ALIGN;
			rc = buf_put_zeros(out, pad);
			if (rc == 0) rc = put_trailer(out, c, (uint8_t)pad);
			if (rc == 0) rc = buf_put_space(out, siglen, &sig);
			if (rc == 0) rc = patch_lengths(out, start, siglen);
			if (rc == 0) {
				/* frag_length and auth_length are final: the
				 * signature covers header through trailer. */
				uint8_t *pdu = out->data + start;
				size_t signed_len = out->len - start - siglen;
				sig = out->data + out->len - siglen;
				if (c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
					rc = c->sec->ops->seal(c->sec->ctx, pdu,
							       signed_len, stub_off,
							       chunk + pad, sig);
				else
					rc = c->sec->ops->sign(c->sec->ctx, pdu,
							       signed_len, sig);
			}
		} else if (rc == 0) {
			rc = patch_lengths(out, start, 0);
		}
		if (rc < 0)
			return rpe_fail(err, rc, "cannot encode request fragment: %s",
					rpe_code_name(rc));
		done += chunk;
	} while (done < len);
	return 0;
}

int dcerpc_decode_response(struct dcerpc_conn *c, const uint8_t *pdu,
			   size_t len, struct buf *stub, struct rpe_error *err)
{
	struct dcerpc_pdu h;
	struct buf_cur cur;
	struct buf copy;
	size_t stub_len, stub_off = DCERPC_HEADER_LEN + 8;
	uint32_t alloc_hint;
	uint8_t pad = 0;
	int rc = 0;

	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype == DCERPC_PTYPE_RESPONSE) {
		if (h.pfc_flags & DCERPC_PFC_FIRST_FRAG) {
			buf_reset(&c->reasm);
			c->reasm_active = 1;
			c->reasm_call_id = h.call_id;
		} else if (!c->reasm_active || c->reasm_call_id != h.call_id) {
			return rpe_fail(err, RPE_ERR_PROTO,
					"response fragment for call %u without a first fragment",
					(unsigned)h.call_id);
		}
	}
	if (h.ptype != DCERPC_PTYPE_RESPONSE)
		return rpe_fail(err, RPE_ERR_PROTO, "PDU type %u is not a response",
				(unsigned)h.ptype);
	if (h.frag_length != len || len < stub_off)
		return rpe_fail(err, RPE_ERR_PROTO,
				"response frag_length %u inconsistent with %zu bytes",
				(unsigned)h.frag_length, len);
	buf_cur_init(&cur, pdu, len);
	TRY(buf_skip(&cur, DCERPC_HEADER_LEN));
	TRY(buf_get_u32le(&cur, &alloc_hint));
	(void)alloc_hint; /* a hint only; the cap on reasm bounds memory */
	stub_len = len - stub_off;

	if (protects(c)) {
		size_t siglen = sig_len(c);
		uint8_t type, level;
		if (h.auth_length != siglen)
			return rpe_fail(err, RPE_ERR_AUTH,
					"response at %s level carries %u bytes of verifier, expected %zu",
					c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY ?
						"privacy" : "integrity",
					(unsigned)h.auth_length, siglen);
		if (stub_len < DCERPC_TRAILER_LEN + siglen)
			return rpe_fail(err, RPE_ERR_PROTO, "response too short for its verifier");
		stub_len -= DCERPC_TRAILER_LEN + siglen;
		TRY(buf_peek_u8_at(&cur, stub_off + stub_len, &type));
		TRY(buf_peek_u8_at(&cur, stub_off + stub_len + 1, &level));
		TRY(buf_peek_u8_at(&cur, stub_off + stub_len + 2, &pad));
		if (type != c->sec->ops->auth_type || level != c->auth_level)
			return rpe_fail(err, RPE_ERR_AUTH,
					"response auth type/level %u/%u, expected %u/%u",
					(unsigned)type, (unsigned)level,
					(unsigned)c->sec->ops->auth_type,
					(unsigned)c->auth_level);
		if (pad > stub_len)
			return rpe_fail(err, RPE_ERR_PROTO,
					"auth_pad_length %u exceeds the %zu-byte stub",
					(unsigned)pad, stub_len);
		/* Work on a copy: unsealing decrypts in place. */
		buf_init(&copy, DCERPC_MAX_FRAG + 1);
		rc = buf_put_bytes(&copy, pdu, len);
		if (rc == 0) {
			uint8_t *sig = copy.data + len - siglen;
			if (c->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
				rc = c->sec->ops->unseal(c->sec->ctx, copy.data,
							 len - siglen, stub_off,
							 stub_len, sig);
			else
				rc = c->sec->ops->verify(c->sec->ctx, copy.data,
							 len - siglen, sig);
		}
		if (rc == 0 && buf_put_bytes(&c->reasm, copy.data + stub_off,
					     stub_len - pad) < 0)
			rc = RPE_ERR_TOOBIG;
		buf_free(&copy);
		if (rc == RPE_ERR_AUTH)
			return rpe_fail(err, rc,
					"response signature does not verify (tampered, or wrong session keys)");
		if (rc < 0)
			return rpe_fail(err, rc, "response: %s", rpe_code_name(rc));
	} else {
		/* Level connect: no verifier expected; tolerate one. */
		if (h.auth_length && stub_len >= (size_t)h.auth_length + DCERPC_TRAILER_LEN)
			stub_len -= (size_t)h.auth_length + DCERPC_TRAILER_LEN;
		if (buf_put_bytes(&c->reasm, pdu + stub_off, stub_len) < 0)
			return rpe_fail(err, RPE_ERR_TOOBIG,
					"response stub larger than %u bytes",
					(unsigned)DCERPC_MAX_STUB);
	}

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
	struct dcerpc_pdu h;
	struct buf_cur c;

	TRY(dcerpc_parse_header(pdu, len, &h, err));
	if (h.ptype != DCERPC_PTYPE_FAULT)
		return rpe_fail(err, RPE_ERR_PROTO, "not a fault PDU");
	buf_cur_init(&c, pdu, len);
	/* alloc_hint u32, p_cont_id u16, cancel_count u8, reserved u8 */
	if (buf_skip(&c, DCERPC_HEADER_LEN + 8) < 0 ||
	    buf_get_u32le(&c, status) < 0)
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
