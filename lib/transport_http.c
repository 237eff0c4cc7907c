/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over HTTP v2 channels on libcurl; see transport_http.h. */
#define _POSIX_C_SOURCE 200809L
#include "transport_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "http_head.h"
#include "loop_source.h"
#include "transport_ntlm.h"
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
	struct http_head head; /* reason phrase, Content-Type, end */
	char errbody[ERRBODY_MAX + 1];
	size_t errbody_len;
	uint8_t *out_body;
	size_t out_len;
	struct http_upload up; /* IN: the upload and its replay log */
	int paused;
	int running;
	long status;
	enum loop_result result;
	/* HTTP NTLM (ours); NULL with libcurl's Basic/Negotiate or none. */
	struct tr_ntlm *ntlm;
	int ntlm_done;               /* the handshake is over */
	const char *user, *password; /* the Basic fallback of ANY */
	int negotiate;           /* libcurl's Negotiate (may take two legs) */
	const char *curl_scheme; /* libcurl's scheme with credentials:
				    "Basic", "Negotiate", or NULL */
	char auth_msg[320];      /* why HTTP authentication failed */
	/* IN: the proxy spoke while the upload waited for PDUs (an early
	 * status, bytes or a close): libcurl must run to see it. */
	int early_answer;
	long final_error;   /* IN: an error status before the end */
	int peer_closed;    /* IN: the proxy closed while we waited */
	int eof_seen;       /* IN: an EOF seen once (libcurl may still
				    hold the proxy's last bytes) */
	curl_socket_t sock; /* IN: the socket waited on (src_wait_fd) */
	/* Sockets libcurl opened for this handle (its socket callback;
	 * CURLINFO_ACTIVESOCKET is set only once a transfer is over).  Happy
	 * eyeballs opens more than one and closes the losers, whose numbers
	 * may come back for other connections: the one in use is the one
	 * whose local port is CURLINFO_LOCAL_PORT (conn_socket). */
	curl_socket_t socks[4];
	unsigned nsocks;
	/* The first leg's name resolution, TCP and TLS times: the legs after
	 * it reuse its connection, and libcurl times each transfer alone. */
	int64_t first_resolve_us, first_connect_us, first_tls_us;
	struct tls_seen tls;   /* TLS version, cipher, leaf certificate */
	char auth_offered[96]; /* WWW-Authenticate schemes: "NTLM, Basic" */
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

/* HTTP NTLM traces ------------------------------------------------------------ */

/* The AUTHENTICATE leg got an answer other than 401 (the IN channel's
 * first is at its end, so without "Expect: 100-continue" only the OUT
 * channel says when): trace which connections carried the handshake. */
static void ntlm_accepted(struct http_chan *ch, long st)
{
	ch->ntlm_done = 1;
	if (!tr_ntlm_sent_credentials(ch->ntlm))
		return;
	loop_trace(ch->src.loop, 2,
		   "%s channel: HTTP %ld to the NTLM (%s) AUTHENTICATE; CHALLENGE on local port %ld, AUTHENTICATE on local port %ld; channel binding %s",
		   kind_name(ch->kind), st, tr_ntlm_scheme(ch->ntlm),
		   tr_ntlm_challenge_port(ch->ntlm),
		   tr_ntlm_authenticate_port(ch->ntlm),
		   tr_ntlm_bound(ch->ntlm) ? "from the server certificate" :
					     "none");
}

/* The final status of the IN request before its body ended: the proxy
 * gave up on it (MS-RPCH 3.2.2.5: its answer to RPC_IN_DATA otherwise
 * comes only at the end).  Not the 401 of an authentication in progress. */
static void note_final_status(struct http_chan *ch, long st)
{
	if (ch->kind != HTTP_CHAN_IN || st < 300 || (ch->ntlm && !ch->ntlm_done) ||
	    ((st == 401 || st == 407) && ch->negotiate))
		return;
	ch->final_error = st;
	ch->early_answer = 1;
}

/* Leg one of our HTTP NTLM (no body, no credentials yet) is still out.  A
 * 2xx to it is the leg's, never the channel's: to a proxy that asks for no
 * authentication a request with Content-Length 0 is an echo request
 * (MS-RPCH 2.1.2.1.5), answered 200 with an echo RTS PDU (2.1.2.1.6,
 * 2.2.4.48) that is no part of the virtual connection.  ntlm_next() then
 * sends the real request without authentication. */
