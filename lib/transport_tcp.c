/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain TCP byte streams in the shared event loop; see transport_tcp.h. */
#define _POSIX_C_SOURCE 200809L
#include "transport_tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "transport_loop.h"

#define TCP_QUEUE_MAX (4u * 1024u * 1024u)
#define TCP_READ_CHUNK 16384

struct tcp_chan {
	struct http_loop *loop;
	struct tcp_chan *next;
	CURL *easy;
	struct curl_slist *connect_to;
	struct tcp_chan_cb cb;
	char errbuf[CURL_ERROR_SIZE];
	char name[16];
	char where[300];        /* host:port, for messages */
	struct buf queue;       /* bytes not yet written */
	curl_socket_t sock;
	int in_multi;           /* added to the multi handle */
	int connected;
	int ended;              /* on_done was called or reading stopped */
};

#define SETOPT(opt, val)                                                       \
	do {                                                                   \
		if (curl_easy_setopt(ch->easy, opt, val) != CURLE_OK) {        \
			rpe_fail(err, RPE_ERR_UNSUPPORTED,                     \
				 "libcurl rejected option %s", #opt);          \
			goto fail;                                             \
		}                                                              \
	} while (0)

struct tcp_chan *tcp_chan_open(struct http_loop *loop,
			       const struct tcp_params *p,
			       const struct tcp_chan_cb *cb,
			       struct rpe_error *err)
{
	struct tcp_chan *ch, **head;
	char url[600];
	int v6;

	if (!p->host || p->port <= 0 || p->port > 65535) {
		rpe_fail(err, RPE_ERR_ARG, "bad TCP channel parameters");
		return NULL;
	}
	v6 = strchr(p->host, ':') != NULL;
	if (snprintf(url, sizeof(url), "http://%s%s%s:%ld/", v6 ? "[" : "",
		     p->host, v6 ? "]" : "", p->port) >= (int)sizeof(url)) {
		rpe_fail(err, RPE_ERR_ARG, "host name too long");
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ch->loop = loop;
	ch->cb = *cb;
	ch->sock = CURL_SOCKET_BAD;
	snprintf(ch->name, sizeof(ch->name), "%s", p->name ? p->name : "TCP");
	snprintf(ch->where, sizeof(ch->where), "%s%s%s:%ld",
		 v6 ? "[" : "", p->connect_ip ? p->connect_ip : p->host,
		 v6 ? "]" : "", p->port);
	buf_init(&ch->queue, TCP_QUEUE_MAX);
	ch->easy = curl_easy_init();
	if (!ch->easy) {
		rpe_fail(err, RPE_ERR_NOMEM, "curl_easy_init failed");
		goto fail;
	}
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_CONNECT_ONLY, 1L);
	SETOPT(CURLOPT_PRIVATE, ch);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, ch->errbuf);
	SETOPT(CURLOPT_TCP_NODELAY, 1L);
	SETOPT(CURLOPT_PROXY, ""); /* RPC over TCP never goes through proxies */
	SETOPT(CURLOPT_SHARE, http_loop_share(loop));
	if (http_loop_route(ch->easy, p->ip_version, p->connect_ip, p->port,
			    &ch->connect_to, err) < 0)
		goto fail;
	if (curl_multi_add_handle(http_loop_multi(loop), ch->easy) != CURLM_OK) {
		rpe_fail(err, RPE_ERR_STATE, "curl_multi_add_handle failed");
		goto fail;
	}
	ch->in_multi = 1;
	head = http_loop_tcp_head(loop);
	ch->next = *head;
	*head = ch;
	http_loop_trace(loop, 2, "%s: connecting to %s", ch->name, ch->where);
	return ch;
fail:
	tcp_chan_close(ch);
	return NULL;
}

int tcp_chan_send(struct tcp_chan *ch, const uint8_t *p, size_t n)
{
	if (ch->ended)
		return RPE_ERR_STATE;
	return buf_put_bytes(&ch->queue, p, n);
}

void tcp_chan_close(struct tcp_chan *ch)
{
	struct tcp_chan **pp;

	if (!ch)
		return;
	for (pp = http_loop_tcp_head(ch->loop); *pp; pp = &(*pp)->next) {
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	}
	if (ch->easy) {
		if (ch->in_multi)
			curl_multi_remove_handle(http_loop_multi(ch->loop),
						 ch->easy);
		curl_easy_cleanup(ch->easy); /* closes the socket */
	}
	curl_slist_free_all(ch->connect_to);
	buf_free(&ch->queue);
	free(ch);
}

void tcp_loop_free_all(struct http_loop *loop)
{
	struct tcp_chan **head = http_loop_tcp_head(loop);

	while (*head)
		tcp_chan_close(*head);
}

