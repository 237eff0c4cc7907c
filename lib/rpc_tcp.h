/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over TCP (ncacn_ip_tcp, MS-RPCE 2.1.1.1) as an rpc_pipe: unless the
 * port is given, ask the endpoint mapper (C706 appendix L, MS-RPCE
 * 2.2.1.2: ept_map over an unauthenticated association on its own
 * connection) which TCP port serves the interface, then connect there.
 * The PDUs on the stream are the same as inside RPC over HTTP. */
#ifndef RPE_RPC_TCP_H
#define RPE_RPC_TCP_H

#include "dcerpc.h"
#include "err.h"
#include "loop.h"
#include "rpc_pipe.h"
#include "transport_tcp.h"

struct rpc_tcp_params {
	/* The endpoint mapper: host, -I, its port (135), -4/-6. */
	struct tcp_params epm;
	long port; /* the service's port; 0: look it up */
	const struct dcerpc_syntax *iface;
	const char *iface_name;          /* "EMSMDB" */
	const char *not_registered_hint; /* appended when the lookup finds none */
};

/* params (and the strings it points to) must outlive the pipe. */
struct rpc_pipe *rpc_tcp_open(struct loop *loop,
			      const struct rpc_tcp_params *params,
			      const struct rpc_pipe_cb *cb,
			      struct rpe_error *err);

#endif
