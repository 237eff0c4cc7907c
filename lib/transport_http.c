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

#include "buf.h"
#include "crypto.h"
#include "transport_loop.h"

/* The IN channel replays what it sent when libcurl restarts the request for
 * HTTP authentication; the replay log is capped so a server that keeps the
 * channel unconfirmed cannot grow it without bound. */
#define IN_REPLAY_MAX (256u * 1024u)
#define IN_QUEUE_MAX (4u * 1024u * 1024u)
#define ERRBODY_MAX 256

struct http_chan {
	struct http_loop *loop;
	struct http_chan *next;
	CURL *easy;
	enum http_chan_kind kind;
	struct http_chan_cb cb;
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	char content_type[96];
	char errbody[ERRBODY_MAX + 1];
	size_t errbody_len;
	uint8_t *out_body;
	size_t out_len;
	struct buf queue;  /* IN: bytes not yet handed to libcurl */
	struct buf replay; /* IN: bytes handed over but not yet committed */
	int committed;
	int paused;
	int running;
	long status;
	enum http_result result;
};

struct http_loop {
	CURLM *multi;
	/* Shared by every channel: TLS sessions (so a reconnect after an HTTP
	 * 401 resumes instead of a full handshake), DNS answers, and one
	 * parsed CA store. */
	CURLSH *share;
	struct crypto_ca_store *ca;
	char *ca_file;
	struct http_chan *chans;
	struct tcp_chan *tcp_chans; /* transport_tcp.c's streams */
	int wake;                   /* http_loop_wake() was called */
	http_trace_fn trace;
	void *trace_ctx;
	int trace_level;
};

static int curl_initialised;

CURLM *http_loop_multi(struct http_loop *loop)
{
	return loop->multi;
}

CURLSH *http_loop_share(struct http_loop *loop)
{
	return loop->share;
}

struct tcp_chan **http_loop_tcp_head(struct http_loop *loop)
{
	return &loop->tcp_chans;
}

void http_loop_trace(struct http_loop *loop, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!loop->trace || level > loop->trace_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	loop->trace(loop->trace_ctx, level, line);
}


struct http_loop *http_loop_new(struct rpe_error *err)
{
	struct http_loop *loop;

