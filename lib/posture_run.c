/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --posture on the wire; see posture_run.h. */
#include "posture_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "transport_request.h"
#include "transport_tlsprobe.h"

/* The answer bodies are not read; a short cap keeps them cheap. */
#define POSTURE_MAX_BODY 65536

enum job_kind { JOB_DOOR, JOB_TLS, JOB_VERIFY };

struct job {
	struct posture_run *pr;
	struct posture_site *site;
	enum job_kind kind;
	enum posture_door door; /* JOB_DOOR */
	int ep;                 /* JOB_DOOR: the NTLM logon without binding
				    * (else the request without credentials) */
	int version;            /* JOB_TLS: enum posture_tls_version */
	char url[1100];
	char name[40];
	struct http_request *rq;
	struct tls_probe *tp;
	int finished;
};

struct posture_run {
	struct posture_options opt;
	struct job *jobs;
	int njobs;
	struct loop *loop;
};

/* The requests a site needs, in jobs (NULL: count only). */
static int plan_site(const struct posture_options *o, struct posture_site *s,
		     struct job *jobs)
{
	const char *url[POSTURE_DOOR_COUNT] = { NULL };
	int n = 0, d, v;

	url[POSTURE_DOOR_RPC] = s->rpc_path;
	url[POSTURE_DOOR_MAPI] = s->mapi_path;
	url[POSTURE_DOOR_AUTODISCOVER] = s->autodiscover_url;
	for (d = 0; d < POSTURE_DOOR_COUNT; d++) {
		if (!url[d])
			continue;
		s->in.door[d].used = 1;
		if (o->checks & (POSTURE_AUTH | POSTURE_BUILD)) {
			if (jobs) {
				jobs[n].kind = JOB_DOOR;
				jobs[n].door = (enum posture_door)d;
			}
			n++;
		}
		/* Over TLS only: plain HTTP has no channel binding. */
		if ((o->checks & POSTURE_EP) && s->http.tls) {
			if (jobs) {
				jobs[n].kind = JOB_DOOR;
				jobs[n].door = (enum posture_door)d;
				jobs[n].ep = 1;
			}
			n++;
		}
	}
	if (!s->http.tls)
		return n;
	if (o->checks & POSTURE_TLS)
		for (v = 0; v < o->tls_floor; v++) {
			if (jobs) {
				jobs[n].kind = JOB_TLS;
				jobs[n].version = v;
			}
			n++;
		}
	if ((o->checks & POSTURE_CERT) && s->http.insecure) {
		if (jobs)
			jobs[n].kind = JOB_VERIFY;
		n++;
	}
	return n;
}

struct posture_run *posture_run_new(const struct posture_options *o,
				    struct posture_site *const *sites, int n,
				    struct rpe_error *err)
{
	struct posture_run *pr = calloc(1, sizeof(*pr));
	int i, total = 0;