static int negotiate_leg(const struct http_chan *ch)
{
	return ch->ntlm && !ch->ntlm_done && !tr_ntlm_sent_credentials(ch->ntlm);
}

static int is_2xx(long st)
{
	return st >= 200 && st <= 299;
}

/* libcurl callbacks -------------------------------------------------------- */

static int on_sockopt(void *userp, curl_socket_t fd, curlsocktype purpose)
{
	struct http_chan *ch = userp;

	if (purpose == CURLSOCKTYPE_IPCXN)
		ch->socks[ch->nsocks++ % 4] = fd;
	return CURL_SOCKOPT_OK;
}

/* The TLS session of the connection the response came on (a resumed
 * session ran no verification, so its certificate is read here too). */
static void note_tls(struct http_chan *ch)
{
	struct curl_tlssessioninfo *ti = NULL;

	if (ch->src.tls &&
	    curl_easy_getinfo(ch->src.easy, CURLINFO_TLS_SSL_PTR, &ti) ==
		    CURLE_OK &&
	    ti && ti->backend == CURLSSLBACKEND_OPENSSL)
		tlsinfo_from_ssl(ti->internals, &ch->tls);
}

/* The end of a response's header block: its status, unless it is the
 * HTTP authentication's (a 401/407, or the 2xx to our NTLM's leg one). */
static void head_end(struct http_chan *ch)
{
	long st = 0;

	if (!ch->cb.on_status)
		return;
	curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
	note_final_status(ch, st);
	if (is_2xx(st) && negotiate_leg(ch)) {
		loop_trace(ch->src.loop, 2,
			   "%s channel: HTTP %ld to the body-less NTLM NEGOTIATE: no HTTP authentication asked for (an echo response, MS-RPCH 2.1.2.1.6)",
			   kind_name(ch->kind), st);
	} else if (st >= 200 && !(st == 401 || st == 407)) {
		if (ch->ntlm && !ch->ntlm_done)
			ntlm_accepted(ch, st);
		ch->status = st;
		ch->cb.on_status(ch->cb.ctx, ch, st);
	}
}

/* The lines themselves are read by lib/http_head (sans-I/O, fuzzed). */
static size_t on_header(char *p, size_t size, size_t n, void *userp)
{
	struct http_chan *ch = userp;
	size_t len = size * n, value;

	if (ch->ntlm && !ch->ntlm_done)
		tr_ntlm_on_header(ch->ntlm, ch->src.easy, p, len);
	switch (http_head_line(&ch->head, p, len, &value)) {
	case HTTP_HEAD_STATUS:
		note_tls(ch);
		if (ch->ntlm && !ch->ntlm_done && ch->tls.have_cbt)
			tr_ntlm_set_binding(ch->ntlm, ch->tls.cbt);
		/* Status lines are safe to show; they carry no credentials. */
		loop_trace(ch->src.loop, 2, "%s channel: %.*s",
			   kind_name(ch->kind), (int)(len > 2 ? len - 2 : len),
			   p);
		break;
	case HTTP_HEAD_CHALLENGE:
		/* What the RPC proxy offers (RFC 7235 section 4.1); a value
		 * that is no challenge list is left out. */
		(void)http_auth_schemes_add(ch->auth_offered,
					    sizeof(ch->auth_offered),
					    (const uint8_t *)p + value,
					    len - value);
		break;
	case HTTP_HEAD_END: head_end(ch); break;
	default: break;
	}
	return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *userp)
{
	struct http_chan *ch = userp;
	size_t len = size * n;
	long st = 0;

	curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
	if (is_2xx(st) && negotiate_leg(ch))
		return len; /* the echo response: not the channel's bytes */
	if (!is_2xx(st)) {
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

	if (ch->final_error || ch->peer_closed)
		return CURL_READFUNC_ABORT; /* the proxy ended the request */
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
	/* NTLM, and ANY which starts with it, are ours (ntlm_open). */
	return a == HTTP_AUTH_NEGOTIATE ? CURLAUTH_NEGOTIATE : CURLAUTH_BASIC;
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
	r = snprintf(url, n, "%s://%s%s", p->tls ? "https" : "http", hp, p->path);
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
	    add_header(ch, "Connection: Keep-Alive") < 0 ||
	    /* No "Expect: 100-continue" (libcurl's default for the 1 GiB IN
	     * body): Windows sends none, it costs a round trip, and an early
	     * answer or close from the proxy is seen anyway (src_wait_fd). */
	    (ch->kind == HTTP_CHAN_IN && add_header(ch, "Expect:") < 0))
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	SETOPT(CURLOPT_HTTPHEADER, ch->headers);
	SETOPT(CURLOPT_SOCKOPTFUNCTION, on_sockopt);
	SETOPT(CURLOPT_SOCKOPTDATA, ch);
	return 0;
fail:
	return RPE_ERR_UNSUPPORTED;
}

