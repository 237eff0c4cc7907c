/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the probes and Autodiscover share; see check_common.h. */
#include "config.h"

#include "check_common.h"

#include <stdio.h>

void check_trace_stderr(void *ctx, int level, const char *line)
{
	(void)ctx;
	(void)level;
	/* Traces go to stderr so the first line on stdout stays the status
	 * line; they never contain credentials (see transport_http.c). */
	fprintf(stderr, "[trace] %s\n", line);
}

void check_http_common(const struct probe_config *cfg, struct http_params *h)
{
	h->user = cfg->user;
	h->password = cfg->password;
	/* NTLM takes "user@domain" whole with an empty domain (MS-NLMP
	 * 3.1.5.1.2 UPN logons); DOMAIN\user is split. */
	h->ntlm_user = cfg->user_form == CFG_USER_UPN ? cfg->user : cfg->username;
	h->ntlm_domain = cfg->user_form == CFG_USER_UPN ? "" : cfg->domain;
	h->auth = cfg->http_auth;
	h->ca_file = cfg->ca_file;
	h->insecure = cfg->insecure;
	h->client_cert = cfg->client_cert;
	h->client_key = cfg->client_key;
	h->proxy = cfg->proxy;
	h->ip_version = cfg->ip_version;
}
