/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the Autodiscover POX response parser (MS-OXDSCLI 2.2.4)
 * and what the driver does with its result (redirect checks, version text). */
#include <stdlib.h>
#include <string.h>

#include "autodiscover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct autodiscover_response r;
	struct autodiscover_walk *w;
	struct rpe_error err;
	char url[AUTODISCOVER_URL_MAX], v[64];

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
	    autodiscover_walk_redirect_url(w, r.redirect, NULL, url, sizeof(url),
					   &err) == 0)
		(void)autodiscover_walk_visit(w, AUTODISCOVER_STEP_POST, url, &err);
	if (r.action == AUTODISCOVER_ACTION_REDIRECT_ADDR)
		(void)autodiscover_walk_redirect_addr(w, r.redirect, &err);
	autodiscover_walk_free(w);
	return 0;
}