/* The request body: none on an NTLM NEGOTIATE leg (MS-NTHT: the
 * handshake's first request carries Content-Length: 0, as Outlook sends
 * it); else OUT's CONN/A1, or IN's announced length streamed from the
 * upload queue (MS-RPCH 2.1.2.1.1). */
static CURLcode set_body(struct http_chan *ch, int negotiate_leg)
{
	CURL *e = ch->src.easy;
	CURLcode rc;

	if (negotiate_leg) {
		rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		return rc ? rc :
			    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
					     (curl_off_t)0);
	}
	rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS,
			      ch->kind == HTTP_CHAN_OUT ? (char *)ch->out_body :
							  NULL);
	return rc ? rc :
		    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				     ch->kind == HTTP_CHAN_OUT ?
					     (curl_off_t)ch->out_len :
					     (curl_off_t)HTTP_IN_CHANNEL_CONTENT_LENGTH);
}

static int setup_body(struct http_chan *ch, const uint8_t *body, size_t len,
		      struct rpe_error *err)
{
	if (ch->kind == HTTP_CHAN_OUT) {
		ch->out_body = malloc(len ? len : 1);
		if (!ch->out_body)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		memcpy(ch->out_body, body, len);
		ch->out_len = len;
		return set_body(ch, 0) ? rpe_fail(err, RPE_ERR_UNSUPPORTED,
						  "libcurl rejected the body") :
					 0;
	}
	if (set_body(ch, 0) != CURLE_OK)
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"libcurl rejected the body");
	SETOPT(CURLOPT_READFUNCTION, on_read);
	SETOPT(CURLOPT_READDATA, ch);
	SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
	SETOPT(CURLOPT_SEEKDATA, ch);
	return 0;
fail:
	return RPE_ERR_UNSUPPORTED;
}

/* Our HTTP NTLM (lib/transport_ntlm): the channel gets a connection pool
 * of its own, and leg one is its request without a body and with the
 * NEGOTIATE. */
static int ntlm_open(struct http_chan *ch, const struct http_params *p,
		     struct rpe_error *err)
{
	struct http_ntlm_params np = {
		p->ntlm_user ? p->ntlm_user : p->user,
		p->ntlm_domain ? p->ntlm_domain : "",
		p->password ? p->password : "",
		p->host,
		p->auth == HTTP_AUTH_ANY,
		0,
		"the RPC proxy",
	};
	struct curl_slist *node;

	ch->user = p->user;
	ch->password = p->password ? p->password : "";
	ch->ntlm = tr_ntlm_new(&np, err);
	if (!ch->ntlm || tr_ntlm_attach(ch->ntlm, ch->src.easy, err) < 0 ||
	    tr_ntlm_begin(ch->ntlm, err) < 0)
		return err && err->code ? err->code : RPE_ERR_NOMEM;
	node = tr_ntlm_header_node(ch->ntlm);
	node->next = ch->headers;
	if (curl_easy_setopt(ch->src.easy, CURLOPT_HTTPHEADER, node) ||
	    set_body(ch, 1))
		return rpe_fail(err, RPE_ERR_UNSUPPORTED,
				"libcurl rejected the NTLM request");
	return 0;
}

/* The next leg on the same handle and, through the channel's own pool,
 * the same connection (enum tr_ntlm_action). */
