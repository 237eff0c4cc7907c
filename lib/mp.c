/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Monitoring-plugins conventions; see mp.h for the behaviour and where it
 * comes from. */
#define _POSIX_C_SOURCE 200809L /* newlocale/uselocale, clock_gettime */
#include "mp.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

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
		unsigned long long a = scaled < 0 ? (unsigned long long)-scaled
						  : (unsigned long long)scaled;
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
				return range_fail(err, text, "start is not a number");
		}
		p = colon + 1;
	}
	if (*p) {
		if (mp_parse_number(p, strlen(p), &r->end) < 0)
			return range_fail(err, text,
					  colon ? "end is not a number"
						: "not a number");
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

int mp_thresholds_set(struct mp_thresholds *t, const char *warning,
		      const char *critical, struct rpe_error *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (warning) {
		rc = mp_range_parse(warning, &t->warning, err);
		if (rc < 0) {
			if (err) {
				char m[RPE_ERRMSG_MAX];
				snprintf(m, sizeof(m), "%s", err->msg);
				rpe_fail(err, rc, "warning threshold: %s", m);
			}
			return rc;
		}
		t->has_warning = true;
	}
	if (critical) {
		rc = mp_range_parse(critical, &t->critical, err);
		if (rc < 0) {
			if (err) {
				char m[RPE_ERRMSG_MAX];
				snprintf(m, sizeof(m), "%s", err->msg);
				rpe_fail(err, rc, "critical threshold: %s", m);
			}
			return rc;
		}
		t->has_critical = true;
	}
	return 0;
}

enum mp_state mp_thresholds_status(const struct mp_thresholds *t, double value)
{
	if (t->has_critical && mp_range_check(&t->critical, value))
		return MP_CRITICAL;
	if (t->has_warning && mp_range_check(&t->warning, value))
		return MP_WARNING;
	return MP_OK;
}

/* Performance data ----------------------------------------------------------- */

bool mp_uom_valid(const char *uom)
{
	static const char *const ok[] = { "", "s", "ms", "us", "%", "B",
					  "KB", "MB", "TB", "c" };
	size_t i;

	if (!uom)
		return true;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(uom, ok[i]) == 0)
			return true;
	return false;
}

int mp_perf_init(struct mp_perf *p, const char *label, double value,
		 const char *uom, struct rpe_error *err)
{
	size_t n = label ? strlen(label) : 0;

	memset(p, 0, sizeof(*p));
	if (n == 0 || n >= sizeof(p->label))
		return rpe_fail(err, RPE_ERR_ARG,
				"perfdata label must be 1..%d bytes",
				MP_LABEL_MAX - 1);
	if (!mp_uom_valid(uom))
		return rpe_fail(err, RPE_ERR_ARG, "invalid unit '%.8s'", uom);
	memcpy(p->label, label, n + 1);
	if (uom)
		snprintf(p->uom, sizeof(p->uom), "%s", uom);
	p->value = value;
	return 0;
}

static int put_str(struct buf *b, const char *s)
{
	return buf_put_bytes(b, s, strlen(s));
}

static int put_number(struct buf *b, double v)
{
	char num[MP_NUMBER_MAX];
	size_t n = mp_format_number(v, num, sizeof(num));
	return buf_put_bytes(b, num, n);
}

int mp_perf_format(const struct mp_perf *p, struct buf *out,
		   struct rpe_error *err)
{
	const char *l = p->label;
	size_t start = out->len, i;
	bool quote = false;
	int fields, f, rc = 0;

	if (!l[0] || memchr(l, '\0', sizeof(p->label)) == NULL)
		return rpe_fail(err, RPE_ERR_ARG, "bad perfdata label");
	if (!mp_uom_valid(p->uom))
		return rpe_fail(err, RPE_ERR_ARG, "invalid unit '%.2s'", p->uom);
	for (i = 0; l[i]; i++) {
		unsigned char ch = (unsigned char)l[i];
		if (ch < 0x20 || ch == 0x7f || ch == '|')
			return rpe_fail(err, RPE_ERR_ARG,
					"perfdata label has a control "
					"character or '|'");
		if (ch == ' ' || ch == '=' || ch == '\'')
			quote = true;
	}

