/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenSSL 3 behind a small interface; see crypto.h. */
#include "crypto.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/random.h>
#include <sys/types.h>

/* MD4, MD5, HMAC-MD5 and RC4 are built in.  They are what NTLM is made of,
 * not choices of strength, and OpenSSL 3 keeps MD4 and RC4 in its legacy
 * provider: loading it into a private context, and MD5 and the random
 * generator from the default one, cost about 12 M instructions (5 ms) per
 * run, most of an RPC/TCP probe pair's CPU (measured with callgrind; see
 * the README's performance section).  Random bytes come from getrandom(). */

static uint32_t rotl(uint32_t x, unsigned s)
{
	return (x << s) | (x >> (32 - s));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The Merkle-Damgard frame MD4 and MD5 share (RFC 1320/1321 3.1-3.5). */
struct md_ctx {
	uint32_t h[4];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
	void (*block)(uint32_t h[4], const uint8_t p[64]);
};

/* RFC 1320 3.4 */
static void md4_block(uint32_t h[4], const uint8_t p[64])
{
	static const uint8_t k2[16] = { 0, 4, 8, 12, 1, 5, 9, 13,
					2, 6, 10, 14, 3, 7, 11, 15 };
	static const uint8_t k3[16] = { 0, 8, 4, 12, 2, 10, 6, 14,
					1, 9, 5, 13, 3, 11, 7, 15 };
	static const uint8_t s1[4] = { 3, 7, 11, 19 }, s2[4] = { 3, 5, 9, 13 },
			     s3[4] = { 3, 9, 11, 15 };
	uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3], t;
	int i;

	for (i = 0; i < 16; i++)
		x[i] = le32(p + 4 * i);
	for (i = 0; i < 16; i++) {
		t = rotl(a + ((b & c) | (~b & d)) + x[i], s1[i % 4]);
		a = d, d = c, c = b, b = t;
	}
	for (i = 0; i < 16; i++) {
		t = rotl(a + ((b & c) | (b & d) | (c & d)) + x[k2[i]] +
				 0x5a827999u, s2[i % 4]);
		a = d, d = c, c = b, b = t;
	}
	for (i = 0; i < 16; i++) {
		t = rotl(a + (b ^ c ^ d) + x[k3[i]] + 0x6ed9eba1u, s3[i % 4]);
		a = d, d = c, c = b, b = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
}

/* RFC 1321 3.4 */
static void md5_block(uint32_t h[4], const uint8_t p[64])
{
	static const uint32_t k[64] = {
		0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf,
		0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af,
		0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e,
		0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
		0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6,
		0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
		0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
		0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
		0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
		0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97,
		0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d,
		0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
		0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
	};
	static const uint8_t s[4][4] = {
		{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 },
		{ 6, 10, 15, 21 },
	};
	uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3], f, t;
	int i, g;

	for (i = 0; i < 16; i++)
		x[i] = le32(p + 4 * i);
	for (i = 0; i < 64; i++) {
		switch (i / 16) {
		case 0:
			f = (b & c) | (~b & d), g = i;
			break;
		case 1:
			f = (b & d) | (c & ~d), g = (5 * i + 1) % 16;
			break;
		case 2:
			f = b ^ c ^ d, g = (3 * i + 5) % 16;
			break;
		default:
			f = c ^ (b | ~d), g = (7 * i) % 16;
			break;
		}
		t = b + rotl(a + f + k[i] + x[g], s[i / 16][i % 4]);
		a = d, d = c, c = b, b = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
}

static void md_init(struct md_ctx *c,
		    void (*block)(uint32_t h[4], const uint8_t p[64]))
{
	memset(c, 0, sizeof(*c));
	c->h[0] = 0x67452301u, c->h[1] = 0xefcdab89u;
	c->h[2] = 0x98badcfeu, c->h[3] = 0x10325476u;
	c->block = block;
}

static void md_update(struct md_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t k;

	c->len += n;
	while (n > 0) {
		k = 64 - c->n < n ? 64 - c->n : n;
		memcpy(c->buf + c->n, p, k);
		c->n += k, p += k, n -= k;
		if (c->n == 64) {
			c->block(c->h, c->buf);
			c->n = 0;
		}
	}
}

/* Padding: 0x80, zeros to 56 mod 64, the bit length little-endian. */
static void md_final(struct md_ctx *c, uint8_t out[16])
{
	uint64_t bits = c->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (c->n < 56 ? 56 : 120) - c->n;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (8 * i));
	md_update(c, pad, padlen + 8);
	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)(c->h[i / 4] >> (8 * (i % 4)));
	crypto_wipe(c, sizeof(*c));
}

