/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenSSL 3 behind a small interface; see crypto.h. */
#include "crypto.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *prov_legacy, *prov_default;
static EVP_MD *md_md4, *md_md5;
static EVP_CIPHER *cipher_rc4;
static EVP_MAC *mac_hmac;

/* The --ca-file as crypto_check_ca_file() read it before any connection:
 * the loops' stores take it from here, so the file is parsed once per run
 * (a run with -e has two loops) and what was checked is what is used. */
static X509_STORE *checked_ca;
static char *checked_ca_path;

struct crypto_rc4 {
	EVP_CIPHER_CTX *ctx;
};

static void openssl_reason(char *out, size_t n)
{
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, out, n);
	else
		snprintf(out, n, "no detail");
	ERR_clear_error();
}

int crypto_init(struct rpe_error *err)
{
	char why[200];

	if (libctx)
		return 0;
	/* Every NTLM algorithm comes from a library context of our own, so
	 * the process-wide default context (libcurl's TLS) never offers the
	 * legacy ones.  Order matters for start-up cost, since a fetch builds
	 * the method table of its operation for every provider loaded in the
	 * context at that moment:
	 *   1. legacy alone, then MD4 and RC4: the cipher table holds the
	 *      legacy provider's few ciphers, not the default provider's
	 *      hundred-odd (fetching RC4 after "default" costs ~3.2 M
	 *      instructions more);
	 *   2. then "default" into the same context, for MD5 and HMAC: one
	 *      context, so OpenSSL fills one name map from its legacy name
	 *      tables (~2.5 M instructions per context) instead of two.
	 * Measured with callgrind: 4.2 M instructions above a bare
	 * curl_global_init(), against 10.6 M with MD5, HMAC and RAND_bytes()
	 * from the default context; over HTTPS, whose TLS has built the
	 * default context's tables already, it costs 0.6 M more. */
	libctx = OSSL_LIB_CTX_new();
	if (!libctx)
		return rpe_fail(err, RPE_ERR_CRYPTO, "OSSL_LIB_CTX_new failed");
	prov_legacy = OSSL_PROVIDER_load(libctx, "legacy");
	if (!prov_legacy) {
		openssl_reason(why, sizeof(why));
		crypto_cleanup();
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"OpenSSL legacy provider not available (NTLM needs MD4 and RC4 from ossl-modules/legacy.so): %s",
				why);
	}
	md_md4 = EVP_MD_fetch(libctx, "MD4", NULL);
	cipher_rc4 = EVP_CIPHER_fetch(libctx, "RC4", NULL);
	prov_default = OSSL_PROVIDER_load(libctx, "default");
	if (prov_default) {
		md_md5 = EVP_MD_fetch(libctx, "MD5", NULL);
		mac_hmac = EVP_MAC_fetch(libctx, "HMAC", NULL);
	}
	if (!md_md4 || !md_md5 || !cipher_rc4 || !mac_hmac) {
		openssl_reason(why, sizeof(why));
		crypto_cleanup();
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"OpenSSL providers loaded but MD4/MD5/RC4/HMAC unavailable: %s",
				why);
	}
	return 0;
}

void crypto_cleanup(void)
{
	X509_STORE_free(checked_ca);
	free(checked_ca_path);
	checked_ca = NULL;
	checked_ca_path = NULL;
	EVP_MD_free(md_md4);
	EVP_MD_free(md_md5);
	EVP_CIPHER_free(cipher_rc4);
	EVP_MAC_free(mac_hmac);
	md_md4 = md_md5 = NULL;
	cipher_rc4 = NULL;
	mac_hmac = NULL;
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	if (prov_legacy)
		OSSL_PROVIDER_unload(prov_legacy);
	prov_legacy = prov_default = NULL;
	OSSL_LIB_CTX_free(libctx);
	libctx = NULL;
}

static int digest(EVP_MD *md, const void *p, size_t n, uint8_t out[16])
{
	unsigned int len = 0;

	if (!md)
		return RPE_ERR_STATE;
	if (!EVP_Digest(p, n, out, &len, md, NULL) || len != 16)
		return RPE_ERR_CRYPTO;
	return 0;
}

int crypto_md4(const void *p, size_t n, uint8_t out[16])
{
	return digest(md_md4, p, n, out);
}

int crypto_md5(const void *p, size_t n, uint8_t out[16])
{
	return digest(md_md5, p, n, out);
}

int crypto_hmac_md5(const uint8_t *key, size_t klen, const void *p1, size_t n1,
		    const void *p2, size_t n2, const void *p3, size_t n3,
		    uint8_t out[16])
{
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t outl = 0;
	int ok;

	if (!mac_hmac)
		return RPE_ERR_STATE;
	ctx = EVP_MAC_CTX_new(mac_hmac);
	if (!ctx)
		return RPE_ERR_NOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"MD5", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, key, klen, params) &&
	     (!n1 || EVP_MAC_update(ctx, p1, n1)) &&
	     (!n2 || EVP_MAC_update(ctx, p2, n2)) &&
	     (!n3 || EVP_MAC_update(ctx, p3, n3)) &&
	     EVP_MAC_final(ctx, out, &outl, 16) && outl == 16;
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : RPE_ERR_CRYPTO;
}

struct crypto_rc4 *crypto_rc4_new(const uint8_t *key, size_t klen)
{
	struct crypto_rc4 *r;
	OSSL_PARAM params[2];
	size_t kl = klen;

