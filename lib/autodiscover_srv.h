/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DNS SRV step of Autodiscover (MS-OXDISCO 3.1.5.3): query
 * _autodiscover._tcp.<domain> with libc's resolver under a deadline, parse
 * the answer with libresolv's ns_initparse/ns_parserr, pick a target by
 * priority and weight (RFC 2782) and turn it into the URL to POST to.
 *
 * Which targets are accepted: Outlook shows the user the SRV target and
 * asks before it sends credentials there (MS-OXDISCO 3.1.5.3, product
 * behaviour), because anyone who can forge DNS can name any host.  A
 * monitoring plugin has no user to ask, so it accepts a target in any
 * domain but only over https with the certificate verified for the target
 * name (the driver never turns TLS verification off for it unless the
 * operator did so for the whole check), and it reports the target it used.
 * An SRV record can therefore not send the credentials anywhere that
 * cannot prove, with a certificate the operator trusts, that it is that
 * host. */
#ifndef RPE_AUTODISCOVER_SRV_H
#define RPE_AUTODISCOVER_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "autodiscover.h"
#include "err.h"

#define AUTODISCOVER_SRV_MAX 16

struct autodiscover_srv_target {
	char host[AUTODISCOVER_HOST_MAX]; /* without the trailing dot */
	uint16_t priority, weight, port;
};

/* The SRV records for qname in a DNS answer (RFC 2782 wire form, RFC 1035
 * message).  Records of other types or owners are skipped; so are targets
 * "." (RFC 2782: the service is decidedly not available), which set
 * *unavailable, and records with port 0 or a target that is not a host
 * name.  At most max are kept. */
int autodiscover_srv_parse(const uint8_t *answer, size_t len, const char *qname,
			   struct autodiscover_srv_target *out, size_t max,
			   size_t *n, int *unavailable, struct rpe_error *err);

/* RFC 2782 selection: the lowest priority; among those, weighted by a
 * uniform random number rnd (zero-weight records first, so they are
 * chosen only when rnd falls on 0). */
int autodiscover_srv_pick(const struct autodiscover_srv_target *t, size_t n,
			  uint32_t rnd, size_t *idx, struct rpe_error *err);

/* https://<host>:<port>/autodiscover/autodiscover.xml, canonical form. */
int autodiscover_srv_url(const struct autodiscover_srv_target *t, char *url,
			 size_t size, struct rpe_error *err);

/* 0 if spec is "a.b.c.d[:port]", the form autodiscover_srv_query takes. */
int autodiscover_srv_check_nameserver(const char *spec, struct rpe_error *err);

/* Query qname for SRV records.  nameserver "a.b.c.d[:port]" replaces the
 * system's (tests point it at a loopback server), NULL keeps
 * /etc/resolv.conf.  The resolver gets one attempt per server with its
 * per-try timeout cut so that the whole query ends within timeout_ms
 * (whole seconds: libc's resolver counts in seconds); under one second
 * left it does not start.  The answer goes to *answer. */
int autodiscover_srv_query(const char *qname, const char *nameserver,
			   long timeout_ms, struct buf *answer,
			   struct rpe_error *err);

/* All of the above for the address's domain: the URL to POST to and the
 * chosen target.  rnd is a uniform random number (crypto_random). */
int autodiscover_srv_lookup(const char *domain, const char *nameserver,
			    long timeout_ms, uint32_t rnd, char *url,
			    size_t urlsize,
			    struct autodiscover_srv_target *chosen,
			    struct rpe_error *err);

#endif