int crypto_md4(const void *p, size_t n, uint8_t out[16])
{
	struct md_ctx c;

	md_init(&c, md4_block);
	md_update(&c, p, n);
	md_final(&c, out);
	return 0;
}

int crypto_md5(const void *p, size_t n, uint8_t out[16])
{
	struct md_ctx c;

	md_init(&c, md5_block);
	md_update(&c, p, n);
	md_final(&c, out);
	return 0;
}

/* RFC 2104 with MD5 (B = 64). */
int crypto_hmac_md5(const uint8_t *key, size_t klen, const void *p1,
		    size_t n1, const void *p2, size_t n2, const void *p3,
		    size_t n3, uint8_t out[16])
{
	uint8_t k[64] = { 0 }, pad[64], inner[16];
	struct md_ctx c;
	int i;

	if (klen > 64)
		crypto_md5(key, klen, k);
	else if (klen)
		memcpy(k, key, klen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	md_init(&c, md5_block);
	md_update(&c, pad, 64);
	md_update(&c, p1, n1);
	md_update(&c, p2, n2);
	md_update(&c, p3, n3);
	md_final(&c, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	md_init(&c, md5_block);
	md_update(&c, pad, 64);
	md_update(&c, inner, 16);
	md_final(&c, out);
	crypto_wipe(k, sizeof(k));
	crypto_wipe(pad, sizeof(pad));
	crypto_wipe(inner, sizeof(inner));
	return 0;
}

struct crypto_rc4 {
	uint8_t s[256];
	uint8_t i, j;
};

struct crypto_rc4 *crypto_rc4_new(const uint8_t *key, size_t klen)
{
	struct crypto_rc4 *r;
	unsigned i;
	uint8_t j = 0, t;

	if (!key || klen == 0 || klen > 256)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	for (i = 0; i < 256; i++)
		r->s[i] = (uint8_t)i;
	for (i = 0; i < 256; i++) {
		j = (uint8_t)(j + r->s[i] + key[i % klen]);
		t = r->s[i], r->s[i] = r->s[j], r->s[j] = t;
	}
	return r;
}

int crypto_rc4_update(struct crypto_rc4 *r, uint8_t *data, size_t n)
{
	size_t k;
	uint8_t t;

	if (!r)
		return RPE_ERR_STATE;
	for (k = 0; k < n; k++) {
		r->i = (uint8_t)(r->i + 1);
		r->j = (uint8_t)(r->j + r->s[r->i]);
		t = r->s[r->i], r->s[r->i] = r->s[r->j], r->s[r->j] = t;
		data[k] ^= r->s[(uint8_t)(r->s[r->i] + r->s[r->j])];
	}
	return 0;
}

void crypto_rc4_free(struct crypto_rc4 *r)
{
	if (!r)
		return;
	crypto_wipe(r, sizeof(*r));
	free(r);
}

/* A known-answer test of the built-in algorithms (RFC 1320 A.5, RFC 1321
 * A.5, RFC 2202 test 2, RFC 6229 key 0102030405 offset 0), once per
 * process: a miscompiled digest would otherwise surface as a refused
 * logon. */
static int self_test(void)
{
	static const uint8_t md4_abc[16] = {
		0xa4, 0x48, 0x01, 0x7a, 0xaf, 0x21, 0xd8, 0x52,
		0x5f, 0xc1, 0x0a, 0xe8, 0x7a, 0xa6, 0x72, 0x9d,
	};
	static const uint8_t md5_abc[16] = {
		0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
		0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72,
	};
	static const uint8_t hmac_jefe[16] = {
		0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03,
		0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38,
	};
	static const uint8_t rc4_key[5] = { 1, 2, 3, 4, 5 };
	static const uint8_t rc4_ks[8] = {
		0xb2, 0x39, 0x63, 0x05, 0xf0, 0x3d, 0xc0, 0x27,
	};
	uint8_t h[16], ks[8] = { 0 };
	struct crypto_rc4 *r;
	int ok;

	crypto_md4("abc", 3, h);
	ok = memcmp(h, md4_abc, 16) == 0;
	crypto_md5("abc", 3, h);
	ok = ok && memcmp(h, md5_abc, 16) == 0;
	crypto_hmac_md5((const uint8_t *)"Jefe", 4, "what do ya want ", 16,
			"for nothing?", 12, NULL, 0, h);
	ok = ok && memcmp(h, hmac_jefe, 16) == 0;
	r = crypto_rc4_new(rc4_key, sizeof(rc4_key));
	ok = ok && r && crypto_rc4_update(r, ks, sizeof(ks)) == 0 &&
	     memcmp(ks, rc4_ks, sizeof(ks)) == 0;
	crypto_rc4_free(r);
	return ok;
}

static int initialised;

int crypto_init(struct rpe_error *err)
{
	if (initialised)
		return 0;
	if (!self_test())
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"built-in MD4/MD5/HMAC-MD5/RC4 failed their "
				"known-answer test (miscompiled?)");
	initialised = 1;
	return 0;
}

void crypto_cleanup(void)
{
	initialised = 0;
}

uint32_t crypto_crc32(uint32_t crc, const void *p, size_t n)
{
	/* Reflected CRC-32 (IEEE 802.3, poly 0xEDB88320), bitwise: it is only
	 * needed for short NTLM messages. */
	const uint8_t *b = p;
	size_t i;
	int k;

	crc = ~crc;
	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

int crypto_random(void *out, size_t n, struct rpe_error *err)
{
	uint8_t *p = out;
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return rpe_fail(err, RPE_ERR_CRYPTO,
					"random generator failed (getrandom: %s)",
					got < 0 ? strerror(errno) : "no bytes");
		p += got, n -= (size_t)got;
	}
	return 0;
}

int crypto_default_has_digest(const char *name)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	int has = md != NULL;

	EVP_MD_free(md);
	ERR_clear_error();
	return has;
}