	if (!cipher_rc4)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ctx = EVP_CIPHER_CTX_new();
	params[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_KEYLEN, &kl);
	params[1] = OSSL_PARAM_construct_end();
	if (!r->ctx ||
	    !EVP_EncryptInit_ex2(r->ctx, cipher_rc4, NULL, NULL, params) ||
	    !EVP_EncryptInit_ex2(r->ctx, NULL, key, NULL, NULL)) {
		crypto_rc4_free(r);
		return NULL;
	}
	return r;
}

int crypto_rc4_update(struct crypto_rc4 *r, uint8_t *data, size_t n)
{
	int outl = 0;

	/* EVP lengths are int; NTLM messages are far below that, but chunk
	 * anyway so a caller bug cannot truncate silently. */
	while (n > 0) {
		int chunk = n > 1u << 30 ? 1 << 30 : (int)n;
		if (!EVP_EncryptUpdate(r->ctx, data, &outl, data, chunk) ||
		    outl != chunk)
			return RPE_ERR_CRYPTO;
		data += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

void crypto_rc4_free(struct crypto_rc4 *r)
{
	if (!r)
		return;
	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(r->ctx);
	free(r);
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

/* Random bytes straight from the kernel's generator, the source OpenSSL's
 * own seeds from: NTLM's client challenge and session key, virtual
 * connection cookies and request ids are a few dozen bytes per run, and
 * RAND_bytes() would first build OpenSSL's DRBG chain (an AES-CTR DRBG and
 * the default provider's cipher table: ~3.4 M instructions) in a run
 * without TLS.  Blocks only until the kernel's pool is initialised at
 * boot; OpenSSL's generator remains the fallback where getrandom(2) is
 * missing or refused. */
int crypto_random(void *out, size_t n, struct rpe_error *err)
{
	uint8_t *p = out;
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* ENOSYS (an old kernel), EPERM (a seccomp filter): OpenSSL's
		 * generator finds another way to its seed. */
		if (RAND_bytes_ex(NULL, p + got, n - got, 0) == 1)
			return 0;
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"no random bytes: getrandom(2) failed (%s) and so did OpenSSL's generator",
				r < 0 ? strerror(errno) : "no bytes");
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
	if (ca_file && checked_ca && !strcmp(ca_file, checked_ca_path) &&
	    X509_STORE_up_ref(checked_ca)) {
		X509_STORE_free(s->store);
		s->store = checked_ca;
		return s;
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

/* TLS files of the options ------------------------------------------------------ */

/* No passphrase prompt: the plugin has no terminal and no option for one. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* A store of the certificates and CRLs of infos, as X509_STORE_load_file()
 * would make of the same file; NULL if it holds no certificate. */
static X509_STORE *store_of(STACK_OF(X509_INFO) * infos)
{
	X509_STORE *st = X509_STORE_new();
	int i, certs = 0, ok = st != NULL;

	for (i = 0; ok && infos && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *in = sk_X509_INFO_value(infos, i);

		if (in->x509) {
			ok = X509_STORE_add_cert(st, in->x509);
			certs++;
		}
		if (ok && in->crl)
			ok = X509_STORE_add_crl(st, in->crl);
	}
	if (!ok || !certs) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

int crypto_check_ca_file(const char *what, const char *path, struct rpe_error *err)
{
	STACK_OF(X509_INFO) * infos;
	BIO *bio = BIO_new_file(path, "r");
	X509_STORE *st;
	char *copy;

	if (!bio)
		return rpe_fail(err, RPE_ERR_ARG, "cannot read %s '%.200s'",
				what, path);
	infos = PEM_X509_INFO_read_bio(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	st = store_of(infos);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	if (!st)
		return rpe_fail(err, RPE_ERR_ARG,
				"%s '%.200s' holds no certificate (PEM, BEGIN CERTIFICATE)",
				what, path);
	if (!(copy = malloc(strlen(path) + 1))) {
		X509_STORE_free(st);
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	}
	memcpy(copy, path, strlen(path) + 1);
	X509_STORE_free(checked_ca);
	free(checked_ca_path);
	checked_ca = st;
	checked_ca_path = copy;
	return 0;
}

static X509 *read_cert(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;

	BIO_free(bio);
	return x;
}

static EVP_PKEY *read_key(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *k =
		bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) :
		      NULL;

	BIO_free(bio);
	return k;
}

int crypto_check_client_cert(const char *cert, const char *key,
			     struct rpe_error *err)
{
	const char *key_what = key ? "--client-key" : "--client-cert";
	X509 *x = read_cert(cert);
	EVP_PKEY *k = NULL;
	int rc = 0;

	if (!x) {
		rc = rpe_fail(err, RPE_ERR_ARG,
			      "--client-cert '%.200s' holds no certificate (PEM, BEGIN CERTIFICATE)",
			      cert);
		goto out;
	}
	/* libcurl takes the key from the certificate file without
	 * --client-key. */
	k = read_key(key ? key : cert);
	if (!k)
		rc = rpe_fail(err, RPE_ERR_ARG,
			      "%s '%.200s' holds no usable private key (PEM, not encrypted: no passphrase can be given)",
			      key_what, key ? key : cert);
	else if (X509_check_private_key(x, k) != 1)
		rc = rpe_fail(err, RPE_ERR_ARG,
			      "the private key in %s '%.200s' does not belong to the certificate in '%.200s'",
			      key_what, key ? key : cert, cert);
out:
	EVP_PKEY_free(k);
	X509_free(x);
	ERR_clear_error();
	return rc;
}
