/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --all-addresses: one verdict from the verdicts of every address behind a
 * name.  Policy drift rarely hits every server at once; the status line
 * names the addresses that differ ("1 of 3 addresses accept unencrypted
 * logons: 10.0.0.7").  Pure functions, no I/O; tests/unit/test_fleet.c. */
#ifndef RPE_FLEET_H
#define RPE_FLEET_H

#include <stddef.h>

#include "verdict.h"

/* What the fleet summary needs of one address's verdict. */
struct fleet_site {
	const char *addr;        /* "10.0.0.7", "2001:db8::7" */
	const struct verdict *v; /* its own verdict (host = the address) */
};

struct fleet_summary {
	enum mp_state state; /* the worst of the addresses */
	int enforced;        /* addresses whose policy is "required" */
	int odd;             /* addresses in the worst state (if not OK) */
	char text[1024];     /* the status line's text */
};

/* Judge n >= 1 addresses of host; expect selects the wording. */
void fleet_judge(const char *host, enum verdict_expect expect,
		 const struct fleet_site *sites, int n,
		 struct fleet_summary *out);

/* The policy as the status line names it: RPC encryption (fleet_judge),
 * or TLS for MAPI over HTTP (fleet_words_mapi). */
struct fleet_words {
	const char *require; /* "require RPC encryption" */
	const char *accept;  /* "accept unencrypted RPC logons" */
	const char *odd_accept, *odd_refuse; /* "accept unencrypted logons" */
	const char *expect_required, *expect_optional; /* "encryption required" */
};
extern const struct fleet_words fleet_words_mapi;
void fleet_judge_words(const char *host, enum verdict_expect expect,
		       const struct fleet_words *w,
		       const struct fleet_site *sites, int n,
		       struct fleet_summary *out);

/* The perfdata label prefix of an address: every character other than
 * [A-Za-z0-9] becomes '_' ("10.0.0.7" -> "10_0_0_7", "2001:db8::7" ->
 * "2001_db8__7"), so that the label is a valid metric name for every
 * Icinga 2 perfdata writer (Graphite splits on '.', OpenTSDB refuses ':')
 * and stays the same from run to run. */
void fleet_label(const char *addr, char *out, size_t n);

#endif
