/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WWW-Authenticate parsing and Authorization building; see httpauth.h. */
#define _POSIX_C_SOURCE 200809L
#include "httpauth.h"

#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#define NTLMSSP_SIG "NTLMSSP" /* plus NUL: 8 bytes (MS-NLMP 2.2) */

static const struct {
	unsigned scheme;
	const char *name;
} schemes[] = {
	{ HTTPAUTH_BASIC, "Basic" },
	{ HTTPAUTH_NTLM, "NTLM" },
	{ HTTPAUTH_NEGOTIATE, "Negotiate" },
};

const char *httpauth_scheme_name(unsigned scheme)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].scheme == scheme)
			return schemes[i].name;
	return "?";
}

void httpauth_init(struct httpauth *h)
{
	memset(h, 0, sizeof(*h));
	buf_init(&h->token, HTTPAUTH_TOKEN_MAX);
}

void httpauth_free(struct httpauth *h)
{
	buf_free(&h->token);
	memset(h, 0, sizeof(*h));
}

void httpauth_reset(struct httpauth *h)
{
	buf_reset(&h->token);
	h->offered = h->token_scheme = 0;
	h->token_is_ntlmssp = 0;
}

/* Character classes of RFC 7230 §3.2.6 (tchar) and RFC 7235 §2.1
 * (token68). */
static int is_tchar(uint8_t ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int is_token68(uint8_t ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	return ch && strchr("-._~+/", ch) != NULL;
}

static int peek(const struct buf_cur *c, uint8_t *ch)
{
	return buf_peek_u8_at(c, buf_cur_pos(c), ch);
}

/* OWS (RFC 7230 §3.2.3); with `commas` also the empty list elements of
 * RFC 7230 §7. */
static void skip_ows(struct buf_cur *c, int commas)
{
	uint8_t ch;

	while (peek(c, &ch) == 0 &&
	       (ch == ' ' || ch == '\t' || (commas && ch == ',')))
		(void)buf_skip(c, 1);
}

/* A run of bytes of one class; returns its length (0: none). */
static size_t take(struct buf_cur *c, int (*cls)(uint8_t), const uint8_t **p)
{
	size_t start = buf_cur_pos(c), n = 0;
	uint8_t ch;

	while (peek(c, &ch) == 0 && cls(ch)) {
		(void)buf_skip(c, 1);
		n++;
	}
	(void)buf_cur_seek(c, start);
	if (n)
		(void)buf_get_ref(c, n, p);
	return n;
}

static int at_element_end(struct buf_cur *c)
{
	uint8_t ch;

	skip_ows(c, 0);
	return peek(c, &ch) < 0 || ch == ',';
}

/* quoted-string (RFC 7230 §3.2.6), cursor on the opening quote. */
static int skip_quoted(struct buf_cur *c, struct rpe_error *err)
{
	uint8_t ch;

	(void)buf_skip(c, 1);
	while (buf_get_u8(c, &ch) == 0) {
		if (ch == '"')
			return 0;
		if (ch == '\\' && buf_skip(c, 1) < 0)
			break;
	}
	return rpe_fail(err, RPE_ERR_PROTO,
			"WWW-Authenticate: unterminated quoted string");
}

/* auth-param = token BWS "=" BWS ( token / quoted-string ), the name
 * already taken. */
static int skip_param_value(struct buf_cur *c, struct rpe_error *err)
{
	const uint8_t *v;
	uint8_t ch;

	skip_ows(c, 0);
	if (buf_get_u8(c, &ch) < 0 || ch != '=')
		return rpe_fail(err, RPE_ERR_PROTO,
				"WWW-Authenticate: auth-param without '='");
	skip_ows(c, 0);
	if (peek(c, &ch) == 0 && ch == '"')
		return skip_quoted(c, err);
	if (take(c, is_tchar, &v) == 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"WWW-Authenticate: auth-param without a value");
	return 0;
}

static unsigned scheme_of(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == n &&
		    strncasecmp((const char *)p, schemes[i].name, n) == 0)
			return schemes[i].scheme;
	return 0;
}

