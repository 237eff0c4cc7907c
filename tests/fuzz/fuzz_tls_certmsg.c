/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the server's TLS Certificate handshake message as the
 * message callback of lib/tlsinfo hands it over (lib/cbt: the end-entity
 * certificate as sent, for the channel binding).  The first input byte
 * says the layout (bit 0: TLS 1.3, RFC 8446 §4.4.2; else TLS 1.2, RFC 5246
 * §7.4.2), the rest is the whole message.  A leaf found must lie inside the
 * message, and its RFC 5929 hash is taken from those bytes (OpenSSL parses
 * them for the signature's hash: 16 to 64 bytes, SHA-224 gives 28); the
 * run's record keeps it, and the same message kept again must give the
 * same answer.  Seeds: messages captured on loopback from OpenSSL's
 * s_server and gnutls-serv, and one with an ecdsa-with-SHA224 signature
 * algorithm the fuzzer made.  Build: tests/fuzz/run.sh 20 fuzz_tls_certmsg */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *der = NULL;
	struct cbt_sent *s;
	uint8_t *msg;
	uint8_t h[CBT_HASH_MAX];
	size_t len = 0, n, hlen = 0;
	int tls13, rc, again;

	if (size < 1)
		return 0;
	tls13 = data[0] & 1;
	n = size - 1;
	/* A copy of exactly the message: reads past it are caught. */
	msg = malloc(n ? n : 1);
	if (!msg)
		abort();
	memcpy(msg, data + 1, n);
	rc = cbt_certmsg_leaf(msg, n, tls13, &der, &len, NULL);
	if (rc == 0 && (len == 0 || der < msg || der + len > msg + n))
		__builtin_trap();
	if (rc != 0 && rc != RPE_ERR_PROTO)
		__builtin_trap();
	if (rc == 0 && cbt_cert_hash(der, len, h, &hlen, NULL, NULL) == 0 &&
	    (hlen < 16 || hlen > CBT_HASH_MAX))
		__builtin_trap();
	s = cbt_sent_new();
	if (!s)
		abort();
	rc = cbt_sent_add(s, msg, msg, n, tls13, NULL);
	again = cbt_sent_add(s, msg, msg, n, tls13, NULL);
	if (rc != again)
		__builtin_trap();
	cbt_sent_free(s);
	free(msg);
	return 0;
}
