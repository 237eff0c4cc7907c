/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Monitoring-plugins values, pure: states, numbers, threshold ranges and
 * the -t SECONDS[:STATE] timeout.  No I/O, no clock, no environment.
 *
 * References: Monitoring Plugins Development Guidelines ("Plugin Return
 * Codes", "Threshold and ranges") and draft-kaestle-monitoring-plugins-
 * interface.  Behaviour that the guidelines leave open follows
 * monitoring-plugins lib/ (utils_base.c, states.h) and NRPE's
 * -t SECONDS:STATE; deviations are called out where they are declared. */
#ifndef RPE_MP_RANGE_H
#define RPE_MP_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* States ------------------------------------------------------------------- */

enum mp_state {
	MP_OK = 0,
	MP_WARNING = 1,
	MP_CRITICAL = 2,
	MP_UNKNOWN = 3,
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN" (anything else: "UNKNOWN"). */
const char *mp_state_name(enum mp_state s);
/* Accepts a state name (case-insensitive) or its number 0..3, as
 * monitoring-plugins' mp_translate_state and NRPE's translate_state do. */
int mp_state_parse(const char *text, enum mp_state *out);
/* Worst of two states when combining partial results, ranked
 * OK < UNKNOWN < WARNING < CRITICAL: monitoring-plugins' max_state_alt, the
 * ordering its output layer uses to aggregate subchecks.  A definite problem
 * (WARNING, CRITICAL) outranks "could not tell". */
enum mp_state mp_state_max(enum mp_state a, enum mp_state b);

/* Numbers ------------------------------------------------------------------ */

/* Parse exactly n bytes as [+-]digits[.digits] (or [+-].digits), with '.'
 * as decimal point whatever LC_NUMERIC says.  No exponent, no hex, no
 * "inf"/"nan", no surrounding blanks; values that overflow a double are
 * rejected.  RPE_ERR_ARG on any failure. */
int mp_parse_number(const char *s, size_t n, double *out);
/* Format v with '.' as decimal point, no exponent, at most 6 fractional
 * digits with trailing zeros trimmed ("1.5", "0.000123", "-3", "12");
 * magnitudes >= 1e12 are printed without fraction.  NaN/inf give "U".
 * Returns the length written (always NUL-terminated; n >= 2 needed for "U",
 * MP_NUMBER_MAX is always enough). */
#define MP_NUMBER_MAX 328
size_t mp_format_number(double v, char *out, size_t n);

/* Ranges ------------------------------------------------------------------- */

#define MP_RANGE_TEXT_MAX 64

/* Guidelines syntax [@]start:end, endpoints inclusive:
 *   "10"     alert if < 0 or > 10      "10:"  alert if < 10
 *   "~:10"   alert if > 10             "10:20" alert if < 10 or > 20
 *   "@10:20" alert if 10 <= v <= 20    "~:"    never alerts ("@~:" always)
 * start may be omitted when 0 (":10" == "10", ":" == "0:"), as in
 * monitoring-plugins.  start > end, empty text, junk after a number,
 * exponents, overflow and "inf"/"nan" are errors whose message quotes the
 * text. */
struct mp_range {
	double start, end;
	bool start_inf;               /* "~" */
	bool end_inf;                 /* nothing after ':' */
	bool alert_inside;            /* leading '@' */
	char text[MP_RANGE_TEXT_MAX]; /* as given; printed in perfdata */
};

int mp_range_parse(const char *text, struct mp_range *r, struct rpe_error *err);
/* true: the value is in the alert region. */
bool mp_range_check(const struct mp_range *r, double value);

struct mp_thresholds {
	bool has_warning, has_critical;
	struct mp_range warning, critical;
};

/* Either text may be NULL (threshold not set).  The error message names
 * which threshold was bad. */
int mp_thresholds_set(struct mp_thresholds *t, const char *warning,
		      const char *critical, struct rpe_error *err);
/* CRITICAL if the critical range alerts, else WARNING if the warning range
 * alerts, else OK (monitoring-plugins get_status). */
enum mp_state mp_thresholds_status(const struct mp_thresholds *t, double value);
/* Timeout ---------------------------------------------------------------------- */

#define MP_DEFAULT_TIMEOUT 10.0
#define MP_TIMEOUT_MAX 86400.0

/* -t SECONDS[:STATE], as NRPE's check_nrpe parses it: SECONDS > 0 (decimals
 * allowed here, e.g. "2.5"; at most MP_TIMEOUT_MAX), STATE a name or 0..3,
 * ":STATE" alone keeps the default seconds.  The default state is UNKNOWN
 * (a deviation: the guidelines and monitoring-plugins' timeout_state say
 * CRITICAL, but a probe that runs out of time proves nothing about the
 * policy this plugin checks). */
struct mp_deadline {
	double seconds;
	enum mp_state state;
};

void mp_deadline_init(struct mp_deadline *d); /* 10 s, UNKNOWN */
/* On failure d is left unchanged. */
int mp_deadline_parse(const char *text, struct mp_deadline *d,
		      struct rpe_error *err);
/* The length in milliseconds, rounded up. */
int64_t mp_deadline_ms(const struct mp_deadline *d);

#endif
