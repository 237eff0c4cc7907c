/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: endpoint mapper ept_map responses and protocol towers. */
#include <stdlib.h>
#include <string.h>

#include "emsmdb.h"
#include "epm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct epm_map_result r;
	struct epm_tower t;
	struct rpe_error err;

	if (epm_decode_map_response(data, size, &emsmdb_interface, &r, &err) ==
	    0) {
		if (r.found && (r.port == 0 || r.status != 0))
			abort();
		(void)epm_status_name(r.status);
	}
	(void)epm_parse_tower(data, size, &t, &err);
	return 0;
}
