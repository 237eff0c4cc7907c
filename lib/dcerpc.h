/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DCE/RPC connection-oriented PDUs (C706 ch. 12, MS-RPCE 2.2.2) with NTLM
 * auth trailers, request fragmentation and response reassembly.  Sans-I/O:
 * encoders append to a struct buf, decoders read through buf_cur. */
#ifndef RPE_DCERPC_H
#define RPE_DCERPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "secctx.h"

enum dcerpc_ptype {
	DCERPC_PTYPE_REQUEST = 0,
	DCERPC_PTYPE_RESPONSE = 2,
	DCERPC_PTYPE_FAULT = 3,
	DCERPC_PTYPE_BIND = 11,
	DCERPC_PTYPE_BIND_ACK = 12,
	DCERPC_PTYPE_BIND_NAK = 13,
	DCERPC_PTYPE_ALTER_CONTEXT = 14,
	DCERPC_PTYPE_ALTER_CONTEXT_RESP = 15,
	DCERPC_PTYPE_AUTH3 = 16,
	DCERPC_PTYPE_RTS = 20,
};

#define DCERPC_PFC_FIRST_FRAG 0x01
#define DCERPC_PFC_LAST_FRAG 0x02
#define DCERPC_PFC_SUPPORT_HEADER_SIGN 0x04
#define DCERPC_PFC_DID_NOT_EXECUTE 0x20
#define DCERPC_PFC_OBJECT_UUID 0x80

#define DCERPC_HEADER_LEN 16
#define DCERPC_TRAILER_LEN 8
/* Upper bound for one fragment we accept (frag_length is a u16). */
#define DCERPC_MAX_FRAG 65535
/* Upper bound for a reassembled response stub. */
#define DCERPC_MAX_STUB (4u * 1024u * 1024u)
/* Stubs are padded to this before the sec_trailer (as Windows and Samba
 * do for NTLM integrity and privacy). */
#define DCERPC_AUTH_PAD_ALIGN 16

enum dcerpc_auth_level {
	DCERPC_AUTH_LEVEL_NONE = 1,
	DCERPC_AUTH_LEVEL_CONNECT = 2,
	DCERPC_AUTH_LEVEL_CALL = 3,
	DCERPC_AUTH_LEVEL_PKT = 4,
	DCERPC_AUTH_LEVEL_INTEGRITY = 5,
	DCERPC_AUTH_LEVEL_PRIVACY = 6,
};

struct dcerpc_syntax {
	uint8_t uuid[16]; /* in wire (little-endian GUID) order */
	uint16_t major;
	uint16_t minor;
};

/* NDR transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0 */
extern const struct dcerpc_syntax dcerpc_ndr_syntax;

/* Parse a GUID string into wire order. */
int dcerpc_uuid_parse(const char *s, uint8_t out[16]);

/* One PDU cut out of a byte stream; data points into the reader. */
struct dcerpc_pdu {
	uint8_t ptype;
	uint8_t pfc_flags;
	uint16_t frag_length;
	uint16_t auth_length;
	uint32_t call_id;
	const uint8_t *data; /* the whole PDU, header included */
	size_t len;
};

/* Stream reader: feed arbitrary chunks, take out whole PDUs. */
struct dcerpc_reader {
	struct buf in;
	size_t consumed; /* bytes of `in` already handed out */
};

void dcerpc_reader_init(struct dcerpc_reader *r);
void dcerpc_reader_free(struct dcerpc_reader *r);
int dcerpc_reader_feed(struct dcerpc_reader *r, const uint8_t *p, size_t n,
		       struct rpe_error *err);
/* 1: *pdu is valid until the next feed/next call; 0: need more bytes;
 * < 0: the stream is corrupt (bad version, frag_length < 16 ...). */
int dcerpc_reader_next(struct dcerpc_reader *r, struct dcerpc_pdu *pdu,
		       struct rpe_error *err);

/* The common header (C706 12.6.1), the one parser of it
 * for every PDU type, RTS included: version 5.0, little-endian data
 * representation, frag_length >= 16, auth_length within it. */
int dcerpc_parse_header(const uint8_t *p, size_t len, struct dcerpc_pdu *out,
			struct rpe_error *err);

/* Append a common header with drep 0x10 (little-endian, ASCII) and
 * frag_length/auth_length 0, to be patched once the PDU is complete. */
int dcerpc_put_header(struct buf *b, uint8_t ptype, uint8_t pfc_flags,
		      uint32_t call_id);

/* Connection state: negotiated sizes, auth level and context, reassembly. */
struct dcerpc_conn {
	struct secctx *sec; /* NULL: no authentication */
	uint8_t auth_level;
	uint32_t auth_context_id;
	uint16_t max_xmit_frag;
	uint16_t max_recv_frag;
	uint32_t assoc_group_id;
	struct buf reasm; /* response stub being reassembled */
	uint32_t reasm_call_id;
	int reasm_active;
};

void dcerpc_conn_init(struct dcerpc_conn *c, struct secctx *sec,
		      uint8_t auth_level, uint32_t auth_context_id);
void dcerpc_conn_free(struct dcerpc_conn *c);

/* bind (or alter_context when alter is set) with one presentation context
 * and, when c->sec is set, an auth trailer carrying `token`. */
int dcerpc_encode_bind(struct buf *out, struct dcerpc_conn *c, int alter,
		       uint32_t call_id, uint16_t ctx_id,
		       const struct dcerpc_syntax *abstract, const uint8_t *token,
		       size_t toklen, struct rpe_error *err);

struct dcerpc_bind_ack {
	uint16_t max_xmit_frag;
	uint16_t max_recv_frag;
	uint32_t assoc_group_id;
	uint16_t result; /* of the first context: 0 accepted */
	uint16_t reason;
	const uint8_t *auth_value; /* points into the PDU */
	size_t auth_len;
	uint8_t auth_level;
};

/* Decode bind_ack / alter_context_resp; updates c's fragment sizes. */
int dcerpc_decode_bind_ack(struct dcerpc_conn *c, const uint8_t *pdu, size_t len,
			   struct dcerpc_bind_ack *out, struct rpe_error *err);
/* bind_nak: the reject reason (C706 12.6.4.5). */
int dcerpc_decode_bind_nak(const uint8_t *pdu, size_t len, uint16_t *reason,
			   struct rpe_error *err);
const char *dcerpc_bind_nak_reason_name(const uint8_t *pdu, size_t len);
const char *dcerpc_ack_reason_name(uint16_t result, uint16_t reason);

int dcerpc_encode_auth3(struct buf *out, struct dcerpc_conn *c,
			uint32_t call_id, const uint8_t *token, size_t toklen,
			struct rpe_error *err);

/* Append one request (as many fragments as max_xmit_frag needs), signed
 * at integrity, sealed at privacy, bare at connect. */
int dcerpc_encode_request(struct buf *out, struct dcerpc_conn *c,
			  uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
			  const uint8_t *stub, size_t len, struct rpe_error *err);

/* Verify/unseal one response fragment and append its stub to `stub`.
 * Returns 1 when the last fragment arrived, 0 when more are expected. */
int dcerpc_decode_response(struct dcerpc_conn *c, const uint8_t *pdu,
			   size_t len, struct buf *stub, struct rpe_error *err);

int dcerpc_decode_fault(const uint8_t *pdu, size_t len, uint32_t *status,
			struct rpe_error *err);
/* "nca_s_op_rng_error" ...; unknown codes give "0x%08x"-style text in a
 * static buffer (not thread-safe, used for messages only). */
const char *dcerpc_fault_name(uint32_t status);

#endif
