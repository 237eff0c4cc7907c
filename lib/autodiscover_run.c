/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Autodiscover requests as sources of the event loop; see
 * autodiscover_run.h. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "autodiscover_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiscover_srv.h"
#include "buf.h"
#include "transport_request.h"

/* Requests in flight at once: three candidates, plus answers of an address
 * a redirectAddr left behind. */
#define RUN_SLOTS 12

struct slot {
	struct http_request *rq; /* NULL: free */
	unsigned id;
	enum autodiscover_step step;
	char url[AUTODISCOVER_URL_MAX];
	int done;
	enum loop_result res;
	long status;
	char msg[400];
	struct loop *loop;
};

struct run {
	struct loop *loop;
	const struct autodiscover_params *p;
	struct autodiscover_session *s;
	struct slot slot[RUN_SLOTS];
	struct tls_seen tls; /* of the request whose answer was used */
};

static void on_done(void *ctx, struct http_request *rq, enum loop_result res,
		    long status, const char *msg)
{
	struct slot *sl = ctx;

	(void)rq;
	sl->done = 1;
	sl->res = res;
	sl->status = status;
	snprintf(sl->msg, sizeof(sl->msg), "%s", msg);
	loop_wake(sl->loop);
}

static enum autodiscover_fail fail_of(enum loop_result res)
{
	switch (res) {
	case LOOP_RES_RESOLVE_FAILED: return AUTODISCOVER_FAIL_DNS;
	case LOOP_RES_TLS_FAILED:
	case LOOP_RES_TLS_VERIFY: return AUTODISCOVER_FAIL_TLS;
	case LOOP_RES_ABORTED: return AUTODISCOVER_FAIL_ANSWER;
	case LOOP_RES_AUTH_FAILED:
		return AUTODISCOVER_FAIL_AUTH; /* HTTP NTLM */
	default: return AUTODISCOVER_FAIL_CONNECT;
	}
}

/* The headers and body of MS-OXDSCLI 2.2.2 / 2.2.3. */
static const char *const post_headers[] = {
	"Content-Type: " AUTODISCOVER_CONTENT_TYPE,
	"X-ClientCanHandle: " AUTODISCOVER_CLIENT_CAN_HANDLE,
	NULL,
};
/* MAPI over HTTP's clients say they speak it (MS-OXDSCLI 2.2.2.1): the
 * server then answers with the mapiHttp Protocol. */
static const char *const post_headers_mapi[] = {
	"Content-Type: " AUTODISCOVER_CONTENT_TYPE,
	"X-ClientCanHandle: " AUTODISCOVER_CLIENT_CAN_HANDLE,
	"X-MapiHttpCapability: 1",
	NULL,
};

static int start_http(struct run *r, struct slot *sl,
		      const struct autodiscover_request *req,
		      struct rpe_error *err)
{
	struct http_request_cb cb = { sl, on_done };
	struct http_request_spec spec = { 0 };
	struct http_params hp = r->p->http;
	struct buf body;
	int rc = 0;

	buf_init(&body, 0);
	hp.connect_ip = NULL;
	hp.tls = strncmp(req->url, "https:", 6) == 0;
	spec.url = req->url;
	spec.connect_to = r->p->connect_to;
	spec.max_body = AUTODISCOVER_MAX_RESPONSE;
	if (req->step == AUTODISCOVER_STEP_POST) {
		rc = autodiscover_build_request(req->email, &body, err);
		spec.method = "POST";
		spec.name = "Autodiscover POST";
		spec.body = body.data;
		spec.len = body.len;
		spec.headers = r->p->mapi_http ? post_headers_mapi : post_headers;
	} else {
		/* MS-OXDISCO 3.1.5.4: an unauthenticated GET over http. */
		spec.method = "GET";
		spec.name = "Autodiscover GET";
		hp.user = NULL;
		hp.password = NULL;
	}
	if (rc == 0) {
		sl->loop = r->loop;
		sl->rq = http_request_open(r->loop, &hp, &spec, &cb, err);
		rc = sl->rq ? 0 : err->code;
	}
	buf_free(&body);
	return rc;
}

static void feed_srv(struct run *r, const struct autodiscover_request *req)
{
	struct autodiscover_outcome o = { 0 };
	struct autodiscover_srv_target t;
	char url[AUTODISCOVER_URL_MAX];
	struct rpe_error err;
	int64_t left = r->p->deadline_ms - loop_now_ms();

	if (autodiscover_srv_lookup(req->url, r->p->nameserver, (long)left,
				    r->p->rnd, url, sizeof(url), &t, &err) < 0) {
		o.fail = AUTODISCOVER_FAIL_DNS;
		o.msg = err.msg;
	} else {
		o.url = url;
	}
	autodiscover_session_feed(r->s, req->id, &o);
}

