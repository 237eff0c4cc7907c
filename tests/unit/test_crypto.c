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

/* The rest of the RFC 1320 and RFC 1321 A.5 suites: one block, the
 * padding spilling into a second block (62 bytes), and two blocks (80). */
static void test_md4_md5_suites(void)
{
	static const struct {
		const char *msg, *md4, *md5;
	} v[] = {
		{ "a", "bde52cb31de33e46245e05fbdbd6fb24",
		  "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "a448017aaf21d8525fc10ae87aa6729d",
		  "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "d9130a8164549fe818874806e1c7014b",
		  "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9",
		  "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "043f8582f241db351ce627e153e7f0e4",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "e33b4ddc9c38f2199c3e7b164fcc0536",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	uint8_t h[16];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_INT(crypto_md4(v[i].msg, strlen(v[i].msg), h), 0);
		hex_check(h, v[i].md4, 16);
		CHECK_INT(crypto_md5(v[i].msg, strlen(v[i].msg), h), 0);
		hex_check(h, v[i].md5, 16);
	}
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
	/* RFC 2202 test cases 6 and 7: a key longer than the block is hashed
	 * first; data of more than one block, in three parts. */
	{
		uint8_t big[80];
		static const char d7[] = "Test Using Larger Than Block-Size Key and "
					 "Larger Than One Block-Size Data";

		memset(big, 0xaa, sizeof(big));
		CHECK_INT(crypto_hmac_md5(big, 80, "Test Using Larger Than Block-Size "
					  "Key - Hash Key First", 54, NULL, 0, NULL, 0, h), 0);
		hex_check(h, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd", 16);
		CHECK_INT(crypto_hmac_md5(big, 80, d7, 10, d7 + 10, 50, d7 + 60,
					  strlen(d7) - 60, h), 0);
		hex_check(h, "6f630fad67cda0ee1fb1f562db3aa53e", 16);
	}
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
	hex_check(data, "b2396305f03dc027ccc3524a0a1118a8"
			"6982944f18fc82d589c403a47a0d0919", 32);
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
	T_RUN(test_md4_md5_suites);
	T_RUN(test_hmac_md5);
	T_RUN(test_rc4);
	T_RUN(test_small);
	crypto_cleanup();
	T_DONE();
}
