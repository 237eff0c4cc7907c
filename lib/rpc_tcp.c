/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over TCP with the endpoint mapper lookup; see rpc_tcp.h. */
#include "rpc_tcp.h"

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "epm.h"
#include "rpc_assoc.h"

struct tcp_pipe {
	struct rpc_pipe base; /* first: handed out as the pipe */
	struct loop *loop;
	const struct rpc_tcp_params *params;
	struct tcp_chan *epm, *rpc;
	struct dcerpc_reader epm_reader, reader;
	struct rpc_assoc epm_assoc;
	int epm_done;  /* the lookup is answered */
	int connected; /* the service's stream is up */
};

static int pipe_send(struct rpc_pipe *pipe, const uint8_t *p, size_t n)
{
	struct tcp_pipe *t = (struct tcp_pipe *)pipe;

	return t->rpc ? tcp_chan_send(t->rpc, p, n) : RPE_ERR_STATE;
}

static void pipe_close(struct rpc_pipe *pipe)
{
	struct tcp_pipe *t = (struct tcp_pipe *)pipe;

	tcp_chan_close(t->epm);
	tcp_chan_close(t->rpc);
	dcerpc_reader_free(&t->epm_reader);
	dcerpc_reader_free(&t->reader);
	rpc_assoc_free(&t->epm_assoc);
	free(t);
}

static const struct rpc_pipe_ops tcp_pipe_ops = {
	.send_name = "TCP ->",
	.recv_name = "TCP <-",
	.send_what = "TCP connection",
	.send = pipe_send,
	.close = pipe_close,
};

/* Server bytes -> whole PDUs -> handle(); 0, or < 0 to stop reading. */
static int feed(struct tcp_pipe *t, struct dcerpc_reader *rd, const uint8_t *d,
		size_t n, const char *where,
		int (*handle)(struct tcp_pipe *, const struct dcerpc_pdu *))
{
	struct rpe_error err = { 0, "" };
	struct dcerpc_pdu pdu;
	int rc;

	if (dcerpc_reader_feed(rd, d, n, &err) < 0) {
		rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR, "%s: %s", where,
			      err.msg);
		return -1;
	}
	while ((rc = dcerpc_reader_next(rd, &pdu, &err)) != 0) {
		if (rc < 0) {
			rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR,
				      "%s: %s", where, err.msg);
			return -1;
		}
		if (handle(t, &pdu) < 0)
			return -1;
	}
	return t->base.failed ? -1 : 0;
}

/* The service's stream ---------------------------------------------------------- */

static void rpc_on_connected(void *ctx, struct tcp_chan *ch)
{
	struct tcp_pipe *t = ctx;

	t->connected = 1;
	/* The steps before the logon: resolving and reaching the store. */
	tcp_chan_times(ch, &t->base.resolve_time, &t->base.tcp_time);
	/* The lookup's connection is of no further use; this runs from the
	 * loop's dispatch of another source, where closing it is safe. */
	tcp_chan_close(t->epm);
	t->epm = NULL;
	t->base.cb.on_ready(t->base.cb.ctx, &t->base);
}

static int rpc_pdu(struct tcp_pipe *t, const struct dcerpc_pdu *pdu)
{
	return t->base.cb.on_pdu(t->base.cb.ctx, &t->base, pdu);
}

static int rpc_on_data(void *ctx, struct tcp_chan *ch, const uint8_t *d, size_t n)
{
	struct tcp_pipe *t = ctx;

	(void)ch;
	if (t->base.failed)
		return -1;
	t->base.bytes_received += (unsigned)n;
	return feed(t, &t->reader, d, n, "RPC/TCP", rpc_pdu);
}

