/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Endpoint mapper ept_map codec; see epm.h.
 *
 * A tower is a u16 floor count followed by floors, each a left-hand side
 * (protocol identifier and data) and a right-hand side (address data), both
 * prefixed by u16 little-endian lengths.  An ncacn_ip_tcp tower has five:
 *
 *   1  0x0d + interface UUID + major version | minor version
 *   2  0x0d + transfer syntax UUID + major   | minor
 *   3  0x0b (ncacn)                          | minor version 0
 *   4  0x07 (TCP)                            | port, big-endian
 *   5  0x09 (IP)                             | IPv4 address
 *
 * NDR (C706 ch. 14) of the call, opnum 3:
 *   in:  [unique] UUID *obj; [unique] twr_t *map_tower;
 *        context handle entry_handle (20 bytes); u32 max_towers
 *   out: entry_handle; u32 num_towers;
 *        [size_is(max_towers), length_is(num_towers)] twr_t *towers[];
 *        u32 status
 * twr_t is a conformant structure { u32 tower_length; byte octets[] }, so
 * its conformance (max count) precedes it. */
#include "epm.h"

#include <stdio.h>
#include <string.h>

const struct dcerpc_syntax epm_interface = {
	/* e1af8308-5d1f-11c9-91a4-08002b14a0fa */
	{ 0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08,
	  0x00, 0x2b, 0x14, 0xa0, 0xfa },
	3,
	0
};

/* Bounds for what we accept from a server. */
#define EPM_MAX_FLOORS 16
#define EPM_MAX_TOWER_LEN 1024
#define EPM_MAX_ANSWER_TOWERS 64

static int put_floor(struct buf *b, const uint8_t *lhs, uint16_t lhs_len,
		     const uint8_t *rhs, uint16_t rhs_len)
{
	TRY(buf_put_u16le(b, lhs_len));
	TRY(buf_put_bytes(b, lhs, lhs_len));
	TRY(buf_put_u16le(b, rhs_len));
	return buf_put_bytes(b, rhs, rhs_len);
}

static int put_uuid_floor(struct buf *b, const struct dcerpc_syntax *s)
{
	uint8_t lhs[19], rhs[2];

	lhs[0] = EPM_PROT_UUID;
	memcpy(lhs + 1, s->uuid, 16);
	buf_store_u16le(lhs + 17, s->major);
	buf_store_u16le(rhs, s->minor);
	return put_floor(b, lhs, sizeof(lhs), rhs, sizeof(rhs));
}

/* A floor whose left-hand side is the protocol identifier alone. */
static int put_proto_floor(struct buf *b, uint8_t prot, const uint8_t *rhs,
			   uint16_t rhs_len)
{
	return put_floor(b, &prot, 1, rhs, rhs_len);
}

static int put_tower(struct buf *out, const struct dcerpc_syntax *iface,
		     uint16_t port, const uint8_t ip[4])
{
	static const uint8_t ncacn_minor[2] = { 0, 0 };
	const uint8_t port_be[2] = { (uint8_t)(port >> 8), (uint8_t)port };

	TRY(buf_put_u16le(out, 5));
	TRY(put_uuid_floor(out, iface));
	TRY(put_uuid_floor(out, &dcerpc_ndr_syntax));
	TRY(put_proto_floor(out, EPM_PROT_NCACN, ncacn_minor, 2));
	TRY(put_proto_floor(out, EPM_PROT_TCP, port_be, 2));
	return put_proto_floor(out, EPM_PROT_IP, ip, 4);
}

int epm_encode_tower(struct buf *out, const struct dcerpc_syntax *iface,
		     uint16_t port, const uint8_t ip[4], struct rpe_error *err)
{
	if (!iface || !ip)
		return rpe_fail(err, RPE_ERR_ARG,
				"tower: no interface or address");
	if (put_tower(out, iface, port, ip) < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"tower does not fit its buffer");
	return 0;
}

/* Floors 1 and 2: 0x0d + UUID + major version | minor version. */
static int parse_uuid_floor(struct buf_cur *lhs, struct buf_cur *rhs,
			    struct dcerpc_syntax *s)
{
	uint8_t id;

	TRY(buf_get_u8(lhs, &id));
	if (id != EPM_PROT_UUID || buf_cur_remaining(lhs) != 18 ||
	    buf_cur_remaining(rhs) != 2)
		return RPE_ERR_PROTO;
	TRY(buf_get_bytes(lhs, s->uuid, 16));
	TRY(buf_get_u16le(lhs, &s->major));
	return buf_get_u16le(rhs, &s->minor);
}

