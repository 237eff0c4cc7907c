/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private glue between the event loop (transport_http.c, which owns the
 * libcurl multi handle) and the TCP streams of transport_tcp.c.  Not for
 * use outside these two files. */
#ifndef RPE_TRANSPORT_LOOP_H
#define RPE_TRANSPORT_LOOP_H

#include <curl/curl.h>

#include "transport_http.h"
#include "transport_tcp.h"

/* Upper bound on TCP streams polled at once (two probes need four). */
#define TCP_LOOP_MAX_FDS 16

CURLM *http_loop_multi(struct http_loop *loop);
CURLSH *http_loop_share(struct http_loop *loop);
struct tcp_chan **http_loop_tcp_head(struct http_loop *loop);
enum http_result http_loop_classify(CURLcode rc);
void http_loop_trace(struct http_loop *loop, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* -4/-6 and -I (CURLOPT_CONNECT_TO to connect_ip:port) on one handle;
 * *connect_to is the list to free with the handle. */
int http_loop_route(CURL *easy, int ip_version, const char *connect_ip,
		    long port, struct curl_slist **connect_to,
		    struct rpe_error *err);

/* transport_tcp.c, called by http_loop_run(): */
/* Write what is queued; returns how many streams still have queued bytes. */
int tcp_loop_flush(struct http_loop *loop);
/* Sockets to wait on (established streams). */
int tcp_loop_fds(struct http_loop *loop, struct curl_waitfd *fds, int max);
/* After the wait: write and read every established stream. */
void tcp_loop_events(struct http_loop *loop);
/* A finished multi transfer: 1 if it was a TCP stream's connect. */
int tcp_loop_connected(struct http_loop *loop, CURL *easy, CURLcode rc);
/* Free every stream (loop teardown). */
void tcp_loop_free_all(struct http_loop *loop);

#endif