	if (quote)
		rc = buf_put_u8(out, '\'');
	for (i = 0; rc == 0 && l[i]; i++) {
		if (l[i] == '\'')
			rc = buf_put_u8(out, '\'');
		if (rc == 0)
			rc = buf_put_u8(out, (uint8_t)l[i]);
	}
	if (rc == 0 && quote)
		rc = buf_put_u8(out, '\'');
	if (rc == 0)
		rc = buf_put_u8(out, '=');
	if (rc == 0)
		rc = put_number(out, p->value);
	if (rc == 0 && isfinite(p->value))
		rc = put_str(out, p->uom);

	/* Trailing empty fields may be dropped (guidelines); find the last
	 * non-empty one. */
	fields = p->has_max ? 4 : p->has_min ? 3 : p->crit ? 2 : p->warn ? 1 : 0;
	for (f = 1; rc == 0 && f <= fields; f++) {
		rc = buf_put_u8(out, ';');
		if (rc < 0)
			break;
		if (f == 1 && p->warn)
			rc = put_str(out, p->warn->text);
		else if (f == 2 && p->crit)
			rc = put_str(out, p->crit->text);
		else if (f == 3 && p->has_min)
			rc = put_number(out, p->min);
		else if (f == 4 && p->has_max)
			rc = put_number(out, p->max);
	}
	if (rc < 0) {
		out->len = start;
		return rpe_fail(err, rc, "perfdata does not fit");
	}
	return 0;
}

