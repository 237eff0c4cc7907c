/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kerberos security context for DCE/RPC on MIT krb5's GSS-API; see
 * kerberos.h.  GSS-API parses every token the server sends (AP-REP, wrap
 * and MIC tokens); this file only moves them and maps the outcomes. */
#define _POSIX_C_SOURCE 200809L /* access, strdup, clock_gettime */
#include "kerberos.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "buf.h"
#include "dcerpc.h"

#define KERB_NAME_MAX 256
/* Upper bound for a wrap or MIC token on a DCE/RPC PDU (AES: 76 and 28
 * bytes with the 16-byte EC of MS-KILE 3.4.5.4.1; RC4 less). */
#define KERB_SIG_MAX 128

/* SPNEGO, 1.3.6.1.5.5.2 (RFC 4178) */
static gss_OID_desc spnego_oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };

/* Credentials are acquired for krb5 and for GSS-API's SPNEGO limited to
 * krb5; contexts use krb5 alone (lib/spnego frames SPNEGO itself). */
static gss_OID_set_desc *cred_mechs(void)
{
	static gss_OID_desc both[2];
	static gss_OID_set_desc set = { 2, both };

	both[0] = *(gss_OID)gss_mech_krb5;
	both[1] = spnego_oid;
	return &set;
}

struct kerb_creds {
	gss_cred_id_t cred;
	krb5_context kctx;
	char ccache[KERB_NAME_MAX]; /* private MEMORY: cache, or "" */
	char principal[KERB_NAME_MAX];
	char realm[KERB_NAME_MAX];
};

struct kerb_ctx {
	struct kerb_creds *creds;
	gss_ctx_id_t gctx;
	gss_name_t target;
	char spn[KERB_NAME_MAX];
	OM_uint32 want;
	uint8_t level;
	int legs;
	int complete;
	size_t mic_size;
	size_t wrap_size;
};

/* Error mapping --------------------------------------------------------------- */

/* Outcomes worth naming.  as_only: the code means this only in the AS
 * exchange (getting the TGT); elsewhere the library's text is kept. */
static const struct {
	krb5_error_code code;
	int as_only;
	const char *text;
} kerb_reasons[] = {
	{ KRB5_KDC_UNREACH, 0, "KDC unreachable (no KDC of the realm answered)" },
	{ KRB5_REALM_CANT_RESOLVE, 0,
	  "no KDC known for the realm (krb5.conf, DNS SRV records)" },
	{ KRB5_REALM_UNKNOWN, 0, "realm unknown (no KDC in krb5.conf or DNS)" },
	{ KRB5_CONFIG_NODEFREALM, 0, "no realm (give user@REALM or --realm)" },
	{ KRB5KDC_ERR_PREAUTH_FAILED, 0,
	  "preauthentication failed (wrong password or key)" },
	{ KRB5KRB_AP_ERR_BAD_INTEGRITY, 1,
	  "preauthentication failed (wrong password or key)" },
	{ KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, 0,
	  "unknown principal (no such account in the realm)" },
	{ KRB5KDC_ERR_CLIENT_REVOKED, 0, "account disabled or locked out" },
	{ KRB5KDC_ERR_KEY_EXP, 0, "password expired" },
	{ KRB5KRB_AP_ERR_SKEW, 0,
	  "clock skew too great (more than the realm allows, usually 5 minutes)" },
	{ KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, 0,
	  "no such service principal (register the SPN on the server's account, or use --spn)" },
	{ KRB5_KT_NOTFOUND, 0, "the keytab has no key for the principal" },
	{ KRB5_KT_END, 0, "the keytab is empty" },
	{ KRB5_FCC_NOFILE, 0,
	  "no credentials cache (kinit first, or set KRB5CCNAME)" },
	{ KRB5_CC_NOTFOUND, 1,
	  "no ticket for the principal in the credentials cache (kinit first)" },
	{ KRB5KDC_ERR_ETYPE_NOSUPP, 0,
	  "no encryption type in common with the KDC" },
	{ KRB5KRB_AP_ERR_TKT_EXPIRED, 0, "ticket expired" },
	{ KRB5KRB_AP_ERR_MODIFIED, 0,
	  "the server's key does not match the ticket (SPN on the wrong account?)" },
};

static void gss_text(OM_uint32 code, int type, char *out, size_t outsz)
{
	OM_uint32 min, ctx = 0;
	gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;

	out[0] = '\0';
	if (gss_display_status(&min, code, type, (gss_OID)gss_mech_krb5, &ctx,
			       &msg) == GSS_S_COMPLETE) {
		snprintf(out, outsz, "%.*s", (int)msg.length,
			 (const char *)msg.value);
		gss_release_buffer(&min, &msg);
	}
}

