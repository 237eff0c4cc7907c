/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From a validated configuration to the plugin's output: run the probes,
 * judge them, print the status line, long output and perfdata. */
#include "config.h"

#include "check_run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_autodiscover.h"
#include "kerberos.h"
#include "mp.h"
#include "probe.h"
#include "verdict.h"

void check_trace_stderr(void *ctx, int level, const char *line)
{
	(void)ctx;
	(void)level;
	/* Traces go to stderr so the first line on stdout stays the status
	 * line; they never contain credentials (see transport_http.c). */
	fprintf(stderr, "[trace] %s\n", line);
}

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
static void fill_target(const struct probe_config *cfg,
			struct probe_target *t, char *path, size_t n)
{
	memset(t, 0, sizeof(*t));
	snprintf(path, n, "%s?%s:%u", cfg->proxy_path, cfg->rpc_server,
		 cfg->rpc_port);
	t->transport = cfg->transport;
	t->http.host = cfg->hostname;
	t->http.connect_ip = cfg->ip_address;
	t->http.port = (long)cfg->port;
	t->http.tls = cfg->tls;
	t->http.path = path;
	t->http.user = cfg->user;
	t->http.password = cfg->password;
	t->http.auth = cfg->http_auth;
	t->http.ca_file = cfg->ca_file;
	t->http.insecure = cfg->insecure;
	t->http.client_cert = cfg->client_cert;
	t->http.client_key = cfg->client_key;
	t->http.proxy = cfg->proxy;
	t->http.ip_version = cfg->ip_version;
	t->tcp.host = cfg->hostname;
	t->tcp.connect_ip = cfg->ip_address;
	t->tcp.port = (long)cfg->port;
	t->tcp.ip_version = cfg->ip_version;
	t->tcp_port = cfg->transport == PROBE_TRANSPORT_TCP &&
			      cfg->rpc_port_given ? (long)cfg->rpc_port : 0;
	t->rpc_server = cfg->rpc_server;
	t->rpc_port = (long)cfg->rpc_port;
	t->proxy_path = cfg->proxy_path;
	/* NTLM takes "user@domain" whole with an empty domain (MS-NLMP
	 * 3.1.5.1.2 UPN logons); DOMAIN\user is split. */
	t->user = cfg->user_form == CFG_USER_UPN ? cfg->user : cfg->username;
	t->domain = cfg->user_form == CFG_USER_UPN ? "" : cfg->domain;
	t->password = cfg->password;
	t->auth = cfg->auth;
	t->spn = cfg->spn;
	t->spn_server = spn_server(cfg);
	t->mailbox_dn = cfg->mailbox_dn;
	memcpy(t->client_version, cfg->client_version, sizeof(t->client_version));
}

/* The probes --probe asks for; returns how many. */
static int select_probes(const struct probe_config *cfg,
			 struct probe_result res[2])
{
	int n = 0;

	memset(res, 0, 2 * sizeof(*res));
	if (cfg->probes != PROBES_UNENCRYPTED) {
		res[n].label = "encrypted";
		res[n].level = PROBE_LEVEL_PRIVACY;
		n++;
	}
	if (cfg->probes != PROBES_ENCRYPTED) {
		res[n].label = "unencrypted";
		res[n].level = cfg->unencrypted_level;
		n++;
	}
	return n;
}

static int add_perf(struct mp_output *o, const char *label, double value,
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
	return mp_output_perf(o, &p, &err);
}

static void probe_perf(struct mp_output *o, const struct probe_result *r,
		       const struct mp_thresholds *t)
{
	static const struct {
		enum probe_phase ph;
		const char *name;
	} phases[] = {
		{ PHASE_CONNECT, "connect" }, { PHASE_RTS, "rts" },
		{ PHASE_BIND, "bind" },       { PHASE_LOGON, "logon" },
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
		snprintf(label, sizeof(label), "%s_%s", r->label,
			 phases[i].name);
		add_perf(o, label, end - prev, "s", NULL, 1, 0);
		prev = end;
	}
}

/* Compare what the probes saw with --expect, then -w/-c on the slowest
 * probe that got an answer from the store. */
static void judge(const struct probe_config *cfg,
		  const struct probe_result *res, int n, struct verdict *v)
{
	struct verdict_input vin;
	double slowest = -1;
	char why[MP_NUMBER_MAX + 32], num[MP_NUMBER_MAX];
	int i;

	memset(&vin, 0, sizeof(vin));
	vin.host = cfg->hostname;
	/* A mailbox GUID names no server for the remediation cmdlets. */
	vin.rpc_server = cfg->rpc_server_mailbox ? NULL : cfg->rpc_server;
	vin.expect = cfg->expect;
	vin.probes = cfg->probes;
	for (i = 0; i < n; i++) {
		if (res[i].level == PROBE_LEVEL_PRIVACY)
			vin.encrypted = &res[i];
		else
			vin.unencrypted = &res[i];
	}
	vin.timeout_state = (int)cfg->deadline.state;
	vin.timeout_seconds = cfg->deadline.seconds;
	vin.mailbox = cfg->mailbox_dn;
	vin.client_version = cfg->client_version;
	verdict_decide(&vin, v);

	for (i = 0; i < n; i++) {
		if (res[i].outcome != OUTCOME_LOGON_OK &&
		    res[i].outcome != OUTCOME_LOGON_NOT_ENCRYPTED &&
		    res[i].outcome != OUTCOME_LOGON_REFUSED)
			continue;
		if (res[i].total_time > slowest)
			slowest = res[i].total_time;
	}
	if (slowest >= 0) {
		mp_format_number(slowest, num, sizeof(num));
		snprintf(why, sizeof(why), "slowest probe %ss", num);
		verdict_apply_timing(v, (int)mp_thresholds_status(&cfg->thresholds,
								   slowest),
				     why);
	}
}

