/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Monitoring-plugins output: performance data and the check result as a
 * tree of subchecks, printed as the status line with long output
 * (Monitoring Plugins Development Guidelines, "Performance data", "Plugin
 * Output") or in Monitoring Plugins 3's formats.  Nothing here prints
 * except mp_output_print (stdout), and nothing exits. */
#ifndef RPE_MP_OUTPUT_H
#define RPE_MP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "mp_range.h"

#if defined(__GNUC__)
#define MP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MP_PRINTF(f, a)
#endif

/* Performance data ----------------------------------------------------------- */

#define MP_LABEL_MAX 64

struct mp_perf {
	char label[MP_LABEL_MAX];
	double value; /* NaN => "U" (value could not be determined) */
	char uom[3];  /* "", s ms us % B KB MB TB c */
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

/* A check is a state, a summary and a tree of subchecks, the shape of
 * Monitoring Plugins 3 (lib/output.h: mp_check, mp_subcheck).  One tree,
 * three renderings (--output-format):
 *
 * classic (the default), the Monitoring Plugins guidelines' format:
 *   <PREFIX> <STATE> - <summary> | <perf1> <perf2> ...\n
 *   <long line>\n ...
 * " - <summary>" is omitted when the summary is empty, " | ..." when there
 * is no perfdata.  The long output is the tree, depth first: each
 * subcheck's classic line and notes, indented as its ancestors ask.
 *
 * multi-line (Monitoring Plugins 3's default):
 *   [<STATE>] - <summary>\n
 *   <TAB>\_[<STATE>] - <subcheck>\n          one TAB per level
 *   <TAB><TAB><note>\n                       a subcheck's further lines
 *   ...|<perf1> <perf2> ...\n                 all perfdata, after the last
 *
 * mp-test-json (Monitoring Plugins 3's test format), one line:
 *   {"state":"OK","summary":"...","checks":[{"output":"...","state":"OK",
 *    "perfdata":[{"label":..,"value":{"type":"double","value":"1.5"},
 *    "uom":"s","warn":{"alert_on_inside":false,"end":..,"start":..},
 *    "crit":..,"min":..,"max":..}],"checks":[...]}]}
 * ("checks" and "perfdata" only when not empty).  As in Monitoring Plugins
 * 3, the exit status is then 0: the state is in the JSON.
 *
 * Text passed in is sanitised on the way in: '|' (the perfdata separator)
 * becomes ' ', CR/LF/TAB become ' ', other control bytes and bytes that are
 * not valid UTF-8 are written as \xNN.  That makes it safe to pass strings
 * a server sent us; the JSON rendering escapes what JSON needs on top. */
#define MP_PREFIX_MAX 48
#define MP_OUTPUT_MAX (64u * 1024u)
#define MP_SUBCHECKS_MAX 4096 /* per check: a bound on what a run allocates */

enum mp_format {
	MP_FORMAT_CLASSIC = 0,
	MP_FORMAT_MULTI_LINE,
	MP_FORMAT_TEST_JSON,
};

/* "classic", "multi-line", "mp-test-json" (case-insensitive, like MP 3's
 * mp_parse_output_format); RPE_ERR_ARG otherwise. */
int mp_format_parse(const char *text, enum mp_format *out);
const char *mp_format_name(enum mp_format f);
/* The format every later mp_output_init() takes (MP 3's mp_set_format):
 * set once from --output-format, so that every status line of the run,
 * the early ones too, comes in the same format. */
void mp_output_set_default_format(enum mp_format f);

/* How the classic rendering shows a subcheck (MP 3 formats ignore it). */
enum {
	MP_CLASSIC_NO_LINE = 1, /* not its own line; its notes and subchecks are */
	MP_CLASSIC_SKIP = 2,    /* nothing of it (its perfdata still counts) */
	MP_CLASSIC_LATE = 4, /* after its parent's siblings, at their indent */
};

struct mp_perf_item {
	struct mp_perf p; /* warn/crit point into the item's own copies */
	struct mp_range warn, crit;
};

struct mp_sub {
	enum mp_state state;
	struct buf text;    /* its line (sanitised) */
	struct buf notes;   /* further lines, each ending in '\n' */
	struct buf classic; /* classic's line, when it differs (else text) */
	unsigned classic_flags;
	char classic_indent[16]; /* classic: prefix of its notes and subchecks */
	struct mp_perf_item *perf;
	size_t nperf;
	struct mp_sub *first, *last, *next; /* subchecks, in order */
};

struct mp_output {
	char prefix[MP_PREFIX_MAX]; /* classic only */
	enum mp_format format;
	enum mp_state state; /* the check's, set by the caller */
	struct buf summary;
	struct mp_sub *first, *last; /* top-level subchecks */
	unsigned nsubs;
};

void mp_output_init(struct mp_output *o, const char *prefix);
void mp_output_free(struct mp_output *o);
void mp_output_set_state(struct mp_output *o, enum mp_state s);
/* state = mp_state_max(state, s) */
void mp_output_raise(struct mp_output *o, enum mp_state s);
/* Append printf-formatted, sanitised text to the summary. */
int mp_output_summary(struct mp_output *o, const char *fmt, ...) MP_PRINTF(2, 3);

/* A subcheck under parent (NULL: at the top) with its state and line; NULL
 * when out of memory or past MP_SUBCHECKS_MAX.  Every mp_sub_* function
 * takes NULL and does nothing, so a chain of calls needs one check. */
struct mp_sub *mp_sub_add(struct mp_output *o, struct mp_sub *parent,
			  enum mp_state state, const char *fmt, ...)
	MP_PRINTF(4, 5);
/* One more line of the subcheck's output (a note: advice, details). */
int mp_sub_note(struct mp_sub *s, const char *fmt, ...) MP_PRINTF(2, 3);
/* The line classic shows instead of the subcheck's own. */
int mp_sub_classic_line(struct mp_sub *s, const char *fmt, ...) MP_PRINTF(2, 3);
/* MP_CLASSIC_* flags and the indent of its subchecks' lines in classic. */
void mp_sub_classic(struct mp_sub *s, unsigned flags, const char *indent);
void mp_sub_set_state(struct mp_sub *s, enum mp_state st);
/* Copy p (and its ranges) into the subcheck's perfdata. */
int mp_sub_perf(struct mp_sub *s, const struct mp_perf *p, struct rpe_error *err);

/* A top-level subcheck in state OK that is only a line of information; for
 * results with no other structure. */
int mp_output_line(struct mp_output *o, const char *fmt, ...) MP_PRINTF(2, 3);

/* Render in o->format into out (replacing its contents), NUL-terminated;
 * the NUL is not counted in out->len. */
int mp_output_render(const struct mp_output *o, struct buf *out);
/* Render to stdout; returns the exit status: the state, or 0 under
 * mp-test-json (MP 3's mp_exit).  For `return mp_output_print(&o);`. */
int mp_output_print(const struct mp_output *o);
/* Print a status line with the summary and, unless line is NULL, one
 * subcheck line in the same state; returns the exit status.  For results
 * that need nothing more: usage errors, a run that could not start. */
int mp_print_status(const char *prefix, enum mp_state state,
		    const char *summary, const char *line);
/* Sanitise n bytes of text into out as described above (no NUL). */
int mp_sanitize_append(struct buf *out, const char *s, size_t n);
/* Append s as a JSON string, quotes included. */
int mp_json_string(struct buf *out, const char *s, size_t n);

#endif