static void rpc_on_done(void *ctx, struct tcp_chan *ch, enum loop_result res,
			const char *msg)
{
	struct tcp_pipe *t = ctx;

	(void)ch;
	t->base.closed = 1;
	if (!t->connected)
		rpc_pipe_fail(&t->base, OUTCOME_CONNECT_FAILED, "%s port %s",
			      t->params->iface_name, msg);
	else if (res == LOOP_RES_RECV_FAILED || res == LOOP_RES_SEND_FAILED)
		rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR, "RPC/TCP %s",
			      msg);
	else
		rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR, "RPC/TCP: %s",
			      msg);
}

static int connect_service(struct tcp_pipe *t, long port, struct rpe_error *err)
{
	struct tcp_chan_cb cb = { t, rpc_on_connected, rpc_on_data, rpc_on_done };
	struct tcp_params tp = t->params->epm;

	tp.port = port;
	tp.name = "RPC";
	t->base.tcp_port = (unsigned)port;
	t->base.connect_step = "store port";
	t->rpc = tcp_chan_open(t->loop, &tp, &cb, err);
	return t->rpc ? 0 : -1;
}

/* The endpoint mapper ------------------------------------------------------------- */

static void epm_answer(struct tcp_pipe *t, const uint8_t *stub, size_t len)
{
	const struct rpc_tcp_params *pp = t->params;
	struct rpe_error err = { 0, "" };
	struct epm_map_result r;
	char where[300];

	if (epm_decode_map_response(stub, len, pp->iface, &r, &err) < 0) {
		rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR,
			      "endpoint mapper: %s", err.msg);
		return;
	}
	t->epm_done = 1;
	t->base.epm_time = loop_now_s() - t->base.t0;
	if (!r.found) {
		loop_hostport(where, sizeof(where),
			      pp->epm.connect_ip ? pp->epm.connect_ip :
						   pp->epm.host,
			      pp->epm.port);
		rpc_pipe_fail(&t->base, OUTCOME_NOT_REGISTERED,
			      "%s is not registered at the endpoint mapper of %s (%s, %u towers)%s%s",
			      pp->iface_name, where, epm_status_name(r.status),
			      (unsigned)r.num_towers,
			      pp->not_registered_hint ? ": " : "",
			      pp->not_registered_hint ? pp->not_registered_hint :
							"");
		return;
	}
	rpc_pipe_trace(&t->base, 2, "EPM <- ept_map: %s on TCP port %u",
		       pp->iface_name, (unsigned)r.port);
	if (connect_service(t, r.port, &err) < 0)
		rpc_pipe_fail(&t->base, OUTCOME_CONNECT_FAILED,
			      "cannot connect: %s", err.msg);
}

static void epm_send_map(struct tcp_pipe *t)
{
	struct rpe_error err = { 0, "" };
	struct rpc_assoc_event ev;
	struct buf stub, pdu;
	uint32_t call_id;

	buf_init(&stub, 4096);
	buf_init(&pdu, 8192);
	if (epm_encode_map_request(&stub, t->params->iface, EPM_MAX_TOWERS,
				   &err) < 0) {
		rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR,
			      "cannot build ept_map: %s", err.msg);
		goto out;
	}
	if (rpc_assoc_call(&t->epm_assoc, EPM_OPNUM_MAP, stub.data, stub.len,
			   &pdu, &call_id, &ev) < 0) {
		rpc_pipe_fail(&t->base, rpc_pipe_assoc_outcome(ev.fail),
			      "endpoint mapper: %s", ev.msg);
		goto out;
	}
	rpc_pipe_trace(&t->base, 2, "EPM -> ept_map %s (%zu bytes)",
		       t->params->iface_name, pdu.len);
	if (tcp_chan_send(t->epm, pdu.data, pdu.len) < 0)
		rpc_pipe_fail(&t->base, OUTCOME_PROTOCOL_ERROR,
			      "cannot send ept_map: connection closed");
out:
	buf_free(&stub);
	buf_free(&pdu);
}

