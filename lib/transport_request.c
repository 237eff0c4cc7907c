/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One-shot HTTP requests on the event loop; see transport_request.h. */
#define _POSIX_C_SOURCE 200809L
#include "transport_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "http_head.h"
#include "loop_source.h"
#include "tlsinfo.h"
#include "transport_ntlm.h"

struct http_request {
	struct loop_source src; /* first: the loop hands this back */
	struct http_request_cb cb;
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	char name[32];
	uint8_t *post;
	struct buf body;
	size_t max_body;
	int too_big;
	int finished;
	char location[2048];
	/* HTTP NTLM of our own (transport_ntlm), as on the RPC channels:
	 * NULL with libcurl's Basic or Negotiate. */
	struct tr_ntlm *ntlm;
	const char *user, *password;
	size_t post_len;
	char auth_msg[320];
	struct tls_seen tls;   /* what its TLS handshake showed */
	int unbound;           /* NTLM without channel binding */
	struct http_head head; /* the response's header block */
	char keep_name[48];    /* spec->keep_header */
	char keep_value[64];
	char auth_offered[96]; /* WWW-Authenticate schemes */
	/* Later requests on the same connection (http_request_again): our
	 * NTLM's parameters for a new handshake (np.host is spn_host), and
	 * what the last response said about the connection. */
	struct http_ntlm_params np;
	char *spn_host;
	int authed;     /* our NTLM authenticated the connection */
	int conn_close; /* the last response said "Connection: close" */
	int bare;       /* sent without Authorization on that connection */
	long port;      /* local port the last response came on */
	long prev_port; /* and the one before http_request_again */
	void (*on_header)(void *ctx, struct http_request *rq, const char *line,
			  size_t len);
};

static size_t on_write(char *p, size_t size, size_t n, void *userp)
{
	struct http_request *rq = userp;
	size_t len = size * n;

	/* Bodies of 401s during authentication are dropped by libcurl's
	 * restart; only the final response's body stays. */
	if (rq->body.len + len > rq->max_body) {
		rq->too_big = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	return buf_put_bytes(&rq->body, p, len) == 0 ? len : CURL_WRITEFUNC_ERROR;
}

/* The TLS session of the connection the response came on (version,
 * cipher, binding; a resumed session's certificate), read while the SSL *
 * of the running transfer is valid. */
static void note_tls(struct http_request *rq)
{
	struct curl_tlssessioninfo *ti = NULL;

	if (curl_easy_getinfo(rq->src.easy, CURLINFO_TLS_SSL_PTR, &ti) ==
		    CURLE_OK &&
	    ti && ti->backend == CURLSSLBACKEND_OPENSSL && ti->internals)
		tlsinfo_from_ssl(ti->internals, &rq->tls);
}

/* The connection's channel binding (lib/tlsinfo) for the NTLM
 * AUTHENTICATE. */
static void ntlm_binding(struct http_request *rq)
{
	note_tls(rq);
	if (rq->tls.have_cbt && !rq->unbound)
		tr_ntlm_set_binding(rq->ntlm, rq->tls.cbt);
}

/* A new response (after a 401 of the authentication): forget the previous
 * body.  Status lines carry no credentials. */
static void on_status_line(struct http_request *rq, const char *p, size_t len)
{
	buf_reset(&rq->body);
	rq->conn_close = 0;
	curl_easy_getinfo(rq->src.easy, CURLINFO_LOCAL_PORT, &rq->port);
	loop_trace(rq->src.loop, 2, "%s: %.*s", rq->name,
		   (int)(len > 2 ? len - 2 : len), p);
	if (rq->ntlm && tr_ntlm_running(rq->ntlm))
		ntlm_binding(rq);
	else
		note_tls(rq);
}

/* Each header line as libcurl hands it, read by lib/http_head (the
 * transports' one reader of header lines, fuzz_http_head). */
static size_t on_header(char *p, size_t size, size_t n, void *userp)
{
	struct http_request *rq = userp;
	size_t len = size * n, value = 0;
	char conn[16];

	if (rq->ntlm && tr_ntlm_running(rq->ntlm))
		tr_ntlm_on_header(rq->ntlm, rq->src.easy, p, len);
	switch (http_head_line(&rq->head, p, len, &value)) {
	case HTTP_HEAD_STATUS: on_status_line(rq, p, len); break;
	case HTTP_HEAD_CHALLENGE:
		/* Schemes only: a token is not kept (RFC 7235 4.1). */
		(void)http_auth_schemes_add(rq->auth_offered,
					    sizeof(rq->auth_offered),
					    (const uint8_t *)p + value,
					    len - value);
		break;
	case HTTP_HEAD_END: break;
	case HTTP_HEAD_FIELD:
		/* The server closes the connection after this response: a
		 * later request needs a new one (and a new handshake). */
		if (http_head_value(p, len, "Connection", conn, sizeof(conn)))
			rq->conn_close = strncasecmp(conn, "close", 5) == 0;
		else if (rq->keep_name[0])
			(void)http_head_value(p, len, rq->keep_name,
					      rq->keep_value,
					      sizeof(rq->keep_value));
		break;
	}
	if (rq->on_header)
		rq->on_header(rq->cb.ctx, rq, p, len);
	return len;
}

/* The POST body, or none on an NTLM NEGOTIATE leg. */
static CURLcode set_body(struct http_request *rq, int negotiate_leg)
{
	CURL *e = rq->src.easy;
	CURLcode rc;

	if (!rq->post)
		return CURLE_OK;
	rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS,
			      negotiate_leg ? "" : (char *)rq->post);
	return rc ? rc :
		    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				     (curl_off_t)(negotiate_leg ? 0 :
								  rq->post_len));
}

