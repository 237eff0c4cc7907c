/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over HTTP v2 channels on libcurl; see transport_http.h. */
#define _POSIX_C_SOURCE 200809L
#include "transport_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "loop_source.h"
#include "rpch_errors.h"

/* The IN channel replays what it sent when libcurl restarts the request for
 * HTTP authentication; the replay log is capped so a server that keeps the
 * channel unconfirmed cannot grow it without bound. */
#define IN_REPLAY_MAX (256u * 1024u)
#define IN_QUEUE_MAX (4u * 1024u * 1024u)
#define ERRBODY_MAX 256

struct http_chan {
	struct loop_source src; /* first: the loop hands this back */
	enum http_chan_kind kind;
	struct http_chan_cb cb;
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	char content_type[96];
	char reason[96];        /* the last status line's reason phrase */
	char errbody[ERRBODY_MAX + 1];
	size_t errbody_len;
	uint8_t *out_body;
	size_t out_len;
	struct http_upload up;  /* IN: the upload and its replay log */
	int paused;
	int running;
	long status;
	enum loop_result result;
	struct tls_seen tls;    /* TLS version, cipher, leaf certificate */
	char auth_offered[96];  /* WWW-Authenticate schemes: "NTLM, Basic" */
};

static const char *kind_name(enum http_chan_kind k)
{
	return k == HTTP_CHAN_IN ? "IN" : "OUT";
}

/* Upload queue and replay log ------------------------------------------------- */

void http_upload_init(struct http_upload *u)
{
	buf_init(&u->queue, IN_QUEUE_MAX);
	buf_init(&u->replay, IN_REPLAY_MAX);
	u->committed = 0;
}

void http_upload_free(struct http_upload *u)
{
	buf_free(&u->queue);
	buf_free(&u->replay);
}

int http_upload_push(struct http_upload *u, const uint8_t *p, size_t n)
{
	return buf_put_bytes(&u->queue, p, n);
}

int http_upload_take(struct http_upload *u, uint8_t *dst, size_t room,
		     size_t *took)
{
	size_t take = u->queue.len < room ? u->queue.len : room;

	*took = 0;
	if (take == 0)
		return 0;
	if (!u->committed)
		TRY(buf_put_bytes(&u->replay, u->queue.data, take));
	memcpy(dst, u->queue.data, take);
	buf_consume(&u->queue, take);
	*took = take;
	return 0;
}

int http_upload_rewind(struct http_upload *u)
{
	struct buf merged;

	if (u->committed)
		return RPE_ERR_STATE;
	if (u->replay.len == 0)
		return 0;
	buf_init(&merged, IN_QUEUE_MAX + IN_REPLAY_MAX);
	if (buf_put_bytes(&merged, u->replay.data, u->replay.len) < 0 ||
	    buf_put_bytes(&merged, u->queue.data, u->queue.len) < 0) {
		buf_free(&merged);
		return RPE_ERR_TOOBIG;
	}
	buf_free(&u->queue);
	buf_reset(&u->replay);
	u->queue = merged;
	return 0;
}

void http_upload_commit(struct http_upload *u)
{
	u->committed = 1;
	buf_free(&u->replay);
}

/* libcurl callbacks -------------------------------------------------------- */

/* The TLS session of the connection the response came on (a resumed
 * session ran no verification, so its certificate is read here too). */
static void note_tls(struct http_chan *ch)
{
	struct curl_tlssessioninfo *ti = NULL;

	if (ch->src.tls &&
	    curl_easy_getinfo(ch->src.easy, CURLINFO_TLS_SSL_PTR, &ti) ==
		    CURLE_OK && ti && ti->backend == CURLSSLBACKEND_OPENSSL)
		tlsinfo_from_ssl(ti->internals, &ch->tls);
}

