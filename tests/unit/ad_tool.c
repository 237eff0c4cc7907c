/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An Autodiscover run from the command line, for the tests:
 *
 *   ad_tool EMAIL URL|- CA|- USER|- AUTH NAMESERVER|- TIMEOUT_MS [CONNECT_TO...]
 *
 * URL pins the endpoint (- : the candidates of EMAIL's domain); AUTH is
 * any, basic or ntlm; the password comes from CHECK_RPC_ENCRYPTION_PASSWORD;
 * CONNECT_TO lines (HOST:PORT:ADDR:PORT) send candidates to loopback.
 * Prints "found url=... proxy=... ssl=... auth=... remote=... dn=..." or
 * "failed (CLASS): message", then the trail; exits 0 or 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiscover_run.h"
#include "loop.h"

static const char *opt(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

int main(int argc, char **argv)
{
	struct autodiscover_params p;
	struct autodiscover_result r;
	struct rpe_error err;
	struct loop *loop;
	int rc;

	if (argc < 8) {
		fprintf(stderr, "usage: ad_tool EMAIL URL|- CA|- USER|- AUTH "
				"NAMESERVER|- TIMEOUT_MS [CONNECT_TO...]\n");
		return 2;
	}
	memset(&p, 0, sizeof(p));
	p.email = argv[1];
	p.pinned_url = opt(argv[2]);
	p.http.ca_file = opt(argv[3]);
	p.http.user = opt(argv[4]);
	p.http.password = getenv("CHECK_RPC_ENCRYPTION_PASSWORD");
	p.http.auth = strcmp(argv[5], "basic") == 0 ? HTTP_AUTH_BASIC :
		      strcmp(argv[5], "ntlm") == 0  ? HTTP_AUTH_NTLM :
						      HTTP_AUTH_ANY;
	p.nameserver = opt(argv[6]);
	p.deadline_ms = loop_now_ms() + strtol(argv[7], NULL, 10);
	p.connect_to = argc > 8 ? (const char *const *)argv + 8 : NULL;
	loop = loop_new(&err);
	if (!loop || autodiscover_run(loop, &p, &r, &err) < 0) {
		printf("error: %s\n", err.msg);
		loop_free(loop);
		return 1;
	}
	if (r.state == 1)
		printf("found url=%s proxy=%s ssl=%s auth=%s remote=%s dn=%s requests=%u\n",
		       r.url, r.resp.expr_server, r.resp.expr_ssl ? "on" : "off",
		       autodiscover_auth_name(r.resp.expr_auth),
		       r.resp.exch_server, r.resp.legacy_dn, r.requests);
	else
		printf("failed (%s): %s\n", autodiscover_fail_name(r.fail),
		       r.msg);
	printf("%s", r.trail ? r.trail : "");
	rc = r.state == 1 ? 0 : 1;
	autodiscover_result_free(&r);
	loop_free(loop);
	return rc;
}
