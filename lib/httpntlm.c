/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP NTLM handshake of one channel; see httpntlm.h. */
#include "httpntlm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"
#include "crypto.h"
#include "httpauth.h"
#include "ntlm.h"
#include "spnego.h"

enum leg { LEG_IDLE, LEG_NEGOTIATE, LEG_AUTHENTICATE, LEG_DONE };

struct http_ntlm {
	struct ntlm_client *client;
	char *spn;       /* "HTTP/<host>" (MS-NLMP 2.2.2.1 MsvAvTargetName) */
	unsigned scheme; /* HTTPAUTH_NTLM or HTTPAUTH_NEGOTIATE */
	unsigned tried;  /* schemes whose NEGOTIATE went out */
	enum leg leg;
	int allow_basic;
	int unbound;          /* no channel binding, no target name */
	const char *server;   /* "the RPC proxy", in messages */
	struct httpauth seen; /* WWW-Authenticate of the current response */
	uint8_t cbt[CBT_MD5_LEN];
	int have_cbt;
	struct rpe_error parse_err;
	/* Negotiate: SPNEGO around the client (NegTokenInit with NTLMSSP,
	 * as Windows sends it without a ticket); NULL under NTLM, or once
	 * the server answered with a raw NTLMSSP CHALLENGE. */
	struct secctx *spnego;
};

static void drop_spnego(struct http_ntlm *h)
{
	if (h->spnego) {
		h->spnego->ops->destroy(h->spnego->ctx);
		free(h->spnego);
		h->spnego = NULL;
	}
}

/* Leg one under Negotiate: a SPNEGO context over the client (which it
 * borrows) and its NegTokenInit. */
static int spnego_begin(struct http_ntlm *h, struct buf *msg,
			struct rpe_error *err)
{
	struct secctx *inner = calloc(1, sizeof(*inner));

	drop_spnego(h);
	if (!inner)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	inner->ops = &ntlm_borrowed_secctx_ops;
	inner->ctx = ntlm_client_session(h->client);
	h->spnego = spnego_secctx_new(NULL, inner, err);
	if (!h->spnego)
		return err->code;
	return h->spnego->ops->step(h->spnego->ctx, NULL, 0, msg, err) < 0 ?
		       err->code :
		       0;
}

struct http_ntlm *http_ntlm_new(const struct http_ntlm_params *p,
				struct rpe_error *err)
{
	struct http_ntlm *h = calloc(1, sizeof(*h));
	size_t n = strlen(p->host ? p->host : "") + sizeof("HTTP/");

	if (!h || !(h->spn = malloc(n))) {
		free(h);
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(h->spn, n, "HTTP/%s", p->host ? p->host : "");
	httpauth_init(&h->seen);
	h->allow_basic = p->allow_basic;
	h->server = p->server ? p->server : "the RPC proxy";
	h->scheme = p->negotiate_first ? HTTPAUTH_NEGOTIATE : HTTPAUTH_NTLM;
	h->client = ntlm_client_new(p->user, p->domain, p->password, err);
	if (!h->client) {
		http_ntlm_free(h);
		return NULL;
	}
	return h;
}

void http_ntlm_free(struct http_ntlm *h)
{
	if (!h)
		return;
	crypto_wipe(h->cbt, sizeof(h->cbt));
	drop_spnego(h);
	ntlm_client_free(h->client);
	httpauth_free(&h->seen);
	free(h->spn);
	free(h);
}

void http_ntlm_set_unbound(struct http_ntlm *h)
{
	h->unbound = 1;
}

const char *http_ntlm_scheme(const struct http_ntlm *h)
{
	return httpauth_scheme_name(h->scheme);
}

int http_ntlm_sent_credentials(const struct http_ntlm *h)
{
	return h->leg >= LEG_AUTHENTICATE;
}

static int put_header(const struct http_ntlm *h, const struct buf *token,
		      struct buf *hdr, struct rpe_error *err)
{
	static const char name[] = "Authorization: ";

