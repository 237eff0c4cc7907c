/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Monitoring-plugins conventions: states, threshold ranges, performance
 * data, the status line with long output, --extra-opts ini loading and the
 * -t deadline.
 *
 * References: Monitoring Plugins Development Guidelines ("Plugin Return
 * Codes", "Threshold and ranges", "Performance data") and
 * draft-kaestle-monitoring-plugins-interface.  Behaviour that the guidelines
 * leave open follows monitoring-plugins lib/ (utils_base.c, states.h,
 * parse_ini.c, extra_opts.c) and NRPE's -t SECONDS:STATE; deviations are
 * called out where they are declared.
 *
 * Nothing here prints except mp_output_print (stdout), and nothing exits. */
#ifndef RPE_MP_H
#define RPE_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
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
	bool start_inf;    /* "~" */
	bool end_inf;      /* nothing after ':' */
	bool alert_inside; /* leading '@' */
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
/* Sanitise n bytes of text into out as described above (no NUL). */
int mp_sanitize_append(struct buf *out, const char *s, size_t n);

/* --extra-opts --------------------------------------------------------------- */

/* Result of reading one ini section: argv-style options in file order, plus
 * the password captured from a `password=` key (which never becomes an
 * argv element, so it cannot show up in ps). */
struct mp_ini_opts {
	char **args;    /* "--key=value", "--flag", "-kvalue", "-f" */
	size_t nargs;
	char *password; /* NULL if absent; wipe with mp_ini_opts_free */
	bool section_found;
};

void mp_ini_opts_free(struct mp_ini_opts *o);

/* Parse ini text (n bytes, not necessarily NUL-terminated) and append the
 * options of `section` to o.  Follows monitoring-plugins parse_ini.c:
 *   - '#' and ';' start comment lines; blank lines are ignored;
 *   - "[ name ]" starts a section (blanks inside the brackets are trimmed);
 *     a section may appear several times, its options accumulate;
 *   - "key = value": blanks around key and value are trimmed; the key may
 *     contain inner spaces; "key=" becomes the flag "--key";
 *   - a key of one character becomes a short option ("-k" / "-kvalue";
 *     parse_ini.c writes "-k=value", which getopt would misread);
 *   - an option line before the first section header is an error.
 * Deliberate extensions: a bare "key" line is accepted as "key=", and a
 * value wholly enclosed in matching "..." or '...' loses the quotes (so it
 * can keep leading/trailing blanks).  Lines are bounded (MP_INI_LINE_MAX);
 * NUL bytes are an error.  A section that does not occur leaves
 * section_found false (not an error here). */
#define MP_INI_LINE_MAX 4096
#define MP_INI_FILE_MAX (1024u * 1024u)
int mp_ini_parse(const char *text, size_t n, const char *section,
		 struct mp_ini_opts *o, struct rpe_error *err);

/* Split a locator "[section][@file]": an empty section means
 * default_section; no "@file" means the default file (see
 * mp_ini_default_file).  Then read that file's section into o.  Errors
 * (UNKNOWN in plugin terms): file not found/unreadable, no section, syntax. */
int mp_ini_load(const char *locator, const char *default_section,
		struct mp_ini_opts *o, struct rpe_error *err);

/* The default ini file as monitoring-plugins finds it: $MP_CONFIG_FILE;
 * else the first of monitoring-plugins.ini, plugins.ini, nagios-plugins.ini
 * existing in a directory of $NAGIOS_CONFIG_PATH (':'-separated,
 * deprecated); else the first existing of
 *   /usr/local/etc/monitoring-plugins/monitoring-plugins.ini
 *   /usr/local/etc/monitoring-plugins.ini
 *   /etc/monitoring-plugins/monitoring-plugins.ini
 *   /etc/monitoring-plugins.ini
 *   /etc/nagios/plugins.ini  /usr/local/nagios/etc/plugins.ini
 *   /usr/local/etc/nagios/plugins.ini  /etc/opt/nagios/plugins.ini
 *   /etc/nagios-plugins.ini  /usr/local/etc/nagios-plugins.ini
 *   /etc/opt/nagios-plugins.ini
 * Writes the path into out (n bytes); RPE_ERR_ARG if none exists. */
int mp_ini_default_file(char *out, size_t n, struct rpe_error *err);

/* Expand every --extra-opts occurrence in argv, as monitoring-plugins'
 * np_extra_opts does: "--extra-opts=LOC", "--extra-opts LOC" (when LOC does
 * not start with '-') and a bare "--extra-opts" (default section and file)
 * are removed, and the options they name are inserted right after argv[0],
 * before all command-line options, so the command line wins for options
 * given twice.  On success *new_argv is a NULL-terminated array owned by
 * eo (free with mp_extra_opts_free), pointing into argv and eo->ini.args;
 * if there was no --extra-opts it is a copy of argv.  A captured password
 * ends up in eo->ini.password (the last one wins). */
struct mp_extra_opts {
	struct mp_ini_opts ini;
	char **argv;
	int argc;
	bool used;
};

int mp_extra_opts_apply(int argc, char **argv, const char *default_section,
			struct mp_extra_opts *eo, struct rpe_error *err);
void mp_extra_opts_free(struct mp_extra_opts *eo);

/* Deadline --------------------------------------------------------------------- */

#define MP_DEFAULT_TIMEOUT 10.0
#define MP_TIMEOUT_MAX 86400.0

/* -t SECONDS[:STATE], as NRPE's check_nrpe parses it: SECONDS > 0 (decimals
 * allowed here, e.g. "2.5"; at most MP_TIMEOUT_MAX), STATE a name or 0..3,
 * ":STATE" alone keeps the default seconds.  The default state is
 * CRITICAL: the guidelines say socket timeouts are not UNKNOWN, and
 * monitoring-plugins' timeout_state and NRPE both default to CRITICAL. */
struct mp_deadline {
	double seconds;
	enum mp_state state;
	int64_t start_ns; /* CLOCK_MONOTONIC; 0 = not started */
};

void mp_deadline_init(struct mp_deadline *d); /* 10 s, UNKNOWN */
int mp_deadline_parse(const char *text, struct mp_deadline *d,
		      struct rpe_error *err);
void mp_deadline_start(struct mp_deadline *d);
/* Milliseconds left, rounded up, 0 once expired; a deadline that was never
 * started reports its full length. */
int64_t mp_deadline_remaining_ms(const struct mp_deadline *d);
bool mp_deadline_expired(const struct mp_deadline *d);
/* Seconds since mp_deadline_start (0 if not started). */
double mp_deadline_elapsed(const struct mp_deadline *d);
/* CLOCK_MONOTONIC in nanoseconds, for phase timings. */
int64_t mp_monotonic_ns(void);

#endif
