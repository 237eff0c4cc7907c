/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From a validated configuration to the plugin's output: run the probes,
 * judge them, print the status line, long output and perfdata. */
#include "config.h"

#include "check_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emsmdb.h"
#include "mp.h"
#include "probe.h"
#include "verdict.h"

static void trace_stderr(void *ctx, int level, const char *line)
{
	(void)ctx;
	(void)level;
	/* Traces go to stderr so the first line on stdout stays the status
	 * line; they never contain credentials (see transport_http.c). */
	fprintf(stderr, "[trace] %s\n", line);
}

static enum http_auth map_auth(enum cfg_http_auth a)
{
	switch (a) {
	case CFG_HTTP_AUTH_BASIC: return HTTP_AUTH_BASIC;
	case CFG_HTTP_AUTH_NTLM: return HTTP_AUTH_NTLM;
	case CFG_HTTP_AUTH_NEGOTIATE: return HTTP_AUTH_NEGOTIATE;
	case CFG_HTTP_AUTH_ANY: break;
	}
	return HTTP_AUTH_ANY;
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

int check_run(const struct probe_config *cfg)
{
	struct probe_target target;
	struct probe_result res[2];
	struct mp_output out;
	struct verdict v;
	struct verdict_input vin;
	struct rpe_error err = { 0, "" };
	char path[1024], why[96], num[64];
	const struct probe_result *enc = NULL, *unenc = NULL;
	int n = 0, i, rc, run_enc, run_unenc, timing_state;
	int64_t deadline_ms;
	double slowest = -1;

	memset(&target, 0, sizeof(target));
	memset(res, 0, sizeof(res));
	snprintf(path, sizeof(path), "%s?%s:%u", cfg->proxy_path,
		 cfg->rpc_server, cfg->rpc_port);
	target.http.host = cfg->hostname;
	target.http.connect_ip = cfg->ip_address;
	target.http.port = (long)cfg->port;
	target.http.tls = cfg->tls;
	target.http.path = path;
	target.http.user = cfg->user;
	target.http.password = cfg->password;
	target.http.auth = map_auth(cfg->http_auth);
	target.http.ca_file = cfg->ca_file;
	target.http.insecure = cfg->insecure;
	target.http.client_cert = cfg->client_cert;
	target.http.client_key = cfg->client_key;
	target.http.proxy = cfg->proxy;
	target.http.ip_version = cfg->ip_family == CFG_IP_V4 ? 4 :
				 cfg->ip_family == CFG_IP_V6 ? 6 : 0;
	target.transport = cfg->transport == CFG_TRANSPORT_TCP ?
				   PROBE_TRANSPORT_TCP : PROBE_TRANSPORT_HTTP;
	target.tcp.host = cfg->hostname;
	target.tcp.connect_ip = cfg->ip_address;
	target.tcp.port = (long)cfg->port;
	target.tcp.ip_version = target.http.ip_version;
	target.tcp_port = cfg->transport == CFG_TRANSPORT_TCP &&
				  cfg->rpc_port_given ? (long)cfg->rpc_port : 0;
	target.rpc_server = cfg->rpc_server;
	target.rpc_port = (long)cfg->rpc_port;
	target.proxy_path = cfg->proxy_path;
	/* NTLM takes "user@domain" whole with an empty domain (MS-NLMP
	 * 3.1.5.1.2 UPN logons); DOMAIN\user is split. */
	if (cfg->user_form == CFG_USER_UPN) {
		target.user = cfg->user;
		target.domain = "";
	} else {
		target.user = cfg->username;
		target.domain = cfg->domain;
	}
	target.password = cfg->password;
	target.mailbox_dn = cfg->mailbox_dn;
	if (emsmdb_parse_version(cfg->client_version, target.client_version) < 0) {
		printf("RPC ENCRYPTION UNKNOWN - invalid --client-version '%s'\n",
		       cfg->client_version);
		return MP_UNKNOWN;
	}

	run_enc = cfg->probe != CFG_PROBE_UNENCRYPTED;
	run_unenc = cfg->probe != CFG_PROBE_ENCRYPTED;
	if (run_enc) {
		res[n].label = "encrypted";
		res[n].level = PROBE_LEVEL_PRIVACY;
		n++;
	}
	if (run_unenc) {
		res[n].label = "unencrypted";
		res[n].level = cfg->unencrypted_level == CFG_UNENC_INTEGRITY ?
				       PROBE_LEVEL_INTEGRITY :
				       PROBE_LEVEL_CONNECT;
		n++;
	}

	deadline_ms = probe_now_ms() + mp_deadline_remaining_ms(&cfg->deadline);
	rc = probe_run(&target, res, n, deadline_ms, cfg->verbose,
		       cfg->verbose >= 2 ? trace_stderr : NULL, NULL, &err);
	if (rc < 0) {
		printf("RPC ENCRYPTION UNKNOWN - cannot run the probes: %s\n",
		       err.msg);
		return MP_UNKNOWN;
	}
	for (i = 0; i < n; i++) {
		if (res[i].level == PROBE_LEVEL_PRIVACY)
			enc = &res[i];
		else
			unenc = &res[i];
	}

	memset(&vin, 0, sizeof(vin));
	vin.host = cfg->hostname;
	vin.rpc_server = cfg->rpc_server;
	vin.expect = cfg->expect == CFG_EXPECT_OPTIONAL ? EXPECT_OPTIONAL :
		     cfg->expect == CFG_EXPECT_ANY ? EXPECT_ANY : EXPECT_REQUIRED;
	vin.probes = cfg->probe == CFG_PROBE_ENCRYPTED ? PROBES_ENCRYPTED :
		     cfg->probe == CFG_PROBE_UNENCRYPTED ? PROBES_UNENCRYPTED :
		     PROBES_BOTH;
	vin.encrypted = enc;
	vin.unencrypted = unenc;
	vin.timeout_state = (int)cfg->deadline.state;
	vin.timeout_seconds = cfg->deadline.seconds;
	vin.mailbox = cfg->mailbox_dn;
	vin.client_version = cfg->client_version;
	verdict_decide(&vin, &v);

	/* -w/-c judge the slowest probe that got an answer from the store. */
	for (i = 0; i < n; i++) {
		if (res[i].outcome != OUTCOME_LOGON_OK &&
		    res[i].outcome != OUTCOME_LOGON_NOT_ENCRYPTED)
			continue;
		if (res[i].total_time > slowest)
			slowest = res[i].total_time;
	}
	if (slowest >= 0) {
		timing_state = (int)mp_thresholds_status(&cfg->thresholds, slowest);
		mp_format_number(slowest, num, sizeof(num));
		snprintf(why, sizeof(why), "slowest probe %ss", num);
		verdict_apply_timing(&v, timing_state, why);
	}

	mp_output_init(&out, "RPC ENCRYPTION");
	mp_output_set_state(&out, (enum mp_state)v.state);
	mp_output_summary(&out, "%s", v.summary);
	for (i = 0; i < v.nlines; i++)
		mp_output_line(&out, "%s", v.lines[i]);
	for (i = 0; i < n; i++)
		probe_perf(&out, &res[i], &cfg->thresholds);
	add_perf(&out, "encryption_enforced",
		 v.enforced < 0 ? NAN : (double)v.enforced, "", NULL, 1, 1);
	mp_output_print(&out);
	mp_output_free(&out);
	return (int)v.state;
}
