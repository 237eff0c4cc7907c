/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The OpenSSL user for hashes and ciphers (lib/cbt reads certificates for
 * channel bindings).  MD4 and RC4 live in OpenSSL 3's legacy provider,
 * so this module loads it and the default provider into a private
 * OSSL_LIB_CTX and fetches MD4, RC4, MD5 and HMAC from there; random bytes
 * come from the kernel (getrandom(2)).  The process-wide default context is
 * never changed: it never offers the legacy algorithms. */
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
int crypto_hmac_md5(const uint8_t *key, size_t klen, const void *p1, size_t n1,
		    const void *p2, size_t n2, const void *p3, size_t n3,
		    uint8_t out[16]);

/* A stateful RC4 keystream: consecutive calls continue the stream. */
struct crypto_rc4;
struct crypto_rc4 *crypto_rc4_new(const uint8_t *key, size_t klen);
int crypto_rc4_update(struct crypto_rc4 *rc4, uint8_t *data, size_t n);
void crypto_rc4_free(struct crypto_rc4 *rc4);

uint32_t crypto_crc32(uint32_t crc, const void *p, size_t n);
/* n random bytes from the kernel's generator; needs no crypto_init(). */
int crypto_random(void *out, size_t n, struct rpe_error *err);

/* A certificate store loaded once per run and shared by every TLS
 * connection (libcurl would otherwise parse the CA file for each of the
 * four to six connections of a probe pair).  ca_file NULL is the system
 * trust store: its hashed certificate directory, read lazily, when there
 * is one and SSL_CERT_FILE is not set, else OpenSSL's default locations. */
struct crypto_ca_store;
struct crypto_ca_store *crypto_ca_store_load(const char *ca_file,
					     struct rpe_error *err);
void crypto_ca_store_free(struct crypto_ca_store *s);
/* Install the store into an OpenSSL SSL_CTX handed over by libcurl's
 * CURLOPT_SSL_CTX_FUNCTION (an opaque pointer outside this file). */
int crypto_ca_store_attach(struct crypto_ca_store *s, void *ssl_ctx);

/* The TLS files of the options, read before any connection so that a file
 * libcurl could not use is a usage error naming it: at least one PEM
 * certificate (what: "--ca-file"); a client certificate and its private key
 * (from key, or from the certificate file when key is NULL, as libcurl
 * does), unencrypted and belonging together.  The CA file's certificates
 * are kept: crypto_ca_store_load() of the same path takes them instead of
 * parsing the file again. */
int crypto_check_ca_file(const char *what, const char *path,
			 struct rpe_error *err);
int crypto_check_client_cert(const char *cert, const char *key,
			     struct rpe_error *err);

/* 1 if the process-wide default context offers digest `name` (tests use
 * it to prove MD4 stays out of it). */
int crypto_default_has_digest(const char *name);

void crypto_wipe(void *p, size_t n);
/* Constant-time comparison: 1 if equal. */
int crypto_memeq(const void *a, const void *b, size_t n);

#endif
