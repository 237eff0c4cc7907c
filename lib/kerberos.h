/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kerberos for DCE/RPC on MIT krb5's GSS-API: credentials that stay inside
 * the process, and a security context (auth type RPC_C_AUTHN_GSS_KERBEROS,
 * MS-RPCE 2.2.1.1.7) with DCE-style three-leg establishment (MS-KILE
 * 3.4.5.1) and DCE-style IOV sealing (MS-KILE 3.4.5.4.1).
 *
 *   creds = kerb_creds_acquire(&params)        -> the TGT (AS exchange)
 *   k = kerb_ctx_new(creds, spn, level)         one per association
 *   kerb_ctx_secctx(k)                          -> struct secctx
 *     step(NULL)       -> AP-REQ for the bind   (TGS exchange first)
 *     step(AP-REP)     -> client AP-REP for the auth3 (SECCTX_LAST)
 *
 * Credentials from a password, a client keytab or an existing cache
 * (KRB5CCNAME) are kept in a private MEMORY: credentials cache that nothing
 * outside the process sees and that is destroyed on free: the service
 * tickets of a run are never written anywhere.
 * Realm and KDCs come from krb5.conf (KRB5_CONFIG) or DNS, as MIT does.
 * Every call that may talk to a KDC blocks. */
#ifndef RPE_KERBEROS_H
#define RPE_KERBEROS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "secctx.h"

/* RPC_C_AUTHN_GSS_KERBEROS (MS-RPCE 2.2.1.1.7); SPNEGO (auth type 9)
 * wraps this context in lib/spnego. */
#define KERB_AUTH_TYPE 16

enum kerb_cred_source {
	KERB_CRED_PASSWORD = 1, /* password -> TGT in a private cache */
	KERB_CRED_KEYTAB,       /* client keytab -> TGT in a private cache */
	KERB_CRED_CCACHE,       /* the existing cache (KRB5CCNAME or default) */
};

struct kerb_cred_params {
	enum kerb_cred_source source;
	/* "user@dns.domain", "DOMAIN\user" or "user"; NULL with a keytab or
	 * a cache: the principal found there. */
	const char *user;
	const char *realm;    /* overrides the realm; NULL: from the user
				 name, else krb5.conf's default_realm */
	const char *password; /* KERB_CRED_PASSWORD (copied by GSS-API) */
	const char *keytab;   /* KERB_CRED_KEYTAB: a keytab file */
};

struct kerb_creds;

/* Acquire the credentials and, for a password or keytab, the TGT now, so
 * that KDC failures (unreachable, preauthentication failed, unknown
 * principal, clock skew) are reported as this step. */
struct kerb_creds *kerb_creds_acquire(const struct kerb_cred_params *p,
				      struct rpe_error *err);
/* Service tickets to fetch with the credentials, so that no later step
 * waits for a KDC. */
struct kerb_prefetch {
	const char *spn;    /* the store's: kerb_spn_name(spn, server, ...) */
	const char *server; /* (both NULL: none) */
	const char *http_host; /* libcurl's Negotiate: HTTP/<http_host>, or NULL */
};

/* kerb_creds_acquire plus the tickets of pf (may be NULL), on a worker
 * thread: at most timeout_ms pass.  On timeout NULL with *timed_out set
 * (the worker finishes on its own). */
struct kerb_creds *kerb_creds_acquire_within(const struct kerb_cred_params *p,
					     const struct kerb_prefetch *pf,
					     long timeout_ms, int *timed_out,
					     struct rpe_error *err);
void kerb_creds_free(struct kerb_creds *c);
/* "user@REALM" of the credentials. */
const char *kerb_creds_principal(const struct kerb_creds *c);
/* Make the private cache GSS-API's default in this thread, so that
 * libcurl's Negotiate (GSS_C_NO_CREDENTIAL) uses the same TGT; the process
 * environment is left alone. */
int kerb_creds_make_default(const struct kerb_creds *c, struct rpe_error *err);

/* The client principal for a user name: "user@dom.example" ->
 * "user@DOM.EXAMPLE", "DOM\user" -> "user" (+ "@REALM" with realm);
 * realm, when set, replaces the realm.  RPE_ERR_ARG on an empty user. */
int kerb_principal_name(const char *user, const char *realm, char *out,
			size_t outsz);
/* The service principal: spn when set (with "@REALM" appended when it has
 * none and realm is known), else "exchangeMDB/<server>". */
int kerb_spn_name(const char *spn, const char *server, const char *realm,
		  char *out, size_t outsz);

/* What a krb5 error code (a GSS-API minor status) means for an operator,
 * or NULL: "preauthentication failed (wrong password or key)", "clock
 * skew too great ...".  as_step: the code came from the AS exchange. */
const char *kerb_reason(int32_t code, int as_step);

struct kerb_ctx;

/* A context for one association at auth_level (connect, integrity,
 * privacy) with the service principal kerb_spn_name(spn, server, the
 * credentials' realm); auth type 16, three legs.  c must outlive the
 * context. */
struct kerb_ctx *kerb_ctx_new(struct kerb_creds *c, const char *spn,
			      const char *server, uint8_t auth_level,
			      struct rpe_error *err);
/* The context as DCE/RPC's security context (the ops for its package). */
void kerb_ctx_secctx(struct kerb_ctx *k, struct secctx *out);
/* The service principal in use, for messages. */
const char *kerb_ctx_spn(const struct kerb_ctx *k);
void kerb_ctx_free(struct kerb_ctx *k);

/* kerb_ctx_new as a security context (the package table's entry); its
 * destroy frees the context.  NULL c: RPE_ERR_ARG. */
struct secctx *kerb_secctx_new(struct kerb_creds *c, const char *spn,
			       const char *server, uint8_t auth_level,
			       struct rpe_error *err);

extern const struct secctx_ops kerb_secctx_ops;

#endif
