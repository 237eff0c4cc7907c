/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TLS handshake facts and offered HTTP authentication schemes; see
 * tlsinfo.h. */
#include "tlsinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "buf.h"
#include "cbt.h"
#include "httpauth.h"

/* What one connection's callbacks work with: a copy of the watcher's
 * struct tls_watch, owned by the SSL_CTX (libcurl makes one per
 * connection) and freed with it.  A connection outlives the transfer that
 * opened it (libcurl's connection cache), so what the callbacks reach after
 * the handshake must live as long as the connection: the run's record of
 * certificates and the trace sink do (the loop's), and the name is a
 * copy.  The opener's struct tls_seen does not: it is let go when the
 * handshake ends (a transfer that reuses the connection reads the session
 * with tlsinfo_from_ssl() into its own). */
struct hook {
	struct tls_watch w;
	char name[48];
};

/* The SSL_CTX slot that holds the connection's struct hook. */
static int hook_index = -1;

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void free_hook(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		      long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

static struct hook *hook_of(const SSL *ssl)
{
	return hook_index < 0 ?
		       NULL :
		       SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), hook_index);
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
	struct hook *h = ssl ? hook_of(ssl) : NULL;
	struct tls_seen *s = h ? h->w.seen : NULL;
	X509 *leaf;

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
 * ran (a handshake without peer verification, a resumed session).  The
 * connection's opener may be gone before a later handshake on it (a TLS
 * 1.2 renegotiation): its struct tls_seen is not written after this. */
static void on_info(const SSL *ssl, int where, int ret)
{
	struct hook *h;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE))
		return;
	h = hook_of(ssl);
	if (h && h->w.seen) {
		note_session(ssl, h->w.seen);
		h->w.seen = NULL;
	}
}

/* The -vvv trace of the handshake ------------------------------------------ */

static const char *version_name(int v)
{
	switch (v) {
	case SSL3_VERSION: return "SSLv3";
	case TLS1_VERSION: return "TLSv1.0";
	case TLS1_1_VERSION: return "TLSv1.1";
	case TLS1_2_VERSION: return "TLSv1.2";
	case TLS1_3_VERSION: return "TLSv1.3";
	default: return "TLS";
	}
}

static const char *record_name(int content_type)
{
	switch (content_type) {
	case SSL3_RT_CHANGE_CIPHER_SPEC: return "TLS change cipher";
	case SSL3_RT_ALERT: return "TLS alert";
	case SSL3_RT_HANDSHAKE: return "TLS handshake";
	default: return "TLS record";
	}
}

