/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One verdict over every address of a name; see fleet.h. */
#include "fleet.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mp_range.h"

static void append(char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *out, size_t n, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, n - used, fmt, ap);
	va_end(ap);
}

/* Every address in state st has policy `enforced` (0/1). */
static int all_policy(const struct fleet_site *s, int n, int st, int enforced)
{
	int i;

	for (i = 0; i < n; i++)
		if ((int)s[i].v->state == st && s[i].v->enforced != enforced)
			return 0;
	return 1;
}

static void list_addrs(char *out, size_t len, const struct fleet_site *s, int n,
		       int st)
{
	const char *sep = "";
	int i;

	for (i = 0; i < n; i++) {
		if ((int)s[i].v->state != st)
			continue;
		append(out, len, "%s%s", sep, s[i].addr);
		sep = ", ";
	}
}

static const struct fleet_words words_rpc = {
	"require RPC encryption",    "accept unencrypted RPC logons",
	"accept unencrypted logons", "refuse unencrypted logons",
	"encryption required",       "encryption optional",
};

/* MAPI over HTTP (lib/verdict_mapi.c): the plain http door. */
const struct fleet_words fleet_words_mapi = {
	"require TLS for MAPI over HTTP",
	"accept MAPI over HTTP without TLS",
	"accept MAPI over HTTP without TLS",
	"refuse MAPI over plain http",
	"TLS required",
	"plain http allowed",
};

static void judge_ok(const char *host, const struct fleet_words *w,
		     const struct fleet_site *s, int n, struct fleet_summary *out)
{
	if (out->enforced == n)
		snprintf(out->text, sizeof(out->text),
			 "%s: all %d addresses %s", host, n, w->require);
	else if (out->enforced == 0 && all_policy(s, n, MP_OK, 0))
		snprintf(out->text, sizeof(out->text),
			 "%s: all %d addresses %s", host, n, w->accept);
	else
		snprintf(out->text, sizeof(out->text),
			 "%s: %d addresses OK, %d of them %s", host, n,
			 out->enforced, w->require);
}

/* The odd ones out: the addresses in the worst state. */
static void judge_odd(const char *host, enum verdict_expect expect,
		      const struct fleet_words *w, const struct fleet_site *s,
		      int n, struct fleet_summary *out)
{
	int st = (int)out->state, i;
	const char *sep = "";

	snprintf(out->text, sizeof(out->text), "%s: %d of %d addresses ", host,
		 out->odd, n);
	/* Every odd one has the policy --expect rules out: name the policy. */
	if ((expect == EXPECT_REQUIRED && all_policy(s, n, st, 0)) ||
	    (expect == EXPECT_OPTIONAL && all_policy(s, n, st, 1))) {
		int req = expect == EXPECT_REQUIRED;
		append(out->text, sizeof(out->text),
		       "%s: ", req ? w->odd_accept : w->odd_refuse);
		list_addrs(out->text, sizeof(out->text), s, n, st);
		append(out->text, sizeof(out->text), " (expected: %s)",
		       req ? w->expect_required : w->expect_optional);
		return;
	}
	append(out->text, sizeof(out->text), "%s: ", mp_state_name(st));
	for (i = 0; i < n; i++) {
		if ((int)s[i].v->state != st)
			continue;
		append(out->text, sizeof(out->text), "%s%s", sep,
		       s[i].v->summary);
		sep = "; ";
	}
}

void fleet_judge(const char *host, enum verdict_expect expect,
		 const struct fleet_site *sites, int n, struct fleet_summary *out)
{
	fleet_judge_words(host, expect, &words_rpc, sites, n, out);
}

void fleet_judge_words(const char *host, enum verdict_expect expect,
		       const struct fleet_words *w,
		       const struct fleet_site *sites, int n,
		       struct fleet_summary *out)
{
	enum mp_state worst = MP_OK;
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		worst = mp_state_max(worst, sites[i].v->state);
		out->enforced += sites[i].v->enforced == 1;
	}
	out->state = worst;
	for (i = 0; i < n; i++)
		out->odd += sites[i].v->state == out->state;
	if (out->state == MP_OK)
		judge_ok(host, w, sites, n, out);
	else
		judge_odd(host, expect, w, sites, n, out);
}

void fleet_label(const char *addr, char *out, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	for (i = 0; addr[i] && i + 1 < n; i++) {
		char c = addr[i];
		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9')) ?
				 c :
				 '_';
	}
	out[i] = '\0';
}
