/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Monitoring-plugins output: performance data and the status line with
 * long output (Monitoring Plugins Development Guidelines, "Performance
 * data", "Plugin Output").  Nothing here prints except mp_output_print
 * (stdout), and nothing exits. */
#ifndef RPE_MP_OUTPUT_H
#define RPE_MP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "mp_range.h"

/* Performance data ----------------------------------------------------------- */

#define MP_LABEL_MAX 64

struct mp_perf {
	char label[MP_LABEL_MAX];
	double value;            /* NaN => "U" (value could not be determined) */
	char uom[3];             /* "", s ms us % B KB MB TB c */
	const struct mp_range *warn; /* NULL: empty field */
	const struct mp_range *crit;
	bool has_min, has_max;
	double min, max;
};

/* Fill p with label/value/uom; thresholds and min/max left unset. */
int mp_perf_init(struct mp_perf *p, const char *label, double value,
		 const char *uom, struct rpe_error *err);
/* true if uom is one of the guidelines' units (or empty). */
bool mp_uom_valid(const char *uom);
/* Append 'label'=value[UOM];[warn];[crit];[min];[max] to out (no NUL, no
 * separator).  The label is quoted when it contains a space, '=' or '\''
 * (quotes doubled inside); trailing empty fields are dropped. */
int mp_perf_format(const struct mp_perf *p, struct buf *out,
		   struct rpe_error *err);

/* Status line and long output ------------------------------------------------ */

/* The rendering is
 *   <PREFIX> <STATE> - <summary> | <perf1> <perf2> ...\n
 *   <long line 1>\n
 *   ...
 * " - <summary>" is omitted when the summary is empty, " | ..." when there
 * is no perfdata.  Text passed in is sanitised on the way in: '|' (the
 * perfdata separator) becomes ' ', CR/LF/TAB become ' ', other control bytes
 * and bytes that are not valid UTF-8 are written as \xNN.  That makes it
 * safe to pass strings a server sent us. */
#define MP_PREFIX_MAX 48
#define MP_OUTPUT_MAX (64u * 1024u)

struct mp_output {
	char prefix[MP_PREFIX_MAX];
	enum mp_state state;
	struct buf summary;
	struct buf perf;  /* rendered items separated by ' ' */
	struct buf lines; /* long output, each line ending in '\n' */
};

void mp_output_init(struct mp_output *o, const char *prefix);
void mp_output_free(struct mp_output *o);
void mp_output_set_state(struct mp_output *o, enum mp_state s);
/* state = mp_state_max(state, s) */
void mp_output_raise(struct mp_output *o, enum mp_state s);
/* Append printf-formatted, sanitised text to the summary. */
int mp_output_summary(struct mp_output *o, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Add one long-output line (printf-formatted, sanitised). */
int mp_output_line(struct mp_output *o, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
int mp_output_perf(struct mp_output *o, const struct mp_perf *p,
		   struct rpe_error *err);
/* Render as above into out (replacing its contents), NUL-terminated; the
 * NUL is not counted in out->len. */
int mp_output_render(const struct mp_output *o, struct buf *out);
/* Render to stdout; returns the state, for `return mp_output_print(&o);`. */
int mp_output_print(const struct mp_output *o);
/* Print a status line with the summary and, unless line is NULL, one line
 * of long output; returns the state.  For results that need nothing more:
 * usage errors, a run that could not start. */
int mp_print_status(const char *prefix, enum mp_state state,
		    const char *summary, const char *line);
/* Sanitise n bytes of text into out as described above (no NUL). */
int mp_sanitize_append(struct buf *out, const char *s, size_t n);

#endif