/* The handshake message names libcurl's own trace uses. */
static const char *handshake_name(unsigned type)
{
	static const char *const names[] = {
		[SSL3_MT_HELLO_REQUEST] = "Hello request",
		[SSL3_MT_CLIENT_HELLO] = "Client hello",
		[SSL3_MT_SERVER_HELLO] = "Server hello",
		[SSL3_MT_NEWSESSION_TICKET] = "Newsession Ticket",
		[SSL3_MT_END_OF_EARLY_DATA] = "End of early data",
		[SSL3_MT_ENCRYPTED_EXTENSIONS] = "Encrypted Extensions",
		[SSL3_MT_CERTIFICATE] = "Certificate",
		[SSL3_MT_SERVER_KEY_EXCHANGE] = "Server key exchange",
		[SSL3_MT_CERTIFICATE_REQUEST] = "Request CERT",
		[SSL3_MT_SERVER_DONE] = "Server finished",
		[SSL3_MT_CERTIFICATE_VERIFY] = "CERT verify",
		[SSL3_MT_CLIENT_KEY_EXCHANGE] = "Client key exchange",
		[SSL3_MT_FINISHED] = "Finished",
		[SSL3_MT_CERTIFICATE_STATUS] = "Certificate Status",
		[SSL3_MT_SUPPLEMENTAL_DATA] = "Supplemental data",
		[SSL3_MT_KEY_UPDATE] = "Key update",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ?
		       names[type] :
		       "Unknown";
}

/* One line per handshake message, alert and change-cipher record, as
 * libcurl's trace (which this callback replaces) prints them:
 * "TLSv1.3 (IN), TLS handshake, Certificate (11):". */
static void trace_msg(const struct hook *h, int write_p, int version,
		      int content_type, const void *buf, size_t len)
{
	struct buf_cur c;
	char line[128];
	uint8_t b0 = 0, b1 = 0;
	unsigned type;
	const char *what;

	buf_cur_init(&c, buf, len);
	if (buf_peek_u8_at(&c, 0, &b0) < 0)
		return;
	if (content_type == SSL3_RT_ALERT) {
		(void)buf_peek_u8_at(&c, 1, &b1);
		type = ((unsigned)b0 << 8) | b1;
		what = SSL_alert_desc_string_long((int)type);
	} else {
		type = b0;
		what = content_type == SSL3_RT_HANDSHAKE ? handshake_name(type) :
							   "Change cipher spec";
	}
	snprintf(line, sizeof(line),
		 "%s (%s), %s, %s (%u):", version_name(version),
		 write_p ? "OUT" : "IN", record_name(content_type), what, type);
	h->w.trace(h->w.trace_ctx, h->name, line);
}

/* Every TLS message of the connection.  The server's Certificate message
 * is kept as sent, for the channel binding (lib/cbt: RFC 5929 §4.1 hashes
 * the certificate "as it appears, octet for octet, in the server's
 * Certificate message", which OpenSSL does not keep).  Record headers
 * (version 0) and TLS 1.3's inner content types are no messages. */
static void on_msg(int write_p, int version, int content_type, const void *buf,
		   size_t len, SSL *ssl, void *arg)
{
	struct hook *h = hook_of(ssl);
	struct buf_cur c;
	uint8_t type;

	(void)arg;
	if (!h || version == 0 ||
	    (content_type != SSL3_RT_HANDSHAKE && content_type != SSL3_RT_ALERT &&
	     content_type != SSL3_RT_CHANGE_CIPHER_SPEC))
		return;
	if (h->w.trace)
		trace_msg(h, write_p, version, content_type, buf, len);
	buf_cur_init(&c, buf, len);
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && h->w.sent &&
	    buf_peek_u8_at(&c, 0, &type) == 0 && type == CBT_TLS_CERTIFICATE)
		(void)cbt_sent_add(h->w.sent, ssl, buf, len,
				   version == TLS1_3_VERSION, NULL);
}

int tlsinfo_watch(void *ssl_ctx, const struct tls_watch *w)
{
	SSL_CTX *ctx = ssl_ctx;
	struct hook *h;

	if (!ctx || !w)
		return -1;
	if (hook_index < 0) {
		hook_index =
			SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_hook);
		if (hook_index < 0)
			return -1;
	}
	if (!(h = calloc(1, sizeof(*h))))
		return -1;
	h->w = *w;
	copy_str(h->name, sizeof(h->name), w->name);
	h->w.name = h->name;
	free(SSL_CTX_get_ex_data(ctx, hook_index));
	if (!SSL_CTX_set_ex_data(ctx, hook_index, h)) {
		free(h);
		return -1;
	}
	/* Keep the mode libcurl chose (peer verification or none). */
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
	SSL_CTX_set_info_callback(ctx, on_info);
	/* This replaces the message callback of libcurl's -vvv trace (there
	 * is no getter to chain it): trace_msg() prints its lines. */
	SSL_CTX_set_msg_callback(ctx, on_msg);
#ifdef SSL_OP_NO_RX_CERTIFICATE_COMPRESSION
	/* OpenSSL 3.2+ may offer RFC 8879 certificate compression: the
	 * message callback would then see only the CompressedCertificate,
	 * not the certificate as sent that the binding hashes. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
#endif
	return 0;
}

void tlsinfo_from_ssl(const void *ssl, struct tls_seen *seen)
{
	struct hook *h;
	X509 *peer;

	if (!ssl || !seen)
		return;
	h = hook_of(ssl);
	note_session(ssl, seen);
	/* Each response may come on another connection: bind to this one's
	 * certificate, as it was sent (no binding where RFC 5929 defines
	 * none). */
	seen->have_cbt = cbt_from_ssl((void *)ssl, h ? h->w.sent : NULL,
				      seen->cbt, NULL) == 0;
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