	if (!curl_initialised) {
		/* No SSL init flags needed beyond the default; OpenSSL 3 does its
		 * own initialisation. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			rpe_fail(err, RPE_ERR_NOMEM, "libcurl initialisation failed");
			return NULL;
		}
		curl_initialised = 1;
	}
	loop = calloc(1, sizeof(*loop));
	if (!loop) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	loop->multi = curl_multi_init();
	loop->share = curl_share_init();
	if (!loop->multi || !loop->share ||
	    curl_share_setopt(loop->share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
	    curl_share_setopt(loop->share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
		http_loop_free(loop);
		rpe_fail(err, RPE_ERR_NOMEM, "libcurl multi/share setup failed");
		return NULL;
	}
	return loop;
}

void http_loop_free(struct http_loop *loop)
{
	if (!loop)
		return;
	while (loop->chans)
		http_chan_close(loop->chans);
	tcp_loop_free_all(loop);
	if (loop->multi)
		curl_multi_cleanup(loop->multi);
	if (loop->share)
		curl_share_cleanup(loop->share);
	crypto_ca_store_free(loop->ca);
	free(loop->ca_file);
	free(loop);
}

void http_loop_set_trace(struct http_loop *loop, int level, http_trace_fn fn,
			 void *ctx)
{
	loop->trace = fn;
	loop->trace_ctx = ctx;
	loop->trace_level = level;
}

static const char *kind_name(enum http_chan_kind k)
{
	return k == HTTP_CHAN_IN ? "IN" : "OUT";
}

/* libcurl callbacks -------------------------------------------------------- */

static size_t on_header(char *p, size_t size, size_t n, void *userp)
{
	struct http_chan *ch = userp;
	size_t len = size * n;
	static const char ct[] = "content-type:";

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		long st = 0;
		curl_easy_getinfo(ch->easy, CURLINFO_RESPONSE_CODE, &st);
		/* Status lines are safe to show; they carry no credentials. */
		http_loop_trace(ch->loop, 2, "%s channel: %.*s", kind_name(ch->kind),
		      (int)(len > 2 ? len - 2 : len), p);
		ch->content_type[0] = '\0';
	} else if (len > sizeof(ct) - 1 &&
		   strncasecmp(p, ct, sizeof(ct) - 1) == 0) {
		size_t i = sizeof(ct) - 1, o = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < len && p[i] != '\r' && p[i] != '\n' &&
		       o + 1 < sizeof(ch->content_type))
			ch->content_type[o++] = p[i++];
		ch->content_type[o] = '\0';
	} else if (len <= 2 && ch->cb.on_status) {
		long st = 0;
		curl_easy_getinfo(ch->easy, CURLINFO_RESPONSE_CODE, &st);
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

	curl_easy_getinfo(ch->easy, CURLINFO_RESPONSE_CODE, &st);
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
	size_t room = size * n, take;

	if (ch->queue.len == 0) {
		ch->paused = 1;
		return CURL_READFUNC_PAUSE;
	}
	take = ch->queue.len < room ? ch->queue.len : room;
	memcpy(dst, ch->queue.data, take);
	if (!ch->committed &&
	    buf_put_bytes(&ch->replay, ch->queue.data, take) < 0)
		return CURL_READFUNC_ABORT;
	buf_consume(&ch->queue, take);
	return take;
}

/* libcurl rewinds the upload when HTTP authentication restarts the request
 * (e.g. NTLM Type-3 after a 401): put the replay log back in front. */
static int on_seek(void *userp, curl_off_t offset, int origin)
{
	struct http_chan *ch = userp;
	struct buf merged;

	if (origin != SEEK_SET || offset != 0 || ch->committed)
		return CURL_SEEKFUNC_CANTSEEK;
	if (ch->replay.len == 0)
		return CURL_SEEKFUNC_OK;
	buf_init(&merged, IN_QUEUE_MAX + IN_REPLAY_MAX);
	if (buf_put_bytes(&merged, ch->replay.data, ch->replay.len) < 0 ||
	    buf_put_bytes(&merged, ch->queue.data, ch->queue.len) < 0) {
		buf_free(&merged);
		return CURL_SEEKFUNC_FAIL;
	}
	buf_free(&ch->queue);
	buf_reset(&ch->replay);
	ch->queue = merged;
	http_loop_trace(ch->loop, 2, "IN channel: request restarted, replaying %zu bytes",
	      ch->queue.len);
	return CURL_SEEKFUNC_OK;
}

static int on_debug(CURL *easy, curl_infotype type, char *p, size_t len,
		    void *userp)
{
	struct http_chan *ch = userp;
	size_t start = 0, i;
	(void)easy;

	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_OUT &&
	    type != CURLINFO_HEADER_IN)
		return 0;
	/* Split into lines; never pass on credentials. */
	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '\n') {
			size_t l = i - start;
			const char *s = p + start;
			if (l && s[l - 1] == '\r')
				l--;
			if (l == 0) {
				start = i + 1;
				continue;
			}
			if (type == CURLINFO_HEADER_OUT &&
			    ((l >= 14 && strncasecmp(s, "Authorization:", 14) == 0) ||
			     (l >= 20 && strncasecmp(s, "Proxy-Authorization:", 20) == 0)))
				http_loop_trace(ch->loop, 3, "%s > %.*s <redacted>",
				      kind_name(ch->kind),
				      (int)(strchr(s, ':') - s + 1), s);
			else
				http_loop_trace(ch->loop, 3, "%s %s %.*s", kind_name(ch->kind),
				      type == CURLINFO_HEADER_OUT ? ">" :
				      type == CURLINFO_HEADER_IN ? "<" : "*",
				      (int)l, s);
			start = i + 1;
		}
	}
	return 0;
}

static CURLcode on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp)
{
	struct http_loop *loop = userp;
	(void)easy;
	return crypto_ca_store_attach(loop->ca, ssl_ctx) == 0 ?
		       CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

/* Load the CA store on first use; every channel of a run uses the same
 * --ca-file. */
static int loop_ca(struct http_loop *loop, const char *ca_file,
		   struct rpe_error *err)
{
	if (loop->ca) {
		if ((ca_file == NULL) != (loop->ca_file == NULL) ||
		    (ca_file && strcmp(ca_file, loop->ca_file) != 0))
			return rpe_fail(err, RPE_ERR_ARG,
					"one CA file per run");
		return 0;
	}
	loop->ca = crypto_ca_store_load(ca_file, err);
	if (!loop->ca)
		return err ? err->code : RPE_ERR_ARG;
	if (ca_file && !(loop->ca_file = strdup(ca_file)))
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	return 0;
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
		if (curl_easy_setopt(ch->easy, opt, val) != CURLE_OK) {        \
			rpe_fail(err, RPE_ERR_UNSUPPORTED,                     \
				 "libcurl rejected option %s", #opt);          \
			goto fail;                                             \
		}                                                              \
	} while (0)

int http_loop_route(CURL *easy, int ip_version, const char *connect_ip,
		    long port, struct curl_slist **connect_to,
		    struct rpe_error *err)
{
	char line[600];
	int v6;

	if ((ip_version == 4 &&
	     curl_easy_setopt(easy, CURLOPT_IPRESOLVE,
			      (long)CURL_IPRESOLVE_V4) != CURLE_OK) ||
	    (ip_version == 6 &&
	     curl_easy_setopt(easy, CURLOPT_IPRESOLVE,
			      (long)CURL_IPRESOLVE_V6) != CURLE_OK))
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"libcurl rejected CURLOPT_IPRESOLVE");
	if (!connect_ip)
		return 0;
	v6 = strchr(connect_ip, ':') != NULL;
	if (snprintf(line, sizeof(line), "::%s%s%s:%ld", v6 ? "[" : "",
		     connect_ip, v6 ? "]" : "", port) >= (int)sizeof(line))
		return rpe_fail(err, RPE_ERR_ARG, "address too long");
	*connect_to = curl_slist_append(NULL, line);
	if (!*connect_to)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	if (curl_easy_setopt(easy, CURLOPT_CONNECT_TO, *connect_to) != CURLE_OK)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"libcurl rejected CURLOPT_CONNECT_TO");
	return 0;
}