/* Output ---------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, <= U+10FFFF), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t need, k;
	uint32_t v, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		need = 1; v = s[0] & 0x1F; min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		need = 2; v = s[0] & 0x0F; min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		need = 3; v = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n - 1 < need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[k] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return need + 1;
}

int mp_sanitize_append(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = out->len, k;
	int rc = 0;

	while (rc == 0 && i < n) {
		unsigned char ch = u[i];
		if (ch == '|' || ch == '\n' || ch == '\r' || ch == '\t') {
			rc = buf_put_u8(out, ' ');
			i++;
		} else if (ch < 0x20 || ch == 0x7f) {
			char esc[5];
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			rc = buf_put_bytes(out, esc, 4);
			i++;
		} else if ((k = utf8_seq_len(u + i, n - i)) == 0) {
			char esc[5];
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			rc = buf_put_bytes(out, esc, 4);
			i++;
		} else {
			rc = buf_put_bytes(out, u + i, k);
			i += k;
		}
	}
	if (rc < 0)
		out->len = start;
	return rc;
}

void mp_output_init(struct mp_output *o, const char *prefix)
{
	snprintf(o->prefix, sizeof(o->prefix), "%s", prefix ? prefix : "");
	o->state = MP_OK;
	buf_init(&o->summary, MP_OUTPUT_MAX);
	buf_init(&o->perf, MP_OUTPUT_MAX);
	buf_init(&o->lines, MP_OUTPUT_MAX);
}

void mp_output_free(struct mp_output *o)
{
	buf_free(&o->summary);
	buf_free(&o->perf);
	buf_free(&o->lines);
}

void mp_output_set_state(struct mp_output *o, enum mp_state s)
{
	o->state = s;
}

void mp_output_raise(struct mp_output *o, enum mp_state s)
{
	o->state = mp_state_max(o->state, s);
}

static int append_vfmt(struct buf *b, const char *fmt, va_list ap)
{
	char stackbuf[512], *p = stackbuf;
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return RPE_ERR_ARG;
	}
	if ((size_t)n >= sizeof(stackbuf)) {
		if ((size_t)n >= MP_OUTPUT_MAX) {
			va_end(ap2);
			return RPE_ERR_TOOBIG;
		}
		p = malloc((size_t)n + 1);
		if (!p) {
			va_end(ap2);
			return RPE_ERR_NOMEM;
		}
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	rc = mp_sanitize_append(b, p, (size_t)n);
	if (p != stackbuf)
		free(p);
	return rc;
}

int mp_output_summary(struct mp_output *o, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = append_vfmt(&o->summary, fmt, ap);
	va_end(ap);
	return rc;
}

int mp_output_line(struct mp_output *o, const char *fmt, ...)
{
	size_t start = o->lines.len;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = append_vfmt(&o->lines, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = buf_put_u8(&o->lines, '\n');
	if (rc < 0)
		o->lines.len = start;
	return rc;
}

int mp_output_perf(struct mp_output *o, const struct mp_perf *p,
		   struct rpe_error *err)
{
	size_t start = o->perf.len;
	int rc = 0;

	if (o->perf.len)
		rc = buf_put_u8(&o->perf, ' ');
	if (rc == 0)
		rc = mp_perf_format(p, &o->perf, err);
	if (rc < 0)
		o->perf.len = start;
	return rc;
}

int mp_output_render(const struct mp_output *o, struct buf *out)
{
	const char *state = mp_state_name(o->state);

	buf_reset(out);
	if (o->prefix[0]) {
		TRY(put_str(out, o->prefix));
		TRY(buf_put_u8(out, ' '));
	}
	TRY(put_str(out, state));
	if (o->summary.len) {
		TRY(buf_put_bytes(out, " - ", 3));
		TRY(buf_put_bytes(out, o->summary.data, o->summary.len));
	}
	if (o->perf.len) {
		TRY(buf_put_bytes(out, " | ", 3));
		TRY(buf_put_bytes(out, o->perf.data, o->perf.len));
	}
	TRY(buf_put_u8(out, '\n'));
	TRY(buf_put_bytes(out, o->lines.data, o->lines.len));
	TRY(buf_put_u8(out, '\0'));
	out->len--;
	return 0;
}

int mp_output_print(const struct mp_output *o)
{
	struct buf b;

	buf_init(&b, 4 * MP_OUTPUT_MAX);
	if (mp_output_render(o, &b) == 0) {
		fwrite(b.data, 1, b.len, stdout);
	} else {
		printf("%s%s%s - output too large\n", o->prefix,
		       o->prefix[0] ? " " : "", mp_state_name(o->state));
	}
	fflush(stdout);
	buf_free(&b);
	return (int)o->state;
}

/* --extra-opts --------------------------------------------------------------- */

void mp_ini_opts_free(struct mp_ini_opts *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->nargs; i++) {
		buf_wipe(o->args[i], strlen(o->args[i]));
		free(o->args[i]);
	}
	free(o->args);
	if (o->password) {
		buf_wipe(o->password, strlen(o->password));
		free(o->password);
	}
	memset(o, 0, sizeof(*o));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

static int ini_add(struct mp_ini_opts *o, const char *k, size_t kn,
		   const char *v, size_t vn, bool has_value)
{
	char **na, *arg;
	size_t len, pos = 0;

	if (kn == 8 && memcmp(k, "password", 8) == 0) {
		char *pw = malloc(vn + 1);
		if (!pw)
			return RPE_ERR_NOMEM;
		memcpy(pw, v, vn);
		pw[vn] = '\0';
		if (o->password) {
			buf_wipe(o->password, strlen(o->password));
			free(o->password);
		}
		o->password = pw;
		return 0;
	}
	/* "--" + key + "=" + value + NUL; every term is bounded by the
	 * line length, so no overflow. */
	len = 2 + kn + 1 + vn + 1;
	arg = malloc(len);
	if (!arg)
		return RPE_ERR_NOMEM;
	arg[pos++] = '-';
	if (kn > 1)
		arg[pos++] = '-';
	memcpy(arg + pos, k, kn);
	pos += kn;
	if (has_value && vn) {
		if (kn > 1)
			arg[pos++] = '=';
		memcpy(arg + pos, v, vn);
		pos += vn;
	}
	arg[pos] = '\0';
	na = realloc(o->args, (o->nargs + 1) * sizeof(*na));
	if (!na) {
		free(arg);
		return RPE_ERR_NOMEM;
	}
	o->args = na;
	o->args[o->nargs++] = arg;
	return 0;
}

