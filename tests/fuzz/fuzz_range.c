/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: mp_range_parse, mp_range_check, mp_deadline_parse and
 * perfdata formatting on arbitrary text.  Build (not part of make):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *     tests/fuzz/fuzz_range.c lib/mp_range.c lib/mp_output.c lib/buf.c lib/err.c -o fuzz_range
 *   ./fuzz_range tests/fuzz/corpus/range */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mp_output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	struct mp_range r;
	struct mp_deadline d;
	struct rpe_error err;
	struct mp_perf p;
	struct buf b;
	double v;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (mp_range_parse(text, &r, &err) == 0) {
		if (!r.start_inf && !r.end_inf && r.start > r.end)
			__builtin_trap();
		if (!isfinite(r.start) || !isfinite(r.end))
			__builtin_trap();
		(void)mp_range_check(&r, 0);
		(void)mp_range_check(&r, r.start);
		(void)mp_range_check(&r, r.end);
		/* inclusive endpoints: a finite endpoint is inside */
		if (!r.end_inf && mp_range_check(&r, r.end) != r.alert_inside)
			__builtin_trap();
		buf_init(&b, 1024);
		if (mp_perf_init(&p, "x y", r.end, "s", NULL) == 0) {
			p.warn = &r;
			p.crit = &r;
			p.has_min = true;
			p.min = r.start;
			(void)mp_perf_format(&p, &b, NULL);
		}
		buf_free(&b);
	}
	if (mp_parse_number(text, size, &v) == 0) {
		char out[MP_NUMBER_MAX];
		double back;
		size_t n = mp_format_number(v, out, sizeof(out));
		/* formatting always yields something parseable */
		if (mp_parse_number(out, n, &back) != 0)
			__builtin_trap();
	}
	mp_deadline_init(&d);
	if (mp_deadline_parse(text, &d, &err) == 0 &&
	    (!(d.seconds > 0) || d.seconds > MP_TIMEOUT_MAX))
		__builtin_trap();
	buf_init(&b, 4096);
	(void)mp_sanitize_append(&b, text, size);
	if (memchr(b.data ? (const char *)b.data : "", '|', b.len) ||
	    memchr(b.data ? (const char *)b.data : "", '\n', b.len))
		__builtin_trap();
	buf_free(&b);
	return 0;
}
