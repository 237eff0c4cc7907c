/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/certinfo: the certificate summary and --certificate-expiry against
 * certificates made here with OpenSSL (fixed validity dates, names and
 * subjectAltNames), and check_curl's -C semantics at the day boundaries. */
#include "certinfo.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "t.h"

#define DAY 86400
/* 2026-01-01 00:00:00 UTC */
#define T0 1767225600

/* A self-signed EC certificate valid [nb, na] with CN and SAN "DNS:..."s
 * (san "" is a subjectAltName extension holding no name at all); returns its
 * DER length in *len (caller frees *der). */
static int make_cert(int64_t nb, int64_t na, const char *cn, const char *san,
		     unsigned char **der, int *len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext = NULL;
	int ok = key && x && name;

	ok = ok && X509_set_version(x, 2);
	ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	ok = ok && ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
	ok = ok && ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
	ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					      (const unsigned char *)"Example",
					      -1, -1, 0);
	ok = ok &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0);
	ok = ok && X509_set_subject_name(x, name) &&
	     X509_set_issuer_name(x, name);
	ok = ok && X509_set_pubkey(x, key);
	if (ok && san && !*san) {
		GENERAL_NAMES *none = GENERAL_NAMES_new();
		ok = none && X509_add1_ext_i2d(x, NID_subject_alt_name, none, 0,
					       X509V3_ADD_DEFAULT) == 1;
		GENERAL_NAMES_free(none);
	} else if (ok && san) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		ok = ext && X509_add_ext(x, ext, -1);
	}
	ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
	*der = NULL;
	*len = ok ? i2d_X509(x, der) : -1;
	X509_EXTENSION_free(ext);
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(key);
	return *len > 0 ? 0 : -1;
}

static void test_summary(void)
{
	unsigned char *der;
	int len;
	struct cert_info ci;
	struct rpe_error err = { 0, "" };

	CHECK_INT(make_cert(T0, T0 + 90 * DAY, "mail.example.test",
			    "DNS:mail.example.test,DNS:autodiscover.example.test,IP:127.0.0.1",
			    &der, &len),
		  0);
	CHECK_INT(cert_info_from_der(der, (size_t)len, &ci, &err), 0);
	CHECK_STR(ci.subject, "CN=mail.example.test,O=Example");
	CHECK_STR(ci.issuer, "CN=mail.example.test,O=Example");
	CHECK_STR(ci.sans, "DNS:mail.example.test, DNS:autodiscover.example.test, "
			   "IP Address:127.0.0.1");
	CHECK_STR(ci.not_before, "2026-01-01 00:00:00 UTC");
	CHECK_STR(ci.not_after, "2026-04-01 00:00:00 UTC");
	CHECK_INT(ci.not_after_epoch - ci.not_before_epoch, 90 * DAY);
	/* Trailing bytes and truncation are refused, not half-parsed. */
	CHECK_INT(cert_info_from_der(der, (size_t)len - 1, &ci, &err),
		  RPE_ERR_PROTO);
	CHECK(strstr(err.msg, "DER") != NULL);
	OPENSSL_free(der);

	/* No SAN; a subject too long for the field is cut with "...". */
	{
		char cn[64 * 5];
		memset(cn, 'a', 60);
		cn[60] = '\0';
		CHECK_INT(make_cert(T0, T0 + DAY, cn, NULL, &der, &len), 0);
		CHECK_INT(cert_info_from_der(der, (size_t)len, &ci, &err), 0);
		CHECK_STR(ci.sans, "");
		CHECK(strncmp(ci.subject, "CN=aaaa", 7) == 0);
		OPENSSL_free(der);
	}
	/* A subjectAltName extension with no name in it renders as none. */
	CHECK_INT(make_cert(T0, T0 + DAY, "empty.example.test", "", &der, &len),
		  0);
	CHECK_INT(cert_info_from_der(der, (size_t)len, &ci, &err), 0);
	CHECK_STR(ci.sans, "");
	CHECK_STR(ci.subject, "CN=empty.example.test,O=Example");
	OPENSSL_free(der);
	CHECK_INT(cert_info_from_x509(NULL, &ci, &err), RPE_ERR_ARG);
}

static void test_days_left(void)
{
	struct cert_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.not_after_epoch = T0 + 5 * DAY;
	CHECK_INT(cert_days_left(&ci, T0), 5);
	CHECK_INT(cert_days_left(&ci, T0 + 1), 4);
	CHECK_INT(cert_days_left(&ci, T0 + 5 * DAY), 0);
	CHECK_INT(cert_days_left(&ci, T0 + 5 * DAY + 1), -1);
	CHECK_INT(cert_days_left(&ci, T0 + 6 * DAY), -1);
	CHECK_INT(cert_days_left(&ci, T0 + 6 * DAY + 1), -2);
}

