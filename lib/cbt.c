/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TLS channel bindings (RFC 5929 §4.1, MS-NLMP 2.2.2.1); see cbt.h. */
#include "cbt.h"

#include <limits.h>
#include <stdlib.h>
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

/* The Certificate handshake message ------------------------------------------ */

static int get_u24(struct buf_cur *c, size_t *v)
{
	uint8_t hi;
	uint16_t lo;

	TRY(buf_get_u8(c, &hi));
	TRY(buf_get_u16be(c, &lo));
	*v = ((size_t)hi << 16) | lo;
	return 0;
}

/* A vector<floor..2^24-1> of the message: its length and a cursor over
 * exactly that many bytes. */
static int get_vec24(struct buf_cur *c, size_t floor, struct buf_cur *v)
{
	size_t n;

	TRY(get_u24(c, &n));
	if (n < floor)
		return RPE_ERR_PROTO;
	return buf_get_sub(c, n, v);
}

/* One entry of certificate_list: ASN.1Cert (TLS 1.2, RFC 5246 §7.4.2) or
 * CertificateEntry {cert_data<1..2^24-1>, extensions<0..2^16-1>} (TLS 1.3,
 * RFC 8446 §4.4.2). */
static int get_entry(struct buf_cur *list, int tls13, struct buf_cur *cert)
{
	uint16_t ext;

	TRY(get_vec24(list, 1, cert));
	if (!tls13)
		return 0;
	TRY(buf_get_u16be(list, &ext));
	return buf_skip(list, ext);
}

static int certmsg_walk(struct buf_cur *c, int tls13, struct buf_cur *leaf)
{
	struct buf_cur body, list, cert;
	uint8_t type, ctx_len;
	int n = 0;

	TRY(buf_get_u8(c, &type));
	if (type != CBT_TLS_CERTIFICATE)
		return RPE_ERR_PROTO;
	TRY(get_vec24(c, 0, &body));
	if (buf_cur_remaining(c) != 0)
		return RPE_ERR_PROTO; /* one whole message */
	if (tls13) {
		/* certificate_request_context<0..2^8-1>: empty from a
		 * server in the handshake, skipped either way. */
		TRY(buf_get_u8(&body, &ctx_len));
		TRY(buf_skip(&body, ctx_len));
	}
	TRY(get_vec24(&body, 0, &list));
	if (buf_cur_remaining(&body) != 0)
		return RPE_ERR_PROTO;
	/* Every entry must be well formed, as OpenSSL requires; the first is
	 * the end-entity certificate (RFC 8446 §4.4.2, RFC 5246 §7.4.2). */
	while (buf_cur_remaining(&list) > 0) {
		TRY(get_entry(&list, tls13, &cert));
		if (n++ == 0)
			*leaf = cert;
	}
	return n > 0 ? 0 : RPE_ERR_ARG;
}

int cbt_certmsg_leaf(const uint8_t *msg, size_t len, int tls13,
		     const uint8_t **der, size_t *der_len, struct rpe_error *err)
{
	struct buf_cur c, leaf;
	int rc;

	buf_cur_init(&c, msg, msg ? len : 0);
	rc = certmsg_walk(&c, tls13, &leaf);
	if (rc == RPE_ERR_ARG)
		return rpe_fail(err, RPE_ERR_PROTO,
				"the server's TLS Certificate message holds no certificate");
	if (rc < 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"malformed TLS %s Certificate message",
				tls13 ? "1.3" : "1.2");
	*der_len = buf_cur_remaining(&leaf);
	return buf_get_ref(&leaf, *der_len, der);
}

/* The certificates as sent ---------------------------------------------------- */

#define SENT_MAX 8               /* distinct certificates kept per run */
#define SENT_CERT_MAX (1u << 18) /* larger ones are not kept */

struct sent_cert {
	uint8_t *der; /* as sent; NULL: free slot */
	size_t len;
	/* der parsed, only for bytes that are not OpenSSL's encoding (a
	 * d2i_X509() costs more than the rest of the binding); bad: they do
	 * not parse. */
	X509 *x;
	int bad;
	const void *conn; /* the connection that last sent it */
	uint64_t seq;     /* when: the newest wins */
	int have_cbt;     /* cbt is its binding */
	uint8_t cbt[CBT_MD5_LEN];
};

struct cbt_sent {
	struct sent_cert c[SENT_MAX];
	uint64_t seq;
};

struct cbt_sent *cbt_sent_new(void)
{
	return calloc(1, sizeof(struct cbt_sent));
}

static void sent_clear(struct sent_cert *e)
{
	free(e->der);
	X509_free(e->x);
	memset(e, 0, sizeof(*e));
}

void cbt_sent_free(struct cbt_sent *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < SENT_MAX; i++)
		sent_clear(&s->c[i]);
	free(s);
}

