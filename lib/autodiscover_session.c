/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One Autodiscover run without I/O: candidates, their redirects and the
 * verdict on each answer (MS-OXDISCO 3.1.5, MS-OXDSCLI 2.2.4, 3.1.5). */
#include "autodiscover_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum chain_state { CHAIN_READY, CHAIN_FLIGHT, CHAIN_FAILED };

/* One candidate and where its redirects took it. */
struct chain {
	enum chain_state state;
	enum autodiscover_step step;
	char url[AUTODISCOVER_URL_MAX];
	unsigned id; /* request in flight */
	enum autodiscover_fail fail;
	char msg[1024];
};

struct autodiscover_session {
	struct autodiscover_walk *walk;
	char pinned[AUTODISCOVER_URL_MAX];
	struct chain ch[AUTODISCOVER_CANDIDATES];
	size_t nch;
	unsigned last_id, started, fed;
	int state;
	struct autodiscover_response resp;
	char url[AUTODISCOVER_URL_MAX];
	enum autodiscover_fail fail;
	char failmsg[1024];
	struct buf trail;
	int want_mapi; /* MAPI over HTTP's MailStore will do */
};

static const char *const fail_names[] = {
	[AUTODISCOVER_FAIL_NONE] = "none",
	[AUTODISCOVER_FAIL_DNS] = "DNS",
	[AUTODISCOVER_FAIL_CONNECT] = "connect",
	[AUTODISCOVER_FAIL_TIMEOUT] = "timeout",
	[AUTODISCOVER_FAIL_TLS] = "TLS",
	[AUTODISCOVER_FAIL_HTTP] = "HTTP status",
	[AUTODISCOVER_FAIL_ANSWER] = "answer",
	[AUTODISCOVER_FAIL_REDIRECT] = "redirect",
	[AUTODISCOVER_FAIL_AUTH] = "credentials",
	[AUTODISCOVER_FAIL_NO_EXPR] = "no EXPR",
	[AUTODISCOVER_FAIL_POX_ERROR] = "POX error",
};

const char *autodiscover_fail_name(enum autodiscover_fail f)
{
	if ((size_t)f < sizeof(fail_names) / sizeof(fail_names[0]))
		return fail_names[f];
	return "unknown";
}

static const char *step_verb(enum autodiscover_step step)
{
	return step == AUTODISCOVER_STEP_POST         ? "POST" :
	       step == AUTODISCOVER_STEP_GET_REDIRECT ? "GET" :
							"SRV";
}