const char *kerb_reason(int32_t code, int as_step)
{
	size_t i;

	for (i = 0; i < sizeof(kerb_reasons) / sizeof(kerb_reasons[0]); i++)
		if (code == kerb_reasons[i].code &&
		    (as_step || !kerb_reasons[i].as_only))
			return kerb_reasons[i].text;
	return NULL;
}

/* "Kerberos <step>: <reason> (<library text>)"; is_as: the step is (or
 * includes) the AS exchange.  Returns RPE_ERR_AUTH. */
static int kerb_fail(struct rpe_error *err, const char *step, int is_as,
		     OM_uint32 maj, OM_uint32 min)
{
	char lib[160];
	const char *reason = kerb_reason((int32_t)min, is_as);

	if (min != 0)
		gss_text(min, GSS_C_MECH_CODE, lib, sizeof(lib));
	else
		gss_text(maj, GSS_C_GSS_CODE, lib, sizeof(lib));
	if (reason)
		return rpe_fail(err, RPE_ERR_AUTH, "Kerberos %s: %s (%s)", step,
				reason, lib);
	return rpe_fail(err, RPE_ERR_AUTH, "Kerberos %s: %s", step,
			lib[0] ? lib : "GSS-API failure");
}

/* Names ------------------------------------------------------------------------ */

int kerb_principal_name(const char *user, const char *realm, char *out,
			size_t outsz)
{
	const char *bs, *at, *name = user;
	char dom[KERB_NAME_MAX] = "";
	size_t i, nlen;
	int n;

	if (!user || !*user)
		return RPE_ERR_ARG;
	if ((bs = strchr(user, '\\')) != NULL)
		name = bs + 1; /* NetBIOS domain: not a realm */
	at = strrchr(name, '@');
	nlen = at ? (size_t)(at - name) : strlen(name);
	if (nlen == 0)
		return RPE_ERR_ARG;
	if (realm && *realm)
		snprintf(dom, sizeof(dom), "%s", realm);
	else if (at && at[1])
		snprintf(dom, sizeof(dom), "%s", at + 1);
	/* An AD realm is the DNS domain in capitals. */
	for (i = 0; dom[i]; i++)
		dom[i] = (char)toupper((unsigned char)dom[i]);
	n = dom[0] ? snprintf(out, outsz, "%.*s@%s", (int)nlen, name, dom) :
		     snprintf(out, outsz, "%.*s", (int)nlen, name);
	return n < 0 || (size_t)n >= outsz ? RPE_ERR_TOOBIG : 0;
}

int kerb_spn_name(const char *spn, const char *server, const char *realm,
		  char *out, size_t outsz)
{
	int n;

	if (spn && *spn)
		n = strchr(spn, '@') || !realm || !*realm ?
			    snprintf(out, outsz, "%s", spn) :
			    snprintf(out, outsz, "%s@%s", spn, realm);
	else if (server && *server)
		/* The store's SPN, as Outlook asks for it: Exchange registers
		 * exchangeMDB/<FQDN> and /<NetBIOS name> on the server's
		 * computer account (no Open Specification names it). */
		n = realm && *realm ?
			    snprintf(out, outsz, "exchangeMDB/%s@%s", server,
				     realm) :
			    snprintf(out, outsz, "exchangeMDB/%s", server);
	else
		return RPE_ERR_ARG;
	return n < 0 || (size_t)n >= outsz ? RPE_ERR_TOOBIG : 0;
}

static int import_name(const char *s, gss_name_t *out)
{
	OM_uint32 min;
	gss_buffer_desc b = { strlen(s), (void *)s };

	return gss_import_name(&min, &b, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME,
			       out) == GSS_S_COMPLETE ?
		       0 :
		       RPE_ERR_ARG;
}

/* Credentials -------------------------------------------------------------------- */

/* A fresh MEMORY: cache: visible to this process only, gone at exit. */
static int private_ccache(struct kerb_creds *c, struct rpe_error *err)
{
	krb5_ccache cc;
	char *name = NULL;
	krb5_error_code kr;

	kr = krb5_cc_new_unique(c->kctx, "MEMORY", NULL, &cc);
	if (kr == 0) {
		kr = krb5_cc_get_full_name(c->kctx, cc, &name);
		krb5_cc_close(c->kctx, cc);
	}
	if (kr != 0)
		return rpe_fail(err, RPE_ERR_NOMEM,
				"Kerberos: cannot create a private credentials cache");
	snprintf(c->ccache, sizeof(c->ccache), "%s", name);
	krb5_free_string(c->kctx, name);
	return 0;
}

