/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP authentication headers for NTLM over HTTP, sans-I/O.
 *
 * Reads the challenges of a 401 (RFC 7235 §4.1 WWW-Authenticate, possibly
 * several headers, each a comma list of challenges; RFC 7235 §2.1 syntax)
 * and builds `Authorization: NTLM|Negotiate <base64>` values (RFC 4559 §4,
 * MS-NTHT §2: NTLM carries raw MS-NLMP messages, still base64).  IIS offers
 * `Negotiate` and `NTLM` side by side; under Negotiate it accepts a raw
 * NTLMSSP message in place of SPNEGO and answers in kind, which is how a
 * client without Kerberos speaks NTLM to it.
 *
 *   httpauth_init(&h)
 *   httpauth_header_line(&h, line, len, err)   for every response header
 *   h.offered & HTTPAUTH_NTLM ...; httpauth_ntlm_token(&h, ...)
 *   httpauth_authorization(HTTPAUTH_NTLM, tok, len, &value, err)
 *   httpauth_free(&h) */
#ifndef RPE_HTTPAUTH_H
#define RPE_HTTPAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

enum httpauth_scheme {
	HTTPAUTH_BASIC = 1,
	HTTPAUTH_NTLM = 2,
	HTTPAUTH_NEGOTIATE = 4,
};

#define HTTPAUTH_TOKEN_MAX 65536 /* decoded bytes */

struct httpauth {
	unsigned offered;      /* enum httpauth_scheme bits seen */
	unsigned token_scheme; /* the scheme that carried the token, or 0 */
	struct buf token;      /* decoded token68 of that challenge */
	int token_is_ntlmssp;  /* the token is a raw NTLMSSP message */
};

void httpauth_init(struct httpauth *h);
void httpauth_free(struct httpauth *h);
/* Forget everything seen (a new response starts). */
void httpauth_reset(struct httpauth *h);

/* Parse one WWW-Authenticate field value (without the name).  Unknown
 * schemes and auth-params are skipped; a second token, a token that is not
 * canonical base64 (RFC 4648 §4, padded, no stray bits) or a malformed
 * list is RPE_ERR_PROTO. */
int httpauth_parse(struct httpauth *h, const char *value, size_t len,
		   struct rpe_error *err);

/* The challenges of one WWW-Authenticate (or Proxy-Authenticate) field
 * value, in order: fn gets each scheme token and its token68 (NULL when
 * the challenge has auth-params or nothing); fn's < 0 stops the walk.
 * A malformed list is RPE_ERR_PROTO.  The one parser of those headers:
 * httpauth_parse and lib/tlsinfo's list of offered schemes use it. */
typedef int (*httpauth_challenge_fn)(void *ctx, const uint8_t *scheme, size_t n,
				     const uint8_t *token68, size_t tn,
				     struct rpe_error *err);
int httpauth_each(const uint8_t *value, size_t len, httpauth_challenge_fn fn,
		  void *ctx, struct rpe_error *err);

/* Feed a raw header line as libcurl's header callback hands it ("Name:
 * value\r\n"): WWW-Authenticate lines are parsed (returns 1), others are
 * ignored (returns 0). */
int httpauth_header_line(struct httpauth *h, const char *line, size_t len,
			 struct rpe_error *err);

/* The NTLM CHALLENGE the server sent under `scheme` (HTTPAUTH_NTLM or
 * HTTPAUTH_NEGOTIATE with a raw NTLMSSP token).  RPE_ERR_PROTO with a
 * message when there is none or it is SPNEGO. */
int httpauth_ntlm_token(const struct httpauth *h, unsigned scheme,
			const uint8_t **tok, size_t *len, struct rpe_error *err);

/* Append "<Scheme> <base64 of tok>" to `out`, NUL-terminated (the value of
 * an Authorization header; out->len excludes the NUL). */
int httpauth_authorization(unsigned scheme, const uint8_t *tok, size_t len,
			   struct buf *out, struct rpe_error *err);

/* "NTLM", "Negotiate", "Basic". */
const char *httpauth_scheme_name(unsigned scheme);

#endif
