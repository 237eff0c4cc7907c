/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every pipe shares; see rpc_pipe.h. */
#include "rpc_pipe.h"

#include <stdarg.h>
#include <stdio.h>

enum probe_outcome rpc_pipe_assoc_outcome(enum rpc_assoc_fail f)
{
	switch (f) {
	case RPC_ASSOC_FAIL_AUTH: return OUTCOME_AUTH_FAILED;
	case RPC_ASSOC_FAIL_REJECTED: return OUTCOME_BIND_REJECTED;
	case RPC_ASSOC_FAIL_PROTOCOL:
	case RPC_ASSOC_FAIL_NONE:
	default: return OUTCOME_PROTOCOL_ERROR;
	}
}

void rpc_pipe_fail(struct rpc_pipe *pipe, enum probe_outcome o, const char *fmt,
		   ...)
{
	char msg[320];
	va_list ap;

	if (pipe->failed)
		return;
	pipe->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pipe->cb.on_fail)
		pipe->cb.on_fail(pipe->cb.ctx, pipe, o, msg);
}

void rpc_pipe_trace(struct rpc_pipe *pipe, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!pipe->cb.trace || level > pipe->cb.trace_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pipe->cb.trace(pipe->cb.ctx, level, line);
}

void rpc_pipe_trace_pdu(struct rpc_pipe *pipe, const char *what,
			const uint8_t *d, size_t n)
{
	char hex[3 * 16 + 1];
	size_t i, o = 0;

	if (!pipe->cb.trace || pipe->cb.trace_level < 3)
		return;
	for (i = 0; i < n && i < 16; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%02x ", d[i]);
	hex[o ? o - 1 : 0] = '\0';
	rpc_pipe_trace(pipe, 3, "%s %zu bytes, header: %s", what, n, hex);
}
