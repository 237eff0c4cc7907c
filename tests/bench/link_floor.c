/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The link floor of the benchmark: the same libraries as the plugin,
 * libcurl initialised and OpenSSL's default+legacy providers loaded, and
 * nothing else.  The plugin's cost is reported above this. */
#include <stdio.h>

#include "crypto.h"
#include "loop.h"

int main(void)
{
	struct rpe_error err = { 0, "" };
	struct loop *loop;

	if (crypto_init(&err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	loop = loop_new(&err);
	if (!loop)
		return 1;
	loop_free(loop);
	crypto_cleanup();
	return 0;
}