/* Leg one of our HTTP NTLM: the Authorization node, no body. */
static int ntlm_setup(struct http_request *rq,
		      const struct http_ntlm_params *np, struct rpe_error *err)
{
	rq->ntlm = tr_ntlm_new(np, err);
	if (rq->ntlm && rq->unbound)
		tr_ntlm_set_unbound(rq->ntlm);
	if (!rq->ntlm || tr_ntlm_attach(rq->ntlm, rq->src.easy, err) < 0 ||
	    tr_ntlm_begin(rq->ntlm, err) < 0 ||
	    tr_ntlm_prepare(rq->ntlm, rq->src.easy, TR_NTLM_AGAIN_NEGOTIATE,
			    rq->headers, NULL, NULL) < 0 ||
	    set_body(rq, 1) != CURLE_OK)
		return err && err->code ? err->code : RPE_ERR_NOMEM;
	return 0;
}

/* A new NTLM handshake on the request's pool: leg one, no body. */
static int ntlm_restart(struct http_request *rq, struct rpe_error *err)
{
	TRY(tr_ntlm_rearm(rq->ntlm, &rq->np, err));
	if (rq->unbound)
		tr_ntlm_set_unbound(rq->ntlm);
	TRY(tr_ntlm_begin(rq->ntlm, err));
	buf_reset(&rq->body);
	if (tr_ntlm_prepare(rq->ntlm, rq->src.easy, TR_NTLM_AGAIN_NEGOTIATE,
			    rq->headers, NULL, NULL) < 0 ||
	    set_body(rq, 1) != CURLE_OK)
		return rpe_fail(err, RPE_ERR_STATE,
				"libcurl refused the NTLM NEGOTIATE request");
	return 0;
}

/* HTTP authentication: our NTLM for ANY and NTLM (libcurl gets no
 * credentials then), libcurl's otherwise; TLS, proxy and routing. */
