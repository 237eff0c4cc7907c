/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over HTTP v2 channels on libcurl (MS-RPCH 2.1.2).
 *
 * A virtual connection uses two long-lived HTTP requests: the OUT channel
 * (method RPC_OUT_DATA, a 76-byte body holding CONN/A1, whose endless
 * response body carries every server-to-client PDU) and the IN channel
 * (method RPC_IN_DATA, an announced 1 GiB body that the client streams PDUs
 * into as it produces them).  This module runs any number of such channels
 * side by side in one libcurl multi handle; libcurl does TLS, HTTP parsing,
 * Basic and Negotiate, proxies and address selection.  NTLM is ours
 * (lib/transport_ntlm: the handshake on one connection per channel, with
 * the TLS channel binding Extended Protection asks for).
 * The channels are sources of the one event loop (loop.h); with
 * transport_tcp.c these are the only files doing network I/O. */
#ifndef RPE_TRANSPORT_HTTP_H
#define RPE_TRANSPORT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "loop.h"
#include "tlsinfo.h"

/* The body length a client announces on RPC_IN_DATA (MS-RPCH 2.1.2.1.1:
 * anything between 128 KiB and 2 GiB; Windows clients send 1 GiB). */
#define HTTP_IN_CHANNEL_CONTENT_LENGTH 1073741824L

enum http_auth {
	HTTP_AUTH_ANY = 0,
	HTTP_AUTH_BASIC,
	HTTP_AUTH_NTLM,
	HTTP_AUTH_NEGOTIATE,
};

enum http_chan_kind {
	HTTP_CHAN_IN,
	HTTP_CHAN_OUT,
};

struct http_params {
	const char *host;       /* URL host, Host header and TLS name (SNI) */
	const char *connect_ip; /* -I: connect here instead of resolving host */
	long port;
	int tls;          /* 0: plain http (labs only) */
	const char *path; /* "/rpc/rpcproxy.dll?server:6001" */
	const char *user; /* HTTP auth user, NULL for none */
	const char *password;
	/* NTLM's split of user, as at the RPC layer (NULL: user, ""). */
	const char *ntlm_user;
	const char *ntlm_domain;
	/* ANY: our NTLM with channel binding when offered, else Basic; NTLM:
	 * ours only; BASIC and NEGOTIATE: libcurl's. */
	enum http_auth auth;
	const char *ca_file;
	int insecure; /* skip certificate and host name checks */
	const char *client_cert;
	const char *client_key;
	const char *proxy;
	int ip_version; /* 0 any, 4 or 6 */
};

struct http_chan;

struct http_chan_cb {
	void *ctx;
	/* The final (non-1xx) status line arrived. */
	void (*on_status)(void *ctx, struct http_chan *ch, long status);
	/* Response body bytes of a 2xx response; return < 0 to abort. */
	int (*on_data)(void *ctx, struct http_chan *ch, const uint8_t *p,
		       size_t n);
	/* The transfer ended; msg explains it in one line. */
	void (*on_done)(void *ctx, struct http_chan *ch, enum loop_result res,
			long status, const char *msg);
};

/* Microseconds from the start of the transfer, as libcurl measured them
 * (CURLINFO_*_TIME_T); -1 when a phase did not happen (yet). */
struct http_timings {
	int64_t resolve_us;
	int64_t connect_us;
	int64_t tls_us;
	int64_t pretransfer_us;
	int64_t starttransfer_us;
};

/* For the loop's other HTTP sources (transport_request.c): HTTP
 * authentication, TLS verification and client certificate, proxy and
 * routing (-4/-6, -I) on src's easy handle, exactly as the channels get
 * them.  *connect_to is freed by the caller with the handle. */
struct loop_source;
struct curl_slist;
int http_setup_connection(struct loop_source *src, struct curl_slist **connect_to,
			  const struct http_params *p, struct rpe_error *err);

/* Start a channel.  For HTTP_CHAN_OUT, body/len is the whole request body
 * (CONN/A1); for HTTP_CHAN_IN it must be NULL/0 and data is supplied with
 * http_chan_send(). */
struct http_chan *http_chan_open(struct loop *loop,
				 const struct http_params *params,
				 enum http_chan_kind kind, const uint8_t *body,
				 size_t len, const struct http_chan_cb *cb,
				 struct rpe_error *err);

/* Queue bytes on an IN channel; they go out as the connection accepts them. */
int http_chan_send(struct http_chan *ch, const uint8_t *p, size_t n);

/* After this, bytes already sent can no longer be replayed by an HTTP auth
 * retry: call it once the server has proven it accepted the channel. */
void http_chan_commit(struct http_chan *ch);

/* Stop the transfer and free the channel.  Callbacks are not called. */
void http_chan_close(struct http_chan *ch);

int http_chan_timings(struct http_chan *ch, struct http_timings *t);
long http_chan_status(const struct http_chan *ch);
/* Reason phrase of the last status line ("" if none), at most 95 bytes. */
const char *http_chan_reason(const struct http_chan *ch);
/* What the channel's TLS handshakes showed (zeroed without TLS), and the
 * authentication schemes its 401 answers offered ("" if none). */
const struct tls_seen *http_chan_tls(const struct http_chan *ch);
const char *http_chan_auth_offered(const struct http_chan *ch);
/* Content-Type of the last response headers ("" if none). */
const char *http_chan_content_type(const struct http_chan *ch);
enum http_chan_kind http_chan_kind(const struct http_chan *ch);
/* 1 while the channel waits for the proxy's NTLM CHALLENGE (its HTTP
 * authentication has not got past the first leg). */
int http_chan_auth_pending(const struct http_chan *ch);

/* The IN channel's upload, sans-I/O: bytes queued for libcurl, and the
 * replay log of bytes handed over but not yet proven to have reached the
 * server.  libcurl rewinds an upload when its HTTP authentication restarts
 * the request (Negotiate: 401, then the request again with a token,
 * MS-RPCH 3.2.2.5.1 leaves HTTP auth to the HTTP stack); until the owner
 * commits, a rewind puts the replay log back in front of the queue.  Both
 * are capped: a server that never confirms cannot grow them without
 * bound. */
struct http_upload {
	struct buf queue;  /* not yet handed to libcurl */
	struct buf replay; /* handed over, not committed */
	int committed;
};

void http_upload_init(struct http_upload *u);
void http_upload_free(struct http_upload *u);
int http_upload_push(struct http_upload *u, const uint8_t *p, size_t n);
/* Move up to room queued bytes to dst (logging them for a replay until
 * committed); *took is the count, 0 when nothing is queued.  < 0 when the
 * replay log is full. */
int http_upload_take(struct http_upload *u, uint8_t *dst, size_t room,
		     size_t *took);
/* Start over from the first byte not committed: RPE_ERR_STATE once
 * committed (the bytes are gone). */
int http_upload_rewind(struct http_upload *u);
void http_upload_commit(struct http_upload *u);

#endif
