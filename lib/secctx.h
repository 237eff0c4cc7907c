/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Abstract security context between DCE/RPC and an authentication package.
 *
 * lib/dcerpc and the probe know only this interface; lib/ntlm,
 * lib/kerberos and lib/spnego implement it, and lib/auth's package table
 * makes one from the credentials (docs/architecture.md, "Authentication
 * packages").  The split between "message to sign" and "region to
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

/* Failures the RPC layer sees after or during context establishment, for
 * which a package may have an operator's hint (failure_hint). */
enum secctx_failure {
	SECCTX_FAIL_DENIED = 1, /* access-denied fault on the first call
				   after the context was established */
	SECCTX_FAIL_BIND_NAK,   /* the server refused the bind (bind_nak);
				   reason = its reject reason */
};

/* bind_nak reject reason (MS-RPCE 2.2.2.5, C706 12.6.4.5): the server does
 * not know the auth_type of the sec_trailer. */
#define SECCTX_NAK_AUTH_TYPE_NOT_RECOGNIZED 8

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
	/* GSS-API's MIC over msg[0..len) (GSS_GetMIC / GSS_VerifyMIC), for
	 * a package wrapped by SPNEGO (its mechListMIC, RFC 4178 5).  They
	 * leave the protection of later PDUs as if no MIC had been made,
	 * except for sequence numbers (MS-SPNG 3.3.5.1: NTLM's RC4 handles
	 * are reset, its sequence numbers go on).  NULL: not wrappable. */
	int (*get_mic)(void *ctx, const uint8_t *msg, size_t len,
		       struct buf *mic);
	int (*verify_mic)(void *ctx, const uint8_t *msg, size_t len,
			  const uint8_t *mic, size_t mic_len);
	/* Release the context and everything it owns. */
	void (*destroy)(void *ctx);
	/* The package as the long output names it, which may depend on what
	 * was negotiated ("SPNEGO (NTLM)").  NULL: name. */
	const char *(*display_name)(void *ctx);
	/* A hint for an operator after failure f (reason: bind_nak's reject
	 * reason, else 0), written to out; returns out, or NULL when the
	 * package has nothing to add.  NULL: never a hint. */
	const char *(*failure_hint)(void *ctx, enum secctx_failure f,
				    unsigned reason, char *out, size_t outsz);
};

struct secctx {
	const struct secctx_ops *ops;
	void *ctx;
};

/* The name of an established (or failed) context, for output. */
static inline const char *secctx_display_name(const struct secctx *s)
{
	return s->ops->display_name ? s->ops->display_name(s->ctx) : s->ops->name;
}

/* The package's hint for failure f, or NULL. */
static inline const char *secctx_failure_hint(const struct secctx *s,
					      enum secctx_failure f,
					      unsigned reason, char *out,
					      size_t outsz)
{
	if (!s->ops->failure_hint || !outsz)
		return NULL;
	out[0] = '\0';
	return s->ops->failure_hint(s->ctx, f, reason, out, outsz);
}

#endif
