/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One Autodiscover run, sans-I/O: which requests to make, in which order
 * and how far in parallel, what each answer means, and when the run is
 * over.  The driver (the event loop's HTTP sources and the SRV lookup)
 * asks autodiscover_session_next() for requests, makes them, and feeds
 * each outcome back with autodiscover_session_feed().
 *
 * Policy:
 * - without a pinned URL, the POST candidates and the unauthenticated http
 *   GET of MS-OXDISCO 3.1.5 start at once (the GET carries no credentials);
 *   the DNS SRV step (3.1.5.3), a blocking lookup and Outlook's last
 *   resort, starts only when every other candidate of the address failed;
 * - the first authoritative answer ends the run: settings (success when it
 *   has Protocol EXPR, else the failure "no EXPR"), a POX Error, or an
 *   Action redirectAddr, which starts over with the new address's
 *   candidates (or the pinned URL);
 * - Action redirectUrl, an HTTP 3xx Location and the GET's 302 continue
 *   the same candidate at the new https URL (autodiscover_walk: 10 hops at
 *   most, no loops);
 * - anything else fails that candidate only; when all have failed, the run
 *   fails with the most telling of their failures (a POX error or refused
 *   credentials say more than an unreachable name). */
#ifndef RPE_AUTODISCOVER_SESSION_H
#define RPE_AUTODISCOVER_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "autodiscover.h"
#include "err.h"

/* Failure classes, least telling first (the run reports the highest). */
enum autodiscover_fail {
	AUTODISCOVER_FAIL_NONE = 0,
	AUTODISCOVER_FAIL_DNS,       /* name did not resolve; SRV lookup */
	AUTODISCOVER_FAIL_CONNECT,   /* TCP refused, unreachable */
	AUTODISCOVER_FAIL_TIMEOUT,   /* the -t deadline hit this request */
	AUTODISCOVER_FAIL_TLS,       /* handshake or certificate */
	AUTODISCOVER_FAIL_HTTP,      /* an HTTP status that is no answer */
	AUTODISCOVER_FAIL_ANSWER,    /* 200 but not a usable POX answer */
	AUTODISCOVER_FAIL_REDIRECT,  /* loop, too many hops, not https */
	AUTODISCOVER_FAIL_AUTH,      /* HTTP 401: credentials refused */
	AUTODISCOVER_FAIL_NO_EXPR,   /* settings without Outlook Anywhere */
	AUTODISCOVER_FAIL_POX_ERROR, /* the server's Error response */
};

const char *autodiscover_fail_name(enum autodiscover_fail f);

struct autodiscover_request {
	unsigned id;
	enum autodiscover_step step;    /* POST, GET_REDIRECT or SRV */
	char url[AUTODISCOVER_URL_MAX]; /* SRV: the domain to look up */
	char email[AUTODISCOVER_ADDR_MAX];
};

/* What became of a request.  A transport failure sets fail and msg; an
 * HTTP exchange sets status (and location, body for it); an SRV step sets
 * url (the target's https URL) or fail/msg. */
struct autodiscover_outcome {
	enum autodiscover_fail fail;
	const char *msg;
	long status;
	const char *location;
	const uint8_t *body;
	size_t len;
	const char *url;
};

struct autodiscover_session;

/* pinned_url (--autodiscover-url) replaces the candidates; NULL: the
 * address's domain decides. */
struct autodiscover_session *autodiscover_session_new(const char *email,
						      const char *pinned_url,
						      struct rpe_error *err);
void autodiscover_session_free(struct autodiscover_session *s);
/* The run asks for MAPI over HTTP (--transport mapi): settings with a
 * mapiHttp Protocol and its MailStore URL count as found without
 * Protocol EXPR. */
void autodiscover_session_want_mapi(struct autodiscover_session *s);

/* 1 and *req filled when a request should start now; 0 when none (wait
 * for outcomes, or the run is over). */
int autodiscover_session_next(struct autodiscover_session *s,
			      struct autodiscover_request *req);
/* The outcome of request id; outcomes of requests the run no longer
 * needs (another candidate answered, a redirectAddr started over) are
 * ignored. */
void autodiscover_session_feed(struct autodiscover_session *s, unsigned id,
			       const struct autodiscover_outcome *o);
/* Requests started and not yet fed back. */
unsigned autodiscover_session_pending(const struct autodiscover_session *s);

/* 0 running, 1 found, -1 failed. */
int autodiscover_session_state(const struct autodiscover_session *s);
/* After success: the answer and the URL that gave it. */
const struct autodiscover_response *
autodiscover_session_response(const struct autodiscover_session *s);
const char *autodiscover_session_url(const struct autodiscover_session *s);
/* After failure: its class and a one-line message naming URL and step. */
enum autodiscover_fail
autodiscover_session_failure(const struct autodiscover_session *s,
			     const char **msg);
/* Every step so far, one line each ("POST https://...: HTTP 401"), for the
 * long output; NUL-terminated. */
const char *autodiscover_session_trail(const struct autodiscover_session *s);
unsigned autodiscover_session_requests(const struct autodiscover_session *s);

#endif
