/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SPNEGO wrapping Kerberos and NTLM; see spnego.h.  The DER is small: a
 * handful of context tags around OIDs and OCTET STRINGs, written and read
 * here through lib/buf. */
#include "spnego.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DER tags */
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_ENUMERATED 0x0a
#define DER_SEQUENCE 0x30
#define DER_APPLICATION_0 0x60
#define DER_CTX(n) (0xa0 + (n))
/* Our own tokens stay far below this; a peer's are refused above it. */
#define SPNEGO_TOKEN_MAX 65535
#define SPNEGO_MAX_LEGS 6

/* OID contents (RFC 4178 4.1, MS-SPNG 2.2, RFC 4121 1). */
static const uint8_t oid_spnego[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const uint8_t oid_krb5[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
				    0x12, 0x01, 0x02, 0x02 };
/* MS-KILE's Kerberos OID, which Windows acceptors may name when the
 * initiator listed it; never offered here, so a server choosing it chose
 * a mechanism not offered. */
static const uint8_t oid_ntlm[] = { 0x2b, 0x06, 0x01, 0x04, 0x01,
				    0x82, 0x37, 0x02, 0x02, 0x0a };

static const struct {
	const uint8_t *oid;
	size_t len;
	const char *name;
} mechs[SPNEGO_MECH_COUNT] = {
	[SPNEGO_MECH_KRB5] = { oid_krb5, sizeof(oid_krb5), "Kerberos" },
	[SPNEGO_MECH_NTLM] = { oid_ntlm, sizeof(oid_ntlm), "NTLM" },
};

const char *spnego_mech_name(int mech)
{
	return mech >= 0 && mech < SPNEGO_MECH_COUNT ? mechs[mech].name :
						       "an unknown mechanism";
}

/* Encoding ------------------------------------------------------------------ */

static int der_put_len(struct buf *b, size_t n)
{
	if (n < 0x80)
		return buf_put_u8(b, (uint8_t)n);
	if (n <= 0xff) {
		TRY(buf_put_u8(b, 0x81));
		return buf_put_u8(b, (uint8_t)n);
	}
	if (n <= 0xffff) {
		TRY(buf_put_u8(b, 0x82));
		return buf_put_u16be(b, (uint16_t)n);
	}
	if (n > 0xffffff)
		return RPE_ERR_TOOBIG;
	TRY(buf_put_u8(b, 0x83));
	TRY(buf_put_u8(b, (uint8_t)(n >> 16)));
	return buf_put_u16be(b, (uint16_t)n);
}

static int der_put(struct buf *b, uint8_t tag, const void *v, size_t n)
{
	TRY(buf_put_u8(b, tag));
	TRY(der_put_len(b, n));
	return buf_put_bytes(b, v, n);
}

/* [n] { OCTET STRING v }, tmp a scratch buffer. */
static int ctx_octets(struct buf *b, struct buf *tmp, int n, const uint8_t *v,
		      size_t len)
{
	TRY(der_put(tmp, DER_OCTET_STRING, v, len));
	return der_put(b, (uint8_t)DER_CTX(n), tmp->data, tmp->len);
}

static int put_ctx_octets(struct buf *b, int n, const uint8_t *v, size_t len)
{
	struct buf tmp;
	int rc;

	buf_init(&tmp, SPNEGO_TOKEN_MAX + 16);
	rc = ctx_octets(b, &tmp, n, v, len);
	buf_free(&tmp);
	return rc;
}

static int mech_oids(struct buf *oids, const enum spnego_mech *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned)m[i] >= SPNEGO_MECH_COUNT)
			return RPE_ERR_ARG;
		TRY(der_put(oids, DER_OID, mechs[m[i]].oid, mechs[m[i]].len));
	}
	return 0;
}

/* MechTypeList ::= SEQUENCE OF MechType */
static int put_mech_types(struct buf *types, const enum spnego_mech *m, size_t n)
{
	struct buf oids;
	int rc;

	buf_init(&oids, 256);
	rc = mech_oids(&oids, m, n);
	if (rc == 0)
		rc = der_put(types, DER_SEQUENCE, oids.data, oids.len);
	buf_free(&oids);
	return rc;
}

/* NegTokenInit ::= SEQUENCE { mechTypes [0], mechToken [2] } inside
 * InitialContextToken ::= [APPLICATION 0] { thisMech, [0] NegTokenInit }
 * (RFC 2743 3.1, RFC 4178 4.2.1). */
