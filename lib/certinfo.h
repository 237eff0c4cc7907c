/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TLS server certificate as monitoring data: a one-line summary for the
 * long output (subject, issuer, subjectAltNames, validity) and the
 * expiry check of --certificate-expiry WARN[,CRIT] with check_curl's -C
 * semantics.  The certificate itself is parsed by OpenSSL; this module only
 * reads fields out of it.  Pure apart from that: `now` is passed in. */
#ifndef RPE_CERTINFO_H
#define RPE_CERTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cert_info {
	char subject[256]; /* RFC 2253 one-line form */
	char issuer[256];
	char sans[512]; /* "DNS:mail.example.com, IP:192.0.2.1"; "" if none */
	char not_before[32]; /* "2026-11-29 19:05:36 UTC" */
	char not_after[32];
	int64_t not_before_epoch; /* seconds since 1970 (UTC) */
	int64_t not_after_epoch;
};

/* From an OpenSSL X509 * (passed as void * so that callers need not include
 * OpenSSL headers).  Fields that do not fit are cut with "...". */
int cert_info_from_x509(const void *x509, struct cert_info *out,
			struct rpe_error *err);
/* From DER bytes (tests, and certificates handed over as DER). */
int cert_info_from_der(const uint8_t *der, size_t len, struct cert_info *out,
		       struct rpe_error *err);

/* The strength of a certificate chain as the server sent it
 * (HealthChecker's certificate rules, checked by lib/posture): the leaf's
 * public key and the signature digest of every certificate that is not
 * self-signed (a root's signature on itself protects nothing). */
#define CERT_CHAIN_MAX 4
struct cert_strength {
	int have;          /* the leaf was added */
	char key_type[12]; /* "RSA", "EC", "DSA", "ED25519", ... */
	int key_bits;
	int n;                            /* signatures below, leaf first */
	char digest[CERT_CHAIN_MAX][16];  /* "SHA256", "SHA1", "MD5" ... */
	char subject[CERT_CHAIN_MAX][96]; /* whose signature */
};

/* Add one certificate of the chain, leaf first (an OpenSSL X509 *);
 * self-signed ones and those past CERT_CHAIN_MAX are skipped. */
int cert_strength_add(struct cert_strength *s, const void *x509);
/* The same from DER bytes (tests). */
int cert_strength_add_der(struct cert_strength *s, const uint8_t *der,
			  size_t len);

/* Whole days from now until notAfter, rounded down; negative once expired
 * (-1 during the first day after notAfter). */
long cert_days_left(const struct cert_info *ci, int64_t now);

/* --certificate-expiry WARN[,CRIT] in days (check_curl's -C): WARNING when
 * the certificate expires within WARN days, CRITICAL within CRIT days (0
 * when not given: only an expired certificate is CRITICAL). */
struct cert_expiry {
	int set;
	long warn_days;
	long crit_days;
};

/* "30" or "30,7"; 0..36500 days each, CRIT <= WARN; RPE_ERR_ARG with a
 * message otherwise. */
int cert_expiry_parse(const char *s, struct cert_expiry *out,
		      struct rpe_error *err);

/* Monitoring state (0 OK, 1 WARNING, 2 CRITICAL) of the certificate at
 * `now`, with one line for the status ("certificate for CN expires in 5
 * days (2026-12-04 10:00:00 UTC)", "... expired on ...", "... is not valid
 * before ...").  A certificate not yet valid is CRITICAL as well. */
int cert_expiry_state(const struct cert_expiry *e, const struct cert_info *ci,
		      int64_t now, char *msg, size_t msglen);

#endif
