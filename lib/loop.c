/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one libcurl-multi event loop; see loop.h. */
#define _POSIX_C_SOURCE 200809L
#include "loop_source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cbt.h"
#include "crypto.h"

struct loop {
	CURLM *multi;
	/* Shared by every source: TLS sessions (so a reconnect after an HTTP
	 * 401 resumes instead of a full handshake), DNS answers, and one
	 * parsed CA store. */
	CURLSH *share;
	struct crypto_ca_store *ca;
	char *ca_file;
	/* The server certificates as sent, for channel bindings on resumed
	 * sessions too (lib/cbt); made with the first TLS connection. */
	struct cbt_sent *certs_sent;
	struct loop_source *sources;
	int wake;       /* loop_wake() was called */
	unsigned notes; /* LOOP_NOTE_* */
	loop_trace_fn trace;
	void *trace_ctx;
	int trace_level;
};

static int curl_initialised;

int64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double loop_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct loop *loop_new(struct rpe_error *err)
{
	struct loop *loop;

	if (!curl_initialised) {
		/* No SSL init flags needed beyond the default; OpenSSL 3 does its
		 * own initialisation. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			rpe_fail(err, RPE_ERR_NOMEM,
				 "libcurl initialisation failed");
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
		loop_free(loop);
		rpe_fail(err, RPE_ERR_NOMEM, "libcurl multi/share setup failed");
		return NULL;
	}
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	while (loop->sources) {
		struct loop_source *src = loop->sources;
		src->ops->destroy(src);
		if (loop->sources == src) /* a destroy that did not remove */
			loop_remove(src);
	}
	if (loop->multi)
		curl_multi_cleanup(loop->multi);
	if (loop->share)
		curl_share_cleanup(loop->share);
	/* After the multi handle: its connections' TLS callbacks use it. */
	cbt_sent_free(loop->certs_sent);
	crypto_ca_store_free(loop->ca);
	free(loop->ca_file);
	free(loop);
}

void loop_set_trace(struct loop *loop, int level, loop_trace_fn fn, void *ctx)
{
	loop->trace = fn;
	loop->trace_ctx = ctx;
	loop->trace_level = level;
}

int loop_tracing(const struct loop *loop, int level)
{
	return loop->trace && level <= loop->trace_level;
}

void loop_trace(struct loop *loop, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!loop_tracing(loop, level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	loop->trace(loop->trace_ctx, level, line);
}

/* Sources ------------------------------------------------------------------ */

static int is_credential_header(const char *s, size_t l)
{
	return (l >= 14 && strncasecmp(s, "Authorization:", 14) == 0) ||
	       (l >= 20 && strncasecmp(s, "Proxy-Authorization:", 20) == 0);
}

/* libcurl's -vvv trace, split into lines; credentials never pass. */
static int on_debug(CURL *easy, curl_infotype type, char *p, size_t len,
		    void *userp)
{
	struct loop_source *src = userp;
	size_t start = 0, i;
	(void)easy;

	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_OUT &&
	    type != CURLINFO_HEADER_IN)
		return 0;
	for (i = 0; i <= len; i++) {
		size_t l;
		const char *s;

		if (i < len && p[i] != '\n')
			continue;
		l = i - start;
		s = p + start;
		start = i + 1;
		if (l && s[l - 1] == '\r')
			l--;
		if (l == 0)
			continue;
		if (type == CURLINFO_HEADER_OUT && is_credential_header(s, l))
			loop_trace(src->loop, 3, "%s > %.*s <redacted>",
				   src->name, (int)(strchr(s, ':') - s + 1), s);
		else
			loop_trace(src->loop, 3, "%s %s %.*s", src->name,
				   type == CURLINFO_HEADER_OUT ? ">" :
				   type == CURLINFO_HEADER_IN  ? "<" :
								 "*",
				   (int)l, s);
	}
	return 0;
}