/* One floor's two sides, each a u16 length and its bytes. */
static int get_floor(struct buf_cur *c, struct buf_cur *lhs, struct buf_cur *rhs)
{
	uint16_t len;

	TRY(buf_get_u16le(c, &len));
	TRY(buf_get_sub(c, len, lhs));
	TRY(buf_get_u16le(c, &len));
	return buf_get_sub(c, len, rhs);
}

/* Floors 4 and on: the first TCP and IP floors are kept, others skipped. */
static int parse_addr_floor(uint8_t id, struct buf_cur *rhs,
			    struct epm_tower *out, struct rpe_error *err)
{
	size_t rlen = buf_cur_remaining(rhs);

	if (id == EPM_PROT_TCP && !out->has_tcp) {
		if (rlen != 2 || buf_get_u16be(rhs, &out->tcp_port) < 0)
			return rpe_fail(err, RPE_ERR_PROTO,
					"tower: TCP floor of %zu bytes", rlen);
		out->has_tcp = 1;
	} else if (id == EPM_PROT_IP && !out->has_ip) {
		if (rlen != 4 || buf_get_bytes(rhs, out->ip, 4) < 0)
			return rpe_fail(err, RPE_ERR_PROTO,
					"tower: IP floor of %zu bytes", rlen);
		out->has_ip = 1;
	}
	return 0;
}

int epm_parse_tower(const uint8_t *p, size_t len, struct epm_tower *out,
		    struct rpe_error *err)
{
	struct buf_cur c;
	uint16_t nfloors, i;

	memset(out, 0, sizeof(*out));
	buf_cur_init(&c, p, len);
	if (buf_get_u16le(&c, &nfloors) < 0)
		return rpe_fail(err, RPE_ERR_SHORT, "tower: no floor count");
	if (nfloors < 3 || nfloors > EPM_MAX_FLOORS)
		return rpe_fail(err, RPE_ERR_PROTO, "tower: %u floors",
				(unsigned)nfloors);
	for (i = 0; i < nfloors; i++) {
		struct buf_cur lhs, rhs;
		uint8_t id;

		if (get_floor(&c, &lhs, &rhs) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"tower: floor %u runs past the tower",
					(unsigned)i + 1);
		if (i < 2) {
			if (parse_uuid_floor(&lhs, &rhs,
					     i == 0 ? &out->iface :
						      &out->transfer) < 0)
				return rpe_fail(err, RPE_ERR_PROTO,
						"tower: floor %u is not a UUID floor",
						(unsigned)i + 1);
		} else if (buf_get_u8(&lhs, &id) < 0) {
			return rpe_fail(err, RPE_ERR_PROTO,
					"tower: floor %u has no protocol id",
					(unsigned)i + 1);
		} else if (i == 2) {
			out->rpc_protocol = id;
		} else {
			TRY(parse_addr_floor(id, &rhs, out, err));
		}
	}
	return 0;
}

/* ept_map's [in] parameters around the tower octets. */
static int put_map_request(struct buf *stub, const struct buf *tower,
			   uint32_t max_towers)
{
	TRY(buf_put_u32le(stub, 0));                    /* obj: NULL */
	TRY(buf_put_u32le(stub, 0x00000001));           /* map_tower referent */
	TRY(buf_put_u32le(stub, (uint32_t)tower->len)); /* conformance */
	TRY(buf_put_u32le(stub, (uint32_t)tower->len)); /* tower_length */
	TRY(buf_put_bytes(stub, tower->data, tower->len));
	TRY(buf_put_align(stub, 4));
	TRY(buf_put_zeros(stub, 20)); /* entry_handle */
	return buf_put_u32le(stub, max_towers);
}

static int map_request(struct buf *stub, struct buf *tower,
		       const struct dcerpc_syntax *iface, uint32_t max_towers,
		       struct rpe_error *err)
{
	static const uint8_t any_ip[4] = { 0, 0, 0, 0 };

	TRY(epm_encode_tower(tower, iface, 0, any_ip, err));
	if (put_map_request(stub, tower, max_towers) < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG, "ept_map request too large");
	return 0;
}

int epm_encode_map_request(struct buf *stub, const struct dcerpc_syntax *iface,
			   uint32_t max_towers, struct rpe_error *err)
{
	struct buf tower;
	int rc;

	buf_init(&tower, EPM_MAX_TOWER_LEN);
	rc = map_request(stub, &tower, iface, max_towers, err);
	buf_free(&tower);
	return rc;
}

