/* SPDX-License-Identifier: GPL-3.0-or-later */
/* -e: Autodiscover before the probes; see check_autodiscover.h. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "check_autodiscover.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check_common.h"
#include "crypto.h"
#include "loop.h"

static void params_of(const struct probe_config *cfg, int64_t deadline_ms,
		      struct autodiscover_params *p)
{
	memset(p, 0, sizeof(*p));
	p->email = cfg->email;
	p->pinned_url = cfg->autodiscover_url;
	/* The RPC proxy's credentials, TLS checks, proxy and address family. */
	check_http_common(cfg, &p->http);
	p->nameserver = cfg->autodiscover_dns;
	p->connect_to = cfg->autodiscover_connect_to_n ?
				(const char *const *)cfg->autodiscover_connect_to :
				NULL;
	p->deadline_ms = deadline_ms;
	p->mapi_http = cfg->transport == PROBE_TRANSPORT_MAPI;
	if (crypto_random(&p->rnd, sizeof(p->rnd), NULL) < 0)
		p->rnd = 0;
}

/* AuthPackage of EXPR (MS-OXDSCLI 2.2.4.1.1.2.6) to --http-auth.
 * Negotiate and Kerberos stay "any" (NTLM if offered, else Basic): IIS
 * offers NTLM with them, and Kerberos is asked for with --http-auth. */
static enum http_auth auth_of(enum autodiscover_auth a)
{
	return a == AUTODISCOVER_AUTH_BASIC ? HTTP_AUTH_BASIC :
	       a == AUTODISCOVER_AUTH_NTLM  ? HTTP_AUTH_NTLM :
					      HTTP_AUTH_ANY;
}

/* The Autodiscover URL's port, when it names the RPC proxy's host: labs
 * and tests publish both on one non-standard port. */
static unsigned port_of(const struct check_discovery *d, const char *host)
{
	char canon[AUTODISCOVER_URL_MAX], uhost[AUTODISCOVER_HOST_MAX];
	const char *colon;
	unsigned port = 0;

	if (autodiscover_url_canon(d->res.url, NULL, false, canon, sizeof(canon),
				   uhost, sizeof(uhost), NULL) < 0 ||
	    strcasecmp(uhost, host) != 0)
		return 0;
	colon = strchr(canon + strlen("https://"), ':');
	if (colon && sscanf(colon + 1, "%u", &port) != 1)
		port = 0;
	return port;
}

/* The answer cannot drive the probes: say why; returns 1. */
static int unusable(struct check_discovery *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int unusable(struct check_discovery *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->failure, sizeof(d->failure), fmt, ap);
	va_end(ap);
	return 1;
}

/* --transport mapi: https://HOST[:PORT]/mapi/emsmdb/?MailboxId=GUID@domain,
 * the mapiHttp MailStore URL (ExternalUrl, else InternalUrl). */
static int mapi_store(struct check_discovery *d)
{
	const struct autodiscover_response *r = &d->res.resp;
	char canon[AUTODISCOVER_URL_MAX];
	const char *hp, *q, *id;
	size_t n;
	struct rpe_error e;

	if (!r->mapi_http || !*r->mapi_http_url)
		return unusable(d,
				"Autodiscover offers no MAPI over HTTP for this mailbox (no mapiHttp Protocol with a MailStore URL): check Set-OrganizationConfig -MapiHttpEnabled and Get-MapiVirtualDirectory, or give -H and --rpc-server");
	d->failure_unknown = 1;
	if (autodiscover_url_canon(r->mapi_http_url, NULL, false, canon,
				   sizeof(canon), d->mapi_host,
				   sizeof(d->mapi_host), &e) < 0)
		return unusable(d,
				"Autodiscover's MAPI over HTTP URL unusable: %s",
				e.msg);
	hp = canon + strlen("https://");
	n = strcspn(hp, "/?");
	q = memchr(hp, ':', n);
	if (hp[0] != '[' && q && sscanf(q + 1, "%u", &d->mapi_port) != 1)
		d->mapi_port = 0;
	/* The query's MailboxId parameter, its name in any case. */
	for (id = NULL, q = strchr(hp, '?'); q && *q && !id; q++)
		if ((q[0] == '?' || q[0] == '&') &&
		    strncasecmp(q + 1, "MailboxId=", 10) == 0)
			id = q + 1;
	if (!id)
		return unusable(d,
				"Autodiscover's MAPI over HTTP URL %.300s names no MailboxId",
				canon);
	id += strlen("MailboxId=");
	snprintf(d->mapi_id, sizeof(d->mapi_id), "%.*s", (int)strcspn(id, "&#"),
		 id);
	d->failure_unknown = 0;
	return 0;
}

