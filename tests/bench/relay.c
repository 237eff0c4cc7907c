/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A TCP latency relay for the benchmark (tests/bench/bench.py), where the
 * kernel has no netem qdisc:
 *
 *   relay UPSTREAM_PORT RTT_MS
 *
 * listens on an ephemeral 127.0.0.1 port, prints "PORT <n>" and relays
 * every accepted connection to 127.0.0.1:UPSTREAM_PORT.  Each chunk read in
 * either direction is written half a round trip later; a new connection's
 * first client bytes wait one round trip more (the TCP handshake a real
 * path would cost).  One thread, poll(2) and a monotonic clock: the relay's
 * own cost stays far below a millisecond per hop even on a loaded machine,
 * which a relay in an interpreter does not manage.  Exits when its stdin
 * closes.  Models latency only (no loss, no bandwidth limit). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define MAX_CHUNKS 256
#define CHUNK 16384

struct chunk {
	int64_t due; /* microseconds, CLOCK_MONOTONIC */
	size_t len;  /* 0: the sender shut down its side */
	size_t off;
	char *data;
};

/* One direction of one connection. */
struct way {
	int from, to;
	int eof;      /* read side done */
	int closed;   /* write side shut down */
	int64_t hold; /* nothing is due before this */
	struct chunk q[MAX_CHUNKS];
	int head, n;
};

struct conn {
	int used;
	struct way w[2]; /* 0: client -> upstream, 1: upstream -> client */
};

static struct conn conns[MAX_CONNS];
static int64_t half_us, rtt_us;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* No Nagle delay, and never block the one thread: a full receiver
 * window waits in the queue, not in write(). */
static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int connect_upstream(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	nodelay(fd);
	return fd;
}

static void conn_close(struct conn *c)
{
	int i, k;

	for (i = 0; i < 2; i++)
		for (k = 0; k < c->w[i].n; k++)
			free(c->w[i].q[(c->w[i].head + k) % MAX_CHUNKS].data);
	close(c->w[0].from);
	close(c->w[0].to);
	memset(c, 0, sizeof(*c));
}

static void way_read(struct way *w)
{
	struct chunk *ch;
	char *buf;
	ssize_t r;
	int64_t t;

	if (w->n == MAX_CHUNKS)
		return; /* back-pressure: read again once a chunk went out */
	buf = malloc(CHUNK);
	if (!buf)
		return;
	r = read(w->from, buf, CHUNK);
	if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
		free(buf);
		return;
	}
	t = now_us();
	ch = &w->q[(w->head + w->n) % MAX_CHUNKS];
	ch->due = (t > w->hold ? t : w->hold) + half_us;
	ch->len = r > 0 ? (size_t)r : 0;
	ch->off = 0;
	ch->data = buf;
	w->n++;
	if (r <= 0)
		w->eof = 1;
}

static void way_drop(struct way *w)
{
	while (w->n) {
		free(w->q[w->head].data);
		w->head = (w->head + 1) % MAX_CHUNKS;
		w->n--;
	}
	w->closed = 1;
	w->eof = 1;
}

/* Writes what is due; returns the next due time, or INT64_MAX. */
static int64_t way_write(struct way *w, int64_t t)
{
	while (w->n) {
		struct chunk *ch = &w->q[w->head];
		ssize_t r;

		if (ch->due > t)
			return ch->due;
		if (ch->len == 0) {
			shutdown(w->to, SHUT_WR);
			w->closed = 1;
		} else {
			r = write(w->to, ch->data + ch->off, ch->len - ch->off);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				return t + 1000;
			if (r < 0) {
				/* The receiver is gone: drop what is queued
				 * for it. */
				way_drop(w);
				return INT64_MAX;
			}
			if ((ch->off += (size_t)r) < ch->len)
				return t + 1000;
		}
		free(ch->data);
		w->head = (w->head + 1) % MAX_CHUNKS;
		w->n--;
	}
	return INT64_MAX;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int lfd, up_port, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: relay UPSTREAM_PORT RTT_MS\n");
		return 2;
	}
	/* A peer that closed early must not kill the relay. */
	signal(SIGPIPE, SIG_IGN);
	up_port = atoi(argv[1]);
	rtt_us = (int64_t)atoi(argv[2]) * 1000;
	half_us = rtt_us / 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 64) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		perror("relay: listen");
		return 1;
	}
	printf("PORT %d\n", ntohs(a.sin_port));
	fflush(stdout);

	for (;;) {
		struct pollfd pf[2 + 2 * MAX_CONNS];
		int map[2 + 2 * MAX_CONNS];
		int64_t t = now_us(), next = INT64_MAX;
		int np = 0, i, timeout;

		pf[np].fd = 0, pf[np].events = POLLIN, map[np++] = -1;
		pf[np].fd = lfd, pf[np].events = POLLIN, map[np++] = -2;
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			int d;

			if (!c->used)
				continue;
			for (d = 0; d < 2; d++) {
				int64_t nd = way_write(&c->w[d], t);

				if (nd < next)
					next = nd;
				if (!c->w[d].eof && c->w[d].n < MAX_CHUNKS) {
					pf[np].fd = c->w[d].from;
					pf[np].events = POLLIN;
					map[np++] = i * 2 + d;
				}
			}
			if (c->w[0].closed && c->w[1].closed && !c->w[0].n &&
			    !c->w[1].n)
				conn_close(c);
		}
		timeout = next == INT64_MAX ? -1 :
			  next <= t         ? 0 :
					      (int)((next - t + 999) / 1000);
		if (poll(pf, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			perror("relay: poll");
			return 1;
		}
		for (i = 0; i < np; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (map[i] == -1) {
				char b[64];
				if (read(0, b, sizeof(b)) <= 0)
					return 0;
			} else if (map[i] == -2) {
				int cfd = accept(lfd, NULL, NULL), ufd, k;

				if (cfd < 0)
					continue;
				ufd = connect_upstream(up_port);
				for (k = 0; k < MAX_CONNS && conns[k].used; k++)
					;
				if (ufd < 0 || k == MAX_CONNS) {
					close(cfd);
					if (ufd >= 0)
						close(ufd);
					continue;
				}
				nodelay(cfd);
				conns[k].used = 1;
				conns[k].w[0].from = cfd;
				conns[k].w[0].to = ufd;
				conns[k].w[0].hold = now_us() + rtt_us;
				conns[k].w[1].from = ufd;
				conns[k].w[1].to = cfd;
			} else {
				way_read(&conns[map[i] / 2].w[map[i] % 2]);
			}
		}
	}
}
