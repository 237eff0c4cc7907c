/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --posture: option parsing, the build table, each check's judgement
 * (lib/posture) and how findings raise the verdict (lib/verdict). */
#include "posture.h"
#include "verdict.h"

#include <math.h>
#include <stdio.h>

#include "t.h"

static const struct posture_item *find(const struct posture_report *r,
				       unsigned check, enum posture_status st)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->item[i].check == check && r->item[i].status == st)
			return &r->item[i];
	return NULL;
}

static const struct posture_item *perf_item(const struct posture_report *r,
					    const char *label)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->item[i].perf_label, label) == 0)
			return &r->item[i];
	return NULL;
}

/* A server as the "good" row: /rpc with EP required and NTLM
 * only, TLS 1.0/1.1 refused, RSA 2048 with SHA-256. */
static void good(struct posture_input *in, struct cert_strength *c)
{
	memset(in, 0, sizeof(*in));
	memset(c, 0, sizeof(*c));
	in->server = "EXCH01";
	in->tls = 1;
	in->door[POSTURE_DOOR_RPC].used = 1;
	in->door[POSTURE_DOOR_RPC].answered = 1;
	snprintf(in->door[POSTURE_DOOR_RPC].offered, 96, "Negotiate, NTLM");
	in->door[POSTURE_DOOR_RPC].ep_answered = 1;
	in->door[POSTURE_DOOR_RPC].ep_sent = 1;
	in->door[POSTURE_DOOR_RPC].ep_status = 401;
	in->door[POSTURE_DOOR_RPC].bound_ok = 1;
	snprintf(in->door[POSTURE_DOOR_RPC].owa_version, 32, "15.2.1748.10");
	in->tls_seen.tried[POSTURE_TLS10] = in->tls_seen.tried[POSTURE_TLS11] = 1;
	snprintf(in->probe_tls, sizeof(in->probe_tls), "TLSv1.3");
	c->have = 1;
	snprintf(c->key_type, sizeof(c->key_type), "RSA");
	c->key_bits = 2048;
	c->n = 1;
	snprintf(c->digest[0], sizeof(c->digest[0]), "SHA256");
	in->cert = c;
}

static const struct posture_options all = { POSTURE_ALL, 0, POSTURE_TLS12 };

static void test_options(void)
{
	struct rpe_error err = { 0, "" };
	unsigned bits = 0;
	int v = -1;

	CHECK_INT(posture_parse_checks(NULL, &bits, &err), 0);
	CHECK_INT(bits, POSTURE_ALL);
	bits = 0;
	CHECK_INT(posture_parse_checks("all", &bits, &err), 0);
	CHECK_INT(bits, POSTURE_ALL);
	CHECK_INT(posture_parse_checks("ep,build", &bits, &err), 0);
	CHECK_INT(bits, POSTURE_EP | POSTURE_BUILD);
	CHECK(posture_parse_checks("ep,tsl", &bits, &err) < 0);
	CHECK(strstr(err.msg, "unknown check 'tsl'") != NULL);
	CHECK(posture_parse_checks("ep,", &bits, &err) < 0);
	CHECK_INT(posture_parse_tls_floor("1.3", &v, &err), 0);
	CHECK_INT(v, POSTURE_TLS13);
	CHECK(posture_parse_tls_floor("1.4", &v, &err) < 0);
	CHECK(posture_parse_tls_floor("TLS1.2", &v, &err) < 0);
}

