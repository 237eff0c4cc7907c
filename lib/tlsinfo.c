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
#include "cbt.h"
#include "httpauth.h"

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
	SSL *ssl =
		X509_STORE_CTX_get_ex_data(sctx,
					   SSL_get_ex_data_X509_STORE_CTX_idx());
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
	if (leaf && !s->strength.have) {
		/* The chain as sent (leaf first), also when it fails. */
		STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(sctx);
		int i;
		(void)cert_strength_add(&s->strength, leaf);
		for (i = 0; sent && i < sk_X509_num(sent); i++)
			if (sk_X509_value(sent, i) != leaf)
				(void)cert_strength_add(&s->strength,
							sk_X509_value(sent, i));
	}
	if (!ok && !s->verify_error[0])
		copy_str(s->verify_error, sizeof(s->verify_error),
			 X509_verify_cert_error_string(
				 X509_STORE_CTX_get_error(sctx)));
	note_session(ssl, s);
	return ok;
}

/* The handshake finished: version and cipher, also where no verification
 * ran (a handshake without peer verification, a resumed session). */
static void on_info(const SSL *ssl, int where, int ret)
{
	struct tls_seen *s;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE) || seen_index < 0)
		return;
	s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), seen_index);
	if (s)
		note_session(ssl, s);
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
	SSL_CTX_set_info_callback(ctx, on_info);
	return 0;
}

void tlsinfo_from_ssl(const void *ssl, struct tls_seen *seen)
{
	X509 *peer;

	if (!ssl || !seen)
		return;
	note_session(ssl, seen);
	/* Each response may come on another connection: bind to this one's
	 * certificate (no binding where RFC 5929 defines none). */
	seen->have_cbt = cbt_from_ssl((void *)ssl, seen->cbt, NULL) == 0;
	if (!seen->strength.have) {
		STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
		int i;
		for (i = 0; chain && i < sk_X509_num(chain); i++)
			(void)cert_strength_add(&seen->strength,
						sk_X509_value(chain, i));
	}
	if (seen->have_cert)
		return;
	peer = SSL_get0_peer_certificate(ssl);
	if (peer)
		seen->have_cert =
			cert_info_from_x509(peer, &seen->cert, NULL) == 0;
}

void tlsinfo_line(const struct tls_seen *seen, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", seen->version,
		 seen->version[0] && seen->cipher[0] ? ", " : "", seen->cipher);
}

/* WWW-Authenticate ------------------------------------------------------------ */

#define SCHEME_MAX 32

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

struct scheme_list {
	char *out;
	size_t n;
	int added;
};

static int add_scheme(void *ctx, const uint8_t *name, size_t n,
		      const uint8_t *tok, size_t tn, struct rpe_error *err)
{
	struct scheme_list *l = ctx;
	char tokname[SCHEME_MAX];

	(void)tok;
	(void)tn;
	(void)err;
	snprintf(tokname, sizeof(tokname), "%.*s",
		 (int)(n < sizeof(tokname) ? n : sizeof(tokname) - 1),
		 (const char *)name);
	l->added += list_add(l->out, l->n, tokname);
	return 0;
}

/* lib/httpauth walks the challenges (the one parser of these headers). */
int http_auth_schemes_add(char *out, size_t n, const uint8_t *value, size_t len)
{
	struct scheme_list l = { out, n, 0 };

	if (!out || n == 0)
		return -1;
	if (httpauth_each(value, len, add_scheme, &l, NULL) < 0)
		return -1;
	return l.added;
}