/* Record the principal the credentials are for, and its realm. */
static int creds_names(struct kerb_creds *c, struct rpe_error *err)
{
	OM_uint32 maj, min;
	gss_name_t name = GSS_C_NO_NAME;
	gss_buffer_desc disp = GSS_C_EMPTY_BUFFER;
	const char *at;

	/* MIT resolves password and keytab credentials here: the AS
	 * exchange happens now, not inside the first bind. */
	maj = gss_inquire_cred(&min, c->cred, &name, NULL, NULL, NULL);
	if (GSS_ERROR(maj))
		return kerb_fail(err, c->principal[0] ? "TGT" : "credentials",
				 1, maj, min);
	maj = gss_display_name(&min, name, &disp, NULL);
	if (!GSS_ERROR(maj)) {
		snprintf(c->principal, sizeof(c->principal), "%.*s",
			 (int)disp.length, (const char *)disp.value);
		gss_release_buffer(&min, &disp);
	}
	gss_release_name(&min, &name);
	if ((at = strrchr(c->principal, '@')) != NULL)
		snprintf(c->realm, sizeof(c->realm), "%s", at + 1);
	return 0;
}

/* Move the credentials (a password's TGT sits in a cache MIT made and
 * keeps to itself; a user's cache is not ours to write) to a private cache
 * with a name, so that libcurl's GSS-API can be pointed at the same TGT
 * (kerb_creds_make_default) and every ticket lands there. */
static int creds_to_private_ccache(struct kerb_creds *c, gss_name_t want,
				   struct rpe_error *err)
{
	gss_key_value_element_desc el = { "ccache", NULL };
	gss_key_value_set_desc store = { 1, &el };
	OM_uint32 maj, min;

	TRY(private_ccache(c, err));
	el.value = c->ccache;
	maj = gss_store_cred_into(&min, c->cred, GSS_C_INITIATE,
				  (gss_OID)gss_mech_krb5, 1, 0, &store, NULL,
				  NULL);
	gss_release_cred(&min, &c->cred);
	if (!GSS_ERROR(maj))
		maj = gss_acquire_cred_from(&min, want, GSS_C_INDEFINITE,
					    cred_mechs(), GSS_C_INITIATE,
					    &store, &c->cred, NULL, NULL);
	return GSS_ERROR(maj) ?
		       kerb_fail(err, "private credentials cache", 0, maj, min) :
		       0;
}

/* MIT announces confidentiality and integrity in every authenticator
 * unless told not to; a server (Samba) then sizes its verifiers for
 * sealing even at level integrity.  Announce only what the level asks
 * (RFC 4121 4.1.1.1 checksum flags, MS-KILE 3.4.5.1). */
static int creds_no_ci_flags(struct kerb_creds *c, struct rpe_error *err)
{
	gss_buffer_desc empty = GSS_C_EMPTY_BUFFER;
	gss_OID_set_desc krb5_only = { 1, (gss_OID)gss_mech_krb5 };
	OM_uint32 maj, min;

	maj = gss_set_cred_option(&min, &c->cred, GSS_KRB5_CRED_NO_CI_FLAGS_X,
				  &empty);
	/* SPNEGO offers Kerberos only: no silent fallback to another
	 * mechanism (RFC 4178 negotiation, MS-RPCE auth type 9). */
	if (!GSS_ERROR(maj))
		maj = gss_set_neg_mechs(&min, c->cred, &krb5_only);
	return GSS_ERROR(maj) ?
		       kerb_fail(err, "credential options", 0, maj, min) :
		       0;
}

static int creds_get(struct kerb_creds *c, const struct kerb_cred_params *p,
		     gss_name_t want, struct rpe_error *err)
{
	gss_key_value_element_desc el[2];
	gss_key_value_set_desc store = { 0, el };
	OM_uint32 maj, min;
	char step[2 * KERB_NAME_MAX];

	snprintf(step, sizeof(step), "TGT for %s",
		 c->principal[0]               ? c->principal :
		 p->source == KERB_CRED_KEYTAB ? "the keytab's principal" :
						 "the cache's principal");
	if (p->source == KERB_CRED_KEYTAB) {
		/* MIT would fall back to the default cache silently. */
		if (access(p->keytab, R_OK) != 0)
			return rpe_fail(err, RPE_ERR_ARG,
					"Kerberos: cannot read the keytab %s: %s",
					p->keytab, strerror(errno));
		TRY(private_ccache(c, err));
		el[0].key = "ccache";
		el[0].value = c->ccache;
		el[1].key = "client_keytab";
		el[1].value = p->keytab;
		store.count = 2;
	} else if (p->source == KERB_CRED_PASSWORD) {
		/* MIT keeps password credentials in a MEMORY: cache of its
		 * own (it refuses a named one), destroyed with the handle. */
		el[0].key = "password";
		el[0].value = p->password;
		store.count = 1;
	}
	maj = gss_acquire_cred_from(&min, want, GSS_C_INDEFINITE, cred_mechs(),
				    GSS_C_INITIATE,
				    store.count ? &store : GSS_C_NO_CRED_STORE,
				    &c->cred, NULL, NULL);
	if (GSS_ERROR(maj) && p->source == KERB_CRED_KEYTAB &&
	    ((krb5_error_code)min == KRB5_FCC_NOFILE ||
	     (krb5_error_code)min == KRB5_KT_NOTFOUND))
		return rpe_fail(err, RPE_ERR_AUTH,
				"Kerberos %s: the keytab %s has no key for it",
				step, p->keytab);
	if (GSS_ERROR(maj))
		return kerb_fail(err, step, 1, maj, min);
	/* A keytab's TGT is in the private cache already; a password's or a
	 * user's cache's goes there, so service tickets never land in the
	 * user's cache either. */
	if (p->source != KERB_CRED_KEYTAB)
		TRY(creds_to_private_ccache(c, want, err));
	TRY(creds_no_ci_flags(c, err));
	return creds_names(c, err);
}