static int format_url(char *url, size_t n, const struct http_params *p)
{
	int v6 = strchr(p->host, ':') != NULL;
	int r = snprintf(url, n, "%s://%s%s%s:%ld%s", p->tls ? "https" : "http",
			 v6 ? "[" : "", p->host, v6 ? "]" : "", p->port, p->path);
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

struct http_chan *http_chan_open(struct http_loop *loop,
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
	ch->loop = loop;
	ch->kind = kind;
	ch->cb = *cb;
	buf_init(&ch->queue, IN_QUEUE_MAX);
	buf_init(&ch->replay, IN_REPLAY_MAX);
	ch->easy = curl_easy_init();
	if (!ch->easy) {
		rpe_fail(err, RPE_ERR_NOMEM, "curl_easy_init failed");
		goto fail;
	}

	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_PRIVATE, ch);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, ch->errbuf);
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_CUSTOMREQUEST,
	       kind == HTTP_CHAN_IN ? "RPC_IN_DATA" : "RPC_OUT_DATA");
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_USERAGENT, "MSRPC");
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, ch);
	SETOPT(CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(CURLOPT_WRITEDATA, ch);
	SETOPT(CURLOPT_TCP_NODELAY, 1L);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_PROTOCOLS_STR, p->tls ? "https" : "http");
	SETOPT(CURLOPT_SHARE, loop->share);
	if (loop->trace && loop->trace_level >= 3) {
		SETOPT(CURLOPT_DEBUGFUNCTION, on_debug);
		SETOPT(CURLOPT_DEBUGDATA, ch);
		SETOPT(CURLOPT_VERBOSE, 1L);
	}

	/* Headers of the Windows RPC/HTTP client (MS-RPCH 2.1.2.1). */
	if (add_header(ch, "Accept: application/rpc") < 0 ||
	    add_header(ch, "Content-Type: application/rpc") < 0 ||
	    add_header(ch, "Cache-Control: no-cache") < 0 ||
	    add_header(ch, "Pragma: No-cache") < 0 ||
	    add_header(ch, "Connection: Keep-Alive") < 0) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		goto fail;
	}
	SETOPT(CURLOPT_HTTPHEADER, ch->headers);

	if (kind == HTTP_CHAN_OUT) {
		ch->out_body = malloc(len ? len : 1);
		if (!ch->out_body) {
			rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
			goto fail;
		}
		memcpy(ch->out_body, body, len);
		ch->out_len = len;
		SETOPT(CURLOPT_POSTFIELDS, ch->out_body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
		       (curl_off_t)HTTP_IN_CHANNEL_CONTENT_LENGTH);
		SETOPT(CURLOPT_READFUNCTION, on_read);
		SETOPT(CURLOPT_READDATA, ch);
		SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
		SETOPT(CURLOPT_SEEKDATA, ch);
	}

	if (p->user) {
		SETOPT(CURLOPT_USERNAME, p->user);
		SETOPT(CURLOPT_PASSWORD, p->password ? p->password : "");
		SETOPT(CURLOPT_HTTPAUTH, curl_auth_mask(p->auth));
	}

	if (p->tls) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, p->insecure ? 0L : 1L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, p->insecure ? 0L : 2L);
		if (!p->insecure) {
			if (loop_ca(loop, p->ca_file, err) < 0)
				goto fail;
			/* libcurl loads no CA file itself; the shared store
			 * is installed into each SSL_CTX instead.  Host name
			 * checks stay with libcurl. */
			SETOPT(CURLOPT_CAINFO, NULL);
			SETOPT(CURLOPT_CAPATH, NULL);
			SETOPT(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
			SETOPT(CURLOPT_SSL_CTX_DATA, loop);
		}
		if (p->client_cert)
			SETOPT(CURLOPT_SSLCERT, p->client_cert);
		if (p->client_key)
			SETOPT(CURLOPT_SSLKEY, p->client_key);
	}
	if (p->proxy)
		SETOPT(CURLOPT_PROXY, p->proxy);
	else
		SETOPT(CURLOPT_PROXY, ""); /* ignore *_proxy variables */
	if (http_loop_route(ch->easy, p->ip_version, p->connect_ip, p->port,
			    &ch->connect_to, err) < 0)
		goto fail;

	if (curl_multi_add_handle(loop->multi, ch->easy) != CURLM_OK) {
		rpe_fail(err, RPE_ERR_STATE, "curl_multi_add_handle failed");
		goto fail;
	}
	ch->running = 1;
	ch->next = loop->chans;
	loop->chans = ch;
	http_loop_trace(loop, 2, "%s channel: %s %s", kind_name(kind),
	      kind == HTTP_CHAN_IN ? "RPC_IN_DATA" : "RPC_OUT_DATA", url);
	return ch;

