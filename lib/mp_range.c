/* SPDX-License-Identifier: GPL-3.0-or-later */
/* States, numbers, ranges, thresholds and the -t timeout; see mp_range.h. */
#define _POSIX_C_SOURCE 200809L /* newlocale/uselocale */
#include "mp_range.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* States ------------------------------------------------------------------- */

const char *mp_state_name(enum mp_state s)
{
	switch (s) {
	case MP_OK: return "OK";
	case MP_WARNING: return "WARNING";
	case MP_CRITICAL: return "CRITICAL";
	case MP_UNKNOWN: return "UNKNOWN";
	}
	return "UNKNOWN";
}

int mp_state_parse(const char *text, enum mp_state *out)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL",
					     "UNKNOWN" };
	int i;

	if (!text)
		return RPE_ERR_ARG;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(text, names[i]) == 0 ||
		    (text[0] == '0' + i && text[1] == '\0')) {
			*out = (enum mp_state)i;
			return 0;
		}
	}
	return RPE_ERR_ARG;
}

static int state_rank(enum mp_state s)
{
	switch (s) {
	case MP_OK: return 0;
	case MP_UNKNOWN: return 1;
	case MP_WARNING: return 2;
	case MP_CRITICAL: return 3;
	}
	return 1;
}

enum mp_state mp_state_max(enum mp_state a, enum mp_state b)
{
	return state_rank(a) >= state_rank(b) ? a : b;
}

/* Numbers ------------------------------------------------------------------ */

/* strtod honours LC_NUMERIC; a plugin run under a German locale would read
 * "1.5" as 1.  Convert under a private "C" locale object instead. */
static double strtod_c(const char *s)
{
	static locale_t c_loc;
	locale_t old;
	double v;

	if (!c_loc)
		c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c_loc)
		return strtod(s, NULL); /* only if the C library is broken */
	old = uselocale(c_loc);
	v = strtod(s, NULL);
	uselocale(old);
	return v;
}

int mp_parse_number(const char *s, size_t n, double *out)
{
	char tmp[MP_NUMBER_MAX];
	size_t i = 0, digits = 0;
	double v;

	if (!s || n == 0 || n >= sizeof(tmp))
		return RPE_ERR_ARG;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (i != n || digits == 0)
		return RPE_ERR_ARG;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtod_c(tmp);
	if (!isfinite(v))
		return RPE_ERR_ARG;
	*out = v;
	return 0;
}

size_t mp_format_number(double v, char *out, size_t n)
{
	char tmp[MP_NUMBER_MAX];
	int len;

	if (!out || n == 0)
		return 0;
	if (!isfinite(v)) {
		len = snprintf(tmp, sizeof(tmp), "U");
	} else if (v >= 1e12 || v <= -1e12) {
		/* No decimal point, so no locale dependence. */
		len = snprintf(tmp, sizeof(tmp), "%.0f", v);
	} else {
		/* Scaled integer arithmetic instead of "%f": the decimal point
		 * is ours, not the locale's. */
		/* Round half away from zero; |v * 1e6| < 1e18 fits. (Not
		 * llround: keeps libm out of the link.) */
		double sv = v * 1e6;
		long long scaled = (long long)(sv < 0 ? sv - 0.5 : sv + 0.5);
		unsigned long long a = scaled < 0 ? (unsigned long long)-scaled :
						    (unsigned long long)scaled;
		unsigned long long ip = a / 1000000u, fp = a % 1000000u;
		char frac[8];
		int k;

		snprintf(frac, sizeof(frac), "%06llu", fp);
		for (k = 5; k >= 0 && frac[k] == '0'; k--)
			frac[k] = '\0';
		len = snprintf(tmp, sizeof(tmp), "%s%llu%s%s",
			       scaled < 0 ? "-" : "", ip, frac[0] ? "." : "",
			       frac);
	}
	if (len < 0)
		len = 0;
	if ((size_t)len >= n)
		len = (int)n - 1;
	memcpy(out, tmp, (size_t)len);
	out[len] = '\0';
	return (size_t)len;
}

/* Ranges ------------------------------------------------------------------- */

static int range_fail(struct rpe_error *err, const char *text, const char *why)
{
	return rpe_fail(err, RPE_ERR_ARG, "invalid range '%.*s': %s",
			MP_RANGE_TEXT_MAX, text, why);
}

