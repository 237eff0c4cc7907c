/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RPC over HTTP v2 virtual connection; see rpch_vc.h. */
#define _POSIX_C_SOURCE 200809L
#include "rpch_vc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"

/* The sans-I/O core ------------------------------------------------------------ */

int rpch_vc_init(struct rpch_vc *vc, const uint8_t *cookies, struct rpe_error *err)
{
	uint8_t *c[4];
	int i;

	memset(vc, 0, sizeof(*vc));
	rts_vc_init(&vc->rts);
	dcerpc_reader_init(&vc->reader);
	c[0] = vc->vc_cookie;
	c[1] = vc->in_cookie;
	c[2] = vc->out_cookie;
	c[3] = vc->assoc_group;
	for (i = 0; i < 4; i++) {
		if (cookies) {
			memcpy(c[i], cookies + 16 * i, 16);
			continue;
		}
		/* Cookies are RTS cookies in GUID form (MS-RPCH 2.2.3.1). */
		TRY(crypto_random(c[i], 16, err));
		rts_cookie_set_uuid4(c[i]);
	}
	return 0;
}

void rpch_vc_free(struct rpch_vc *vc)
{
	dcerpc_reader_free(&vc->reader);
}

int rpch_vc_conn_a1(const struct rpch_vc *vc, struct buf *out,
		    struct rpe_error *err)
{
	return rts_build_conn_a1(out, vc->vc_cookie, vc->out_cookie,
				 RPCH_RECV_WINDOW, err);
}

int rpch_vc_conn_b1(const struct rpch_vc *vc, struct buf *out,
		    struct rpe_error *err)
{
	return rts_build_conn_b1(out, vc->vc_cookie, vc->in_cookie,
				 RPCH_CHANNEL_LIFETIME, RPCH_CLIENT_KEEPALIVE,
				 vc->assoc_group, err);
}

int rpch_vc_is_open(const struct rpch_vc *vc)
{
	return rts_vc_is_open(&vc->rts);
}

int rpch_vc_feed(struct rpch_vc *vc, const uint8_t *d, size_t n,
		 const char *content_type, struct rpe_error *err)
{
	struct rpe_error e = { 0, "" };
	const char *ct = content_type ? content_type : "";

	/* Every PDU starts with RPC version 5 (C706 12.6.3.1): anything else
	 * first is an HTML page or the like from whatever answered. */
	if (vc->out_bytes == 0 && n > 0 && d[0] != 5 &&
	    !strcasecmp(ct, "application/rpc"))
		/* The proxy's own answer type, with bytes that are no PDU. */
		return rpe_fail(err, RPE_ERR_PROTO,
				"RPC_OUT_DATA carried bytes that are not RPC PDUs (first byte 0x%02x where CONN/A3 belongs): a broken RPC proxy or something rewriting its stream",
				d[0]);
	if (vc->out_bytes == 0 && n > 0 && d[0] != 5)
		return rpe_fail(err, RPE_ERR_PROTO,
				"RPC_OUT_DATA answered with %s%s instead of RPC PDUs (a login page or SSL offloading in front of the RPC proxy?)",
				ct[0] ? "Content-Type " : "a non-RPC body", ct);
	vc->out_bytes += n;
	if (dcerpc_reader_feed(&vc->reader, d, n, &e) < 0)
		return rpe_fail(err, e.code, "OUT channel: %s", e.msg);
	return 0;
}

/* MS-RPCH 3.2.2.4.1: only non-RTS PDUs consume the receive window; the
 * client acknowledges once half of it is used. */
static int account(struct rpch_vc *vc, size_t len, struct buf *ack,
		   struct rpe_error *err)
{
	vc->unacked += (uint32_t)len;
	vc->received_total += (uint32_t)len;
	if (vc->unacked < RPCH_RECV_WINDOW / 2)
		return 0;
	TRY(rts_build_flow_control_ack(ack, vc->received_total,
				       RPCH_RECV_WINDOW, vc->out_cookie, err));
	vc->unacked = 0;
	return 0;
}

int rpch_vc_next(struct rpch_vc *vc, struct dcerpc_pdu *pdu, struct buf *ack,
		 struct rpe_error *err)
{
	struct rpe_error e = { 0, "" };
	int rc, was_open;

	rc = dcerpc_reader_next(&vc->reader, pdu, &e);
	if (rc < 0)
		return rpe_fail(err, rc, "OUT channel: %s", e.msg);
	if (rc == 0)
		return RPCH_EV_NONE;
	if (pdu->ptype == DCERPC_PTYPE_RTS) {
		was_open = rts_vc_is_open(&vc->rts);
		if (rts_vc_feed(&vc->rts, pdu->data, pdu->len, &e) < 0)
			return rpe_fail(err, e.code, "RTS: %s", e.msg);
		return !was_open && rts_vc_is_open(&vc->rts) ? RPCH_EV_OPEN :
							       RPCH_EV_RTS;
	}
	if (!rts_vc_is_open(&vc->rts))
		return rpe_fail(err, RPE_ERR_PROTO,
				"PDU type %u before the virtual connection was open",
				(unsigned)pdu->ptype);
	TRY(account(vc, pdu->len, ack, err));
	return RPCH_EV_PDU;
}
