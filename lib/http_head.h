/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the transports keep of an HTTP response's header block, sans-I/O:
 * libcurl's header callback hands each line ("HTTP/1.1 503 RPC Error: 6ba
 * \r\n", "Name: value\r\n", the blank line) to http_head_line(), which
 * notes the status line's reason phrase (the RPC proxy names its errors
 * there, MS-RPCH 2.1.2.1.3), the Content-Type and whether the block
 * ended, and finds the WWW-Authenticate fields (their challenge lists go
 * to lib/httpauth's parser); http_head_value() reads any other field
 * (Connection, X-OWA-Version) for the one-shot requests. */
#ifndef RPE_HTTP_HEAD_H
#define RPE_HTTP_HEAD_H

#include <stddef.h>

struct http_head {
	char reason[96]; /* the last status line's reason phrase */
	char content_type[96];
	int done; /* the last response's header block ended */
};

enum http_head_kind {
	HTTP_HEAD_FIELD = 0, /* a header field (or a line of no interest) */
	HTTP_HEAD_STATUS,    /* a status line: a new response starts */
	HTTP_HEAD_END,       /* the blank line ending the block */
	HTTP_HEAD_CHALLENGE, /* WWW-Authenticate: its value at *value */
};

/* One line as libcurl hands it (not NUL-terminated); returns its kind
 * (*value: the offset of a WWW-Authenticate value in line).  A status line
 * forgets the previous response's reason, Content-Type and end. */
enum http_head_kind http_head_line(struct http_head *h, const char *line,
				   size_t len, size_t *value);

/* "Name: value" (name without the colon, any case): 1 and the value in out
 * (blanks before it skipped, up to the line end, cut to fit n, always
 * NUL-terminated) when line is that field, else 0. */
int http_head_value(const char *line, size_t len, const char *name, char *out,
		    size_t n);

/* A printable one-line excerpt of the start of an error page's body (HTML
 * tags dropped, '|' left out: it goes to the status line). */
void http_head_excerpt(const char *in, char *out, size_t n);

#endif
