/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One TLS handshake on the event loop, nothing after it: the TLS floor of
 * --posture (does the server complete a handshake at TLS 1.0?) and, under
 * --insecure, whether the chain would verify.
 *
 * Each handshake is its own libcurl easy handle (CURLOPT_CONNECT_ONLY)
 * and so its own SSL_CTX: an old version needs OpenSSL's security level 0
 * (TLS 1.0 and 1.1 sign with SHA-1), which is set on that handle's cipher
 * list only and never reaches the probes' connections.  No session is
 * taken from or left in the run's cache, no HTTP request is made and no
 * credential is sent. */
#ifndef RPE_TRANSPORT_TLSPROBE_H
#define RPE_TRANSPORT_TLSPROBE_H

#include "err.h"
#include "loop.h"
#include "transport_http.h"

enum tls_probe_version {
	TLS_PROBE_ANY = 0, /* libcurl's default range */
	TLS_PROBE_10,
	TLS_PROBE_11,
	TLS_PROBE_12,
	TLS_PROBE_13,
};

struct tls_probe_params {
	/* Host, port, -I, -4/-6, --proxy, client certificate of the RPC
	 * proxy's connections (user, path and auth are not used). */
	const struct http_params *http;
	enum tls_probe_version version; /* exactly this one */
	int verify;       /* verify chain and name against ca_file (NULL:
			     * the system's CAs) */
	const char *name; /* trace prefix */
};

struct tls_probe;

struct tls_probe_cb {
	void *ctx;
	/* ok: the handshake completed (version and cipher as negotiated);
	 * otherwise msg says why (libcurl's words).  Called from inside the
	 * loop: close the probe only after loop_run returns. */
	void (*on_done)(void *ctx, struct tls_probe *tp, int ok,
			enum loop_result res, const char *version,
			const char *cipher, const char *msg);
};

struct tls_probe *tls_probe_open(struct loop *loop,
				 const struct tls_probe_params *p,
				 const struct tls_probe_cb *cb,
				 struct rpe_error *err);
/* Safe on NULL; never from inside its own callback. */
void tls_probe_close(struct tls_probe *tp);

#endif