static int apply_names(const struct probe_config *cfg,
		       struct check_discovery *d, struct probe_config *eff)
{
	const struct autodiscover_response *r = &d->res.resp;
	struct rpe_error e;
	int mapi = cfg->transport == PROBE_TRANSPORT_MAPI;

	d->host_from = cfg->hostname ? "given" : "Protocol EXPR Server";
	if (mapi && mapi_store(d))
		return 1;
	if (!cfg->hostname && mapi) {
		eff->hostname = d->mapi_host;
		d->host_from = "mapiHttp MailStore URL";
	} else if (!cfg->hostname && cfg->transport == PROBE_TRANSPORT_TCP) {
		/* RPC over TCP goes to the mailbox server itself. */
		if (!*r->exch_server || r->exch_server_is_guid)
			return unusable(d, "Autodiscover names no RPC/TCP "
					   "server (Exchange 2013 and later have "
					   "none): give -H");
		eff->hostname = (char *)r->exch_server;
		d->host_from = "Protocol EXCH Server";
	} else if (!cfg->hostname) {
		eff->hostname = (char *)r->expr_server;
	}
	/* A value no connection can be made with (host:port, a path):
	 * the check cannot run, as with the same -H. */
	d->failure_unknown = 1;
	if (cfg_check_host("host name", eff->hostname, &e) < 0)
		return unusable(d, "Autodiscover answer unusable: %s", e.msg);
	d->failure_unknown = 0;
	d->dn_from = cfg->mailbox_dn ? "given" : "User LegacyDN";
	if (!cfg->mailbox_dn)
		eff->mailbox_dn = (char *)r->legacy_dn;
	if (!*eff->mailbox_dn || cfg_check_mailbox_dn(eff->mailbox_dn, &e) < 0)
		return unusable(d,
				"Autodiscover gave no usable LegacyDN for "
				"%s: give -m",
				cfg->email);
	d->remote_from = cfg->rpc_server ? "given" :
			 mapi            ? "mapiHttp MailboxId" :
			 *r->exch_server ? "Protocol EXCH Server" :
					   "the RPC proxy";
	if (!cfg->rpc_server)
		eff->rpc_server = mapi            ? d->mapi_id :
				  *r->exch_server ? (char *)r->exch_server :
						    eff->hostname;
	if (cfg_check_rpc_server(eff->rpc_server, &eff->rpc_server_mailbox, &e) <
		    0 ||
	    (mapi && !eff->rpc_server_mailbox &&
	     rpe_fail(&e, RPE_ERR_ARG, "MailboxId %s is not a GUID@domain",
		      eff->rpc_server) < 0)) {
		d->failure_unknown = 1;
		return unusable(d, "Autodiscover answer unusable: %s", e.msg);
	}
	return 0;
}

static void apply_transport(const struct probe_config *cfg,
			    struct check_discovery *d, struct probe_config *eff)
{
	unsigned port;

	d->auth_from = cfg->http_auth_given ? "given" :
		       d->res.resp.expr_auth == AUTODISCOVER_AUTH_UNSPECIFIED ?
					      "default" :
					      "AuthPackage";
	if (!cfg->http_auth_given)
		eff->http_auth = auth_of(d->res.resp.expr_auth);
	d->port_from = cfg->port_given ? "given" : "default";
	if (cfg->port_given || cfg->transport == PROBE_TRANSPORT_TCP)
		return;
	/* The canonical URL always names a port: 443 is the default one. */
	if (cfg->transport == PROBE_TRANSPORT_MAPI && d->mapi_port &&
	    d->mapi_port != 443 && !cfg->hostname) {
		eff->port = d->mapi_port;
		d->port_from = "the MAPI over HTTP URL";
		return;
	}
	port = port_of(d, eff->hostname);
	if (port) {
		eff->port = port;
		d->port_from = "the Autodiscover URL";
	}
}

int check_discover(const struct probe_config *cfg, int64_t deadline_ms,
		   struct check_discovery *d, struct probe_config *eff,
		   struct rpe_error *err)
{
	struct autodiscover_params p;
	struct loop *loop;
	int rc;

	memset(d, 0, sizeof(*d));
	*eff = *cfg;
	params_of(cfg, deadline_ms, &p);
	/* A loop of its own: the probes' channels start after it is done. */
	loop = loop_new(err);
	if (!loop)
		return err->code;
	if (cfg->verbose >= 2)
		loop_set_trace(loop, cfg->verbose, check_trace_stderr, NULL);
	rc = autodiscover_run(loop, &p, &d->res, err);
	loop_free(loop);
	if (rc < 0)
		return rc;
	if (d->res.state != 1)
		return 1;
	if (apply_names(cfg, d, eff))
		return 1;
	apply_transport(cfg, d, eff);
	return 0;
}

