/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From a validated configuration to the plugin's output: run the probes,
 * judge them, build the result tree (lib/mp_output.h) and print it in the
 * --output-format asked for.
 *
 * The tree: per address (the verdict, its advice as notes) -> per probe
 * (its outcome, phases and perfdata) -> the steps before the logon; then
 * the certificate's expiry and, with -e, what Autodiscover found.  A new
 * kind of finding is a subcheck under the address (mp_sub_add with the
 * address's node as parent) with its own state; the classic rendering
 * prints its line and notes where it sits in the tree. */
#include "config.h"

#include "check_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certinfo.h"
#include "check_autodiscover.h"
#include "check_common.h"
#include "fleet.h"
#include "kerberos.h"
#include "mapihttp.h"
#include "mp.h"
#include "posture_run.h"
#include "probe.h"
#include "resolve.h"
#include "verdict.h"

/* One address and the probe pair pinned to it (without --all-addresses:
 * the one "site" is -H, or -I when given). */
struct site {
	const char *addr; /* --all-addresses: the address */
	struct probe_target target;
	char path[1024];
	struct probe_result *res; /* n results inside the run's array */
	int n;
	struct verdict v;
	const struct probe_result *slow; /* the slowest, when -w/-c raised v */
	/* Several --unencrypted-level: each level's verdict and the probe
	 * it rests on (NULL: OK). */
	struct level_cause {
		const struct probe_result *r;
		enum mp_state state;
	} causes[VERDICT_PROBES];
	struct posture_site ps; /* --posture: what its requests saw */
	struct posture_report posture;
};

/* The server certificate as monitoring data: the one closest to expiry
 * among those the probes saw. */
struct cert_check {
	const struct cert_info *ci; /* NULL: no certificate seen */
	const char *whose;          /* "" (RPC proxy) or "Autodiscover " */
	int state;
	long days;
	char msg[160];
};

/* The store's host for its default service principal exchangeMDB/<host>:
 * the backend of the proxy URL, or -H when that names a mailbox (Exchange
 * 2013+) or over RPC/TCP. */
static const char *spn_server(const struct probe_config *cfg)
{
	if (cfg->transport == PROBE_TRANSPORT_TCP || cfg->rpc_server_mailbox ||
	    !cfg->rpc_server)
		return cfg->hostname;
	return cfg->rpc_server;
}

/* The probe target as the configuration describes it; path receives the
 * RPC proxy URL path. */
static void fill_target(const struct probe_config *cfg, const char *addr,
			struct probe_target *t, char *path, size_t n)
{
	memset(t, 0, sizeof(*t));
	if (cfg->transport == PROBE_TRANSPORT_MAPI) {
		/* MS-OXCMAPIHTTP 2.2.1: the mailbox names the endpoint. */
		snprintf(path, n, "%s?MailboxId=%s", MAPIHTTP_EMSMDB_PATH,
			 cfg->rpc_server ? cfg->rpc_server : "");
		t->mapi_path = path;
		t->plain_port = (long)cfg->plain_port;
	} else {
		snprintf(path, n, "%s?%s:%u", cfg->proxy_path, cfg->rpc_server,
			 cfg->rpc_port);
	}
	t->transport = cfg->transport;
	t->http.host = cfg->hostname;
	t->http.connect_ip = addr ? addr : cfg->ip_address;
	t->http.port = (long)cfg->port;
	t->http.tls = cfg->tls;
	t->http.path = path;
	check_http_common(cfg, &t->http);
	t->tcp.host = cfg->hostname;
	t->tcp.connect_ip = addr ? addr : cfg->ip_address;
	t->tcp.port = (long)cfg->port;
	t->tcp.ip_version = cfg->ip_version;
	t->tcp_port = cfg->transport == PROBE_TRANSPORT_TCP &&
				      cfg->rpc_port_given ?
			      (long)cfg->rpc_port :
			      0;
	t->rpc_server = cfg->rpc_server;
	t->rpc_port = (long)cfg->rpc_port;
	t->proxy_path = cfg->proxy_path;
	t->user = t->http.ntlm_user;
	t->domain = t->http.ntlm_domain;
	t->password = cfg->password;
	t->auth = cfg->auth;
	t->spn = cfg->spn;
	t->spn_server = spn_server(cfg);
	t->mailbox_dn = cfg->mailbox_dn;
	memcpy(t->client_version, cfg->client_version, sizeof(t->client_version));
}

#define PROBES_MAX (1 + CFG_UNENC_LEVELS_MAX)

/* The label of an unencrypted probe, which names its perfdata: one level
 * keeps "unencrypted", a list names each ("unencrypted_integrity"). */
static const char *unencrypted_label(const struct probe_config *cfg,
				     enum probe_level l)
{
	if (cfg->n_unencrypted_levels <= 1)
		return "unencrypted";
	switch (l) {
	case PROBE_LEVEL_INTEGRITY: return "unencrypted_integrity";
	case PROBE_LEVEL_NONE: return "unencrypted_none";
	default: return "unencrypted_connect";
	}
}

/* The probes --probe asks for, one unencrypted probe per level of
 * --unencrypted-level; returns how many. */
static int select_probes(const struct probe_config *cfg,
			 struct probe_result res[PROBES_MAX])
{
	size_t k;
	int n = 0;

	memset(res, 0, PROBES_MAX * sizeof(*res));
	if (cfg->probes != PROBES_UNENCRYPTED) {
		res[n].label = "encrypted";
		res[n].level = PROBE_LEVEL_PRIVACY;
		n++;
	}
	for (k = 0; cfg->probes != PROBES_ENCRYPTED &&
		    k < cfg->n_unencrypted_levels && k < CFG_UNENC_LEVELS_MAX;
	     k++) {
		res[n].level = cfg->unencrypted_levels[k];
		res[n].label = unencrypted_label(cfg, res[n].level);
		n++;
	}
	return n;
}

static int add_perf(struct mp_sub *o, const char *label, double value,
		    const char *uom, const struct mp_thresholds *t, int min0,
		    int max1)
{
	struct mp_perf p;
	struct rpe_error err = { 0, "" };

	if (mp_perf_init(&p, label, value, uom, &err) < 0)
		return -1;
	if (t && t->has_warning)
		p.warn = &t->warning;
	if (t && t->has_critical)
		p.crit = &t->critical;
	if (min0) {
		p.has_min = true;
		p.min = 0;
	}
	if (max1) {
		p.has_max = true;
		p.max = 1;
	}
	return mp_sub_perf(o, &p, &err);
}

static void probe_perf(struct mp_sub *o, const struct probe_result *r,
		       const struct mp_thresholds *t)
{
	static const struct {
		enum probe_phase ph;
		const char *name;
	} phases[] = {
		{ PHASE_CONNECT, "connect" },
		{ PHASE_RTS, "rts" },
		{ PHASE_BIND, "bind" },
		{ PHASE_LOGON, "logon" },
	};
	char label[64];
	double prev = 0;
	size_t i;

	snprintf(label, sizeof(label), "%s_time", r->label);
	add_perf(o, label, r->total_time, "s", t, 1, 0);
	if (r->epm_time > 0) {
		snprintf(label, sizeof(label), "%s_epm", r->label);
		add_perf(o, label, r->epm_time, "s", NULL, 1, 0);
	}
	if (r->tls_time > 0) {
		snprintf(label, sizeof(label), "%s_tls", r->label);
		add_perf(o, label, r->tls_time, "s", NULL, 1, 0);
	}
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		double end = r->phase_end[phases[i].ph];
		if (end < 0)
			continue; /* not reached, or none (rts over TCP) */
		snprintf(label, sizeof(label), "%s_%s", r->label, phases[i].name);
		add_perf(o, label, end - prev, "s", NULL, 1, 0);
		prev = end;
	}
}