static void trail(struct autodiscover_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void trail(struct autodiscover_session *s, const char *fmt, ...)
{
	char line[RPE_ERRMSG_MAX + AUTODISCOVER_URL_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* The trail is for the long output: past its cap it just stops.  It
	 * is kept NUL-terminated: the NUL is put and then not counted. */
	if (buf_put_bytes(&s->trail, line, strlen(line)) == 0 &&
	    buf_put_u8(&s->trail, '\n') == 0 && buf_put_u8(&s->trail, 0) == 0)
		s->trail.len--;
}

/* Candidates for the walk's current address, or the pinned URL. */
static int session_start(struct autodiscover_session *s, struct rpe_error *err)
{
	struct autodiscover_candidate c[AUTODISCOVER_CANDIDATES];
	size_t i;

	memset(s->ch, 0, sizeof(s->ch));
	if (*s->pinned) {
		s->nch = 1;
		s->ch[0].step = AUTODISCOVER_STEP_POST;
		snprintf(s->ch[0].url, sizeof(s->ch[0].url), "%s", s->pinned);
		return 0;
	}
	TRY(autodiscover_candidates(autodiscover_walk_email(s->walk), c, err));
	for (i = 0; i < AUTODISCOVER_CANDIDATES; i++) {
		s->ch[i].step = c[i].step;
		if (c[i].step == AUTODISCOVER_STEP_SRV)
			snprintf(s->ch[i].url, sizeof(s->ch[i].url), "%s",
				 strchr(autodiscover_walk_email(s->walk), '@') +
					 1);
		else
			TRY(autodiscover_url_canon(c[i].url, NULL, true,
						   s->ch[i].url,
						   sizeof(s->ch[i].url), NULL,
						   0, err));
	}
	s->nch = AUTODISCOVER_CANDIDATES;
	return 0;
}

struct autodiscover_session *autodiscover_session_new(const char *email,
						      const char *pinned_url,
						      struct rpe_error *err)
{
	struct autodiscover_session *s = calloc(1, sizeof(*s));
	struct rpe_error why;

	if (!s) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	buf_init(&s->trail, 64 * 1024);
	s->walk = autodiscover_walk_new(email, err);
	if (s->walk && pinned_url &&
	    autodiscover_url_canon(pinned_url, NULL, false, s->pinned,
				   sizeof(s->pinned), NULL, 0, &why) < 0) {
		rpe_fail(err, RPE_ERR_ARG, "--autodiscover-url: %s", why.msg);
		autodiscover_session_free(s);
		return NULL;
	}
	if (!s->walk || session_start(s, err) < 0) {
		autodiscover_session_free(s);
		return NULL;
	}
	return s;
}

void autodiscover_session_free(struct autodiscover_session *s)
{
	if (!s)
		return;
	autodiscover_walk_free(s->walk);
	buf_free(&s->trail);
	free(s);
}

static void finish_failed(struct autodiscover_session *s,
			  enum autodiscover_fail f, const char *msg)
{
	s->state = -1;
	s->fail = f;
	snprintf(s->failmsg, sizeof(s->failmsg), "%s", msg);
}

/* When every candidate has failed, the run fails with the most telling. */
static void check_all_failed(struct autodiscover_session *s)
{
	const struct chain *best = NULL;
	size_t i;

	for (i = 0; i < s->nch; i++) {
		if (s->ch[i].state != CHAIN_FAILED)
			return;
		if (!best || s->ch[i].fail > best->fail)
			best = &s->ch[i];
	}
	if (best)
		finish_failed(s, best->fail, best->msg);
}

static void chain_fail(struct autodiscover_session *s, struct chain *c,
		       enum autodiscover_fail f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void chain_fail(struct autodiscover_session *s, struct chain *c,
		       enum autodiscover_fail f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->state = CHAIN_FAILED;
	c->fail = f;
	trail(s, "  failed (%s): %s", autodiscover_fail_name(f), c->msg);
	check_all_failed(s);
}

/* SRV waits until every other candidate has failed (module comment). */
static int chain_may_start(const struct autodiscover_session *s,
			   const struct chain *c)
{
	size_t i;

	if (c->state != CHAIN_READY)
		return 0;
	if (c->step != AUTODISCOVER_STEP_SRV)
		return 1;
	for (i = 0; i < s->nch; i++)
		if (&s->ch[i] != c && s->ch[i].state != CHAIN_FAILED)
			return 0;
	return 1;
}

int autodiscover_session_next(struct autodiscover_session *s,
			      struct autodiscover_request *req)
{
	struct rpe_error err;
	size_t i;

	for (i = 0; i < s->nch && s->state == 0; i++) {
		struct chain *c = &s->ch[i];
		if (!chain_may_start(s, c))
			continue;
		if (autodiscover_walk_visit(s->walk, c->step, c->url, &err) < 0) {
			chain_fail(s, c, AUTODISCOVER_FAIL_REDIRECT, "%s",
				   err.msg);
			continue;
		}
		c->state = CHAIN_FLIGHT;
		c->id = ++s->last_id;
		s->started++;
		memset(req, 0, sizeof(*req));
		req->id = c->id;
		req->step = c->step;
		snprintf(req->url, sizeof(req->url), "%s", c->url);
		snprintf(req->email, sizeof(req->email), "%s",
			 autodiscover_walk_email(s->walk));
		if (c->step == AUTODISCOVER_STEP_POST)
			trail(s, "POST %s for %s", c->url, req->email);
		else if (c->step == AUTODISCOVER_STEP_GET_REDIRECT)
			trail(s, "GET %s (no credentials)", c->url);
		else
			trail(s, "SRV _autodiscover._tcp.%s", c->url);
		return 1;
	}
	return 0;
}

static void chain_redirect(struct autodiscover_session *s, struct chain *c,
			   const char *location, const char *base,
			   const char *why)
{
	char url[AUTODISCOVER_URL_MAX];
	struct rpe_error err;

	if (autodiscover_walk_redirect_url(s->walk, location, base, url,
					   sizeof(url), &err) < 0) {
		chain_fail(s, c, AUTODISCOVER_FAIL_REDIRECT, "%s %s: %s",
			   step_verb(c->step), c->url, err.msg);
		return;
	}
	trail(s, "  %s to %s", why, url);
	snprintf(c->url, sizeof(c->url), "%s", url);
	c->step = AUTODISCOVER_STEP_POST;
	c->state = CHAIN_READY;
}

void autodiscover_session_want_mapi(struct autodiscover_session *s)
{
	s->want_mapi = 1;
}

static void answer_settings(struct autodiscover_session *s, struct chain *c,
			    const struct autodiscover_response *r)
{
	char msg[sizeof(s->failmsg)];

	if (s->want_mapi && r->mapi_http && *r->mapi_http_url) {
		trail(s, "  settings: MAPI over HTTP %s%s", r->mapi_http_url,
		      r->has_expr ? ", RPC proxy too" : "");
		s->resp = *r;
		snprintf(s->url, sizeof(s->url), "%s", c->url);
		s->state = 1;
		return;
	}
	if (!r->has_expr || !*r->expr_server) {
		snprintf(msg, sizeof(msg),
			 "%.200s answered for %s without Protocol EXPR: Outlook "
			 "Anywhere (RPC over HTTP) is not offered for this "
			 "mailbox%s",
			 c->url, autodiscover_walk_email(s->walk),
			 r->mapi_http ? " (only MAPI over HTTP is)" : "");
		trail(s, "  %s", msg);
		finish_failed(s, AUTODISCOVER_FAIL_NO_EXPR, msg);
		return;
	}
	trail(s, "  settings: RPC proxy %s, RemoteName %s", r->expr_server,
	      *r->exch_server ? r->exch_server : "(none)");
	s->resp = *r;
	snprintf(s->url, sizeof(s->url), "%s", c->url);
	s->state = 1;
}

static void answer_redirect_addr(struct autodiscover_session *s,
				 const struct autodiscover_response *r)
{
	struct rpe_error err;
	char msg[sizeof(s->failmsg)];

	trail(s, "  redirectAddr to %s", r->redirect);
	if (autodiscover_walk_redirect_addr(s->walk, r->redirect, &err) < 0 ||
	    session_start(s, &err) < 0) {
		snprintf(msg, sizeof(msg), "%.255s", err.msg);
		trail(s, "  failed (redirect): %s", msg);
		finish_failed(s, AUTODISCOVER_FAIL_REDIRECT, msg);
	}
}

static void answer_pox(struct autodiscover_session *s, struct chain *c,
		       const struct autodiscover_outcome *o)
{
	struct autodiscover_response *r = malloc(sizeof(*r));
	struct rpe_error err;
	char msg[sizeof(s->failmsg)];

	if (!r) {
		chain_fail(s, c, AUTODISCOVER_FAIL_ANSWER, "out of memory");
		return;
	}
	if (autodiscover_parse_response(o->body, o->len, r, &err) < 0) {
		chain_fail(s, c, AUTODISCOVER_FAIL_ANSWER, "POST %s: %s",
			   c->url, err.msg);
	} else if (r->action == AUTODISCOVER_ACTION_ERROR) {
		snprintf(msg, sizeof(msg),
			 "%.200s answered for %s with Autodiscover error %.31s: %.200s",
			 c->url, autodiscover_walk_email(s->walk),
			 *r->error_code ? r->error_code : "(no code)",
			 *r->error_message ? r->error_message : "(no message)");
		trail(s, "  %s", msg);
		finish_failed(s, AUTODISCOVER_FAIL_POX_ERROR, msg);
	} else if (r->action == AUTODISCOVER_ACTION_REDIRECT_URL) {
		chain_redirect(s, c, r->redirect, NULL, "redirectUrl");
	} else if (r->action == AUTODISCOVER_ACTION_REDIRECT_ADDR) {
		answer_redirect_addr(s, r);
	} else {
		answer_settings(s, c, r);
	}
	free(r);
}

static void feed_http(struct autodiscover_session *s, struct chain *c,
		      const struct autodiscover_outcome *o)
{
	const char *verb = step_verb(c->step);

	trail(s, "  %s %s: HTTP %ld", verb, c->url, o->status);
	if (o->status >= 300 && o->status < 400 && o->location && *o->location)
		chain_redirect(s, c, o->location, c->url,
			       c->step == AUTODISCOVER_STEP_GET_REDIRECT ?
				       "GET candidate redirected" :
				       "HTTP redirect");
	else if (c->step == AUTODISCOVER_STEP_GET_REDIRECT)
		chain_fail(s, c, AUTODISCOVER_FAIL_HTTP,
			   "GET %s: HTTP %ld, not a redirect", c->url, o->status);
	else if (o->status == 401)
		chain_fail(s, c, AUTODISCOVER_FAIL_AUTH,
			   "POST %s: HTTP 401, the credentials were refused",
			   c->url);
	else if (o->status != 200)
		chain_fail(s, c, AUTODISCOVER_FAIL_HTTP, "%s %s: HTTP %ld",
			   verb, c->url, o->status);
	else
		answer_pox(s, c, o);
}

void autodiscover_session_feed(struct autodiscover_session *s, unsigned id,
			       const struct autodiscover_outcome *o)
{
	struct chain *c = NULL;
	size_t i;

	s->fed++;
	for (i = 0; i < s->nch; i++)
		if (s->ch[i].state == CHAIN_FLIGHT && s->ch[i].id == id)
			c = &s->ch[i];
	if (!c || s->state != 0)
		return;
	if (o->fail != AUTODISCOVER_FAIL_NONE) {
		chain_fail(s, c, o->fail, "%s %s%s: %s", step_verb(c->step),
			   c->step == AUTODISCOVER_STEP_SRV ?
				   "_autodiscover._tcp." :
				   "",
			   c->url, o->msg ? o->msg : "failed");
	} else if (c->step == AUTODISCOVER_STEP_SRV) {
		char url[AUTODISCOVER_URL_MAX];
		snprintf(url, sizeof(url), "%s", o->url ? o->url : "");
		trail(s, "  SRV target %s", url);
		snprintf(c->url, sizeof(c->url), "%s", url);
		c->step = AUTODISCOVER_STEP_POST;
		c->state = CHAIN_READY;
	} else {
		feed_http(s, c, o);
	}
}

unsigned autodiscover_session_pending(const struct autodiscover_session *s)
{
	return s->started - s->fed;
}

int autodiscover_session_state(const struct autodiscover_session *s)
{
	return s->state;
}

const struct autodiscover_response *
autodiscover_session_response(const struct autodiscover_session *s)
{
	return s->state == 1 ? &s->resp : NULL;
}

const char *autodiscover_session_url(const struct autodiscover_session *s)
{
	return s->url;
}

enum autodiscover_fail
autodiscover_session_failure(const struct autodiscover_session *s,
			     const char **msg)
{
	if (msg)
		*msg = s->failmsg;
	return s->fail;
}

const char *autodiscover_session_trail(const struct autodiscover_session *s)
{
	return s->trail.len ? (const char *)s->trail.data : "";
}

unsigned autodiscover_session_requests(const struct autodiscover_session *s)
{
	return s->started;
}
