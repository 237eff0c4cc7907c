/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP NTLM on libcurl for one channel; see transport_ntlm.h. */
#include "transport_ntlm.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum { LEG_NONE, LEG_ONE, LEG_TWO };

struct tr_ntlm {
	struct http_ntlm *h;
	CURLSH *pool;           /* this channel's connections only */
	struct buf hdr;         /* "Authorization: ..." */
	struct curl_slist node; /* points into hdr */
	int leg;
	int over; /* the handshake ended (either way) */
	int bound;
	long port_one, port_two;
};

struct tr_ntlm *tr_ntlm_new(const struct http_ntlm_params *p,
			    struct rpe_error *err)
{
	struct tr_ntlm *n = calloc(1, sizeof(*n));

	if (!n) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	buf_init(&n->hdr, 0);
	n->h = http_ntlm_new(p, err);
	n->pool = curl_share_init();
	if (!n->h || !n->pool ||
	    curl_share_setopt(n->pool, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
		if (n->h)
			rpe_fail(err, RPE_ERR_NOMEM,
				 "libcurl connection pool setup failed");
		tr_ntlm_free(n);
		return NULL;
	}
	return n;
}

void tr_ntlm_free(struct tr_ntlm *n)
{
	if (!n)
		return;
	http_ntlm_free(n->h);
	/* The easy handle must be cleaned up (or detached) before this. */
	if (n->pool)
		curl_share_cleanup(n->pool);
	buf_free(&n->hdr);
	free(n);
}

int tr_ntlm_rearm(struct tr_ntlm *n, const struct http_ntlm_params *p,
		  struct rpe_error *err)
{
	struct http_ntlm *h = http_ntlm_new(p, err);

	if (!h)
		return err->code; /* http_ntlm_new said why */
	http_ntlm_free(n->h);
	n->h = h;
	n->leg = LEG_NONE;
	n->over = 0;
	n->bound = 0;
	n->port_one = n->port_two = 0;
	return 0;
}

int tr_ntlm_attach(struct tr_ntlm *n, CURL *easy, struct rpe_error *err)
{
	if (curl_easy_setopt(easy, CURLOPT_SHARE, n->pool) != CURLE_OK)
		return rpe_fail(err, RPE_ERR_STATE,
				"libcurl refused the channel's connection pool");
	return 0;
}

/* The header may have moved (a new message); the caller's list behind
 * the node stays. */
static void point_node(struct tr_ntlm *n)
{
	n->node.data = (char *)n->hdr.data;
}

int tr_ntlm_begin(struct tr_ntlm *n, struct rpe_error *err)
{
	int rc = http_ntlm_begin(n->h, &n->hdr, err);

	if (rc < 0)
		return rc;
	point_node(n);
	n->leg = LEG_ONE;
	return rc;
}

struct curl_slist *tr_ntlm_header_node(struct tr_ntlm *n)
{
	return &n->node;
}

void tr_ntlm_on_header(struct tr_ntlm *n, CURL *easy, const char *line, size_t len)
{
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		long port = 0;
		curl_easy_getinfo(easy, CURLINFO_LOCAL_PORT, &port);
		if (n->leg == LEG_ONE) {
			n->port_one = port;
		} else if (n->leg == LEG_TWO) {
			n->port_two = port;
		}
	}
	http_ntlm_header(n->h, line, len);
}

int tr_ntlm_on_done(struct tr_ntlm *n, long status, struct rpe_error *err)
{
	int rc = http_ntlm_response(n->h, status, &n->hdr, err);

	if (rc == HTTP_NTLM_SEND_AUTHENTICATE)
		n->leg = LEG_TWO;
	if (rc == HTTP_NTLM_SEND_NEGOTIATE || rc == HTTP_NTLM_SEND_AUTHENTICATE)
		point_node(n);
	return rc;
}

int tr_ntlm_after(struct tr_ntlm *n, CURLcode rc, long status,
		  struct rpe_error *err)
{
	int sent = http_ntlm_sent_credentials(n->h), next;

	if (n->over)
		return TR_NTLM_FINISH;
	n->over = 1;
	if (!sent && ((rc == CURLE_OK && status >= 200 && status <= 299) ||
		      rc == CURLE_GOT_NOTHING))
		return TR_NTLM_AGAIN_NO_AUTH;
	if (rc != CURLE_OK || (status != 401 && !sent))
		return TR_NTLM_FINISH;
	next = tr_ntlm_on_done(n, status, err);
	if (next < 0)
		return next;
	if (next == HTTP_NTLM_DONE)
		return TR_NTLM_FINISH;
	if (next == HTTP_NTLM_USE_BASIC)
		return TR_NTLM_AGAIN_BASIC;
	n->over = 0;
	return next == HTTP_NTLM_SEND_NEGOTIATE ? TR_NTLM_AGAIN_NEGOTIATE :
						  TR_NTLM_AGAIN_AUTHENTICATE;
}

/* libcurl's Basic for the request again: no NTLM was offered. */
static int set_basic(CURL *easy, const char *user, const char *password)
{
	if (curl_easy_setopt(easy, CURLOPT_USERNAME, user) != CURLE_OK)
		return -1;
	if (curl_easy_setopt(easy, CURLOPT_PASSWORD, password) != CURLE_OK)
		return -1;
	if (curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC) != CURLE_OK)
		return -1;
	return 0;
}

int tr_ntlm_prepare(struct tr_ntlm *n, CURL *easy, int action,
		    struct curl_slist *headers, const char *user,
		    const char *password)
{
	if (action == TR_NTLM_AGAIN_NEGOTIATE ||
	    action == TR_NTLM_AGAIN_AUTHENTICATE) {
		n->node.next = headers;
		return curl_easy_setopt(easy, CURLOPT_HTTPHEADER, &n->node) ? -1 :
									      0;
	}
	n->over = 1;
	if (curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK)
		return -1;
	return action == TR_NTLM_AGAIN_BASIC ? set_basic(easy, user, password) :
					       0;
}

int tr_ntlm_running(const struct tr_ntlm *n)
{
	return !n->over;
}

void tr_ntlm_set_binding(struct tr_ntlm *n, const uint8_t cbt[16])
{
	if (n->leg != LEG_ONE)
		return; /* only the CHALLENGE's connection counts */
	http_ntlm_set_binding(n->h, cbt);
	n->bound = 1;
}

long tr_ntlm_challenge_port(const struct tr_ntlm *n)
{
	return n->port_one;
}

long tr_ntlm_authenticate_port(const struct tr_ntlm *n)
{
	return n->port_two;
}

int tr_ntlm_bound(const struct tr_ntlm *n)
{
	return n->bound;
}

void tr_ntlm_set_unbound(struct tr_ntlm *n)
{
	http_ntlm_set_unbound(n->h);
}

const char *tr_ntlm_scheme(const struct tr_ntlm *n)
{
	return http_ntlm_scheme(n->h);
}

int tr_ntlm_sent_credentials(const struct tr_ntlm *n)
{
	return http_ntlm_sent_credentials(n->h);
}
