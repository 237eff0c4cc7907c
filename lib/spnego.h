/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SPNEGO (RFC 4178, MS-SPNG) as a security package wrapping others:
 * RPC_C_AUTHN_GSS_NEGOTIATE (auth type 9, MS-RPCE 2.2.1.1.7), the package a
 * default Outlook binds EMSMDB with.  Sans-I/O, DER through lib/buf.
 *
 *   s = spnego_secctx_new(krb5 context or NULL, NTLM context or NULL)
 *   step(NULL)      -> NegTokenInit: mechTypes (Kerberos first when
 *                      offered, then NTLMSSP) and the first mechanism's
 *                      optimistic token (bind)
 *   step(NegTokenResp) -> the server chose a mechanism (it must be one we
 *                      offered); its tokens go to that mechanism, and the
 *                      last one goes out with our mechListMIC in a
 *                      NegTokenResp (alter_context); the server's
 *                      accept-completed must carry its mechListMIC, which
 *                      is verified (RFC 4178 5, MS-SPNG 3.3.5.1)
 * Signing and sealing are the chosen mechanism's (auth_type 9 in the
 * sec_trailer).  A Kerberos mechanism that cannot make its first token
 * (no ticket for the SPN, no KDC) is dropped before the NegTokenInit, as
 * Windows does, so NTLM alone is offered. */
#ifndef RPE_SPNEGO_H
#define RPE_SPNEGO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "secctx.h"

#define SPNEGO_AUTH_TYPE 9

enum spnego_mech {
	SPNEGO_MECH_KRB5 = 0, /* 1.2.840.113554.1.2.2 */
	SPNEGO_MECH_NTLM,     /* 1.3.6.1.4.1.311.2.2.10 */
	SPNEGO_MECH_COUNT
};

/* negState (RFC 4178 4.2.2) */
enum spnego_neg_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3,
};

/* A NegTokenResp as received; pointers into the input. */
struct spnego_resp {
	int neg_state;        /* enum spnego_neg_state, -1: absent */
	int mech;             /* enum spnego_mech, -1: absent, -2: other */
	const uint8_t *token; /* responseToken, NULL: absent */
	size_t token_len;
	const uint8_t *mic; /* mechListMIC, NULL: absent */
	size_t mic_len;
};

/* Parse a NegTokenResp ([1] SEQUENCE, RFC 4178 4.2.2) strictly: definite
 * DER lengths inside the input, fields in order, nothing after them. */
int spnego_parse_resp(const uint8_t *in, size_t len, struct spnego_resp *out,
		      struct rpe_error *err);
/* The MechTypeList of mechs[0..n) (what the mechListMIC covers) into
 * types, and the InitialContextToken with NegTokenInit carrying it and
 * token (may be empty) into out. */
int spnego_put_init(struct buf *out, struct buf *types,
		    const enum spnego_mech *mechs, size_t n,
		    const uint8_t *token, size_t token_len);
/* A client NegTokenResp with responseToken and mechListMIC when given. */
int spnego_put_resp(struct buf *out, const uint8_t *token, size_t token_len,
		    const uint8_t *mic, size_t mic_len);
const char *spnego_mech_name(int mech);

/* A SPNEGO context over the given mechanisms' contexts, which it owns
 * from now on (freed by its destroy, also on failure).  At least one must
 * be given; their get_mic/verify_mic serve the mechListMIC. */
struct secctx *spnego_secctx_new(struct secctx *krb5, struct secctx *ntlm,
				 struct rpe_error *err);

extern const struct secctx_ops spnego_secctx_ops;

#endif