static int put_init(struct buf *out, const struct buf *types,
		    const uint8_t *token, size_t token_len, struct buf *seq,
		    struct buf *tmp)
{
	TRY(der_put(tmp, DER_CTX(0), types->data, types->len));
	if (token_len)
		TRY(put_ctx_octets(tmp, 2, token, token_len));
	TRY(der_put(seq, DER_SEQUENCE, tmp->data, tmp->len));
	buf_reset(tmp);
	TRY(der_put(tmp, DER_OID, oid_spnego, sizeof(oid_spnego)));
	TRY(der_put(tmp, DER_CTX(0), seq->data, seq->len));
	return der_put(out, DER_APPLICATION_0, tmp->data, tmp->len);
}

int spnego_put_init(struct buf *out, struct buf *types, const enum spnego_mech *m,
		    size_t n, const uint8_t *token, size_t token_len)
{
	struct buf seq, tmp;
	int rc;

	if (n == 0)
		return RPE_ERR_ARG;
	buf_reset(types);
	TRY(put_mech_types(types, m, n));
	buf_init(&seq, SPNEGO_TOKEN_MAX + 256);
	buf_init(&tmp, SPNEGO_TOKEN_MAX + 256);
	rc = put_init(out, types, token, token_len, &seq, &tmp);
	buf_free(&seq);
	buf_free(&tmp);
	return rc;
}

/* NegTokenResp ::= [1] SEQUENCE { responseToken [2], mechListMIC [3] } */
static int put_resp(struct buf *out, struct buf *fields, struct buf *seq,
		    const uint8_t *token, size_t token_len, const uint8_t *mic,
		    size_t mic_len)
{
	if (token_len)
		TRY(put_ctx_octets(fields, 2, token, token_len));
	if (mic_len)
		TRY(put_ctx_octets(fields, 3, mic, mic_len));
	TRY(der_put(seq, DER_SEQUENCE, fields->data, fields->len));
	return der_put(out, DER_CTX(1), seq->data, seq->len);
}

int spnego_put_resp(struct buf *out, const uint8_t *token, size_t token_len,
		    const uint8_t *mic, size_t mic_len)
{
	struct buf fields, seq;
	int rc;

	buf_init(&fields, SPNEGO_TOKEN_MAX + 256);
	buf_init(&seq, SPNEGO_TOKEN_MAX + 256);
	rc = put_resp(out, &fields, &seq, token, token_len, mic, mic_len);
	buf_free(&fields);
	buf_free(&seq);
	return rc;
}

/* Decoding ------------------------------------------------------------------ */

/* A definite DER length (X.690 8.1.3), at most 3 bytes, minimal. */
static int der_get_len(struct buf_cur *c, size_t *n)
{
	uint8_t b, k, i;

	TRY(buf_get_u8(c, &b));
	if (b < 0x80) {
		*n = b;
		return 0;
	}
	k = b & 0x7f;
	if (k == 0 || k > 3)
		return RPE_ERR_PROTO; /* indefinite or absurd */
	*n = 0;
	for (i = 0; i < k; i++) {
		TRY(buf_get_u8(c, &b));
		if (i == 0 && b == 0)
			return RPE_ERR_PROTO; /* not minimal */
		*n = (*n << 8) | b;
	}
	return *n < 0x80 ? RPE_ERR_PROTO : 0;
}

/* The element with tag `tag` next in c, as a sub-cursor over its value. */
static int der_get(struct buf_cur *c, uint8_t tag, struct buf_cur *v)
{
	uint8_t t;
	size_t n;

	TRY(buf_get_u8(c, &t));
	if (t != tag)
		return RPE_ERR_PROTO;
	TRY(der_get_len(c, &n));
	return buf_get_sub(c, n, v);
}

static int der_peek_tag(const struct buf_cur *c, uint8_t *tag)
{
	return buf_peek_u8_at(c, buf_cur_pos(c), tag);
}

/* [n] { OCTET STRING } with nothing else inside. */
static int get_ctx_octets(struct buf_cur *fields, int n, const uint8_t **p,
			  size_t *len)
{
	struct buf_cur wrap, os;

	TRY(der_get(fields, (uint8_t)DER_CTX(n), &wrap));
	TRY(der_get(&wrap, DER_OCTET_STRING, &os));
	if (buf_cur_remaining(&wrap) || os.len > SPNEGO_TOKEN_MAX)
		return RPE_ERR_PROTO;
	*len = buf_cur_remaining(&os);
	return buf_get_ref(&os, *len, p);
}

