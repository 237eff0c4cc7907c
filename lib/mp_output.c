/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Performance data and the status line; see mp_output.h. */
#define _POSIX_C_SOURCE 200809L
#include "mp_output.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Performance data ----------------------------------------------------------- */

bool mp_uom_valid(const char *uom)
{
	static const char *const ok[] = { "",  "s",  "ms", "us", "%",
					  "B", "KB", "MB", "TB", "c" };
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

/* The label, quoted when it contains a space, '=' or '\'' (quotes
 * doubled inside); -1 when it has a control character or '|'. */
static int label_quoting(const char *l)
{
	int quote = 0;

	for (; *l; l++) {
		unsigned char ch = (unsigned char)*l;
		if (ch < 0x20 || ch == 0x7f || ch == '|')
			return -1;
		if (ch == ' ' || ch == '=' || ch == '\'')
			quote = 1;
	}
	return quote;
}

static int put_label(struct buf *out, const char *l, int quote)
{
	if (quote)
		TRY(buf_put_u8(out, '\''));
	for (; *l; l++) {
		if (*l == '\'')
			TRY(buf_put_u8(out, '\''));
		TRY(buf_put_u8(out, (uint8_t)*l));
	}
	return quote ? buf_put_u8(out, '\'') : 0;
}

/* ;warn;crit;min;max, without the trailing empty fields (guidelines). */
static int put_fields(struct buf *out, const struct mp_perf *p)
{
	int fields = p->has_max ? 4 :
		     p->has_min ? 3 :
		     p->crit    ? 2 :
		     p->warn    ? 1 :
				  0;

	if (fields >= 1) {
		TRY(buf_put_u8(out, ';'));
		if (p->warn)
			TRY(put_str(out, p->warn->text));
	}
	if (fields >= 2) {
		TRY(buf_put_u8(out, ';'));
		if (p->crit)
			TRY(put_str(out, p->crit->text));
	}
	if (fields >= 3) {
		TRY(buf_put_u8(out, ';'));
		if (p->has_min)
			TRY(put_number(out, p->min));
	}
	if (fields >= 4) {
		TRY(buf_put_u8(out, ';'));
		TRY(put_number(out, p->max));
	}
	return 0;
}

static int put_perf(struct buf *out, const struct mp_perf *p, int quote)
{
	TRY(put_label(out, p->label, quote));
	TRY(buf_put_u8(out, '='));
	TRY(put_number(out, p->value));
	if (isfinite(p->value))
		TRY(put_str(out, p->uom));
	return put_fields(out, p);
}

int mp_perf_format(const struct mp_perf *p, struct buf *out, struct rpe_error *err)
{
	size_t start = out->len;
	int quote, rc;

	if (!p->label[0] || memchr(p->label, '\0', sizeof(p->label)) == NULL)
		return rpe_fail(err, RPE_ERR_ARG, "bad perfdata label");
	if (!mp_uom_valid(p->uom))
		return rpe_fail(err, RPE_ERR_ARG, "invalid unit '%.2s'", p->uom);
	quote = label_quoting(p->label);
	if (quote < 0)
		return rpe_fail(err, RPE_ERR_ARG,
				"perfdata label has a control character or '|'");
	rc = put_perf(out, p, quote);
	if (rc < 0) {
		out->len = start;
		return rpe_fail(err, rc, "perfdata does not fit");
	}
	return 0;
}

/* Output ---------------------------------------------------------------------- */

int mp_sanitize_append(struct buf *out, const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, next, start = out->len;
	uint32_t cp;
	int rc = 0;

	while (rc == 0 && i < n) {
		uint8_t ch = u[i];
		next = i;
		if (ch == '|' || ch == '\n' || ch == '\r' || ch == '\t') {
			rc = buf_put_u8(out, ' ');
			i++;
		} else if (ch < 0x20 || ch == 0x7f ||
			   buf_utf8_next(u, n, &next, &cp) < 0) {
			char esc[5];
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			rc = buf_put_bytes(out, esc, 4);
			i++;
		} else {
			rc = buf_put_bytes(out, u + i, next - i);
			i = next;
		}
	}
	if (rc < 0)
		out->len = start;
	return rc;
}

/* Formats ---------------------------------------------------------------------- */

static const char *const format_names[] = {
	[MP_FORMAT_CLASSIC] = "classic",
	[MP_FORMAT_MULTI_LINE] = "multi-line",
	[MP_FORMAT_TEST_JSON] = "mp-test-json",
};

/* The one process-wide setting, as in Monitoring Plugins 3: every output of
 * the run takes it at init. */
static enum mp_format default_format = MP_FORMAT_CLASSIC;

int mp_format_parse(const char *text, enum mp_format *out)
{
	size_t i;

	for (i = 0; text && i < sizeof(format_names) / sizeof(format_names[0]);
	     i++) {
		if (strcasecmp(text, format_names[i]) == 0) {
			*out = (enum mp_format)i;
			return 0;
		}
	}
	return RPE_ERR_ARG;
}

const char *mp_format_name(enum mp_format f)
{
	return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ?
		       format_names[f] :
		       "classic";
}

void mp_output_set_default_format(enum mp_format f)
{
	default_format = f;
}

/* The check and its subchecks -------------------------------------------------- */

void mp_output_init(struct mp_output *o, const char *prefix)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->prefix, sizeof(o->prefix), "%s", prefix ? prefix : "");
	o->format = default_format;
	o->state = MP_OK;
	buf_init(&o->summary, MP_OUTPUT_MAX);
}

