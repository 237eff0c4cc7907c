/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rpe_fail(struct rpe_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void rpe_clear(struct rpe_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

const char *rpe_code_name(int code)
{
	switch (code) {
	case RPE_OK: return "success";
	case RPE_ERR_SHORT: return "truncated input";
	case RPE_ERR_NOMEM: return "out of memory";
	case RPE_ERR_TOOBIG: return "size limit exceeded";
	case RPE_ERR_PROTO: return "protocol error";
	case RPE_ERR_AUTH: return "authentication or integrity failure";
	case RPE_ERR_CRYPTO: return "crypto provider failure";
	case RPE_ERR_ARG: return "invalid argument";
	case RPE_ERR_STATE: return "invalid state";
	case RPE_ERR_UNSUPPORTED: return "unsupported";
	case RPE_ERR_TIMEOUT: return "deadline passed";
	}
	return "unknown error";
}