/* krb5.conf's default_realm, or NULL. */
static const char *default_realm(struct kerb_creds *c, char *out, size_t n)
{
	char *r = NULL;

	if (krb5_get_default_realm(c->kctx, &r) != 0)
		return NULL;
	snprintf(out, n, "%s", r);
	krb5_free_default_realm(c->kctx, r);
	return out;
}

struct kerb_creds *kerb_creds_acquire(const struct kerb_cred_params *p,
				      struct rpe_error *err)
{
	char realm[KERB_NAME_MAX];
	struct kerb_creds *c;
	gss_name_t want = GSS_C_NO_NAME;
	OM_uint32 min;
	int rc = 0;

	if ((p->source == KERB_CRED_PASSWORD && (!p->password || !p->user)) ||
	    (p->source == KERB_CRED_KEYTAB && !p->keytab)) {
		rpe_fail(err, RPE_ERR_ARG, "Kerberos: %s",
			 p->source == KERB_CRED_KEYTAB ?
				 "no keytab given" :
				 "a password needs a user name");
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->cred = GSS_C_NO_CREDENTIAL;
	if (krb5_init_context(&c->kctx) != 0) {
		free(c);
		rpe_fail(err, RPE_ERR_STATE,
			 "Kerberos: cannot read the configuration (krb5.conf, KRB5_CONFIG)");
		return NULL;
	}
	if (p->user && *p->user) {
		rc = kerb_principal_name(p->user, p->realm, c->principal,
					 sizeof(c->principal));
		/* "DOMAIN\user" or "user": krb5.conf's realm, named. */
		if (rc == 0 && !strchr(c->principal, '@') &&
		    default_realm(c, realm, sizeof(realm)))
			rc = kerb_principal_name(p->user, realm, c->principal,
						 sizeof(c->principal));
		if (rc == 0 && import_name(c->principal, &want) < 0)
			rc = RPE_ERR_ARG;
		if (rc < 0)
			rpe_fail(err, rc,
				 "Kerberos: cannot use \"%s\" as a principal name",
				 p->user);
	}
	if (rc == 0)
		rc = creds_get(c, p, want, err);
	gss_release_name(&min, &want);
	if (rc < 0) {
		kerb_creds_free(c);
		return NULL;
	}
	return c;
}

void kerb_creds_free(struct kerb_creds *c)
{
	OM_uint32 min;
	krb5_ccache cc;

	if (!c)
		return;
	gss_release_cred(&min, &c->cred);
	/* Destroying the private cache wipes the TGT and service tickets. */
	if (c->ccache[0] && krb5_cc_resolve(c->kctx, c->ccache, &cc) == 0)
		krb5_cc_destroy(c->kctx, cc);
	krb5_free_context(c->kctx);
	free(c);
}

const char *kerb_creds_principal(const struct kerb_creds *c)
{
	return c->principal;
}

int kerb_creds_make_default(const struct kerb_creds *c, struct rpe_error *err)
{
	OM_uint32 maj, min;

	if (!c->ccache[0])
		return 0; /* the default cache already */
	maj = gss_krb5_ccache_name(&min, c->ccache, NULL);
	return GSS_ERROR(maj) ?
		       kerb_fail(err, "default credentials cache", 0, maj, min) :
		       0;
}

/* Security context ------------------------------------------------------------- */

struct kerb_ctx *kerb_ctx_new(struct kerb_creds *c, const char *spn,
			      const char *server, uint8_t auth_level,
			      struct rpe_error *err)
{
	struct kerb_ctx *k = calloc(1, sizeof(*k));