static int ntlm_restart(struct http_chan *ch, int action)
{
	struct rpe_error err = { 0, "" };
	int rc;

	ch->errbody_len = 0;
	ch->errbody[0] = '\0';
	if (ch->first_connect_us <= 0) {
		struct http_timings t;
		http_chan_timings(ch, &t);
		ch->first_resolve_us = t.resolve_us;
		ch->first_connect_us = t.connect_us;
		ch->first_tls_us = t.tls_us;
	}
	ch->ntlm_done = action != TR_NTLM_AGAIN_NEGOTIATE &&
			action != TR_NTLM_AGAIN_AUTHENTICATE;
	rc = tr_ntlm_prepare(ch->ntlm, ch->src.easy, action, ch->headers,
			     ch->user, ch->password);
	if (rc == 0 && action != TR_NTLM_AGAIN_NEGOTIATE)
		rc = set_body(ch, 0) ? -1 : 0;
	loop_trace(ch->src.loop, 2, "%s channel: %s", kind_name(ch->kind),
		   action == TR_NTLM_AGAIN_BASIC ?
			   "no NTLM offered: Basic" :
		   action == TR_NTLM_AGAIN_NO_AUTH ?
			   "no HTTP authentication asked for" :
		   action == TR_NTLM_AGAIN_NEGOTIATE ?
			   "NTLM NEGOTIATE again, other scheme" :
			   "NTLM CHALLENGE: AUTHENTICATE with the request, same connection");
	if (rc < 0 || loop_restart(&ch->src, &err) < 0) {
		snprintf(ch->auth_msg, sizeof(ch->auth_msg),
			 "libcurl refused to send the request again for HTTP authentication");
		return -1;
	}
	return 0;
}

/* A transfer of a channel doing HTTP NTLM ended: 1 when the next leg
 * started (the channel goes on), 0 when this end is the channel's. */
static int ntlm_next(struct http_chan *ch, CURLcode rc)
{
	struct rpe_error err = { 0, "" };
	long st = 0;
	int action;

	if (!ch->ntlm || ch->ntlm_done)
		return 0;
	curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
	action = tr_ntlm_after(ch->ntlm, rc, st, &err);
	ch->ntlm_done = 1;
	if (action < 0)
		snprintf(ch->auth_msg, sizeof(ch->auth_msg), "%s", err.msg);
	if (action <= TR_NTLM_FINISH)
		return 0;
	/* The proxy took the bodiless leg for the request: the other
	 * channels follow (src_prepare). */
	if (action == TR_NTLM_AGAIN_NO_AUTH)
		loop_note(ch->src.loop, LOOP_NOTE_NO_HTTP_AUTH);
	return ntlm_restart(ch, action) == 0;
}

/* HTTP authentication, TLS, proxy and routing; shared with the one-shot
 * requests of transport_request.c so both get the same settings. */
