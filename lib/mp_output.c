/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Performance data and the status line; see mp_output.h. */
#include "mp_output.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int fields = p->has_max ? 4 : p->has_min ? 3 : p->crit ? 2 :
		     p->warn ? 1 : 0;

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

int mp_perf_format(const struct mp_perf *p, struct buf *out,
		   struct rpe_error *err)
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

static int put_line(struct buf *b, const char *fmt, va_list ap)
{
	TRY(append_vfmt(b, fmt, ap));
	return buf_put_u8(b, '\n');
}

int mp_output_line(struct mp_output *o, const char *fmt, ...)
{
	size_t start = o->lines.len;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = put_line(&o->lines, fmt, ap);
	va_end(ap);
	if (rc < 0)
		o->lines.len = start;
	return rc;
}

int mp_output_perf(struct mp_output *o, const struct mp_perf *p,
		   struct rpe_error *err)
{
	size_t start = o->perf.len;
	int rc;

	if (o->perf.len && buf_put_u8(&o->perf, ' ') < 0)
		return rpe_fail(err, RPE_ERR_TOOBIG, "perfdata does not fit");
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

int mp_print_status(const char *prefix, enum mp_state state,
		    const char *summary, const char *line)
{
	struct mp_output o;
	int rc;

	mp_output_init(&o, prefix);
	mp_output_set_state(&o, state);
	mp_output_summary(&o, "%s", summary);
	if (line)
		mp_output_line(&o, "%s", line);
	rc = mp_output_print(&o);
	mp_output_free(&o);
	return rc;
}
