/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error reporting shared by every lib/ module.
 *
 * Functions return 0 on success or a negative enum rpe_code; when the caller
 * passes a struct rpe_error, the failing layer also leaves a one-line human
 * message in it.  Nothing below plugins/ prints or exits.
 *
 * One style for every codec (buf, ntlm, dcerpc, rts, emsmdb, epm, mp):
 *   - a sequence of fallible steps is one TRY() per step, inside a small
 *     static function that returns a code and takes no err;
 *   - a function that takes err fills it on every failure, either by
 *     passing err on to a callee that fills it (TRY(callee(..., err))) or
 *     by turning a helper's code into a message at its boundary
 *     (if (helper(...) < 0) return rpe_fail(err, ...));
 *   - so callers never guess: no "err ? err->code : X", no rc ladders
 *     ("if (rc == 0) rc = ..."), no "a(...) < 0 || b(...) < 0" chains of
 *     field reads.
 * To add context to a callee's message, let it fill a local struct
 * rpe_error and rpe_fail the caller's with both texts. */
#ifndef RPE_ERR_H
#define RPE_ERR_H

#include <stddef.h>

enum rpe_code {
	RPE_OK = 0,
	RPE_ERR_SHORT = -1,  /* input ended before a field it announced */
	RPE_ERR_NOMEM = -2,  /* allocation failed */
	RPE_ERR_TOOBIG = -3, /* output would exceed its hard cap */
	RPE_ERR_PROTO = -4,  /* malformed or inconsistent input */
	RPE_ERR_AUTH = -5,   /* bad signature, credentials, MIC */
	RPE_ERR_CRYPTO = -6, /* the crypto provider failed */
	RPE_ERR_ARG = -7,    /* caller passed an invalid argument */
	RPE_ERR_STATE = -8,  /* call not valid in the current state */
	RPE_ERR_UNSUPPORTED = -9,
	RPE_ERR_TIMEOUT = -10, /* the run's deadline passed first */
};

#define RPE_ERRMSG_MAX 256

struct rpe_error {
	int code;
	char msg[RPE_ERRMSG_MAX];
};

/* Record code and a printf-style message; returns code so callers can write
 * `return rpe_fail(err, RPE_ERR_PROTO, "...")`.  err may be NULL. */
int rpe_fail(struct rpe_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

void rpe_clear(struct rpe_error *err);

/* Static name of a code ("truncated input", ...). */
const char *rpe_code_name(int code);

/* Propagate a negative result without nesting: TRY(buf_get_u32le(c, &v)); */
#define TRY(expr)                                                              \
	do {                                                                   \
		int try_rc_ = (expr);                                          \
		if (try_rc_ < 0)                                               \
			return try_rc_;                                        \
	} while (0)

#endif
