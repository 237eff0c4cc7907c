/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RPC over HTTP v2 (MS-RPCH) as an rpc_pipe: the virtual connection of
 * rpch_vc on the OUT and IN channels of transport_http.  The OUT channel's
 * 2xx answer ends the connect step, CONN/C2 makes the pipe ready (and
 * commits the IN channel: nothing sent so far is replayed for HTTP auth
 * after it), flow-control acks go out on IN by themselves. */
#ifndef RPE_RPCH_PIPE_H
#define RPE_RPCH_PIPE_H

#include "err.h"
#include "loop.h"
#include "rpc_pipe.h"
#include "transport_http.h"

/* Where and as whom: the HTTP parameters of both channels (must outlive
 * the pipe). */
struct rpc_pipe *rpch_pipe_open(struct loop *loop,
				const struct http_params *params,
				const struct rpc_pipe_cb *cb,
				struct rpe_error *err);

#endif
