/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A MAPI over HTTP logon probe; see mapi_probe.h and docs/architecture.md
 * ("MAPI over HTTP").  The session (what to send, what answers mean) is
 * lib/mapihttp's; this file moves it over one-shot requests and turns the
 * answers into the probe's outcomes. */
#define _POSIX_C_SOURCE 200809L
#include "mapi_probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "emsmdb.h"
#include "mapihttp.h"
#include "transport_request.h"

/* Error pages and MAPI answers are small; a Connect response is well
 * below this. */
#define MAPI_BODY_MAX (256u * 1024u)

struct mapi_probe {
	struct loop *loop;
	const struct probe_target *t;
	struct probe_result *r;
	struct mapi_probe_cb cb;
	struct http_params http; /* this probe's: https, or plain http */
	int plain;
	char url[2300];
	char name[24];
	struct mapihttp_session s;
	struct mapihttp_request req;
	int have_req;
	struct http_request *rq;      /* the request under way */
	struct http_request *done_rq; /* finished, closed by step */
	int want_disconnect;          /* Connect logged on: Disconnect next */
	int have_session;
	int finished;
	int final_seen; /* a final (non-401) status arrived */
	int timed;      /* connection timings taken */
};

static void mtrace(struct mapi_probe *m, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mtrace(struct mapi_probe *m, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!m->cb.trace || level > m->cb.trace_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	m->cb.trace(m->cb.ctx, level, line);
}

static void facts(struct mapi_probe *m, const struct http_request *rq)
{
	struct probe_result *r = m->r;
	const struct tls_seen *tls = http_request_tls(rq);
	const char *offered = http_request_auth_offered(rq);

	if (tls->have_cert || tls->version[0])
		r->tls = *tls;
	if (offered[0] && !r->auth_offered[0])
		snprintf(r->auth_offered, sizeof(r->auth_offered), "%s", offered);
}

static void finish(struct mapi_probe *m, enum probe_outcome o, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static void finish(struct mapi_probe *m, enum probe_outcome o, const char *fmt,
		   ...)
{
	char msg[sizeof(m->r->message)];
	va_list ap;

	if (m->finished)
		return;
	m->finished = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->cb.finish(m->cb.ctx, o, msg);
}

/* Requests ------------------------------------------------------------------- */

static void on_done(void *ctx, struct http_request *rq, enum loop_result res,
		    long status, const char *msg);
static void on_header(void *ctx, struct http_request *rq, const char *line,
		      size_t len);

/* The request in m->req: on a new request, or with `again` on that
 * finished one's connection (the Connect's, authenticated: the
 * Disconnect needs no new TCP, TLS or NTLM handshake). */
static int send_request(struct mapi_probe *m, struct http_request *again,
			struct rpe_error *err)
{
	struct http_request_cb cb = { m, on_done };
	struct http_request_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.method = "POST";
	spec.url = m->url;
	spec.name = m->name;
	spec.body = m->req.body.data;
	spec.len = m->req.body.len;
	spec.headers = m->req.headers_ptr;
	spec.max_body = MAPI_BODY_MAX;
	spec.on_header = on_header;
	m->final_seen = 0;
	if (again) {
		TRY(http_request_again(again, &spec, err));
		m->rq = again;
	} else {
		m->rq = http_request_open(m->loop, &m->http, &spec, &cb, err);
		if (!m->rq)
			return err->code ? err->code : RPE_ERR_NOMEM;
	}
	mtrace(m, 2, "%s: %s request (%zu bytes)", m->name, m->req.type,
	       m->req.body.len);
	return 0;
}

static void on_header(void *ctx, struct http_request *rq, const char *line,
		      size_t len)
{
	struct mapi_probe *m = ctx;
	struct probe_result *r = m->r;
	struct http_timings tm;

	mapihttp_header(&m->s, line, len);
	if (len < 12 || memcmp(line, "HTTP/", 5) != 0)
		return;
	if (!m->timed && http_request_timings(rq, &tm) == 0 && tm.connect_us > 0) {
		m->timed = 1;
		r->resolve_time = (double)tm.resolve_us / 1e6;
		r->tcp_time = (double)tm.connect_us / 1e6;
		if (tm.tls_us > 0)
			r->tls_time = (double)tm.tls_us / 1e6;
	}
	/* "HTTP/1.1 401 ...": the status is the three digits after the
	 * first space. */
	{
		const char *sp = memchr(line, ' ', len);
		long st = sp && (size_t)(sp - line) + 4 <= len ?
				  strtol(sp + 1, NULL, 10) :
				  0;
		if (st >= 200 && st < 300 && !m->final_seen && !m->have_session) {
			m->final_seen = 1;
			/* TLS and HTTP authentication are over: the store
			 * works on the logon now (PROCESSING, PENDING ...). */
			m->cb.phase(m->cb.ctx, PHASE_LOGON);
		}
	}
}

/* Answers -------------------------------------------------------------------- */

static int body_says_ssl_required(const struct http_request *rq)
{
	size_t n, i;
	const uint8_t *b = http_request_body(rq, &n);
	static const char *const marks[] = { "403.4", "SSL required",
					     "requires SSL", "secure channel" };
	size_t k;

	for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		size_t w = strlen(marks[k]);
		for (i = 0; i + w <= n; i++)
			if (strncasecmp((const char *)b + i, marks[k], w) == 0)
				return 1;
	}
	return 0;
}

/* The plain door before any MAPI answer: refused, closed, redirected to
 * https, or answered (401).  Returns 1 when that decided the probe. */
static int plain_door(struct mapi_probe *m, const struct http_request *rq,
		      enum loop_result res, long status, const char *msg)
{
	const char *loc = http_request_location(rq);
	const char *offered = m->r->auth_offered;
	long port = m->http.port;

	switch (res) {
	case LOOP_RES_CONNECT_FAILED:
	case LOOP_RES_RECV_FAILED:
	case LOOP_RES_SEND_FAILED:
		finish(m, OUTCOME_TLS_REQUIRED,
		       "plain http on port %ld refused: %s", port, msg);
		return 1;
	default: break;
	}
	if (status >= 300 && status < 400) {
		if (loc && strncasecmp(loc, "https://", 8) == 0)
			finish(m, OUTCOME_TLS_REQUIRED,
			       "plain http redirected to https (HTTP %ld to %.200s)",
			       status, loc);
		else
			finish(m, OUTCOME_PROXY_REFUSED,
			       "plain http redirected elsewhere (HTTP %ld to %.200s)",
			       status, loc ? loc : "nowhere");
		return 1;
	}
	if (status == 403 && body_says_ssl_required(rq)) {
		finish(m, OUTCOME_TLS_REQUIRED,
		       "plain http refused with HTTP 403.4 (SSL required)");
		return 1;
	}
	if (status == 404 && !m->s.have_rc) {
		finish(m, OUTCOME_TLS_REQUIRED,
		       "no MAPI endpoint on plain http (HTTP 404 on %s)",
		       MAPIHTTP_EMSMDB_PATH);
		return 1;
	}
	if (status == 401 || (res == LOOP_RES_AUTH_FAILED && offered[0])) {
		int basic = strstr(offered, "Basic") != NULL;
		finish(m, OUTCOME_ANSWERED_IN_CLEAR,
		       "HTTP 401 on port %ld offering %s%s%s", port,
		       offered[0] ? offered : "no scheme",
		       basic ? " (Basic: passwords would cross in clear)" : "",
		       res == LOOP_RES_AUTH_FAILED && strstr(msg, "credentials") &&
				       !strstr(msg, "no credentials") ?
			       "; NTLM credentials were refused" :
			       "");
		return 1;
	}
	return 0;
}

/* The https door before any MAPI answer: TLS, authentication, 404. */
static int tls_door(struct mapi_probe *m, enum loop_result res, long status,
		    const char *msg)
{
	if (res == LOOP_RES_TLS_FAILED || res == LOOP_RES_TLS_VERIFY) {
		finish(m, OUTCOME_TLS_FAILED, "%s", msg);
		return 1;
	}
	if (res == LOOP_RES_AUTH_FAILED || status == 401 || status == 403) {
		finish(m, OUTCOME_AUTH_FAILED, "%s%s%s%s", msg,
		       m->r->auth_offered[0] ? " (the server offers " : "",
		       m->r->auth_offered, m->r->auth_offered[0] ? ")" : "");
		return 1;
	}
	if (status == 404 && !m->s.have_rc) {
		finish(m, OUTCOME_PROXY_REFUSED,
		       "HTTP 404 on %s: MAPI over HTTP not offered",
		       MAPIHTTP_EMSMDB_PATH);
		return 1;
	}
	return 0;
}

static void connected(struct mapi_probe *m, const struct mapihttp_event *ev)
{
	struct probe_result *r = m->r;

	m->have_session = 1;
	r->ec = 0;
	snprintf(r->ec_name, sizeof(r->ec_name), "ecNone");
	snprintf(r->display_name, sizeof(r->display_name), "%.*s",
		 (int)sizeof(r->display_name) - 1, ev->connect.display_name);
	mtrace(m, 2,
	       "%s: Connect: logged on (%u PENDING, X-ElapsedTime %ld ms, cookies%s%s)",
	       m->name, ev->meta.pending, ev->meta.elapsed_ms,
	       mapihttp_cookie(&m->s, "MapiContext") ? " MapiContext" : "",
	       mapihttp_cookie(&m->s, "MapiSequence") ? " MapiSequence" : "");
	m->cb.phase(m->cb.ctx, PHASE_DISCONNECT);
	m->want_disconnect = 1;
	loop_wake(m->loop);
}

static void mapi_answer(struct mapi_probe *m, const struct mapihttp_event *ev)
{
	struct probe_result *r = m->r;
	const char *meaning;

	switch (ev->kind) {
	case MAPIHTTP_EV_CONNECTED: connected(m, ev); return;
	case MAPIHTTP_EV_REFUSED:
		r->ec = ev->error_code;
		snprintf(r->ec_name, sizeof(r->ec_name), "%s",
			 emsmdb_ec_name(ev->error_code));
		if (m->plain)
			finish(m, OUTCOME_ANSWERED_IN_CLEAR,
			       "the store refused the Connect (%s 0x%x) after HTTP authentication in clear",
			       r->ec_name, (unsigned)r->ec);
		else
			finish(m, OUTCOME_LOGON_REFUSED,
			       "store refused the logon: %s (0x%x)", r->ec_name,
			       (unsigned)r->ec);
		return;
	case MAPIHTTP_EV_RESPONSE_CODE:
		r->have_mapi_rc = 1;
		r->mapi_rc = ev->rc;
		meaning = mapihttp_rc_meaning(ev->rc);
		finish(m,
		       m->plain ? OUTCOME_ANSWERED_IN_CLEAR :
				  OUTCOME_PROXY_REFUSED,
		       "%s%s%s", ev->msg, meaning ? ": " : "",
		       meaning ? meaning : "");
		return;
	case MAPIHTTP_EV_HTTP_STATUS:
		finish(m, OUTCOME_PROXY_REFUSED, "%s from %s", ev->msg,
		       MAPIHTTP_EMSMDB_PATH);
		return;
	default: finish(m, OUTCOME_PROTOCOL_ERROR, "%s", ev->msg); return;
	}
}

static void disconnected(struct mapi_probe *m, enum loop_result res,
			 const char *msg)
{
	struct mapihttp_event ev;
	size_t n;
	const uint8_t *b;

	if (res != LOOP_RES_EOF && res != LOOP_RES_HTTP_STATUS) {
		finish(m, OUTCOME_LOGON_OK,
		       "logged on (ecNone); the Disconnect failed: %s", msg);
		return;
	}
	b = http_request_body(m->rq, &n);
	mapihttp_response(&m->s, m->r->http_status, b, n, &ev);
	m->cb.phase(m->cb.ctx, PHASE_DONE);
	if (ev.kind == MAPIHTTP_EV_DISCONNECTED)
		finish(m, OUTCOME_LOGON_OK,
		       "logged on (ecNone), session closed (Disconnect %s)",
		       emsmdb_ec_name(ev.error_code));
	else
		finish(m, OUTCOME_LOGON_OK,
		       "logged on (ecNone); the Disconnect was answered with %s",
		       ev.msg);
}

static void on_done(void *ctx, struct http_request *rq, enum loop_result res,
		    long status, const char *msg)
{
	struct mapi_probe *m = ctx;
	struct mapihttp_event ev;
	const uint8_t *b;
	size_t n;

	if (status)
		m->r->http_status = status;
	facts(m, rq);
	m->done_rq = rq;
	m->rq = rq; /* still ours until step closes it */
	loop_wake(m->loop);
	if (m->finished)
		return;
	if (m->have_session) {
		disconnected(m, res, msg);
		return;
	}
	if (m->plain ? plain_door(m, rq, res, status, msg) :
		       tls_door(m, res, status, msg))
		return;
	if (res != LOOP_RES_EOF && res != LOOP_RES_HTTP_STATUS) {
		finish(m,
		       res == LOOP_RES_AUTH_FAILED ? OUTCOME_AUTH_FAILED :
						     OUTCOME_CONNECT_FAILED,
		       "%s", msg);
		return;
	}
	b = http_request_body(rq, &n);
	mapihttp_response(&m->s, status, b, n, &ev);
	mapi_answer(m, &ev);
}

/* Driving --------------------------------------------------------------------- */

void mapi_probe_step(struct mapi_probe *m)
{
	struct rpe_error err = { 0, "" };
	struct http_request *done;

	if (!m || !m->done_rq)
		return;
	done = m->done_rq;
	m->done_rq = NULL;
	m->rq = NULL;
	if (m->have_req)
		mapihttp_request_free(&m->req);
	m->have_req = 0;
	if (!m->want_disconnect || m->finished) {
		http_request_close(done);
		return;
	}
	m->want_disconnect = 0;
	if (mapihttp_disconnect_request(&m->s, &m->req, &err) < 0) {
		http_request_close(done);
		finish(m, OUTCOME_LOGON_OK,
		       "logged on (ecNone); cannot send the Disconnect: %s",
		       err.msg);
		return;
	}
	m->have_req = 1;
	/* The Disconnect goes on the Connect's connection (MS-OXCMAPIHTTP
	 * clients keep it alive; NTLM authenticated it), else on a new
	 * request. */
	if (send_request(m, done, &err) == 0)
		return;
	mtrace(m, 2, "%s: the Connect's connection cannot be reused: %s",
	       m->name, err.msg);
	http_request_close(done);
	err.code = 0;
	err.msg[0] = '\0';
	if (send_request(m, NULL, &err) < 0)
		finish(m, OUTCOME_LOGON_OK,
		       "logged on (ecNone); cannot send the Disconnect: %s",
		       err.msg);
}

int mapi_probe_expire(struct mapi_probe *m, enum probe_outcome *o, char *msg,
		      size_t n)
{
	struct http_timings tm = { 0, 0, 0, 0, 0 };

	if (!m)
		return 0;
	if (m->have_session) {
		*o = OUTCOME_LOGON_OK;
		snprintf(msg, n,
			 "logged on (ecNone); no answer to the Disconnect before the deadline");
		return 1;
	}
	if (m->plain && m->rq && !m->timed &&
	    (http_request_timings(m->rq, &tm) < 0 || tm.connect_us <= 0)) {
		/* Nothing answered on the plain port: packets dropped (a
		 * filtering firewall) look like this from outside. */
		*o = OUTCOME_TLS_REQUIRED;
		snprintf(msg, n,
			 "plain http on port %ld: no TCP connection before the deadline (filtered)",
			 m->http.port);
		return 1;
	}
	return 0;
}

/* The plain probe's HTTP authentication: never Basic over http (the
 * password would cross in clear); NTLM (its challenge-response carries
 * no password) or Negotiate (Kerberos), else stop at the 401. */
static void plain_params(struct mapi_probe *m, const struct probe_target *t)
{
	m->http.tls = 0;
	m->http.port = t->plain_port ? t->plain_port : 80;
	if (m->http.auth == HTTP_AUTH_ANY)
		m->http.auth = HTTP_AUTH_NTLM;
	else if (m->http.auth == HTTP_AUTH_BASIC)
		m->http.user = NULL;
}

static int client_id(char *out, size_t n, struct rpe_error *err)
{
	uint8_t g[16];

	TRY(crypto_random(g, sizeof(g), err));
	g[6] = (uint8_t)((g[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);
	snprintf(out, n,
		 "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
	return 0;
}

static int build_url(struct mapi_probe *m, const struct probe_target *t,
		     struct rpe_error *err)
{
	char hp[600];
	int w;

	if (loop_hostport(hp, sizeof(hp), m->http.host, m->http.port) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "host name too long");
	w = snprintf(m->url, sizeof(m->url), "%s://%s%s",
		     m->http.tls ? "https" : "http", hp, t->mapi_path);
	if (w < 0 || (size_t)w >= sizeof(m->url))
		return rpe_fail(err, RPE_ERR_ARG, "MAPI over HTTP URL too long");
	return 0;
}

struct mapi_probe *mapi_probe_open(struct loop *loop,
				   const struct probe_target *t,
				   struct probe_result *r,
				   const struct mapi_probe_cb *cb,
				   struct rpe_error *err)
{
	struct mapi_probe *m = calloc(1, sizeof(*m));
	char id[40];

	if (!m) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	m->loop = loop;
	m->t = t;
	m->r = r;
	m->cb = *cb;
	m->http = t->http;
	m->plain = r->level != PROBE_LEVEL_PRIVACY;
	if (m->plain)
		plain_params(m, t);
	snprintf(m->name, sizeof(m->name), "MAPI %s",
		 m->plain ? "plain" : "https");
	if (!t->mapi_path || client_id(id, sizeof(id), err) < 0 ||
	    build_url(m, t, err) < 0) {
		if (!t->mapi_path)
			rpe_fail(err, RPE_ERR_ARG, "no MAPI over HTTP path");
		free(m);
		return NULL;
	}
	mapihttp_init(&m->s, id);
	if (mapihttp_connect_request(&m->s, t->mailbox_dn, &m->req, err) < 0) {
		free(m);
		return NULL;
	}
	m->have_req = 1;
	if (send_request(m, NULL, err) < 0) {
		mapi_probe_close(m);
		return NULL;
	}
	return m;
}

void mapi_probe_close(struct mapi_probe *m)
{
	if (!m)
		return;
	http_request_close(m->rq);
	if (m->have_req)
		mapihttp_request_free(&m->req);
	free(m);
}