static int setup_auth(struct http_request *rq, const struct http_params *p,
		      const char *url, struct rpe_error *err)
{
	struct http_params q = *p;
	struct http_ntlm_params np = {
		p->ntlm_user ? p->ntlm_user : p->user,
		p->ntlm_domain ? p->ntlm_domain : "",
		p->password ? p->password : "",
		p->host,
		p->auth == HTTP_AUTH_ANY && !rq->unbound,
		0,
		"the server",
	};
	CURLU *u = NULL;
	char *host = NULL;
	int rc;

	if (p->user && (p->auth == HTTP_AUTH_ANY || p->auth == HTTP_AUTH_NTLM)) {
		/* The SPN names the URL's host (HTTP/<host>, MS-NLMP
		 * 2.2.2.1 MsvAvTargetName). */
		if ((u = curl_url()) &&
		    curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
			np.host = host;
		rq->user = p->user; /* Basic, if the server offers no NTLM */
		rq->password = np.password;
		rq->spn_host = strdup(np.host ? np.host : "");
		rq->np = np;
		rq->np.host = rq->spn_host;
		rc = rq->spn_host ?
			     ntlm_setup(rq, &np, err) :
			     rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		curl_free(host);
		curl_url_cleanup(u);
		TRY(rc);
		q.user = NULL;
	}
	return http_setup_connection(&rq->src, &rq->connect_to, &q, err);
}

/* The spec's own request headers, in place of any earlier ones. */
static int spec_headers(struct http_request *rq,
			const struct http_request_spec *spec,
			struct rpe_error *err)
{
	size_t i;

	curl_slist_free_all(rq->headers);
	rq->headers = NULL;
	for (i = 0; spec->headers && spec->headers[i]; i++) {
		struct curl_slist *l =
			curl_slist_append(rq->headers, spec->headers[i]);
		if (!l)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		rq->headers = l;
	}
	return 0;
}

/* The method and its body (a copy: the request may run again). */
static int spec_body(struct http_request *rq,
		     const struct http_request_spec *spec, struct rpe_error *err)
{
	CURL *e = rq->src.easy;
	int custom = strcmp(spec->method, "POST") != 0 &&
		     strcmp(spec->method, "GET") != 0;

	free(rq->post);
	rq->post = NULL;
	rq->post_len = 0;
	TRY(LOOP_SETOPT(e, CURLOPT_CUSTOMREQUEST, custom ? spec->method : NULL,
			err));
	if (strcmp(spec->method, "GET") == 0)
		return LOOP_SETOPT(e, CURLOPT_HTTPGET, 1L, err);
	rq->post = malloc(spec->len ? spec->len : 1);
	if (!rq->post)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	if (spec->len)
		memcpy(rq->post, spec->body, spec->len);
	rq->post_len = spec->len;
	TRY(LOOP_SETOPT(e, CURLOPT_POSTFIELDS, rq->post, err));
	return LOOP_SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE,
			   (curl_off_t)spec->len, err);
}

static int setup(struct http_request *rq, const struct http_params *p,
		 const struct http_request_spec *spec, struct rpe_error *err)
{
	CURL *e = rq->src.easy;
	size_t i;

	TRY(spec_headers(rq, spec, err));
	TRY(LOOP_SETOPT(e, CURLOPT_URL, spec->url, err));
	/* NTLM is connection-based: HTTP/2 cannot carry it (IIS answers
	 * HTTP_1_1_REQUIRED); the RPC proxy channels use 1.1 too. */
	TRY(LOOP_SETOPT(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1,
			err));
	TRY(LOOP_SETOPT(e, CURLOPT_PROTOCOLS_STR, p->tls ? "https" : "http", err));
	TRY(LOOP_SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L, err));
	TRY(LOOP_SETOPT(e, CURLOPT_HTTPHEADER, rq->headers, err));
	TRY(LOOP_SETOPT(e, CURLOPT_USERAGENT, "check_rpc_encryption", err));
	TRY(LOOP_SETOPT(e, CURLOPT_WRITEFUNCTION, on_write, err));
	TRY(LOOP_SETOPT(e, CURLOPT_WRITEDATA, rq, err));
	TRY(LOOP_SETOPT(e, CURLOPT_HEADERFUNCTION, on_header, err));
	TRY(LOOP_SETOPT(e, CURLOPT_HEADERDATA, rq, err));
	TRY(spec_body(rq, spec, err));
	TRY(setup_auth(rq, p, spec->url, err));
	for (i = 0; spec->connect_to && spec->connect_to[i]; i++) {
		struct curl_slist *l =
			curl_slist_append(rq->connect_to, spec->connect_to[i]);
		if (!l)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		rq->connect_to = l;
	}
	if (rq->connect_to)
		TRY(LOOP_SETOPT(e, CURLOPT_CONNECT_TO, rq->connect_to, err));
	return 0;
}

static const struct loop_source_ops request_ops;

struct http_request *http_request_open(struct loop *loop,
				       const struct http_params *p,
				       const struct http_request_spec *spec,
				       const struct http_request_cb *cb,
				       struct rpe_error *err)
{
	struct http_request *rq = calloc(1, sizeof(*rq));

	if (!rq) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	rq->cb = *cb;
	rq->on_header = spec->on_header;
	rq->max_body = spec->max_body;
	rq->unbound = spec->ntlm_unbound;
	snprintf(rq->keep_name, sizeof(rq->keep_name), "%s",
		 spec->keep_header ? spec->keep_header : "");
	buf_init(&rq->body, spec->max_body + 1);
	snprintf(rq->name, sizeof(rq->name), "%s",
		 spec->name ? spec->name : "HTTP");
	rq->src.tls = &rq->tls;
	if (!loop_easy_new(loop, &rq->src, &request_ops, rq->name, rq->errbuf,
			   err) ||
	    setup(rq, p, spec, err) < 0 || loop_add(&rq->src, err) < 0) {
		http_request_close(rq);
		return NULL;
	}
	loop_trace(loop, 2, "%s: %s %s", rq->name, spec->method, spec->url);
	return rq;
}

