/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: DNS SRV answers for Autodiscover (RFC 2782, MS-OXDISCO
 * 3.1.5.3) and the target selection and URL made from them. */
#include <stdlib.h>
#include <string.h>

#include "autodiscover_srv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct autodiscover_srv_target t[AUTODISCOVER_SRV_MAX];
	struct rpe_error err;
	char url[AUTODISCOVER_URL_MAX];
	size_t n, idx, i;
	int unavailable;

	if (autodiscover_srv_parse(data, size, "_autodiscover._tcp.example.test",
				   t, AUTODISCOVER_SRV_MAX, &n, &unavailable,
				   &err) < 0 ||
	    n == 0)
		return 0;
	if (n > AUTODISCOVER_SRV_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (strlen(t[i].host) >= sizeof(t[i].host) || t[i].port == 0)
			abort();
	if (autodiscover_srv_pick(t, n, (uint32_t)size * 2654435761u, &idx,
				  &err) < 0 ||
	    idx >= n)
		abort();
	(void)autodiscover_srv_url(&t[idx], url, sizeof(url), &err);
	return 0;
}
