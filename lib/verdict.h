/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict: what the probes saw, compared with what the admin expects.
 * Pure functions, no I/O; table-tested in tests/unit/test_verdict.c. */
#ifndef RPE_VERDICT_H
#define RPE_VERDICT_H

#include "mp_range.h"
#include "posture.h"
#include "probe.h"

enum verdict_expect {
	EXPECT_REQUIRED = 0, /* server must refuse unencrypted logons */
	EXPECT_OPTIONAL,     /* server must accept unencrypted logons */
	EXPECT_ANY,          /* report the policy, alert only on failures */
};

enum verdict_probes {
	PROBES_BOTH = 0,
	PROBES_ENCRYPTED,
	PROBES_UNENCRYPTED,
};

#define VERDICT_LINES 24
#define VERDICT_LINE_MAX 320
/* The sealed probe and one unencrypted probe per --unencrypted-level. */
#define VERDICT_PROBES 4

struct verdict_input {
	const char *host;       /* shown in the summary */
	const char *rpc_server; /* name used in the remediation cmdlets */
	enum verdict_expect expect;
	enum verdict_probes probes;
	const struct probe_result *encrypted;   /* NULL if not run */
	const struct probe_result *unencrypted; /* NULL if not run */
	enum mp_state timeout_state; /* for a probe that hit the deadline */
	double timeout_seconds;
	const char *mailbox; /* -m, for Set-CASMailbox -Identity; or NULL */
	const uint16_t *client_version; /* rgwClientVersion sent; or NULL */
	int mapi;                       /* MAPI over HTTP: lib/verdict_mapi.c */
};

struct verdict {
	enum mp_state state;
	int enforced; /* 1 enforced, 0 not enforced, -1 unknown */
	char summary[512];
	char lines[VERDICT_LINES][VERDICT_LINE_MAX];
	int nlines;
	/* lines[] holds the explanation and advice, then each probe's
	 * description (a line, then its details indented): probe[i]'s starts
	 * at probe_line[i]. */
	int nprobes;
	int probe_line[VERDICT_PROBES];
	const struct probe_result *probe[VERDICT_PROBES];
	/* The probe whose outcome made the state other than OK (NULL: OK,
	 * or no single probe did). */
	const struct probe_result *cause;
};

/* The two ways every decision writes its result (verdict.c and
 * verdict_mapi.c): one more long-output line (dropped past VERDICT_LINES),
 * and the state with its status-line summary. */
void verdict_add_line(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void verdict_set_summary(struct verdict *v, enum mp_state st, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));

/* A probe's first long-output lines, alike for RPC and MAPI/HTTP: the
 * probe registered for the result tree, "LABEL probe (HOW): OUTCOME ...",
 * and the time of each phase of order[] it reached. */
void verdict_add_probe_head(struct verdict *v, const struct probe_result *r,
			    const char *how, const enum probe_phase *order,
			    size_t norder);

void verdict_decide(const struct verdict_input *in, struct verdict *out);
/* MAPI over HTTP's table (the plain http door); verdict_decide calls it
 * when in->mapi is set. */
void verdict_decide_mapi(const struct verdict_input *in, struct verdict *out);

/* Raise an OK verdict to WARNING/CRITICAL for slow probes; `why` is
 * appended to the summary ("slowest probe 2.1s"). */
void verdict_apply_timing(struct verdict *v, enum mp_state timing_state,
			  const char *why);

/* --posture: its findings raise the verdict to the report's state
 * (WARNING, or CRITICAL with --posture-critical) and are named in the
 * summary ("...; posture: Extended Protection not enforced on /rpc"). */
void verdict_apply_posture(struct verdict *v, const struct posture_report *r);

#endif
