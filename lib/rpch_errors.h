/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the RPC over HTTP proxy's own error answers mean, and what an
 * Exchange administrator does about each.
 *
 * The proxy answers a channel request it cannot serve with an HTTP error
 * status; for its processing errors that is 503 with the reason phrase
 * "RPC Error: <hex>[, EEInfo: <base64>]" (MS-RPCH 2.1.2.1.3, 3.2.3.5.11),
 * the hex being a Windows error code (MS-ERREF 2.2).  Pure functions: no
 * I/O, no allocation. */
#ifndef RPE_RPCH_ERRORS_H
#define RPE_RPCH_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* MS-RPCH 2.1.2.1.3: the whole reason-phrase line stays within 1,024
 * bytes. */
#define RPCH_REASON_MAX 1024

struct rpch_http_error {
	long status;
	int has_rpc_error; /* the reason phrase carried an RPC-Error */
	uint32_t rpc_error;
	const char *name;  /* "RPC_S_SERVER_UNAVAILABLE", or NULL */
	const char *cause; /* one line; NULL when nothing is known */
	const char *fix;   /* one line; NULL when nothing is known */
};

/* The reason phrase of an HTTP status line "HTTP/1.1 503 RPC Error: 6ba\r\n"
 * (RFC 7230 3.1.2: version SP status-code SP reason-phrase): *off and *n
 * delimit it inside line, without the line end.  RPE_ERR_PROTO (err
 * filled) for anything that is not a status line. */
int rpch_status_reason(const char *line, size_t len, size_t *off, size_t *n,
		       struct rpe_error *err);

/* Read the RPC-Error of a reason phrase "RPC Error: 6ba" (leading and
 * trailing blanks and an ", EEInfo: ..." tail allowed).  Returns 0 with
 * *code set, or RPE_ERR_PROTO (err filled) for any other phrase. */
int rpch_parse_rpc_error(const char *reason, size_t len, uint32_t *code,
			 struct rpe_error *err);

/* Name of a Windows error code the proxy sends ("EPT_S_NOT_REGISTERED"),
 * or NULL. */
const char *rpch_error_name(uint32_t code);

/* Explain an HTTP error status the RPC proxy answered on an IN or OUT
 * channel (reason may be NULL).  Always fills *out; cause and fix stay
 * NULL for statuses without a known meaning. */
void rpch_explain_http(long status, const char *reason, size_t reason_len,
		       struct rpch_http_error *out);

#endif
