/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over HTTP v2 channels on libcurl (MS-RPCH 2.1.2).
 *
 * A virtual connection uses two long-lived HTTP requests: the OUT channel
 * (method RPC_OUT_DATA, a 76-byte body holding CONN/A1, whose endless
 * response body carries every server-to-client PDU) and the IN channel
 * (method RPC_IN_DATA, an announced 1 GiB body that the client streams PDUs
 * into as it produces them).  This module runs any number of such channels
 * side by side in one libcurl multi handle; libcurl does TLS, HTTP parsing,
 * HTTP authentication (Basic/NTLM/Negotiate), proxies and address selection.
 * It is one of two files in the project that does network I/O. */
#ifndef RPE_TRANSPORT_HTTP_H
#define RPE_TRANSPORT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

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

/* How the transfer ended, from the client's point of view. */
enum http_result {
	HTTP_RES_NONE = 0,        /* still running */
	HTTP_RES_CLOSED,          /* closed by us */
	HTTP_RES_EOF,             /* server finished the response body */
	HTTP_RES_HTTP_STATUS,     /* a non-2xx final status */
	HTTP_RES_RESOLVE_FAILED,
	HTTP_RES_CONNECT_FAILED,
	HTTP_RES_TLS_FAILED,      /* handshake failed */
	HTTP_RES_TLS_VERIFY,      /* peer certificate not trusted / wrong name */
	HTTP_RES_PROXY_FAILED,
	HTTP_RES_SEND_FAILED,
	HTTP_RES_RECV_FAILED,     /* connection reset or closed early */
	HTTP_RES_ABORTED,         /* a callback refused the data */
	HTTP_RES_OTHER,
};

struct http_params {
	const char *host;        /* URL host, Host header and TLS name (SNI) */
	const char *connect_ip;  /* -I: connect here instead of resolving host */
	long port;
	int tls;                 /* 0: plain http (labs only) */
	const char *path;        /* "/rpc/rpcproxy.dll?server:6001" */
	const char *user;        /* HTTP auth user, NULL for none */
	const char *password;
	enum http_auth auth;
	const char *ca_file;
	int insecure;            /* skip certificate and host name checks */
	const char *client_cert;
	const char *client_key;
	const char *proxy;
	int ip_version;          /* 0 any, 4 or 6 */
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
	void (*on_done)(void *ctx, struct http_chan *ch, enum http_result res,
			long status, const char *msg);
};

/* Trace sink for -vv/-vvv.  Authorization headers never reach it. */
typedef void (*http_trace_fn)(void *ctx, int level, const char *line);

/* Microseconds from the start of the transfer, as libcurl measured them
 * (CURLINFO_*_TIME_T); -1 when a phase did not happen (yet). */
struct http_timings {
	int64_t resolve_us;
	int64_t connect_us;
	int64_t tls_us;
	int64_t pretransfer_us;
	int64_t starttransfer_us;
};

struct http_loop;

struct http_loop *http_loop_new(struct rpe_error *err);
void http_loop_free(struct http_loop *loop);
void http_loop_set_trace(struct http_loop *loop, int level, http_trace_fn fn,
			 void *ctx);

/* Start a channel.  For HTTP_CHAN_OUT, body/len is the whole request body
 * (CONN/A1); for HTTP_CHAN_IN it must be NULL/0 and data is supplied with
 * http_chan_send(). */
struct http_chan *http_chan_open(struct http_loop *loop,
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
/* Content-Type of the last response headers ("" if none). */
const char *http_chan_content_type(const struct http_chan *ch);
enum http_chan_kind http_chan_kind(const struct http_chan *ch);

/* Ask the running http_loop_run() to return without sleeping: a callback
 * finished something the owner of the loop must act on now. */
void http_loop_wake(struct http_loop *loop);

/* Drive every channel for at most timeout_ms; returns the number of
 * transfers still running, or < 0 on a libcurl failure. */
int http_loop_run(struct http_loop *loop, int timeout_ms,
		  struct rpe_error *err);

const char *http_result_name(enum http_result res);

#endif
