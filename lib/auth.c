/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The package table; see auth.h. */
#include "auth.h"

#include <stdlib.h>

#include "kerberos.h"
#include "ntlm.h"
#include "spnego.h"

typedef struct secctx *(*auth_new_fn)(const struct auth_params *p,
				      struct rpe_error *err);

static struct secctx *new_ntlm(const struct auth_params *p, struct rpe_error *err)
{
	return ntlm_secctx_new(p->user, p->domain, p->password, err);
}

static struct secctx *new_kerberos(const struct auth_params *p,
				   struct rpe_error *err)
{
	return kerb_secctx_new(p->kerb, p->spn, p->spn_server, p->level, err);
}

/* SPNEGO offering Kerberos when there are credentials for it, and NTLM
 * when there is a password: what Windows offers for auth type 9. */
static struct secctx *new_negotiate(const struct auth_params *p,
				    struct rpe_error *err)
{
	struct secctx *krb5 = NULL, *ntlm = NULL;

	if (p->kerb) {
		krb5 = kerb_secctx_new(p->kerb, p->spn, p->spn_server, p->level,
				       err);
		if (!krb5)
			return NULL;
	}
	if (p->password) {
		ntlm = ntlm_secctx_new(p->user, p->domain, p->password, err);
		if (!ntlm) {
			auth_secctx_free(krb5);
			return NULL;
		}
	}
	return spnego_secctx_new(krb5, ntlm, err);
}

static const auth_new_fn packages[AUTH_PKG_COUNT] = {
	[AUTH_PKG_NTLM] = new_ntlm,
	[AUTH_PKG_KERBEROS] = new_kerberos,
	[AUTH_PKG_NEGOTIATE] = new_negotiate,
};

struct secctx *auth_secctx_new(enum auth_package pkg,
			       const struct auth_params *p, struct rpe_error *err)
{
	if ((unsigned)pkg >= AUTH_PKG_COUNT || !packages[pkg]) {
		rpe_fail(err, RPE_ERR_ARG, "no such authentication package");
		return NULL;
	}
	return packages[pkg](p, err);
}

void auth_secctx_free(struct secctx *s)
{
	if (!s)
		return;
	if (s->ops->destroy)
		s->ops->destroy(s->ctx);
	free(s);
}