/* Lines [from, end) of v, each unless `to` has it already (advice the
 * levels share comes once). */
static void merge_range(struct verdict *to, const struct verdict *v, int from,
			int end)
{
	int i, j, seen;

	for (i = from; i < end && i < v->nlines && to->nlines < VERDICT_LINES;
	     i++) {
		for (j = 0, seen = 0; j < to->nlines && !seen; j++)
			seen = strcmp(to->lines[j], v->lines[i]) == 0;
		if (!seen)
			memcpy(to->lines[to->nlines++], v->lines[i],
			       VERDICT_LINE_MAX);
	}
}

/* The levels' verdicts in one, laid out as a single verdict is: first
 * every level's advice, then each probe's description once (the sealed
 * probe is in all of them), with probe[] and probe_line[] for the result
 * tree. */
static void merge_lines(struct verdict *to, const struct verdict *each, int k)
{
	int i, p, q, seen, end;

	for (i = 0; i < k; i++)
		merge_range(to, &each[i], 0,
			    each[i].nprobes ? each[i].probe_line[0] :
					      each[i].nlines);
	to->nprobes = 0;
	for (i = 0; i < k; i++) {
		for (p = 0; p < each[i].nprobes; p++) {
			for (q = 0, seen = 0; q < to->nprobes && !seen; q++)
				seen = to->probe[q] == each[i].probe[p];
			if (seen || to->nprobes >= VERDICT_PROBES ||
			    to->nlines >= VERDICT_LINES)
				continue;
			to->probe[to->nprobes] = each[i].probe[p];
			to->probe_line[to->nprobes++] = to->nlines;
			end = p + 1 < each[i].nprobes ?
				      each[i].probe_line[p + 1] :
				      each[i].nlines;
			for (q = each[i].probe_line[p];
			     q < end && to->nlines < VERDICT_LINES; q++)
				memcpy(to->lines[to->nlines++],
				       each[i].lines[q], VERDICT_LINE_MAX);
		}
	}
}

/* Several unencrypted levels: one verdict per level against the same
 * encrypted probe.  The worst one speaks (the first of equals), every
 * level gets its line; enforcement is 0 when any level let an unsealed
 * logon in, 1 when every level was refused for encryption, else unknown
 * (level none on Exchange 2013 and later behind the RPC proxy stays what
 * it is: reported, not guessed). */
static void judge_levels(const struct verdict_input *base,
			 const struct probe_result *res, int n,
			 struct verdict *v, struct level_cause *causes)
{
	struct verdict_input vin = *base;
	struct verdict *each = calloc(PROBES_MAX, sizeof(*each));
	enum probe_level lev[PROBES_MAX];
	int i, k = 0, worst = -1, enforced = -2;

	if (!each) {
		verdict_decide(base, v);
		return;
	}
	for (i = 0; i < n && k < PROBES_MAX; i++) {
		if (res[i].level == PROBE_LEVEL_PRIVACY)
			continue;
		vin.unencrypted = &res[i];
		lev[k] = res[i].level;
		verdict_decide(&vin, &each[k]);
		if (k < VERDICT_PROBES) {
			causes[k].r = each[k].cause;
			causes[k].state = each[k].state;
		}
		if (worst < 0 || mp_state_max(each[worst].state, each[k].state) !=
					 each[worst].state)
			worst = k;
		/* One level let an unsealed logon in: not enforced. */
		enforced = enforced == 0 || each[k].enforced == 0 ? 0 :
			   enforced == -2               ? each[k].enforced :
			   enforced == each[k].enforced ? enforced :
							  -1;
		k++;
	}
	*v = each[worst];
	v->enforced = enforced;
	v->nlines = 0;
	for (i = 0; i < k; i++)
		snprintf(v->lines[v->nlines++], VERDICT_LINE_MAX, "level %s: %s",
			 probe_level_name(lev[i]), each[i].summary);
	merge_lines(v, each, k);
	free(each);
}

