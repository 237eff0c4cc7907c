/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One-shot HTTP requests on the event loop: a POST or GET whose whole
 * response body (up to a cap) is kept, with its status and redirect
 * target; http_request_again sends a follow-up on the same connection.
 * Autodiscover (MS-OXDSCLI, MS-OXDISCO), the Extended Protection check and
 * MAPI over HTTP make their requests with it, with the RPC proxy's HTTP
 * authentication and TLS settings (http_setup_connection).  Redirects are
 * not followed: the caller decides (https only, hop limits). */
#ifndef RPE_TRANSPORT_REQUEST_H
#define RPE_TRANSPORT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"
#include "transport_http.h"

struct http_request;

struct http_request_cb {
	void *ctx;
	/* The request ended: res LOOP_RES_EOF or LOOP_RES_HTTP_STATUS with
	 * status set, or a transport failure explained by msg.  Called from
	 * inside the loop: close the request only after loop_run returns. */
	void (*on_done)(void *ctx, struct http_request *rq,
			enum loop_result res, long status, const char *msg);
};

struct http_request_spec {
	const char *method;  /* "GET", "POST", or another method with a body
			       * (RPC_IN_DATA: posted the same way) */
	const char *url;     /* absolute; its scheme must match p->tls */
	const char *name;    /* trace prefix */
	const uint8_t *body; /* POST body (copied) */
	size_t len;
	const char *const *headers; /* extra request headers, NULL-terminated */
	size_t max_body; /* a longer response body aborts the request */
	/* "HOST:PORT:ADDR:PORT" lines for CURLOPT_CONNECT_TO, NULL-terminated
	 * (split DNS, loopback tests); NULL: none. */
	const char *const *connect_to;
	/* Our HTTP NTLM sends an AUTHENTICATE without channel binding (the
	 * Extended Protection check, lib/posture_run) and never Basic. */
	int ntlm_unbound;
	/* Keep the value of this response header (the last one seen):
	 * http_request_header(). */
	const char *keep_header;
	/* Optional: every response header line as it arrives (with cb's
	 * ctx), status lines included (a 401 of the HTTP authentication,
	 * then the final response). */
	void (*on_header)(void *ctx, struct http_request *rq, const char *line,
			  size_t len);
};

/* p gives authentication (user NULL: none), TLS and routing; its host,
 * port and path are ignored (the URL says where). */
struct http_request *http_request_open(struct loop *loop,
				       const struct http_params *p,
				       const struct http_request_spec *spec,
				       const struct http_request_cb *cb,
				       struct rpe_error *err);
/* Safe on NULL; never from inside the request's own callback. */
void http_request_close(struct http_request *rq);
/* Another request on a finished one's easy handle and connection pool
 * (never from inside its callback): on the same connection when the
 * server kept it open, so no new TCP or TLS handshake.  After our HTTP
 * NTLM authenticated that connection the request goes without
 * Authorization (NTLM authenticates connections, MS-NTHT 3); when the
 * server said "Connection: close", or answers HTTP 401, the NTLM
 * handshake runs again (on a new connection if need be).  p's settings
 * stay the first request's (its user, domain and password strings must
 * still be valid); spec's method, URL, headers and body are the new
 * request's (max_body can only shrink). */
int http_request_again(struct http_request *rq,
		       const struct http_request_spec *spec,
		       struct rpe_error *err);

const uint8_t *http_request_body(const struct http_request *rq, size_t *len);
/* The redirect target of a 3xx (absolute, resolved by libcurl), or NULL. */
const char *http_request_location(const struct http_request *rq);
int http_request_finished(const struct http_request *rq);
/* The value of spec->keep_header ("" when none came). */
const char *http_request_header(const struct http_request *rq);
/* The authentication schemes its 401 answers offered ("NTLM, Basic"; ""
 * if none). */
const char *http_request_auth_offered(const struct http_request *rq);
/* 1 once our HTTP NTLM sent an AUTHENTICATE on it. */
int http_request_sent_credentials(const struct http_request *rq);

/* The server certificate, TLS version and cipher of an https request
 * (tlsinfo.h), also when verification failed. */
const struct tls_seen *http_request_tls(const struct http_request *rq);
/* libcurl's timings of the last transfer. */
int http_request_timings(const struct http_request *rq, struct http_timings *t);

#endif