static int get_neg_state(struct buf_cur *fields, int *state)
{
	struct buf_cur wrap, e;
	uint8_t v;

	TRY(der_get(fields, DER_CTX(0), &wrap));
	TRY(der_get(&wrap, DER_ENUMERATED, &e));
	TRY(buf_get_u8(&e, &v));
	if (buf_cur_remaining(&e) || buf_cur_remaining(&wrap) ||
	    v > SPNEGO_REQUEST_MIC)
		return RPE_ERR_PROTO;
	*state = v;
	return 0;
}

static int get_mech(struct buf_cur *fields, int *mech)
{
	struct buf_cur wrap, oid;
	int i;

	TRY(der_get(fields, DER_CTX(1), &wrap));
	TRY(der_get(&wrap, DER_OID, &oid));
	if (buf_cur_remaining(&wrap) || oid.len == 0)
		return RPE_ERR_PROTO;
	*mech = -2;
	for (i = 0; i < SPNEGO_MECH_COUNT; i++)
		if (oid.len == mechs[i].len &&
		    memcmp(oid.p, mechs[i].oid, oid.len) == 0)
			*mech = i;
	return 0;
}

/* The fields of the SEQUENCE, each optional, in tag order. */
static int get_resp_fields(struct buf_cur *f, struct spnego_resp *out)
{
	uint8_t tag;

	if (buf_cur_remaining(f) && der_peek_tag(f, &tag) == 0 &&
	    tag == DER_CTX(0))
		TRY(get_neg_state(f, &out->neg_state));
	if (buf_cur_remaining(f) && der_peek_tag(f, &tag) == 0 &&
	    tag == DER_CTX(1))
		TRY(get_mech(f, &out->mech));
	if (buf_cur_remaining(f) && der_peek_tag(f, &tag) == 0 &&
	    tag == DER_CTX(2))
		TRY(get_ctx_octets(f, 2, &out->token, &out->token_len));
	if (buf_cur_remaining(f) && der_peek_tag(f, &tag) == 0 &&
	    tag == DER_CTX(3))
		TRY(get_ctx_octets(f, 3, &out->mic, &out->mic_len));
	return buf_cur_remaining(f) ? RPE_ERR_PROTO : 0;
}

/* [1] { SEQUENCE { fields } } and nothing after it. */
static int parse_resp(struct buf_cur *c, struct spnego_resp *out)
{
	struct buf_cur choice, seq;

	TRY(der_get(c, DER_CTX(1), &choice));
	if (buf_cur_remaining(c))
		return RPE_ERR_PROTO;
	TRY(der_get(&choice, DER_SEQUENCE, &seq));
	if (buf_cur_remaining(&choice))
		return RPE_ERR_PROTO;
	return get_resp_fields(&seq, out);
}

int spnego_parse_resp(const uint8_t *in, size_t len, struct spnego_resp *out,
		      struct rpe_error *err)
{
	struct buf_cur c;
	uint8_t tag = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->neg_state = -1;
	out->mech = -1;
	buf_cur_init(&c, in, len);
	if (len == 0)
		return rpe_fail(err, RPE_ERR_SHORT, "empty SPNEGO token");
	der_peek_tag(&c, &tag);
	if (tag == DER_APPLICATION_0 || tag == DER_CTX(0))
		return rpe_fail(err, RPE_ERR_PROTO,
				"the server sent a SPNEGO NegTokenInit where a NegTokenResp belongs");
	rc = parse_resp(&c, out);
	if (rc < 0)
		return rpe_fail(err, rc,
				"malformed SPNEGO NegTokenResp (%s DER, %zu bytes)",
				rc == RPE_ERR_SHORT ? "truncated" : "invalid",
				len);
	return 0;
}

/* The context ---------------------------------------------------------------- */

struct spnego {
	struct secctx *self;                    /* the secctx that holds us */
	struct secctx *mech[SPNEGO_MECH_COUNT]; /* NULL: not offered */
	enum spnego_mech offered[SPNEGO_MECH_COUNT];
	size_t n_offered;
	struct buf types; /* DER MechTypeList: what the MICs cover */
	int chosen;       /* enum spnego_mech, -1 until the server chose */
	int started;      /* the chosen mechanism has sent its first token */
	int inner_done;   /* the chosen mechanism's context is complete */
	int mic_sent;
	int complete;
	int legs;
	char name[32]; /* "SPNEGO (NTLM)" */
};