int mp_range_parse(const char *text, struct mp_range *r, struct rpe_error *err)
{
	const char *p, *colon;
	size_t len;

	if (!text)
		return rpe_fail(err, RPE_ERR_ARG, "missing range");
	len = strlen(text);
	if (len == 0)
		return rpe_fail(err, RPE_ERR_ARG, "invalid range '': empty");
	if (len >= MP_RANGE_TEXT_MAX)
		return range_fail(err, text, "too long");

	memset(r, 0, sizeof(*r));
	memcpy(r->text, text, len + 1);
	r->end_inf = true;
	p = text;
	if (*p == '@') {
		r->alert_inside = true;
		p++;
	}
	colon = strchr(p, ':');
	if (colon) {
		if (colon == p + 1 && *p == '~') {
			r->start_inf = true;
		} else if (colon > p) {
			if (mp_parse_number(p, (size_t)(colon - p), &r->start) < 0)
				return range_fail(err, text,
						  "start is not a number");
		}
		p = colon + 1;
	}
	if (*p) {
		if (mp_parse_number(p, strlen(p), &r->end) < 0)
			return range_fail(err, text,
					  colon ? "end is not a number" :
						  "not a number");
		r->end_inf = false;
	} else if (!colon) {
		return range_fail(err, text, "no number");
	}
	if (!r->start_inf && !r->end_inf && r->start > r->end)
		return range_fail(err, text, "start is greater than end");
	return 0;
}

bool mp_range_check(const struct mp_range *r, double value)
{
	bool inside = (r->start_inf || value >= r->start) &&
		      (r->end_inf || value <= r->end);
	return r->alert_inside ? inside : !inside;
}

/* One threshold; the message names which one was bad. */
static int set_threshold(const char *which, const char *text,
			 struct mp_range *r, bool *has, struct rpe_error *err)
{
	struct rpe_error e;

	if (!text)
		return 0;
	if (mp_range_parse(text, r, &e) < 0)
		return rpe_fail(err, e.code, "%s threshold: %s", which, e.msg);
	*has = true;
	return 0;
}

int mp_thresholds_set(struct mp_thresholds *t, const char *warning,
		      const char *critical, struct rpe_error *err)
{
	memset(t, 0, sizeof(*t));
	TRY(set_threshold("warning", warning, &t->warning, &t->has_warning, err));
	return set_threshold("critical", critical, &t->critical,
			     &t->has_critical, err);
}

enum mp_state mp_thresholds_status(const struct mp_thresholds *t, double value)
{
	if (t->has_critical && mp_range_check(&t->critical, value))
		return MP_CRITICAL;
	if (t->has_warning && mp_range_check(&t->warning, value))
		return MP_WARNING;
	return MP_OK;
}
/* Timeout ---------------------------------------------------------------------- */

void mp_deadline_init(struct mp_deadline *d)
{
	d->seconds = MP_DEFAULT_TIMEOUT;
	/* A probe that runs out of time proves nothing about the policy. */
	d->state = MP_UNKNOWN;
}

int mp_deadline_parse(const char *text, struct mp_deadline *d,
		      struct rpe_error *err)
{
	const char *colon;
	size_t sl;
	double secs = d->seconds;
	enum mp_state st = d->state;

	if (!text || !*text)
		return rpe_fail(err, RPE_ERR_ARG, "invalid timeout '': empty");
	colon = strchr(text, ':');
	sl = colon ? (size_t)(colon - text) : strlen(text);
	if (sl) {
		if (mp_parse_number(text, sl, &secs) < 0 || secs <= 0 ||
		    secs > MP_TIMEOUT_MAX)
			return rpe_fail(err, RPE_ERR_ARG,
					"invalid timeout '%.64s': seconds must "
					"be a number greater than 0 and at most "
					"%.0f",
					text, MP_TIMEOUT_MAX);
	}
	if (colon && mp_state_parse(colon + 1, &st) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid timeout '%.64s': state must be OK, "
				"WARNING, CRITICAL, UNKNOWN or 0..3",
				text);
	if (!sl && !colon)
		return rpe_fail(err, RPE_ERR_ARG, "invalid timeout '%.64s'",
				text);
	d->seconds = secs;
	d->state = st;
	return 0;
}

int64_t mp_deadline_ms(const struct mp_deadline *d)
{
	return ((int64_t)(d->seconds * 1e9) + 999999) / 1000000;
}