/* Compare what the probes saw with --expect, then -w/-c on the slowest
 * probe that got an answer from the store. */
static void judge(const struct probe_config *cfg, const char *host,
		  struct site *s)
{
	const struct probe_result *res = s->res, *slow = NULL;
	struct verdict *v = &s->v;
	int n = s->n;
	struct verdict_input vin;
	enum mp_state before;
	double slowest = -1;
	char why[MP_NUMBER_MAX + 32], num[MP_NUMBER_MAX];
	int i, levels = 0;

	memset(&vin, 0, sizeof(vin));
	vin.host = host;
	/* A mailbox GUID names no server for the remediation cmdlets. */
	vin.rpc_server = cfg->rpc_server_mailbox ? NULL : cfg->rpc_server;
	vin.expect = cfg->expect;
	vin.probes = cfg->probes;
	for (i = 0; i < n; i++) {
		if (res[i].level == PROBE_LEVEL_PRIVACY)
			vin.encrypted = &res[i];
		else if (!levels++)
			vin.unencrypted = &res[i];
	}
	vin.timeout_state = cfg->deadline.state;
	vin.timeout_seconds = cfg->deadline.seconds;
	vin.mailbox = cfg->mailbox_dn;
	vin.client_version = cfg->client_version;
	vin.mapi = cfg->transport == PROBE_TRANSPORT_MAPI;
	if (levels > 1)
		judge_levels(&vin, res, n, v, s->causes);
	else
		verdict_decide(&vin, v);

	for (i = 0; i < n; i++) {
		if (res[i].outcome != OUTCOME_LOGON_OK &&
		    res[i].outcome != OUTCOME_LOGON_NOT_ENCRYPTED &&
		    res[i].outcome != OUTCOME_LOGON_REFUSED)
			continue;
		if (res[i].total_time > slowest) {
			slowest = res[i].total_time;
			slow = &res[i];
		}
	}
	if (slowest >= 0) {
		mp_format_number(slowest, num, sizeof(num));
		snprintf(why, sizeof(why), "slowest probe %ss", num);
		before = v->state;
		verdict_apply_timing(v,
				     mp_thresholds_status(&cfg->thresholds,
							  slowest),
				     why);
		if (v->state != before)
			s->slow = slow;
	}
}

/* Certificates ------------------------------------------------------------ */

/* A TLS failure names the certificate's dates (expired, not yet valid or
 * issued for another name: the reader sees which at once). */
static void tls_failure_dates(struct probe_result *r)
{
	const struct cert_info *ci = &r->tls.cert;
	size_t len = strlen(r->message);

	if (r->outcome != OUTCOME_TLS_FAILED || !r->tls.have_cert)
		return;
	snprintf(r->message + len, sizeof(r->message) - len,
		 "; server certificate %s, valid %s to %s", ci->subject,
		 ci->not_before, ci->not_after);
}

/* Keep the certificate that expires first (or one not valid yet). */
static void cert_consider(struct cert_check *cc, const struct tls_seen *t,
			  const char *whose, int64_t now)
{
	const struct cert_info *ci = &t->cert;

	if (!t->have_cert)
		return;
	if (!cc->ci || ci->not_after_epoch < cc->ci->not_after_epoch ||
	    ci->not_before_epoch > now) {
		cc->ci = ci;
		cc->whose = whose;
	}
}

/* Every certificate the run saw counts: the RPC proxy's at each address
 * and, with -e, that of the Autodiscover endpoint that answered. */
static void cert_check(const struct probe_config *cfg,
		       const struct probe_result *res, int n,
		       const struct check_discovery *d, struct cert_check *cc)
{
	int64_t now = (int64_t)time(NULL);
	char msg[sizeof(cc->msg)];
	int i;

	memset(cc, 0, sizeof(*cc));
	for (i = 0; i < n; i++)
		cert_consider(cc, &res[i].tls, "", now);
	if (d)
		cert_consider(cc, &d->res.tls, "Autodiscover ", now);
	if (!cc->ci)
		return;
	cc->days = cert_days_left(cc->ci, now);
	cc->state = cert_expiry_state(&cfg->cert_expiry, cc->ci, now, msg,
				      sizeof(msg));
	snprintf(cc->msg, sizeof(cc->msg), "%s%s", cc->whose, msg);
	/* Without --certificate-expiry the dates are data, not a verdict:
	 * a certificate that fails verification fails the probe already. */
	if (!cfg->cert_expiry.set)
		cc->state = 0;
}

static void cert_perf(struct mp_sub *o, const struct probe_config *cfg,
		      const struct cert_check *cc)
{
	struct mp_range warn, crit;
	struct mp_perf p;
	struct rpe_error err = { 0, "" };
	char w[32], c[32];

	if (!cc->ci || mp_perf_init(&p, "certificate_expiry_days",
				    (double)cc->days, "", &err) < 0)
		return;
	if (cfg->cert_expiry.set) {
		/* Alert below the threshold: "30:" (Monitoring Plugins
		 * ranges); expiry on the day itself counts, hence +1. */
		snprintf(w, sizeof(w), "%ld:", cfg->cert_expiry.warn_days + 1);
		snprintf(c, sizeof(c), "%ld:", cfg->cert_expiry.crit_days + 1);
		if (mp_range_parse(w, &warn, &err) == 0)
			p.warn = &warn;
		if (mp_range_parse(c, &crit, &err) == 0)
			p.crit = &crit;
	}
	mp_sub_perf(o, &p, &err);
}