static const struct secctx_ops spnego_krb5_ops;

static void sp_destroy(void *ctx)
{
	struct spnego *s = ctx;
	int i;

	if (!s)
		return;
	for (i = 0; i < SPNEGO_MECH_COUNT; i++)
		if (s->mech[i]) {
			if (s->mech[i]->ops->destroy)
				s->mech[i]->ops->destroy(s->mech[i]->ctx);
			free(s->mech[i]);
		}
	buf_free(&s->types);
	free(s);
}

static void drop_mech(struct spnego *s, int m)
{
	if (!s->mech[m])
		return;
	if (s->mech[m]->ops->destroy)
		s->mech[m]->ops->destroy(s->mech[m]->ctx);
	free(s->mech[m]);
	s->mech[m] = NULL;
}

static struct secctx *chosen(const struct spnego *s)
{
	return s->chosen >= 0 && s->inner_done ? s->mech[s->chosen] : NULL;
}

static const char *sp_display_name(void *ctx)
{
	struct spnego *s = ctx;

	if (s->chosen < 0)
		return "SPNEGO";
	snprintf(s->name, sizeof(s->name), "SPNEGO (%s)",
		 spnego_mech_name(s->chosen));
	return s->name;
}

/* First leg: the optimistic token of the first mechanism that can make
 * one (a Kerberos context without a ticket is dropped, NTLM offered
 * alone), and the NegTokenInit listing what is left. */
static int first_leg(struct spnego *s, struct buf *out, struct rpe_error *err)
{
	struct rpe_error kerr = { 0, "" };
	struct buf tok;
	int m, rc, first = -1;

	buf_init(&tok, SPNEGO_TOKEN_MAX);
	for (m = 0; m < SPNEGO_MECH_COUNT && first < 0; m++) {
		if (!s->mech[m])
			continue;
		buf_reset(&tok);
		rc = s->mech[m]->ops->step(s->mech[m]->ctx, NULL, 0, &tok, &kerr);
		if (rc == SECCTX_CONTINUE)
			first = m;
		else if (m + 1 < SPNEGO_MECH_COUNT)
			drop_mech(s, m); /* NTLM may still do */
	}
	s->n_offered = 0;
	for (m = first < 0 ? SPNEGO_MECH_COUNT : first; m < SPNEGO_MECH_COUNT; m++)
		if (s->mech[m])
			s->offered[s->n_offered++] = (enum spnego_mech)m;
	if (first < 0) {
		buf_free(&tok);
		return rpe_fail(err, kerr.code ? kerr.code : RPE_ERR_STATE,
				"no SPNEGO mechanism could start: %s",
				kerr.msg[0] ? kerr.msg : "none given");
	}
	if (!s->mech[SPNEGO_MECH_KRB5] && s->self->ops == &spnego_krb5_ops)
		s->self->ops = &spnego_secctx_ops; /* no header signing */
	rc = spnego_put_init(out, &s->types, s->offered, s->n_offered, tok.data,
			     tok.len);
	buf_free(&tok);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot build the SPNEGO NegTokenInit");
	return SECCTX_CONTINUE;
}

/* The server's choice: one of ours, and never changed. */
static int take_choice(struct spnego *s, const struct spnego_resp *r,
		       struct rpe_error *err)
{
	size_t i;
	int ok = 0;

	if (s->chosen >= 0) {
		if (r->mech != -1 && r->mech != s->chosen)
			return rpe_fail(err, RPE_ERR_AUTH,
					"the SPNEGO server changed its mechanism from %s to %s",
					spnego_mech_name(s->chosen),
					spnego_mech_name(r->mech));
		return 0;
	}
	if (r->mech == -1)
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server's first answer names no mechanism");
	for (i = 0; i < s->n_offered; i++)
		ok |= (int)s->offered[i] == r->mech;
	if (!ok)
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server selected %s, which was not offered",
				spnego_mech_name(r->mech));
	s->chosen = r->mech;
	s->started = s->chosen == (int)s->offered[0];
	return 0;
}

/* The chosen mechanism's last token goes out with our mechListMIC. */
static int send_final(struct spnego *s, const struct buf *tok, struct buf *out,
		      struct rpe_error *err)
{
	struct secctx *c = s->mech[s->chosen];
	struct buf mic;
	int rc;