int mp_ini_parse(const char *text, size_t n, const char *section,
		 struct mp_ini_opts *o, struct rpe_error *err)
{
	enum { NONE, OTHER, MINE } st = NONE;
	size_t pos = 0, lineno = 0, seclen;

	if (!section || (n && !text))
		return rpe_fail(err, RPE_ERR_ARG, "bad ini arguments");
	seclen = strlen(section);
	if (memchr(text ? text : "", '\0', n))
		return rpe_fail(err, RPE_ERR_PROTO,
				"config file contains a NUL byte");
	while (pos < n) {
		const char *ls = text + pos, *le, *nl;
		size_t linelen;

		lineno++;
		nl = memchr(ls, '\n', n - pos);
		le = nl ? nl : text + n;
		linelen = (size_t)(le - ls);
		pos += linelen + (nl ? 1 : 0);
		if (linelen > MP_INI_LINE_MAX)
			return rpe_fail(err, RPE_ERR_PROTO,
					"config file line %zu is too long",
					lineno);
		trim(&ls, &le);
		if (ls == le || *ls == '#' || *ls == ';')
			continue;
		if (*ls == '[') {
			const char *ns = ls + 1, *ne = memchr(ns, ']',
							      (size_t)(le - ns));
			if (!ne)
				return rpe_fail(err, RPE_ERR_PROTO,
						"config file line %zu: "
						"unterminated section header",
						lineno);
			trim(&ns, &ne);
			if ((size_t)(ne - ns) == seclen &&
			    memcmp(ns, section, seclen) == 0) {
				st = MINE;
				o->section_found = true;
			} else {
				st = OTHER;
			}
			continue;
		}
		if (st == NONE)
			return rpe_fail(err, RPE_ERR_PROTO,
					"config file line %zu: option outside "
					"any section", lineno);
		if (st == OTHER)
			continue;
		{
			const char *eq = memchr(ls, '=', (size_t)(le - ls));
			const char *ks = ls, *ke = eq ? eq : le;
			const char *vs = eq ? eq + 1 : le, *ve = le;
			int rc;

			trim(&ks, &ke);
			trim(&vs, &ve);
			if (ks == ke)
				return rpe_fail(err, RPE_ERR_PROTO,
						"config file line %zu: "
						"missing option name", lineno);
			if (ve - vs >= 2 && (*vs == '"' || *vs == '\'') &&
			    ve[-1] == *vs) {
				vs++;
				ve--;
			}
			rc = ini_add(o, ks, (size_t)(ke - ks), vs,
				     (size_t)(ve - vs), eq != NULL);
			if (rc < 0)
				return rpe_fail(err, rc, "out of memory");
		}
	}
	return 0;
}

static bool file_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

int mp_ini_default_file(char *out, size_t n, struct rpe_error *err)
{
	static const char *const names[] = { "monitoring-plugins.ini",
					     "plugins.ini",
					     "nagios-plugins.ini" };
	static const char *const paths[] = {
		"/usr/local/etc/monitoring-plugins/monitoring-plugins.ini",
		"/usr/local/etc/monitoring-plugins.ini",
		"/etc/monitoring-plugins/monitoring-plugins.ini",
		"/etc/monitoring-plugins.ini",
		/* deprecated locations, still searched by monitoring-plugins */
		"/etc/nagios/plugins.ini",
		"/usr/local/nagios/etc/plugins.ini",
		"/usr/local/etc/nagios/plugins.ini",
		"/etc/opt/nagios/plugins.ini",
		"/etc/nagios-plugins.ini",
		"/usr/local/etc/nagios-plugins.ini",
		"/etc/opt/nagios-plugins.ini",
	};
	const char *env = getenv("MP_CONFIG_FILE");
	size_t i;

	/* Like parse_ini.c, $MP_CONFIG_FILE is taken as is, even if the file
	 * turns out to be missing: the user asked for that file. */
	if (env && env[0]) {
		if ((size_t)snprintf(out, n, "%s", env) >= n)
			return rpe_fail(err, RPE_ERR_ARG,
					"MP_CONFIG_FILE is too long");
		return 0;
	}
	env = getenv("NAGIOS_CONFIG_PATH");
	while (env && *env) {
		size_t dl = strcspn(env, ":");
		for (i = 0; dl && i < sizeof(names) / sizeof(names[0]); i++) {
			int w = snprintf(out, n, "%.*s/%s", (int)dl, env,
					 names[i]);
			if (w > 0 && (size_t)w < n && file_exists(out))
				return 0;
		}
		env += dl;
		if (*env == ':')
			env++;
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (file_exists(paths[i]) &&
		    (size_t)snprintf(out, n, "%s", paths[i]) < n)
			return 0;
	}
	if (n)
		out[0] = '\0';
	return rpe_fail(err, RPE_ERR_ARG,
			"--extra-opts: cannot find a config file in any "
			"standard location (set MP_CONFIG_FILE or use "
			"section@file)");
}