/* The steps before the logon ---------------------------------------------- */

/* "<what>: subject ...; issuer ..." and, as a note indented by `indent`
 * in classic, its names and validity. */
static void print_cert(struct mp_output *o, struct mp_sub *parent,
		       const char *what, const struct cert_info *ci,
		       const char *indent)
{
	struct mp_sub *c = mp_sub_add(o, parent, MP_OK,
				      "%s: subject %s; issuer %s", what,
				      ci->subject, ci->issuer);

	mp_sub_note(c, "%ssubjectAltName %s; valid %s to %s", indent,
		    ci->sans[0] ? ci->sans : "(none)", ci->not_before,
		    ci->not_after);
}

/* What the first probe's connection showed, in the order Microsoft's
 * Remote Connectivity Analyzer lists the steps; the RPC phases follow in
 * each probe's "phases" line.  Durations are of the step alone.  A probe
 * pinned to an address (--all-addresses) had its name resolved before.
 * The steps hang below that probe's subcheck (pnode); classic prints them
 * after every probe, as one block. */
static void print_steps(struct mp_output *o, struct mp_sub *pnode,
			const struct probe_result *r, int pinned, bool late)
{
	struct mp_sub *st;
	char tls[96];

	st = mp_sub_add(o, pnode, MP_OK, "steps before the logon (%s probe)",
			r->label);
	mp_sub_classic_line(st, "steps before the logon (%s probe):", r->label);
	mp_sub_classic(st, late ? MP_CLASSIC_LATE : 0, "  ");
	if (r->resolve_time > 0 && !pinned) /* pinned: resolved before */
		mp_sub_add(o, st, MP_OK, "name resolution %.3fs",
			   r->resolve_time);
	if (r->tcp_time > 0)
		mp_sub_add(o, st, MP_OK, "TCP connect %.3fs",
			   r->tcp_time - r->resolve_time);
	tlsinfo_line(&r->tls, tls, sizeof(tls));
	if (tls[0])
		mp_sub_add(o, st, MP_OK, "TLS %.3fs: %s",
			   r->tls_time > r->tcp_time ? r->tls_time - r->tcp_time :
						       0,
			   tls);
	if (r->tls.have_cert)
		print_cert(o, st, "certificate", &r->tls.cert, "  ");
	if (r->tls.verify_error[0]) {
		/* A failed verification is the probe's failure. */
		enum mp_state vs = pnode ? pnode->state : MP_CRITICAL;
		mp_sub_add(o, st, vs, "certificate verification: %s",
			   r->tls.verify_error);
		mp_sub_set_state(st, vs);
	}
	if (r->auth_offered[0])
		mp_sub_add(o, st, MP_OK, "HTTP authentication offered: %s",
			   r->auth_offered);
}

/* --posture ------------------------------------------------------------------ */

/* What each site's posture requests need: its RPC proxy connection (with
 * the NTLM credentials, never sent as Basic there) and, with -e, the
 * Autodiscover endpoint that answered. */
static void posture_sites(const struct probe_config *cfg,
			  const struct check_discovery *d, struct site *sites,
			  int n, struct http_params *ad)
{
	int i;

	if (d && d->res.state == 1) {
		memset(ad, 0, sizeof(*ad));
		check_http_common(cfg, ad);
	}
	for (i = 0; i < n; i++) {
		struct posture_site *ps = &sites[i].ps;
		memset(ps, 0, sizeof(*ps));
		ps->http = sites[i].target.http;
		/* The door the probes use: RPC over HTTP's proxy, or (any
		 * other HTTP transport) MAPI over HTTP's emsmdb path. */
		if (cfg->transport == PROBE_TRANSPORT_HTTP)
			ps->rpc_path = sites[i].path;
		else
			ps->mapi_path = sites[i].path;
		if (d && d->res.state == 1) {
			ps->autodiscover_url = d->res.url;
			ps->autodiscover_http = ad;
			ps->autodiscover_connect_to =
				cfg->autodiscover_connect_to_n ?
					(const char *const *)
						cfg->autodiscover_connect_to :
					NULL;
		}
	}
}

/* The run's own facts beside the posture requests', then the judgement. */
static void posture_judge(const struct probe_config *cfg,
			  const struct check_discovery *d, struct site *s)
{
	struct posture_input *in = &s->ps.in;
	enum posture_door door = s->ps.rpc_path ? POSTURE_DOOR_RPC :
						  POSTURE_DOOR_MAPI;
	/* Our NTLM, with channel binding, is what the run's requests use
	 * with --http-auth any or ntlm: only then does a 401 to the unbound
	 * logon prove Extended Protection rather than refused NTLM. */
	int ntlm = cfg->http_auth == HTTP_AUTH_ANY ||
		   cfg->http_auth == HTTP_AUTH_NTLM;
	int i;

	in->server = cfg->rpc_server_mailbox || !cfg->rpc_server ?
			     cfg->hostname :
			     cfg->rpc_server;
	for (i = 0; i < s->n; i++) {
		const struct probe_result *r = &s->res[i];
		/* The HTTP authentication of the probes (with binding)
		 * passed once the channel got past connect. */
		if (ntlm && (r->phase > PHASE_CONNECT ||
			     r->phase_end[PHASE_CONNECT] > 0))
			in->door[door].bound_ok = 1;
		if (!in->probe_tls[0] && r->tls.version[0]) {
			snprintf(in->probe_tls, sizeof(in->probe_tls), "%s",
				 r->tls.version);
			snprintf(in->probe_cipher, sizeof(in->probe_cipher),
				 "%s", r->tls.cipher);
		}
		if (!in->cert && r->tls.strength.have)
			in->cert = &r->tls.strength;
	}
	if (d && d->res.state == 1 && ntlm)
		in->door[POSTURE_DOOR_AUTODISCOVER].bound_ok = 1;
	in->door[door].bound_none = !ntlm;
	in->door[POSTURE_DOOR_AUTODISCOVER].bound_none = !ntlm;
	posture_evaluate(&cfg->posture, in, &s->posture);
	verdict_apply_posture(&s->v, &s->posture);
}