fail:
	http_chan_close(ch);
	return NULL;
}

int http_chan_send(struct http_chan *ch, const uint8_t *p, size_t n)
{
	if (ch->kind != HTTP_CHAN_IN || !ch->running)
		return RPE_ERR_STATE;
	return buf_put_bytes(&ch->queue, p, n);
}

void http_chan_commit(struct http_chan *ch)
{
	ch->committed = 1;
	buf_free(&ch->replay);
}

void http_chan_close(struct http_chan *ch)
{
	struct http_chan **pp;

	if (!ch)
		return;
	for (pp = &ch->loop->chans; *pp; pp = &(*pp)->next) {
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	}
	if (ch->easy) {
		/* Harmless for a handle that never made it into the multi. */
		curl_multi_remove_handle(ch->loop->multi, ch->easy);
		curl_easy_cleanup(ch->easy);
	}
	curl_slist_free_all(ch->headers);
	curl_slist_free_all(ch->connect_to);
	free(ch->out_body);
	buf_free(&ch->queue);
	buf_free(&ch->replay);
	free(ch);
}

static int64_t info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = 0;
	if (curl_easy_getinfo(e, what, &v) != CURLE_OK || v <= 0)
		return -1;
	return (int64_t)v;
}

int http_chan_timings(struct http_chan *ch, struct http_timings *t)
{
	t->resolve_us = info_us(ch->easy, CURLINFO_NAMELOOKUP_TIME_T);
	t->connect_us = info_us(ch->easy, CURLINFO_CONNECT_TIME_T);
	t->tls_us = info_us(ch->easy, CURLINFO_APPCONNECT_TIME_T);
	t->pretransfer_us = info_us(ch->easy, CURLINFO_PRETRANSFER_TIME_T);
	t->starttransfer_us = info_us(ch->easy, CURLINFO_STARTTRANSFER_TIME_T);
	return 0;
}

long http_chan_status(const struct http_chan *ch)
{
	return ch->status;
}

const char *http_chan_content_type(const struct http_chan *ch)
{
	return ch->content_type;
}

enum http_chan_kind http_chan_kind(const struct http_chan *ch)
{
	return ch->kind;
}

/* Loop ----------------------------------------------------------------------- */

enum http_result http_loop_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK: return HTTP_RES_EOF;
	case CURLE_COULDNT_RESOLVE_HOST: return HTTP_RES_RESOLVE_FAILED;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY: return HTTP_RES_PROXY_FAILED;
	case CURLE_COULDNT_CONNECT: return HTTP_RES_CONNECT_FAILED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS: return HTTP_RES_TLS_VERIFY;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED: return HTTP_RES_TLS_FAILED;
	case CURLE_SEND_ERROR: return HTTP_RES_SEND_FAILED;
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return HTTP_RES_RECV_FAILED;
	case CURLE_WRITE_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_READ_ERROR: return HTTP_RES_ABORTED;
	default: return HTTP_RES_OTHER;
	}
}

