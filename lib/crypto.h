/* The only OpenSSL user.  MD4 and RC4 live in OpenSSL 3's legacy provider,
 * so this module loads "default" and "legacy" into a private OSSL_LIB_CTX
 * and fetches every algorithm from it; the process-wide default context is
 * never touched. */
#ifndef RPE_CRYPTO_H
#define RPE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Idempotent; fails with a message naming the legacy provider if MD4/RC4
 * cannot be had. */
int crypto_init(struct rpe_error *err);
void crypto_cleanup(void);

int crypto_md4(const void *p, size_t n, uint8_t out[16]);
int crypto_md5(const void *p, size_t n, uint8_t out[16]);
/* HMAC-MD5 over the concatenation of up to three parts (NULL/0 to skip). */
int crypto_hmac_md5(const uint8_t *key, size_t klen, const void *p1,
		    size_t n1, const void *p2, size_t n2, const void *p3,
		    size_t n3, uint8_t out[16]);

/* A stateful RC4 keystream: consecutive calls continue the stream. */
struct crypto_rc4;
struct crypto_rc4 *crypto_rc4_new(const uint8_t *key, size_t klen);
int crypto_rc4_update(struct crypto_rc4 *rc4, uint8_t *data, size_t n);
void crypto_rc4_free(struct crypto_rc4 *rc4);

uint32_t crypto_crc32(uint32_t crc, const void *p, size_t n);
int crypto_random(void *out, size_t n, struct rpe_error *err);

void crypto_wipe(void *p, size_t n);
/* Constant-time comparison: 1 if equal. */
int crypto_memeq(const void *a, const void *b, size_t n);

#endif
