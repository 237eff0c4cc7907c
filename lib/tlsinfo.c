/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TLS handshake facts and offered HTTP authentication schemes; see
 * tlsinfo.h. */
#include "tlsinfo.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "buf.h"

/* The SSL_CTX slot that points at the connection's struct tls_seen. */
static int seen_index = -1;

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void note_session(const SSL *ssl, struct tls_seen *s)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);

	copy_str(s->version, sizeof(s->version), SSL_get_version(ssl));
	if (c)
		copy_str(s->cipher, sizeof(s->cipher), SSL_CIPHER_get_name(c));
}

/* Called by OpenSSL for each certificate of the chain it verifies, with
 * its own verdict in ok; the verdict is passed on unchanged. */
static int on_verify(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_seen *s;
	X509 *leaf;

	if (!ssl || seen_index < 0)
		return ok;
	s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), seen_index);
	if (!s)
		return ok;
	leaf = X509_STORE_CTX_get0_cert(sctx);
	if (leaf && !s->have_cert)
		s->have_cert = cert_info_from_x509(leaf, &s->cert, NULL) == 0;
	if (!ok && !s->verify_error[0])
		copy_str(s->verify_error, sizeof(s->verify_error),
			 X509_verify_cert_error_string(
				 X509_STORE_CTX_get_error(sctx)));
	note_session(ssl, s);
	return ok;
}

int tlsinfo_watch(void *ssl_ctx, struct tls_seen *seen)
{
	SSL_CTX *ctx = ssl_ctx;

	if (!ctx || !seen)
		return -1;
	if (seen_index < 0) {
		seen_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
		if (seen_index < 0)
			return -1;
	}
	if (!SSL_CTX_set_ex_data(ctx, seen_index, seen))
		return -1;
	/* Keep the mode libcurl chose (peer verification or none). */
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
	return 0;
}

void tlsinfo_from_ssl(const void *ssl, struct tls_seen *seen)
{
	X509 *peer;

	if (!ssl || !seen)
		return;
	note_session(ssl, seen);
	if (seen->have_cert)
		return;
	peer = SSL_get0_peer_certificate(ssl);
	if (peer)
		seen->have_cert = cert_info_from_x509(peer, &seen->cert, NULL) == 0;
}

void tlsinfo_line(const struct tls_seen *seen, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", seen->version,
		 seen->version[0] && seen->cipher[0] ? ", " : "", seen->cipher);
}

/* WWW-Authenticate ------------------------------------------------------------ */

#define SCHEME_MAX 32

/* tchar (RFC 7230 section 3.2.6). */
static int is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int peek(const struct buf_cur *c, uint8_t *v)
{
	return buf_peek_u8_at(c, buf_cur_pos(c), v);
}

static void skip_ows(struct buf_cur *c)
{
	uint8_t v;

	while (peek(c, &v) == 0 && (v == ' ' || v == '\t'))
		buf_skip(c, 1);
}

/* Past the rest of a list element: up to (not over) the next comma outside
 * a quoted-string.  < 0 for a quoted-string that does not end. */
static int skip_element(struct buf_cur *c)
{
	uint8_t v;
	int quoted = 0;

	while (peek(c, &v) == 0) {
		if (!quoted && v == ',')
			return 0;
		buf_skip(c, 1);
		if (quoted && v == '\\') {
			if (buf_skip(c, 1) < 0)
				return -1;
		} else if (v == '"') {
			quoted = !quoted;
		}
	}
	return quoted ? -1 : 0;
}

static int list_has(const char *list, const char *tok)
{
	size_t tl = strlen(tok);
	const char *p = list;

	while (*p) {
		const char *end = strstr(p, ", ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == tl && strncasecmp(p, tok, tl) == 0)
			return 1;
		if (!end)
			break;
		p = end + 2;
	}
	return 0;
}

static int list_add(char *out, size_t n, const char *tok)
{
	size_t used = strlen(out), need = strlen(tok) + (used ? 2 : 0);

	if (list_has(out, tok) || used + need + 1 > n)
		return 0;
	snprintf(out + used, n - used, "%s%s", used ? ", " : "", tok);
	return 1;
}

int http_auth_schemes_add(char *out, size_t n, const uint8_t *value,
			  size_t len)
{
	struct buf_cur c;
	int added = 0;

	if (!out || n == 0)
		return -1;
	buf_cur_init(&c, value, len);
	while (buf_cur_remaining(&c)) {
		char tok[SCHEME_MAX];
		size_t tl = 0;
		uint8_t v;

		skip_ows(&c);
		if (peek(&c, &v) == 0 && v == ',') {
			buf_skip(&c, 1);
			continue;
		}
		while (peek(&c, &v) == 0 && is_tchar(v)) {
			if (tl + 1 < sizeof(tok))
				tok[tl++] = (char)v;
			buf_skip(&c, 1);
		}
		tok[tl] = '\0';
		if (tl == 0 && buf_cur_remaining(&c))
			return -1;
		skip_ows(&c);
		/* "token =" is an auth-param of the challenge before. */
		if (tl && !(peek(&c, &v) == 0 && v == '='))
			added += list_add(out, n, tok);
		if (skip_element(&c) < 0)
			return -1;
	}
	return added;
}
