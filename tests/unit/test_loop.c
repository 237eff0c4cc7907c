/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/loop: host:port formatting (IPv6 brackets), the -I route handed to
 * libcurl, result classes, and the source interface: prepare, an
 * extra socket polled with libcurl's, teardown of sources left open. */
#define _POSIX_C_SOURCE 200809L
#include "loop_source.h"
#include "t.h"

#include <fcntl.h>
#include <unistd.h>

static void test_hostport(void)
{
	char b[64];

	CHECK_INT(loop_hostport(b, sizeof(b), "mail.example.com", 443), 0);
	CHECK_STR(b, "mail.example.com:443");
	CHECK_INT(loop_hostport(b, sizeof(b), "192.0.2.1", 135), 0);
	CHECK_STR(b, "192.0.2.1:135");
	/* The -H name -I 2001:db8::1 case: the address gets brackets. */
	CHECK_INT(loop_hostport(b, sizeof(b), "2001:db8::1", 135), 0);
	CHECK_STR(b, "[2001:db8::1]:135");
	CHECK_INT(loop_hostport(b, sizeof(b), "::1", 6001), 0);
	CHECK_STR(b, "[::1]:6001");
	CHECK_INT(loop_hostport(b, sizeof(b), "[::1]", 6001), 0);
	CHECK_STR(b, "[::1]:6001");
	CHECK_INT(loop_hostport(b, 8, "mail.example.com", 443), RPE_ERR_ARG);
}

static void test_route(void)
{
	struct rpe_error err = { 0, "" };
	struct curl_slist *to = NULL;
	CURL *e = curl_easy_init();

	CHECK(e != NULL);
	CHECK_INT(loop_route(e, 0, NULL, 443, &to, &err), 0);
	CHECK(to == NULL);
	CHECK_INT(loop_route(e, 6, "2001:db8::1", 135, &to, &err), 0);
	CHECK(to != NULL);
	if (to)
		CHECK_STR(to->data, "::[2001:db8::1]:135");
	curl_slist_free_all(to);
	to = NULL;
	CHECK_INT(loop_route(e, 4, "192.0.2.7", 443, &to, &err), 0);
	if (to)
		CHECK_STR(to->data, "::192.0.2.7:443");
	curl_slist_free_all(to);
	curl_easy_cleanup(e);
}

static void test_classify(void)
{
	CHECK_INT(loop_classify(CURLE_OK), LOOP_RES_EOF);
	CHECK_INT(loop_classify(CURLE_COULDNT_CONNECT), LOOP_RES_CONNECT_FAILED);
	CHECK_INT(loop_classify(CURLE_PEER_FAILED_VERIFICATION),
		  LOOP_RES_TLS_VERIFY);
	CHECK_INT(loop_classify(CURLE_SSL_CONNECT_ERROR), LOOP_RES_TLS_FAILED);
	CHECK_INT(loop_classify(CURLE_GOT_NOTHING), LOOP_RES_RECV_FAILED);
	CHECK_INT(loop_classify(CURLE_WRITE_ERROR), LOOP_RES_ABORTED);
	CHECK_STR(loop_result_name(LOOP_RES_RECV_FAILED),
		  "connection closed by server");
}

/* A source with a pipe of its own and no easy handle. */
struct pipe_src {
	struct loop_source src;
	int fd;
	int prepared, events, destroyed;
	char got[8];
};

static int ps_prepare(struct loop_source *s)
{
	((struct pipe_src *)s)->prepared++;
	return 0;
}

static int ps_wait_fd(struct loop_source *s, struct curl_waitfd *fd)
{
	fd->fd = ((struct pipe_src *)s)->fd;
	fd->events = CURL_WAIT_POLLIN;
	fd->revents = 0;
	return 1;
}

static void ps_events(struct loop_source *s)
{
	struct pipe_src *p = (struct pipe_src *)s;
	p->events++;
	if (read(p->fd, p->got, sizeof(p->got) - 1) < 0)
		p->got[0] = '\0';
}

static void ps_destroy(struct loop_source *s)
{
	((struct pipe_src *)s)->destroyed++;
	loop_remove(s);
}

static const struct loop_source_ops ps_ops = {
	.prepare = ps_prepare,
	.wait_fd = ps_wait_fd,
	.events = ps_events,
	.destroy = ps_destroy,
};

static void test_sources(void)
{
	struct rpe_error err = { 0, "" };
	struct pipe_src ps;
	struct loop *loop = loop_new(&err);
	int fds[2];
	int64_t t0;

	CHECK(loop != NULL);
	CHECK_INT(pipe(fds), 0);
	/* Events run after every wait, readable or not (like TCP streams). */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	memset(&ps, 0, sizeof(ps));
	ps.fd = fds[0];
	ps.src.ops = &ps_ops;
	ps.src.loop = loop;
	ps.src.name = "PIPE";
	CHECK_INT(loop_add(&ps.src, &err), 0);
	/* Nothing to read: the wait lasts about the timeout. */
	t0 = loop_now_ms();
	CHECK_INT(loop_run(loop, 50, &err), 1);
	CHECK(loop_now_ms() - t0 >= 40);
	CHECK(ps.prepared >= 1);
	/* Bytes on the extra socket end the wait early. */
	CHECK_INT(write(fds[1], "hi", 2), 2);
	t0 = loop_now_ms();
	loop_run(loop, 2000, &err);
	CHECK(loop_now_ms() - t0 < 1000);
	CHECK_STR(ps.got, "hi");
	/* Left open: the loop destroys it. */
	loop_free(loop);
	CHECK_INT(ps.destroyed, 1);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	T_RUN(test_hostport);
	T_RUN(test_route);
	T_RUN(test_classify);
	T_RUN(test_sources);
	T_DONE();
}