const char *http_result_name(enum http_result res)
{
	switch (res) {
	case HTTP_RES_NONE: return "running";
	case HTTP_RES_CLOSED: return "closed";
	case HTTP_RES_EOF: return "response ended";
	case HTTP_RES_HTTP_STATUS: return "HTTP error status";
	case HTTP_RES_RESOLVE_FAILED: return "name resolution failed";
	case HTTP_RES_CONNECT_FAILED: return "connection failed";
	case HTTP_RES_TLS_FAILED: return "TLS handshake failed";
	case HTTP_RES_TLS_VERIFY: return "certificate verification failed";
	case HTTP_RES_PROXY_FAILED: return "proxy failed";
	case HTTP_RES_SEND_FAILED: return "send failed";
	case HTTP_RES_RECV_FAILED: return "connection closed by server";
	case HTTP_RES_ABORTED: return "aborted";
	case HTTP_RES_OTHER: return "transfer failed";
	}
	return "?";
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
	enum http_result res = http_loop_classify(rc);
	char msg[400], ex[160];
	long st = 0;

	curl_easy_getinfo(ch->easy, CURLINFO_RESPONSE_CODE, &st);
	if (st)
		ch->status = st;
	if (rc == CURLE_OK && (st < 200 || st > 299)) {
		res = HTTP_RES_HTTP_STATUS;
		excerpt(ch->errbody, ex, sizeof(ex));
		snprintf(msg, sizeof(msg), "HTTP %ld%s%s", st, ex[0] ? ": " : "",
			 ex);
	} else if (rc == CURLE_OK) {
		snprintf(msg, sizeof(msg), "server ended the %s channel response",
			 kind_name(ch->kind));
	} else {
		snprintf(msg, sizeof(msg), "%s: %s", http_result_name(res),
			 ch->errbuf[0] ? ch->errbuf : curl_easy_strerror(rc));
	}
	ch->running = 0;
	ch->result = res;
	http_loop_trace(ch->loop, 2, "%s channel: done: %s", kind_name(ch->kind), msg);
	if (ch->cb.on_done)
		ch->cb.on_done(ch->cb.ctx, ch, res, ch->status, msg);
}

static int resume_paused(struct http_loop *loop)
{
	struct http_chan *ch;
	int n = 0;

	for (ch = loop->chans; ch; ch = ch->next) {
		if (ch->paused && ch->queue.len && ch->running) {
			ch->paused = 0;
			curl_easy_pause(ch->easy, CURLPAUSE_CONT);
			n++;
		}
	}
	return n;
}

void http_loop_wake(struct http_loop *loop)
{
	loop->wake = 1;
}

/* Hand finished transfers to their owners; returns how many there were. */
static int dispatch_done(struct http_loop *loop)
{
	struct http_chan *ch;
	CURLMsg *m;
	int left, n = 0;

	while ((m = curl_multi_info_read(loop->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		n++;
		if (tcp_loop_connected(loop, m->easy_handle, m->data.result))
			continue;
		ch = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&ch);
		if (ch && ch->running)
			finish(ch, m->data.result);
	}
	return n;
}

int http_loop_run(struct http_loop *loop, int timeout_ms,
		  struct rpe_error *err)
{
	struct curl_waitfd fds[TCP_LOOP_MAX_FDS];
	CURLMcode mc;
	int running = 0, rounds, nfds, done;

	/* Callbacks queue data on IN channels while libcurl runs; resume
	 * those before sleeping so a reply never waits for the poll timeout. */
	loop->wake = 0;
	mc = CURLM_OK;
	for (rounds = 0; rounds < 4 && mc == CURLM_OK; rounds++) {
		if (rounds > 0 && !resume_paused(loop))
			break;
		if (rounds == 0)
			resume_paused(loop);
		mc = curl_multi_perform(loop->multi, &running);
	}
	/* Transfers that ended just now (a TCP stream connected, a channel
	 * failed) are handed over before sleeping: the multi handle has
	 * nothing left to wait for on them. */
	done = mc == CURLM_OK ? dispatch_done(loop) : 0;
	/* TCP streams write what callbacks queued, then wait with the HTTP
	 * transfers for whichever socket moves first. */
	tcp_loop_flush(loop); /* the rest waits for POLLOUT */
	nfds = tcp_loop_fds(loop, fds, TCP_LOOP_MAX_FDS);
	if (mc == CURLM_OK && timeout_ms > 0 && !done && !loop->wake &&
	    !resume_paused(loop))
		mc = curl_multi_poll(loop->multi, fds, (unsigned)nfds,
				     timeout_ms, NULL);
	if (nfds)
		tcp_loop_events(loop);
	if (mc == CURLM_OK)
		mc = curl_multi_perform(loop->multi, &running);
	if (mc != CURLM_OK)
		return rpe_fail(err, RPE_ERR_STATE, "libcurl: %s",
				curl_multi_strerror(mc));
	dispatch_done(loop);
	return running + nfds;
}