/* Strict base64 (RFC 4648 §4): whole quanta, padding only at the end, and
 * canonical (re-encoding gives the same text, so no stray bits). */
static int decode_token(struct httpauth *h, const uint8_t *p, size_t n,
			struct rpe_error *err)
{
	size_t pad = 0, i, out_len;
	uint8_t *dst, *check = NULL;
	int dec, ok = 0;

	while (pad < n && pad < 2 && p[n - 1 - pad] == '=')
		pad++;
	for (i = 0; i < n - pad; i++)
		if (!is_token68(p[i]) || p[i] == '-' || p[i] == '.' ||
		    p[i] == '_' || p[i] == '~')
			break;
	if (n == 0 || n % 4 != 0 || i != n - pad || n / 4 * 3 > HTTPAUTH_TOKEN_MAX)
		return rpe_fail(err, RPE_ERR_PROTO,
				"WWW-Authenticate: the %s token is not base64",
				httpauth_scheme_name(h->token_scheme));
	out_len = n / 4 * 3;
	buf_reset(&h->token);
	TRY(buf_put_space(&h->token, out_len, &dst));
	dec = EVP_DecodeBlock(dst, p, (int)n);
	if (dec == (int)out_len) {
		h->token.len = out_len - pad;
		check = OPENSSL_malloc(n + 1);
		ok = check &&
		     EVP_EncodeBlock(check, h->token.data, (int)h->token.len) ==
			     (int)n &&
		     memcmp(check, p, n) == 0;
		OPENSSL_free(check);
	}
	if (!ok) {
		buf_reset(&h->token);
		return rpe_fail(err, RPE_ERR_PROTO,
				"WWW-Authenticate: the %s token is not canonical base64",
				httpauth_scheme_name(h->token_scheme));
	}
	h->token_is_ntlmssp = h->token.len >= 8 &&
			      memcmp(h->token.data, NTLMSSP_SIG, 8) == 0;
	return 0;
}

/* After "scheme 1*SP": a token68 (*tok), or a list of auth-params, which
 * the caller's loop reads as they look like any other list element. */
static void challenge_token(struct buf_cur *c, const uint8_t **tok, size_t *tn)
{
	size_t start = buf_cur_pos(c);
	const uint8_t *p = NULL;
	size_t n = take(c, is_token68, &p);
	uint8_t ch;

	while (peek(c, &ch) == 0 && ch == '=') {
		(void)buf_skip(c, 1);
		n++;
	}
	*tok = NULL;
	*tn = 0;
	if (n == 0 || !at_element_end(c)) {
		(void)buf_cur_seek(c, start); /* auth-params such as realm= */
		return;
	}
	*tok = p;
	*tn = n;
}

int httpauth_each(const uint8_t *value, size_t len, httpauth_challenge_fn fn,
		  void *ctx, struct rpe_error *err)
{
	struct buf_cur c;
	int in_challenge = 0;

	/* The end of the header line (libcurl hands it with its CRLF). */
	while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == '\r'))
		len--;
	buf_cur_init(&c, value, len);
	for (;;) {
		const uint8_t *name, *tok = NULL;
		size_t n, tn = 0;
		uint8_t ch;

		skip_ows(&c, 1);
		if (buf_cur_remaining(&c) == 0)
			return 0;
		n = take(&c, is_tchar, &name);
		if (n == 0)
			return rpe_fail(err, RPE_ERR_PROTO,
					"WWW-Authenticate: unexpected character at offset %zu",
					buf_cur_pos(&c));
		skip_ows(&c, 0);
		if (peek(&c, &ch) == 0 && ch == '=') {
			/* auth-param of the challenge before it */
			if (!in_challenge)
				return rpe_fail(err, RPE_ERR_PROTO,
						"WWW-Authenticate: parameter before any scheme");
			TRY(skip_param_value(&c, err));
			continue;
		}
		in_challenge = 1;
		if (!at_element_end(&c))
			challenge_token(&c, &tok, &tn);
		TRY(fn(ctx, name, n, tok, tn, err));
	}
}