/* One perfdata item, with the range that alerts as warning (or critical
 * with --posture-critical); prefix: the address's label. */
static void posture_perf(struct mp_sub *o, const struct probe_config *cfg,
			 const struct posture_item *it, const char *prefix)
{
	struct rpe_error err = { 0, "" };
	char label[MP_LABEL_MAX];
	struct mp_range range;
	struct mp_perf p;

	if (!it->perf_label[0])
		return;
	snprintf(label, sizeof(label), "%s%s%s", prefix ? prefix : "",
		 prefix ? "_" : "", it->perf_label);
	if (mp_perf_init(&p, label, it->perf_value, "", &err) < 0)
		return;
	if (it->perf_alert[0] &&
	    mp_range_parse(it->perf_alert, &range, &err) == 0) {
		if (cfg->posture.critical)
			p.crit = &range;
		else
			p.warn = &range;
	}
	p.has_min = true;
	p.min = 0;
	mp_sub_perf(o, &p, &err);
}

/* Each posture check a subcheck of the address: a finding in the state
 * the findings raised, the others OK. */
static void posture_tree(struct mp_output *o, struct mp_sub *a,
			 const struct probe_config *cfg, const struct site *s,
			 const char *prefix)
{
	static const char *const tag[] = { "OK", "FINDING", "not testable",
					   "info" };
	int i;

	for (i = 0; i < s->posture.n; i++) {
		const struct posture_item *it = &s->posture.item[i];
		struct mp_sub *n;
		n = mp_sub_add(o, a,
			       it->status == POSTURE_FINDING ?
				       (enum mp_state)s->posture.state :
				       MP_OK,
			       "posture %s: %s", tag[it->status], it->text);
		posture_perf(n ? n : a, cfg, it, prefix);
	}
}

/* One run (one or every address) ------------------------------------------- */

struct run {
	const struct probe_config *cfg;
	const struct check_discovery *d; /* -e: what Autodiscover found */
	struct resolve_result dns;       /* --all-addresses */
	struct site *sites;
	int nsites;
	struct probe_result *res; /* every probe of every site */
	int nres;
	struct cert_check cert;
	struct kerb_creds *kerb; /* --auth kerberos|negotiate: every site's */
	char kerb_note[RPE_ERRMSG_MAX + 96]; /* negotiate without Kerberos: why */
	struct posture_run *posture;         /* --posture */
	struct probe_companion companion;
	struct http_params ad_http; /* --posture with -e: Autodiscover's */
};

static void run_free(struct run *r)
{
	posture_run_free(r->posture);
	r->posture = NULL;
	free(r->sites);
	free(r->res);
	kerb_creds_free(r->kerb);
	r->kerb = NULL;
}

static int run_setup(struct run *r, const struct probe_config *cfg,
		     struct rpe_error *err)
{
	struct probe_result pair[PROBES_MAX];
	int i, k, per;

	r->cfg = cfg;
	r->nsites = cfg->all_addresses ? r->dns.n : 1;
	per = select_probes(cfg, pair);
	r->sites = calloc((size_t)r->nsites, sizeof(*r->sites));
	r->res = calloc((size_t)(r->nsites * per), sizeof(*r->res));
	if (!r->sites || !r->res)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	for (i = 0; i < r->nsites; i++) {
		struct site *s = &r->sites[i];
		s->addr = cfg->all_addresses ? r->dns.addr[i] : NULL;
		fill_target(cfg, s->addr, &s->target, s->path, sizeof(s->path));
		s->target.kerb = r->kerb;
		s->res = &r->res[r->nres];
		s->n = per;
		for (k = 0; k < per; k++) {
			s->res[k] = pair[k];
			s->res[k].target = &s->target;
		}
		r->nres += per;
	}
	return 0;
}

static int posture_setup(struct run *r, struct rpe_error *err)
{
	struct posture_site **ps = calloc((size_t)r->nsites, sizeof(*ps));
	int i;

	if (!ps)
		return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
	posture_sites(r->cfg, r->d, r->sites, r->nsites, &r->ad_http);
	for (i = 0; i < r->nsites; i++)
		ps[i] = &r->sites[i].ps;
	r->posture = posture_run_new(&r->cfg->posture, ps, r->nsites, err);
	free(ps);
	if (!r->posture)
		return -1;
	posture_run_companion(r->posture, &r->companion);
	return 0;
}

static void run_judge(struct run *r)
{
	int i;

	for (i = 0; i < r->nres; i++)
		tls_failure_dates(&r->res[i]);
	for (i = 0; i < r->nsites; i++) {
		struct site *s = &r->sites[i];
		judge(r->cfg, s->addr ? s->addr : r->cfg->hostname, s);
		if (r->cfg->posture.checks)
			posture_judge(r->cfg, r->d, s);
	}
	cert_check(r->cfg, r->res, r->nres, r->d, &r->cert);
}

/* A probe's state: the verdict's when the verdict rests on it (its outcome,
 * or its time against -w/-c), else OK. */