static int read_file(const char *path, struct buf *b, struct rpe_error *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *space;
	size_t got;

	if (!f)
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: cannot read config file '%s': %s",
				path, strerror(errno));
	for (;;) {
		if (buf_put_space(b, 4096, &space) < 0) {
			fclose(f);
			return rpe_fail(err, RPE_ERR_TOOBIG,
					"--extra-opts: config file '%s' is "
					"larger than %u bytes",
					path, MP_INI_FILE_MAX);
		}
		got = fread(space, 1, 4096, f);
		b->len -= 4096 - got;
		if (got < 4096)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: error reading '%s'", path);
	}
	fclose(f);
	return 0;
}

int mp_ini_load(const char *locator, const char *default_section,
		struct mp_ini_opts *o, struct rpe_error *err)
{
	char path[4096], section[256];
	const char *at = locator ? strchr(locator, '@') : NULL;
	size_t slen = locator ? (at ? (size_t)(at - locator) : strlen(locator))
			      : 0;
	struct buf b;
	int rc;

	o->section_found = false;
	if (slen == 0)
		rc = snprintf(section, sizeof(section), "%s", default_section);
	else
		rc = snprintf(section, sizeof(section), "%.*s", (int)slen,
			      locator);
	if (rc < 0 || (size_t)rc >= sizeof(section))
		return rpe_fail(err, RPE_ERR_ARG,
				"--extra-opts: section name too long");
	if (at) {
		if (!at[1])
			return rpe_fail(err, RPE_ERR_ARG,
					"--extra-opts: empty file name after '@'");
		if ((size_t)snprintf(path, sizeof(path), "%s", at + 1) >=
		    sizeof(path))
			return rpe_fail(err, RPE_ERR_ARG,
					"--extra-opts: file name too long");
	} else {
		TRY(mp_ini_default_file(path, sizeof(path), err));
	}

	buf_init(&b, MP_INI_FILE_MAX + 4096);
	rc = read_file(path, &b, err);
	if (rc == 0 && b.len > MP_INI_FILE_MAX)
		rc = rpe_fail(err, RPE_ERR_TOOBIG,
			      "--extra-opts: config file '%s' is larger than "
			      "%u bytes", path, MP_INI_FILE_MAX);
	if (rc == 0) {
		rc = mp_ini_parse((const char *)b.data, b.len, section, o, err);
		if (rc < 0 && err) {
			char m[RPE_ERRMSG_MAX];
			snprintf(m, sizeof(m), "%s", err->msg);
			rpe_fail(err, rc, "--extra-opts: %.100s: %s", path, m);
		}
	}
	if (rc == 0 && !o->section_found)
		rc = rpe_fail(err, RPE_ERR_ARG,
			      "--extra-opts: no section [%s] in config file '%s'",
			      section, path);
	buf_free(&b);
	return rc;
}

