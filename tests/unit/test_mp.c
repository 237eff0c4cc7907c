/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/mp: states, ranges (every example of the guidelines' range table),
 * numbers under a foreign LC_NUMERIC, perfdata, output rendering and
 * sanitising, --extra-opts ini parsing and loading, the deadline. */
#define _POSIX_C_SOURCE 200809L
#include "mp.h"
#include "t.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static struct mp_range R(const char *text) {
	struct mp_range r;
	struct rpe_error e;
	int rc = mp_range_parse(text, &r, &e);
	if (rc != 0)
		fprintf(stderr, "unexpected parse failure of '%s': %s\n", text,
			e.msg);
	CHECK_INT(rc, 0);
	return r;
}

static void
test_states(void)
{
	enum mp_state s;

	CHECK_INT(MP_OK, 0);
	CHECK_INT(MP_WARNING, 1);
	CHECK_INT(MP_CRITICAL, 2);
	CHECK_INT(MP_UNKNOWN, 3);
	CHECK_STR(mp_state_name(MP_OK), "OK");
	CHECK_STR(mp_state_name(MP_WARNING), "WARNING");
	CHECK_STR(mp_state_name(MP_CRITICAL), "CRITICAL");
	CHECK_STR(mp_state_name(MP_UNKNOWN), "UNKNOWN");
	CHECK_STR(mp_state_name((enum mp_state)7), "UNKNOWN");

	CHECK_INT(mp_state_parse("critical", &s), 0);
	CHECK_INT(s, MP_CRITICAL);
	CHECK_INT(mp_state_parse("Unknown", &s), 0);
	CHECK_INT(s, MP_UNKNOWN);
	CHECK_INT(mp_state_parse("0", &s), 0);
	CHECK_INT(s, MP_OK);
	CHECK_INT(mp_state_parse("1", &s), 0);
	CHECK_INT(s, MP_WARNING);
	CHECK_INT(mp_state_parse("4", &s), RPE_ERR_ARG);
	CHECK_INT(mp_state_parse("01", &s), RPE_ERR_ARG);
	CHECK_INT(mp_state_parse("", &s), RPE_ERR_ARG);
	CHECK_INT(mp_state_parse("CRIT", &s), RPE_ERR_ARG);

	/* OK < UNKNOWN < WARNING < CRITICAL (max_state_alt). */
	CHECK_INT(mp_state_max(MP_OK, MP_OK), MP_OK);
	CHECK_INT(mp_state_max(MP_OK, MP_UNKNOWN), MP_UNKNOWN);
	CHECK_INT(mp_state_max(MP_UNKNOWN, MP_OK), MP_UNKNOWN);
	CHECK_INT(mp_state_max(MP_UNKNOWN, MP_WARNING), MP_WARNING);
	CHECK_INT(mp_state_max(MP_WARNING, MP_UNKNOWN), MP_WARNING);
	CHECK_INT(mp_state_max(MP_CRITICAL, MP_UNKNOWN), MP_CRITICAL);
	CHECK_INT(mp_state_max(MP_WARNING, MP_CRITICAL), MP_CRITICAL);
	CHECK_INT(mp_state_max(MP_OK, MP_WARNING), MP_WARNING);
}

/* Guidelines, "Threshold and ranges", table of example ranges. */
static void test_range_table(void)
{
	struct mp_range r;

	/* "10": < 0 or > 10 */
	r = R("10");
	CHECK(mp_range_check(&r, -0.001));
	CHECK(mp_range_check(&r, -1));
	CHECK(!mp_range_check(&r, 0));
	CHECK(!mp_range_check(&r, 5));
	CHECK(!mp_range_check(&r, 10));
	CHECK(mp_range_check(&r, 10.001));
	CHECK(mp_range_check(&r, 11));
	CHECK_STR(r.text, "10");

	/* "10:": < 10 */
	r = R("10:");
	CHECK(mp_range_check(&r, 9.999));
	CHECK(mp_range_check(&r, -100));
	CHECK(!mp_range_check(&r, 10));
	CHECK(!mp_range_check(&r, 1e300));
	CHECK(r.end_inf);

	/* "~:10": > 10 */
	r = R("~:10");
	CHECK(!mp_range_check(&r, -1e300));
	CHECK(!mp_range_check(&r, 10));
	CHECK(mp_range_check(&r, 10.5));
	CHECK(r.start_inf);

	/* "10:20": < 10 or > 20 */
	r = R("10:20");
	CHECK(mp_range_check(&r, 9.9));
	CHECK(!mp_range_check(&r, 10));
	CHECK(!mp_range_check(&r, 15));
	CHECK(!mp_range_check(&r, 20));
	CHECK(mp_range_check(&r, 20.1));

	/* "@10:20": >= 10 and <= 20 */
	r = R("@10:20");
	CHECK(!mp_range_check(&r, 9.9));
	CHECK(mp_range_check(&r, 10));
	CHECK(mp_range_check(&r, 15));
	CHECK(mp_range_check(&r, 20));
	CHECK(!mp_range_check(&r, 20.1));
	CHECK_STR(r.text, "@10:20");

	/* The guidelines' command-line examples. */
	r = R("~:0"); /* -w~:0: warn if > 0 */
	CHECK(!mp_range_check(&r, 0));
	CHECK(mp_range_check(&r, 0.5));
	r = R("@~:0"); /* alert on <= 0 */
	CHECK(mp_range_check(&r, 0));
	CHECK(mp_range_check(&r, -3));
	CHECK(!mp_range_check(&r, 0.1));
}

