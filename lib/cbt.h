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
 *   cbt_from_ssl(ssl, md5, err)          the same from a live OpenSSL SSL *
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

/* Both steps from the peer certificate of an OpenSSL `SSL *` (libcurl's
 * CURLINFO_TLS_SSL_PTR), i.e. of the very connection that carries the
 * authentication. */
int cbt_from_ssl(void *ssl, uint8_t out[CBT_MD5_LEN], struct rpe_error *err);

#endif