static void test_build(void)
{
	char name[96];

	CHECK_INT(posture_build_name("15.2.1544.4", name, sizeof(name)), 1);
	CHECK_STR(name, "Exchange 2019 CU14");
	CHECK_INT(posture_build_name("15.2.1544.14", name, sizeof(name)), 1);
	CHECK_STR(name, "Exchange 2019 CU14 with a later update");
	CHECK_INT(posture_build_name("15.1.2507.6", name, sizeof(name)), 1);
	CHECK_STR(name, "Exchange 2016 CU23");
	CHECK_INT(posture_build_name("15.2.2562.17", name, sizeof(name)), 1);
	CHECK_STR(name, "Exchange Server SE RTM");
	CHECK_INT(posture_build_name("15.2.9999.1", name, sizeof(name)), 0);
	CHECK_INT(posture_build_name("15.2.1544", name, sizeof(name)), -1);
	CHECK_INT(posture_build_name("15.2.1544.4x", name, sizeof(name)), -1);
	CHECK_INT(posture_build_name("", name, sizeof(name)), -1);
}

static void test_good_server(void)
{
	struct posture_input in;
	struct cert_strength c;
	struct posture_report r;
	const struct posture_item *it;

	good(&in, &c);
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 0);
	CHECK_INT(r.state, 0);
	CHECK(find(&r, POSTURE_EP, POSTURE_PASS) != NULL);
	CHECK(find(&r, POSTURE_AUTH, POSTURE_PASS) != NULL);
	CHECK(find(&r, POSTURE_TLS, POSTURE_PASS) != NULL);
	CHECK(find(&r, POSTURE_CERT, POSTURE_PASS) != NULL);
	it = find(&r, POSTURE_BUILD, POSTURE_INFO);
	CHECK(it && strstr(it->text, "15.2.1748.10 (Exchange 2019 CU15)"));
	it = perf_item(&r, "ep_rpc");
	CHECK(it && it->perf_value == 1);
	CHECK(it && strcmp(it->perf_alert, "1:") == 0);
	it = perf_item(&r, "basic_rpc");
	CHECK(it && it->perf_value == 0);
	it = perf_item(&r, "tls_below_floor");
	CHECK(it && it->perf_value == 0);
}

static void test_ep(void)
{
	struct posture_options crit = all;
	struct posture_input in;
	struct cert_strength c;
	struct posture_report r;
	const struct posture_item *it;

	good(&in, &c);
	in.door[POSTURE_DOOR_RPC].ep_status = 200; /* None or Allow */
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 1);
	CHECK_INT(r.state, 1);
	it = find(&r, POSTURE_EP, POSTURE_FINDING);
	CHECK(it && strstr(it->text, "Extended Protection not enforced on /rpc"));
	CHECK(it && strstr(it->text,
			   "extendedProtection.tokenChecking -Value Require"));
	CHECK(it && strcmp(it->brief,
			   "Extended Protection not enforced on /rpc") == 0);
	CHECK(it && it->perf_value == 0);
	crit.critical = 1;
	posture_evaluate(&crit, &in, &r);
	CHECK_INT(r.state, 2);

	/* No NTLM or Negotiate offered: not testable, not a finding. */
	good(&in, &c);
	snprintf(in.door[POSTURE_DOOR_RPC].offered, 96, "Basic");
	in.door[POSTURE_DOOR_RPC].ep_sent = 0;
	in.door[POSTURE_DOOR_RPC].ep_status = 401;
	posture_evaluate(&all, &in, &r);
	it = find(&r, POSTURE_EP, POSTURE_UNTESTED);
	CHECK(it &&
	      strstr(it->text,
		     "not testable: it offers no NTLM or Negotiate (offered: Basic)"));
	CHECK(it && isnan(it->perf_value));
	CHECK(find(&r, POSTURE_EP, POSTURE_FINDING) == NULL);

	/* A 401 while the run's own logon failed too proves nothing. */
	good(&in, &c);
	in.door[POSTURE_DOOR_RPC].bound_ok = 0;
	posture_evaluate(&all, &in, &r);
	CHECK(find(&r, POSTURE_EP, POSTURE_UNTESTED) != NULL);
	CHECK(find(&r, POSTURE_EP, POSTURE_PASS) == NULL);

	/* --http-auth basic or negotiate: no NTLM logon of the run's own. */
	good(&in, &c);
	in.door[POSTURE_DOOR_RPC].bound_ok = 0;
	in.door[POSTURE_DOOR_RPC].bound_none = 1;
	posture_evaluate(&all, &in, &r);
	it = find(&r, POSTURE_EP, POSTURE_UNTESTED);
	CHECK(it && strstr(it->text,
			   "no NTLM logon with channel binding there to compare"));
	in.door[POSTURE_DOOR_RPC].ep_status = 200; /* accepted proves it */
	posture_evaluate(&all, &in, &r);
	CHECK(find(&r, POSTURE_EP, POSTURE_FINDING) != NULL);

	/* Timeout and plain HTTP. */
	good(&in, &c);
	in.door[POSTURE_DOOR_RPC].ep_answered = 0;
	in.door[POSTURE_DOOR_RPC].ep_timed_out = 1;
	posture_evaluate(&all, &in, &r);
	it = find(&r, POSTURE_EP, POSTURE_UNTESTED);
	CHECK(it && strstr(it->text, "before the deadline"));
	in.tls = 0;
	posture_evaluate(&all, &in, &r);
	it = find(&r, POSTURE_EP, POSTURE_UNTESTED);
	CHECK(it && strstr(it->text, "no TLS"));

	/* Autodiscover: shown, never judged (HealthChecker: None there). */
	good(&in, &c);
	in.door[POSTURE_DOOR_AUTODISCOVER] = in.door[POSTURE_DOOR_RPC];
	in.door[POSTURE_DOOR_AUTODISCOVER].ep_status = 200;
	snprintf(in.door[POSTURE_DOOR_AUTODISCOVER].offered, 96, "NTLM, Basic");
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 0);
	it = find(&r, POSTURE_EP, POSTURE_INFO);
	CHECK(it && strstr(it->text, "not enforced on Autodiscover"));
}