/* One challenge into struct httpauth: the scheme, and the token of NTLM or
 * Negotiate (one per answer). */
static int note_challenge(void *ctx, const uint8_t *name, size_t n,
			  const uint8_t *tok, size_t tn, struct rpe_error *err)
{
	struct httpauth *h = ctx;
	unsigned scheme = scheme_of(name, n);

	h->offered |= scheme;
	if (!tok || (scheme != HTTPAUTH_NTLM && scheme != HTTPAUTH_NEGOTIATE))
		return 0;
	if (h->token_scheme)
		return rpe_fail(err, RPE_ERR_PROTO,
				"WWW-Authenticate: two authentication tokens in one answer");
	h->token_scheme = scheme;
	return decode_token(h, tok, tn, err);
}

int httpauth_parse(struct httpauth *h, const char *value, size_t len,
		   struct rpe_error *err)
{
	return httpauth_each((const uint8_t *)value, len, note_challenge, h, err);
}

int httpauth_header_line(struct httpauth *h, const char *line, size_t len,
			 struct rpe_error *err)
{
	static const char name[] = "WWW-Authenticate:";
	size_t nlen = sizeof(name) - 1;

	if (len < nlen || strncasecmp(line, name, nlen) != 0)
		return 0;
	while (len > nlen && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	TRY(httpauth_parse(h, line + nlen, len - nlen, err));
	return 1;
}

int httpauth_ntlm_token(const struct httpauth *h, unsigned scheme,
			const uint8_t **tok, size_t *len, struct rpe_error *err)
{
	if (h->token_scheme != scheme || h->token.len == 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"the server's 401 carries no %s challenge",
				httpauth_scheme_name(scheme));
	if (!h->token_is_ntlmssp)
		return rpe_fail(err, RPE_ERR_PROTO,
				"the server's %s challenge is not an NTLM message%s",
				httpauth_scheme_name(scheme),
				scheme == HTTPAUTH_NEGOTIATE ? " (SPNEGO)" : "");
	*tok = h->token.data;
	*len = h->token.len;
	return 0;
}

/* "NAME " and room for b64 characters and their NUL at *dst. */
static int put_scheme(struct buf *out, const char *name, size_t b64, uint8_t **dst)
{
	TRY(buf_put_bytes(out, name, strlen(name)));
	TRY(buf_put_u8(out, ' '));
	/* EVP_EncodeBlock writes the NUL as well. */
	return buf_put_space(out, b64 + 1, dst);
}

int httpauth_authorization(unsigned scheme, const uint8_t *tok, size_t len,
			   struct buf *out, struct rpe_error *err)
{
	const char *name = httpauth_scheme_name(scheme);
	size_t b64 = (len + 2) / 3 * 4;
	uint8_t *dst;
	int rc;

	if (scheme != HTTPAUTH_NTLM && scheme != HTTPAUTH_NEGOTIATE)
		return rpe_fail(err, RPE_ERR_ARG, "no token for scheme %s", name);
	if (len == 0 || len > HTTPAUTH_TOKEN_MAX)
		return rpe_fail(err, RPE_ERR_ARG,
				"authentication token of %zu bytes", len);
	rc = put_scheme(out, name, b64, &dst);
	if (rc < 0)
		return rpe_fail(err, rc, "cannot build the Authorization header");
	if (EVP_EncodeBlock(dst, tok, (int)len) != (int)b64)
		return rpe_fail(err, RPE_ERR_CRYPTO, "base64 encoding failed");
	out->len--; /* keep the NUL outside len */
	return 0;
}
