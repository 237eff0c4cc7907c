/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Abstract security context between DCE/RPC and an authentication package.
 *
 * lib/dcerpc knows only this interface; lib/ntlm implements it (Kerberos or
 * SPNEGO could later).  The split between "message to sign" and "region to
 * encrypt" mirrors DCE/RPC over NTLM (MS-RPCE 2.2.2.11, MS-NLMP 3.4.3): the
 * signature covers the whole PDU from the common header through the
 * sec_trailer with the stub in plaintext, while only stub + auth padding are
 * encrypted. */
#ifndef RPE_SECCTX_H
#define RPE_SECCTX_H

#include <stddef.h>
#include <stdint.h>

struct secctx_ops {
	const char *name;  /* "NTLMSSP" */
	uint8_t auth_type; /* sec_trailer auth_type: 10 = NTLMSSP */
	size_t sig_len;    /* length of the auth value on signed PDUs (16) */
	/* Integrity: signature over msg[0..len). */
	int (*sign)(void *ctx, const uint8_t *msg, size_t len, uint8_t *sig);
	/* Verify a peer's signature over msg[0..len); RPE_ERR_AUTH if bad. */
	int (*verify)(void *ctx, const uint8_t *msg, size_t len,
		      const uint8_t *sig);
	/* Privacy: compute the signature over the plaintext msg[0..len), then
	 * encrypt msg[enc_off .. enc_off+enc_len) in place. */
	int (*seal)(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		    size_t enc_len, uint8_t *sig);
	/* Decrypt msg[enc_off .. enc_off+enc_len) in place, then verify sig over
	 * the now plaintext msg[0..len); RPE_ERR_AUTH if bad. */
	int (*unseal)(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		      size_t enc_len, const uint8_t *sig);
};

struct secctx {
	const struct secctx_ops *ops;
	void *ctx;
};

#endif