static void end(struct tcp_chan *ch, enum http_result res, const char *fmt,
		const char *detail)
{
	char msg[400];

	if (ch->ended)
		return;
	ch->ended = 1;
	snprintf(msg, sizeof(msg), fmt, ch->where, detail);
	http_loop_trace(ch->loop, 2, "%s: %s", ch->name, msg);
	if (ch->cb.on_done)
		ch->cb.on_done(ch->cb.ctx, ch, res, msg);
}

int tcp_loop_connected(struct http_loop *loop, CURL *easy, CURLcode rc)
{
	struct tcp_chan *ch;

	for (ch = *http_loop_tcp_head(loop); ch; ch = ch->next)
		if (ch->easy == easy && ch->in_multi && !ch->connected &&
		    !ch->ended)
			break;
	if (!ch)
		return 0;
	if (rc != CURLE_OK) {
		enum http_result res = http_loop_classify(rc);
		char detail[CURL_ERROR_SIZE + 64];
		snprintf(detail, sizeof(detail), "%s: %s", http_result_name(res),
			 ch->errbuf[0] ? ch->errbuf : curl_easy_strerror(rc));
		end(ch, res, "%s: %s", detail);
		return 1;
	}
	/* The finished connect-only transfer stays in the multi handle
	 * (removing it would detach the connection); the multi no longer
	 * polls it, the loop does, and curl_easy_send/recv move the bytes. */
	if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &ch->sock) != CURLE_OK ||
	    ch->sock == CURL_SOCKET_BAD) {
		end(ch, HTTP_RES_OTHER, "%s: %s", "no socket after connecting");
		return 1;
	}
	ch->connected = 1;
	http_loop_trace(loop, 2, "%s: connected to %s", ch->name, ch->where);
	if (ch->cb.on_connected)
		ch->cb.on_connected(ch->cb.ctx, ch);
	return 1;
}

/* Write as much of the queue as the socket takes now; 0 or < 0 (ended). */
static int flush_one(struct tcp_chan *ch)
{
	while (ch->queue.len) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(ch->easy, ch->queue.data,
					     ch->queue.len, &sent);
		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK) {
			end(ch, HTTP_RES_SEND_FAILED, "%s: send failed: %s",
			    curl_easy_strerror(rc));
			return -1;
		}
		buf_consume(&ch->queue, sent);
	}
	return 0;
}

int tcp_loop_flush(struct http_loop *loop)
{
	struct tcp_chan *ch;
	int pending = 0;

	for (ch = *http_loop_tcp_head(loop); ch; ch = ch->next) {
		if (!ch->connected || ch->ended)
			continue;
		if (flush_one(ch) == 0 && ch->queue.len)
			pending++;
	}
	return pending;
}

int tcp_loop_fds(struct http_loop *loop, struct curl_waitfd *fds, int max)
{
	struct tcp_chan *ch;
	int n = 0;

	for (ch = *http_loop_tcp_head(loop); ch && n < max; ch = ch->next) {
		if (!ch->connected || ch->ended)
			continue;
		fds[n].fd = ch->sock;
		fds[n].events = CURL_WAIT_POLLIN;
		if (ch->queue.len)
			fds[n].events |= CURL_WAIT_POLLOUT;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

static void read_one(struct tcp_chan *ch)
{
	uint8_t chunk[TCP_READ_CHUNK];
	int rounds;

	/* Bounded: a fast sender cannot keep one stream in here forever. */
	for (rounds = 0; rounds < 64 && !ch->ended; rounds++) {
		size_t got = 0;
		CURLcode rc = curl_easy_recv(ch->easy, chunk, sizeof(chunk),
					     &got);
		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK) {
			end(ch, HTTP_RES_RECV_FAILED, "%s: receive failed: %s",
			    curl_easy_strerror(rc));
			return;
		}
		if (got == 0) {
			end(ch, HTTP_RES_RECV_FAILED, "%s: %s",
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

void tcp_loop_events(struct http_loop *loop)
{
	struct tcp_chan *ch, *next;

	/* Every established stream is tried, whatever the wait reported:
	 * a reset peer may show up as POLLERR/POLLHUP only, which the wait
	 * does not pass on, and a recv that finds nothing is cheap.  A
	 * callback may close the stream it runs for only through the loop's
	 * owner after we return, so `next` stays valid. */
	for (ch = *http_loop_tcp_head(loop); ch; ch = next) {
		next = ch->next;
		if (!ch->connected || ch->ended)
			continue;
		if (flush_one(ch) < 0)
			continue;
		read_one(ch);
	}
}
