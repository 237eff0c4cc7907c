/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain TCP byte streams in the shared event loop; see transport_tcp.h. */
#define _POSIX_C_SOURCE 200809L
#include "transport_tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "loop_source.h"

#define TCP_QUEUE_MAX (4u * 1024u * 1024u)
#define TCP_READ_CHUNK 16384

struct tcp_chan {
	struct loop_source src; /* first: the loop hands this back */
	struct curl_slist *connect_to;
	struct tcp_chan_cb cb;
	char errbuf[CURL_ERROR_SIZE];
	char name[16];
	char where[300];  /* host:port, for messages */
	struct buf queue; /* bytes not yet written */
	curl_socket_t sock;
	int connected;
	int ended; /* on_done was called or reading stopped */
};

static const struct loop_source_ops tcp_source_ops;

/* A connect-only transfer to host:port ("http://" only makes libcurl
 * resolve and connect; no request is ever sent). */
static int setup_connect(struct tcp_chan *ch, const struct tcp_params *p,
			 struct rpe_error *err)
{
	char url[600];

	memcpy(url, "http://", 7);
	if (loop_hostport(url + 7, sizeof(url) - 8, p->host, p->port) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "host name too long");
	strcat(url, "/");
	TRY(LOOP_SETOPT(ch->src.easy, CURLOPT_URL, url, err));
	TRY(LOOP_SETOPT(ch->src.easy, CURLOPT_CONNECT_ONLY, 1L, err));
	/* RPC over TCP never goes through proxies. */
	TRY(LOOP_SETOPT(ch->src.easy, CURLOPT_PROXY, "", err));
	return loop_route(ch->src.easy, p->ip_version, p->connect_ip, p->port,
			  &ch->connect_to, err);
}

struct tcp_chan *tcp_chan_open(struct loop *loop, const struct tcp_params *p,
			       const struct tcp_chan_cb *cb,
			       struct rpe_error *err)
{
	struct tcp_chan *ch;

	if (!p->host || p->port <= 0 || p->port > 65535) {
		rpe_fail(err, RPE_ERR_ARG, "bad TCP channel parameters");
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ch->cb = *cb;
	ch->sock = CURL_SOCKET_BAD;
	snprintf(ch->name, sizeof(ch->name), "%s", p->name ? p->name : "TCP");
	/* Messages name where the connection goes: the -I address if any. */
	if (loop_hostport(ch->where, sizeof(ch->where),
			  p->connect_ip ? p->connect_ip : p->host, p->port) < 0)
		snprintf(ch->where, sizeof(ch->where), "%s", "(host too long)");
	buf_init(&ch->queue, TCP_QUEUE_MAX);
	if (!loop_easy_new(loop, &ch->src, &tcp_source_ops, ch->name,
			   ch->errbuf, err) ||
	    setup_connect(ch, p, err) < 0 || loop_add(&ch->src, err) < 0) {
		tcp_chan_close(ch);
		return NULL;
	}
	loop_trace(loop, 2, "%s: connecting to %s", ch->name, ch->where);
	return ch;
}

int tcp_chan_send(struct tcp_chan *ch, const uint8_t *p, size_t n)
{
	if (ch->ended)
		return RPE_ERR_STATE;
	return buf_put_bytes(&ch->queue, p, n);
}

void tcp_chan_close(struct tcp_chan *ch)
{
	if (!ch)
		return;
	loop_remove(&ch->src); /* closes the socket */
	curl_slist_free_all(ch->connect_to);
	buf_free(&ch->queue);
	free(ch);
}

static void end(struct tcp_chan *ch, enum loop_result res, const char *fmt,
		const char *detail)
{
	char msg[400];

	if (ch->ended)
		return;
	ch->ended = 1;
	snprintf(msg, sizeof(msg), fmt, ch->where, detail);
	loop_trace(ch->src.loop, 2, "%s: %s", ch->name, msg);
	if (ch->cb.on_done)
		ch->cb.on_done(ch->cb.ctx, ch, res, msg);
}

/* Loop source ------------------------------------------------------------------ */

/* The connect-only transfer finished: connected, or not. */
static void src_done(struct loop_source *src, CURLcode rc)
{
	struct tcp_chan *ch = (struct tcp_chan *)src;

	if (ch->connected || ch->ended)
		return;
	if (rc != CURLE_OK) {
		enum loop_result res = loop_classify(rc);
		char detail[CURL_ERROR_SIZE + 64];
		snprintf(detail, sizeof(detail), "%s: %s", loop_result_name(res),
			 ch->errbuf[0] ? ch->errbuf : curl_easy_strerror(rc));
		end(ch, res, "%s: %s", detail);
		return;
	}
	/* The finished connect-only transfer stays in the multi handle
	 * (removing it would detach the connection); the multi no longer
	 * polls it, the loop does, and curl_easy_send/recv move the bytes. */
	if (curl_easy_getinfo(src->easy, CURLINFO_ACTIVESOCKET, &ch->sock) !=
		    CURLE_OK ||
	    ch->sock == CURL_SOCKET_BAD) {
		end(ch, LOOP_RES_OTHER, "%s: %s", "no socket after connecting");
		return;
	}
	ch->connected = 1;
	loop_trace(src->loop, 2, "%s: connected to %s", ch->name, ch->where);
	if (ch->cb.on_connected)
		ch->cb.on_connected(ch->cb.ctx, ch);
}

/* Write as much of the queue as the socket takes now; 0 or < 0 (ended). */
static int flush_one(struct tcp_chan *ch)
{
	while (ch->queue.len) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(ch->src.easy, ch->queue.data,
					     ch->queue.len, &sent);
		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK) {
			end(ch, LOOP_RES_SEND_FAILED, "%s: send failed: %s",
			    curl_easy_strerror(rc));
			return -1;
		}
		buf_consume(&ch->queue, sent);
	}
	return 0;
}

