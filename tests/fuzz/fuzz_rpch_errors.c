/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the RPC proxy's reason phrase "RPC Error: <hex>"
 * (MS-RPCH 2.1.2.1.3), the status line it comes in, and the explanation of
 * every status with it.  The
 * input is not NUL-terminated, as a reason phrase cut out of a status line
 * is not. */
#include <stdlib.h>
#include <string.h>

#include "rpch_errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 401, 403, 404, 500, 503, 599 };
	struct rpch_http_error e;
	struct rpe_error err;
	uint32_t code;
	size_t i;

	size_t off, n;

	if (rpch_status_reason((const char *)data, size, &off, &n, &err) == 0 &&
	    (off > size || n > size - off))
		abort();
	if (rpch_parse_rpc_error((const char *)data, size, &code, &err) == 0 &&
	    size == 0)
		abort(); /* an empty phrase has no RPC-Error */
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		rpch_explain_http(statuses[i], (const char *)data, size, &e);
		if (e.has_rpc_error && (e.status != 503 || !e.cause || !e.fix))
			abort();
		if (e.name && strlen(e.name) < 4)
			abort();
	}
	return 0;
}
