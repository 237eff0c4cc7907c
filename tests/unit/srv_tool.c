/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Autodiscover DNS SRV step from the command line, for the tests:
 *
 *   srv_tool NAMESERVER[:PORT] DOMAIN TIMEOUT_MS
 *
 * prints "url=<URL> target=<host>:<port>" or "error: <message>" and exits 0
 * or 1. */
#include <stdio.h>
#include <stdlib.h>

#include "autodiscover_srv.h"

int main(int argc, char **argv)
{
	struct autodiscover_srv_target t;
	struct rpe_error err;
	char url[AUTODISCOVER_URL_MAX];

	if (argc != 4) {
		fprintf(stderr,
			"usage: srv_tool NAMESERVER[:PORT] DOMAIN TIMEOUT_MS\n");
		return 2;
	}
	if (autodiscover_srv_lookup(argv[2], argv[1], strtol(argv[3], NULL, 10),
				    0, url, sizeof(url), &t, &err) < 0) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	printf("url=%s target=%s:%u\n", url, t.host, (unsigned)t.port);
	return 0;
}
