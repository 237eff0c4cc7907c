/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Minimal unit-test helpers: each test program runs its cases, prints one
 * line per failed check, and exits 0 (all passed) or 1, which automake's
 * test driver turns into PASS/FAIL. */
#ifndef RPE_T_H
#define RPE_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;
static int t_checks;

#define CHECK(cond)                                                            \
	do {                                                                   \
		t_checks++;                                                    \
		if (!(cond)) {                                                 \
			t_failures++;                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long t_g_ = (long long)(got), t_w_ = (long long)(want);   \
		t_checks++;                                                    \
		if (t_g_ != t_w_) {                                            \
			t_failures++;                                          \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n",      \
				__FILE__, __LINE__, #got, t_g_, t_w_);         \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *t_g_ = (got), *t_w_ = (want);                      \
		t_checks++;                                                    \
		if (!t_g_ || strcmp(t_g_, t_w_) != 0) {                        \
			t_failures++;                                          \
			fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n",  \
				__FILE__, __LINE__, #got,                      \
				t_g_ ? t_g_ : "(null)", t_w_);                 \
		}                                                              \
	} while (0)

#define CHECK_MEM(got, want, n)                                                \
	do {                                                                   \
		t_checks++;                                                    \
		if (memcmp((got), (want), (n)) != 0) {                         \
			t_failures++;                                          \
			fprintf(stderr, "%s:%d: %s differs from %s\n",         \
				__FILE__, __LINE__, #got, #want);              \
			t_hexdiff((const unsigned char *)(got),                \
				  (const unsigned char *)(want), (n));         \
		}                                                              \
	} while (0)

static inline void t_hexdiff(const unsigned char *g, const unsigned char *w,
			     size_t n)
{
	size_t i;
	fprintf(stderr, "  got : ");
	for (i = 0; i < n && i < 64; i++)
		fprintf(stderr, "%02x", g[i]);
	fprintf(stderr, "\n  want: ");
	for (i = 0; i < n && i < 64; i++)
		fprintf(stderr, "%02x", w[i]);
	fprintf(stderr, "\n");
}

/* Parse a hex string (whitespace ignored) into out; returns byte count. */
static inline size_t t_unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex; hex++) {
		int v;
		char ch = *hex;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < max)
				out[n] = (unsigned char)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

#define T_RUN(fn)                                                              \
	do {                                                                   \
		int t_before_ = t_failures;                                    \
		fn();                                                          \
		printf("%s %s\n", t_failures == t_before_ ? "ok  " : "FAIL",   \
		       #fn);                                                   \
	} while (0)

#define T_DONE()                                                               \
	do {                                                                   \
		printf("%d checks, %d failed\n", t_checks, t_failures);        \
		return t_failures ? 1 : 0;                                     \
	} while (0)

#endif