/* Start what the session asks for; SRV is answered at once. */
static int start_requests(struct run *r, struct rpe_error *err)
{
	struct autodiscover_request req;
	struct autodiscover_outcome o = { 0 };
	size_t i;

	while (autodiscover_session_next(r->s, &req) == 1) {
		if (req.step == AUTODISCOVER_STEP_SRV) {
			feed_srv(r, &req);
			continue;
		}
		for (i = 0; i < RUN_SLOTS && r->slot[i].rq; i++)
			;
		if (i == RUN_SLOTS || start_http(r, &r->slot[i], &req, err) < 0) {
			o.fail = AUTODISCOVER_FAIL_CONNECT;
			o.msg = i == RUN_SLOTS ? "too many requests" : err->msg;
			autodiscover_session_feed(r->s, req.id, &o);
			continue;
		}
		r->slot[i].id = req.id;
		r->slot[i].step = req.step;
		snprintf(r->slot[i].url, sizeof(r->slot[i].url), "%s", req.url);
	}
	return 0;
}

/* Feed finished requests to the session and close them (outside the
 * loop's callbacks). */
static void collect(struct run *r)
{
	struct autodiscover_outcome o;
	size_t i;

	for (i = 0; i < RUN_SLOTS; i++) {
		struct slot *sl = &r->slot[i];
		if (!sl->rq || !sl->done)
			continue;
		memset(&o, 0, sizeof(o));
		if (sl->res == LOOP_RES_EOF || sl->res == LOOP_RES_HTTP_STATUS) {
			o.status = sl->status;
			o.location = http_request_location(sl->rq);
			o.body = http_request_body(sl->rq, &o.len);
		} else {
			o.fail = fail_of(sl->res);
			o.msg = sl->msg;
		}
		autodiscover_session_feed(r->s, sl->id, &o);
		/* This answer ended the search: its certificate counts. */
		if (autodiscover_session_state(r->s) == 1 && !r->tls.have_cert)
			r->tls = *http_request_tls(sl->rq);
		http_request_close(sl->rq);
		memset(sl, 0, sizeof(*sl));
	}
}

static void timed_out(struct run *r, struct autodiscover_result *out)
{
	size_t i, n = 0;
	int len;

	out->state = -1;
	out->fail = AUTODISCOVER_FAIL_TIMEOUT;
	len = snprintf(out->msg, sizeof(out->msg),
		       "no Autodiscover answer for %s before the deadline",
		       r->p->email);
	for (i = 0; i < RUN_SLOTS && len > 0 && (size_t)len < sizeof(out->msg);
	     i++) {
		if (!r->slot[i].rq)
			continue;
		len += snprintf(out->msg + len, sizeof(out->msg) - (size_t)len,
				"%s %s %s", n++ ? "," : " (waiting for",
				r->slot[i].step == AUTODISCOVER_STEP_POST ?
					"POST" :
					"GET",
				r->slot[i].url);
	}
	if (n && len > 0 && (size_t)len + 2 < sizeof(out->msg))
		snprintf(out->msg + len, sizeof(out->msg) - (size_t)len, ")");
}

static void result_of(struct run *r, struct autodiscover_result *out)
{
	const char *msg;

	out->state = autodiscover_session_state(r->s);
	if (out->state == 1) {
		out->resp = *autodiscover_session_response(r->s);
		out->tls = r->tls;
		snprintf(out->url, sizeof(out->url), "%s",
			 autodiscover_session_url(r->s));
	} else if (out->state == -1) {
		out->fail = autodiscover_session_failure(r->s, &msg);
		snprintf(out->msg, sizeof(out->msg), "%s", msg);
	}
}

static void drive(struct run *r, struct autodiscover_result *out,
		  struct rpe_error *err)
{
	int64_t left;

	for (;;) {
		start_requests(r, err);
		if (autodiscover_session_state(r->s) != 0)
			break;
		if (autodiscover_session_pending(r->s) == 0) {
			out->state = -1;
			out->fail = AUTODISCOVER_FAIL_CONNECT;
			snprintf(out->msg, sizeof(out->msg),
				 "Autodiscover for %s: nothing left to try",
				 r->p->email);
			return;
		}
		left = r->p->deadline_ms - loop_now_ms();
		if (left <= 0) {
			timed_out(r, out);
			return;
		}
		if (loop_run(r->loop, left > 1000 ? 1000 : (int)left, err) < 0) {
			out->state = -1;
			out->fail = AUTODISCOVER_FAIL_CONNECT;
			snprintf(out->msg, sizeof(out->msg), "%s", err->msg);
			return;
		}
		collect(r);
	}
	result_of(r, out);
}

int autodiscover_run(struct loop *loop, const struct autodiscover_params *p,
		     struct autodiscover_result *out, struct rpe_error *err)
{
	struct run *r = calloc(1, sizeof(*r));
	double t0 = loop_now_s();
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!r)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	r->loop = loop;
	r->p = p;
	r->s = autodiscover_session_new(p->email, p->pinned_url, err);
	if (r->s && p->mapi_http)
		autodiscover_session_want_mapi(r->s);
	if (!r->s) {
		free(r);
		return err->code;
	}
	drive(r, out, err);
	for (i = 0; i < RUN_SLOTS; i++)
		http_request_close(r->slot[i].rq);
	out->seconds = loop_now_s() - t0;
	out->requests = autodiscover_session_requests(r->s);
	out->trail = strdup(autodiscover_session_trail(r->s));
	autodiscover_session_free(r->s);
	free(r);
	return 0;
}

void autodiscover_result_free(struct autodiscover_result *r)
{
	if (r) {
		free(r->trail);
		r->trail = NULL;
	}
}