void crypto_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

int crypto_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

static void openssl_reason(char *out, size_t n)
{
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, out, n);
	else
		snprintf(out, n, "no detail");
	ERR_clear_error();
}

struct crypto_ca_store {
	X509_STORE *store;
};

/* 1 if dir holds certificates under their subject-hash names ("1a2b3c4d.0",
 * what `openssl rehash` and update-ca-certificates write), the layout
 * OpenSSL's directory lookup reads. */
static int dir_is_hashed(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int hashed = 0;
	size_t i;

	if (strchr(dir, ':') || !(d = opendir(dir)))
		return 0;
	while (!hashed && (e = readdir(d))) {
		for (i = 0; i < 8 && isxdigit((unsigned char)e->d_name[i]); i++)
			;
		hashed = i == 8 && e->d_name[8] == '.' &&
			 isdigit((unsigned char)e->d_name[9]);
	}
	closedir(d);
	return hashed;
}

/* The system trust store.  X509_STORE_set_default_paths() parses the whole
 * CA bundle (cert.pem: about 140 certificates on Debian 12, 240 M
 * instructions, ten times the rest of a run) before the first handshake.
 * When the certificate directory is hashed (Debian, Ubuntu, Alpine:
 * update-ca-certificates writes the bundle and the directory from the same
 * list) its lookup alone is used: it reads only the certificates a chain
 * needs, when it needs them.  SSL_CERT_FILE (an explicit bundle) or a
 * directory without hash names (Fedora, RHEL) keep OpenSSL's defaults. */
static int load_system_store(X509_STORE *st)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());

	if (!getenv(X509_get_default_cert_file_env())) {
		if (!dir || !*dir)
			dir = X509_get_default_cert_dir();
		if (dir_is_hashed(dir))
			return X509_STORE_load_path(st, dir);
	}
	return X509_STORE_set_default_paths(st);
}

struct crypto_ca_store *crypto_ca_store_load(const char *ca_file,
					     struct rpe_error *err)
{
	struct crypto_ca_store *s = calloc(1, sizeof(*s));
	char why[200];
	int ok;

	if (!s || !(s->store = X509_STORE_new())) {
		free(s);
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ok = ca_file ? X509_STORE_load_file(s->store, ca_file) :
		       load_system_store(s->store);
	if (!ok) {
		openssl_reason(why, sizeof(why));
		crypto_ca_store_free(s);
		rpe_fail(err, RPE_ERR_ARG, "cannot load CA certificates%s%s: %s",
			 ca_file ? " from " : "", ca_file ? ca_file : "", why);
		return NULL;
	}
	return s;
}

void crypto_ca_store_free(struct crypto_ca_store *s)
{
	if (!s)
		return;
	X509_STORE_free(s->store);
	free(s);
}

int crypto_ca_store_attach(struct crypto_ca_store *s, void *ssl_ctx)
{
	if (!s || !ssl_ctx || !X509_STORE_up_ref(s->store))
		return RPE_ERR_ARG;
	SSL_CTX_set_cert_store(ssl_ctx, s->store);
	return 0;
}
