/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The channel binding the plugin computes for a TLS server, through the
 * plugin's own path (lib/loop's SSL_CTX hook, lib/tlsinfo, lib/cbt), for
 * the tests:
 *
 *   cbt_tool URL CAFILE COUNT
 *
 * makes COUNT GET requests to URL one after another on one loop (so the
 * later ones may resume the first one's TLS session) and prints, per
 * request:
 *
 *   request N status S tls VERSION binding HEX   (or "binding none")
 *
 * or "request N failed: MESSAGE"; exits 0 when every request got an
 * answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "tlsinfo.h"
#include "transport_request.h"

struct done {
	int finished;
	enum loop_result res;
	long status;
	char msg[256];
};

static void on_done(void *ctx, struct http_request *rq, enum loop_result res,
		    long status, const char *msg)
{
	struct done *d = ctx;

	(void)rq;
	d->finished = 1;
	d->res = res;
	d->status = status;
	snprintf(d->msg, sizeof(d->msg), "%s", msg ? msg : "");
}

static void print_binding(int n, long status, const struct tls_seen *t)
{
	int i;

	printf("request %d status %ld tls %s binding ", n, status,
	       t->version[0] ? t->version : "-");
	if (!t->have_cbt)
		printf("none");
	for (i = 0; t->have_cbt && i < 16; i++)
		printf("%02x", t->cbt[i]);
	printf("\n");
}

static int one_request(struct loop *loop, const struct http_params *p,
		       const char *url, int n)
{
	struct http_request_spec spec;
	struct http_request_cb cb;
	struct http_request *rq;
	struct rpe_error err;
	struct done d;
	int64_t end = loop_now_ms() + 10000;

	memset(&spec, 0, sizeof(spec));
	memset(&d, 0, sizeof(d));
	spec.method = "GET";
	spec.url = url;
	spec.name = "GET";
	spec.max_body = 1 << 20;
	cb.ctx = &d;
	cb.on_done = on_done;
	rq = http_request_open(loop, p, &spec, &cb, &err);
	if (!rq) {
		printf("request %d failed: %s\n", n, err.msg);
		return 1;
	}
	while (!d.finished && loop_now_ms() < end)
		if (loop_run(loop, 500, &err) < 0)
			break;
	if (d.finished && (d.res == LOOP_RES_EOF ||
			   (d.res == LOOP_RES_HTTP_STATUS && d.status > 0)))
		print_binding(n, d.status, http_request_tls(rq));
	else
		printf("request %d failed: %s\n", n,
		       d.finished ? d.msg : "no answer in 10 s");
	http_request_close(rq);
	return d.finished && d.status > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct http_params p;
	struct rpe_error err;
	struct loop *loop;
	int i, count, rc = 0;

	if (argc != 4 || (count = atoi(argv[3])) < 1 || count > 10) {
		fprintf(stderr, "usage: cbt_tool URL CAFILE COUNT (1..10)\n");
		return 2;
	}
	memset(&p, 0, sizeof(p));
	p.tls = 1;
	p.ca_file = argv[2];
	loop = loop_new(&err);
	if (!loop) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	for (i = 1; i <= count; i++)
		rc |= one_request(loop, &p, argv[1], i);
	loop_free(loop);
	return rc;
}