static enum mp_state probe_state(const struct site *s,
				 const struct probe_result *r)
{
	enum mp_state st = MP_OK;
	int i;

	if (r == s->v.cause || r == s->slow)
		return s->v.state;
	for (i = 0; i < VERDICT_PROBES; i++)
		if (s->causes[i].r == r)
			st = mp_state_max(st, s->causes[i].state);
	return st;
}

static struct mp_sub *probe_node(const struct site *s,
				 struct mp_sub *pn[VERDICT_PROBES],
				 const struct probe_result *r)
{
	int k;

	for (k = 0; k < s->v.nprobes; k++)
		if (s->v.probe[k] == r)
			return pn[k];
	return NULL;
}

/* One address: its verdict, each probe the verdict describes below it, the
 * steps below the first probe that saw any, each posture check.  A single
 * address has each probe's perfdata (a fleet's is per address). */
static struct mp_sub *site_tree(struct mp_output *o, const struct run *r,
				const struct site *s, bool fleet)
{
	const struct verdict *v = &s->v;
	struct mp_sub *a, *pn[VERDICT_PROBES] = { NULL };
	char lab[RESOLVE_ADDR_MAX];
	int i, k, notes = v->nprobes ? v->probe_line[0] : v->nlines;

	a = mp_sub_add(o, NULL, (enum mp_state)v->state, "%s", v->summary);
	if (fleet) {
		mp_sub_classic_line(a, "[%s] %s: %s", s->addr,
				    mp_state_name(v->state), v->summary);
		mp_sub_classic(a, 0, "  ");
	} else {
		mp_sub_classic(a, MP_CLASSIC_NO_LINE, "");
	}
	for (i = 0; i < notes && i < v->nlines; i++)
		mp_sub_note(a, "%s", v->lines[i]);
	for (k = 0; k < v->nprobes && v->probe_line[k] < v->nlines; k++) {
		int end = k + 1 < v->nprobes ? v->probe_line[k + 1] : v->nlines;
		pn[k] = mp_sub_add(o, a, probe_state(s, v->probe[k]), "%s",
				   v->lines[v->probe_line[k]]);
		for (i = v->probe_line[k] + 1; i < end && i < v->nlines; i++)
			mp_sub_note(pn[k], "%s", v->lines[i]);
	}
	for (i = 0; !fleet && i < s->n; i++) {
		struct mp_sub *n = probe_node(s, pn, &s->res[i]);
		probe_perf(n ? n : a, &s->res[i], &r->cfg->thresholds);
	}
	for (i = 0; i < s->n; i++) {
		const struct probe_result *p = &s->res[i];
		struct mp_sub *n;
		if (p->resolve_time <= 0 && !p->tls.have_cert &&
		    !p->auth_offered[0])
			continue;
		/* Below its probe (classic: after every probe), or below the
		 * address when the verdict did not describe that probe. */
		n = probe_node(s, pn, p);
		print_steps(o, n ? n : a, p, s->addr != NULL, n != NULL);
		break;
	}
	if (fleet)
		fleet_label(s->addr, lab, sizeof(lab));
	posture_tree(o, a, r->cfg, s, fleet ? lab : NULL);
	return a;
}

static void discovery_perf(struct mp_sub *o, const struct check_discovery *d)
{
	if (d)
		add_perf(o, "autodiscover_time", d->res.seconds, "s", NULL, 1, 0);
}

/* -e: what Autodiscover found, and the certificate of the endpoint that
 * answered. */
static void discovery_tree(struct mp_output *o, const struct run *r)
{
	struct mp_sub *s;

	if (!r->d)
		return;
	s = check_discovery_lines(r->d, r->cfg, o);
	discovery_perf(s, r->d);
	if (r->d->res.tls.have_cert)
		print_cert(o, s, "Autodiscover certificate",
			   &r->d->res.tls.cert, "    ");
}

/* SPNEGO offers Kerberos when something points at a realm: a keytab,
 * --realm, a UPN (user@dns.domain) or a credentials cache named in
 * KRB5CCNAME; else NTLM alone, without asking any KDC. */
static bool negotiate_tries_kerberos(const struct probe_config *cfg)
{
	return cfg->keytab || cfg->realm || getenv("KRB5CCNAME") ||
	       (cfg->user && strchr(cfg->user, '@'));
}

/* How long SPNEGO waits for Kerberos before it offers NTLM alone: a third
 * of what is left, at most 5 s, so the probes keep their time. */
static long negotiate_kdc_ms(int64_t deadline_ms)
{
	long left = (long)(deadline_ms - probe_now_ms());

	return left / 3 < 5000 ? left / 3 : 5000;
}

/* Kerberos credentials and tickets, before any probe starts and within
 * the deadline: for the RPC bind (--auth kerberos|negotiate) and for
 * libcurl's Negotiate at the RPC proxy (*out stays NULL when neither needs
 * them).  SPNEGO with a password falls back to NTLM alone when Kerberos
 * cannot be had (the reason goes to *note), as Windows does.  On failure
 * the status line is printed and -1 returned, with the exit code in *rc. */
