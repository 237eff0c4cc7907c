/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP NTLM on libcurl with our own Authorization headers (lib/httpntlm
 * does the messages; this file the libcurl side of one channel).
 *
 * NTLM authenticates a TCP connection (MS-NTHT 3): the AUTHENTICATE must go
 * out on the connection whose 401 carried the CHALLENGE.  libcurl keeps
 * idle connections in a pool shared by every transfer of a multi handle,
 * where another channel's request could take the one a channel is about to
 * authenticate.  So each channel gets a pool of its own (a CURLSH with
 * CURL_LOCK_DATA_CONNECT) in which its two legs run one after the other on
 * the same easy handle: leg one without a body, the real request after it.
 * The channel binding comes from lib/tlsinfo, read while leg one's answer
 * arrives; leg two's local port is compared with leg one's, so the
 * transport can prove (and trace) that one connection carried both.
 *
 *   n = tr_ntlm_new(&params, err)
 *   tr_ntlm_attach(n, easy, err)       the private pool on the handle
 *   tr_ntlm_begin(n, err)              -> HTTP_NTLM_SEND_NEGOTIATE
 *   put tr_ntlm_header_node(n) first in CURLOPT_HTTPHEADER
 *   from CURLOPT_HEADERFUNCTION: tr_ntlm_on_header(n, easy, line, len)
 *   when the transfer is done: tr_ntlm_on_done(n, status, err)
 *       -> the next step (see lib/httpntlm.h); restart the handle with
 *          the header node (now holding the AUTHENTICATE) and, for
 *          HTTP_NTLM_SEND_AUTHENTICATE, the real body. */
#ifndef RPE_TRANSPORT_NTLM_H
#define RPE_TRANSPORT_NTLM_H

#include <curl/curl.h>

#include "err.h"
#include "httpntlm.h"

struct tr_ntlm;

struct tr_ntlm *tr_ntlm_new(const struct http_ntlm_params *p,
			    struct rpe_error *err);
/* Also wipes the last Authorization header. */
void tr_ntlm_free(struct tr_ntlm *n);

/* A new handshake on the same pool (the connection the last one
 * authenticated was closed, or the server asks again): fresh NTLM state
 * from p, the pool and its idle connections kept.  tr_ntlm_begin next; the
 * unbound setting must be given again. */
int tr_ntlm_rearm(struct tr_ntlm *n, const struct http_ntlm_params *p,
		  struct rpe_error *err);
int tr_ntlm_attach(struct tr_ntlm *n, CURL *easy, struct rpe_error *err);
int tr_ntlm_begin(struct tr_ntlm *n, struct rpe_error *err);
/* A header list node holding the current Authorization line; link the
 * transport's own list behind it (node->next, NULL at first; kept across
 * legs).  Owned by n. */
struct curl_slist *tr_ntlm_header_node(struct tr_ntlm *n);
void tr_ntlm_on_header(struct tr_ntlm *n, CURL *easy, const char *line,
		       size_t len);
/* The channel binding of the connection leg one's answer came on (lib/
 * tlsinfo's struct tls_seen, read from the same header callback). */
void tr_ntlm_set_binding(struct tr_ntlm *n, const uint8_t cbt[16]);
int tr_ntlm_on_done(struct tr_ntlm *n, long status, struct rpe_error *err);

/* What a caller does when a transfer of its handle ended (tr_ntlm_after):
 * finish (report the end as it is), or run the handle again. */
enum tr_ntlm_action {
	TR_NTLM_FINISH = 0,
	TR_NTLM_AGAIN_NEGOTIATE,    /* leg one again (the other scheme) */
	TR_NTLM_AGAIN_AUTHENTICATE, /* the real request, same connection */
	TR_NTLM_AGAIN_BASIC,        /* no NTLM offered: Basic (ANY) */
	TR_NTLM_AGAIN_NO_AUTH,      /* the proxy took leg one for the
				         request: it asks for no auth */
};

/* Decide after a transfer ended with rc and status: an action, or < 0
 * with err saying why the HTTP authentication failed (credentials sent
 * or not).  A leg one answered with something else than a 401 (an error
 * page of the proxy) is TR_NTLM_FINISH. */
int tr_ntlm_after(struct tr_ntlm *n, CURLcode rc, long status,
		  struct rpe_error *err);
/* Point easy at the next leg: the Authorization node in front of headers,
 * or headers alone with libcurl's Basic (user, password) or nothing.  The
 * caller sets the body (none on leg one) and restarts the handle. */
int tr_ntlm_prepare(struct tr_ntlm *n, CURL *easy, int action,
		    struct curl_slist *headers, const char *user,
		    const char *password);
/* 1 while the handshake is still running (leg one or two pending). */
int tr_ntlm_running(const struct tr_ntlm *n);

/* Local ports of the connections that carried leg one (the CHALLENGE) and
 * leg two (the AUTHENTICATE); 0 when not seen yet. */
long tr_ntlm_challenge_port(const struct tr_ntlm *n);
long tr_ntlm_authenticate_port(const struct tr_ntlm *n);
/* 1 when the channel binding came from the connection's certificate. */
int tr_ntlm_bound(const struct tr_ntlm *n);
const char *tr_ntlm_scheme(const struct tr_ntlm *n);
/* The AUTHENTICATE without channel binding (http_ntlm_set_unbound). */
void tr_ntlm_set_unbound(struct tr_ntlm *n);
int tr_ntlm_sent_credentials(const struct tr_ntlm *n);

#endif