/* What callbacks queued goes out now; the rest waits for POLLOUT. */
static int src_prepare(struct loop_source *src)
{
	struct tcp_chan *ch = (struct tcp_chan *)src;

	if (ch->connected && !ch->ended)
		flush_one(ch);
	return 0;
}

static int src_wait_fd(struct loop_source *src, struct curl_waitfd *fd)
{
	struct tcp_chan *ch = (struct tcp_chan *)src;

	if (!ch->connected || ch->ended)
		return 0;
	fd->fd = ch->sock;
	fd->events = CURL_WAIT_POLLIN;
	if (ch->queue.len)
		fd->events |= CURL_WAIT_POLLOUT;
	fd->revents = 0;
	return 1;
}

static void read_one(struct tcp_chan *ch)
{
	uint8_t chunk[TCP_READ_CHUNK];
	int rounds;

	/* Bounded: a fast sender cannot keep one stream in here forever. */
	for (rounds = 0; rounds < 64 && !ch->ended; rounds++) {
		size_t got = 0;
		CURLcode rc =
			curl_easy_recv(ch->src.easy, chunk, sizeof(chunk), &got);
		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK) {
			end(ch, LOOP_RES_RECV_FAILED, "%s: receive failed: %s",
			    curl_easy_strerror(rc));
			return;
		}
		if (got == 0) {
			end(ch, LOOP_RES_RECV_FAILED, "%s: %s",
			    "connection closed by server");
			return;
		}
		if (ch->cb.on_data &&
		    ch->cb.on_data(ch->cb.ctx, ch, chunk, got) < 0) {
			ch->ended = 1; /* the owner has what it needs */
			return;
		}
	}
}

/* Every established stream is tried, whatever the wait reported: a reset
 * peer may show up as POLLERR/POLLHUP only, which the wait does not pass
 * on, and a recv that finds nothing is cheap. */
static void src_events(struct loop_source *src)
{
	struct tcp_chan *ch = (struct tcp_chan *)src;

	if (!ch->connected || ch->ended)
		return;
	if (flush_one(ch) < 0)
		return;
	read_one(ch);
}

static void src_destroy(struct loop_source *src)
{
	tcp_chan_close((struct tcp_chan *)src);
}

static const struct loop_source_ops tcp_source_ops = {
	.done = src_done,
	.prepare = src_prepare,
	.wait_fd = src_wait_fd,
	.events = src_events,
	.destroy = src_destroy,
};

void tcp_chan_times(const struct tcp_chan *ch, double *resolve_s,
		    double *connect_s)
{
	int64_t r = loop_info_us(ch->src.easy, CURLINFO_NAMELOOKUP_TIME_T);
	int64_t c = loop_info_us(ch->src.easy, CURLINFO_CONNECT_TIME_T);

	*resolve_s = r > 0 ? (double)r / 1e6 : 0;
	*connect_s = c > 0 ? (double)c / 1e6 : 0;
}