void http_request_close(struct http_request *rq)
{
	if (!rq)
		return;
	if (rq->src.loop)
		loop_remove(&rq->src);
	tr_ntlm_free(rq->ntlm); /* after the handle: it owns the pool */
	free(rq->spn_host);
	curl_slist_free_all(rq->headers);
	curl_slist_free_all(rq->connect_to);
	buf_free(&rq->body);
	free(rq->post);
	free(rq);
}

int http_request_again(struct http_request *rq,
		       const struct http_request_spec *spec,
		       struct rpe_error *err)
{
	CURL *e = rq->src.easy;

	if (!e || !rq->finished)
		return rpe_fail(err, RPE_ERR_STATE,
				"the request has not finished yet");
	rq->finished = 0;
	rq->too_big = 0;
	rq->location[0] = '\0';
	rq->auth_msg[0] = '\0';
	rq->keep_value[0] = '\0';
	buf_reset(&rq->body);
	if (spec->max_body < rq->max_body)
		rq->max_body = spec->max_body; /* the buffer keeps its cap */
	rq->on_header = spec->on_header;
	snprintf(rq->keep_name, sizeof(rq->keep_name), "%s",
		 spec->keep_header ? spec->keep_header : "");
	snprintf(rq->name, sizeof(rq->name), "%s",
		 spec->name ? spec->name : "HTTP");
	rq->prev_port = rq->port;
	TRY(spec_headers(rq, spec, err));
	TRY(spec_body(rq, spec, err));
	TRY(LOOP_SETOPT(e, CURLOPT_URL, spec->url, err));
	if (rq->ntlm && rq->authed && rq->conn_close) {
		/* The server closed the authenticated connection: a new one,
		 * and the handshake on it. */
		loop_trace(rq->src.loop, 2,
			   "%s: the server closed the connection: NTLM again",
			   rq->name);
		rq->authed = 0;
		TRY(ntlm_restart(rq, err));
	} else {
		/* Our NTLM authenticated the connection (MS-NTHT 3): the
		 * request goes without Authorization, and a 401 starts the
		 * handshake again (ntlm_next).  Basic (libcurl's) sends its
		 * header again by itself. */
		rq->bare = rq->ntlm && rq->authed;
		TRY(LOOP_SETOPT(e, CURLOPT_HTTPHEADER, rq->headers, err));
	}
	TRY(loop_restart(&rq->src, err));
	loop_trace(rq->src.loop, 2, "%s: %s %s (again)", rq->name, spec->method,
		   spec->url);
	return 0;
}

const uint8_t *http_request_body(const struct http_request *rq, size_t *len)
{
	*len = rq->body.len;
	return rq->body.data;
}

const char *http_request_location(const struct http_request *rq)
{
	return rq->location[0] ? rq->location : NULL;
}

int http_request_finished(const struct http_request *rq)
{
	return rq->finished;
}

/* A transfer of an NTLM request ended: 1 when the next leg started. */
static int ntlm_next(struct http_request *rq, CURLcode rc)
{
	struct rpe_error err = { 0, "" };
	long st = 0;
	int action;

	if (rq->bare) {
		rq->bare = 0;
		curl_easy_getinfo(rq->src.easy, CURLINFO_RESPONSE_CODE, &st);
		if (rc != CURLE_OK || st != 401)
			return 0;
		/* The connection is not (or no longer) authenticated: a new
		 * connection, or a server that authenticates every request.
		 * The handshake again, where the 401 came. */
		rq->authed = 0;
		loop_trace(rq->src.loop, 2,
			   "%s: HTTP 401 without Authorization: NTLM again",
			   rq->name);
		if (ntlm_restart(rq, &err) < 0 ||
		    loop_restart(&rq->src, &err) < 0) {
			snprintf(rq->auth_msg, sizeof(rq->auth_msg), "%s",
				 err.msg);
			return 0;
		}
		return 1;
	}
	if (!rq->ntlm || !tr_ntlm_running(rq->ntlm))
		return 0;
	curl_easy_getinfo(rq->src.easy, CURLINFO_RESPONSE_CODE, &st);
	action = tr_ntlm_after(rq->ntlm, rc, st, &err);
	if (action < 0)
		snprintf(rq->auth_msg, sizeof(rq->auth_msg), "%s", err.msg);
	if (action <= TR_NTLM_FINISH)
		return 0;
	buf_reset(&rq->body);
	if (tr_ntlm_prepare(rq->ntlm, rq->src.easy, action, rq->headers,
			    rq->user, rq->password) < 0 ||
	    set_body(rq, action == TR_NTLM_AGAIN_NEGOTIATE) != CURLE_OK ||
	    loop_restart(&rq->src, &err) < 0) {
		snprintf(rq->auth_msg, sizeof(rq->auth_msg),
			 "libcurl refused to send the request again for HTTP authentication");
		return 0;
	}
	return 1;
}

