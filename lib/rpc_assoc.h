/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One DCE/RPC client association over a connection-oriented transport
 * (C706 12.6, MS-RPCE 3.3.1; docs/architecture.md, "The association"):
 * the bind with one presentation context, the security context's legs
 * (bind, alter_context, auth3) through secctx `step`, and calls matched to
 * their response or fault by call_id.  Without a security context it binds
 * unauthenticated (the endpoint mapper, as the Windows RPC runtime asks
 * it).  Sans-I/O: PDUs in, PDU bytes to send out, one event per PDU.  Both
 * the EMSMDB logon and the endpoint mapper lookup use it. */
#ifndef RPE_RPC_ASSOC_H
#define RPE_RPC_ASSOC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dcerpc.h"
#include "err.h"
#include "secctx.h"

enum rpc_assoc_state {
	RPC_ASSOC_NEW = 0,
	RPC_ASSOC_BINDING, /* bind or alter_context sent */
	RPC_ASSOC_BOUND,
};

enum rpc_assoc_ev {
	RPC_ASSOC_EV_NONE = 0, /* consumed (a fragment of a longer answer) */
	RPC_ASSOC_EV_BOUND,    /* context accepted, security complete */
	RPC_ASSOC_EV_RESPONSE, /* the answer to call_id, in stub */
	RPC_ASSOC_EV_FAULT,    /* a fault for call_id: status */
	RPC_ASSOC_EV_FAILED,   /* the association is unusable: fail, msg */
};

/* Why the association failed; the pipe layer maps it to the probe's
 * outcome classes (rpc_pipe_assoc_outcome). */
enum rpc_assoc_fail {
	RPC_ASSOC_FAIL_NONE = 0,
	RPC_ASSOC_FAIL_PROTOCOL, /* a PDU out of place, malformed, unbuildable */
	RPC_ASSOC_FAIL_AUTH,     /* the security context refused a token */
	RPC_ASSOC_FAIL_REJECTED, /* bind_nak, context or token not accepted */
};

struct rpc_assoc_event {
	enum rpc_assoc_ev kind;
	uint32_t call_id;
	const uint8_t *stub; /* RESPONSE: valid until the next feed */
	size_t stub_len;
	uint32_t status;          /* FAULT */
	enum rpc_assoc_fail fail; /* FAILED */
	char msg[300];
};

struct rpc_assoc {
	const char *name; /* in messages: "EMSMDB", "endpoint mapper" */
	const char *prefix; /* before PDU-level messages: "", "endpoint mapper " */
	const struct dcerpc_syntax *iface;
	struct secctx *sec; /* NULL: no authentication */
	struct dcerpc_conn conn;
	enum rpc_assoc_state state;
	uint32_t next_call_id;
	uint32_t bind_call_id;
	uint32_t pending; /* call_id of the call awaiting its answer, 0 */
	struct buf stub;  /* the last response's stub */
};

/* level: DCERPC_AUTH_LEVEL_* (ignored without sec). */
void rpc_assoc_init(struct rpc_assoc *a, const char *name, const char *prefix,
		    const struct dcerpc_syntax *iface, struct secctx *sec,
		    uint8_t level);
void rpc_assoc_free(struct rpc_assoc *a);

/* The bind (with the first token of the security context); on failure ev
 * says why (FAILED) and the function returns < 0. */
int rpc_assoc_bind(struct rpc_assoc *a, struct buf *out,
		   struct rpc_assoc_event *ev);
/* A request for opnum; *call_id identifies its answer.  Signed or sealed
 * at the association's level once bound. */
int rpc_assoc_call(struct rpc_assoc *a, uint16_t opnum, const uint8_t *stub,
		   size_t len, struct buf *out, uint32_t *call_id,
		   struct rpc_assoc_event *ev);
/* A PDU from the server.  Returns ev->kind; bytes appended to `out` (an
 * auth3 or alter_context leg) must be sent before anything else. */
int rpc_assoc_feed(struct rpc_assoc *a, const struct dcerpc_pdu *pdu,
		   struct buf *out, struct rpc_assoc_event *ev);

#endif
