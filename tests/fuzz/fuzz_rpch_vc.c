/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the RPC over HTTP virtual connection's core fed an OUT
 * channel body in chunks (2-byte length prefix each): RTS handshake,
 * PDUs before the connection is open, flow-control accounting. */
#include <stdlib.h>

#include "rpch_vc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cookies[64] = { 1, 2, 3, 4 };
	struct rpe_error err;
	struct rpch_vc vc;
	struct dcerpc_pdu pdu;
	struct buf ack;
	size_t off = 0;
	int ev = 0;

	if (rpch_vc_init(&vc, cookies, &err) < 0)
		abort();
	buf_init(&ack, 0);
	while (off + 2 <= size && ev >= 0) {
		size_t n = (size_t)data[off] | (size_t)data[off + 1] << 8;
		off += 2;
		if (n > size - off)
			n = size - off;
		if (rpch_vc_feed(&vc, data + off, n, "text/html", &err) < 0)
			break;
		off += n;
		while ((ev = rpch_vc_next(&vc, &pdu, &ack, &err)) > 0) {
			if (ev == RPCH_EV_PDU && pdu.len > size)
				abort();
			buf_reset(&ack);
		}
	}
	buf_free(&ack);
	rpch_vc_free(&vc);
	return 0;
}
