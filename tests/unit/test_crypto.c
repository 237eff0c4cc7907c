/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/crypto: the primitives NTLM and RPC over HTTP build on, against the
 * published test vectors (RFC 1320 MD4, RFC 1321 MD5, RFC 2202 HMAC-MD5,
 * RFC 6229 RC4, the CRC-32 check value of "123456789"). */
#include "config.h"

#include "crypto.h"
#include "t.h"

#include <stdint.h>

static void hex_check(const uint8_t *got, const char *want_hex, size_t n)
{
	uint8_t want[64];

	CHECK_INT(t_unhex(want_hex, want, sizeof(want)), n);
	CHECK_MEM(got, want, n);
}

static void test_md4_md5(void)
{
	uint8_t h[16];

	CHECK_INT(crypto_md4("", 0, h), 0); /* RFC 1320 A.5 */
	hex_check(h, "31d6cfe0d16ae931b73c59d7e0c089c0", 16);
	CHECK_INT(crypto_md4("abc", 3, h), 0);
	hex_check(h, "a448017aaf21d8525fc10ae87aa6729d", 16);
	CHECK_INT(crypto_md5("", 0, h), 0); /* RFC 1321 A.5 */
	hex_check(h, "d41d8cd98f00b204e9800998ecf8427e", 16);
	CHECK_INT(crypto_md5("message digest", 14, h), 0);
	hex_check(h, "f96b697d7cb7938d525a2f31aaf161d0", 16);
}

static void test_hmac_md5(void)
{
	uint8_t key[16], h[16];

	/* RFC 2202 test case 2, the data given in two parts. */
	CHECK_INT(crypto_hmac_md5((const uint8_t *)"Jefe", 4, "what do ya want ",
				  16, "for nothing?", 12, NULL, 0, h),
		  0);
	hex_check(h, "750c783e6ab0b503eaa86e310a5db738", 16);
	/* RFC 2202 test case 1 */
	memset(key, 0x0b, sizeof(key));
	CHECK_INT(crypto_hmac_md5(key, 16, "Hi There", 8, NULL, 0, NULL, 0, h),
		  0);
	hex_check(h, "9294727a3638bb1c13f48ef8158bfc9d", 16);
}

static void test_rc4(void)
{
	/* RFC 6229, key 0x0102030405, keystream offset 0 and 16 */
	const uint8_t key[5] = { 1, 2, 3, 4, 5 };
	uint8_t data[32] = { 0 };
	struct crypto_rc4 *rc4 = crypto_rc4_new(key, sizeof(key));

	CHECK(rc4 != NULL);
	if (!rc4)
		return;
	/* In two calls: the state carries over. */
	CHECK_INT(crypto_rc4_update(rc4, data, 10), 0);
	CHECK_INT(crypto_rc4_update(rc4, data + 10, 22), 0);
	hex_check(data,
		  "b2396305f03dc027ccc3524a0a1118a8"
		  "6982944f18fc82d589c403a47a0d0919",
		  32);
	crypto_rc4_free(rc4);
	crypto_rc4_free(NULL);
}

static void test_small(void)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8];
	struct rpe_error err = { 0, "" };

	CHECK_INT(crypto_crc32(0, "123456789", 9), 0xcbf43926u);
	/* CRC-32 continues over parts. */
	CHECK_INT(crypto_crc32(crypto_crc32(0, "1234", 4), "56789", 5),
		  0xcbf43926u);
	memcpy(b, a, sizeof(a));
	CHECK(crypto_memeq(a, b, sizeof(a)));
	b[7] ^= 1;
	CHECK(!crypto_memeq(a, b, sizeof(a)));
	crypto_wipe(b, sizeof(b));
	memset(a, 0, sizeof(a));
	CHECK_MEM(b, a, sizeof(a));
	/* Two draws of 16 random bytes differ (2^-128 to fail by chance). */
	CHECK_INT(crypto_random(a, sizeof(a), &err), 0);
	CHECK_INT(crypto_random(b, sizeof(b), &err), 0);
	CHECK(!crypto_memeq(a, b, sizeof(a)));
	CHECK(crypto_default_has_digest("SHA256"));
}

int main(void)
{
	struct rpe_error err = { 0, "" };

	if (crypto_init(&err) < 0) {
		fprintf(stderr, "crypto_init: %s\n", err.msg);
		return 1;
	}
	T_RUN(test_md4_md5);
	T_RUN(test_hmac_md5);
	T_RUN(test_rc4);
	T_RUN(test_small);
	crypto_cleanup();
	T_DONE();
}