static size_t on_header(char *p, size_t size, size_t n, void *userp)
{
	struct http_chan *ch = userp;
	size_t len = size * n;
	static const char ct[] = "content-type:";
	static const char wa[] = "www-authenticate:";

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		long st = 0;
		curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
		/* Status lines are safe to show; they carry no credentials. */
		size_t off, rn;
		note_tls(ch);
		loop_trace(ch->src.loop, 2, "%s channel: %.*s", kind_name(ch->kind),
		      (int)(len > 2 ? len - 2 : len), p);
		ch->content_type[0] = '\0';
		ch->reason[0] = '\0';
		/* The RPC proxy names its own errors there (MS-RPCH
		 * 2.1.2.1.3); only a prefix is kept. */
		if (rpch_status_reason(p, len, &off, &rn, NULL) == 0)
			snprintf(ch->reason, sizeof(ch->reason), "%.*s",
				 (int)(rn < sizeof(ch->reason) ? rn :
				       sizeof(ch->reason) - 1), p + off);
	} else if (len > sizeof(ct) - 1 &&
		   strncasecmp(p, ct, sizeof(ct) - 1) == 0) {
		size_t i = sizeof(ct) - 1, o = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < len && p[i] != '\r' && p[i] != '\n' &&
		       o + 1 < sizeof(ch->content_type))
			ch->content_type[o++] = p[i++];
		ch->content_type[o] = '\0';
	} else if (len > sizeof(wa) - 1 &&
		   strncasecmp(p, wa, sizeof(wa) - 1) == 0) {
		/* What the RPC proxy offers (RFC 7235 section 4.1); a value
		 * that is no challenge list is left out. */
		(void)http_auth_schemes_add(ch->auth_offered,
					    sizeof(ch->auth_offered),
					    (const uint8_t *)p + sizeof(wa) - 1,
					    len - (sizeof(wa) - 1));
	} else if (len <= 2 && ch->cb.on_status) {
		long st = 0;
		curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
		if (st >= 200 && !(st == 401 || st == 407)) {
			ch->status = st;
			ch->cb.on_status(ch->cb.ctx, ch, st);
		}
	}
	return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *userp)
{
	struct http_chan *ch = userp;
	size_t len = size * n;
	long st = 0;

	curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
	if (st < 200 || st > 299) {
		/* Keep the start of an error page for the message. */
		size_t room = ERRBODY_MAX - ch->errbody_len;
		size_t take = len < room ? len : room;
		memcpy(ch->errbody + ch->errbody_len, p, take);
		ch->errbody_len += take;
		ch->errbody[ch->errbody_len] = '\0';
		return len;
	}
	ch->status = st;
	if (ch->cb.on_data &&
	    ch->cb.on_data(ch->cb.ctx, ch, (const uint8_t *)p, len) < 0)
		return CURL_WRITEFUNC_ERROR;
	return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *userp)
{
	struct http_chan *ch = userp;
	size_t took;

	if (http_upload_take(&ch->up, (uint8_t *)dst, size * n, &took) < 0)
		return CURL_READFUNC_ABORT;
	if (took == 0) {
		ch->paused = 1;
		return CURL_READFUNC_PAUSE;
	}
	return took;
}

/* libcurl rewinds the upload when HTTP authentication restarts the request
 * (e.g. NTLM Type-3 after a 401): put the replay log back in front. */
static int on_seek(void *userp, curl_off_t offset, int origin)
{
	struct http_chan *ch = userp;
	size_t replay = ch->up.replay.len;
	int rc;

	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	rc = http_upload_rewind(&ch->up);
	if (rc == RPE_ERR_STATE)
		return CURL_SEEKFUNC_CANTSEEK;
	if (rc < 0)
		return CURL_SEEKFUNC_FAIL;
	if (replay)
		loop_trace(ch->src.loop, 2,
			   "IN channel: request restarted, replaying %zu bytes",
			   ch->up.queue.len);
	return CURL_SEEKFUNC_OK;
}

