/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RPC over HTTP v2 pipe: the virtual connection on two HTTP channels;
 * see rpch_pipe.h. */
#include "rpch_pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpch_errors.h"
#include "rpch_vc.h"

struct rpch_pipe {
	struct rpc_pipe base; /* first: handed out as the pipe */
	struct rpch_vc vc;
	struct http_chan *in, *out;
	int connected; /* the OUT channel answered 2xx */
	int stopped;   /* the owner needs no more PDUs */
};

static int pipe_send(struct rpc_pipe *pipe, const uint8_t *p, size_t n)
{
	struct rpch_pipe *h = (struct rpch_pipe *)pipe;

	return h->in ? http_chan_send(h->in, p, n) : RPE_ERR_STATE;
}

static void pipe_close(struct rpc_pipe *pipe)
{
	struct rpch_pipe *h = (struct rpch_pipe *)pipe;

	/* Closing both requests ends the virtual connection; the server
	 * tears the session down with it. */
	http_chan_close(h->in);
	http_chan_close(h->out);
	rpch_vc_free(&h->vc);
	free(h);
}

/* A channel still waiting for the proxy's NTLM CHALLENGE: a stall there
 * is the HTTP authentication's, whatever the other channel reached. */
static const char *pipe_stalled(struct rpc_pipe *pipe)
{
	struct rpch_pipe *h = (struct rpch_pipe *)pipe;

	if (h->in && http_chan_auth_pending(h->in))
		return "the NTLM NEGOTIATE of RPC_IN_DATA (HTTP authentication)";
	if (h->out && http_chan_auth_pending(h->out))
		return "the NTLM NEGOTIATE of RPC_OUT_DATA (HTTP authentication)";
	return NULL;
}

static const struct rpc_pipe_ops rpch_pipe_ops = {
	.send_name = "IN  ->",
	.recv_name = "OUT <-",
	.send_what = "IN channel",
	.send = pipe_send,
	.close = pipe_close,
	.stalled = pipe_stalled,
};

static const char *chan_name(struct http_chan *ch)
{
	return http_chan_kind(ch) == HTTP_CHAN_OUT ? "RPC_OUT_DATA" :
						     "RPC_IN_DATA";
}

/* What a channel showed before the RPC phases: the first channel that
 * saw a certificate (or a TLS session) and offered schemes provides them. */
static void note_channel(struct rpc_pipe *p, struct http_chan *ch)
{
	const struct tls_seen *t = http_chan_tls(ch);
	struct http_timings tm;

	if (!p->tls.have_cert && (t->have_cert || t->version[0]))
		p->tls = *t;
	if (!p->auth_offered[0])
		snprintf(p->auth_offered, sizeof(p->auth_offered), "%s",
			 http_chan_auth_offered(ch));
	http_chan_timings(ch, &tm);
	if (p->resolve_time <= 0 && tm.resolve_us > 0)
		p->resolve_time = (double)tm.resolve_us / 1e6;
	if (p->tcp_time <= 0 && tm.connect_us > 0)
		p->tcp_time = (double)tm.connect_us / 1e6;
}

static void on_status(void *ctx, struct http_chan *ch, long status)
{
	struct rpch_pipe *h = ctx;
	struct http_timings t;

	note_channel(&h->base, ch);

	rpc_pipe_trace(&h->base, 2, "%s channel: HTTP %ld",
		       http_chan_kind(ch) == HTTP_CHAN_OUT ? "OUT" : "IN",
		       status);
	if (http_chan_kind(ch) != HTTP_CHAN_OUT || h->connected ||
	    status < 200 || status > 299)
		return;
	h->connected = 1;
	http_chan_timings(ch, &t);
	if (t.tls_us > 0)
		h->base.tls_time = (double)t.tls_us / 1e6;
	h->base.http_status = status;
	if (h->base.cb.on_connected)
		h->base.cb.on_connected(h->base.cb.ctx, &h->base);
}