CURL *loop_easy_new(struct loop *loop, struct loop_source *src,
		    const struct loop_source_ops *ops, const char *name,
		    char *errbuf, struct rpe_error *err)
{
	CURL *e;

	src->ops = ops;
	src->loop = loop;
	src->name = name;
	src->easy = e = curl_easy_init();
	if (!e) {
		rpe_fail(err, RPE_ERR_NOMEM, "curl_easy_init failed");
		return NULL;
	}
	if (LOOP_SETOPT(e, CURLOPT_PRIVATE, src, err) < 0 ||
	    LOOP_SETOPT(e, CURLOPT_NOSIGNAL, 1L, err) < 0 ||
	    LOOP_SETOPT(e, CURLOPT_ERRORBUFFER, errbuf, err) < 0 ||
	    LOOP_SETOPT(e, CURLOPT_TCP_NODELAY, 1L, err) < 0 ||
	    LOOP_SETOPT(e, CURLOPT_SHARE, loop->share, err) < 0)
		return NULL;
	if (loop_tracing(loop, 3) &&
	    (LOOP_SETOPT(e, CURLOPT_DEBUGFUNCTION, on_debug, err) < 0 ||
	     LOOP_SETOPT(e, CURLOPT_DEBUGDATA, src, err) < 0 ||
	     LOOP_SETOPT(e, CURLOPT_VERBOSE, 1L, err) < 0))
		return NULL;
	return e;
}

int loop_add(struct loop_source *src, struct rpe_error *err)
{
	struct loop *loop = src->loop;

	if (src->easy) {
		if (curl_multi_add_handle(loop->multi, src->easy) != CURLM_OK)
			return rpe_fail(err, RPE_ERR_STATE,
					"curl_multi_add_handle failed");
		src->in_multi = 1;
	}
	src->next = loop->sources;
	loop->sources = src;
	return 0;
}

void loop_remove(struct loop_source *src)
{
	struct loop_source **pp;

	if (!src->loop)
		return;
	for (pp = &src->loop->sources; *pp; pp = &(*pp)->next) {
		if (*pp == src) {
			*pp = src->next;
			break;
		}
	}
	if (src->easy) {
		if (src->in_multi)
			curl_multi_remove_handle(src->loop->multi, src->easy);
		curl_easy_cleanup(src->easy); /* closes the connection */
	}
	src->easy = NULL;
	src->in_multi = 0;
	src->next = NULL;
}

void loop_wake(struct loop *loop)
{
	loop->wake = 1;
}

int loop_restart(struct loop_source *src, struct rpe_error *err)
{
	if (src->in_multi)
		curl_multi_remove_handle(src->loop->multi, src->easy);
	src->in_multi = 0;
	if (curl_multi_add_handle(src->loop->multi, src->easy) != CURLM_OK)
		return rpe_fail(err, RPE_ERR_STATE,
				"libcurl refused to run the request again");
	src->in_multi = 1;
	return 0;
}

void loop_note(struct loop *loop, unsigned note)
{
	loop->notes |= note;
}

unsigned loop_notes(const struct loop *loop)
{
	return loop->notes;
}

/* Running ------------------------------------------------------------------- */

/* Every source hands over what callbacks queued; 1 if any resumed work. */
static int prepare_all(struct loop *loop)
{
	struct loop_source *s;
	int n = 0;

	for (s = loop->sources; s; s = s->next)
		if (s->ops->prepare)
			n += s->ops->prepare(s) > 0;
	return n;
}

static int collect_fds(struct loop *loop, struct curl_waitfd *fds, int max)
{
	struct loop_source *s;
	int n = 0;

	for (s = loop->sources; s && n < max; s = s->next)
		if (s->ops->wait_fd && s->ops->wait_fd(s, &fds[n]))
			n++;
	return n;
}

/* Sources may open new sources from their callbacks (at the head of the
 * list, so `next` stays valid); they are closed only by the loop's owner
 * after loop_run() returns. */
static void events_all(struct loop *loop)
{
	struct loop_source *s, *next;

	for (s = loop->sources; s; s = next) {
		next = s->next;
		if (s->ops->events)
			s->ops->events(s);
	}
}