	if (!pr) {
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pr->opt = *o;
	for (i = 0; i < n; i++) {
		sites[i]->in.tls = sites[i]->http.tls;
		sites[i]->in.insecure = sites[i]->http.insecure;
		total += plan_site(o, sites[i], NULL);
	}
	pr->jobs = calloc((size_t)(total ? total : 1), sizeof(*pr->jobs));
	if (!pr->jobs) {
		free(pr);
		rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		int k, m = plan_site(o, sites[i], pr->jobs + pr->njobs);
		for (k = 0; k < m; k++) {
			pr->jobs[pr->njobs + k].pr = pr;
			pr->jobs[pr->njobs + k].site = sites[i];
		}
		pr->njobs += m;
	}
	return pr;
}

/* Doors --------------------------------------------------------------------- */

static void door_done(void *ctx, struct http_request *rq, enum loop_result res,
		      long status, const char *msg)
{
	struct job *j = ctx;
	struct posture_door_seen *s = &j->site->in.door[j->door];

	int answered = status > 0 &&
		       (res == LOOP_RES_EOF || res == LOOP_RES_HTTP_STATUS ||
			res == LOOP_RES_AUTH_FAILED);

	j->finished = 1;
	if (http_request_header(rq)[0])
		snprintf(s->owa_version, sizeof(s->owa_version), "%s",
			 http_request_header(rq));
	if (j->ep) {
		snprintf(s->ep_offered, sizeof(s->ep_offered), "%s",
			 http_request_auth_offered(rq));
		s->ep_sent = http_request_sent_credentials(rq);
		s->ep_answered = answered;
		s->ep_status = status;
		if (!answered || res == LOOP_RES_AUTH_FAILED)
			snprintf(s->ep_error, sizeof(s->ep_error), "%s", msg);
	} else {
		snprintf(s->offered, sizeof(s->offered), "%s",
			 http_request_auth_offered(rq));
		s->answered = answered;
		if (!answered)
			snprintf(s->error, sizeof(s->error), "%s", msg);
	}
	loop_wake(j->pr->loop);
}

static int door_url(struct job *j)
{
	const struct posture_site *s = j->site;
	char hp[600];

	if (j->door == POSTURE_DOOR_AUTODISCOVER) {
		snprintf(j->url, sizeof(j->url), "%s", s->autodiscover_url);
		return 0;
	}
	if (loop_hostport(hp, sizeof(hp), s->http.host, s->http.port) < 0)
		return -1;
	snprintf(j->url, sizeof(j->url), "%s://%s%s",
		 s->http.tls ? "https" : "http", hp,
		 j->door == POSTURE_DOOR_MAPI ? s->mapi_path : s->rpc_path);
	return 0;
}

static int door_start(struct job *j, struct rpe_error *err)
{
	/* What an RPC proxy channel request carries (MS-RPCH 2.1.2.1.1). */
	static const char *const rpc_headers[] = {
		"Accept: application/rpc",
		"Cache-Control: no-cache",
		"Pragma: no-cache",
		NULL,
	};
	const struct posture_site *s = j->site;
	struct http_request_spec spec;
	struct http_request_cb cb = { j, door_done };
	struct http_params p;

	memset(&spec, 0, sizeof(spec));
	p = j->door == POSTURE_DOOR_AUTODISCOVER && s->autodiscover_http ?
		    *s->autodiscover_http :
		    s->http;
	if (door_url(j) < 0)
		return rpe_fail(err, RPE_ERR_ARG, "URL too long");
	if (j->door == POSTURE_DOOR_AUTODISCOVER) {
		/* The URL says where; -I names the RPC proxy's address. */
		p.connect_ip = NULL;
		p.tls = strncmp(j->url, "https:", 6) == 0;
	}
	/* Our NTLM only, unbound; no credentials at all without the
	 * Extended Protection check. */
	p.auth = HTTP_AUTH_NTLM;
	if (!j->ep)
		p.user = NULL;
	else if (!p.user || !p.password)
		/* Kerberos from a keytab or a credentials cache: NTLM has
		 * nothing to log on with, and a wrong logon proves nothing. */
		return rpe_fail(err, RPE_ERR_ARG,
				"no password for an NTLM logon (Kerberos credentials only)");
	spec.method = j->door == POSTURE_DOOR_RPC ? "RPC_IN_DATA" : "POST";
	spec.url = j->url;
	snprintf(j->name, sizeof(j->name), "posture %s%s",
		 posture_door_info(j->door)->name, j->ep ? " EP" : "");
	spec.name = j->name;
	spec.body = (const uint8_t *)"";
	spec.len = 0;
	spec.headers = j->door == POSTURE_DOOR_RPC ? rpc_headers : NULL;
	spec.max_body = POSTURE_MAX_BODY;
	spec.ntlm_unbound = 1;
	if (j->door == POSTURE_DOOR_AUTODISCOVER)
		spec.connect_to = s->autodiscover_connect_to;
	spec.keep_header = "X-OWA-Version";
	j->rq = http_request_open(j->pr->loop, &p, &spec, &cb, err);
	return j->rq ? 0 : -1;
}

/* TLS handshakes ----------------------------------------------------------- */

static void tls_done(void *ctx, struct tls_probe *tp, int ok,
		     enum loop_result res, const char *version,
		     const char *cipher, const char *msg)
{
	struct job *j = ctx;
	struct posture_tls_seen *t = &j->site->in.tls_seen;

	(void)tp;
	(void)res;
	(void)version;
	j->finished = 1;
	if (j->kind == JOB_VERIFY) {
		t->verify_tried = 1;
		t->verify_failed = !ok;
		if (!ok)
			snprintf(t->verify_error, sizeof(t->verify_error), "%s",
				 msg);
	} else {
		t->tried[j->version] = 1;
		t->accepted[j->version] = ok;
		snprintf(t->cipher[j->version], sizeof(t->cipher[0]), "%s",
			 cipher ? cipher : "");
		snprintf(t->error[j->version], sizeof(t->error[0]), "%s", msg);
	}
	loop_wake(j->pr->loop);
}

static int tls_start(struct job *j, struct rpe_error *err)
{
	static const enum tls_probe_version v[POSTURE_TLS_COUNT] = {
		TLS_PROBE_10,
		TLS_PROBE_11,
		TLS_PROBE_12,
		TLS_PROBE_13,
	};
	struct tls_probe_cb cb = { j, tls_done };
	struct tls_probe_params p;
	char name[32];

	memset(&p, 0, sizeof(p));
	p.http = &j->site->http;
	if (j->kind == JOB_VERIFY) {
		p.version = TLS_PROBE_ANY;
		p.verify = 1;
		p.name = "posture verify";
	} else {
		p.version = v[j->version];
		snprintf(name, sizeof(name), "posture %s",
			 posture_tls_name(j->version));
		p.name = name;
	}
	j->tp = tls_probe_open(j->pr->loop, &p, &cb, err);
	return j->tp ? 0 : -1;
}

/* The companion ------------------------------------------------------------- */

/* A request that cannot even start is that check's "not testable". */
static void job_failed(struct job *j, const char *msg)
{
	struct posture_input *in = &j->site->in;

	j->finished = 1;
	if (j->kind == JOB_DOOR && j->ep)
		snprintf(in->door[j->door].ep_error,
			 sizeof(in->door[0].ep_error), "%s", msg);
	else if (j->kind == JOB_DOOR)
		snprintf(in->door[j->door].error, sizeof(in->door[0].error),
			 "%s", msg);
	else if (j->kind == JOB_VERIFY)
		snprintf(in->tls_seen.verify_error,
			 sizeof(in->tls_seen.verify_error), "%s", msg);
}

static int comp_start(void *ctx, struct loop *loop, int64_t deadline_ms,
		      struct rpe_error *err)
{
	struct posture_run *pr = ctx;
	int i;

