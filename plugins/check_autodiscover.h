/* SPDX-License-Identifier: GPL-3.0-or-later */
/* -e: Autodiscover before the probes, and what it found filling in what
 * the options left open (explicit -H, -m, --rpc-server, --http-auth and -p
 * win). */
#ifndef RPE_CHECK_AUTODISCOVER_H
#define RPE_CHECK_AUTODISCOVER_H

#include <stdint.h>

#include "autodiscover_run.h"
#include "mp.h"
#include "probe_config.h"

struct check_discovery {
	struct autodiscover_result res;
	/* What the probes use, and where each came from. */
	const char *host_from, *dn_from, *remote_from, *auth_from, *port_from;
	char failure[1200]; /* a result the probes cannot use */
	/* --transport mapi: the host and MailboxId of the mapiHttp MailStore
	 * URL (MS-OXDSCLI 2.2.4.1.1.2.6), and its port (0: none given). */
	char mapi_host[AUTODISCOVER_HOST_MAX];
	char mapi_id[AUTODISCOVER_HOST_MAX];
	unsigned mapi_port;
	int failure_unknown; /* ... because of a value no probe can take
				  (the check cannot run: UNKNOWN) */
};

/* Run Autodiscover for cfg->email before deadline_ms (loop_now_ms clock)
 * and fill *eff, a copy of cfg whose open parts point into d.  Returns 0
 * when the probes can run, 1 when Autodiscover failed (d says how; see
 * check_discovery_report), < 0 with err filled when it could not run. */
int check_discover(const struct probe_config *cfg, int64_t deadline_ms,
		   struct check_discovery *d, struct probe_config *eff,
		   struct rpe_error *err);
void check_discovery_free(struct check_discovery *d);

/* The failed run: the check's state and summary, and a subcheck with the
 * requests and what to do (returned, for its perfdata; NULL when out of
 * memory). */
struct mp_sub *check_discovery_failure(const struct check_discovery *d,
				       const struct probe_config *cfg,
				       struct mp_output *o);
/* A subcheck: what was found and used (and every request with -v). */
struct mp_sub *check_discovery_lines(const struct check_discovery *d,
				     const struct probe_config *eff,
				     struct mp_output *o);

#endif
