/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Autodiscover on the event loop: the run of autodiscover_session.h with
 * its requests made as one-shot HTTP sources (transport_request.h), with
 * the RPC proxy's HTTP authentication, TLS verification, client
 * certificate, proxy and -4/-6, all before one deadline.  The DNS SRV
 * step (autodiscover_srv.h) is a blocking lookup given the time left; the
 * session starts it only when every other candidate has failed. */
#ifndef RPE_AUTODISCOVER_RUN_H
#define RPE_AUTODISCOVER_RUN_H

#include <stdint.h>

#include "autodiscover.h"
#include "autodiscover_session.h"
#include "err.h"
#include "loop.h"
#include "transport_http.h"
#include "tlsinfo.h"

struct autodiscover_params {
	const char *email;      /* -e: the monitored mailbox's address */
	const char *pinned_url; /* --autodiscover-url, or NULL */
	/* Authentication, TLS, proxy and ip_version as for the RPC proxy;
	 * host, port, path and connect_ip are not used (the URLs say where;
	 * -I names the RPC proxy's address, not Autodiscover's). */
	struct http_params http;
	const char *nameserver; /* SRV: "a.b.c.d[:port]", NULL: the system's */
	/* "HOST:PORT:ADDR:PORT" redirections of Autodiscover connections
	 * (CURLOPT_CONNECT_TO), NULL-terminated; NULL: none. */
	const char *const *connect_to;
	int64_t deadline_ms; /* on loop_now_ms()'s clock */
	uint32_t rnd;        /* uniform random number for SRV weights */
	/* Ask with X-MapiHttpCapability: 1 (MS-OXDSCLI 2.2.2.1) and take the
	 * mapiHttp Protocol's MailStore URL for settings (--transport mapi). */
	int mapi_http;
};

struct autodiscover_result {
	int state; /* 1 found, -1 failed */
	enum autodiscover_fail fail;
	char msg[1024]; /* failure: which URL, which step, why */
	struct autodiscover_response resp;
	char url[AUTODISCOVER_URL_MAX]; /* the endpoint that answered */
	double seconds;
	unsigned requests;
	char *trail;         /* every request and result, one per line */
	struct tls_seen tls; /* found over https: the answering server's
				   * certificate (the certificate check) */
};

/* Fills *out (free it with autodiscover_result_free) and returns 0 when
 * the run found settings or failed in a way it explains in out; < 0 with
 * err filled when it could not run at all (bad address or URL, no
 * memory). */
int autodiscover_run(struct loop *loop, const struct autodiscover_params *p,
		     struct autodiscover_result *out, struct rpe_error *err);
void autodiscover_result_free(struct autodiscover_result *r);

#endif
