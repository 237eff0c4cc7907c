/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plugin's main job, behind the command-line front end. */
#ifndef RPE_CHECK_RUN_H
#define RPE_CHECK_RUN_H

#include "probe_config.h"
#include "transport_http.h"

/* Starts every status line. */
#define CHECK_PREFIX "RPC ENCRYPTION"

/* -vv traces on stderr (never credentials). */
void check_trace_stderr(void *ctx, int level, const char *line);

/* What every HTTP request of a run takes from the options: credentials
 * (NTLM's split of -u included), --http-auth, the TLS checks, --proxy and
 * -4/-6.  Host, port and path are the caller's. */
void check_http_common(const struct probe_config *cfg, struct http_params *h);

/* Run the configured probes, print the result in the monitoring-plugins
 * format and return the exit code (0..3). */
int check_run(const struct probe_config *cfg);

#endif