	if (!c->ops->get_mic)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"SPNEGO: %s cannot compute a mechListMIC",
				spnego_mech_name(s->chosen));
	buf_init(&mic, 1024);
	rc = c->ops->get_mic(c->ctx, s->types.data, s->types.len, &mic);
	if (rc == 0)
		rc = spnego_put_resp(out, tok->data, tok->len, mic.data, mic.len);
	buf_free(&mic);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot compute the SPNEGO mechListMIC");
	s->mic_sent = 1;
	return SECCTX_CONTINUE; /* answered by accept-completed */
}

/* A token of the chosen mechanism (or none: it was not the optimistic
 * one, so it starts now). */
static int inner_leg(struct spnego *s, const struct spnego_resp *r,
		     struct buf *out, struct rpe_error *err)
{
	struct secctx *c = s->mech[s->chosen];
	struct buf tok;
	int rc;

	if (!r->token && s->started)
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server sent no %s token",
				spnego_mech_name(s->chosen));
	s->started = 1;
	buf_init(&tok, SPNEGO_TOKEN_MAX);
	rc = c->ops->step(c->ctx, r->token, r->token_len, &tok, err);
	if (rc == SECCTX_CONTINUE) {
		if (spnego_put_resp(out, tok.data, tok.len, NULL, 0) < 0)
			rc = rpe_fail(err, RPE_ERR_TOOBIG,
				      "SPNEGO token too large");
	} else if (rc >= 0) {
		s->inner_done = 1;
		rc = send_final(s, &tok, out, err);
	}
	buf_free(&tok);
	return rc;
}

/* accept-completed: the server's mechListMIC over the same MechTypeList
 * must verify with the chosen mechanism's keys (RFC 4178 5). */
static int completed(struct spnego *s, const struct spnego_resp *r,
		     struct rpe_error *err)
{
	struct secctx *c = s->mech[s->chosen];

	if (!s->inner_done)
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server completed before %s did",
				spnego_mech_name(s->chosen));
	/* RFC 4178 5: the MIC exchange may be skipped only when the server
	 * took our first choice; NTLM's is never skipped (its AUTHENTICATE
	 * carries a MIC, MS-SPNG 3.3.5.1), Kerberos without integrity (level
	 * connect) is answered without one. */
	if (!r->mic && s->mic_sent &&
	    (s->chosen != (int)s->offered[0] || s->chosen == SPNEGO_MECH_NTLM))
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server's accept-completed lacks the mechListMIC");
	if (r->mic && (!c->ops->verify_mic ||
		       c->ops->verify_mic(c->ctx, s->types.data, s->types.len,
					  r->mic, r->mic_len) < 0))
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server's mechListMIC does not verify (mechanism list tampered with, or other keys)");
	s->complete = 1;
	return SECCTX_DONE;
}

static int sp_step(void *ctx, const uint8_t *in, size_t in_len, struct buf *out,
		   struct rpe_error *err)
{
	struct spnego *s = ctx;
	struct spnego_resp r;

	if (s->complete || s->legs >= SPNEGO_MAX_LEGS || (s->legs == 0) != !in)
		return rpe_fail(err, RPE_ERR_STATE, "SPNEGO: unexpected step");
	s->legs++;
	if (!in)
		return first_leg(s, out, err);
	TRY(spnego_parse_resp(in, in_len, &r, err));
	if (r.neg_state == SPNEGO_REJECT)
		return rpe_fail(err, RPE_ERR_AUTH,
				"the server rejected SPNEGO (negState reject)%s",
				s->chosen >= 0 || r.mech >= 0 ?
					"" :
					" without choosing a mechanism");
	TRY(take_choice(s, &r, err));
	if (!s->inner_done && (r.token || !s->mic_sent))
		TRY(inner_leg(s, &r, out, err));
	if (r.neg_state == SPNEGO_ACCEPT_COMPLETED)
		return out->len ?
			       rpe_fail(err, RPE_ERR_AUTH,
					"the SPNEGO server completed while %s still had a token to send",
					spnego_mech_name(s->chosen)) :
			       completed(s, &r, err);
	if (!out->len)
		return rpe_fail(err, RPE_ERR_AUTH,
				"the SPNEGO server wants more (negState %d) but %s has nothing to send",
				r.neg_state, spnego_mech_name(s->chosen));
	return SECCTX_CONTINUE;
}

/* Protection: the chosen mechanism's, once complete ------------------------- */

static int sp_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t *sig)
{
	struct secctx *c = chosen(ctx);

	return c ? c->ops->sign(c->ctx, msg, len, sig) : RPE_ERR_STATE;
}