static void src_done(struct loop_source *src, CURLcode rc)
{
	struct http_request *rq = (struct http_request *)src;
	enum loop_result res = loop_classify(rc);
	char *redirect = NULL;
	char msg[400];
	long st = 0;

	if (rq->finished || ntlm_next(rq, rc))
		return;
	rq->finished = 1;
	curl_easy_getinfo(src->easy, CURLINFO_RESPONSE_CODE, &st);
	if (rq->ntlm && rc == CURLE_OK && st != 401 &&
	    tr_ntlm_sent_credentials(rq->ntlm))
		rq->authed = 1;
	if (rq->prev_port)
		loop_trace(src->loop, 2, "%s: %s connection", rq->name,
			   rq->port == rq->prev_port ? "on the same" :
						       "on a new");
	if (curl_easy_getinfo(src->easy, CURLINFO_REDIRECT_URL, &redirect) ==
		    CURLE_OK &&
	    redirect)
		snprintf(rq->location, sizeof(rq->location), "%s", redirect);
	if (rq->auth_msg[0]) {
		res = LOOP_RES_AUTH_FAILED;
		snprintf(msg, sizeof(msg), "%s", rq->auth_msg);
	} else if (rc == CURLE_OK) {
		res = st >= 200 && st <= 299 ? LOOP_RES_EOF :
					       LOOP_RES_HTTP_STATUS;
		snprintf(msg, sizeof(msg), "HTTP %ld", st);
	} else if (loop_not_http(rc, rq->name, "an Autodiscover web server",
				 msg, sizeof(msg))) {
		/* the wording is the loop's, shared with the RPC channels */
	} else if (rq->too_big) {
		res = LOOP_RES_ABORTED;
		snprintf(msg, sizeof(msg), "answer larger than %zu bytes",
			 rq->max_body);
	} else {
		snprintf(msg, sizeof(msg), "%s: %s", loop_result_name(res),
			 rq->errbuf[0] ? rq->errbuf : curl_easy_strerror(rc));
	}
	loop_trace(src->loop, 2, "%s: done: %s", rq->name, msg);
	if (rq->cb.on_done)
		rq->cb.on_done(rq->cb.ctx, rq, res, st, msg);
}

static void src_destroy(struct loop_source *src)
{
	http_request_close((struct http_request *)src);
}

static const struct loop_source_ops request_ops = {
	.done = src_done,
	.destroy = src_destroy,
};

const char *http_request_header(const struct http_request *rq)
{
	return rq->keep_value;
}

const char *http_request_auth_offered(const struct http_request *rq)
{
	return rq->auth_offered;
}

int http_request_sent_credentials(const struct http_request *rq)
{
	return rq->ntlm && tr_ntlm_sent_credentials(rq->ntlm);
}

const struct tls_seen *http_request_tls(const struct http_request *rq)
{
	return &rq->tls;
}

int http_request_timings(const struct http_request *rq, struct http_timings *t)
{
	CURL *e = rq->src.easy;

	t->resolve_us = loop_info_us(e, CURLINFO_NAMELOOKUP_TIME_T);
	t->connect_us = loop_info_us(e, CURLINFO_CONNECT_TIME_T);
	t->tls_us = loop_info_us(e, CURLINFO_APPCONNECT_TIME_T);
	t->pretransfer_us = loop_info_us(e, CURLINFO_PRETRANSFER_TIME_T);
	t->starttransfer_us = loop_info_us(e, CURLINFO_STARTTRANSFER_TIME_T);
	return 0;
}