static int kerberos_prepare(const struct probe_config *cfg, int64_t deadline_ms,
			    struct kerb_creds **out, char *note, size_t notesz,
			    int *rc)
{
	struct kerb_cred_params kp = { KERB_CRED_CCACHE, cfg->user, cfg->realm,
				       cfg->password, cfg->keytab };
	struct kerb_prefetch pf = { NULL, NULL, NULL };
	bool http_neg = cfg->transport != PROBE_TRANSPORT_TCP &&
			cfg->http_auth == HTTP_AUTH_NEGOTIATE;
	bool fallback = cfg->auth == PROBE_AUTH_NEGOTIATE && cfg->password &&
			!http_neg;
	struct rpe_error err = { 0, "" };
	struct kerb_creds *c;
	char msg[RPE_ERRMSG_MAX + 160];
	int timed_out = 0;

	/* libcurl's Negotiate alone takes its ticket from the user's cache:
	 * look for it (and for HTTP/<host>) now, so that a missing one is
	 * named instead of read as a 401 to credentials never sent. */
	bool cache_only = cfg->auth == PROBE_AUTH_NTLM && http_neg &&
			  !cfg->keytab;

	*out = NULL;
	note[0] = '\0';
	if (cfg->auth == PROBE_AUTH_NTLM && !http_neg)
		return 0;
	if (fallback && !negotiate_tries_kerberos(cfg)) {
		snprintf(note, notesz,
			 "SPNEGO offered NTLM alone (no keytab, realm, user@domain or KRB5CCNAME for Kerberos)");
		return 0;
	}
	kp.source = cfg->keytab   ? KERB_CRED_KEYTAB :
		    cfg->password ? KERB_CRED_PASSWORD :
				    KERB_CRED_CCACHE;
	if (cache_only) {
		kp.source = KERB_CRED_CCACHE;
		kp.user = NULL; /* the cache's principal, as libcurl's */
	}
	if (cfg->auth != PROBE_AUTH_NTLM) {
		pf.spn = cfg->spn;
		pf.server = spn_server(cfg);
	}
	pf.http_host = http_neg ? cfg->hostname : NULL;
	c = kerb_creds_acquire_within(&kp, &pf,
				      fallback ? negotiate_kdc_ms(deadline_ms) :
						 (long)(deadline_ms -
							probe_now_ms()),
				      &timed_out, &err);
	if (c && (!http_neg || kerb_creds_make_default(c, &err) == 0)) {
		*out = c;
		return 0;
	}
	kerb_creds_free(c);
	if (fallback) {
		snprintf(note, notesz, "SPNEGO offered NTLM alone: %s",
			 timed_out ? "no answer from the KDC for Kerberos" :
				     err.msg);
		return 0;
	}
	if (timed_out)
		snprintf(msg, sizeof(msg),
			 "%s: timed out after %gs getting Kerberos tickets (no answer from the KDC)",
			 cfg->hostname, cfg->deadline.seconds);
	else if (http_neg)
		snprintf(msg, sizeof(msg),
			 "%s: no Kerberos ticket for HTTP/%s (--http-auth negotiate%s): %s",
			 cfg->hostname, cfg->hostname,
			 cache_only ? " takes it from the credentials cache" : "",
			 err.msg);
	else
		snprintf(msg, sizeof(msg), "%s: %s", cfg->hostname, err.msg);
	*rc = mp_print_status(CHECK_PREFIX,
			      timed_out ? cfg->deadline.state : MP_CRITICAL,
			      msg, NULL);
	return -1;
}

/* -e found nothing the probes can use: that is the result. */
static int print_discovery_failure(const struct check_discovery *d,
				   const struct probe_config *cfg)
{
	struct mp_output out;
	int rc;

	mp_output_init(&out, CHECK_PREFIX);
	discovery_perf(check_discovery_failure(d, cfg, &out), d);
	rc = mp_output_print(&out);
	mp_output_free(&out);
	return rc;
}

/* The status line: the verdict's state and summary, raised by the
 * certificate check, whose message joins the summary when it raised it. */
static void output_begin(struct mp_output *o, const struct run *r,
			 enum mp_state state, const char *summary)
{
	const struct cert_check *cc = &r->cert;

	mp_output_init(o, CHECK_PREFIX);
	mp_output_set_state(o, state);
	if (cc->ci && cc->state)
		mp_output_raise(o, (enum mp_state)cc->state);
	mp_output_summary(o, "%s%s%s", summary, cc->state ? "; " : "",
			  cc->state ? cc->msg : "");
}

/* After the addresses: the certificate's expiry (classic shows it here
 * only when it is data; a state it raised is in the summary) and what
 * Autodiscover found. */
static void output_run_tree(struct mp_output *o, const struct run *r)
{
	const struct cert_check *cc = &r->cert;
	struct mp_sub *c;

	if (cc->ci) {
		c = mp_sub_add(o, NULL, (enum mp_state)cc->state, "%s", cc->msg);
		if (cc->state)
			mp_sub_classic(c, MP_CLASSIC_SKIP, "");
		cert_perf(c, r->cfg, cc);
	}
	if (r->kerb_note[0])
		mp_sub_add(o, NULL, MP_OK, "%s", r->kerb_note);
	discovery_tree(o, r);
}

static int output_end(struct mp_output *o)
{
	int rc = mp_output_print(o);

	mp_output_free(o);
	return rc;
}

static int print_single(const struct run *r)
{
	const struct site *s = &r->sites[0];
	struct mp_output out;
	struct mp_sub *a;

	output_begin(&out, r, s->v.state, s->v.summary);
	a = site_tree(&out, r, s, false);
	add_perf(a, "encryption_enforced",
		 s->v.enforced < 0 ? NAN : (double)s->v.enforced, "", NULL, 1, 1);
	output_run_tree(&out, r);
	return output_end(&out);
}

/* Per address: its policy and its slowest probe, under stable labels. */
static void site_perf(struct mp_sub *o, const struct site *s,
		      const struct mp_thresholds *t)
{
	char lab[RESOLVE_ADDR_MAX], label[RESOLVE_ADDR_MAX + 32];
	double slowest = 0;
	int i;

	fleet_label(s->addr, lab, sizeof(lab));
	snprintf(label, sizeof(label), "%s_encryption_enforced", lab);
	add_perf(o, label, s->v.enforced < 0 ? NAN : (double)s->v.enforced, "",
		 NULL, 1, 1);
	for (i = 0; i < s->n; i++)
		if (s->res[i].total_time > slowest)
			slowest = s->res[i].total_time;
	snprintf(label, sizeof(label), "%s_time", lab);
	add_perf(o, label, slowest, "s", t, 1, 0);
}

