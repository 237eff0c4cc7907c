/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain TCP byte streams (ncacn_ip_tcp, MS-RPCE 2.1.1.1) in the same event
 * loop as the RPC-over-HTTP channels.
 *
 * libcurl makes the connection (CURLOPT_CONNECT_ONLY: its asynchronous name
 * resolution, -4/-6, -I via CONNECT_TO, connect timeouts and address
 * fallback); from then on the stream is a source of the one event loop
 * (loop.h) with a socket of its own: the loop polls it with the HTTP
 * transfers and the stream moves bytes with curl_easy_send/curl_easy_recv.
 * Together with transport_http.c these are the only files doing network
 * I/O. */
#ifndef RPE_TRANSPORT_TCP_H
#define RPE_TRANSPORT_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"

struct tcp_params {
	const char *host;       /* name to resolve (or a literal address) */
	const char *connect_ip; /* -I: connect here instead of resolving */
	long port;
	int ip_version;   /* 0 any, 4 or 6 */
	const char *name; /* for traces: "EPM", "RPC" ... */
};

struct tcp_chan;

struct tcp_chan_cb {
	void *ctx;
	/* The TCP connection is up; bytes queued so far go out now. */
	void (*on_connected)(void *ctx, struct tcp_chan *ch);
	/* Bytes from the server; return < 0 to stop reading (the channel
	 * then ends without a further callback). */
	int (*on_data)(void *ctx, struct tcp_chan *ch, const uint8_t *p,
		       size_t n);
	/* The connection failed or ended; msg explains it in one line. */
	void (*on_done)(void *ctx, struct tcp_chan *ch, enum loop_result res,
			const char *msg);
};

/* Start connecting.  Callbacks run from loop_run(). */
struct tcp_chan *tcp_chan_open(struct loop *loop, const struct tcp_params *params,
			       const struct tcp_chan_cb *cb,
			       struct rpe_error *err);

/* Queue bytes; they are written as the socket accepts them. */
int tcp_chan_send(struct tcp_chan *ch, const uint8_t *p, size_t n);

/* Seconds from the channel's start until the name was resolved and until
 * the TCP connection was up, as libcurl measured them (0 when not yet). */
void tcp_chan_times(const struct tcp_chan *ch, double *resolve_s,
		    double *connect_s);

/* Close the connection and free the channel; no callback follows.  Must
 * not be called from inside one of the channel's own callbacks. */
void tcp_chan_close(struct tcp_chan *ch);

#endif
