/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one event loop (docs/architecture.md, "The loop and its sources").
 *
 * A libcurl multi handle drives every connection of a run; a share handle
 * gives them one TLS session cache, one DNS cache and (through
 * loop_use_ca) one parsed CA store.  Whatever owns an easy handle or a
 * socket is a *source*: it embeds a struct loop_source, and the loop calls
 * its ops.  A finished transfer (CURLMSG_DONE) reaches its source through
 * CURLOPT_PRIVATE; a source with a socket of its own (a TCP stream that
 * libcurl only connected) hands the loop that socket to wait on and moves
 * the bytes itself when the wait returns.
 *
 * Sources today: the RPC_IN_DATA/RPC_OUT_DATA channels (transport_http)
 * and ncacn_ip_tcp streams (transport_tcp).  A one-shot HTTP request (an
 * Autodiscover POST) is a source with only `done`; its response headers
 * and the TLS peer certificate are read from its easy handle
 * (CURLINFO_CERTINFO, CURLINFO_TLS_SSL_PTR) in the header callback or in
 * `done`.
 *
 * This header is free of libcurl: the owner of a run (the probe) sees only
 * the loop.  Sources use loop_source.h; loop.c and transport_*.c are the
 * only users of libcurl. */
#ifndef RPE_LOOP_H
#define RPE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* How a transfer or stream ended, from the client's point of view. */
enum loop_result {
	LOOP_RES_NONE = 0,    /* still running */
	LOOP_RES_CLOSED,      /* closed by us */
	LOOP_RES_EOF,         /* server finished the response body */
	LOOP_RES_HTTP_STATUS, /* a non-2xx final status */
	LOOP_RES_RESOLVE_FAILED,
	LOOP_RES_CONNECT_FAILED,
	LOOP_RES_TLS_FAILED, /* handshake failed */
	LOOP_RES_TLS_VERIFY, /* peer certificate not trusted / wrong name */
	LOOP_RES_PROXY_FAILED,
	LOOP_RES_SEND_FAILED,
	LOOP_RES_RECV_FAILED, /* connection reset or closed early */
	LOOP_RES_ABORTED,     /* a callback refused the data */
	LOOP_RES_AUTH_FAILED, /* HTTP authentication failed, as said */
	LOOP_RES_OTHER,
};

struct loop;

/* Trace sink for -vv/-vvv.  Authorization headers never reach it. */
typedef void (*loop_trace_fn)(void *ctx, int level, const char *line);

struct loop *loop_new(struct rpe_error *err);
/* Destroys the sources still registered, then the handles. */
void loop_free(struct loop *loop);
void loop_set_trace(struct loop *loop, int level, loop_trace_fn fn, void *ctx);
/* 1 when lines of this level reach the sink. */
int loop_tracing(const struct loop *loop, int level);
void loop_trace(struct loop *loop, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Ask the running loop_run() to return without sleeping: a callback
 * finished something the owner of the loop must act on now. */
void loop_wake(struct loop *loop);

/* Drive every source for at most timeout_ms; returns the number of
 * transfers and sockets still active, or < 0 on a libcurl failure. */
int loop_run(struct loop *loop, int timeout_ms, struct rpe_error *err);

/* CLOCK_MONOTONIC now, in milliseconds and in seconds. */
int64_t loop_now_ms(void);
double loop_now_s(void);

const char *loop_result_name(enum loop_result res);

/* "host:port", with an IPv6 literal in brackets ("[2001:db8::1]:135"). */
int loop_hostport(char *out, size_t n, const char *host, long port);

#endif