	(void)deadline_ms;
	pr->loop = loop;
	for (i = 0; i < pr->njobs; i++) {
		struct job *j = &pr->jobs[i];
		struct rpe_error e = { 0, "" };
		int rc = j->kind == JOB_DOOR ? door_start(j, &e) :
					       tls_start(j, &e);
		if (rc < 0 && e.code == RPE_ERR_NOMEM)
			return rpe_fail(err, RPE_ERR_NOMEM, "out of memory");
		if (rc < 0)
			job_failed(j, e.msg);
	}
	return 0;
}

static int comp_busy(void *ctx)
{
	struct posture_run *pr = ctx;
	int i;

	for (i = 0; i < pr->njobs; i++)
		if (!pr->jobs[i].finished)
			return 1;
	return 0;
}

static void comp_stop(void *ctx)
{
	struct posture_run *pr = ctx;
	int i;

	for (i = 0; i < pr->njobs; i++) {
		struct job *j = &pr->jobs[i];
		if (!j->finished && j->kind == JOB_DOOR && j->ep)
			j->site->in.door[j->door].ep_timed_out = 1;
		else if (!j->finished && j->kind == JOB_DOOR)
			j->site->in.door[j->door].timed_out = 1;
		http_request_close(j->rq);
		tls_probe_close(j->tp);
		j->rq = NULL;
		j->tp = NULL;
	}
	pr->loop = NULL;
}

void posture_run_companion(struct posture_run *pr, struct probe_companion *c)
{
	c->ctx = pr;
	c->start = comp_start;
	c->busy = comp_busy;
	c->stop = comp_stop;
}

void posture_run_free(struct posture_run *pr)
{
	if (!pr)
		return;
	free(pr->jobs);
	free(pr);
}
