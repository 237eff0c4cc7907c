/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TLS channel bindings (RFC 5929 §4.1, MS-NLMP 2.2.2.1); see cbt.h. */
#include "cbt.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "crypto.h"

/* The digest RFC 5929 §4.1 names for a certificate, as an OpenSSL NID.
 * X509_get_signature_info() knows the hash inside RSASSA-PSS parameters,
 * which OBJ_find_sigid_algs() on the signature OID alone does not (it says
 * NID_undef for id-RSASSA-PSS); for Ed25519/Ed448 both say NID_undef: those
 * sign without a separate hash, and RFC 5929 §4.1 leaves the binding
 * undefined ("uses no hash functions"). */
static int end_point_digest(X509 *x, int *md_nid, struct rpe_error *err)
{
	int mdnid = NID_undef, pknid = NID_undef;

	if (!X509_get_signature_info(x, &mdnid, &pknid, NULL, NULL) &&
	    !OBJ_find_sigid_algs(X509_get_signature_nid(x), &mdnid, &pknid))
		return rpe_fail(err, RPE_ERR_PROTO,
				"cannot tell the server certificate's signature algorithm (channel binding, RFC 5929 4.1)");
	if (mdnid == NID_undef)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"the server certificate is signed with %s, which uses no separate hash: RFC 5929 4.1 defines no tls-server-end-point channel binding for it",
				OBJ_nid2sn(pknid != NID_undef ?
						   pknid :
						   X509_get_signature_nid(x)));
	/* "if the certificate's signatureAlgorithm uses a single hash function
	 * and that hash function is either MD5 or SHA-1, then use SHA-256" */
	if (mdnid == NID_md5 || mdnid == NID_sha1)
		mdnid = NID_sha256;
	*md_nid = mdnid;
	return 0;
}

static int hash_with(int md_nid, const uint8_t *der, size_t len,
		     uint8_t out[CBT_HASH_MAX], size_t *out_len,
		     const char **hash_name, struct rpe_error *err)
{
	EVP_MD *md = EVP_MD_fetch(NULL, OBJ_nid2sn(md_nid), NULL);
	unsigned int n = 0;
	int ok;

	if (!md)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"the server certificate's signature hash %s is not available for channel binding",
				OBJ_nid2sn(md_nid));
	ok = EVP_MD_get_size(md) > 0 && EVP_MD_get_size(md) <= CBT_HASH_MAX &&
	     EVP_Digest(der, len, out, &n, md, NULL);
	EVP_MD_free(md);
	if (!ok)
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"cannot hash the server certificate with %s",
				OBJ_nid2sn(md_nid));
	*out_len = n;
	if (hash_name)
		*hash_name = OBJ_nid2sn(md_nid);
	return 0;
}

/* x and der are the same certificate, parsed and encoded. */
static int hash_cert(X509 *x, const uint8_t *der, size_t len,
		     uint8_t out[CBT_HASH_MAX], size_t *out_len,
		     const char **hash_name, struct rpe_error *err)
{
	int md_nid = NID_undef;

	TRY(end_point_digest(x, &md_nid, err));
	/* The hash covers the certificate "as it appears, octet for octet, in
	 * the server's Certificate message": its DER. */
	return hash_with(md_nid, der, len, out, out_len, hash_name, err);
}

int cbt_cert_hash(const uint8_t *der, size_t len, uint8_t out[CBT_HASH_MAX],
		  size_t *out_len, const char **hash_name, struct rpe_error *err)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;

	if (!der || len == 0 || len > LONG_MAX)
		return rpe_fail(err, RPE_ERR_ARG, "no server certificate");
	x = d2i_X509(NULL, &p, (long)len);
	if (!x)
		return rpe_fail(err, RPE_ERR_PROTO,
				"the server certificate is not valid DER");
	rc = hash_cert(x, der, len, out, out_len, hash_name, err);
	X509_free(x);
	return rc;
}

/* gss_channel_bindings_struct flattened as RFC 4121 §4.1.1.2 hashes it,
 * little-endian like Windows (MS-NLMP 2.2.2.1): initiator_addrtype,
 * initiator_address length, acceptor_addrtype, acceptor_address length
 * (all zero: Windows never sets addresses), application_data length and
 * bytes; then its MD5. */
static int bindings_md5(struct buf *b, const uint8_t *hash, size_t hash_len,
			uint8_t out[CBT_MD5_LEN])
{
	size_t plen = strlen(CBT_PREFIX);

	TRY(buf_put_zeros(b, 16));
	TRY(buf_put_u32le(b, (uint32_t)(plen + hash_len)));
	TRY(buf_put_bytes(b, CBT_PREFIX, plen));
	TRY(buf_put_bytes(b, hash, hash_len));
	return crypto_md5(b->data, b->len, out);
}

int cbt_md5_from_hash(const uint8_t *hash, size_t hash_len,
		      uint8_t out[CBT_MD5_LEN], struct rpe_error *err)
{
	struct buf b;
	int rc;

	TRY(crypto_init(err));
	if (!hash || hash_len == 0 || hash_len > CBT_HASH_MAX)
		return rpe_fail(err, RPE_ERR_ARG, "no certificate hash");
	buf_init(&b, 256);
	rc = bindings_md5(&b, hash, hash_len, out);
	buf_free(&b);
	if (rc < 0)
		return rpe_fail(err, rc,
				"cannot compute the channel binding hash");
	return 0;
}

int cbt_from_der(const uint8_t *der, size_t len, uint8_t out[CBT_MD5_LEN],
		 struct rpe_error *err)
{
	uint8_t h[CBT_HASH_MAX];
	size_t hlen = 0;

	TRY(cbt_cert_hash(der, len, h, &hlen, NULL, err));
	return cbt_md5_from_hash(h, hlen, out, err);
}

int cbt_from_ssl(void *ssl, uint8_t out[CBT_MD5_LEN], struct rpe_error *err)
{
	X509 *x = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	unsigned char *der = NULL;
	uint8_t h[CBT_HASH_MAX];
	size_t hlen = 0;
	int n, rc;

	if (!x)
		return rpe_fail(err, RPE_ERR_STATE,
				"the TLS connection has no server certificate to bind to");
	n = i2d_X509(x, &der);
	if (n <= 0)
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"cannot encode the server certificate");
	/* The certificate is parsed already: hash its DER without decoding
	 * it a second time. */
	rc = hash_cert(x, der, (size_t)n, h, &hlen, NULL, err);
	OPENSSL_free(der);
	return rc < 0 ? rc : cbt_md5_from_hash(h, hlen, out, err);
}
