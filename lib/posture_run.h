/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --posture on the wire: the few extra requests the posture checks need,
 * made on the probes' own loop, concurrently with them and within the same
 * -t deadline (a probe_companion, lib/probe.h).  What they show fills each
 * site's struct posture_input; lib/posture judges it.
 *
 * Per door the run uses (/rpc; Autodiscover with -e; /mapi once a MAPI
 * URL is given) one request:
 *   - with the Extended Protection check: an NTLM logon whose AUTHENTICATE
 *     carries no channel binding (MsvAvChannelBindings absent).  NTLM puts
 *     no password on the wire, and Basic is never used here, so nothing
 *     sends a password however the door is configured;
 *   - otherwise: the same request without credentials (its 401 shows the
 *     offered schemes and the headers).
 * On /rpc it is RPC_IN_DATA with an empty body (the proxy's echo request:
 * IIS authenticates it like a channel, nothing opens behind it), on
 * Autodiscover and /mapi an empty POST.
 * Every answer's X-OWA-Version is kept (the Exchange build).
 *
 * The TLS floor: one handshake per version below it, each in its own
 * libcurl handle (lib/transport_tlsprobe), and under --insecure one with
 * verification on; no credentials, no HTTP. */
#ifndef RPE_POSTURE_RUN_H
#define RPE_POSTURE_RUN_H

#include "err.h"
#include "posture.h"
#include "probe.h"
#include "transport_http.h"

/* One address (or the one target) and what its posture requests saw. */
struct posture_site {
	/* The RPC proxy's connection: host, port, -I/address, TLS, TLS
	 * files, proxy, -4/-6 and the NTLM credentials. */
	struct http_params http;
	const char *rpc_path;         /* "/rpc/rpcproxy.dll?server:6001";
					* NULL: the run does not use /rpc */
	const char *mapi_path;        /* MAPI over HTTP on the same host:
					* "/mapi/emsmdb/?MailboxId=...", or NULL */
	const char *autodiscover_url; /* -e: the endpoint that answered */
	const struct http_params *autodiscover_http; /* its settings */
	const char *const *autodiscover_connect_to;  /* HOST:PORT:ADDR:PORT */
	struct posture_input in;                     /* filled by the run */
};

struct posture_run;

/* The n sites must outlive the run; o->checks selects what is asked. */
struct posture_run *posture_run_new(const struct posture_options *o,
				    struct posture_site *const *sites, int n,
				    struct rpe_error *err);
void posture_run_free(struct posture_run *pr);
/* The companion to hand to probe_run_with(). */
void posture_run_companion(struct posture_run *pr, struct probe_companion *c);

#endif