/* Hand finished transfers to their sources; returns how many there were. */
static int dispatch_done(struct loop *loop)
{
	struct loop_source *src;
	CURLMsg *m;
	int left, n = 0;

	while ((m = curl_multi_info_read(loop->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		n++;
		src = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&src);
		if (src && src->ops->done)
			src->ops->done(src, m->data.result);
	}
	return n;
}

int loop_run(struct loop *loop, int timeout_ms, struct rpe_error *err)
{
	struct curl_waitfd fds[LOOP_MAX_FDS];
	CURLMcode mc = CURLM_OK;
	int running = 0, rounds, nfds, done, pending;

	/* Callbacks queue data while libcurl runs; hand it over before
	 * sleeping so a reply never waits for the poll timeout. */
	loop->wake = 0;
	for (rounds = 0; rounds < 4 && mc == CURLM_OK; rounds++) {
		if (!prepare_all(loop) && rounds > 0)
			break;
		mc = curl_multi_perform(loop->multi, &running);
	}
	/* Transfers that ended just now (a TCP stream connected, a channel
	 * failed) are handed over before sleeping: the multi handle has
	 * nothing left to wait for on them. */
	done = mc == CURLM_OK ? dispatch_done(loop) : 0;
	pending = prepare_all(loop);
	nfds = collect_fds(loop, fds, LOOP_MAX_FDS);
	if (mc == CURLM_OK && timeout_ms > 0 && !done && !loop->wake && !pending)
		mc = curl_multi_poll(loop->multi, fds, (unsigned)nfds,
				     timeout_ms, NULL);
	if (nfds)
		events_all(loop);
	if (mc == CURLM_OK)
		mc = curl_multi_perform(loop->multi, &running);
	if (mc != CURLM_OK)
		return rpe_fail(err, RPE_ERR_STATE, "libcurl: %s",
				curl_multi_strerror(mc));
	dispatch_done(loop);
	return running + nfds;
}

/* Shared curl helpers ---------------------------------------------------------- */

enum loop_result loop_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK: return LOOP_RES_EOF;
	case CURLE_COULDNT_RESOLVE_HOST: return LOOP_RES_RESOLVE_FAILED;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY: return LOOP_RES_PROXY_FAILED;
	case CURLE_COULDNT_CONNECT: return LOOP_RES_CONNECT_FAILED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS: return LOOP_RES_TLS_VERIFY;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED: return LOOP_RES_TLS_FAILED;
	case CURLE_SEND_ERROR: return LOOP_RES_SEND_FAILED;
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return LOOP_RES_RECV_FAILED;
	case CURLE_WRITE_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_READ_ERROR: return LOOP_RES_ABORTED;
	default: return LOOP_RES_OTHER;
	}
}

int loop_not_http(CURLcode rc, const char *request, const char *service,
		  char *out, size_t n)
{
	if (rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_WEIRD_SERVER_REPLY)
		return 0;
	snprintf(out, n,
		 "the answer to %s is not HTTP: is this port %s (a TLS or SSH service, an RPC/TCP port)?",
		 request, service);
	return 1;
}

const char *loop_result_name(enum loop_result res)
{
	switch (res) {
	case LOOP_RES_NONE: return "running";
	case LOOP_RES_CLOSED: return "closed";
	case LOOP_RES_EOF: return "response ended";
	case LOOP_RES_HTTP_STATUS: return "HTTP error status";
	case LOOP_RES_RESOLVE_FAILED: return "name resolution failed";
	case LOOP_RES_CONNECT_FAILED: return "connection failed";
	case LOOP_RES_TLS_FAILED: return "TLS handshake failed";
	case LOOP_RES_TLS_VERIFY: return "certificate verification failed";
	case LOOP_RES_PROXY_FAILED: return "proxy failed";
	case LOOP_RES_SEND_FAILED: return "send failed";
	case LOOP_RES_RECV_FAILED: return "connection closed by server";
	case LOOP_RES_ABORTED: return "aborted";
	case LOOP_RES_AUTH_FAILED: return "HTTP authentication failed";
	case LOOP_RES_OTHER: return "transfer failed";
	}
	return "?";
}

int loop_hostport(char *out, size_t n, const char *host, long port)
{
	/* An IPv6 literal needs brackets before the port (RFC 3986 3.2.2);
	 * one given with brackets already keeps them. */
	int v6 = strchr(host, ':') != NULL && host[0] != '[';
	int r = snprintf(out, n, "%s%s%s:%ld", v6 ? "[" : "", host,
			 v6 ? "]" : "", port);

	if (r < 0 || (size_t)r >= n)
		return RPE_ERR_ARG;
	return 0;
}