/* The slot of these bytes if kept, else a free one or the oldest. */
static struct sent_cert *sent_slot(struct cbt_sent *s, const uint8_t *der,
				   size_t len)
{
	struct sent_cert *oldest = &s->c[0];
	size_t i;

	for (i = 0; i < SENT_MAX; i++) {
		struct sent_cert *e = &s->c[i];
		if (e->der && e->len == len && memcmp(e->der, der, len) == 0)
			return e;
		if (!e->der || (oldest->der && e->seq < oldest->seq))
			oldest = e;
	}
	sent_clear(oldest);
	return oldest;
}

int cbt_sent_add(struct cbt_sent *s, const void *conn, const uint8_t *msg,
		 size_t len, int tls13, struct rpe_error *err)
{
	const uint8_t *der = NULL;
	struct sent_cert *e;
	struct buf_cur c;
	size_t n = 0;

	if (!s)
		return rpe_fail(err, RPE_ERR_ARG, "no certificate record");
	TRY(cbt_certmsg_leaf(msg, len, tls13, &der, &n, err));
	if (n > SENT_CERT_MAX)
		return rpe_fail(err, RPE_ERR_TOOBIG,
				"the server certificate is too large to keep");
	e = sent_slot(s, der, n);
	if (!e->der) {
		buf_cur_init(&c, der, n);
		if (!(e->der = malloc(n)) || buf_get_bytes(&c, e->der, n) < 0) {
			sent_clear(e);
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		}
		e->len = n;
	}
	e->conn = conn;
	e->seq = ++s->seq;
	return 0;
}

/* Whether e holds peer's certificate.  OpenSSL's encoding of peer (der,
 * len) is the usual answer: a certificate in DER is sent as it is
 * encoded.  Other bytes are parsed and compared with X509_cmp(), which
 * compares the signed part as it was encoded and a digest of the whole:
 * the bytes are the very certificate OpenSSL verified, whatever their
 * outer encoding.  A certificate with bytes after it is no certificate
 * (OpenSSL refuses it in the handshake too). */
static int sent_is(struct sent_cert *e, X509 *peer, const uint8_t *der, size_t len)
{
	const unsigned char *p = e->der;

	if (e->len == len && memcmp(e->der, der, len) == 0)
		return 1;
	if (!e->x && !e->bad) {
		e->x = d2i_X509(NULL, &p, (long)e->len);
		e->bad = !e->x || p != e->der + e->len;
	}
	return !e->bad && X509_cmp(e->x, peer) == 0;
}

/* The kept certificate that is peer: the one conn sent, else the newest. */
static struct sent_cert *sent_find(struct cbt_sent *s, const void *conn,
				   X509 *peer, const uint8_t *der, size_t len)
{
	struct sent_cert *best = NULL;
	size_t i;

	for (i = 0; s && i < SENT_MAX; i++) {
		struct sent_cert *e = &s->c[i];
		if (!e->der || !sent_is(e, peer, der, len))
			continue;
		if (e->conn == conn)
			return e;
		if (!best || e->seq > best->seq)
			best = e;
	}
	return best;
}

static int bind_to(X509 *x, const uint8_t *der, size_t len,
		   uint8_t out[CBT_MD5_LEN], struct rpe_error *err)
{
	uint8_t h[CBT_HASH_MAX];
	size_t hlen = 0;

	TRY(hash_cert(x, der, len, h, &hlen, NULL, err));
	return cbt_md5_from_hash(h, hlen, out, err);
}

int cbt_from_ssl(void *ssl, struct cbt_sent *sent, uint8_t out[CBT_MD5_LEN],
		 struct rpe_error *err)
{
	X509 *x = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	unsigned char *der = NULL;
	struct sent_cert *e;
	int n, rc;

	if (!x)
		return rpe_fail(err, RPE_ERR_STATE,
				"the TLS connection has no server certificate to bind to");
	n = i2d_X509(x, &der);
	if (n <= 0)
		return rpe_fail(err, RPE_ERR_CRYPTO,
				"cannot encode the server certificate");
	e = sent_find(sent, ssl, x, der, (size_t)n);
	/* Nothing kept (the session was resumed from a handshake this run
	 * did not watch, or the certificate was too large): OpenSSL's
	 * encoding, the bytes sent for every certificate in DER as RFC 5280
	 * §4.1 requires of CAs; only a certificate that is not DER gets a
	 * binding the server does not expect then. */
	if (!e) {
		rc = bind_to(x, der, (size_t)n, out, err);
	} else if (e->have_cbt ||
		   (rc = bind_to(x, e->der, e->len, e->cbt, err)) == 0) {
		e->have_cbt = 1;
		memcpy(out, e->cbt, CBT_MD5_LEN);
		rc = 0;
	}
	OPENSSL_free(der);
	return rc;
}