	if (!k) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	k->creds = c;
	k->gctx = GSS_C_NO_CONTEXT;
	k->target = GSS_C_NO_NAME;
	k->level = auth_level;
	/* Three legs (MS-KILE 3.4.5.1), server authenticated, no delegation
	 * of our TGT; protection as the level needs (MS-RPCE 3.3.1.5.2). */
	k->want = GSS_C_DCE_STYLE | GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG |
		  GSS_C_SEQUENCE_FLAG;
	if (auth_level >= DCERPC_AUTH_LEVEL_INTEGRITY)
		k->want |= GSS_C_INTEG_FLAG;
	if (auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
		k->want |= GSS_C_CONF_FLAG;
	if (kerb_spn_name(spn, server, c->realm, k->spn, sizeof(k->spn)) < 0 ||
	    import_name(k->spn, &k->target) < 0) {
		rpe_fail(err, RPE_ERR_ARG,
			 "Kerberos: cannot use \"%s\" as a service principal",
			 spn && *spn ? spn :
			 server      ? server :
				       "");
		kerb_ctx_free(k);
		return NULL;
	}
	return k;
}

void kerb_ctx_free(struct kerb_ctx *k)
{
	OM_uint32 min;

	if (!k)
		return;
	/* Deleting the context wipes its session keys. */
	gss_delete_sec_context(&min, &k->gctx, GSS_C_NO_BUFFER);
	gss_release_name(&min, &k->target);
	free(k);
}

const char *kerb_ctx_spn(const struct kerb_ctx *k)
{
	return k->spn;
}

/* Token sizes of this context: they depend on the session key's enctype.
 * The padded stub is a multiple of 16 bytes (MS-KILE MessageBlockSize),
 * which is what the sizes are asked for. */
static int ctx_sizes(struct kerb_ctx *k, struct rpe_error *err)
{
	gss_iov_buffer_desc iov[2];
	OM_uint32 maj, min;

	memset(iov, 0, sizeof(iov));
	iov[0].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[0].buffer.length = DCERPC_AUTH_PAD_ALIGN;
	iov[1].type = GSS_IOV_BUFFER_TYPE_MIC_TOKEN;
	maj = gss_get_mic_iov_length(&min, k->gctx, GSS_C_QOP_DEFAULT, iov, 2);
	if (GSS_ERROR(maj))
		return kerb_fail(err, "MIC size", 0, maj, min);
	k->mic_size = iov[1].buffer.length;
	memset(iov, 0, sizeof(iov));
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[1].buffer.length = DCERPC_AUTH_PAD_ALIGN;
	/* No TRAILER buffer: DCE style puts the trailer into the header
	 * (MS-KILE 3.4.5.4.1, RRC), which becomes the PDU's auth value. */
	maj = gss_wrap_iov_length(&min, k->gctx, 1, GSS_C_QOP_DEFAULT, NULL,
				  iov, 2);
	if (GSS_ERROR(maj))
		return kerb_fail(err, "wrap size", 0, maj, min);
	k->wrap_size = iov[0].buffer.length;
	if (k->mic_size == 0 || k->mic_size > KERB_SIG_MAX ||
	    k->wrap_size == 0 || k->wrap_size > KERB_SIG_MAX)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"Kerberos: token sizes %zu/%zu not supported",
				k->mic_size, k->wrap_size);
	return 0;
}

/* The context is complete: check what it grants before trusting it. */
static int ctx_complete(struct kerb_ctx *k, OM_uint32 got, struct rpe_error *err)
{
	OM_uint32 need = k->want & (GSS_C_MUTUAL_FLAG | GSS_C_DCE_STYLE |
				    GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG);

	if (k->legs < 2 || (got & need) != need)
		return rpe_fail(err, RPE_ERR_AUTH,
				"Kerberos mutual authentication with %s: the context lacks %s",
				k->spn,
				k->legs < 2 ? "the server's AP-REP" :
				(need & ~got) & GSS_C_CONF_FLAG ?
					      "confidentiality" :
				(need & ~got) & GSS_C_INTEG_FLAG ?
					      "integrity" :
					      "mutual authentication");
	TRY(ctx_sizes(k, err));
	k->complete = 1;
	return 0;
}

/* First leg: in == NULL, out = AP-REQ (after the TGS exchange).  Second:
 * in = the server's AP-REP, out = our AP-REP for the auth3, as Windows and
 * Samba send the third leg (MS-KILE 3.4.5.1, MS-RPCE 3.3.1.5.2). */
static int kc_step(void *ctx, const uint8_t *in, size_t in_len, struct buf *out,
		   struct rpe_error *err)
{
	struct kerb_ctx *k = ctx;
	gss_buffer_desc itok = { in_len, (void *)in };
	gss_buffer_desc otok = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min, tmp, got = 0;
	char step[KERB_NAME_MAX + 32];
	int rc = 0;