static void test_auth(void)
{
	struct posture_input in;
	struct cert_strength c;
	struct posture_report r;
	const struct posture_item *it;

	good(&in, &c);
	snprintf(in.door[POSTURE_DOOR_RPC].offered, 96, "Negotiate, NTLM, Basic");
	posture_evaluate(&all, &in, &r);
	it = find(&r, POSTURE_AUTH, POSTURE_FINDING);
	CHECK(it &&
	      strstr(it->text, "Basic offered on /rpc beside NTLM/Negotiate"));
	CHECK(it &&
	      strstr(it->text,
		     "Set-OutlookAnywhere -Identity 'EXCH01\\Rpc (Default Web Site)' -IISAuthenticationMethods Negotiate,NTLM"));
	CHECK_STR(it ? it->brief : "", "Basic offered on /rpc");
	it = perf_item(&r, "basic_rpc");
	CHECK(it && it->perf_value == 1);
	/* "Basicx" is another scheme. */
	snprintf(in.door[POSTURE_DOOR_RPC].offered, 96, "NTLM, Basicx");
	posture_evaluate(&all, &in, &r);
	CHECK(find(&r, POSTURE_AUTH, POSTURE_FINDING) == NULL);
	/* Only the auth check: nothing else is judged. */
	{
		struct posture_options o = { POSTURE_AUTH, 0, POSTURE_TLS12 };
		posture_evaluate(&o, &in, &r);
		CHECK_INT(r.n, 1);
	}
}