static int same_syntax(const struct dcerpc_syntax *a,
		       const struct dcerpc_syntax *b)
{
	return !memcmp(a->uuid, b->uuid, 16) && a->major == b->major &&
	       a->minor == b->minor;
}

/* entry_handle, num_towers, then the towers array's max_count, offset and
 * actual_count. */
static int get_map_head(struct buf_cur *c, struct epm_map_result *out,
			uint32_t n[3])
{
	TRY(buf_skip(c, 20));
	TRY(buf_get_u32le(c, &out->num_towers));
	TRY(buf_get_u32le(c, &n[0]));
	TRY(buf_get_u32le(c, &n[1]));
	return buf_get_u32le(c, &n[2]);
}

/* A twr_t referent: conformance, tower_length, the octets. */
static int get_tower_octets(struct buf_cur *c, uint32_t *conf, uint32_t *tlen)
{
	TRY(buf_get_align(c, 4));
	TRY(buf_get_u32le(c, conf));
	return buf_get_u32le(c, tlen);
}

/* The status after the towers, the last field of the stub. */
static int get_status(struct buf_cur *c, uint32_t *status)
{
	TRY(buf_get_align(c, 4));
	return buf_get_u32le(c, status);
}

/* Tower i of the answer; the first that carries iface over ncacn_ip_tcp
 * with a port is the result. */
static int take_tower(struct buf_cur *c, uint32_t i,
		      const struct dcerpc_syntax *iface,
		      struct epm_map_result *out, struct rpe_error *err)
{
	uint32_t conf, tlen;
	const uint8_t *octets;
	struct epm_tower t;

	if (get_tower_octets(c, &conf, &tlen) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"ept_map response: tower %u cut short",
				(unsigned)i + 1);
	if (tlen != conf || tlen > EPM_MAX_TOWER_LEN)
		return rpe_fail(err, RPE_ERR_PROTO,
				"ept_map response: tower %u length %u (max count %u)",
				(unsigned)i + 1, (unsigned)tlen, (unsigned)conf);
	if (buf_get_ref(c, tlen, &octets) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"ept_map response: tower %u runs past the stub",
				(unsigned)i + 1);
	TRY(epm_parse_tower(octets, tlen, &t, err));
	if (!out->found && same_syntax(&t.iface, iface) &&
	    t.rpc_protocol == EPM_PROT_NCACN && t.has_tcp && t.tcp_port != 0) {
		out->found = 1;
		out->port = t.tcp_port;
		memcpy(out->ip, t.ip, 4);
	}
	return 0;
}

int epm_decode_map_response(const uint8_t *stub, size_t len,
			    const struct dcerpc_syntax *iface,
			    struct epm_map_result *out, struct rpe_error *err)
{
	struct buf_cur c;
	uint32_t n[3], i, ref, nonnull = 0;

	memset(out, 0, sizeof(*out));
	buf_cur_init(&c, stub, len);
	if (get_map_head(&c, out, n) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"ept_map response: %zu bytes are too short", len);
	if (n[1] != 0 || n[2] > n[0] || n[2] != out->num_towers ||
	    n[2] > EPM_MAX_ANSWER_TOWERS)
		return rpe_fail(err, RPE_ERR_PROTO,
				"ept_map response: inconsistent tower array (num %u, max %u, offset %u, actual %u)",
				(unsigned)out->num_towers, (unsigned)n[0],
				(unsigned)n[1], (unsigned)n[2]);
	for (i = 0; i < n[2]; i++) {
		if (buf_get_u32le(&c, &ref) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"ept_map response: tower pointers cut short");
		nonnull += ref != 0;
	}
	for (i = 0; i < nonnull; i++)
		TRY(take_tower(&c, i, iface, out, err));
	if (get_status(&c, &out->status) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"ept_map response: no status");
	if (buf_cur_remaining(&c) != 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"ept_map response: %zu bytes after the status",
				buf_cur_remaining(&c));
	if (out->status != 0)
		out->found = 0;
	return 0;
}

const char *epm_status_name(uint32_t status)
{
	static char other[24];

	switch (status) {
	case 0: return "rpc_s_ok";
	case EPM_S_NOT_REGISTERED: return "EPT_S_NOT_REGISTERED";
	case 0x16c9a0d8u: return "EPT_S_CANT_PERFORM_OP";
	case 0x16c9a0d2u: return "EPT_S_INVALID_ENTRY";
	case 0x00000005u: return "ERROR_ACCESS_DENIED";
	case 0x000006d9u: return "EPT_S_NOT_REGISTERED (Win32)";
	default:
		snprintf(other, sizeof(other), "0x%08x", (unsigned)status);
		return other;
	}
}