	if (k->complete || k->legs > 1 || (k->legs == 0) != (in == NULL))
		return rpe_fail(err, RPE_ERR_STATE, "Kerberos: unexpected step");
	if (k->legs == 1 && in_len == 0)
		return rpe_fail(err, RPE_ERR_AUTH,
				"Kerberos mutual authentication with %s: the server sent no AP-REP",
				k->spn);
	maj = gss_init_sec_context(&min, k->creds->cred, &k->gctx, k->target,
				   (gss_OID)gss_mech_krb5, k->want, 0,
				   GSS_C_NO_CHANNEL_BINDINGS,
				   in ? &itok : GSS_C_NO_BUFFER, NULL, &otok,
				   &got, NULL);
	k->legs++;
	if (GSS_ERROR(maj)) {
		snprintf(step, sizeof(step),
			 k->legs == 1 ? "service ticket for %s" :
					"mutual authentication with %s",
			 k->spn);
		gss_release_buffer(&tmp, &otok);
		return kerb_fail(err, step, k->legs == 1, maj, min);
	}
	if (otok.length && buf_put_bytes(out, otok.value, otok.length) < 0)
		rc = rpe_fail(err, RPE_ERR_TOOBIG, "Kerberos token too large");
	gss_release_buffer(&tmp, &otok);
	if (rc < 0)
		return rc;
	if (maj & GSS_S_CONTINUE_NEEDED)
		return SECCTX_CONTINUE;
	TRY(ctx_complete(k, got, err));
	return out->len ? SECCTX_LAST : SECCTX_DONE;
}

/* Protection ------------------------------------------------------------------- */

static size_t kc_sig_size(void *ctx, uint8_t auth_level)
{
	struct kerb_ctx *k = ctx;

	if (!k->complete)
		return 0;
	return auth_level == DCERPC_AUTH_LEVEL_PRIVACY   ? k->wrap_size :
	       auth_level == DCERPC_AUTH_LEVEL_INTEGRITY ? k->mic_size :
							   0;
}

/* Integrity with header signing: one MIC over header, body and
 * sec_trailer (MS-RPCE 3.3.1.5.2.2), as Samba computes it. */
static int kc_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t *sig)
{
	struct kerb_ctx *k = ctx;
	gss_buffer_desc m = { len, (void *)msg }, t = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;
	int rc = 0;

	if (!k->complete)
		return RPE_ERR_STATE;
	maj = gss_get_mic(&min, k->gctx, GSS_C_QOP_DEFAULT, &m, &t);
	if (maj != GSS_S_COMPLETE || t.length != k->mic_size)
		rc = RPE_ERR_CRYPTO;
	else
		memcpy(sig, t.value, t.length);
	gss_release_buffer(&min, &t);
	return rc;
}

static int kc_verify(void *ctx, const uint8_t *msg, size_t len, const uint8_t *sig)
{
	struct kerb_ctx *k = ctx;
	gss_buffer_desc m = { len, (void *)msg };
	gss_buffer_desc t = { k->mic_size, (void *)sig };
	OM_uint32 min;

	if (!k->complete)
		return RPE_ERR_STATE;
	/* Any supplementary bit (duplicate, old, gap) is a failure too. */
	return gss_verify_mic(&min, k->gctx, &m, &t, NULL) == GSS_S_COMPLETE ?
		       0 :
		       RPE_ERR_AUTH;
}

/* The four DCE-style IOV buffers (MS-RPCE 3.3.1.5.2.2, MS-KILE 3.4.5.4.1):
 * the token, the header signed only, the body encrypted, the padding's
 * end through the sec_trailer signed only. */
static void iov_pdu(gss_iov_buffer_desc iov[4], uint8_t *tok, size_t toklen,
		    uint8_t *msg, size_t len, size_t enc_off, size_t enc_len)
{
	memset(iov, 0, 4 * sizeof(*iov));
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[0].buffer.length = toklen;
	iov[0].buffer.value = tok;
	iov[1].type = GSS_IOV_BUFFER_TYPE_SIGN_ONLY;
	iov[1].buffer.length = enc_off;
	iov[1].buffer.value = msg;
	iov[2].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[2].buffer.length = enc_len;
	iov[2].buffer.value = msg + enc_off;
	iov[3].type = GSS_IOV_BUFFER_TYPE_SIGN_ONLY;
	iov[3].buffer.length = len - enc_off - enc_len;
	iov[3].buffer.value = msg + enc_off + enc_len;
}

static int kc_seal(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		   size_t enc_len, uint8_t *sig)
{
	struct kerb_ctx *k = ctx;
	gss_iov_buffer_desc iov[4];
	OM_uint32 maj, min;
	int conf = 0;

	if (!k->complete || enc_off > len || enc_len > len - enc_off)
		return RPE_ERR_STATE;
	iov_pdu(iov, sig, k->wrap_size, msg, len, enc_off, enc_len);
	maj = gss_wrap_iov(&min, k->gctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 4);
	if (maj != GSS_S_COMPLETE || !conf || iov[0].buffer.length != k->wrap_size)
		return RPE_ERR_CRYPTO;
	return 0;
}