static void test_tls(void)
{
	struct posture_options floor13 = all;
	struct posture_input in;
	struct cert_strength c;
	struct posture_report r;
	const struct posture_item *it;

	good(&in, &c);
	in.tls_seen.accepted[POSTURE_TLS10] = 1;
	snprintf(in.tls_seen.cipher[POSTURE_TLS10], 64, "ECDHE-RSA-AES128-SHA");
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 1);
	it = find(&r, POSTURE_TLS, POSTURE_FINDING);
	CHECK(it &&
	      strstr(it->text,
		     "TLS 1.0 accepted (ECDHE-RSA-AES128-SHA), below the floor TLS 1.2"));
	CHECK(it && strstr(it->text, "SCHANNEL\\Protocols\\TLS 1.0\\Server"));
	it = perf_item(&r, "tls_below_floor");
	CHECK(it && it->perf_value == 1);
	/* Floor 1.3: 1.2 is below it and was not tried: not testable. */
	floor13.tls_floor = POSTURE_TLS13;
	good(&in, &c);
	posture_evaluate(&floor13, &in, &r);
	it = find(&r, POSTURE_TLS, POSTURE_UNTESTED);
	CHECK(it && strstr(it->text, "not tried before the deadline: TLS 1.2"));
	CHECK_INT(r.findings, 0);
}

static void test_cert(void)
{
	struct posture_input in;
	struct cert_strength c;
	struct posture_report r;

	good(&in, &c);
	c.key_bits = 1024;
	posture_evaluate(&all, &in, &r);
	CHECK(find(&r, POSTURE_CERT, POSTURE_FINDING) &&
	      strstr(find(&r, POSTURE_CERT, POSTURE_FINDING)->text,
		     "RSA 1024 bits, weaker than 2048"));
	good(&in, &c);
	snprintf(c.key_type, sizeof(c.key_type), "EC");
	c.key_bits = 224;
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 1);
	good(&in, &c);
	c.n = 2;
	snprintf(c.digest[1], sizeof(c.digest[1]), "SHA1");
	snprintf(c.subject[1], sizeof(c.subject[1]), "CN=Old CA");
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 1);
	CHECK(find(&r, POSTURE_CERT, POSTURE_FINDING) &&
	      strstr(find(&r, POSTURE_CERT, POSTURE_FINDING)->text,
		     "CN=Old CA (intermediate) is signed with SHA1"));
	/* --insecure: the chain must verify without it. */
	good(&in, &c);
	in.insecure = 1;
	in.tls_seen.verify_tried = 1;
	in.tls_seen.verify_failed = 1;
	snprintf(in.tls_seen.verify_error, 160,
		 "unable to get local issuer certificate");
	posture_evaluate(&all, &in, &r);
	CHECK_INT(r.findings, 1);
	CHECK(find(&r, POSTURE_CERT, POSTURE_FINDING) &&
	      strstr(find(&r, POSTURE_CERT, POSTURE_FINDING)->text,
		     "verifies only with --insecure"));
}

static void test_verdict(void)
{
	struct posture_input in;
	struct cert_strength c;
	struct posture_report r;
	struct verdict v;

	good(&in, &c);
	in.door[POSTURE_DOOR_RPC].ep_status = 200;
	snprintf(in.door[POSTURE_DOOR_RPC].offered, 96, "NTLM, Basic");
	posture_evaluate(&all, &in, &r);
	memset(&v, 0, sizeof(v));
	snprintf(v.summary, sizeof(v.summary), "mail requires RPC encryption");
	verdict_apply_posture(&v, &r);
	CHECK_INT(v.state, MP_WARNING);
	CHECK_STR(v.summary,
		  "mail requires RPC encryption; posture: Extended Protection not enforced on /rpc, Basic offered on /rpc");
	/* A CRITICAL verdict stays CRITICAL; UNKNOWN stays UNKNOWN. */
	v.state = MP_CRITICAL;
	verdict_apply_posture(&v, &r);
	CHECK_INT(v.state, MP_CRITICAL);
	v.state = MP_UNKNOWN;
	verdict_apply_posture(&v, &r);
	CHECK_INT(v.state, MP_UNKNOWN);
}

int main(void)
{
	T_RUN(test_options);
	T_RUN(test_build);
	T_RUN(test_good_server);
	T_RUN(test_ep);
	T_RUN(test_auth);
	T_RUN(test_tls);
	T_RUN(test_cert);
	T_RUN(test_verdict);
	T_DONE();
}