int http_setup_connection(struct loop_source *src, struct curl_slist **connect_to,
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
		TRY(LOOP_SETOPT(e, CURLOPT_SSL_VERIFYPEER,
				p->insecure ? 0L : 1L, err));
		TRY(LOOP_SETOPT(e, CURLOPT_SSL_VERIFYHOST,
				p->insecure ? 0L : 2L, err));
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

/* A channel's HTTP authentication: our NTLM for ANY and NTLM (libcurl is
 * then given no credentials), libcurl's Basic or Negotiate otherwise. */
static int setup_connection(struct http_chan *ch, const struct http_params *p,
			    struct rpe_error *err)
{
	struct http_params q = *p;

	if (p->user && (p->auth == HTTP_AUTH_ANY || p->auth == HTTP_AUTH_NTLM)) {
		TRY(ntlm_open(ch, p, err));
		q.user = NULL;
	}
	ch->negotiate = q.user && p->auth == HTTP_AUTH_NEGOTIATE;
	if (q.user)
		ch->curl_scheme = ch->negotiate ? "Negotiate" : "Basic";
	return http_setup_connection(&ch->src, &ch->connect_to, &q, err);
}

struct http_chan *http_chan_open(struct loop *loop, const struct http_params *p,
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
	    setup_connection(ch, p, err) < 0 || loop_add(&ch->src, err) < 0) {
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
	tr_ntlm_free(ch->ntlm); /* after the handle: it owns the pool */
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
	if (t->connect_us <= 0 && ch->first_connect_us > 0) {
		t->resolve_us = ch->first_resolve_us;
		t->connect_us = ch->first_connect_us;
		t->tls_us = ch->first_tls_us;
	}
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
	return ch->head.reason;
}

const char *http_chan_content_type(const struct http_chan *ch)
{
	return ch->head.content_type;
}

enum http_chan_kind http_chan_kind(const struct http_chan *ch)
{
	return ch->kind;
}

int http_chan_auth_pending(const struct http_chan *ch)
{
	return ch->running && ch->ntlm && !ch->ntlm_done &&
	       !tr_ntlm_sent_credentials(ch->ntlm);
}

/* A 401/407 the connection cut off, in its header block (libcurl then
 * reports it complete) or in its body: what it offered is unknown, and no
 * verdict on the credentials or the schemes can be drawn from it. */
static int cut_challenge(const struct http_chan *ch, CURLcode rc, long st)
{
	return (st == 401 || st == 407) &&
	       (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
		rc == CURLE_GOT_NOTHING || (rc == CURLE_OK && !ch->head.done));
}

/* 1 if the ", "-separated list of offered schemes names scheme. */
static int offers(const char *list, const char *scheme)
{
	size_t n = strlen(scheme);

	while (*list) {
		size_t len = strcspn(list, ",");
		if (len == n && strncasecmp(list, scheme, n) == 0)
			return 1;
		list += len;
		while (*list == ',' || *list == ' ')
			list++;
	}
	return 0;
}

/* The proxy's final 401 to libcurl's Basic or Negotiate: when its
 * challenges do not list that scheme, the credentials were never judged
 * (RFC 7235 4.1: the 401 lists what the resource accepts). */
static int scheme_not_offered(struct http_chan *ch, long st)
{
	if (st != 401 || !ch->curl_scheme || !ch->auth_offered[0] ||
	    offers(ch->auth_offered, ch->curl_scheme))
		return 0;
	snprintf(ch->auth_msg, sizeof(ch->auth_msg),
		 "the RPC proxy does not offer %s (it offers %s); check --http-auth",
		 ch->curl_scheme, ch->auth_offered);
	return 1;
}

static void finish(struct http_chan *ch, CURLcode rc)
{
	enum loop_result res = loop_classify(rc);
	char msg[400], ex[160];
	long st = 0;
	int cut;

	curl_easy_getinfo(ch->src.easy, CURLINFO_RESPONSE_CODE, &st);
	cut = cut_challenge(ch, rc, st);
	if (!cut && ntlm_next(ch, rc))
		return;
	if (st)
		ch->status = st;
	if (!cut && rc == CURLE_OK)
		(void)scheme_not_offered(ch, st);
	if (cut) {
		res = LOOP_RES_RECV_FAILED;
		snprintf(msg, sizeof(msg),
			 "the connection closed in the middle of the proxy's %ld answer (HTTP authentication)",
			 st);
	} else if (ch->auth_msg[0]) {
		res = LOOP_RES_AUTH_FAILED;
		snprintf(msg, sizeof(msg), "%s", ch->auth_msg);
	} else if (ch->final_error) {
		res = LOOP_RES_HTTP_STATUS;
		ch->status = ch->final_error;
		snprintf(msg, sizeof(msg), "HTTP %ld%s%s", ch->final_error,
			 ch->head.reason[0] ? ": " : "", ch->head.reason);
	} else if (ch->peer_closed) {
		res = LOOP_RES_RECV_FAILED;
		snprintf(msg, sizeof(msg),
			 "the RPC proxy closed the %s channel while its request was open",
			 kind_name(ch->kind));
	} else if (rc == CURLE_OK && (st < 200 || st > 299)) {
		res = LOOP_RES_HTTP_STATUS;
		http_head_excerpt(ch->errbody, ex, sizeof(ex));
		snprintf(msg, sizeof(msg), "HTTP %ld%s%s", st,
			 ex[0] ? ": " : "", ex);
	} else if (rc == CURLE_OK) {
		snprintf(msg, sizeof(msg), "server ended the %s channel response",
			 kind_name(ch->kind));
	} else if (loop_not_http(rc,
				 ch->kind == HTTP_CHAN_IN ? "RPC_IN_DATA" :
							    "RPC_OUT_DATA",
				 "an RPC proxy", msg, sizeof(msg))) {
		/* the wording is the loop's, shared with Autodiscover */
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
 * paused on an empty queue, and those whose proxy spoke meanwhile.  A
 * channel still on its NTLM NEGOTIATE when another found that the proxy
 * asks for no authentication starts over without it (an IN channel the
 * proxy took for the real one would wait for RTS PDUs forever). */
static int src_prepare(struct loop_source *src)
{
	struct http_chan *ch = (struct http_chan *)src;

	if (ch->running && ch->ntlm && !ch->ntlm_done &&
	    !tr_ntlm_sent_credentials(ch->ntlm) &&
	    (loop_notes(src->loop) & LOOP_NOTE_NO_HTTP_AUTH))
		return ntlm_restart(ch, TR_NTLM_AGAIN_NO_AUTH) == 0;
	if (!ch->paused || !ch->running ||
	    (!ch->up.queue.len && !ch->early_answer))
		return 0;
	ch->paused = 0;
	ch->early_answer = 0;
	curl_easy_pause(ch->src.easy, CURLPAUSE_CONT);
	return 1;
}

/* The socket of the transfer's connection, or CURL_SOCKET_BAD. */
static curl_socket_t conn_socket(const struct http_chan *ch)
{
	long port = 0;
	unsigned i, n = ch->nsocks < 4 ? ch->nsocks : 4;

	if (curl_easy_getinfo(ch->src.easy, CURLINFO_LOCAL_PORT, &port) !=
		    CURLE_OK ||
	    port <= 0)
		return CURL_SOCKET_BAD;
	for (i = 0; i < n; i++) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		long p = -1;
		if (getsockname(ch->socks[i], (struct sockaddr *)&sa, &len) < 0)
			continue;
		if (sa.ss_family == AF_INET)
			p = ntohs(((struct sockaddr_in *)&sa)->sin_port);
		else if (sa.ss_family == AF_INET6)
			p = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
		if (p == port)
			return ch->socks[i];
	}
	return CURL_SOCKET_BAD;
}

/* While the IN upload is paused libcurl does not look at its socket, so an
 * answer or a close from the proxy (HTTP/1.0 503 RPC Error: 6ba when the
 * backend is unreachable) would wait for the deadline: wait on it too. */
static int src_wait_fd(struct loop_source *src, struct curl_waitfd *fd)
{
	struct http_chan *ch = (struct http_chan *)src;

	ch->sock = CURL_SOCKET_BAD;
	if (ch->kind != HTTP_CHAN_IN || !ch->paused || !ch->running)
		return 0;
	ch->sock = conn_socket(ch);
	if (ch->sock == CURL_SOCKET_BAD)
		return 0;
	fd->fd = ch->sock;
	fd->events = CURL_WAIT_POLLIN;
	fd->revents = 0;
	return 1;
}

/* Bytes are TLS records for libcurl to read (perhaps the proxy's
 * answer); none at all is the proxy's close. */
static void src_events(struct loop_source *src)
{
	struct http_chan *ch = (struct http_chan *)src;
	char c;
	ssize_t n;

	if (ch->kind != HTTP_CHAN_IN || !ch->paused || !ch->running ||
	    ch->sock == CURL_SOCKET_BAD)
		return;
	n = recv(ch->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n >= 0)
		loop_trace(ch->src.loop, 3,
			   "IN channel: the proxy %s while the upload waited",
			   n ? "sent bytes" : "closed");
	/* The proxy's answer may already sit in OpenSSL's buffer with only
	 * the close left on the socket: let libcurl run once before calling
	 * it a close. */
	if (n == 0 && ch->eof_seen++)
		ch->peer_closed = 1;
	if (n >= 0)
		ch->early_answer = 1;
}

static void src_destroy(struct loop_source *src)
{
	http_chan_close((struct http_chan *)src);
}

static const struct loop_source_ops http_source_ops = {
	.done = src_done,
	.prepare = src_prepare,
	.wait_fd = src_wait_fd,
	.events = src_events,
	.destroy = src_destroy,
};
