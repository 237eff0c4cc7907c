/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a connection showed before the first RPC byte, for the long output
 * (the steps Microsoft's Remote Connectivity Analyzer lists before the
 * logon): the TLS protocol version and cipher, the server's leaf
 * certificate (even when verification failed: an expired, not yet valid or
 * wrong-name certificate is reported with its dates), and the HTTP
 * authentication schemes the RPC proxy offered in WWW-Authenticate.
 *
 * Nothing here makes a round trip: the TLS part is read from the
 * handshake libcurl performs anyway (a verify callback installed into each
 * connection's SSL_CTX, and the SSL object once the response headers
 * arrive), the schemes from the response headers libcurl hands over. */
#ifndef RPE_TLSINFO_H
#define RPE_TLSINFO_H

#include <stddef.h>
#include <stdint.h>

#include "certinfo.h"

struct tls_seen {
	int have_cert;         /* cert is filled */
	struct cert_info cert; /* the server's leaf certificate */
	char verify_error[96]; /* OpenSSL's reason when the chain failed */
	char version[16];      /* "TLSv1.3" */
	char cipher[64];       /* "TLS_AES_256_GCM_SHA384" */
	/* The connection's channel binding for Extended Protection (lib/cbt:
	 * RFC 5929 tls-server-end-point, MsvAvChannelBindings), from the
	 * certificate of the connection the last response came on. */
	int have_cbt;
	uint8_t cbt[16];
	/* The chain the server sent: key and signature digests. */
	struct cert_strength strength;
};

struct cbt_sent;

/* What the TLS callbacks of one connection report to. */
struct tls_watch {
	/* May be NULL; written until the first handshake ends, so it must
	 * outlive that handshake only. */
	struct tls_seen *seen;
	/* The run's server certificates as sent (lib/cbt), for the channel
	 * bindings; may be NULL.  Must outlive the connection. */
	struct cbt_sent *sent;
	/* The -vvv trace of the handshake messages (NULL: none), one line
	 * at a time with the connection's name; trace_ctx must outlive the
	 * connection, name is copied. */
	void (*trace)(void *ctx, const char *name, const char *line);
	void *trace_ctx;
	const char *name;
};

/* Install the callbacks into an OpenSSL SSL_CTX (libcurl's
 * CURLOPT_SSL_CTX_FUNCTION hands one per connection): the verify callback
 * that fills w->seen, and the message callback that keeps the server's
 * certificate as sent and traces the handshake.  The verification result
 * itself is left as OpenSSL and libcurl decide it. */
int tlsinfo_watch(void *ssl_ctx, const struct tls_watch *w);

/* After the handshake: version, cipher, the channel binding (from the
 * certificate as the server sent it) and (for a resumed session, where no
 * verification ran) the peer certificate, from an OpenSSL SSL *. */
void tlsinfo_from_ssl(const void *ssl, struct tls_seen *seen);

/* One line: "TLSv1.3, TLS_AES_256_GCM_SHA384" ("" parts left out). */
void tlsinfo_line(const struct tls_seen *seen, char *out, size_t n);

/* The authentication schemes of one WWW-Authenticate (or
 * Proxy-Authenticate) field value (RFC 7235 section 4.1: a comma-separated
 * list of challenges, each a scheme token optionally followed by
 * parameters) added to the ", "-separated list in out (each scheme once, in
 * the order first offered; a list that is full stays as it is).  Returns
 * the number of schemes added, or < 0 for a value that is not a challenge
 * list. */
int http_auth_schemes_add(char *out, size_t n, const uint8_t *value, size_t len);

#endif