static void sub_free(struct mp_sub *s)
{
	while (s) {
		struct mp_sub *next = s->next;
		sub_free(s->first);
		buf_free(&s->text);
		buf_free(&s->notes);
		buf_free(&s->classic);
		free(s->perf);
		free(s);
		s = next;
	}
}

void mp_output_free(struct mp_output *o)
{
	buf_free(&o->summary);
	sub_free(o->first);
	o->first = o->last = NULL;
	o->nsubs = 0;
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

static struct mp_sub *sub_vadd(struct mp_output *o, struct mp_sub *parent,
			       enum mp_state state, const char *fmt, va_list ap)
{
	struct mp_sub *s;

	if (o->nsubs >= MP_SUBCHECKS_MAX || !(s = calloc(1, sizeof(*s))))
		return NULL;
	s->state = state;
	buf_init(&s->text, MP_OUTPUT_MAX);
	buf_init(&s->notes, MP_OUTPUT_MAX);
	buf_init(&s->classic, MP_OUTPUT_MAX);
	if (append_vfmt(&s->text, fmt, ap) < 0) {
		sub_free(s);
		return NULL;
	}
	if (parent) {
		if (parent->last)
			parent->last->next = s;
		else
			parent->first = s;
		parent->last = s;
	} else {
		if (o->last)
			o->last->next = s;
		else
			o->first = s;
		o->last = s;
	}
	o->nsubs++;
	return s;
}

struct mp_sub *mp_sub_add(struct mp_output *o, struct mp_sub *parent,
			  enum mp_state state, const char *fmt, ...)
{
	struct mp_sub *s;
	va_list ap;

	va_start(ap, fmt);
	s = sub_vadd(o, parent, state, fmt, ap);
	va_end(ap);
	return s;
}

int mp_sub_note(struct mp_sub *s, const char *fmt, ...)
{
	size_t start;
	va_list ap;
	int rc;

	if (!s)
		return RPE_ERR_ARG;
	start = s->notes.len;
	va_start(ap, fmt);
	rc = append_vfmt(&s->notes, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = buf_put_u8(&s->notes, '\n');
	if (rc < 0)
		s->notes.len = start;
	return rc;
}

int mp_sub_classic_line(struct mp_sub *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (!s)
		return RPE_ERR_ARG;
	buf_reset(&s->classic);
	va_start(ap, fmt);
	rc = append_vfmt(&s->classic, fmt, ap);
	va_end(ap);
	if (rc < 0)
		buf_reset(&s->classic);
	return rc;
}

void mp_sub_classic(struct mp_sub *s, unsigned flags, const char *indent)
{
	if (!s)
		return;
	s->classic_flags = flags;
	snprintf(s->classic_indent, sizeof(s->classic_indent), "%s",
		 indent ? indent : "");
}

void mp_sub_set_state(struct mp_sub *s, enum mp_state st)
{
	if (s)
		s->state = st;
}

int mp_sub_perf(struct mp_sub *s, const struct mp_perf *p, struct rpe_error *err)
{
	struct mp_perf_item *items, *it;
	struct buf probe;
	int rc;

	if (!s)
		return rpe_fail(err, RPE_ERR_ARG, "no subcheck");
	/* Refuse here what the renderings could not print. */
	buf_init(&probe, MP_OUTPUT_MAX);
	rc = mp_perf_format(p, &probe, err);
	buf_free(&probe);
	if (rc < 0)
		return rc;
	if (s->nperf >= 64)
		return rpe_fail(err, RPE_ERR_TOOBIG, "too much perfdata");
	items = realloc(s->perf, (s->nperf + 1) * sizeof(*items));
	if (!items)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	s->perf = items;
	/* Ranges are copied, and each item points at its own: realloc may
	 * have moved the earlier ones. */
	for (it = items; it < items + s->nperf; it++) {
		it->p.warn = it->p.warn ? &it->warn : NULL;
		it->p.crit = it->p.crit ? &it->crit : NULL;
	}
	it = &items[s->nperf++];
	it->p = *p;
	if (p->warn)
		it->warn = *p->warn;
	if (p->crit)
		it->crit = *p->crit;
	it->p.warn = p->warn ? &it->warn : NULL;
	it->p.crit = p->crit ? &it->crit : NULL;
	return 0;
}

int mp_output_line(struct mp_output *o, const char *fmt, ...)
{
	struct mp_sub *s;
	va_list ap;

	va_start(ap, fmt);
	s = sub_vadd(o, NULL, MP_OK, fmt, ap);
	va_end(ap);
	return s ? 0 : RPE_ERR_NOMEM;
}

/* Rendering: all perfdata, depth first ----------------------------------------- */

static int put_perf_tree(struct buf *out, const struct mp_sub *s)
{
	struct rpe_error err = { 0, "" };
	size_t i;

	for (; s; s = s->next) {
		for (i = 0; i < s->nperf; i++) {
			if (out->len)
				TRY(buf_put_u8(out, ' '));
			TRY(mp_perf_format(&s->perf[i].p, out, &err));
		}
		TRY(put_perf_tree(out, s->first));
	}
	return 0;
}

/* classic ---------------------------------------------------------------------- */

static int put_lines(struct buf *out, const char *indent, const struct buf *b)
{
	size_t i = 0, j;

	while (i < b->len) {
		for (j = i; j < b->len && b->data[j] != '\n'; j++)
			;
		TRY(put_str(out, indent));
		TRY(buf_put_bytes(out, b->data + i, j - i));
		TRY(buf_put_u8(out, '\n'));
		i = j + 1;
	}
	return 0;
}

static int classic_sub(struct buf *out, const struct mp_sub *s,
		       const char *indent);

/* The subchecks of one level: each in order, then the late subchecks of
 * each, so that what belongs to one of them can follow all of them. */
static int classic_level(struct buf *out, const struct mp_sub *first,
			 const char *indent)
{
	const struct mp_sub *s, *c;

	for (s = first; s; s = s->next)
		if (!(s->classic_flags & MP_CLASSIC_LATE))
			TRY(classic_sub(out, s, indent));
	for (s = first; s; s = s->next)
		for (c = s->first; c; c = c->next)
			if (c->classic_flags & MP_CLASSIC_LATE)
				TRY(classic_sub(out, c, indent));
	return 0;
}

static int classic_sub(struct buf *out, const struct mp_sub *s, const char *indent)
{
	char inner[256];

	if (s->classic_flags & MP_CLASSIC_SKIP)
		return 0;
	if (!(s->classic_flags & MP_CLASSIC_NO_LINE)) {
		TRY(put_str(out, indent));
		if (s->classic.len)
			TRY(buf_put_bytes(out, s->classic.data, s->classic.len));
		else
			TRY(buf_put_bytes(out, s->text.data, s->text.len));
		TRY(buf_put_u8(out, '\n'));
	}
	/* Notes belong to the subcheck: indented like its subchecks. */
	snprintf(inner, sizeof(inner), "%s%s", indent, s->classic_indent);
	TRY(put_lines(out, inner, &s->notes));
	return classic_level(out, s->first, inner);
}

static int render_classic(const struct mp_output *o, struct buf *out,
			  const struct buf *perf)
{
	if (o->prefix[0]) {
		TRY(put_str(out, o->prefix));
		TRY(buf_put_u8(out, ' '));
	}
	TRY(put_str(out, mp_state_name(o->state)));
	if (o->summary.len) {
		TRY(buf_put_bytes(out, " - ", 3));
		TRY(buf_put_bytes(out, o->summary.data, o->summary.len));
	}
	if (perf->len) {
		TRY(buf_put_bytes(out, " | ", 3));
		TRY(buf_put_bytes(out, perf->data, perf->len));
	}
	TRY(buf_put_u8(out, '\n'));
	return classic_level(out, o->first, "");
}

/* multi-line (MP 3 lib/output.c: mp_fmt_output, fmt_subcheck_output) ---------- */

static int put_tabs(struct buf *out, unsigned n)
{
	while (n--)
		TRY(buf_put_u8(out, '\t'));
	return 0;
}

static int multi_sub(struct buf *out, const struct mp_sub *s, unsigned depth)
{
	size_t i = 0, j;

	for (; s; s = s->next) {
		TRY(buf_put_u8(out, '\n'));
		TRY(put_tabs(out, depth));
		TRY(put_str(out, "\\_["));
		TRY(put_str(out, mp_state_name(s->state)));
		TRY(put_str(out, "] - "));
		TRY(buf_put_bytes(out, s->text.data, s->text.len));
		/* A subcheck's further lines, one level deeper, as MP 3
		 * indents a subcheck output that has several lines. */
		for (i = 0; i < s->notes.len; i = j + 1) {
			for (j = i;
			     j < s->notes.len && s->notes.data[j] != '\n'; j++)
				;
			while (i < j && s->notes.data[i] == ' ')
				i++;
			TRY(buf_put_u8(out, '\n'));
			TRY(put_tabs(out, depth + 1));
			TRY(buf_put_bytes(out, s->notes.data + i, j - i));
		}
		TRY(multi_sub(out, s->first, depth + 1));
	}
	return 0;
}

static int render_multi(const struct mp_output *o, struct buf *out,
			const struct buf *perf)
{
	TRY(buf_put_u8(out, '['));
	TRY(put_str(out, mp_state_name(o->state)));
	TRY(put_str(out, "] - "));
	TRY(buf_put_bytes(out, o->summary.data, o->summary.len));
	TRY(multi_sub(out, o->first, 1));
	if (perf->len) {
		TRY(buf_put_u8(out, '|'));
		TRY(buf_put_bytes(out, perf->data, perf->len));
	}
	return buf_put_u8(out, '\n');
}

/* mp-test-json (MP 3 lib/output.c: json_serialize_subcheck, json_serialise_pd,
 * json_serialise_range, json_serialise_pd_value) -------------------------------- */

int mp_json_string(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	TRY(buf_put_u8(out, '"'));
	for (i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)s[i];
		if (ch == '"' || ch == '\\') {
			TRY(buf_put_u8(out, '\\'));
			TRY(buf_put_u8(out, ch));
		} else if (ch == '\n') {
			TRY(buf_put_bytes(out, "\\n", 2));
		} else if (ch < 0x20 || ch == 0x7f) {
			char u[6] = { '\\', 'u',          '0',
				      '0',  hex[ch >> 4], hex[ch & 15] };
			TRY(buf_put_bytes(out, u, sizeof(u)));
		} else {
			TRY(buf_put_u8(out, ch));
		}
	}
	return buf_put_u8(out, '"');
}

static int json_key(struct buf *out, const char *key, int comma)
{
	if (comma)
		TRY(buf_put_u8(out, ','));
	TRY(mp_json_string(out, key, strlen(key)));
	return buf_put_u8(out, ':');
}

static int json_buf(struct buf *out, const struct buf *b)
{
	return mp_json_string(out, (const char *)b->data, b->len);
}

/* {"type":"double","value":"1.5"}: every number here is a double. */
static int json_value(struct buf *out, double v)
{
	char num[MP_NUMBER_MAX];
	size_t n = mp_format_number(v, num, sizeof(num));

	TRY(put_str(out, "{\"type\":\"double\",\"value\":"));
	TRY(mp_json_string(out, num, n));
	return buf_put_u8(out, '}');
}

static int json_range(struct buf *out, const struct mp_range *r)
{
	TRY(put_str(out, "{\"alert_on_inside\":"));
	TRY(put_str(out, r->alert_inside ? "true" : "false"));
	TRY(json_key(out, "end", 1));
	if (r->end_inf)
		TRY(put_str(out, "\"inf\""));
	else
		TRY(json_value(out, r->end));
	TRY(json_key(out, "start", 1));
	if (r->start_inf)
		TRY(put_str(out, "\"inf\""));
	else
		TRY(json_value(out, r->start));
	return buf_put_u8(out, '}');
}

static int json_perf(struct buf *out, const struct mp_perf *p)
{
	TRY(buf_put_u8(out, '{'));
	TRY(json_key(out, "label", 0));
	TRY(mp_json_string(out, p->label, strlen(p->label)));
	TRY(json_key(out, "value", 1));
	TRY(json_value(out, p->value));
	TRY(json_key(out, "uom", 1));
	TRY(mp_json_string(out, p->uom, strlen(p->uom)));
	if (p->warn) {
		TRY(json_key(out, "warn", 1));
		TRY(json_range(out, p->warn));
	}
	if (p->crit) {
		TRY(json_key(out, "crit", 1));
		TRY(json_range(out, p->crit));
	}
	if (p->has_min) {
		TRY(json_key(out, "min", 1));
		TRY(json_value(out, p->min));
	}
	if (p->has_max) {
		TRY(json_key(out, "max", 1));
		TRY(json_value(out, p->max));
	}
	return buf_put_u8(out, '}');
}

static int json_subs(struct buf *out, const struct mp_sub *s);

/* The output is the subcheck's line and its notes, one string. */
static int json_sub(struct buf *out, const struct mp_sub *s)
{
	struct buf text;
	size_t i;
	int rc;

	buf_init(&text, 2 * MP_OUTPUT_MAX);
	rc = buf_put_bytes(&text, s->text.data, s->text.len);
	if (rc == 0 && s->notes.len)
		rc = buf_put_u8(&text, '\n');
	/* without the notes' final '\n' */
	if (rc == 0 && s->notes.len)
		rc = buf_put_bytes(&text, s->notes.data, s->notes.len - 1);
	if (rc == 0) {
		rc = buf_put_u8(out, '{');
		if (rc == 0)
			rc = json_key(out, "output", 0);
		if (rc == 0)
			rc = json_buf(out, &text);
	}
	buf_free(&text);
	TRY(rc);
	TRY(json_key(out, "state", 1));
	TRY(mp_json_string(out, mp_state_name(s->state),
			   strlen(mp_state_name(s->state))));
	if (s->nperf) {
		TRY(json_key(out, "perfdata", 1));
		TRY(buf_put_u8(out, '['));
		for (i = 0; i < s->nperf; i++) {
			if (i)
				TRY(buf_put_u8(out, ','));
			TRY(json_perf(out, &s->perf[i].p));
		}
		TRY(buf_put_u8(out, ']'));
	}
	if (s->first) {
		TRY(json_key(out, "checks", 1));
		TRY(json_subs(out, s->first));
	}
	return buf_put_u8(out, '}');
}

static int json_subs(struct buf *out, const struct mp_sub *s)
{
	TRY(buf_put_u8(out, '['));
	for (; s; s = s->next) {
		TRY(json_sub(out, s));
		if (s->next)
			TRY(buf_put_u8(out, ','));
	}
	return buf_put_u8(out, ']');
}

static int render_json(const struct mp_output *o, struct buf *out)
{
	const char *st = mp_state_name(o->state);

	TRY(buf_put_u8(out, '{'));
	TRY(json_key(out, "state", 0));
	TRY(mp_json_string(out, st, strlen(st)));
	TRY(json_key(out, "summary", 1));
	TRY(json_buf(out, &o->summary));
	if (o->first) {
		TRY(json_key(out, "checks", 1));
		TRY(json_subs(out, o->first));
	}
	TRY(buf_put_u8(out, '}'));
	return buf_put_u8(out, '\n');
}

int mp_output_render(const struct mp_output *o, struct buf *out)
{
	struct buf perf;
	int rc = 0;

	buf_reset(out);
	buf_init(&perf, MP_OUTPUT_MAX);
	if (o->format != MP_FORMAT_TEST_JSON)
		rc = put_perf_tree(&perf, o->first);
	if (rc == 0) {
		switch (o->format) {
		case MP_FORMAT_MULTI_LINE:
			rc = render_multi(o, out, &perf);
			break;
		case MP_FORMAT_TEST_JSON: rc = render_json(o, out); break;
		default: rc = render_classic(o, out, &perf); break;
		}
	}
	buf_free(&perf);
	TRY(rc);
	TRY(buf_put_u8(out, '\0'));
	out->len--;
	return 0;
}

int mp_output_print(const struct mp_output *o)
{
	const char *st = mp_state_name(o->state);
	struct buf b;

	buf_init(&b, 4 * MP_OUTPUT_MAX);
	if (mp_output_render(o, &b) == 0)
		fwrite(b.data, 1, b.len, stdout);
	else if (o->format == MP_FORMAT_TEST_JSON)
		printf("{\"state\":\"%s\",\"summary\":\"output too large\"}\n",
		       st);
	else if (o->format == MP_FORMAT_MULTI_LINE)
		printf("[%s] - output too large\n", st);
	else
		printf("%s%s%s - output too large\n", o->prefix,
		       o->prefix[0] ? " " : "", st);
	fflush(stdout);
	buf_free(&b);
	return o->format == MP_FORMAT_TEST_JSON ? 0 : (int)o->state;
}

int mp_print_status(const char *prefix, enum mp_state state,
		    const char *summary, const char *line)
{
	struct mp_output o;
	int rc;

	mp_output_init(&o, prefix);
	mp_output_set_state(&o, state);
	mp_output_summary(&o, "%s", summary);
	if (line)
		mp_sub_add(&o, NULL, state, "%s", line);
	rc = mp_output_print(&o);
	mp_output_free(&o);
	return rc;
}