/* One event of the core; < 0 when the pipe stops reading. */
static int on_event(struct rpch_pipe *h, int ev, const struct dcerpc_pdu *pdu,
		    struct buf *ack)
{
	struct rpc_pipe *p = &h->base;

	if (ev == RPCH_EV_RTS || ev == RPCH_EV_OPEN) {
		rpc_pipe_trace_pdu(p, "OUT <-", pdu->data, pdu->len);
		rpc_pipe_trace(p, 2, "OUT <- RTS %s",
			       rts_vc_last_name(&h->vc.rts));
	}
	if (ev == RPCH_EV_OPEN) {
		/* CONN/C2 proves both channels reached the server, so nothing
		 * sent on IN so far will ever be replayed for HTTP auth. */
		http_chan_commit(h->in);
		p->cb.on_ready(p->cb.ctx, p);
	}
	if (ev != RPCH_EV_PDU)
		return p->failed ? -1 : 0;
	if (ack->len) {
		rpc_pipe_trace(p, 2, "IN  -> RTS FlowControlAck (%zu bytes)",
			       ack->len);
		p->bytes_sent += (unsigned)ack->len;
		if (http_chan_send(h->in, ack->data, ack->len) < 0) {
			rpc_pipe_fail(p, OUTCOME_PROTOCOL_ERROR,
				      "cannot queue RTS FlowControlAck on the IN channel");
			return -1;
		}
		buf_reset(ack);
	}
	return p->cb.on_pdu(p->cb.ctx, p, pdu);
}

static int on_data(void *ctx, struct http_chan *ch, const uint8_t *d, size_t n)
{
	struct rpch_pipe *h = ctx;
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	struct buf ack;
	int ev, rc = 0;

	if (h->base.failed || h->stopped)
		return -1;
	if (http_chan_kind(ch) != HTTP_CHAN_OUT)
		return 0; /* IN responses carry nothing for us */
	h->base.bytes_received += (unsigned)n;
	if (rpch_vc_feed(&h->vc, d, n, http_chan_content_type(ch), &err) < 0) {
		rpc_pipe_fail(&h->base, OUTCOME_PROTOCOL_ERROR, "%s", err.msg);
		return -1;
	}
	buf_init(&ack, 256);
	while (rc == 0 && (ev = rpch_vc_next(&h->vc, &pdu, &ack, &err)) != 0) {
		if (ev < 0) {
			rpc_pipe_fail(&h->base, OUTCOME_PROTOCOL_ERROR, "%s",
				      err.msg);
			rc = -1;
		} else {
			rc = on_event(h, ev, &pdu, &ack);
		}
	}
	buf_free(&ack);
	/* An owner that has what it needs stops the reading here; libcurl
	 * is told only on the next bytes (the channels close soon). */
	if (rc < 0 && !h->base.failed)
		h->stopped = 1;
	return h->base.failed ? -1 : 0;
}

/* An HTTP error status on a channel, named with what the proxy meant
 * (lib/rpch_errors); the fix goes to the long output from http_reason. */
static void proxy_error(struct rpch_pipe *h, struct http_chan *ch, long status,
			const char *msg)
{
	struct rpc_pipe *p = &h->base;
	const char *which = chan_name(ch);
	struct rpch_http_error e;

	snprintf(p->http_reason, sizeof(p->http_reason), "%s",
		 http_chan_reason(ch));
	rpch_explain_http(status, p->http_reason, strlen(p->http_reason), &e);
	/* 403 comes after the credentials were accepted (or without any):
	 * not a credentials problem, the cause says what it is. */
	if (status == 401 || status == 407)
		rpc_pipe_fail(p, OUTCOME_AUTH_FAILED,
			      "RPC proxy refused the credentials on %s: %s%s%s",
			      which, msg, e.cause ? "; " : "",
			      e.cause ? e.cause : "");
	else if (e.has_rpc_error)
		rpc_pipe_fail(p, OUTCOME_PROXY_REFUSED,
			      "RPC proxy answered %s: HTTP %ld RPC Error: %x (%s): %s",
			      which, status, (unsigned)e.rpc_error,
			      e.name ? e.name : "Windows error code", e.cause);
	else
		rpc_pipe_fail(p, OUTCOME_PROXY_REFUSED,
			      "RPC proxy answered %s: %s%s%s", which, msg,
			      e.cause ? "; " : "", e.cause ? e.cause : "");
}