static int kc_unseal(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		     size_t enc_len, const uint8_t *sig)
{
	struct kerb_ctx *k = ctx;
	gss_iov_buffer_desc iov[4];
	uint8_t tok[KERB_SIG_MAX];
	OM_uint32 maj, min;
	int conf = 0, rc;

	if (!k->complete || enc_off > len || enc_len > len - enc_off)
		return RPE_ERR_STATE;
	memcpy(tok, sig, k->wrap_size);
	iov_pdu(iov, tok, k->wrap_size, msg, len, enc_off, enc_len);
	maj = gss_unwrap_iov(&min, k->gctx, &conf, NULL, iov, 4);
	/* A token that verifies but was not encrypted is a downgrade. */
	rc = maj == GSS_S_COMPLETE && conf ? 0 : RPE_ERR_AUTH;
	buf_wipe(tok, sizeof(tok));
	return rc;
}

/* GSS_GetMIC / GSS_VerifyMIC over any message (SPNEGO's mechListMIC). */
static int kc_get_mic(void *ctx, const uint8_t *msg, size_t len, struct buf *mic)
{
	struct kerb_ctx *k = ctx;
	gss_buffer_desc m = { len, (void *)msg }, t = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;
	int rc;

	if (!k->complete)
		return RPE_ERR_STATE;
	maj = gss_get_mic(&min, k->gctx, GSS_C_QOP_DEFAULT, &m, &t);
	rc = maj == GSS_S_COMPLETE ? buf_put_bytes(mic, t.value, t.length) :
				     RPE_ERR_CRYPTO;
	gss_release_buffer(&min, &t);
	return rc;
}

static int kc_verify_mic(void *ctx, const uint8_t *msg, size_t len,
			 const uint8_t *mic, size_t mic_len)
{
	struct kerb_ctx *k = ctx;
	gss_buffer_desc m = { len, (void *)msg };
	gss_buffer_desc t = { mic_len, (void *)mic };
	OM_uint32 min;

	if (!k->complete)
		return RPE_ERR_STATE;
	return gss_verify_mic(&min, k->gctx, &m, &t, NULL) == GSS_S_COMPLETE ?
		       0 :
		       RPE_ERR_AUTH;
}

static void kc_destroy(void *ctx)
{
	kerb_ctx_free(ctx);
}

static const char *kc_failure_hint(void *ctx, enum secctx_failure f,
				   unsigned reason, char *out, size_t outsz)
{
	struct kerb_ctx *k = ctx;

	if (f == SECCTX_FAIL_DENIED)
		snprintf(out, outsz, "the account may not use this service");
	else if (reason == SECCTX_NAK_AUTH_TYPE_NOT_RECOGNIZED)
		snprintf(out, outsz,
			 "the server does not accept %s (RPC auth type %u); --auth ntlm may",
			 "Kerberos", KERB_AUTH_TYPE);
	else
		/* Windows and Samba refuse a ticket they cannot decrypt with
		 * a bind_nak: name the SPN to check. */
		snprintf(out, outsz,
			 "the server refused the Kerberos ticket for %s: is that SPN registered on this server's account?",
			 k->spn);
	return out;
}

const struct secctx_ops kerb_secctx_ops = {
	.name = "Kerberos",
	.auth_type = KERB_AUTH_TYPE,
	.sign = kc_sign,
	.verify = kc_verify,
	.seal = kc_seal,
	.unseal = kc_unseal,
	.step = kc_step,
	.sig_size = kc_sig_size,
	.header_sign = 1,
	.get_mic = kc_get_mic,
	.verify_mic = kc_verify_mic,
	.destroy = kc_destroy,
	.failure_hint = kc_failure_hint,
};

void kerb_ctx_secctx(struct kerb_ctx *k, struct secctx *out)
{
	out->ops = &kerb_secctx_ops;
	out->ctx = k;
}

struct secctx *kerb_secctx_new(struct kerb_creds *c, const char *spn,
			       const char *server, uint8_t auth_level,
			       struct rpe_error *err)
{
	struct secctx *sec;
	struct kerb_ctx *k;

	if (!c) {
		rpe_fail(err, RPE_ERR_ARG, "Kerberos without credentials");
		return NULL;
	}
	sec = calloc(1, sizeof(*sec));
	if (!sec) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	k = kerb_ctx_new(c, spn, server, auth_level, err);
	if (!k) {
		free(sec);
		return NULL;
	}
	kerb_ctx_secctx(k, sec);
	return sec;
}

/* Bounded acquisition ---------------------------------------------------------- */

/* MIT talks to KDCs synchronously with timeouts of its own (a silent KDC
 * costs seconds per pass).  The AS and TGS exchanges therefore run on a
 * worker thread that the caller waits for until its deadline; a worker
 * that is given up on cleans up after itself when MIT returns. */
