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

enum leg { LEG_IDLE, LEG_NEGOTIATE, LEG_AUTHENTICATE, LEG_DONE };

struct http_ntlm {
	struct ntlm_client *client;
	char *spn;              /* "HTTP/<host>" (MS-NLMP 2.2.2.1 MsvAvTargetName) */
	unsigned scheme;        /* HTTPAUTH_NTLM or HTTPAUTH_NEGOTIATE */
	unsigned tried;         /* schemes whose NEGOTIATE went out */
	enum leg leg;
	int allow_basic;
	int unbound;            /* no channel binding, no target name */
	const char *server;     /* "the RPC proxy", in messages */
	struct httpauth seen;   /* WWW-Authenticate of the current response */
	uint8_t cbt[CBT_MD5_LEN];
	int have_cbt;
	struct rpe_error parse_err;
};

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

int http_ntlm_begin(struct http_ntlm *h, struct buf *hdr,
		    struct rpe_error *err)
{
	struct buf msg;
	int rc;

	buf_init(&msg, 0);
	rc = ntlm_client_negotiate(h->client, &msg, err);
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
		TRY(ntlm_client_set_binding(h->client,
					    h->have_cbt ? h->cbt : NULL,
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
static int after_negotiate(struct http_ntlm *h, long status,
			   struct buf *hdr, struct rpe_error *err)
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
	if (h->seen.token_scheme == h->scheme && h->seen.token_is_ntlmssp)
		return authenticate(h, hdr, err);
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
				h->server, httpauth_scheme_name(h->seen.token_scheme));
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
	case LEG_NEGOTIATE:
		return after_negotiate(h, status, hdr, err);
	case LEG_AUTHENTICATE:
		if (status == 401)
			return rpe_fail(err, RPE_ERR_AUTH,
					"%s refused the NTLM credentials after a complete handshake (HTTP 401): bad user name or password, or Extended Protection with a TLS-terminating load balancer or proxy in between (channel binding)",
					h->server);
		if (status == 403)
			return rpe_fail(err, RPE_ERR_AUTH,
					"%s accepted the NTLM credentials but forbids this request (HTTP 403)",
					h->server);
		h->leg = LEG_DONE;
		return HTTP_NTLM_DONE;
	default:
		return rpe_fail(err, RPE_ERR_STATE,
				"HTTP NTLM: a response without a request");
	}
}
