/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/cbt: the server certificate taken from the TLS Certificate handshake
 * message as sent (RFC 5246 §7.4.2, RFC 8446 §4.4.2), and the run's record
 * of such certificates.  The binding end to end, through a live TLS
 * connection and a resumed one, is tests/unit/cbt_sent.sh. */
#include "t.h"

#include "buf.h"
#include "cbt.h"
#include "crypto.h"

/* TLS 1.2: certificate_list of "AB" and "C". */
static const uint8_t MSG12[] = { 0x0b, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x09, 0x00,
				 0x00, 0x02, 'A',  'B',  0x00, 0x00, 0x01, 'C' };

/* TLS 1.3: a two-byte certificate_request_context, then CertificateEntry
 * "AB" with four bytes of extensions and "C" with none. */
static const uint8_t MSG13[] = { 0x0b, 0x00, 0x00, 0x17, 0x02, 0xaa, 0xbb,
				 0x00, 0x00, 0x11, 0x00, 0x00, 0x02, 'A',
				 'B',  0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,
				 0x00, 0x00, 0x01, 'C',  0x00, 0x00 };

static int leaf_of(const uint8_t *m, size_t n, int tls13, const uint8_t **der,
		   size_t *len)
{
	struct rpe_error err = { 0, "" };

	*der = NULL;
	*len = 0;
	return cbt_certmsg_leaf(m, n, tls13, der, len, &err);
}

static void test_tls12_and_13(void)
{
	const uint8_t *der;
	size_t len;

	CHECK_INT(leaf_of(MSG12, sizeof(MSG12), 0, &der, &len), 0);
	CHECK_INT(len, 2);
	CHECK(der == MSG12 + 10);
	CHECK_INT(leaf_of(MSG13, sizeof(MSG13), 1, &der, &len), 0);
	CHECK_INT(len, 2);
	CHECK(der == MSG13 + 13);
	/* Each layout read as the other one is malformed. */
	CHECK_INT(leaf_of(MSG12, sizeof(MSG12), 1, &der, &len), RPE_ERR_PROTO);
	CHECK_INT(leaf_of(MSG13, sizeof(MSG13), 0, &der, &len), RPE_ERR_PROTO);
}

static void test_truncations_and_trailers(void)
{
	uint8_t m[sizeof(MSG13) + 1];
	const uint8_t *der;
	size_t n, len;

	for (n = 0; n < sizeof(MSG12); n++)
		CHECK_INT(leaf_of(MSG12, n, 0, &der, &len), RPE_ERR_PROTO);
	for (n = 0; n < sizeof(MSG13); n++)
		CHECK_INT(leaf_of(MSG13, n, 1, &der, &len), RPE_ERR_PROTO);
	CHECK_INT(leaf_of(NULL, 5, 0, &der, &len), RPE_ERR_PROTO);
	/* A byte after the message. */
	memcpy(m, MSG13, sizeof(MSG13));
	m[sizeof(MSG13)] = 0;
	CHECK_INT(leaf_of(m, sizeof(m), 1, &der, &len), RPE_ERR_PROTO);
	/* A message one longer than its list: a byte after the list. */
	m[3] = 0x18;
	CHECK_INT(leaf_of(m, sizeof(m), 1, &der, &len), RPE_ERR_PROTO);
	/* The second entry's extensions run past the list. */
	memcpy(m, MSG13, sizeof(MSG13));
	m[sizeof(MSG13) - 1] = 1;
	CHECK_INT(leaf_of(m, sizeof(MSG13), 1, &der, &len), RPE_ERR_PROTO);
	/* Not a Certificate message (CertificateRequest). */
	memcpy(m, MSG12, sizeof(MSG12));
	m[0] = 13;
	CHECK_INT(leaf_of(m, sizeof(MSG12), 0, &der, &len), RPE_ERR_PROTO);
}

