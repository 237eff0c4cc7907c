/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP header lines of the transports; see http_head.h. */
#include "http_head.h"

#include <stdio.h>
#include <string.h>

#include "rpch_errors.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* "Name:" at the start of the line, without regard to case (name given
 * with its colon): the value's offset, or 0. */
static size_t field_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name), i;

	if (len <= n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(line[i]) != lower(name[i]))
			return 0;
	return n;
}

/* The value up to the line's end, blanks before it skipped, cut to fit. */
static void copy_value(char *out, size_t n, const char *line, size_t len, size_t i)
{
	size_t o = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < len && line[i] != '\r' && line[i] != '\n' && o + 1 < n)
		out[o++] = line[i++];
	out[o] = '\0';
}

enum http_head_kind http_head_line(struct http_head *h, const char *line,
				   size_t len, size_t *value)
{
	size_t off, rn;

	*value = 0;
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		h->done = 0;
		h->content_type[0] = '\0';
		h->reason[0] = '\0';
		/* Only a prefix of the reason phrase is kept. */
		if (rpch_status_reason(line, len, &off, &rn, NULL) == 0)
			snprintf(h->reason, sizeof(h->reason), "%.*s",
				 (int)(rn < sizeof(h->reason) ?
					       rn :
					       sizeof(h->reason) - 1),
				 line + off);
		return HTTP_HEAD_STATUS;
	}
	if (len <= 2 && (len == 0 || line[0] == '\r' || line[0] == '\n')) {
		h->done = 1;
		return HTTP_HEAD_END;
	}
	if ((off = field_value(line, len, "content-type:")) != 0)
		copy_value(h->content_type, sizeof(h->content_type), line, len,
			   off);
	else if ((off = field_value(line, len, "www-authenticate:")) != 0) {
		*value = off;
		return HTTP_HEAD_CHALLENGE;
	}
	return HTTP_HEAD_FIELD;
}

int http_head_value(const char *line, size_t len, const char *name, char *out,
		    size_t n)
{
	size_t nl = strlen(name);

	if (n == 0 || nl == 0 || field_value(line, len, name) != nl ||
	    line[nl] != ':')
		return 0;
	copy_value(out, n, line, len, nl + 1);
	return 1;
}

void http_head_excerpt(const char *in, char *out, size_t n)
{
	size_t o = 0;
	int in_tag = 0, space = 0;

	for (; *in && o + 1 < n; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '<') {
			in_tag = 1;
			space = 1;
			continue;
		}
		if (c == '>') {
			in_tag = 0;
			continue;
		}
		if (in_tag)
			continue;
		if (c < 0x20 || c >= 0x7f || c == '|') {
			space = 1;
			continue;
		}
		if (c == ' ') {
			space = 1;
			continue;
		}
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		if (o + 1 < n)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}
