/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: cert_info_from_der, the summary of the certificate a
 * server presents (subject, issuer, subjectAltNames, validity), and the
 * expiry verdict on it.  OpenSSL parses the DER; this checks what
 * certinfo.c reads out of the result.  Build: tests/fuzz/run.sh 20
 * fuzz_certinfo */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "certinfo.h"

static void terminated(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_info ci;
	struct cert_expiry e = { 1, 30, 7 };
	char msg[160];
	int st;

	if (cert_info_from_der(data, size, &ci, NULL) != 0)
		return 0;
	terminated(ci.subject, sizeof(ci.subject));
	terminated(ci.issuer, sizeof(ci.issuer));
	terminated(ci.sans, sizeof(ci.sans));
	terminated(ci.not_before, sizeof(ci.not_before));
	terminated(ci.not_after, sizeof(ci.not_after));
	st = cert_expiry_state(&e, &ci, 1767225600, msg, sizeof(msg));
	if (st < 0 || st > 2)
		__builtin_trap();
	(void)cert_days_left(&ci, 1767225600);
	return 0;
}