static void test_range_edges(void)
{
	struct mp_range r;
	struct rpe_error e;

	r = R("~:"); /* both infinite: never alerts */
	CHECK(!mp_range_check(&r, -1e300));
	CHECK(!mp_range_check(&r, 0));
	CHECK(!mp_range_check(&r, 1e300));
	r = R("@~:"); /* ...and inverted, always */
	CHECK(mp_range_check(&r, 0));
	r = R(":"); /* start 0 implied, end infinite */
	CHECK(mp_range_check(&r, -1));
	CHECK(!mp_range_check(&r, 0));
	CHECK(!mp_range_check(&r, 1e9));
	r = R(":10"); /* same as "10" */
	CHECK(mp_range_check(&r, -1));
	CHECK(!mp_range_check(&r, 10));
	CHECK(mp_range_check(&r, 11));
	r = R("-10:-5");
	CHECK(mp_range_check(&r, -11));
	CHECK(!mp_range_check(&r, -7.5));
	CHECK(mp_range_check(&r, -4));
	r = R("0.5:1.25");
	CHECK(mp_range_check(&r, 0.49));
	CHECK(!mp_range_check(&r, 0.5));
	CHECK(!mp_range_check(&r, 1.25));
	CHECK(mp_range_check(&r, 1.26));
	r = R("10:10");
	CHECK(!mp_range_check(&r, 10));
	CHECK(mp_range_check(&r, 10.0001));
	r = R(".5");
	CHECK(r.end == 0.5);
	r = R("+3");
	CHECK(r.end == 3);

	/* errors, each quoting the text */
	CHECK_INT(mp_range_parse("", &r, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid range '': empty");
	CHECK_INT(mp_range_parse("10:5", &r, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid range '10:5': start is greater than end");
	CHECK_INT(mp_range_parse("10x", &r, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid range '10x': not a number");
	CHECK_INT(mp_range_parse("1x:5", &r, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid range '1x:5': start is not a number");
	CHECK_INT(mp_range_parse("1:5y", &r, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid range '1:5y': end is not a number");
	CHECK_INT(mp_range_parse("1e3", &r, &e), RPE_ERR_ARG); /* no exponent */
	CHECK_INT(mp_range_parse("1e999", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("inf", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("nan", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("~", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("@", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("@@1", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("1:~", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("~1:2", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("1:2:3", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse(" 10", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("10 ", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("1,5", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse(".", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("-", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse("0x10", &r, &e), RPE_ERR_ARG);
	CHECK_INT(mp_range_parse(NULL, &r, &e), RPE_ERR_ARG);
	{
		/* 400 digits overflow a double; the text is also too long to
		 * keep, which is reported first. */
		char big[401];
		memset(big, '9', 400);
		big[400] = '\0';
		CHECK_INT(mp_range_parse(big, &r, &e), RPE_ERR_ARG);
		CHECK(strstr(e.msg, "too long") != NULL);
	}
	/* 60 digits fit the text but not... they do fit a double (1e59);
	 * 309+ digits cannot be tested through ranges, so test the number
	 * parser directly. */
	{
		char big[330];
		double v;
		memset(big, '9', 320);
		CHECK_INT(mp_parse_number(big, 320, &v), RPE_ERR_ARG);
		CHECK_INT(mp_parse_number(big, 300, &v), 0);
		CHECK(v > 9e299);
	}
	/* Negative end with implicit 0 start: start > end. */
	CHECK_INT(mp_range_parse("-5", &r, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid range '-5': start is greater than end");
}

static void test_thresholds(void)
{
	struct mp_thresholds t;
	struct rpe_error e;

	CHECK_INT(mp_thresholds_set(&t, NULL, NULL, &e), 0);
	CHECK_INT(mp_thresholds_status(&t, 1e9), MP_OK);
	CHECK_INT(mp_thresholds_set(&t, "5", "10", &e), 0);
	CHECK_INT(mp_thresholds_status(&t, 0), MP_OK);
	CHECK_INT(mp_thresholds_status(&t, 5), MP_OK);
	CHECK_INT(mp_thresholds_status(&t, 5.5), MP_WARNING);
	CHECK_INT(mp_thresholds_status(&t, 10), MP_WARNING);
	CHECK_INT(mp_thresholds_status(&t, 10.5), MP_CRITICAL);
	CHECK_INT(mp_thresholds_status(&t, -1), MP_CRITICAL);
	CHECK_INT(mp_thresholds_set(&t, NULL, "@1:2", &e), 0);
	CHECK_INT(mp_thresholds_status(&t, 1.5), MP_CRITICAL);
	CHECK_INT(mp_thresholds_status(&t, 3), MP_OK);
	CHECK_INT(mp_thresholds_set(&t, "10:5", NULL, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "warning threshold: invalid range '10:5': start is "
			 "greater than end");
	CHECK_INT(mp_thresholds_set(&t, "1", "x", &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "critical threshold: invalid range 'x': not a number");
}

static void check_fmt(double v, const char *want)
{
	char out[MP_NUMBER_MAX];
	size_t n = mp_format_number(v, out, sizeof(out));
	CHECK_STR(out, want);
	CHECK_INT(n, strlen(want));
}

static void test_numbers(void)
{
	double v;
	char small[4];

	check_fmt(0, "0");
	check_fmt(1.5, "1.5");
	check_fmt(-3, "-3");
	check_fmt(0.000123, "0.000123");
	check_fmt(0.0000004, "0");
	check_fmt(0.0000005, "0.000001");
	check_fmt(-0.25, "-0.25");
	check_fmt(12.3456789, "12.345679");
	check_fmt(999999.9999999, "1000000");
	check_fmt(1e12, "1000000000000");
	check_fmt(-2.5e13, "-25000000000000");
	check_fmt(NAN, "U");
	check_fmt(INFINITY, "U");
	CHECK_INT(mp_format_number(123.25, small, sizeof(small)), 3);
	CHECK_STR(small, "123");

	CHECK_INT(mp_parse_number("1.5", 3, &v), 0);
	CHECK(v == 1.5);
	CHECK_INT(mp_parse_number("-0.25", 5, &v), 0);
	CHECK(v == -0.25);
	CHECK_INT(mp_parse_number("5.", 2, &v), 0);
	CHECK(v == 5);
	CHECK_INT(mp_parse_number("1.5xyz", 3, &v), 0); /* exactly n bytes */
	CHECK(v == 1.5);
	CHECK_INT(mp_parse_number("", 0, &v), RPE_ERR_ARG);
	CHECK_INT(mp_parse_number("+", 1, &v), RPE_ERR_ARG);
	CHECK_INT(mp_parse_number("1.2.3", 5, &v), RPE_ERR_ARG);
	CHECK_INT(mp_parse_number("--1", 3, &v), RPE_ERR_ARG);
	CHECK_INT(mp_parse_number("1e5", 3, &v), RPE_ERR_ARG);
	CHECK_INT(mp_parse_number("INF", 3, &v), RPE_ERR_ARG);
}

/* Under a locale whose decimal point is ',' numbers must still use '.'.
 * Uses whichever such locale is available and skips with a message if none
 * is.  One can be provided without installing it:
 *   localedef -i de_DE -f UTF-8 /tmp/loc/de_DE.UTF-8
 *   LOCPATH=/tmp/loc tests/unit/test_mp */
static void check_perf(const struct mp_perf *p, const char *want);

static void test_numbers_locale(void)
{
	static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8",
					       "fr_FR.UTF-8", "fr_FR.utf8",
					       "de_DE",       "nl_NL.UTF-8",
					       "ru_RU.UTF-8" };
	const char *got = NULL;
	struct mp_range r;
	struct mp_perf p;
	struct buf b;
	double v;
	size_t i;

	for (i = 0; i < sizeof(locales) / sizeof(locales[0]) && !got; i++)
		if (setlocale(LC_ALL, locales[i]) &&
		    strcmp(localeconv()->decimal_point, ",") == 0)
			got = locales[i];
	if (!got) {
		printf("skip test_numbers_locale: no locale with ',' as "
		       "decimal point is installed\n");
		setlocale(LC_ALL, "C");
		return;
	}
	printf("test_numbers_locale: using %s\n", got);
	CHECK_INT(mp_parse_number("1.5", 3, &v), 0);
	CHECK(v == 1.5);
	CHECK_INT(mp_parse_number("1,5", 3, &v), RPE_ERR_ARG);
	r = R("0.5:2.5");
	CHECK(r.start == 0.5 && r.end == 2.5);
	check_fmt(2.75, "2.75");
	buf_init(&b, 0);
	CHECK_INT(mp_perf_init(&p, "time", 0.125, "s", NULL), 0);
	check_perf(&p, "time=0.125s");
	buf_free(&b);
	setlocale(LC_ALL, "C");
}

static void check_perf(const struct mp_perf *p, const char *want)
{
	struct buf b;
	struct rpe_error e;

	buf_init(&b, 0);
	CHECK_INT(mp_perf_format(p, &b, &e), 0);
	CHECK_INT(buf_put_u8(&b, 0), 0);
	CHECK_STR((const char *)b.data, want);
	buf_free(&b);
}

static void test_perfdata(void)
{
	struct mp_range w = R("~:5"), c = R("@10:20");
	struct mp_perf p;
	struct rpe_error e;
	struct buf b;

	CHECK_INT(mp_perf_init(&p, "time", 1.5, "s", &e), 0);
	check_perf(&p, "time=1.5s");
	p.warn = &w;
	check_perf(&p, "time=1.5s;~:5");
	p.crit = &c;
	check_perf(&p, "time=1.5s;~:5;@10:20");
	p.has_min = true;
	p.min = 0;
	check_perf(&p, "time=1.5s;~:5;@10:20;0");
	p.has_max = true;
	p.max = 10;
	check_perf(&p, "time=1.5s;~:5;@10:20;0;10");
	/* empty middle fields stay, trailing ones go */
	p.warn = NULL;
	p.crit = NULL;
	check_perf(&p, "time=1.5s;;;0;10");
	p.has_min = false;
	check_perf(&p, "time=1.5s;;;;10");
	p.has_max = false;
	p.crit = &c;
	check_perf(&p, "time=1.5s;;@10:20");

	/* label quoting */
	CHECK_INT(mp_perf_init(&p, "tls handshake", 0.02, "s", &e), 0);
	check_perf(&p, "'tls handshake'=0.02s");
	CHECK_INT(mp_perf_init(&p, "a=b", 1, "", &e), 0);
	check_perf(&p, "'a=b'=1");
	CHECK_INT(mp_perf_init(&p, "it's", 2, "c", &e), 0);
	check_perf(&p, "'it''s'=2c");
	CHECK_INT(mp_perf_init(&p, "plain_label.x", 3, "%", &e), 0);
	check_perf(&p, "plain_label.x=3%");
	/* unknown value */
	CHECK_INT(mp_perf_init(&p, "rtt", NAN, "ms", &e), 0);
	check_perf(&p, "rtt=U");
	/* units */
	CHECK(mp_uom_valid(""));
	CHECK(mp_uom_valid("s"));
	CHECK(mp_uom_valid("ms"));
	CHECK(mp_uom_valid("us"));
	CHECK(mp_uom_valid("%"));
	CHECK(mp_uom_valid("B"));
	CHECK(mp_uom_valid("KB"));
	CHECK(mp_uom_valid("MB"));
	CHECK(mp_uom_valid("TB"));
	CHECK(mp_uom_valid("c"));
	CHECK(!mp_uom_valid("GB"));
	CHECK(!mp_uom_valid("S"));
	CHECK(!mp_uom_valid("sec"));
	CHECK_INT(mp_perf_init(&p, "x", 1, "GB", &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid unit 'GB'");
	CHECK_INT(mp_perf_init(&p, "", 1, "s", &e), RPE_ERR_ARG);
	{
		char longl[MP_LABEL_MAX + 1];
		memset(longl, 'a', MP_LABEL_MAX);
		longl[MP_LABEL_MAX] = '\0';
		CHECK_INT(mp_perf_init(&p, longl, 1, "s", &e), RPE_ERR_ARG);
	}
	/* control characters and '|' in labels are refused */
	CHECK_INT(mp_perf_init(&p, "a|b", 1, "", &e), 0);
	buf_init(&b, 0);
	CHECK_INT(mp_perf_format(&p, &b, &e), RPE_ERR_ARG);
	CHECK_INT(b.len, 0);
	CHECK_INT(mp_perf_init(&p, "a\nb", 1, "", &e), 0);
	CHECK_INT(mp_perf_format(&p, &b, &e), RPE_ERR_ARG);
	CHECK_INT(b.len, 0);
	/* a full buffer leaves it unchanged */
	buf_free(&b);
	buf_init(&b, 8);
	CHECK_INT(buf_put_bytes(&b, "xx", 2), 0);
	CHECK_INT(mp_perf_init(&p, "time", 1.5, "s", &e), 0);
	CHECK_INT(mp_perf_format(&p, &b, &e), RPE_ERR_TOOBIG);
	CHECK_INT(b.len, 2);
	buf_free(&b);
}

static const char *render(const struct mp_output *o, struct buf *b)
{
	CHECK_INT(mp_output_render(o, b), 0);
	CHECK_INT(b->data[b->len], 0);
	return (const char *)b->data;
}

static void test_output(void)
{
	struct mp_output o;
	struct mp_perf p;
	struct mp_range w = R("5"), c = R("10");
	struct mp_sub *s;
	struct buf b;

	buf_init(&b, 0);
	mp_output_init(&o, "RPC ENCRYPTION");
	CHECK_INT(o.format, MP_FORMAT_CLASSIC);
	CHECK_STR(render(&o, &b), "RPC ENCRYPTION OK\n");
	CHECK_INT(mp_output_summary(&o, "encryption %s", "enforced"), 0);
	CHECK_STR(render(&o, &b), "RPC ENCRYPTION OK - encryption enforced\n");
	s = mp_sub_add(&o, NULL, MP_OK, "encrypted logon: ok (%d ms)", 250);
	CHECK(s != NULL);
	CHECK_INT(mp_perf_init(&p, "time", 0.5, "s", NULL), 0);
	p.warn = &w;
	p.crit = &c;
	p.has_min = true;
	CHECK_INT(mp_sub_perf(s, &p, NULL), 0);
	CHECK_INT(mp_perf_init(&p, "logon encrypted", 0.25, "s", NULL), 0);
	CHECK_INT(mp_sub_perf(s, &p, NULL), 0);
	CHECK_INT(mp_output_line(&o, "unencrypted logon: ecNotEncrypted"), 0);
	mp_output_raise(&o, MP_WARNING);
	mp_output_raise(&o, MP_UNKNOWN);
	CHECK_INT(o.state, MP_WARNING);
	CHECK_STR(render(&o, &b), "RPC ENCRYPTION WARNING - encryption enforced | "
				  "time=0.5s;5;10;0 'logon encrypted'=0.25s\n"
				  "encrypted logon: ok (250 ms)\n"
				  "unencrypted logon: ecNotEncrypted\n");
	mp_output_set_state(&o, MP_OK);
	CHECK_INT(o.state, MP_OK);
	mp_output_free(&o);

	/* no prefix, no summary, perfdata only */
	mp_output_init(&o, NULL);
	mp_output_set_state(&o, MP_CRITICAL);
	s = mp_sub_add(&o, NULL, MP_CRITICAL, "x");
	mp_sub_classic(s, MP_CLASSIC_SKIP, NULL);
	CHECK_INT(mp_perf_init(&p, "x", 1, "", NULL), 0);
	CHECK_INT(mp_sub_perf(s, &p, NULL), 0);
	CHECK_STR(render(&o, &b), "CRITICAL | x=1\n");
	/* NULL subchecks are harmless (out of memory upstream) */
	CHECK_INT(mp_sub_note(NULL, "x"), RPE_ERR_ARG);
	CHECK(mp_sub_perf(NULL, &p, NULL) < 0);
	mp_sub_classic(NULL, 0, "");
	mp_sub_set_state(NULL, MP_OK);
	mp_output_free(&o);
	buf_free(&b);
}

static void test_formats(void)
{
	enum mp_format f = MP_FORMAT_CLASSIC;

	CHECK_INT(mp_format_parse("multi-line", &f), 0);
	CHECK_INT(f, MP_FORMAT_MULTI_LINE);
	CHECK_INT(mp_format_parse("MP-TEST-JSON", &f), 0);
	CHECK_INT(f, MP_FORMAT_TEST_JSON);
	CHECK_INT(mp_format_parse("classic", &f), 0);
	CHECK_INT(f, MP_FORMAT_CLASSIC);
	CHECK_INT(mp_format_parse("json", &f), RPE_ERR_ARG);
	CHECK_INT(mp_format_parse("", &f), RPE_ERR_ARG);
	CHECK_INT(mp_format_parse(NULL, &f), RPE_ERR_ARG);
	CHECK_STR(mp_format_name(MP_FORMAT_MULTI_LINE), "multi-line");
	CHECK_STR(mp_format_name(MP_FORMAT_TEST_JSON), "mp-test-json");
}

/* The plugin's shape: an address with advice, two probes with perfdata,
 * the steps below the first probe, a certificate finding. */
static void build_tree(struct mp_output *o, enum mp_format f)
{
	struct mp_range w = R("@1:2.5"), c = R("~:10");
	struct mp_sub *a, *e, *u, *st;
	struct mp_perf p;

	mp_output_init(o, "RPC ENCRYPTION");
	o->format = f;
	mp_output_set_state(o, MP_CRITICAL);
	mp_output_summary(o, "mail accepts unencrypted RPC logons");
	a = mp_sub_add(o, NULL, MP_CRITICAL,
		       "mail accepts unencrypted RPC logons");
	mp_sub_classic(a, MP_CLASSIC_NO_LINE, "");
	mp_sub_note(a, "To require encryption: Set-RpcClientAccess");
	e = mp_sub_add(o, a, MP_OK, "encrypted probe: LOGON_OK");
	mp_sub_note(e, "  phases: connect 0.1s");
	mp_perf_init(&p, "encrypted_time", 0.25, "s", NULL);
	p.warn = &w;
	p.crit = &c;
	p.has_min = true;
	mp_sub_perf(e, &p, NULL);
	st = mp_sub_add(o, e, MP_OK, "steps (encrypted probe)");
	mp_sub_classic_line(st, "steps (encrypted probe):");
	mp_sub_classic(st, MP_CLASSIC_LATE, "  ");
	mp_sub_add(o, st, MP_OK, "TCP connect 0.010s");
	u = mp_sub_add(o, a, MP_CRITICAL, "unencrypted probe: LOGON_OK");
	mp_perf_init(&p, "unencrypted_time", NAN, "s", NULL);
	p.has_min = p.has_max = true;
	p.max = 1;
	mp_sub_perf(u, &p, NULL);
	mp_sub_add(o, NULL, MP_OK, "certificate expires in 20 days");
}

static void test_tree_classic(void)
{
	struct mp_output o;
	struct buf b;

	buf_init(&b, 0);
	build_tree(&o, MP_FORMAT_CLASSIC);
	/* The address is no line of its own; the steps follow both probes. */
	CHECK_STR(render(&o, &b),
		  "RPC ENCRYPTION CRITICAL - mail accepts unencrypted RPC logons"
		  " | encrypted_time=0.25s;@1:2.5;~:10;0 unencrypted_time=U;;;0;1\n"
		  "To require encryption: Set-RpcClientAccess\n"
		  "encrypted probe: LOGON_OK\n"
		  "  phases: connect 0.1s\n"
		  "unencrypted probe: LOGON_OK\n"
		  "steps (encrypted probe):\n"
		  "  TCP connect 0.010s\n"
		  "certificate expires in 20 days\n");
	mp_sub_classic(o.first, 0, "  "); /* the --all-addresses shape */
	mp_sub_classic_line(o.first, "[10.0.0.7] CRITICAL: %s", "accepts");
	CHECK_STR(render(&o, &b),
		  "RPC ENCRYPTION CRITICAL - mail accepts unencrypted RPC logons"
		  " | encrypted_time=0.25s;@1:2.5;~:10;0 unencrypted_time=U;;;0;1\n"
		  "[10.0.0.7] CRITICAL: accepts\n"
		  "  To require encryption: Set-RpcClientAccess\n"
		  "  encrypted probe: LOGON_OK\n"
		  "    phases: connect 0.1s\n"
		  "  unencrypted probe: LOGON_OK\n"
		  "  steps (encrypted probe):\n"
		  "    TCP connect 0.010s\n"
		  "certificate expires in 20 days\n");
	mp_output_free(&o);
	buf_free(&b);
}

/* Monitoring Plugins 3 lib/output.c, mp_fmt_output (MP_FORMAT_MULTI_LINE)
 * and fmt_subcheck_output: "[STATE] - summary", then per subcheck a line of
 * one TAB per level, "\_[STATE] - output", further lines of the output one
 * level deeper, and "|perfdata" after the last line. */
static void test_tree_multi_line(void)
{
	struct mp_output o;
	struct buf b;

	buf_init(&b, 0);
	build_tree(&o, MP_FORMAT_MULTI_LINE);
	CHECK_STR(render(&o, &b),
		  "[CRITICAL] - mail accepts unencrypted RPC logons\n"
		  "\t\\_[CRITICAL] - mail accepts unencrypted RPC logons\n"
		  "\t\tTo require encryption: Set-RpcClientAccess\n"
		  "\t\t\\_[OK] - encrypted probe: LOGON_OK\n"
		  "\t\t\tphases: connect 0.1s\n"
		  "\t\t\t\\_[OK] - steps (encrypted probe)\n"
		  "\t\t\t\t\\_[OK] - TCP connect 0.010s\n"
		  "\t\t\\_[CRITICAL] - unencrypted probe: LOGON_OK\n"
		  "\t\\_[OK] - certificate expires in 20 days"
		  "|encrypted_time=0.25s;@1:2.5;~:10;0 unencrypted_time=U;;;0;1\n");
	mp_output_free(&o);
	buf_free(&b);
}

/* Monitoring Plugins 3 lib/output.c, mp_fmt_output (MP_FORMAT_TEST_JSON),
 * json_serialize_subcheck, json_serialise_pd, json_serialise_range and
 * json_serialise_pd_value: the object keys and their order are MP 3's
 * ("state", "summary", "checks"; "output", "state", "perfdata", "checks";
 * "label", "value", "uom", "warn", "crit", "min", "max"; "alert_on_inside",
 * "end", "start"; "type", "value"), an infinite range end is "inf". */
static void test_tree_json(void)
{
	struct mp_output o;
	struct buf b;

	buf_init(&b, 0);
	build_tree(&o, MP_FORMAT_TEST_JSON);
	CHECK_STR(render(&o, &b),
		  "{\"state\":\"CRITICAL\","
		  "\"summary\":\"mail accepts unencrypted RPC logons\","
		  "\"checks\":["
		  "{\"output\":\"mail accepts unencrypted RPC logons\\n"
		  "To require encryption: Set-RpcClientAccess\","
		  "\"state\":\"CRITICAL\",\"checks\":["
		  "{\"output\":\"encrypted probe: LOGON_OK\\n  phases: connect 0.1s\","
		  "\"state\":\"OK\",\"perfdata\":[{\"label\":\"encrypted_time\","
		  "\"value\":{\"type\":\"double\",\"value\":\"0.25\"},\"uom\":\"s\","
		  "\"warn\":{\"alert_on_inside\":true,"
		  "\"end\":{\"type\":\"double\",\"value\":\"2.5\"},"
		  "\"start\":{\"type\":\"double\",\"value\":\"1\"}},"
		  "\"crit\":{\"alert_on_inside\":false,"
		  "\"end\":{\"type\":\"double\",\"value\":\"10\"},\"start\":\"inf\"},"
		  "\"min\":{\"type\":\"double\",\"value\":\"0\"}}],"
		  "\"checks\":[{\"output\":\"steps (encrypted probe)\",\"state\":\"OK\","
		  "\"checks\":[{\"output\":\"TCP connect 0.010s\",\"state\":\"OK\"}]}]},"
		  "{\"output\":\"unencrypted probe: LOGON_OK\",\"state\":\"CRITICAL\","
		  "\"perfdata\":[{\"label\":\"unencrypted_time\","
		  "\"value\":{\"type\":\"double\",\"value\":\"U\"},\"uom\":\"s\","
		  "\"min\":{\"type\":\"double\",\"value\":\"0\"},"
		  "\"max\":{\"type\":\"double\",\"value\":\"1\"}}]}]},"
		  "{\"output\":\"certificate expires in 20 days\",\"state\":\"OK\"}]}\n");
	mp_output_free(&o);

	/* No subchecks: no "checks" (MP 3 leaves it out too). */
	mp_output_init(&o, "P");
	o.format = MP_FORMAT_TEST_JSON;
	mp_output_set_state(&o, MP_UNKNOWN);
	mp_output_summary(&o, "bad option");
	CHECK_STR(render(&o, &b),
		  "{\"state\":\"UNKNOWN\",\"summary\":\"bad option\"}\n");
	mp_output_free(&o);
	buf_free(&b);
}

/* Text a server chose, in each format: no forged status line, no perfdata,
 * JSON that stays JSON. */
static void test_tree_hostile(void)
{
	static const char evil[] = "\"},{\"state\":\"OK\\\"\n| x=1\x01\xff";
	struct mp_output o;
	struct mp_sub *s;
	struct buf b;
	char want[512];

	buf_init(&b, 0);
	mp_output_init(&o, "P");
	o.format = MP_FORMAT_TEST_JSON;
	mp_output_set_state(&o, MP_CRITICAL);
	mp_output_summary(&o, "server said %s", evil);
	s = mp_sub_add(&o, NULL, MP_CRITICAL, "%s", evil);
	mp_sub_note(s, "%s", evil);
	/* sanitised: LF and '|' -> ' ', 0x01 and 0xff -> \x01 \xff; then JSON
	 * escapes '"' and '\' */
#define EVIL_JSON "\\\"},{\\\"state\\\":\\\"OK\\\\\\\"   x=1\\\\x01\\\\xff"
	snprintf(want, sizeof(want),
		 "{\"state\":\"CRITICAL\",\"summary\":\"server said %s\","
		 "\"checks\":[{\"output\":\"%s\\n%s\",\"state\":\"CRITICAL\"}]}\n",
		 EVIL_JSON, EVIL_JSON, EVIL_JSON);
	CHECK_STR(render(&o, &b), want);
	o.format = MP_FORMAT_MULTI_LINE;
	CHECK_STR(render(&o, &b),
		  "[CRITICAL] - server said \"},{\"state\":\"OK\\\"   x=1\\x01\\xff\n"
		  "\t\\_[CRITICAL] - \"},{\"state\":\"OK\\\"   x=1\\x01\\xff\n"
		  "\t\t\"},{\"state\":\"OK\\\"   x=1\\x01\\xff\n");
	mp_output_free(&o);

	/* The JSON string escaper alone: control bytes as \u00XX. */
	buf_reset(&b);
	CHECK_INT(mp_json_string(&b, "a\"b\\c\n\t\x1f\x7f", 9), 0);
	CHECK_INT(buf_put_u8(&b, 0), 0);
	CHECK_STR((const char *)b.data,
		  "\"a\\\"b\\\\c\\n\\u0009\\u001f\\u007f\"");
	buf_free(&b);
}

static void check_sanitize(const char *in, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(mp_sanitize_append(&b, in, n), 0);
	CHECK_INT(buf_put_u8(&b, 0), 0);
	CHECK_STR((const char *)b.data, want);
	buf_free(&b);
}

static void test_sanitize(void)
{
	struct mp_output o;
	struct buf b;

	check_sanitize("a|b", 3, "a b");
	check_sanitize("line1\nline2\r\n", 13, "line1 line2  ");
	check_sanitize("tab\there", 8, "tab here");
	check_sanitize("nul\0x", 5, "nul\\x00x");
	check_sanitize("\x1b[31mred", 8, "\\x1b[31mred");
	check_sanitize("del\x7f", 4, "del\\x7f");
	check_sanitize("caf\xc3\xa9", 5, "caf\xc3\xa9"); /* valid UTF-8 */
	check_sanitize("\xf0\x9f\x94\x92 lock", 9, "\xf0\x9f\x94\x92 lock");
	check_sanitize("bad\xff", 4, "bad\\xff");
	check_sanitize("\xc3", 1, "\\xc3");                   /* truncated */
	check_sanitize("\xc0\xaf", 2, "\\xc0\\xaf");          /* overlong */
	check_sanitize("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"); /* surrogate */
	check_sanitize("\xf4\x90\x80\x80", 4,
		       "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	check_sanitize("", 0, "");

	/* A server string cannot inject a status line, perfdata or lines. */
	buf_init(&b, 0);
	mp_output_init(&o, "RPC ENCRYPTION");
	mp_output_set_state(&o, MP_CRITICAL);
	CHECK_INT(mp_output_summary(&o, "server said: %s",
				    "OK\nRPC ENCRYPTION OK | fake=1"),
		  0);
	CHECK(mp_sub_add(&o, NULL, MP_CRITICAL, "detail: %s", "x|y\nz") != NULL);
	CHECK_STR(render(&o, &b),
		  "RPC ENCRYPTION CRITICAL - server said: OK RPC ENCRYPTION "
		  "OK   fake=1\ndetail: x y z\n");
	mp_output_free(&o);
	buf_free(&b);

	/* Long text: more than the 512-byte fast path. */
	{
		char big[2000];
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		buf_init(&b, 0);
		mp_output_init(&o, "P");
		CHECK_INT(mp_output_summary(&o, "%s|", big), 0);
		CHECK_INT(o.summary.len, 2000);
		CHECK_INT(o.summary.data[1999], ' ');
		mp_output_free(&o);
		buf_free(&b);
	}
}

static char *join_args(const struct mp_ini_opts *o)
{
	static char s[2048];
	size_t i;

	s[0] = '\0';
	for (i = 0; i < o->nargs; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, o->args[i]);
	}
	return s;
}

static const char ini_text[] =
	"# comment\n"
	"; another comment\n"
	"\n"
	"[check_rpc_encryption]\n"
	"hostname=mail.example.com\n"
	"  user = EXAMPLE\\monitor   \t\n"
	"password = s3cret with spaces \n"
	"insecure=\n"
	"verbose\n"
	"4=\n"
	"t=15\n"
	"[other]\n"
	"hostname=other.example.com\n"
	"password=other\n"
	"[ check_rpc_encryption ]\r\n"
	"mailbox-dn=\"/o=Example/cn=Recipients/cn=monitor\"\r\n"
	"expect='  spaced  '\n"
	"empty=\"\"\n"
	"[Section Two]\n"
	"something else=blah\n";

static void test_ini_parse(void)
{
	struct mp_ini_opts o;
	struct rpe_error e;

	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse(ini_text, strlen(ini_text),
			       "check_rpc_encryption", &o, &e),
		  0);
	CHECK(o.section_found);
	CHECK_STR(join_args(&o),
		  "--hostname=mail.example.com --user=EXAMPLE\\monitor "
		  "--insecure --verbose -4 -t15 "
		  "--mailbox-dn=/o=Example/cn=Recipients/cn=monitor "
		  "--expect=  spaced   --empty");
	CHECK_STR(o.password, "s3cret with spaces");
	mp_ini_opts_free(&o);
	CHECK(o.args == NULL && o.password == NULL && o.nargs == 0);

	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse(ini_text, strlen(ini_text), "Section Two", &o, &e),
		  0);
	CHECK_STR(join_args(&o), "--something else=blah");
	CHECK(o.password == NULL);
	mp_ini_opts_free(&o);

	/* sections are case-sensitive, as in parse_ini.c */
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse(ini_text, strlen(ini_text), "section two", &o, &e),
		  0);
	CHECK(!o.section_found);
	CHECK_INT(o.nargs, 0);
	mp_ini_opts_free(&o);

	/* the last password wins */
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse("[s]\npassword=a\npassword=b\n", 26, "s", &o, &e),
		  0);
	CHECK_STR(o.password, "b");
	mp_ini_opts_free(&o);

	/* errors */
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse("hostname=x\n[s]\n", 15, "s", &o, &e),
		  RPE_ERR_PROTO);
	CHECK_STR(e.msg, "config file line 1: option outside any section");
	CHECK_INT(mp_ini_parse("[s]\n=value\n", 11, "s", &o, &e), RPE_ERR_PROTO);
	CHECK_STR(e.msg, "config file line 2: missing option name");
	CHECK_INT(mp_ini_parse("[s\nx=1\n", 7, "s", &o, &e), RPE_ERR_PROTO);
	CHECK_STR(e.msg, "config file line 1: unterminated section header");
	CHECK_INT(mp_ini_parse("[s]\nx=\0\n", 8, "s", &o, &e), RPE_ERR_PROTO);
	mp_ini_opts_free(&o);
	{
		static char longline[MP_INI_LINE_MAX + 20];
		memcpy(longline, "[s]\nk=", 6);
		memset(longline + 6, 'v', MP_INI_LINE_MAX);
		memset(&o, 0, sizeof(o));
		CHECK_INT(mp_ini_parse(longline, 6 + MP_INI_LINE_MAX, "s", &o, &e),
			  RPE_ERR_PROTO);
		CHECK_STR(e.msg, "config file line 2 is too long");
		mp_ini_opts_free(&o);
	}
	/* no trailing newline, empty input */
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse("[s]\nk=v", 7, "s", &o, &e), 0);
	CHECK_STR(join_args(&o), "-kv"); /* one-letter key: short option */
	mp_ini_opts_free(&o);
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_parse(NULL, 0, "s", &o, &e), 0);
	CHECK(!o.section_found);
	/* an empty section exists */
	CHECK_INT(mp_ini_parse("[s]\n", 4, "s", &o, &e), 0);
	CHECK(o.section_found);
	CHECK_INT(o.nargs, 0);
	mp_ini_opts_free(&o);
}

static char tmpdir[] = "/tmp/test_mp.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_ini_load(void)
{
	char path[256], loc[300], def[512];
	struct mp_ini_opts o;
	struct rpe_error e;

	snprintf(path, sizeof(path), "%s/plugins.ini", tmpdir);
	write_file(path, "[check_rpc_encryption]\nhostname=a\n"
			 "[exchange]\nhostname=b\npassword=pw\n");

	memset(&o, 0, sizeof(o));
	snprintf(loc, sizeof(loc), "@%s", path);
	CHECK_INT(mp_ini_load(loc, "check_rpc_encryption", &o, &e), 0);
	CHECK_STR(join_args(&o), "--hostname=a");
	mp_ini_opts_free(&o);

	memset(&o, 0, sizeof(o));
	snprintf(loc, sizeof(loc), "exchange@%s", path);
	CHECK_INT(mp_ini_load(loc, "check_rpc_encryption", &o, &e), 0);
	CHECK_STR(join_args(&o), "--hostname=b");
	CHECK_STR(o.password, "pw");
	mp_ini_opts_free(&o);

	/* missing section */
	memset(&o, 0, sizeof(o));
	snprintf(loc, sizeof(loc), "nosuch@%s", path);
	CHECK_INT(mp_ini_load(loc, "check_rpc_encryption", &o, &e), RPE_ERR_ARG);
	snprintf(def, sizeof(def),
		 "--extra-opts: no section [nosuch] in config file '%s'", path);
	CHECK_STR(e.msg, def);
	mp_ini_opts_free(&o);

	/* missing file */
	memset(&o, 0, sizeof(o));
	snprintf(loc, sizeof(loc), "x@%s/missing.ini", tmpdir);
	CHECK_INT(mp_ini_load(loc, "check_rpc_encryption", &o, &e), RPE_ERR_ARG);
	CHECK(strstr(e.msg, "cannot read config file") != NULL);
	CHECK(strstr(e.msg, "missing.ini") != NULL);
	CHECK_INT(mp_ini_load("x@", "d", &o, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "--extra-opts: empty file name after '@'");
	mp_ini_opts_free(&o);

	/* default file: $MP_CONFIG_FILE, then $NAGIOS_CONFIG_PATH */
	setenv("MP_CONFIG_FILE", path, 1);
	CHECK_INT(mp_ini_default_file(def, sizeof(def), &e), 0);
	CHECK_STR(def, path);
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_load(NULL, "check_rpc_encryption", &o, &e), 0);
	CHECK_STR(join_args(&o), "--hostname=a");
	mp_ini_opts_free(&o);
	memset(&o, 0, sizeof(o));
	CHECK_INT(mp_ini_load("exchange", "check_rpc_encryption", &o, &e), 0);
	CHECK_STR(join_args(&o), "--hostname=b");
	mp_ini_opts_free(&o);
	unsetenv("MP_CONFIG_FILE");

	snprintf(loc, sizeof(loc), "/nonexistent-dir:%s", tmpdir);
	setenv("NAGIOS_CONFIG_PATH", loc, 1);
	CHECK_INT(mp_ini_default_file(def, sizeof(def), &e), 0);
	CHECK_STR(def, path); /* plugins.ini, the second name searched */
	unsetenv("NAGIOS_CONFIG_PATH");

	/* a too-large file is refused without being parsed */
	{
		char bigpath[256];
		FILE *f;
		size_t i;
		snprintf(bigpath, sizeof(bigpath), "%s/big.ini", tmpdir);
		f = fopen(bigpath, "w");
		CHECK(f != NULL);
		if (f) {
			fputs("[s]\n", f);
			for (i = 0; i < MP_INI_FILE_MAX / 16 + 1; i++)
				fputs("#23456789abcdef\n", f);
			fclose(f);
		}
		memset(&o, 0, sizeof(o));
		snprintf(loc, sizeof(loc), "s@%s", bigpath);
		CHECK_INT(mp_ini_load(loc, "d", &o, &e), RPE_ERR_TOOBIG);
		mp_ini_opts_free(&o);
		unlink(bigpath);
	}
}

static void test_extra_opts(void)
{
	char path[256], loc[300];
	struct mp_extra_opts eo;
	struct rpe_error e;

	snprintf(path, sizeof(path), "%s/eo.ini", tmpdir);
	write_file(path, "[a]\nhostname=from-a\nport=444\n"
			 "[b]\nuser=u@b\npassword=pb\n");
	snprintf(loc, sizeof(loc), "--extra-opts=a@%s", path);
	{
		char *argv[] = { "prog", "-H", "cmdline", loc, "-v", NULL };
		CHECK_INT(mp_extra_opts_apply(5, argv, "prog", &eo, &e), 0);
		CHECK(eo.used);
		CHECK_INT(eo.argc, 6);
		CHECK_STR(eo.argv[0], "prog");
		CHECK_STR(eo.argv[1], "--hostname=from-a"); /* ini first... */
		CHECK_STR(eo.argv[2], "--port=444");
		CHECK_STR(eo.argv[3], "-H"); /* ...so the command line wins */
		CHECK_STR(eo.argv[4], "cmdline");
		CHECK_STR(eo.argv[5], "-v");
		CHECK(eo.argv[6] == NULL);
		CHECK(eo.ini.password == NULL);
		mp_extra_opts_free(&eo);
	}
	/* separate-argument form, two sections, password captured */
	snprintf(loc, sizeof(loc), "b@%s", path);
	{
		char loc2[300];
		char *argv[] = { "prog", "--extra-opts", loc, "-x", loc2, NULL };
		snprintf(loc2, sizeof(loc2), "--extra-opts=a@%s", path);
		CHECK_INT(mp_extra_opts_apply(5, argv, "prog", &eo, &e), 0);
		CHECK_INT(eo.argc, 5);
		CHECK_STR(eo.argv[1], "--user=u@b");
		CHECK_STR(eo.argv[2], "--hostname=from-a");
		CHECK_STR(eo.argv[3], "--port=444");
		CHECK_STR(eo.argv[4], "-x");
		CHECK_STR(eo.ini.password, "pb");
		mp_extra_opts_free(&eo);
	}
	/* no --extra-opts: a copy of argv */
	{
		char *argv[] = { "prog", "-H", "h", "--", "--extra-opts", NULL };
		CHECK_INT(mp_extra_opts_apply(5, argv, "prog", &eo, &e), 0);
		CHECK(!eo.used);
		CHECK_INT(eo.argc, 5);
		CHECK_STR(eo.argv[4], "--extra-opts"); /* after "--": operand */
		CHECK(eo.argv[5] == NULL);
		mp_extra_opts_free(&eo);
	}
	/* bare --extra-opts: default section and file */
	setenv("MP_CONFIG_FILE", path, 1);
	{
		char *argv[] = { "prog", "--extra-opts", "-v", NULL };
		CHECK_INT(mp_extra_opts_apply(3, argv, "a", &eo, &e), 0);
		CHECK_INT(eo.argc, 4);
		CHECK_STR(eo.argv[1], "--hostname=from-a");
		CHECK_STR(eo.argv[3], "-v");
		mp_extra_opts_free(&eo);
	}
	/* a missing section in one of two loads is still an error */
	{
		char *argv[] = { "prog", "--extra-opts=a", "--extra-opts=zz",
				 NULL };
		CHECK_INT(mp_extra_opts_apply(3, argv, "a", &eo, &e),
			  RPE_ERR_ARG);
		CHECK(strstr(e.msg, "no section [zz]") != NULL);
		CHECK(eo.argv == NULL);
		mp_extra_opts_free(&eo);
	}
	unsetenv("MP_CONFIG_FILE");
}

static void test_deadline(void)
{
	struct mp_deadline d;
	struct rpe_error e;

	mp_deadline_init(&d);
	CHECK(d.seconds == 10);
	CHECK_INT(d.state, MP_UNKNOWN);
	CHECK_INT(mp_deadline_ms(&d), 10000);

	CHECK_INT(mp_deadline_parse("20", &d, &e), 0);
	CHECK(d.seconds == 20);
	CHECK_INT(d.state, MP_UNKNOWN);
	CHECK_INT(mp_deadline_parse("5:UNKNOWN", &d, &e), 0);
	CHECK(d.seconds == 5);
	CHECK_INT(d.state, MP_UNKNOWN);
	CHECK_INT(mp_deadline_parse("7:1", &d, &e), 0);
	CHECK(d.seconds == 7);
	CHECK_INT(d.state, MP_WARNING);
	CHECK_INT(mp_deadline_parse(":ok", &d, &e), 0);
	CHECK(d.seconds == 7);
	CHECK_INT(d.state, MP_OK);
	CHECK_INT(mp_deadline_parse("2.5", &d, &e), 0);
	CHECK(d.seconds == 2.5);
	CHECK_INT(mp_deadline_ms(&d), 2500);
	CHECK_INT(mp_deadline_parse("0.0001", &d, &e), 0);
	CHECK_INT(mp_deadline_ms(&d), 1); /* rounded up, never 0 */
	CHECK_INT(mp_deadline_parse("86400", &d, &e), 0);

	CHECK_INT(mp_deadline_parse("0", &d, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid timeout '0': seconds must be a number greater "
			 "than 0 and at most 86400");
	CHECK_INT(mp_deadline_parse("-1", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse("86401", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse("abc", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse("10:", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse("10:BAD", &d, &e), RPE_ERR_ARG);
	CHECK_STR(e.msg, "invalid timeout '10:BAD': state must be OK, WARNING, "
			 "CRITICAL, UNKNOWN or 0..3");
	CHECK_INT(mp_deadline_parse("10:4", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse("", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse(":", &d, &e), RPE_ERR_ARG);
	CHECK_INT(mp_deadline_parse("1e3", &d, &e), RPE_ERR_ARG);
	CHECK(d.seconds == 86400); /* failures leave it unchanged */
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("MP_CONFIG_FILE");
	unsetenv("NAGIOS_CONFIG_PATH");
	T_RUN(test_states);
	T_RUN(test_range_table);
	T_RUN(test_range_edges);
	T_RUN(test_thresholds);
	T_RUN(test_numbers);
	T_RUN(test_numbers_locale);
	T_RUN(test_perfdata);
	T_RUN(test_output);
	T_RUN(test_formats);
	T_RUN(test_tree_classic);
	T_RUN(test_tree_multi_line);
	T_RUN(test_tree_json);
	T_RUN(test_tree_hostile);
	T_RUN(test_sanitize);
	T_RUN(test_ini_parse);
	T_RUN(test_ini_load);
	T_RUN(test_extra_opts);
	T_RUN(test_deadline);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	T_DONE();
}
