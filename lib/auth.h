/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The authentication packages of the RPC bind, as a table: each package
 * makes a security context (lib/secctx.h) from the same credentials, so
 * that callers (the probe, test tools) name a package by its number and
 * never by its module.  Adding a package is one row here and one module
 * behind the secctx interface (docs/architecture.md, "Authentication
 * packages"). */
#ifndef RPE_AUTH_H
#define RPE_AUTH_H

#include <stdint.h>

#include "err.h"
#include "secctx.h"

/* Security packages of the RPC bind (MS-RPCE 2.2.1.1.7). */
enum auth_package {
	AUTH_PKG_NTLM = 0,  /* RPC_C_AUTHN_WINNT, NTLMSSP (10) */
	AUTH_PKG_KERBEROS,  /* RPC_C_AUTHN_GSS_KERBEROS (16) */
	AUTH_PKG_NEGOTIATE, /* RPC_C_AUTHN_GSS_NEGOTIATE (9), SPNEGO */
	AUTH_PKG_COUNT
};

struct kerb_creds;

/* What any package may need; each takes what it uses. */
struct auth_params {
	const char *user; /* NTLM: the user without the domain */
	const char *domain;
	const char *password;
	struct kerb_creds *kerb; /* Kerberos: acquired credentials, or NULL */
	const char *spn;         /* the service principal, or NULL: */
	const char *spn_server;  /* exchangeMDB/<spn_server> */
	uint8_t level;           /* DCERPC_AUTH_LEVEL_* of the association */
};

/* A security context of package pkg, or NULL with err filled.  Free it
 * with auth_secctx_free. */
struct secctx *auth_secctx_new(enum auth_package pkg, const struct auth_params *p,
			       struct rpe_error *err);
void auth_secctx_free(struct secctx *s);

#endif