/* Channel setup -------------------------------------------------------------- */

static int add_header(struct http_chan *ch, const char *h)
{
	struct curl_slist *n = curl_slist_append(ch->headers, h);
	if (!n)
		return RPE_ERR_NOMEM;
	ch->headers = n;
	return 0;
}

static unsigned long curl_auth_mask(enum http_auth a)
{
	switch (a) {
	case HTTP_AUTH_BASIC: return CURLAUTH_BASIC;
	case HTTP_AUTH_NTLM: return CURLAUTH_NTLM;
	case HTTP_AUTH_NEGOTIATE: return CURLAUTH_NEGOTIATE;
	case HTTP_AUTH_ANY: break;
	}
	/* Basic or NTLM, NTLM preferred, the two schemes every RPC proxy
	 * offers; Negotiate needs a Kerberos ticket and is asked for
	 * explicitly. */
	return CURLAUTH_BASIC | CURLAUTH_NTLM;
}

#define SETOPT(opt, val)                                                       \
	do {                                                                   \
		if (LOOP_SETOPT(ch->src.easy, opt, val, err) < 0)              \
			goto fail;                                             \
	} while (0)

static int format_url(char *url, size_t n, const struct http_params *p)
{
	char hp[600];
	int r;

	if (loop_hostport(hp, sizeof(hp), p->host, p->port) < 0)
		return -1;
	r = snprintf(url, n, "%s://%s%s", p->tls ? "https" : "http", hp,
		     p->path);
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

static const struct loop_source_ops http_source_ops;

/* What every RPC/HTTP request carries (MS-RPCH 2.1.2.1). */
static int setup_request(struct http_chan *ch, const char *url,
			 const struct http_params *p, struct rpe_error *err)
{
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_CUSTOMREQUEST,
	       ch->kind == HTTP_CHAN_IN ? "RPC_IN_DATA" : "RPC_OUT_DATA");
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_USERAGENT, "MSRPC");
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, ch);
	SETOPT(CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(CURLOPT_WRITEDATA, ch);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_PROTOCOLS_STR, p->tls ? "https" : "http");
	if (add_header(ch, "Accept: application/rpc") < 0 ||
	    add_header(ch, "Content-Type: application/rpc") < 0 ||
	    add_header(ch, "Cache-Control: no-cache") < 0 ||
	    add_header(ch, "Pragma: No-cache") < 0 ||
	    add_header(ch, "Connection: Keep-Alive") < 0)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	SETOPT(CURLOPT_HTTPHEADER, ch->headers);
	return 0;
fail:
	return RPE_ERR_UNSUPPORTED;
}

/* OUT: the whole body (CONN/A1) now; IN: the announced length, streamed
 * from the upload queue (MS-RPCH 2.1.2.1.1). */
static int setup_body(struct http_chan *ch, const uint8_t *body, size_t len,
		      struct rpe_error *err)
{
	if (ch->kind == HTTP_CHAN_OUT) {
		ch->out_body = malloc(len ? len : 1);
		if (!ch->out_body)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		memcpy(ch->out_body, body, len);
		ch->out_len = len;
		SETOPT(CURLOPT_POSTFIELDS, ch->out_body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		return 0;
	}
	SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
	       (curl_off_t)HTTP_IN_CHANNEL_CONTENT_LENGTH);
	SETOPT(CURLOPT_READFUNCTION, on_read);
	SETOPT(CURLOPT_READDATA, ch);
	SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
	SETOPT(CURLOPT_SEEKDATA, ch);
	return 0;
fail:
	return RPE_ERR_UNSUPPORTED;
}

/* HTTP authentication, TLS, proxy and routing; shared with the one-shot
 * requests of transport_request.c so both get the same settings. */
