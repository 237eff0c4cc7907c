/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TLS channel bindings for Extended Protection (RFC 5929, MS-NLMP 2.2.2.1).
 *
 * The binding of an NTLM exchange to the TLS connection it travels on is the
 * `tls-server-end-point` type: a hash of the server's certificate as it came
 * in the TLS Certificate message (RFC 5929 §4.1), wrapped as the application
 * data of a gss_channel_bindings_struct (RFC 2744 §3.11) whose MD5 the
 * client puts in MsvAvChannelBindings (RFC 4121 §4.1.1.2, MS-NLMP 3.1.5.1.2).
 *
 *   cbt_from_der(der, len, md5, err)     certificate -> MsvAvChannelBindings
 *   cbt_sent_add(sent, ssl, msg, ...)    keep the certificate of a received
 *                                        TLS Certificate message, as sent
 *   cbt_from_ssl(ssl, sent, md5, err)    the binding of a live OpenSSL SSL *
 *
 * OpenSSL keeps a certificate parsed: i2d_X509() re-encodes it, and a
 * certificate that is not strict DER (a long-form length on the outer
 * SEQUENCE or the signature, which OpenSSL accepts and re-encodes
 * minimally) would hash to a binding the server does not expect.  So the
 * bytes are taken from the handshake message itself.
 *
 * This module and lib/crypto are the only users of OpenSSL in lib/: it reads
 * certificates, lib/crypto does hashes and ciphers. */
#ifndef RPE_CBT_H
#define RPE_CBT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CBT_HASH_MAX 64 /* SHA-512 */
#define CBT_MD5_LEN 16

/* "tls-server-end-point:" (RFC 5929 §4.1, the IANA channel-binding type
 * name followed by a colon, RFC 5056 §2.1). */
#define CBT_PREFIX "tls-server-end-point:"

/* RFC 5929 §4.1: the certificate hash.  The hash is the one of the
 * certificate's signature algorithm, except MD5 and SHA-1 which become
 * SHA-256.  Signature algorithms with no single hash (Ed25519, Ed448) have
 * no defined binding: RPE_ERR_UNSUPPORTED with a message saying so.
 * `hash_name` (may be NULL) receives a static name such as "SHA-384". */
int cbt_cert_hash(const uint8_t *der, size_t len, uint8_t out[CBT_HASH_MAX],
		  size_t *out_len, const char **hash_name, struct rpe_error *err);

/* MD5 of the gss_channel_bindings_struct with zero initiator and acceptor
 * address types and lengths and application data CBT_PREFIX || hash, as
 * Windows builds it (MS-NLMP 2.2.2.1 MsvAvChannelBindings). */
int cbt_md5_from_hash(const uint8_t *hash, size_t hash_len,
		      uint8_t out[CBT_MD5_LEN], struct rpe_error *err);

/* Both steps from a DER certificate. */
int cbt_from_der(const uint8_t *der, size_t len, uint8_t out[CBT_MD5_LEN],
		 struct rpe_error *err);

/* The TLS handshake message type Certificate (RFC 8446 §4, RFC 5246 §7.4). */
#define CBT_TLS_CERTIFICATE 11

/* The end-entity certificate of a whole Certificate handshake message
 * (msg_type, uint24 length, body), as a view into msg: TLS 1.2's
 * certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1> (RFC 5246 §7.4.2) or,
 * tls13 set, TLS 1.3's certificate_request_context<0..2^8-1> and
 * CertificateEntry list (RFC 8446 §4.4.2); the first entry is the
 * server's own certificate.  Every entry must be well formed; an empty list
 * or a malformed message is RPE_ERR_PROTO. */
int cbt_certmsg_leaf(const uint8_t *msg, size_t len, int tls13,
		     const uint8_t **der, size_t *der_len, struct rpe_error *err);

/* The server certificates of a run as they were sent, a few distinct ones
 * (each connection of a run may resume another's TLS session, and a
 * resumed handshake has no Certificate message). */
struct cbt_sent;
struct cbt_sent *cbt_sent_new(void);
void cbt_sent_free(struct cbt_sent *s);

/* Keep the end-entity certificate of a received Certificate handshake
 * message (whole, as above) of connection conn (its SSL *, only compared). */
int cbt_sent_add(struct cbt_sent *s, const void *conn, const uint8_t *msg,
		 size_t len, int tls13, struct rpe_error *err);

/* Both steps for the peer certificate of an OpenSSL `SSL *` (libcurl's
 * CURLINFO_TLS_SSL_PTR), i.e. of the very connection that carries the
 * authentication: hashed as sent, from the bytes `sent` (may be NULL)
 * kept that are that certificate (this connection's own first, else the
 * newest), or OpenSSL's re-encoding when none are kept. */
int cbt_from_ssl(void *ssl, struct cbt_sent *sent, uint8_t out[CBT_MD5_LEN],
		 struct rpe_error *err);

#endif