static void test_no_certificate(void)
{
	static const uint8_t empty12[] = { 0x0b, 0, 0, 3, 0, 0, 0 };
	static const uint8_t empty13[] = { 0x0b, 0, 0, 4, 0, 0, 0, 0 };
	/* An entry of zero bytes: ASN.1Cert<1..2^24-1>. */
	static const uint8_t zero_len[] = { 0x0b, 0, 0, 6, 0, 0, 3, 0, 0, 0 };
	struct rpe_error err = { 0, "" };
	const uint8_t *der;
	size_t len;

	CHECK_INT(cbt_certmsg_leaf(empty12, sizeof(empty12), 0, &der, &len, &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "no certificate") != NULL);
	CHECK_INT(leaf_of(empty13, sizeof(empty13), 1, &der, &len),
		  RPE_ERR_PROTO);
	CHECK_INT(leaf_of(zero_len, sizeof(zero_len), 0, &der, &len),
		  RPE_ERR_PROTO);
}

/* Certificate messages captured on loopback (openssl s_client -msg):
 * OpenSSL's s_server with a leaf and its CA, and gnutls-serv with a
 * certificate whose outer SEQUENCE has a long-form length (30 83 00 01 93:
 * not DER, sent as loaded).  The first byte of each file is 1 for TLS 1.3
 * (the fuzz target's layout). */
static int load(const char *name, struct buf *b)
{
	const char *dir = getenv("top_srcdir");
	char path[4096];
	uint8_t chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/tls_certmsg/%s",
		 dir ? dir : ".", name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_put_bytes(b, chunk, n) < 0)
			break;
	fclose(f);
	return b->len > 1 ? 0 : -1;
}

static void check_capture(const char *name, int tls13, size_t leaf_len,
			  uint8_t second_byte)
{
	struct rpe_error err = { 0, "" };
	struct cbt_sent *s = cbt_sent_new();
	uint8_t h[CBT_HASH_MAX];
	size_t hlen = 0;
	const uint8_t *der;
	size_t len;
	struct buf b;

	buf_init(&b, 1u << 20);
	CHECK(s != NULL);
	CHECK_INT(load(name, &b), 0);
	if (b.len > 1) {
		CHECK_INT(b.data[0], tls13);
		CHECK_INT(leaf_of(b.data + 1, b.len - 1, tls13, &der, &len), 0);
		CHECK_INT(len, leaf_len);
		CHECK(len > 2 && der[0] == 0x30 && der[1] == second_byte);
		/* OpenSSL reads it; the record keeps it (twice: once). */
		CHECK_INT(cbt_cert_hash(der, len, h, &hlen, NULL, &err), 0);
		CHECK_INT(hlen, 32);
		CHECK_INT(cbt_sent_add(s, s, b.data + 1, b.len - 1, tls13, &err),
			  0);
		CHECK_INT(cbt_sent_add(s, s, b.data + 1, b.len - 1, tls13, &err),
			  0);
	}
	cbt_sent_free(s);
	buf_free(&b);
}

static void test_captures(void)
{
	check_capture("openssl-rsa-chain-tls12", 0, 688, 0x82);
	check_capture("openssl-rsa-chain-tls13", 1, 688, 0x82);
	check_capture("gnutls-ec-longform-tls12", 0, 408, 0x83);
	check_capture("gnutls-ec-longform-tls13", 1, 408, 0x83);
}

static void test_sent_refuses(void)
{
	struct rpe_error err = { 0, "" };
	struct cbt_sent *s = cbt_sent_new();

	/* Kept as bytes: whether they are the certificate OpenSSL verified
	 * is asked when a connection is bound (tests/unit/cbt_sent.sh). */
	CHECK_INT(cbt_sent_add(s, s, MSG12, sizeof(MSG12), 0, &err), 0);
	CHECK_INT(cbt_sent_add(s, s, MSG12, 3, 0, &err), RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "malformed TLS 1.2 Certificate") != NULL);
	CHECK_INT(cbt_sent_add(NULL, s, MSG12, sizeof(MSG12), 0, &err),
		  RPE_ERR_ARG);
	cbt_sent_free(s);
	cbt_sent_free(NULL);
}

int main(void)
{
	struct rpe_error err = { 0, "" };

	if (crypto_init(&err) < 0)
		fprintf(stderr, "crypto_init: %s\n", err.msg);
	T_RUN(test_tls12_and_13);
	T_RUN(test_truncations_and_trailers);
	T_RUN(test_no_certificate);
	T_RUN(test_captures);
	T_RUN(test_sent_refuses);
	crypto_cleanup();
	T_DONE();
}