static int epm_pdu(struct tcp_pipe *t, const struct dcerpc_pdu *pdu)
{
	struct rpc_assoc_event ev;
	struct buf out;

	if (t->epm_done)
		return -1; /* the lookup is answered; later PDUs do not matter */
	buf_init(&out, 256);
	switch (rpc_assoc_feed(&t->epm_assoc, pdu, &out, &ev)) {
	case RPC_ASSOC_EV_BOUND: epm_send_map(t); break;
	case RPC_ASSOC_EV_RESPONSE: epm_answer(t, ev.stub, ev.stub_len); break;
	case RPC_ASSOC_EV_FAULT:
		t->base.fault_status = ev.status;
		rpc_pipe_fail(&t->base, OUTCOME_RPC_FAULT,
			      "endpoint mapper fault %s (0x%08x)",
			      dcerpc_fault_name(ev.status), (unsigned)ev.status);
		break;
	case RPC_ASSOC_EV_FAILED:
		rpc_pipe_fail(&t->base, rpc_pipe_assoc_outcome(ev.fail), "%s",
			      ev.msg);
		break;
	default: break;
	}
	buf_free(&out);
	return (t->base.failed || t->epm_done) ? -1 : 0;
}

static int epm_on_data(void *ctx, struct tcp_chan *ch, const uint8_t *d, size_t n)
{
	struct tcp_pipe *t = ctx;

	(void)ch;
	if (t->base.failed || t->epm_done)
		return -1;
	return feed(t, &t->epm_reader, d, n, "endpoint mapper", epm_pdu);
}

static void epm_on_done(void *ctx, struct tcp_chan *ch, enum loop_result res,
			const char *msg)
{
	struct tcp_pipe *t = ctx;

	(void)ch;
	(void)res;
	if (!t->epm_done)
		rpc_pipe_fail(&t->base, OUTCOME_CONNECT_FAILED,
			      "endpoint mapper %s", msg);
}

/* The endpoint mapper is asked without authentication, as the Windows RPC
 * runtime does; the bind goes out as soon as the connection is up. */
static int epm_start(struct tcp_pipe *t, struct rpe_error *err)
{
	struct tcp_chan_cb cb = { t, NULL, epm_on_data, epm_on_done };
	struct tcp_params tp = t->params->epm;
	struct rpc_assoc_event ev;
	struct buf b;
	int rc;

	tp.name = "EPM";
	t->base.connect_step = "endpoint mapper";
	t->epm = tcp_chan_open(t->loop, &tp, &cb, err);
	if (!t->epm)
		return -1;
	buf_init(&b, 1024);
	rc = rpc_assoc_bind(&t->epm_assoc, &b, &ev);
	if (rc < 0)
		rpe_fail(err, RPE_ERR_STATE, "%s", ev.msg);
	else {
		rpc_pipe_trace(&t->base, 2,
			       "EPM -> bind epmapper v3 (%zu bytes)", b.len);
		rc = tcp_chan_send(t->epm, b.data, b.len);
		if (rc < 0)
			rpe_fail(err, rc,
				 "cannot queue the endpoint mapper bind");
	}
	buf_free(&b);
	return rc;
}

struct rpc_pipe *rpc_tcp_open(struct loop *loop,
			      const struct rpc_tcp_params *params,
			      const struct rpc_pipe_cb *cb, struct rpe_error *err)
{
	struct tcp_pipe *t = calloc(1, sizeof(*t));
	int rc;

	if (!t) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	t->base.ops = &tcp_pipe_ops;
	t->base.cb = *cb;
	t->base.t0 = loop_now_s();
	t->loop = loop;
	t->params = params;
	dcerpc_reader_init(&t->epm_reader);
	dcerpc_reader_init(&t->reader);
	rpc_assoc_init(&t->epm_assoc, "endpoint mapper", "endpoint mapper ",
		       &epm_interface, NULL, 0);
	if (params->port > 0) {
		t->epm_done = 1;
		rc = connect_service(t, params->port, err);
	} else {
		rc = epm_start(t, err);
	}
	if (rc < 0) {
		pipe_close(&t->base);
		return NULL;
	}
	return &t->base;
}
