/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: RTS PDU parsing and the virtual-connection state
 * machine fed a sequence of PDUs (2-byte length prefix each). */
#include <stdlib.h>

#include "rts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rts_vc vc;
	struct rts_pdu p;
	struct rpe_error err;
	size_t off = 0;

	if (rts_parse(data, size, &p, &err) == 0 && p.ncmds > RTS_MAX_COMMANDS)
		abort();
	rts_vc_init(&vc);
	while (off + 2 <= size) {
		size_t n = (size_t)data[off] | (size_t)data[off + 1] << 8;
		off += 2;
		if (n > size - off)
			n = size - off;
		if (rts_vc_feed(&vc, data + off, n, &err) < 0)
			break;
		off += n;
	}
	return 0;
}
