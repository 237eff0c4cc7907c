/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS SRV lookup for Autodiscover (MS-OXDISCO 3.1.5.3, RFC 2782) on libc's
 * resolver: res_nquery for the query, ns_initparse/ns_parserr and
 * ns_name_uncompress (libresolv) for the answer. */
#define _DEFAULT_SOURCE /* res_state, ns_* */
#include "autodiscover_srv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Answers ---------------------------------------------------------------------- */

/* One SRV RDATA (RFC 2782: priority, weight, port, target), read through a
 * cursor; the target name may be compressed (RFC 1035 4.1.4), so it is
 * expanded against the whole message by libresolv.  1 if kept. */
static int srv_rdata(const ns_msg *msg, const ns_rr *rr,
		     struct autodiscover_srv_target *t, int *unavailable)
{
	struct buf_cur c;
	const uint8_t *name;
	char host[NS_MAXDNAME];
	size_t len;

	buf_cur_init(&c, ns_rr_rdata(*rr), ns_rr_rdlen(*rr));
	if (buf_get_u16be(&c, &t->priority) < 0 ||
	    buf_get_u16be(&c, &t->weight) < 0 ||
	    buf_get_u16be(&c, &t->port) < 0 || buf_cur_remaining(&c) == 0 ||
	    buf_get_ref(&c, buf_cur_remaining(&c), &name) < 0)
		return -1;
	if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), name, host,
			       sizeof(host)) < 0)
		return -1;
	if (strcmp(host, ".") == 0 || host[0] == '\0') {
		*unavailable = 1;
		return 0;
	}
	len = strlen(host);
	if (host[len - 1] == '.')
		host[--len] = '\0';
	if (t->port == 0 || len >= sizeof(t->host) ||
	    autodiscover_check_host(host, len) < 0)
		return 0;
	memcpy(t->host, host, len + 1);
	return 1;
}

int autodiscover_srv_parse(const uint8_t *answer, size_t len, const char *qname,
			   struct autodiscover_srv_target *out, size_t max,
			   size_t *n, int *unavailable, struct rpe_error *err)
{
	ns_msg msg;
	ns_rr rr;
	int i, count, kept;

	*n = 0;
	*unavailable = 0;
	if (len > NS_MAXMSG || ns_initparse(answer, (int)len, &msg) < 0)
		return rpe_fail(err, RPE_ERR_PROTO, "malformed DNS answer");
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return rpe_fail(err, RPE_ERR_PROTO,
					"malformed DNS answer record %d", i);
		if (ns_rr_type(rr) != ns_t_srv || ns_rr_class(rr) != ns_c_in ||
		    strcasecmp(ns_rr_name(rr), qname) != 0 || *n == max)
			continue;
		kept = srv_rdata(&msg, &rr, &out[*n], unavailable);
		if (kept < 0)
			return rpe_fail(err, RPE_ERR_PROTO,
					"malformed SRV record for %s", qname);
		*n += (size_t)kept;
	}
	return 0;
}

int autodiscover_srv_pick(const struct autodiscover_srv_target *t, size_t n,
			  uint32_t rnd, size_t *idx, struct rpe_error *err)
{
	uint32_t best = UINT32_MAX, sum = 0, run = 0, r;
	size_t i;
	int pass;

	for (i = 0; i < n; i++)
		if (t[i].priority < best)
			best = t[i].priority;
	if (n == 0)
		return rpe_fail(err, RPE_ERR_ARG, "no SRV target to choose from");
	for (i = 0; i < n; i++)
		if (t[i].priority == best)
			sum += t[i].weight;
	r = rnd % (sum + 1);
	/* RFC 2782: zero-weight records first, then the others, each with
	 * the running sum; the first whose running sum reaches r wins. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			if (t[i].priority != best ||
			    (pass == 0) != (t[i].weight == 0))
				continue;
			run += t[i].weight;
			if (run >= r) {
				*idx = i;
				return 0;
			}
		}
	return rpe_fail(err, RPE_ERR_STATE, "SRV selection failed");
}

int autodiscover_srv_url(const struct autodiscover_srv_target *t, char *url,
			 size_t size, struct rpe_error *err)
{
	char raw[AUTODISCOVER_URL_MAX];

	snprintf(raw, sizeof(raw), "https://%s:%u%s", t->host,
		 (unsigned)t->port, AUTODISCOVER_PATH);
	return autodiscover_url_canon(raw, NULL, false, url, size, NULL, 0, err);
}

/* Queries ---------------------------------------------------------------------- */

static int parse_nameserver(const char *spec, struct sockaddr_in *sin,
			    struct rpe_error *err)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = strchr(spec, ':');
	size_t iplen = colon ? (size_t)(colon - spec) : strlen(spec);
	long port = 53;
	char *end;

	memset(sin, 0, sizeof(*sin));
	if (iplen >= sizeof(ip))
		return rpe_fail(err, RPE_ERR_ARG, "bad name server '%.64s'",
				spec);
	memcpy(ip, spec, iplen);
	ip[iplen] = '\0';
	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			return rpe_fail(err, RPE_ERR_ARG,
					"bad name server port '%.64s'", spec);
	}
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		return rpe_fail(err, RPE_ERR_ARG,
				"bad name server '%.64s' (an IPv4 address)",
				spec);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

