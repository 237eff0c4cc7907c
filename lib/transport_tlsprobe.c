/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One TLS handshake on the event loop; see transport_tlsprobe.h. */
#include "transport_tlsprobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "loop_source.h"
#include "tlsinfo.h"

struct tls_probe {
	struct loop_source src; /* first: the loop hands this back */
	struct tls_probe_cb cb;
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	char name[32];
	int finished;
	struct tls_seen tls;
};

static long curl_version_of(enum tls_probe_version v)
{
	switch (v) {
	case TLS_PROBE_10:
		return CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_0;
	case TLS_PROBE_11:
		return CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1;
	case TLS_PROBE_12:
		return CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2;
	case TLS_PROBE_13:
		return CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3;
	default: return CURL_SSLVERSION_DEFAULT;
	}
}

static int setup(struct tls_probe *tp, const struct tls_probe_params *p,
		 struct rpe_error *err)
{
	const struct http_params *h = p->http;
	struct http_params q;
	CURL *e = tp->src.easy;
	char url[700];

	memcpy(url, "https://", 8);
	if (loop_hostport(url + 8, sizeof(url) - 9, h->host, h->port) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "host name too long");
	strcat(url, "/");
	TRY(LOOP_SETOPT(e, CURLOPT_URL, url, err));
	TRY(LOOP_SETOPT(e, CURLOPT_CONNECT_ONLY, 1L, err));
	/* A connection of its own (a connect-only one is never reused). */
	TRY(LOOP_SETOPT(e, CURLOPT_FRESH_CONNECT, 1L, err));
	TRY(LOOP_SETOPT(e, CURLOPT_FORBID_REUSE, 1L, err));
	/* Neither resume a probe's session nor leave this one for them. */
	TRY(LOOP_SETOPT(e, CURLOPT_SSL_SESSIONID_CACHE, 0L, err));
	TRY(LOOP_SETOPT(e, CURLOPT_SSLVERSION, curl_version_of(p->version), err));
	if (p->version == TLS_PROBE_10 || p->version == TLS_PROBE_11)
		/* This handle's SSL_CTX only: OpenSSL 3 refuses TLS 1.0
		 * and 1.1 above security level 0. */
		TRY(LOOP_SETOPT(e, CURLOPT_SSL_CIPHER_LIST,
				"DEFAULT:@SECLEVEL=0", err));
	/* TLS checks, client certificate, proxy and routing as every HTTP
	 * request of the run has them; no credentials (a handshake only).
	 * Version and cipher from the handshake itself (the connection is
	 * gone from the handle once a connect-only transfer is done). */
	q = *h;
	q.user = NULL;
	q.tls = 1;
	q.insecure = !p->verify;
	tp->src.tls = &tp->tls;
	TRY(http_setup_connection(&tp->src, &tp->connect_to, &q, err));
	if (h->proxy)
		TRY(LOOP_SETOPT(e, CURLOPT_HTTPPROXYTUNNEL, 1L, err));
	return 0;
}

static const struct loop_source_ops tlsprobe_ops;

struct tls_probe *tls_probe_open(struct loop *loop,
				 const struct tls_probe_params *p,
				 const struct tls_probe_cb *cb,
				 struct rpe_error *err)
{
	struct tls_probe *tp;

	if (!p->http || !p->http->host || p->http->port <= 0) {
		rpe_fail(err, RPE_ERR_ARG, "bad TLS handshake parameters");
		return NULL;
	}
	tp = calloc(1, sizeof(*tp));
	if (!tp) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	tp->cb = *cb;
	snprintf(tp->name, sizeof(tp->name), "%s", p->name ? p->name : "TLS");
	if (!loop_easy_new(loop, &tp->src, &tlsprobe_ops, tp->name, tp->errbuf,
			   err) ||
	    setup(tp, p, err) < 0 || loop_add(&tp->src, err) < 0) {
		tls_probe_close(tp);
		return NULL;
	}
	loop_trace(loop, 2, "%s: TLS handshake only", tp->name);
	return tp;
}

void tls_probe_close(struct tls_probe *tp)
{
	if (!tp)
		return;
	if (tp->src.loop)
		loop_remove(&tp->src);
	curl_slist_free_all(tp->connect_to);
	free(tp);
}

static void src_done(struct loop_source *src, CURLcode rc)
{
	struct tls_probe *tp = (struct tls_probe *)src;
	char msg[CURL_ERROR_SIZE + 64];

	if (tp->finished)
		return;
	tp->finished = 1;
	snprintf(msg, sizeof(msg), "%s",
		 rc == CURLE_OK ? "handshake completed" :
		 tp->errbuf[0]  ? tp->errbuf :
				  curl_easy_strerror(rc));
	loop_trace(src->loop, 2, "%s: %s%s%s", tp->name, msg,
		   tp->tls.version[0] ? ", " : "", tp->tls.version);
	if (tp->cb.on_done)
		tp->cb.on_done(tp->cb.ctx, tp, rc == CURLE_OK, loop_classify(rc),
			       tp->tls.version, tp->tls.cipher, msg);
}

static void src_destroy(struct loop_source *src)
{
	tls_probe_close((struct tls_probe *)src);
}

static const struct loop_source_ops tlsprobe_ops = {
	.done = src_done,
	.destroy = src_destroy,
};
