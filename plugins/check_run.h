/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plugin's main job, behind the command-line front end. */
#ifndef RPE_CHECK_RUN_H
#define RPE_CHECK_RUN_H

#include "probe_config.h"

/* Starts every status line. */
#define CHECK_PREFIX "RPC ENCRYPTION"

/* Run the configured probes, print the result in the monitoring-plugins
 * format and return the exit code (0..3). */
int check_run(const struct probe_config *cfg);

#endif