int loop_route(CURL *easy, int ip_version, const char *connect_ip, long port,
	       struct curl_slist **connect_to, struct rpe_error *err)
{
	char line[600];

	if (ip_version == 4 || ip_version == 6)
		TRY(LOOP_SETOPT(easy, CURLOPT_IPRESOLVE,
				ip_version == 4 ? (long)CURL_IPRESOLVE_V4 :
						  (long)CURL_IPRESOLVE_V6,
				err));
	if (!connect_ip)
		return 0;
	/* CONNECT_TO "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT" with an
	 * empty HOST and PORT: every request of this handle goes there. */
	memcpy(line, "::", 2);
	if (loop_hostport(line + 2, sizeof(line) - 2, connect_ip, port) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "address too long");
	*connect_to = curl_slist_append(NULL, line);
	if (!*connect_to)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	return LOOP_SETOPT(easy, CURLOPT_CONNECT_TO, *connect_to, err);
}

/* libcurl's -vvv trace of the TLS handshake, which lib/tlsinfo takes over
 * (same lines, same prefix). */
static void tls_trace(void *ctx, const char *name, const char *line)
{
	loop_trace(ctx, 3, "%s * %s", name, line);
}

static CURLcode on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp)
{
	struct loop *loop = userp;
	struct loop_source *src = NULL;
	struct tls_watch w;

	if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&src) != CURLE_OK)
		src = NULL;
	if (!loop->certs_sent && !(loop->certs_sent = cbt_sent_new()))
		return CURLE_OUT_OF_MEMORY;
	memset(&w, 0, sizeof(w));
	w.seen = src ? src->tls : NULL;
	w.sent = loop->certs_sent;
	w.trace = loop_tracing(loop, 3) ? tls_trace : NULL;
	w.trace_ctx = loop;
	w.name = src ? src->name : "TLS";
	if (tlsinfo_watch(ssl_ctx, &w) < 0)
		return CURLE_SSL_CERTPROBLEM;
	if (!loop->ca)
		return CURLE_OK; /* --insecure: nothing to verify against */
	return crypto_ca_store_attach(loop->ca, ssl_ctx) == 0 ?
		       CURLE_OK :
		       CURLE_SSL_CERTPROBLEM;
}

/* Load the CA store on first use; every source of a run uses the same
 * --ca-file. */
static int load_ca(struct loop *loop, const char *ca_file, struct rpe_error *err)
{
	if (loop->ca) {
		if ((ca_file == NULL) != (loop->ca_file == NULL) ||
		    (ca_file && strcmp(ca_file, loop->ca_file) != 0))
			return rpe_fail(err, RPE_ERR_ARG, "one CA file per run");
		return 0;
	}
	loop->ca = crypto_ca_store_load(ca_file, err);
	if (!loop->ca)
		return RPE_ERR_ARG;
	if (ca_file && !(loop->ca_file = strdup(ca_file)))
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	return 0;
}

int loop_use_ca(struct loop *loop, CURL *easy, const char *ca_file,
		struct rpe_error *err)
{
	TRY(load_ca(loop, ca_file, err));
	/* libcurl loads no CA file itself; the shared store is installed
	 * into each SSL_CTX instead.  Host name checks stay with libcurl. */
	TRY(LOOP_SETOPT(easy, CURLOPT_CAINFO, (char *)NULL, err));
	TRY(LOOP_SETOPT(easy, CURLOPT_CAPATH, (char *)NULL, err));
	TRY(LOOP_SETOPT(easy, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx, err));
	return LOOP_SETOPT(easy, CURLOPT_SSL_CTX_DATA, loop, err);
}

int loop_watch_tls(struct loop_source *src, struct tls_seen *seen,
		   struct rpe_error *err)
{
	src->tls = seen;
	TRY(LOOP_SETOPT(src->easy, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx, err));
	return LOOP_SETOPT(src->easy, CURLOPT_SSL_CTX_DATA, src->loop, err);
}

int64_t loop_info_us(CURL *easy, CURLINFO what)
{
	curl_off_t v = 0;

	if (curl_easy_getinfo(easy, what, &v) != CURLE_OK || v <= 0)
		return -1;
	return (int64_t)v;
}
