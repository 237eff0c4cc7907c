/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every part of a run shares, whatever it connects to: the HTTP
 * settings taken from the options and the -vv trace sink.  Both the probes
 * (check_run.c) and Autodiscover (check_autodiscover.c) use them; neither
 * includes the other. */
#ifndef RPE_CHECK_COMMON_H
#define RPE_CHECK_COMMON_H

#include "probe_config.h"
#include "transport_http.h"

/* -vv traces on stderr (never credentials). */
void check_trace_stderr(void *ctx, int level, const char *line);

/* What every HTTP request of a run takes from the options: credentials
 * (NTLM's split of -u included), --http-auth, the TLS checks, --proxy and
 * -4/-6.  Host, port and path are the caller's. */
void check_http_common(const struct probe_config *cfg, struct http_params *h);

#endif
