/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the Autodiscover POX response parser (MS-OXDSCLI 2.2.4)
 * and what a run does with an answer (redirect checks, version text, the
 * session's verdict). */
#include <stdlib.h>
#include <string.h>

#include "autodiscover.h"
#include "autodiscover_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same bytes as the answer to a pinned POST, then to the next request
 * the run asks for, a few times. */
static void session(const uint8_t *data, size_t size)
{
	struct autodiscover_session *s;
	struct autodiscover_request req;
	struct autodiscover_outcome o = { 0 };
	struct rpe_error err;
	int i;

	s = autodiscover_session_new("monitor@example.test",
				     "https://ad.example.test/autodiscover/autodiscover.xml",
				     &err);
	if (!s)
		abort();
	o.status = 200;
	o.body = data;
	o.len = size;
	for (i = 0; i < 4 && autodiscover_session_next(s, &req) == 1; i++)
		autodiscover_session_feed(s, req.id, &o);
	(void)autodiscover_session_trail(s);
	autodiscover_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct autodiscover_response r;
	struct autodiscover_walk *w;
	struct rpe_error err;
	char url[AUTODISCOVER_URL_MAX], v[64];

	session(data, size);
	if (autodiscover_parse_response(data, size, &r, &err) < 0)
		return 0;
	if (strlen(r.legacy_dn) >= sizeof(r.legacy_dn) ||
	    strlen(r.error_message) >= sizeof(r.error_message))
		abort();
	autodiscover_format_version(&r, v, sizeof(v));
	(void)autodiscover_auth_name(r.expr_auth);
	w = autodiscover_walk_new("monitor@example.test", &err);
	if (!w)
		abort();
	if (r.action == AUTODISCOVER_ACTION_REDIRECT_URL &&
	    autodiscover_walk_redirect_url(w, r.redirect, NULL, url,
					   sizeof(url), &err) == 0)
		(void)autodiscover_walk_visit(w, AUTODISCOVER_STEP_POST, url,
					      &err);
	if (r.action == AUTODISCOVER_ACTION_REDIRECT_ADDR)
		(void)autodiscover_walk_redirect_addr(w, r.redirect, &err);
	autodiscover_walk_free(w);
	return 0;
}