void mp_extra_opts_free(struct mp_extra_opts *eo)
{
	if (!eo)
		return;
	mp_ini_opts_free(&eo->ini);
	free(eo->argv);
	eo->argv = NULL;
	eo->argc = 0;
	eo->used = false;
}

int mp_extra_opts_apply(int argc, char **argv, const char *default_section,
			struct mp_extra_opts *eo, struct rpe_error *err)
{
	char **rest;
	size_t nrest = 0, i, total;
	int a, rc = 0;

	memset(eo, 0, sizeof(*eo));
	if (argc < 1)
		return rpe_fail(err, RPE_ERR_ARG, "empty argv");
	rest = calloc((size_t)argc, sizeof(*rest));
	if (!rest)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");

	for (a = 1; a < argc && rc == 0; a++) {
		const char *loc = NULL;
		bool found = false;

		if (strcmp(argv[a], "--") == 0) {
			/* Operands: leave them, and everything after, alone. */
			for (; a < argc; a++)
				rest[nrest++] = argv[a];
			break;
		}
		if (strncmp(argv[a], "--extra-opts=", 13) == 0) {
			loc = argv[a] + 13;
			found = true;
		} else if (strcmp(argv[a], "--extra-opts") == 0) {
			found = true;
			if (a + 1 < argc && argv[a + 1][0] != '-')
				loc = argv[++a];
		}
		if (!found) {
			rest[nrest++] = argv[a];
			continue;
		}
		eo->used = true;
		rc = mp_ini_load(loc, default_section, &eo->ini, err);
		eo->ini.section_found = false; /* per-load flag */
	}
	if (rc < 0) {
		free(rest);
		mp_ini_opts_free(&eo->ini);
		return rc;
	}

	total = 1 + eo->ini.nargs + nrest;
	eo->argv = calloc(total + 1, sizeof(*eo->argv));
	if (!eo->argv) {
		free(rest);
		mp_ini_opts_free(&eo->ini);
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	}
	eo->argv[0] = argv[0];
	for (i = 0; i < eo->ini.nargs; i++)
		eo->argv[1 + i] = eo->ini.args[i];
	for (i = 0; i < nrest; i++)
		eo->argv[1 + eo->ini.nargs + i] = rest[i];
	eo->argv[total] = NULL;
	eo->argc = (int)total;
	free(rest);
	return 0;
}

/* Deadline --------------------------------------------------------------------- */

int64_t mp_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void mp_deadline_init(struct mp_deadline *d)
{
	d->seconds = MP_DEFAULT_TIMEOUT;
	/* A probe that runs out of time proves nothing about the policy. */
	d->state = MP_UNKNOWN;
	d->start_ns = 0;
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
					"%.0f", text, MP_TIMEOUT_MAX);
	}
	if (colon && mp_state_parse(colon + 1, &st) < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"invalid timeout '%.64s': state must be OK, "
				"WARNING, CRITICAL, UNKNOWN or 0..3", text);
	if (!sl && !colon)
		return rpe_fail(err, RPE_ERR_ARG, "invalid timeout '%.64s'",
				text);
	d->seconds = secs;
	d->state = st;
	return 0;
}

void mp_deadline_start(struct mp_deadline *d)
{
	d->start_ns = mp_monotonic_ns();
	if (d->start_ns == 0)
		d->start_ns = 1;
}

double mp_deadline_elapsed(const struct mp_deadline *d)
{
	if (!d->start_ns)
		return 0;
	return (double)(mp_monotonic_ns() - d->start_ns) / 1e9;
}

int64_t mp_deadline_remaining_ms(const struct mp_deadline *d)
{
	int64_t total_ns = (int64_t)(d->seconds * 1e9);
	int64_t left;

	if (!d->start_ns)
		return (total_ns + 999999) / 1000000;
	left = total_ns - (mp_monotonic_ns() - d->start_ns);
	if (left <= 0)
		return 0;
	return (left + 999999) / 1000000;
}

bool mp_deadline_expired(const struct mp_deadline *d)
{
	return d->start_ns && mp_deadline_remaining_ms(d) == 0;
}