static int sp_verify(void *ctx, const uint8_t *msg, size_t len, const uint8_t *sig)
{
	struct secctx *c = chosen(ctx);

	return c ? c->ops->verify(c->ctx, msg, len, sig) : RPE_ERR_STATE;
}

static int sp_seal(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		   size_t enc_len, uint8_t *sig)
{
	struct secctx *c = chosen(ctx);

	return c ? c->ops->seal(c->ctx, msg, len, enc_off, enc_len, sig) :
		   RPE_ERR_STATE;
}

static int sp_unseal(void *ctx, uint8_t *msg, size_t len, size_t enc_off,
		     size_t enc_len, const uint8_t *sig)
{
	struct secctx *c = chosen(ctx);

	return c ? c->ops->unseal(c->ctx, msg, len, enc_off, enc_len, sig) :
		   RPE_ERR_STATE;
}

static size_t sp_sig_size(void *ctx, uint8_t auth_level)
{
	struct secctx *c = chosen(ctx);

	if (!c)
		return 0;
	return c->ops->sig_size ? c->ops->sig_size(c->ctx, auth_level) :
				  c->ops->sig_len;
}

/* A server that does not know auth type 9 says so with a bind_nak; other
 * hints are the mechanism's (the chosen one, or the optimistic one when
 * the bind itself was refused). */
static const char *sp_failure_hint(void *ctx, enum secctx_failure f,
				   unsigned reason, char *out, size_t outsz)
{
	struct spnego *s = ctx;
	struct secctx *c;

	if (f == SECCTX_FAIL_BIND_NAK &&
	    reason == SECCTX_NAK_AUTH_TYPE_NOT_RECOGNIZED) {
		snprintf(out, outsz,
			 "the server does not accept SPNEGO (RPC auth type 9), which a default Outlook binds with; --auth ntlm binds with NTLM (10)");
		return out;
	}
	c = s->chosen >= 0 ? s->mech[s->chosen] :
	    s->n_offered   ? s->mech[s->offered[0]] :
			     NULL;
	if (!c || !c->ops->failure_hint)
		return NULL;
	return c->ops->failure_hint(c->ctx, f, reason, out, outsz);
}

/* Header signing is offered when Kerberos is (it protects the header
 * only when asked, MS-RPCE 3.3.1.5.2.2); NTLM signs the whole PDU
 * anyway, so with NTLM alone the bind does not offer it. */
#define SPNEGO_OPS(hs)                                                         \
	{                                                                      \
		.name = "SPNEGO", .auth_type = SPNEGO_AUTH_TYPE,               \
		.sign = sp_sign, .verify = sp_verify, .seal = sp_seal,         \
		.unseal = sp_unseal, .step = sp_step, .sig_size = sp_sig_size, \
		.header_sign = (hs), .destroy = sp_destroy,                    \
		.display_name = sp_display_name,                               \
		.failure_hint = sp_failure_hint,                               \
	}

const struct secctx_ops spnego_secctx_ops = SPNEGO_OPS(0);
static const struct secctx_ops spnego_krb5_ops = SPNEGO_OPS(1);

static void free_given(struct secctx *krb5, struct secctx *ntlm)
{
	struct secctx *g[2] = { krb5, ntlm };
	int i;

	for (i = 0; i < 2; i++)
		if (g[i]) {
			if (g[i]->ops->destroy)
				g[i]->ops->destroy(g[i]->ctx);
			free(g[i]);
		}
}

struct secctx *spnego_secctx_new(struct secctx *krb5, struct secctx *ntlm,
				 struct rpe_error *err)
{
	struct secctx *sec = NULL;
	struct spnego *s = NULL;

	if (!krb5 && !ntlm) {
		rpe_fail(err, RPE_ERR_ARG, "SPNEGO without a mechanism");
		return NULL;
	}
	sec = calloc(1, sizeof(*sec));
	s = calloc(1, sizeof(*s));
	if (!sec || !s) {
		free(sec);
		free(s);
		free_given(krb5, ntlm);
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->self = sec;
	s->mech[SPNEGO_MECH_KRB5] = krb5;
	s->mech[SPNEGO_MECH_NTLM] = ntlm;
	s->chosen = -1;
	buf_init(&s->types, 256);
	sec->ops = krb5 ? &spnego_krb5_ops : &spnego_secctx_ops;
	sec->ctx = s;
	return sec;
}