	buf_reset(hdr);
	if (buf_put_bytes(hdr, name, sizeof(name) - 1) < 0)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	return httpauth_authorization(h->scheme, token->data, token->len, hdr,
				      err);
}

int http_ntlm_begin(struct http_ntlm *h, struct buf *hdr, struct rpe_error *err)
{
	struct buf msg;
	int rc;

	buf_init(&msg, 0);
	if (h->scheme == HTTPAUTH_NEGOTIATE) {
		rc = spnego_begin(h, &msg, err);
	} else {
		drop_spnego(h);
		rc = ntlm_client_negotiate(h->client, &msg, err);
	}
	if (rc == 0)
		rc = put_header(h, &msg, hdr, err);
	buf_free(&msg);
	if (rc < 0)
		return rc;
	h->tried |= h->scheme;
	h->leg = LEG_NEGOTIATE;
	httpauth_reset(&h->seen);
	rpe_clear(&h->parse_err);
	return HTTP_NTLM_SEND_NEGOTIATE;
}

void http_ntlm_header(struct http_ntlm *h, const char *line, size_t len)
{
	struct rpe_error e = { 0, "" };

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A new response (an interim 100 or the final one). */
		httpauth_reset(&h->seen);
		rpe_clear(&h->parse_err);
		return;
	}
	if (httpauth_header_line(&h->seen, line, len, &e) < 0 &&
	    !h->parse_err.code)
		h->parse_err = e;
}

/* The binding of the connection that carries the CHALLENGE (RFC 5929
 * 4.1), MS-NLMP 3.1.5.1.2. */
void http_ntlm_set_binding(struct http_ntlm *h, const uint8_t cbt[16])
{
	memcpy(h->cbt, cbt, sizeof(h->cbt));
	h->have_cbt = 1;
}

static int authenticate(struct http_ntlm *h, struct buf *hdr,
			struct rpe_error *err)
{
	const uint8_t *tok;
	size_t len;
	struct buf msg;
	int rc;

	TRY(httpauth_ntlm_token(&h->seen, h->scheme, &tok, &len, err));
	if (!h->unbound)
		TRY(ntlm_client_set_binding(h->client, h->have_cbt ? h->cbt : NULL,
					    h->spn, err));
	buf_init(&msg, 0);
	rc = ntlm_client_authenticate(h->client, tok, len, &msg, err);
	if (rc == 0)
		rc = put_header(h, &msg, hdr, err);
	buf_free(&msg);
	if (rc < 0)
		return rc;
	h->leg = LEG_AUTHENTICATE;
	return HTTP_NTLM_SEND_AUTHENTICATE;
}

/* The CHALLENGE came inside SPNEGO: the AUTHENTICATE (with the same
 * channel binding as raw NTLM) and our mechListMIC go back inside a
 * NegTokenResp. */
static int spnego_authenticate(struct http_ntlm *h, struct buf *hdr,
			       struct rpe_error *err)
{
	struct buf msg;
	int rc;

	TRY(ntlm_client_set_binding(h->client, h->have_cbt ? h->cbt : NULL,
				    h->spn, err));
	buf_init(&msg, 0);
	rc = h->spnego->ops->step(h->spnego->ctx, h->seen.token.data,
				  h->seen.token.len, &msg, err);
	if (rc == SECCTX_CONTINUE)
		rc = put_header(h, &msg, hdr, err);
	else if (rc >= 0)
		rc = rpe_fail(err, RPE_ERR_AUTH,
			      "%s ended SPNEGO before the NTLM AUTHENTICATE",
			      h->server);
	buf_free(&msg);
	if (rc < 0) {
		char why[RPE_ERRMSG_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		return rpe_fail(err, rc, "%s: SPNEGO answer refused: %s",
				h->server, why);
	}
	h->leg = LEG_AUTHENTICATE;
	return HTTP_NTLM_SEND_AUTHENTICATE;
}

/* The accepted request's WWW-Authenticate: Negotiate token, when the
 * server sends one, completes SPNEGO: its mechListMIC must verify. */
static int spnego_finish(struct http_ntlm *h, struct rpe_error *err)
{
	struct buf none;
	int rc;

	if (!h->spnego || h->seen.token_scheme != HTTPAUTH_NEGOTIATE ||
	    !h->seen.token.len)
		return 0;
	buf_init(&none, 4096);
	rc = h->spnego->ops->step(h->spnego->ctx, h->seen.token.data,
				  h->seen.token.len, &none, err);
	buf_free(&none);
	if (rc != SECCTX_DONE) {
		char why[RPE_ERRMSG_MAX];

		snprintf(why, sizeof(why), "%s",
			 rc < 0 ? err->msg : "more legs asked for");
		return rpe_fail(err, RPE_ERR_AUTH,
				"%s accepted the request but its final SPNEGO token failed: %s",
				h->server, why);
	}
	return 0;
}

static void offered_names(unsigned offered, char *out, size_t n)
{
	static const unsigned all[] = { HTTPAUTH_NEGOTIATE, HTTPAUTH_NTLM,
					HTTPAUTH_BASIC };
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if ((offered & all[i]) && used < n)
			used += (size_t)snprintf(out + used, n - used, "%s%s",
						 used ? ", " : "",
						 httpauth_scheme_name(all[i]));
	if (!used)
		snprintf(out, n, "no scheme this plugin speaks");
}

/* The answer to leg one (the NEGOTIATE). */
static int after_negotiate(struct http_ntlm *h, long status, struct buf *hdr,
			   struct rpe_error *err)
{
	unsigned other = h->scheme == HTTPAUTH_NTLM ? HTTPAUTH_NEGOTIATE :
						      HTTPAUTH_NTLM;
	char names[64];

