/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A connection that carries one DCE/RPC association: the small vtable the
 * probe drives every transport through (docs/architecture.md, "Adding a
 * transport").  Two implementations: RPC over HTTP v2 (rpch_pipe.h: the
 * virtual connection over the IN and OUT channels) and ncacn_ip_tcp
 * (rpc_tcp.h: an endpoint mapper lookup, then a TCP stream).
 *
 * A pipe calls back with its progress, with each whole server PDU, and once
 * with a classified failure; after the failure it calls nothing more.  The
 * owner closes a pipe outside the pipe's callbacks. */
#ifndef RPE_RPC_PIPE_H
#define RPE_RPC_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "err.h"
#include "outcome.h"
#include "rpc_assoc.h"
#include "tlsinfo.h"

struct rpc_pipe;

struct rpc_pipe_cb {
	void *ctx;
	/* The server answered the connection (RPC over HTTP: the OUT channel's
	 * 2xx status); NULL-safe, not every pipe has this step. */
	void (*on_connected)(void *ctx, struct rpc_pipe *pipe);
	/* The bind may go out now. */
	void (*on_ready)(void *ctx, struct rpc_pipe *pipe);
	/* One whole DCE/RPC PDU from the server (not RTS); return < 0 when
	 * the owner needs no more (the pipe stops reading). */
	int (*on_pdu)(void *ctx, struct rpc_pipe *pipe,
		      const struct dcerpc_pdu *pdu);
	/* The pipe failed; msg says why in one line. */
	void (*on_fail)(void *ctx, struct rpc_pipe *pipe, enum probe_outcome o,
			const char *msg);
	/* -vv/-vvv lines, without the probe's label. */
	void (*trace)(void *ctx, int level, const char *line);
	int trace_level;
};

struct rpc_pipe_ops {
	const char *send_name; /* trace label of client-to-server PDUs */
	const char *recv_name; /* ... and of server-to-client ones */
	const char *send_what; /* in messages: "IN channel", "TCP connection" */
	int (*send)(struct rpc_pipe *pipe, const uint8_t *p, size_t n);
	void (*close)(struct rpc_pipe *pipe);
	/* At the deadline: what the pipe itself still waits for, whatever
	 * phase the probe reached (RPC over HTTP: one channel's NTLM
	 * CHALLENGE), or NULL.  May be NULL. */
	const char *(*stalled)(struct rpc_pipe *pipe);
};

/* Embedded first in each implementation; the counters and facts are the
 * pipe's to update, the probe's to report. */
struct rpc_pipe {
	const struct rpc_pipe_ops *ops;
	struct rpc_pipe_cb cb;
	int failed;
	int closed; /* the failure is the connection ending */
	unsigned bytes_sent;
	unsigned bytes_received;
	long http_status;
	char http_reason[96];     /* its reason phrase (RPC/HTTP) */
	double tls_time;          /* TLS handshake done, s from the start */
	double epm_time;          /* endpoint mapper answered, s */
	unsigned tcp_port;        /* store port used (RPC/TCP) */
	uint32_t fault_status;    /* a fault the pipe itself got (lookup) */
	const char *connect_step; /* what a stalled connect waits for, or
				   * NULL: "endpoint mapper", "store port" */
	double t0;                /* start, loop_now_s() */
	/* What the connection showed before the RPC phases (the steps of
	 * the long output; TLS and schemes over HTTP only): */
	double resolve_time;   /* name resolved, s from its connect */
	double tcp_time;       /* TCP connected, s from its connect */
	struct tls_seen tls;   /* TLS version, cipher, leaf certificate */
	char auth_offered[96]; /* schemes offered in WWW-Authenticate */
};

/* The outcome class of a failed association (RPC_ASSOC_EV_FAILED). */
enum probe_outcome rpc_pipe_assoc_outcome(enum rpc_assoc_fail f);

/* Report a failure once (later ones are dropped). */
void rpc_pipe_fail(struct rpc_pipe *pipe, enum probe_outcome o, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
void rpc_pipe_trace(struct rpc_pipe *pipe, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* -vvv: "what N bytes, header: 05 00 ..." (the common header only: stubs
 * may carry mailbox data, auth values NTLM material). */
void rpc_pipe_trace_pdu(struct rpc_pipe *pipe, const char *what,
			const uint8_t *d, size_t n);

#endif