static void test_parse(void)
{
	struct cert_expiry e;
	struct rpe_error err = { 0, "" };

	CHECK_INT(cert_expiry_parse("30", &e, &err), 0);
	CHECK_INT(e.set, 1);
	CHECK_INT(e.warn_days, 30);
	CHECK_INT(e.crit_days, 0);
	CHECK_INT(cert_expiry_parse("30,7", &e, &err), 0);
	CHECK_INT(e.crit_days, 7);
	CHECK_INT(cert_expiry_parse("0", &e, &err), 0);
	CHECK_INT(cert_expiry_parse("7,30", &e, &err), RPE_ERR_ARG);
	CHECK(strstr(err.msg, "CRIT") != NULL);
	CHECK_INT(cert_expiry_parse("", &e, &err), RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse("-1", &e, &err), RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse("30,", &e, &err), RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse("30,7,1", &e, &err), RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse("30d", &e, &err), RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse("36501", &e, &err), RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse("99999999999999999999", &e, &err),
		  RPE_ERR_ARG);
	CHECK_INT(cert_expiry_parse(NULL, &e, &err), RPE_ERR_ARG);
	CHECK_INT(e.set, 0);
}

static int state_at(const char *spec, int64_t nb, int64_t na, int64_t now,
		    char *msg, size_t n)
{
	struct cert_expiry e;
	struct cert_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.not_before_epoch = nb;
	ci.not_after_epoch = na;
	strcpy(ci.not_before, "NB");
	strcpy(ci.not_after, "NA");
	memset(&e, 0, sizeof(e));
	if (spec && cert_expiry_parse(spec, &e, NULL) < 0)
		return -1;
	return cert_expiry_state(spec ? &e : NULL, &ci, now, msg, n);
}

static void test_state(void)
{
	char m[160];
	int64_t nb = T0 - DAY;

	/* The acceptance cases: 5 / 20 / 60 days left with 30,7. */
	CHECK_INT(state_at("30,7", nb, T0 + 5 * DAY, T0, m, sizeof(m)), 2);
	CHECK_STR(m, "certificate expires in 5 days (NA)");
	CHECK_INT(state_at("30,7", nb, T0 + 20 * DAY, T0, m, sizeof(m)), 1);
	CHECK_INT(state_at("30,7", nb, T0 + 60 * DAY, T0, m, sizeof(m)), 0);
	/* Boundaries: exactly WARN / CRIT days left counts (check_curl). */
	CHECK_INT(state_at("30,7", nb, T0 + 30 * DAY, T0, m, sizeof(m)), 1);
	CHECK_INT(state_at("30,7", nb, T0 + 31 * DAY, T0, m, sizeof(m)), 0);
	CHECK_INT(state_at("30,7", nb, T0 + 7 * DAY, T0, m, sizeof(m)), 2);
	CHECK_INT(state_at("30,7", nb, T0 + 8 * DAY, T0, m, sizeof(m)), 1);
	/* WARN only: CRITICAL only on the last day and once expired. */
	CHECK_INT(state_at("30", nb, T0 + 2 * DAY, T0, m, sizeof(m)), 1);
	CHECK_INT(state_at("30", nb, T0 + DAY - 1, T0, m, sizeof(m)), 2);
	CHECK_INT(state_at("30", nb, T0 + 1 * DAY, T0, m, sizeof(m)), 1);
	CHECK_STR(m, "certificate expires in 1 day (NA)");
	/* Expired and not yet valid: CRITICAL with the date, with or without
	 * --certificate-expiry. */
	CHECK_INT(state_at("30,7", nb, T0 - 1, T0, m, sizeof(m)), 2);
	CHECK_STR(m, "certificate expired on NA");
	CHECK_INT(state_at(NULL, nb, T0 - 1, T0, m, sizeof(m)), 2);
	CHECK_INT(state_at(NULL, T0 + 1, T0 + DAY, T0, m, sizeof(m)), 2);
	CHECK_STR(m, "certificate is not valid before NB");
	/* Without --certificate-expiry a valid certificate is only data. */
	CHECK_INT(state_at(NULL, nb, T0 + 2 * DAY, T0, m, sizeof(m)), 0);
}

int main(void)
{
	T_RUN(test_summary);
	T_RUN(test_days_left);
	T_RUN(test_parse);
	T_RUN(test_state);
	T_DONE();
}
