/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every address of a host name, under the run's deadline (--all-addresses).
 *
 * The lookup runs asynchronously (glibc's getaddrinfo_a) and is waited for
 * with gai_suspend only as long as the deadline leaves; when it passes the
 * request is cancelled and the caller reports the timeout naming "name
 * resolution".  The probes then connect to each address directly (the host
 * name stays the URL host, Host header and TLS name). */
#ifndef RPE_RESOLVE_H
#define RPE_RESOLVE_H

#include <stdint.h>

#include "err.h"

#define RESOLVE_MAX 32      /* addresses kept; more are left out */
#define RESOLVE_ADDR_MAX 46 /* INET6_ADDRSTRLEN */

struct resolve_result {
	int n;
	int more;       /* the name had more than RESOLVE_MAX addresses */
	double seconds; /* how long the lookup took */
	char addr[RESOLVE_MAX][RESOLVE_ADDR_MAX]; /* IPv4 first, then IPv6,
						   * each in ascending order */
};

/* A/AAAA addresses of host (ip_version 4 or 6 restricts, 0 both), waiting
 * until deadline_ms (CLOCK_MONOTONIC, ms).  < 0 with err filled when the
 * name does not resolve; RPE_ERR_TIMEOUT when the deadline passed first. */
int resolve_all(const char *host, int ip_version, int64_t deadline_ms,
		struct resolve_result *out, struct rpe_error *err);

/* The sort order of resolve_all, for tests: < 0, 0, > 0 like strcmp. */
int resolve_addr_cmp(const char *a, const char *b);

#endif