/* The name and its addresses; the fleet's counts as its perfdata. */
static struct mp_sub *dns_tree(struct mp_output *o, const struct run *r)
{
	char list[RESOLVE_MAX * (RESOLVE_ADDR_MAX + 2)];
	size_t used = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < r->dns.n; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "", r->dns.addr[i]);
	return mp_sub_add(o, NULL, MP_OK, "name resolution %.3fs: %s -> %s%s",
			  r->dns.seconds, r->cfg->hostname, list,
			  r->dns.more ? " (and more, not checked)" : "");
}

static int print_fleet(const struct run *r)
{
	struct fleet_site *fs = calloc((size_t)r->nsites, sizeof(*fs));
	struct fleet_summary sum;
	struct mp_output out;
	struct mp_sub *dns;
	int i;

	if (!fs)
		return mp_print_status(CHECK_PREFIX, MP_UNKNOWN,
				       "out of memory", NULL);
	for (i = 0; i < r->nsites; i++) {
		fs[i].addr = r->sites[i].addr;
		fs[i].v = &r->sites[i].v;
	}
	if (r->cfg->transport == PROBE_TRANSPORT_MAPI)
		fleet_judge_words(r->cfg->hostname, r->cfg->expect,
				  &fleet_words_mapi, fs, r->nsites, &sum);
	else
		fleet_judge(r->cfg->hostname, r->cfg->expect, fs, r->nsites,
			    &sum);
	free(fs);
	output_begin(&out, r, sum.state, sum.text);
	dns = dns_tree(&out, r);
	add_perf(dns, "addresses", r->nsites, "", NULL, 1, 0);
	add_perf(dns, "addresses_enforced", sum.enforced, "", NULL, 1, 0);
	for (i = 0; i < r->nsites; i++)
		site_perf(site_tree(&out, r, &r->sites[i], true), &r->sites[i],
			  &r->cfg->thresholds);
	output_run_tree(&out, r);
	return output_end(&out);
}

/* --all-addresses: every address of -H, or a status line saying why not. */
static int resolve_or_report(struct run *r, int64_t deadline_ms)
{
	const struct probe_config *cfg = r->cfg;
	struct rpe_error err = { 0, "" };
	char msg[RPE_ERRMSG_MAX + 96];
	int rc;

	rc = resolve_all(cfg->hostname, cfg->ip_version, deadline_ms, &r->dns,
			 &err);
	if (rc == 0)
		return -1;
	if (rc == RPE_ERR_TIMEOUT) {
		snprintf(msg, sizeof(msg),
			 "%s: timed out after %gs during name resolution (%s)",
			 cfg->hostname, cfg->deadline.seconds, err.msg);
		return mp_print_status(CHECK_PREFIX, cfg->deadline.state, msg,
				       NULL);
	}
	snprintf(msg, sizeof(msg), "%s: name resolution failed: %s",
		 cfg->hostname, err.msg);
	return mp_print_status(CHECK_PREFIX, MP_CRITICAL, msg, NULL);
}

/* The probes against -H (or every address of it), judged and printed. */
static int run_probes(const struct probe_config *cfg, int64_t deadline,
		      const struct check_discovery *d)
{
	struct run r;
	struct rpe_error err = { 0, "" };
	char msg[RPE_ERRMSG_MAX + 32];
	int rc;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.d = d;
	if (cfg->all_addresses && (rc = resolve_or_report(&r, deadline)) >= 0)
		return rc;
	if (kerberos_prepare(cfg, deadline, &r.kerb, r.kerb_note,
			     sizeof(r.kerb_note), &rc) < 0)
		return rc;
	/* At most --max-parallel addresses, each with its probe pair, are
	 * under way at once; all share the one deadline, and so do the
	 * posture requests. */
	if (run_setup(&r, cfg, &err) < 0 ||
	    (cfg->posture.checks && posture_setup(&r, &err) < 0) ||
	    probe_run_with(NULL, r.res, r.nres,
			   r.sites[0].n * (int)(cfg->all_addresses ?
							cfg->max_parallel :
							1),
			   deadline, cfg->verbose,
			   cfg->verbose >= 2 ? check_trace_stderr : NULL, NULL,
			   r.posture ? &r.companion : NULL, &err) < 0) {
		run_free(&r);
		snprintf(msg, sizeof(msg), "cannot run the probes: %s", err.msg);
		return mp_print_status(CHECK_PREFIX, MP_UNKNOWN, msg, NULL);
	}
	run_judge(&r);
	rc = cfg->all_addresses ? print_fleet(&r) : print_single(&r);
	run_free(&r);
	return rc;
}

int check_run(const struct probe_config *cfg)
{
	/* One deadline from -t for Autodiscover and the probes together. */
	int64_t deadline = probe_now_ms() + mp_deadline_ms(&cfg->deadline);
	struct check_discovery d;
	struct probe_config eff;
	struct rpe_error err = { 0, "" };
	char msg[RPE_ERRMSG_MAX + 32];
	int rc;

	if (!cfg->email)
		return run_probes(cfg, deadline, NULL);
	rc = check_discover(cfg, deadline, &d, &eff, &err);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "cannot run Autodiscover: %s",
			 err.msg);
		rc = mp_print_status(CHECK_PREFIX, MP_UNKNOWN, msg, NULL);
	} else if (rc > 0) {
		rc = print_discovery_failure(&d, cfg);
	} else {
		rc = run_probes(&eff, deadline, &d);
	}
	check_discovery_free(&d);
	return rc;
}
