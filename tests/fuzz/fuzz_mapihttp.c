/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: every MAPI over HTTP decoder (lib/mapihttp) on hostile
 * input: the meta-tags and additional headers of a response body, the
 * Connect and Disconnect responses, Set-Cookie values, response header
 * lines, and a whole session fed with the input as its answers.  The
 * first byte picks how the rest is split into headers and body. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "mapihttp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n >= max)
		abort(); /* not terminated */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapihttp_meta m;
	struct mapihttp_connect_resp cr;
	struct mapihttp_disconnect_resp dr;
	struct mapihttp_session s;
	struct mapihttp_request r;
	struct mapihttp_event ev;
	struct rpe_error err;
	char name[64], value[MAPIHTTP_COOKIE_MAX];
	size_t bin, split, i, start;

	if (mapihttp_parse_meta(data, size, &m, &bin, &err) == 0 && bin > size)
		abort();
	if (mapihttp_parse_connect_response(data, size, &cr, &err) == 0) {
		check_text(cr.dn_prefix, sizeof(cr.dn_prefix));
		check_text(cr.display_name, sizeof(cr.display_name));
	}
	mapihttp_parse_disconnect_response(data, size, &dr, &err);
	if (mapihttp_parse_set_cookie((const char *)data, size, name, sizeof(name),
				      value, sizeof(value), &err) == 0) {
		/* Nothing that could break the Cookie header line back. */
		if (strpbrk(value, "\r\n;") || strpbrk(name, "\r\n;= "))
			abort();
	}

	/* A session: header lines up to the split, then the body. */
	split = size ? data[0] % (size + 1) : 0;
	mapihttp_init(&s, NULL);
	if (mapihttp_connect_request(&s, "/o=Example/cn=probe", &r, &err) < 0)
		abort();
	mapihttp_request_free(&r);
	for (i = 1, start = 1; i <= split && i < size; i++)
		if (data[i] == '\n' || i == split) {
			mapihttp_header(&s, (const char *)data + start,
					i - start);
			start = i + 1;
		}
	mapihttp_response(&s, size > 1 && data[1] & 1 ? 200 : 401,
			  split < size ? data + split : NULL,
			  split < size ? size - split : 0, &ev);
	check_text(ev.msg, sizeof(ev.msg));
	if (ev.kind == MAPIHTTP_EV_CONNECTED &&
	    mapihttp_disconnect_request(&s, &r, &err) == 0) {
		for (i = 0; i < (size_t)r.nheaders; i++)
			if (strpbrk(r.headers_ptr[i], "\r\n"))
				abort();
		mapihttp_request_free(&r);
	}
	return 0;
}
