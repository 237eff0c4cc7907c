/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: mp_ini_parse on arbitrary bytes.  The first byte picks
 * the section asked for, so both matching and skipping paths are reached.
 * Build (not part of make):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *     tests/fuzz/fuzz_ini.c lib/mp_ini.c lib/buf.c lib/err.c -o fuzz_ini
 *   ./fuzz_ini tests/fuzz/corpus/ini */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mp_ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { "check_rpc_encryption", "s",
						"Section Two", "" };
	struct mp_ini_opts o;
	struct rpe_error err;
	size_t i;

	if (size == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	if (mp_ini_parse((const char *)data + 1, size - 1,
			 sections[data[0] & 3], &o, &err) == 0) {
		/* every produced option is a NUL-terminated option string */
		for (i = 0; i < o.nargs; i++)
			if (o.args[i][0] != '-' || strlen(o.args[i]) > size + 3)
				__builtin_trap();
		if (o.password && strlen(o.password) > size)
			__builtin_trap();
	}
	mp_ini_opts_free(&o);
	return 0;
}
