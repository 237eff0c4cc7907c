/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: an Autodiscover run fed answers other than a 200 POX
 * body: HTTP statuses with Location values (absolute, relative, hostile),
 * 401s, transport failures, and the SRV step's target URL, in the order
 * the fuzzer picks, for every request the session asks for (unpinned: the
 * POST candidates, the http GET and the SRV step), until it ends.
 *
 * Input: records separated by a 0 byte; each record's first byte picks
 * the kind (status 3xx/401/403/5xx/200, a failure class, an SRV answer),
 * the rest is the Location, SRV URL or body. */
#include <stdlib.h>
#include <string.h>

#include "autodiscover_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 301, 302, 303, 307, 308, 401, 403, 404,
				 451, 500, 503, 200, 0,   1,   999, 300 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct autodiscover_session *s;
	struct autodiscover_request req;
	struct rpe_error err;
	char text[2048];
	const char *msg;
	size_t off = 0;
	int rounds = 0;

	s = autodiscover_session_new((size & 1) ? "monitor@example.test" :
						  "a@b.example",
				     NULL, &err);
	if (!s)
		abort();
	while (rounds++ < 64 && autodiscover_session_next(s, &req) == 1) {
		struct autodiscover_outcome o;
		size_t end = off, n;
		uint8_t kind = off < size ? data[off] : 0;

		while (end < size && data[end] != 0)
			end++;
		n = end > off + 1 ? end - off - 1 : 0;
		if (n >= sizeof(text))
			n = sizeof(text) - 1;
		memcpy(text, n ? (const char *)data + off + 1 : "", n);
		text[n] = '\0';
		off = end < size ? end + 1 : end;
		memset(&o, 0, sizeof(o));
		if (req.step == AUTODISCOVER_STEP_SRV && (kind & 0x80)) {
			o.url = text;
		} else if (kind & 0x40) {
			o.fail = (enum autodiscover_fail)(1 + kind % 10);
			o.msg = text;
		} else {
			o.status = statuses[kind & 15];
			o.location = (kind & 0x20) ? text : NULL;
			o.body = (const uint8_t *)text;
			o.len = n;
		}
		autodiscover_session_feed(s, req.id, &o);
	}
	(void)autodiscover_session_state(s);
	(void)autodiscover_session_failure(s, &msg);
	(void)autodiscover_session_trail(s);
	(void)autodiscover_session_url(s);
	autodiscover_session_free(s);
	return 0;
}