int http_setup_connection(struct loop_source *src,
			  struct curl_slist **connect_to,
			  const struct http_params *p, struct rpe_error *err)
{
	CURL *e = src->easy;

	if (p->user &&
	    (LOOP_SETOPT(e, CURLOPT_USERNAME, p->user, err) < 0 ||
	     LOOP_SETOPT(e, CURLOPT_PASSWORD, p->password ? p->password : "",
			 err) < 0 ||
	     LOOP_SETOPT(e, CURLOPT_HTTPAUTH, curl_auth_mask(p->auth), err) < 0))
		return RPE_ERR_UNSUPPORTED;
	if (p->tls) {
		/* The owner's record of the handshake (src->tls), if any. */
		if (src->tls)
			TRY(loop_watch_tls(src, src->tls, err));
		TRY(LOOP_SETOPT(e, CURLOPT_SSL_VERIFYPEER, p->insecure ? 0L : 1L,
				err));
		TRY(LOOP_SETOPT(e, CURLOPT_SSL_VERIFYHOST, p->insecure ? 0L : 2L,
				err));
		if (!p->insecure)
			TRY(loop_use_ca(src->loop, e, p->ca_file, err));
		if (p->client_cert)
			TRY(LOOP_SETOPT(e, CURLOPT_SSLCERT, p->client_cert, err));
		if (p->client_key)
			TRY(LOOP_SETOPT(e, CURLOPT_SSLKEY, p->client_key, err));
	}
	/* Without --proxy, *_proxy variables are ignored. */
	TRY(LOOP_SETOPT(e, CURLOPT_PROXY, p->proxy ? p->proxy : "", err));
	return loop_route(e, p->ip_version, p->connect_ip, p->port, connect_to,
			  err);
}

struct http_chan *http_chan_open(struct loop *loop,
				 const struct http_params *p,
				 enum http_chan_kind kind, const uint8_t *body,
				 size_t len, const struct http_chan_cb *cb,
				 struct rpe_error *err)
{
	struct http_chan *ch;
	char url[1024];

