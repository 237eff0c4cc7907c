/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A MAPI over HTTP logon probe on the event loop (docs/architecture.md,
 * "MAPI over HTTP"): the EMSMDB Connect (and, after a logon, Disconnect)
 * of a lib/mapihttp session, each a one-shot request of
 * lib/transport_request with the RPC proxy's HTTP authentication, TLS
 * checks and routing.  The encrypted probe (result level PRIVACY) goes
 * over https to -p, the unencrypted one over plain http to the target's
 * plain_port, never with Basic credentials.  lib/probe owns the phases
 * and the deadline and drives this through the callbacks below. */
#ifndef RPE_MAPI_PROBE_H
#define RPE_MAPI_PROBE_H

#include <stddef.h>

#include "err.h"
#include "loop.h"
#include "probe.h"

struct mapi_probe;

struct mapi_probe_cb {
	void *ctx;
	/* The phase that ended (the next one begins). */
	void (*phase)(void *ctx, enum probe_phase next);
	/* The probe's end, once; the facts are in the result already. */
	void (*finish)(void *ctx, enum probe_outcome o, const char *msg);
	void (*trace)(void *ctx, int level, const char *line);
	int trace_level;
};

/* Start the Connect of result r (r->level PRIVACY: https, else plain). */
struct mapi_probe *mapi_probe_open(struct loop *loop,
				   const struct probe_target *t,
				   struct probe_result *r,
				   const struct mapi_probe_cb *cb,
				   struct rpe_error *err);
/* After each loop_run(): let go of a finished request and start the next
 * (the Disconnect), outside the loop's callbacks. */
void mapi_probe_step(struct mapi_probe *m);
/* The deadline passed: 1 with *o and msg when the probe's state decides
 * the outcome (a logon already made, a plain door that never answered),
 * 0 for the probe's ordinary timeout. */
int mapi_probe_expire(struct mapi_probe *m, enum probe_outcome *o, char *msg,
		      size_t n);
/* Safe on NULL; not from inside the loop's callbacks. */
void mapi_probe_close(struct mapi_probe *m);

#endif