int autodiscover_srv_check_nameserver(const char *spec, struct rpe_error *err)
{
	struct sockaddr_in sin;

	return parse_nameserver(spec, &sin, err);
}

static int set_nameserver(res_state st, const char *spec, struct rpe_error *err)
{
	struct sockaddr_in sin;

	TRY(parse_nameserver(spec, &sin, err));
	/* glibc prefers the IPv6-capable copy of a server's address when
	 * res_ninit made one; overwrite both. */
	if (st->_u._ext.nsaddrs[0])
		memcpy(st->_u._ext.nsaddrs[0], &sin, sizeof(sin));
	st->nsaddr_list[0] = sin;
	st->nscount = 1;
	return 0;
}

static int query_error(res_state st, const char *qname, long secs,
		       struct rpe_error *err)
{
	switch (st->res_h_errno) {
	case HOST_NOT_FOUND:
		return rpe_fail(err, RPE_ERR_PROTO, "DNS: %s does not exist",
				qname);
	case NO_DATA:
		return rpe_fail(err, RPE_ERR_PROTO, "DNS: no SRV record for %s",
				qname);
	case TRY_AGAIN:
		return rpe_fail(err, RPE_ERR_PROTO,
				"DNS: no answer for %s within %lds (timeout or "
				"server failure)",
				qname, secs);
	default:
		return rpe_fail(err, RPE_ERR_PROTO,
				"DNS: query for %s refused or failed", qname);
	}
}

/* The query on an initialised resolver state: one try per server, all
 * servers within secs. */
static int query_on(res_state st, const char *qname, const char *nameserver,
		    long secs, struct buf *answer, struct rpe_error *err)
{
	uint8_t *space;
	int len;

	if (nameserver)
		TRY(set_nameserver(st, nameserver, err));
	if (st->nscount > secs)
		st->nscount = (int)secs;
	st->retry = 1;
	st->retrans = (int)(secs / (st->nscount > 0 ? st->nscount : 1));
	buf_reset(answer);
	len = buf_put_space(answer, NS_MAXMSG, &space);
	if (len < 0)
		return rpe_fail(err, len, "out of memory");
	len = res_nquery(st, qname, ns_c_in, ns_t_srv, space, NS_MAXMSG);
	if (len < 0)
		return query_error(st, qname, secs, err);
	answer->len = (size_t)len < NS_MAXMSG ? (size_t)len : NS_MAXMSG;
	return 0;
}

int autodiscover_srv_query(const char *qname, const char *nameserver,
			   long timeout_ms, struct buf *answer,
			   struct rpe_error *err)
{
	struct __res_state st;
	long secs = timeout_ms / 1000;
	int rc;

	if (secs < 1)
		return rpe_fail(err, RPE_ERR_PROTO,
				"DNS: under a second left for the SRV query of %s",
				qname);
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) != 0)
		return rpe_fail(err, RPE_ERR_PROTO, "DNS: resolver setup failed");
	rc = query_on(&st, qname, nameserver, secs, answer, err);
	res_nclose(&st);
	return rc;
}

int autodiscover_srv_lookup(const char *domain, const char *nameserver,
			    long timeout_ms, uint32_t rnd, char *url,
			    size_t urlsize,
			    struct autodiscover_srv_target *chosen,
			    struct rpe_error *err)
{
	struct autodiscover_srv_target t[AUTODISCOVER_SRV_MAX];
	char qname[AUTODISCOVER_HOST_MAX + 32];
	struct buf answer;
	size_t n = 0, idx = 0;
	int unavailable = 0, rc;

	if (autodiscover_check_host(domain, strlen(domain)) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "bad domain '%.64s'", domain);
	snprintf(qname, sizeof(qname), "_autodiscover._tcp.%s", domain);
	buf_init(&answer, NS_MAXMSG);
	rc = autodiscover_srv_query(qname, nameserver, timeout_ms, &answer, err);
	if (rc == 0)
		rc = autodiscover_srv_parse(answer.data, answer.len, qname, t,
					    AUTODISCOVER_SRV_MAX, &n,
					    &unavailable, err);
	buf_free(&answer);
	TRY(rc);
	if (n == 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				unavailable ?
					"DNS: %s says there is no Autodiscover service (target \".\")" :
					"DNS: no usable SRV record for %s",
				qname);
	TRY(autodiscover_srv_pick(t, n, rnd, &idx, err));
	TRY(autodiscover_srv_url(&t[idx], url, urlsize, err));
	if (chosen)
		*chosen = t[idx];
	return 0;
}