struct kerb_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, abandoned;
	struct kerb_cred_params p;
	char *strs[7]; /* owned copies: user realm password keytab, spn server
			  http_host */
	struct kerb_creds *creds;
	struct rpe_error err;
};

static void job_free(struct kerb_job *j)
{
	size_t i;

	for (i = 0; i < sizeof(j->strs) / sizeof(j->strs[0]); i++) {
		if (j->strs[i])
			buf_wipe(j->strs[i], strlen(j->strs[i]));
		free(j->strs[i]);
	}
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

/* The service ticket now, through a throwaway first leg: the real bind
 * then finds it in the credentials cache and does not wait for a KDC. */
static int creds_prefetch(struct kerb_creds *c, const char *spn,
			  const char *server, struct rpe_error *err)
{
	struct kerb_ctx *k;
	struct buf tok;
	int rc;

	if (!(k = kerb_ctx_new(c, spn, server, DCERPC_AUTH_LEVEL_CONNECT, err)))
		return err ? err->code : RPE_ERR_ARG;
	buf_init(&tok, 65536);
	rc = kc_step(k, NULL, 0, &tok, err);
	buf_free(&tok);
	kerb_ctx_free(k);
	return rc < 0 ? rc : 0;
}

/* The store's ticket, and libcurl's (HTTP/<host>, RFC 4559) for
 * Negotiate at the RPC proxy. */
static int job_prefetch(struct kerb_job *j)
{
	char http[KERB_NAME_MAX];

	if ((j->strs[4] || j->strs[5]) &&
	    creds_prefetch(j->creds, j->strs[4], j->strs[5], &j->err) < 0)
		return -1;
	if (!j->strs[6])
		return 0;
	snprintf(http, sizeof(http), "HTTP/%s", j->strs[6]);
	return creds_prefetch(j->creds, http, NULL, &j->err);
}

static void *job_run(void *arg)
{
	struct kerb_job *j = arg;
	int abandoned;

	j->creds = kerb_creds_acquire(&j->p, &j->err);
	if (j->creds && job_prefetch(j) < 0) {
		kerb_creds_free(j->creds);
		j->creds = NULL;
	}
	pthread_mutex_lock(&j->mu);
	j->done = 1;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned) {
		kerb_creds_free(j->creds);
		job_free(j);
	}
	return NULL;
}

static struct kerb_job *job_new(const struct kerb_cred_params *p,
				const struct kerb_prefetch *pf)
{
	const char *src[7] = { p->user,
			       p->realm,
			       p->password,
			       p->keytab,
			       pf ? pf->spn : NULL,
			       pf ? pf->server : NULL,
			       pf ? pf->http_host : NULL };
	pthread_condattr_t ca;
	struct kerb_job *j = calloc(1, sizeof(*j));
	size_t i;

	if (!j)
		return NULL;
	/* glibc's init functions cannot fail for these attributes. */
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < 7; i++) {
		if (src[i] && !(j->strs[i] = strdup(src[i]))) {
			job_free(j);
			return NULL;
		}
	}
	j->p = *p;
	j->p.user = j->strs[0];
	j->p.realm = j->strs[1];
	j->p.password = j->strs[2];
	j->p.keytab = j->strs[3];
	return j;
}

/* Wait for the worker until timeout_ms; 1 when it finished. */
static int job_wait(struct kerb_job *j, long timeout_ms)
{
	struct timespec until;
	int done;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->done &&
	       pthread_cond_timedwait(&j->cv, &j->mu, &until) != ETIMEDOUT)
		;
	done = j->done;
	if (!done)
		j->abandoned = 1;
	pthread_mutex_unlock(&j->mu);
	return done;
}

struct kerb_creds *kerb_creds_acquire_within(const struct kerb_cred_params *p,
					     const struct kerb_prefetch *pf,
					     long timeout_ms, int *timed_out,
					     struct rpe_error *err)
{
	struct kerb_job *j = job_new(p, pf);
	struct kerb_creds *c;
	pthread_t t;

	*timed_out = 0;
	if (!j || pthread_create(&t, NULL, job_run, j) != 0) {
		if (j)
			job_free(j);
		rpe_fail(err, RPE_ERR_NOMEM,
			 "Kerberos: cannot start the KDC exchange");
		return NULL;
	}
	pthread_detach(t);
	if (!job_wait(j, timeout_ms > 0 ? timeout_ms : 0)) {
		*timed_out = 1;
		rpe_fail(err, RPE_ERR_STATE,
			 "Kerberos: no answer from the KDC within %ld ms",
			 timeout_ms);
		return NULL; /* the worker frees the job */
	}
	c = j->creds;
	if (!c && err)
		*err = j->err;
	job_free(j);
	return c;
}