void check_discovery_free(struct check_discovery *d)
{
	autodiscover_result_free(&d->res);
}

static void trail_lines(const struct check_discovery *d, struct mp_sub *s)
{
	const char *p = d->res.trail ? d->res.trail : "";

	while (*p) {
		size_t n = strcspn(p, "\n");
		mp_sub_note(s, "  %.*s", (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
}

struct mp_sub *check_discovery_failure(const struct check_discovery *d,
				       const struct probe_config *cfg,
				       struct mp_output *o)
{
	enum mp_state st = MP_CRITICAL;
	struct mp_sub *s;

	if (d->res.state == 1) {
		if (d->failure_unknown)
			st = MP_UNKNOWN;
		mp_output_summary(o, "Autodiscover for %s: %s", cfg->email,
				  d->failure);
	} else if (d->res.fail == AUTODISCOVER_FAIL_TIMEOUT) {
		st = cfg->deadline.state;
		mp_output_summary(o, "Autodiscover timed out after %gs: %s",
				  cfg->deadline.seconds, d->res.msg);
	} else {
		mp_output_summary(o, "Autodiscover for %s failed (%s): %s",
				  cfg->email, autodiscover_fail_name(d->res.fail),
				  d->res.msg);
	}
	mp_output_set_state(o, st);
	s = mp_sub_add(o, NULL, st,
		       "Autodiscover for %s: %u request(s) in %.3fs:", cfg->email,
		       d->res.requests, d->res.seconds);
	trail_lines(d, s);
	if (d->res.fail == AUTODISCOVER_FAIL_POX_ERROR)
		mp_sub_note(s,
			    "Check the address (Get-Mailbox -Identity %s) "
			    "and that the account may read it.",
			    cfg->email);
	else if (d->res.fail == AUTODISCOVER_FAIL_NO_EXPR)
		mp_sub_note(s, "Publish Outlook Anywhere (Get-OutlookAnywhere | "
			       "fl ExternalHostname,InternalHostname) or give -H "
			       "and --rpc-server.");
	else if (d->res.state != 1)
		mp_sub_note(s, "Pin the endpoint with --autodiscover-url, or "
			       "give -H, -m and --rpc-server instead of -e.");
	return s;
}

struct mp_sub *check_discovery_lines(const struct check_discovery *d,
				     const struct probe_config *eff,
				     struct mp_output *o)
{
	const struct autodiscover_response *r = &d->res.resp;
	char version[64];
	struct mp_sub *s;

	autodiscover_format_version(r, version, sizeof(version));
	s = mp_sub_add(o, NULL, MP_OK,
		       "Autodiscover: %s answered in %.3fs (%u request(s))%s%s",
		       d->res.url, d->res.seconds, d->res.requests,
		       *r->display_name ? " for " : "", r->display_name);
	if (eff->transport == PROBE_TRANSPORT_MAPI)
		mp_sub_note(s,
			    "  MAPI over HTTP MailStore %s -> -H %s port %u (%s, %s), MailboxId %s (%s)",
			    r->mapi_http_url, eff->hostname, eff->port,
			    d->host_from, d->port_from, eff->rpc_server,
			    d->remote_from);
	else
		mp_sub_note(s,
			    "  RPC proxy %s port %u (%s, %s), SSL %s, AuthPackage %s "
			    "-> --http-auth %s (%s)",
			    eff->hostname, eff->port, d->host_from,
			    d->port_from, r->expr_ssl ? "on" : "off",
			    *r->expr_auth_name ? r->expr_auth_name : "(none)",
			    eff->http_auth == HTTP_AUTH_BASIC     ? "basic" :
			    eff->http_auth == HTTP_AUTH_NTLM      ? "ntlm" :
			    eff->http_auth == HTTP_AUTH_NEGOTIATE ? "negotiate" :
								    "any",
			    d->auth_from);
	if (eff->transport != PROBE_TRANSPORT_MAPI)
		mp_sub_note(s, "  RemoteName %s (%s%s), server %s",
			    eff->rpc_server, d->remote_from,
			    eff->rpc_server_mailbox ? ", mailbox GUID" : "",
			    version);
	mp_sub_note(s,
		    "  mailbox DN %s (%s); MAPI over HTTP %s, RPC over HTTP %s",
		    eff->mailbox_dn, d->dn_from,
		    r->mapi_http ? "offered" : "not offered",
		    r->has_expr ? "offered" : "not in the answer");
	if (eff->verbose >= 1)
		trail_lines(d, s);
	return s;
}
