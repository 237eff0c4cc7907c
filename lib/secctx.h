/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Abstract security context between DCE/RPC and an authentication package.
 *
 * lib/dcerpc knows only this interface; lib/ntlm and lib/kerberos implement
 * it.  The split between "message to sign" and "region to
 * encrypt" mirrors DCE/RPC over NTLM (MS-RPCE 2.2.2.11, MS-NLMP 3.4.3): the
 * signature covers the whole PDU from the common header through the
 * sec_trailer with the stub in plaintext, while only stub + auth padding are
 * encrypted. */
#ifndef RPE_SECCTX_H
#define RPE_SECCTX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What a context-establishment step asks the DCE/RPC association to do
 * next (MS-RPCE 3.3.1.5.2, 3.3.1.5.6). */
enum secctx_step {
	SECCTX_CONTINUE = 1, /* send `out` (bind, or alter_context after the
				first leg) and pass the server's answer token
				to the next step */
	SECCTX_LAST,         /* send `out` in an auth3 (no answer); the
				context is complete */
	SECCTX_DONE,         /* complete; nothing more to send */
};

struct buf;

struct secctx_ops {
	const char *name;  /* "NTLMSSP" */
	uint8_t auth_type; /* sec_trailer auth_type: 10 = NTLMSSP */
	size_t sig_len;    /* length of the auth value on signed PDUs (16);
			      see sig_size for packages where it varies */
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
	/* Context establishment.  First call: in = NULL, out = the token for
	 * the bind (returns SECCTX_CONTINUE).  Later calls: in = the token of
	 * the bind_ack / alter_context_resp.  Returns an enum secctx_step, or
	 * < 0 with err filled (RPE_ERR_AUTH: the peer's token or flags were
	 * refused).  Sign/seal work once the context is complete.  (NULL for
	 * packages driven by hand; see lib/ntlm.h.) */
	int (*step)(void *ctx, const uint8_t *in, size_t in_len,
		    struct buf *out, struct rpe_error *err);
	/* Length of the auth value at auth_level (integrity or privacy) once
	 * the context is complete, when it depends on the context (Kerberos:
	 * the enctype decides the MIC and wrap token sizes, RFC 4121 4.2.6,
	 * MS-KILE 3.4.5.4.1).  NULL: sig_len for every level. */
	size_t (*sig_size)(void *ctx, uint8_t auth_level);
	/* Nonzero: the package protects the PDU header and sec_trailer too
	 * (MS-RPCE 3.3.1.5.2.2), so the bind offers PFC_SUPPORT_HEADER_SIGN
	 * and the server must accept it.  NTLM signs the whole PDU anyway. */
	int header_sign;
};

struct secctx {
	const struct secctx_ops *ops;
	void *ctx;
};

#endif