	if (status != 401)
		return rpe_fail(err, RPE_ERR_PROTO,
				"%s answered the NTLM NEGOTIATE with HTTP %ld instead of a 401 challenge",
				h->server, status);
	if (h->parse_err.code)
		return rpe_fail(err, RPE_ERR_PROTO,
				"%s sent a malformed authentication challenge: %s",
				h->server, h->parse_err.msg);
	if (h->seen.token_scheme == h->scheme && h->seen.token_is_ntlmssp) {
		drop_spnego(h); /* a raw answer: raw NTLM from here on */
		return authenticate(h, hdr, err);
	}
	if (h->spnego && h->seen.token_scheme == HTTPAUTH_NEGOTIATE &&
	    h->seen.token.len)
		return spnego_authenticate(h, hdr, err);
	/* A 401 without a token lists what the server accepts (RFC 7235
	 * 4.1): try the other of the two schemes that carry raw NTLM. */
	if ((h->seen.offered & other) && !(h->tried & other)) {
		h->scheme = other;
		return http_ntlm_begin(h, hdr, err);
	}
	if ((h->seen.offered & HTTPAUTH_BASIC) && h->allow_basic)
		return HTTP_NTLM_USE_BASIC;
	offered_names(h->seen.offered, names, sizeof(names));
	if (h->seen.token_scheme)
		return rpe_fail(err, RPE_ERR_AUTH,
				"%s answered NTLM with a %s token that is not NTLM (SPNEGO/Kerberos only?)",
				h->server,
				httpauth_scheme_name(h->seen.token_scheme));
	if (h->seen.offered & (HTTPAUTH_NTLM | HTTPAUTH_NEGOTIATE))
		return rpe_fail(err, RPE_ERR_AUTH,
				"%s refused the NTLM NEGOTIATE without a challenge (it offers %s); no credentials were sent",
				h->server, names);
	return rpe_fail(err, RPE_ERR_AUTH,
			"%s does not offer NTLM (it offers %s); no credentials were sent",
			h->server, names);
}

int http_ntlm_response(struct http_ntlm *h, long status, struct buf *hdr,
		       struct rpe_error *err)
{
	switch (h->leg) {
	case LEG_NEGOTIATE: return after_negotiate(h, status, hdr, err);
	case LEG_AUTHENTICATE:
		if (status == 401)
			return rpe_fail(err, RPE_ERR_AUTH,
					"%s refused the NTLM credentials after a complete handshake (HTTP 401): bad user name or password, or Extended Protection with a TLS-terminating load balancer or proxy in between (channel binding)",
					h->server);
		if (status == 403)
			return rpe_fail(err, RPE_ERR_AUTH,
					"%s accepted the NTLM credentials but forbids this request (HTTP 403)",
					h->server);
		TRY(spnego_finish(h, err));
		h->leg = LEG_DONE;
		return HTTP_NTLM_DONE;
	default:
		return rpe_fail(err, RPE_ERR_STATE,
				"HTTP NTLM: a response without a request");
	}
}
