/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the OUT-channel byte stream as the probe consumes it:
 * PDUs cut out of arbitrary chunks, each handed to the decoder its type
 * selects (bind_ack, bind_nak, response with reassembly and NTLM
 * verification/unsealing, fault). */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dcerpc.h"
#include "ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[16] = { 1, 2,  3,  4,  5,  6,  7,  8,
					 9, 10, 11, 12, 13, 14, 15, 16 };
	struct rpe_error err;
	struct dcerpc_reader r;
	struct dcerpc_conn conn;
	struct dcerpc_pdu pdu;
	struct ntlm_session *s;
	struct secctx sec;
	struct buf stub;
	uint8_t level;
	size_t off = 0;

	if (size < 2 || crypto_init(&err) < 0)
		return 0;
	/* First byte picks the auth level, second the chunk size. */
	level = (uint8_t[]){ 2, 5, 6 }[data[0] % 3];
	size_t chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	s = ntlm_session_new(key, NTLM_CLIENT_FLAGS, 0);
	if (!s)
		abort();
	sec.ops = &ntlm_secctx_ops;
	sec.ctx = s;
	dcerpc_conn_init(&conn, &sec, level, 79231);
	dcerpc_reader_init(&r);
	buf_init(&stub, 0);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		int rc;
		if (dcerpc_reader_feed(&r, data + off, n, &err) < 0)
			break;
		off += n;
		while ((rc = dcerpc_reader_next(&r, &pdu, &err)) == 1) {
			struct dcerpc_bind_ack ack;
			uint32_t status;
			uint16_t reason;
			switch (pdu.ptype) {
			case DCERPC_PTYPE_BIND_ACK:
			case DCERPC_PTYPE_ALTER_CONTEXT_RESP:
				if (dcerpc_decode_bind_ack(&conn, pdu.data,
							   pdu.len, &ack,
							   &err) == 0 &&
				    ack.auth_len && !ack.auth_value)
					abort();
				break;
			case DCERPC_PTYPE_BIND_NAK:
				(void)dcerpc_decode_bind_nak(pdu.data, pdu.len,
							     &reason, &err);
				(void)dcerpc_bind_nak_reason_name(pdu.data,
								  pdu.len);
				break;
			case DCERPC_PTYPE_RESPONSE:
				if (dcerpc_decode_response(&conn, pdu.data,
							   pdu.len, &stub,
							   &err) == 1)
					buf_reset(&stub);
				break;
			case DCERPC_PTYPE_FAULT:
				if (dcerpc_decode_fault(pdu.data, pdu.len,
							&status, &err) == 0)
					(void)dcerpc_fault_name(status);
				break;
			default: break;
			}
		}
		if (rc < 0)
			break;
	}
	buf_free(&stub);
	dcerpc_reader_free(&r);
	dcerpc_conn_free(&conn);
	ntlm_session_free(s);
	return 0;
}