static void on_done(void *ctx, struct http_chan *ch, enum loop_result res,
		    long status, const char *msg)
{
	struct rpch_pipe *h = ctx;
	struct rpc_pipe *p = &h->base;
	const char *which = chan_name(ch);

	if (p->failed)
		return;
	note_channel(p, ch);
	p->http_status = status;
	p->closed = 1;
	switch (res) {
	case LOOP_RES_HTTP_STATUS: proxy_error(h, ch, status, msg); break;
	case LOOP_RES_AUTH_FAILED:
		/* HTTP NTLM: the transport says what happened, and whether
		 * credentials were sent at all. */
		rpc_pipe_fail(p, OUTCOME_AUTH_FAILED, "%s: %s", which, msg);
		break;
	case LOOP_RES_TLS_VERIFY:
	case LOOP_RES_TLS_FAILED:
		rpc_pipe_fail(p, OUTCOME_TLS_FAILED, "%s", msg);
		break;
	case LOOP_RES_RESOLVE_FAILED:
	case LOOP_RES_CONNECT_FAILED:
	case LOOP_RES_PROXY_FAILED:
		rpc_pipe_fail(p, OUTCOME_CONNECT_FAILED, "%s", msg);
		break;
	default:
		if (!h->connected)
			rpc_pipe_fail(p, OUTCOME_CONNECT_FAILED, "%s: %s",
				      which, msg);
		else
			rpc_pipe_fail(p, OUTCOME_PROTOCOL_ERROR, "%s ended: %s",
				      which, msg);
	}
}

/* OUT carries CONN/A1 as its whole body; IN starts with CONN/B1
 * (MS-RPCH 3.2.2.5.6). */
static int start(struct rpch_pipe *h, struct loop *loop,
		 const struct http_params *params, struct rpe_error *err)
{
	struct http_chan_cb cb = { h, on_status, on_data, on_done };
	struct buf a1, b1;
	int rc = -1;

	buf_init(&a1, 256);
	buf_init(&b1, 256);
	if (rpch_vc_conn_a1(&h->vc, &a1, err) < 0 ||
	    rpch_vc_conn_b1(&h->vc, &b1, err) < 0)
		goto out;
	h->out = http_chan_open(loop, params, HTTP_CHAN_OUT, a1.data, a1.len,
				&cb, err);
	if (!h->out)
		goto out;
	h->in = http_chan_open(loop, params, HTTP_CHAN_IN, NULL, 0, &cb, err);
	if (!h->in)
		goto out;
	rpc_pipe_trace(&h->base, 2, "OUT -> RTS CONN/A1, IN -> RTS CONN/B1");
	h->base.bytes_sent += (unsigned)(a1.len + b1.len);
	rc = http_chan_send(h->in, b1.data, b1.len);
	if (rc < 0)
		rpe_fail(err, rc, "cannot queue CONN/B1");
out:
	buf_free(&a1);
	buf_free(&b1);
	return rc;
}

struct rpc_pipe *rpch_pipe_open(struct loop *loop,
				const struct http_params *params,
				const struct rpc_pipe_cb *cb,
				struct rpe_error *err)
{
	struct rpch_pipe *h = calloc(1, sizeof(*h));

	if (!h) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	h->base.ops = &rpch_pipe_ops;
	h->base.cb = *cb;
	h->base.t0 = loop_now_s();
	if (rpch_vc_init(&h->vc, NULL, err) < 0 ||
	    start(h, loop, params, err) < 0) {
		pipe_close(&h->base);
		return NULL;
	}
	return &h->base;
}
