/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: EcDoConnectEx and EcDoDisconnect response NDR. */
#include <stdlib.h>
#include <string.h>

#include "emsmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emsmdb_connect_resp r;
	struct rpe_error err;
	uint32_t ec;
	char v[32];

	if (emsmdb_parse_connect_ex_response(data, size, &r, &err) == 0) {
		if (r.display_name && strlen(r.display_name) > size)
			abort();
		emsmdb_format_version(r.server_version, v, sizeof(v));
		(void)emsmdb_ec_name(r.result);
		emsmdb_connect_resp_free(&r);
	}
	(void)emsmdb_parse_disconnect_response(data, size, &ec, &err);
	return 0;
}