	if (!p->host || !p->path || (kind == HTTP_CHAN_OUT && !body) ||
	    (kind == HTTP_CHAN_IN && body)) {
		rpe_fail(err, RPE_ERR_ARG, "bad channel parameters");
		return NULL;
	}
	if (format_url(url, sizeof(url), p) < 0) {
		rpe_fail(err, RPE_ERR_ARG, "URL too long");
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ch->kind = kind;
	ch->cb = *cb;
	http_upload_init(&ch->up);
	ch->src.tls = &ch->tls; /* what its TLS handshakes show */
	if (!loop_easy_new(loop, &ch->src, &http_source_ops, kind_name(kind),
			   ch->errbuf, err) ||
	    setup_request(ch, url, p, err) < 0 ||
	    setup_body(ch, body, len, err) < 0 ||
	    http_setup_connection(&ch->src, &ch->connect_to, p, err) < 0 ||
	    loop_add(&ch->src, err) < 0) {
		http_chan_close(ch);
		return NULL;
	}
	ch->running = 1;
	loop_trace(loop, 2, "%s channel: %s %s", kind_name(kind),
		   kind == HTTP_CHAN_IN ? "RPC_IN_DATA" : "RPC_OUT_DATA", url);
	return ch;
}

int http_chan_send(struct http_chan *ch, const uint8_t *p, size_t n)
{
	if (ch->kind != HTTP_CHAN_IN || !ch->running)
		return RPE_ERR_STATE;
	return http_upload_push(&ch->up, p, n);
}

void http_chan_commit(struct http_chan *ch)
{
	http_upload_commit(&ch->up);
}

void http_chan_close(struct http_chan *ch)
{
	if (!ch)
		return;
	/* Harmless for a handle that never made it into the multi. */
	loop_remove(&ch->src);
	curl_slist_free_all(ch->headers);
	curl_slist_free_all(ch->connect_to);
	free(ch->out_body);
	http_upload_free(&ch->up);
	free(ch);
}

int http_chan_timings(struct http_chan *ch, struct http_timings *t)
{
	CURL *e = ch->src.easy;

	t->resolve_us = loop_info_us(e, CURLINFO_NAMELOOKUP_TIME_T);
	t->connect_us = loop_info_us(e, CURLINFO_CONNECT_TIME_T);
	t->tls_us = loop_info_us(e, CURLINFO_APPCONNECT_TIME_T);
	t->pretransfer_us = loop_info_us(e, CURLINFO_PRETRANSFER_TIME_T);
	t->starttransfer_us = loop_info_us(e, CURLINFO_STARTTRANSFER_TIME_T);
	return 0;
}

const struct tls_seen *http_chan_tls(const struct http_chan *ch)
{
	return &ch->tls;
}

const char *http_chan_auth_offered(const struct http_chan *ch)
{
	return ch->auth_offered;
}

long http_chan_status(const struct http_chan *ch)
{
	return ch->status;
}

const char *http_chan_reason(const struct http_chan *ch)
{
	return ch->reason;
}

const char *http_chan_content_type(const struct http_chan *ch)
{
	return ch->content_type;
}

enum http_chan_kind http_chan_kind(const struct http_chan *ch)
{
	return ch->kind;
}

/* Printable one-line excerpt of an error page (HTML tags dropped). */
static void excerpt(const char *in, char *out, size_t n)
{
	size_t o = 0;
	int in_tag = 0, space = 0;

	for (; *in && o + 1 < n; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '<') { in_tag = 1; space = 1; continue; }
		if (c == '>') { in_tag = 0; continue; }
		if (in_tag)
			continue;
		if (c < 0x20 || c >= 0x7f || c == '|') {
			space = 1;
			continue;
		}
		if (c == ' ') { space = 1; continue; }
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		if (o + 1 < n)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void finish(struct http_chan *ch, CURLcode rc)
{
	enum loop_result res = loop_classify(rc);
	char msg[400], ex[160];
	long st = 0;

	curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
	if (st)
		ch->status = st;
	if (rc == CURLE_OK && (st < 200 || st > 299)) {
		res = LOOP_RES_HTTP_STATUS;
		excerpt(ch->errbody, ex, sizeof(ex));
		snprintf(msg, sizeof(msg), "HTTP %ld%s%s", st, ex[0] ? ": " : "",
			 ex);
	} else if (rc == CURLE_OK) {
		snprintf(msg, sizeof(msg), "server ended the %s channel response",
			 kind_name(ch->kind));
	} else {
		snprintf(msg, sizeof(msg), "%s: %s", loop_result_name(res),
			 ch->errbuf[0] ? ch->errbuf : curl_easy_strerror(rc));
	}
	ch->running = 0;
	ch->result = res;
	loop_trace(ch->src.loop, 2, "%s channel: done: %s", kind_name(ch->kind),
		   msg);
	if (ch->cb.on_done)
		ch->cb.on_done(ch->cb.ctx, ch, res, ch->status, msg);
}

/* Loop source ------------------------------------------------------------------ */

static void src_done(struct loop_source *src, CURLcode rc)
{
	struct http_chan *ch = (struct http_chan *)src;

	if (ch->running)
		finish(ch, rc);
}

/* Callbacks queue data on IN channels while libcurl runs; resume those
 * paused on an empty queue. */
static int src_prepare(struct loop_source *src)
{
	struct http_chan *ch = (struct http_chan *)src;

	if (!ch->paused || !ch->up.queue.len || !ch->running)
		return 0;
	ch->paused = 0;
	curl_easy_pause(ch->src.easy, CURLPAUSE_CONT);
	return 1;
}

static void src_destroy(struct loop_source *src)
{
	http_chan_close((struct http_chan *)src);
}

static const struct loop_source_ops http_source_ops = {
	.done = src_done,
	.prepare = src_prepare,
	.destroy = src_destroy,
};