static int print_verdict(const struct verdict *v,
			 const struct probe_result *res, int n,
			 const struct probe_config *cfg,
			 const struct check_discovery *d)
{
	struct mp_output out;
	int i, rc;

	mp_output_init(&out, CHECK_PREFIX);
	mp_output_set_state(&out, (enum mp_state)v->state);
	mp_output_summary(&out, "%s", v->summary);
	for (i = 0; i < v->nlines; i++)
		mp_output_line(&out, "%s", v->lines[i]);
	if (d)
		check_discovery_lines(d, cfg, &out);
	for (i = 0; i < n; i++)
		probe_perf(&out, &res[i], &cfg->thresholds);
	if (d)
		add_perf(&out, "autodiscover_time", d->res.seconds, "s", NULL, 1, 0);
	add_perf(&out, "encryption_enforced",
		 v->enforced < 0 ? NAN : (double)v->enforced, "", NULL, 1, 1);
	rc = mp_output_print(&out);
	mp_output_free(&out);
	return rc;
}

/* Kerberos credentials and tickets, before any probe starts and within
 * the deadline: for the RPC bind (--auth kerberos|negotiate) and for
 * libcurl's Negotiate at the RPC proxy (*out stays NULL when neither needs
 * them).  On failure the status line is printed and -1 returned, with the
 * exit code in *rc. */
static int kerberos_prepare(const struct probe_config *cfg,
			    int64_t deadline_ms, struct kerb_creds **out,
			    int *rc)
{
	struct kerb_cred_params kp = { KERB_CRED_CCACHE, cfg->user, cfg->realm,
				       cfg->password, cfg->keytab };
	struct kerb_prefetch pf = { NULL, NULL, NULL };
	bool http_neg = cfg->transport == PROBE_TRANSPORT_HTTP &&
			cfg->http_auth == HTTP_AUTH_NEGOTIATE;
	struct rpe_error err = { 0, "" };
	struct kerb_creds *c;
	char msg[RPE_ERRMSG_MAX + 160];
	int timed_out = 0;

	*out = NULL;
	if (cfg->auth == PROBE_AUTH_NTLM && !(http_neg && cfg->keytab))
		return 0; /* libcurl's Negotiate alone: the default cache */
	kp.source = cfg->keytab ? KERB_CRED_KEYTAB :
		    cfg->password ? KERB_CRED_PASSWORD : KERB_CRED_CCACHE;
	if (cfg->auth != PROBE_AUTH_NTLM) {
		pf.spn = cfg->spn;
		pf.server = spn_server(cfg);
	}
	pf.http_host = http_neg ? cfg->hostname : NULL;
	c = kerb_creds_acquire_within(&kp, &pf, (long)(deadline_ms - probe_now_ms()),
				      &timed_out, &err);
	if (c && (!http_neg || kerb_creds_make_default(c, &err) == 0)) {
		*out = c;
		return 0;
	}
	if (timed_out)
		snprintf(msg, sizeof(msg),
			 "%s: timed out after %gs getting Kerberos tickets (no answer from the KDC)",
			 cfg->hostname, cfg->deadline.seconds);
	else
		snprintf(msg, sizeof(msg), "%s: %s", cfg->hostname, err.msg);
	kerb_creds_free(c);
	*rc = mp_print_status(CHECK_PREFIX, timed_out ? cfg->deadline.state :
				MP_CRITICAL, msg, NULL);
	return -1;
}

/* -e found nothing the probes can use: that is the result. */
static int print_discovery_failure(const struct check_discovery *d,
				   const struct probe_config *cfg)
{
	struct mp_output out;
	int rc;

	mp_output_init(&out, CHECK_PREFIX);
	mp_output_set_state(&out, check_discovery_failure(d, cfg, &out));
	add_perf(&out, "autodiscover_time", d->res.seconds, "s", NULL, 1, 0);
	rc = mp_output_print(&out);
	mp_output_free(&out);
	return rc;
}

static int run_probes(const struct probe_config *cfg, int64_t deadline,
		      const struct check_discovery *d)
{
	struct probe_target target;
	struct probe_result res[2];
	struct verdict v;
	struct rpe_error err = { 0, "" };
	char path[1024], msg[RPE_ERRMSG_MAX + 32];
	int n, rc;

	fill_target(cfg, &target, path, sizeof(path));
	if (kerberos_prepare(cfg, deadline, &target.kerb, &rc) < 0)
		return rc;
	n = select_probes(cfg, res);
	if (probe_run(&target, res, n, deadline, cfg->verbose,
		      cfg->verbose >= 2 ? check_trace_stderr : NULL, NULL,
		      &err) < 0) {
		snprintf(msg, sizeof(msg), "cannot run the probes: %s", err.msg);
		kerb_creds_free(target.kerb);
		return mp_print_status(CHECK_PREFIX, MP_UNKNOWN, msg, NULL);
	}
	kerb_creds_free(target.kerb);
	judge(cfg, res, n, &v);
	return print_verdict(&v, res, n, cfg, d);
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
		snprintf(msg, sizeof(msg), "cannot run Autodiscover: %s", err.msg);
		rc = mp_print_status(CHECK_PREFIX, MP_UNKNOWN, msg, NULL);
	} else if (rc > 0) {
		rc = print_discovery_failure(&d, cfg);
	} else {
		rc = run_probes(&eff, deadline, &d);
	}
	check_discovery_free(&d);
	return rc;
}
