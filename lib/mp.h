/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Monitoring-plugins conventions, in three parts:
 *   mp_range.h   states, numbers, threshold ranges, the -t timeout (pure)
 *   mp_output.h  performance data and the status line with long output
 *   mp_ini.h     --extra-opts ini files (the only file I/O and getenv)
 * Nothing here exits; only mp_output_print writes (to stdout). */
#ifndef RPE_MP_H
#define RPE_MP_H

#include "mp_ini.h"
#include "mp_output.h"
#include "mp_range.h"

#endif
