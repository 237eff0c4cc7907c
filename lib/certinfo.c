/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TLS certificate summary and expiry; see certinfo.h. */
#define _DEFAULT_SOURCE /* timegm */
#include "certinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY_SECONDS 86400
#define EXPIRY_MAX_DAYS 36500

/* Copy a BIO's contents into dst, cut with "..." when it does not fit. */
static void bio_to_str(BIO *b, char *dst, size_t n)
{
	char *p = NULL;
	long len = BIO_get_mem_data(b, &p);

	if (len <= 0 || !p) {
		/* An empty memory BIO has no buffer at all. */
		dst[0] = '\0';
		return;
	}
	if ((size_t)len < n) {
		memcpy(dst, p, (size_t)len);
		dst[len] = '\0';
		return;
	}
	memcpy(dst, p, n - 4);
	memcpy(dst + n - 4, "...", 4);
}

static int name_line(const X509_NAME *name, char *dst, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (!b)
		return -1;
	/* RFC 2253 order and escaping, UTF-8 kept as UTF-8. */
	if (X509_NAME_print_ex(b, name, 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		BIO_free(b);
		return -1;
	}
	bio_to_str(b, dst, n);
	BIO_free(b);
	return 0;
}

/* "DNS:a, DNS:b, IP:..." via OpenSSL's own rendering of GENERAL_NAMEs. */
static int san_line(const X509 *x, char *dst, size_t n)
{
	GENERAL_NAMES *gens =
		X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	BIO *b;
	int i;

	dst[0] = '\0';
	if (!gens)
		return 0;
	if (!(b = BIO_new(BIO_s_mem()))) {
		GENERAL_NAMES_free(gens);
		return -1;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		if (i)
			BIO_puts(b, ", ");
		GENERAL_NAME_print(b, sk_GENERAL_NAME_value(gens, i));
	}
	bio_to_str(b, dst, n);
	BIO_free(b);
	GENERAL_NAMES_free(gens);
	return 0;
}

static int time_field(const ASN1_TIME *t, int64_t *epoch, char *dst, size_t n)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*epoch = (int64_t)timegm(&tm);
	if (strftime(dst, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		dst[0] = '\0';
	return 0;
}

int cert_info_from_x509(const void *x509, struct cert_info *out,
			struct rpe_error *err)
{
	const X509 *x = x509;

	memset(out, 0, sizeof(*out));
	if (!x)
		return rpe_fail(err, RPE_ERR_ARG, "no certificate");
	if (name_line(X509_get_subject_name(x), out->subject,
		      sizeof(out->subject)) < 0 ||
	    name_line(X509_get_issuer_name(x), out->issuer,
		      sizeof(out->issuer)) < 0 ||
	    san_line(x, out->sans, sizeof(out->sans)) < 0)
		return rpe_fail(err, RPE_ERR_NOMEM,
				"cannot render the certificate's names");
	if (time_field(X509_get0_notBefore(x), &out->not_before_epoch,
		       out->not_before, sizeof(out->not_before)) < 0 ||
	    time_field(X509_get0_notAfter(x), &out->not_after_epoch,
		       out->not_after, sizeof(out->not_after)) < 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"certificate validity dates are malformed");
	return 0;
}

int cert_info_from_der(const uint8_t *der, size_t len, struct cert_info *out,
		       struct rpe_error *err)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;

	if (len > 1u << 20)
		return rpe_fail(err, RPE_ERR_TOOBIG, "certificate too large");
	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		memset(out, 0, sizeof(*out));
		return rpe_fail(err, RPE_ERR_PROTO, "not a DER certificate");
	}
	rc = cert_info_from_x509(x, out, err);
	X509_free(x);
	return rc;
}

int cert_strength_add(struct cert_strength *s, const void *x509)
{
	X509 *x = (X509 *)x509;
	int mdnid = NID_undef, i;
	const char *md;

	if (!x)
		return -1;
	if (!s->have) {
		EVP_PKEY *k = X509_get0_pubkey(x);
		int id = k ? EVP_PKEY_get_base_id(k) : NID_undef;
		const char *t = id == EVP_PKEY_RSA     ? "RSA" :
				id == EVP_PKEY_RSA_PSS ? "RSA" :
				id == EVP_PKEY_EC      ? "EC" :
				id == EVP_PKEY_DSA     ? "DSA" :
							 OBJ_nid2sn(id);
		snprintf(s->key_type, sizeof(s->key_type), "%s",
			 t && id != NID_undef ? t : "unknown");
		s->key_bits = k ? EVP_PKEY_get_bits(k) : 0;
		s->have = 1;
	}
	if ((X509_get_extension_flags(x) & EXFLAG_SS) || s->n >= CERT_CHAIN_MAX)
		return 0;
	i = s->n++;
	/* The digest of the signature algorithm (sha1WithRSAEncryption ->
	 * SHA1); algorithms without a separate digest (Ed25519) by name. */
	if (!X509_get_signature_info(x, &mdnid, NULL, NULL, NULL) ||
	    mdnid == NID_undef)
		mdnid = X509_get_signature_nid(x);
	md = OBJ_nid2sn(mdnid);
	snprintf(s->digest[i], sizeof(s->digest[i]), "%s", md ? md : "unknown");
	(void)name_line(X509_get_subject_name(x), s->subject[i],
			sizeof(s->subject[i]));
	return 0;
}

int cert_strength_add_der(struct cert_strength *s, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	int rc;

	if (!x)
		return -1;
	rc = cert_strength_add(s, x);
	X509_free(x);
	return rc;
}

long cert_days_left(const struct cert_info *ci, int64_t now)
{
	int64_t d = ci->not_after_epoch - now;

	/* Round towards minus infinity: one second past notAfter is -1. */
	return (long)(d >= 0 ? d / DAY_SECONDS : -((-d - 1) / DAY_SECONDS) - 1);
}

static int parse_days(const char *s, char **end, long *out)
{
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, end, 10);
	if (errno || v > EXPIRY_MAX_DAYS)
		return -1;
	*out = v;
	return 0;
}

int cert_expiry_parse(const char *s, struct cert_expiry *out,
		      struct rpe_error *err)
{
	char *end = NULL;

	memset(out, 0, sizeof(*out));
	if (!s || parse_days(s, &end, &out->warn_days) < 0 ||
	    (*end == ',' && parse_days(end + 1, &end, &out->crit_days) < 0) ||
	    *end != '\0')
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --certificate-expiry '%s' (days: WARN or "
				"WARN,CRIT, each 0..%d)",
				s ? s : "", EXPIRY_MAX_DAYS);
	if (out->crit_days > out->warn_days)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid --certificate-expiry '%s' (CRIT days "
				"must not exceed WARN days)",
				s);
	out->set = 1;
	return 0;
}

int cert_expiry_state(const struct cert_expiry *e, const struct cert_info *ci,
		      int64_t now, char *msg, size_t msglen)
{
	long days = cert_days_left(ci, now);
	int state = 0;

	if (now < ci->not_before_epoch) {
		snprintf(msg, msglen, "certificate is not valid before %s",
			 ci->not_before);
		return 2;
	}
	if (now > ci->not_after_epoch) {
		snprintf(msg, msglen, "certificate expired on %s", ci->not_after);
		return 2;
	}
	if (e && e->set && days <= e->crit_days)
		state = 2;
	else if (e && e->set && days <= e->warn_days)
		state = 1;
	snprintf(msg, msglen, "certificate expires in %ld day%s (%s)", days,
		 days == 1 ? "" : "s", ci->not_after);
	return state;
}
