/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Name resolution under the deadline; see resolve.h. */
#define _GNU_SOURCE /* getaddrinfo_a, gai_suspend, gai_cancel */
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "loop.h"

/* The request and its hints must stay valid while the lookup thread runs;
 * one that cannot be cancelled in time is left to it (the process ends
 * right after reporting the timeout). */
struct lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char host[256];
};

/* Binary form for sorting: family first (IPv4 before IPv6), then bytes. */
static int addr_key(const char *s, unsigned char key[17])
{
	memset(key, 0, 17);
	if (inet_pton(AF_INET, s, key + 1) == 1)
		return 0;
	key[0] = 1;
	return inet_pton(AF_INET6, s, key + 1) == 1 ? 0 : -1;
}

int resolve_addr_cmp(const char *a, const char *b)
{
	unsigned char ka[17], kb[17];

	if (addr_key(a, ka) < 0 || addr_key(b, kb) < 0)
		return strcmp(a, b);
	return memcmp(ka, kb, sizeof(ka));
}

static int cmp_addr(const void *a, const void *b)
{
	return resolve_addr_cmp(a, b);
}

static void add_addr(struct resolve_result *out, const struct addrinfo *ai)
{
	char s[RESOLVE_ADDR_MAX];
	const void *src;
	int i;

	if (ai->ai_family == AF_INET)
		src = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
	else if (ai->ai_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)
			       ->sin6_addr;
	else
		return;
	if (!inet_ntop(ai->ai_family, src, s, sizeof(s)))
		return;
	for (i = 0; i < out->n; i++)
		if (strcmp(out->addr[i], s) == 0)
			return;
	if (out->n == RESOLVE_MAX) {
		out->more = 1;
		return;
	}
	memcpy(out->addr[out->n++], s, sizeof(s));
}

/* Wait for the lookup until the deadline; 0 done, 1 timed out. */
static int wait_lookup(struct lookup *lk, int64_t deadline_ms)
{
	const struct gaicb *list[1] = { &lk->cb };

	while (gai_error(&lk->cb) == EAI_INPROGRESS) {
		int64_t left = deadline_ms - loop_now_ms();
		struct timespec ts;

		if (left <= 0)
			return 1;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		(void)gai_suspend(list, 1,
				  &ts); /* EAI_AGAIN, EAI_INTR: look again */
	}
	return 0;
}

int resolve_all(const char *host, int ip_version, int64_t deadline_ms,
		struct resolve_result *out, struct rpe_error *err)
{
	struct gaicb *list[1];
	struct lookup *lk;
	const struct addrinfo *ai;
	double t0 = loop_now_s();
	int rc;

	memset(out, 0, sizeof(*out));
	lk = calloc(1, sizeof(*lk));
	if (!lk)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	snprintf(lk->host, sizeof(lk->host), "%s", host);
	lk->hints.ai_family = ip_version == 4 ? AF_INET :
			      ip_version == 6 ? AF_INET6 :
						AF_UNSPEC;
	lk->hints.ai_socktype = SOCK_STREAM;
	lk->cb.ar_name = lk->host;
	lk->cb.ar_request = &lk->hints;
	list[0] = &lk->cb;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc != 0) {
		free(lk);
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"cannot start the lookup of %s: %s", host,
				gai_strerror(rc));
	}
	if (wait_lookup(lk, deadline_ms)) {
		out->seconds = loop_now_s() - t0;
		rc = gai_cancel(&lk->cb);
		if (rc == EAI_ALLDONE && gai_error(&lk->cb) == 0)
			freeaddrinfo(lk->cb.ar_result);
		if (rc == EAI_CANCELED || rc == EAI_ALLDONE)
			free(lk);
		return rpe_fail(err, RPE_ERR_TIMEOUT,
				"no answer for %s before the deadline", host);
	}
	out->seconds = loop_now_s() - t0;
	rc = gai_error(&lk->cb);
	if (rc != 0) {
		free(lk);
		return rpe_fail(err, RPE_ERR_ARG, "%s does not resolve: %s",
				host, gai_strerror(rc));
	}
	for (ai = lk->cb.ar_result; ai; ai = ai->ai_next)
		add_addr(out, ai);
	freeaddrinfo(lk->cb.ar_result);
	free(lk);
	qsort(out->addr, (size_t)out->n, sizeof(out->addr[0]), cmp_addr);
	if (out->n == 0)
		return rpe_fail(err, RPE_ERR_ARG, "%s has no %saddress", host,
				ip_version == 4 ? "IPv4 " :
				ip_version == 6 ? "IPv6 " :
						  "");
	return 0;
}
