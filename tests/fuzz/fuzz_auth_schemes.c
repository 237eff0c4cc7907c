/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: http_auth_schemes_add, the WWW-Authenticate field
 * values of an RPC proxy's 401 answers (RFC 7235 section 4.1), into lists
 * of several sizes.  Build: tests/fuzz/run.sh 20 fuzz_auth_schemes */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tlsinfo.h"

static void one(const uint8_t *data, size_t size, size_t cap)
{
	char list[96];
	int rc;

	memset(list, 'x', sizeof(list));
	list[0] = '\0';
	rc = http_auth_schemes_add(list, cap, data, size);
	/* Always a string inside its capacity; a second pass adds nothing. */
	if (!memchr(list, '\0', cap))
		__builtin_trap();
	if (rc >= 0 && http_auth_schemes_add(list, cap, data, size) > 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 96);
	one(data, size, 12);
	one(data, size, 1);
	return 0;
}
