/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: what the transports' libcurl header and body
 * callbacks read from a response (lib/http_head): the input is cut into
 * lines as libcurl hands them (each with its CRLF, not NUL-terminated),
 * status lines, fields and the blank line in any order; WWW-Authenticate
 * values go on to the list of offered schemes as in lib/transport_http and
 * lib/transport_request, whose other fields are read as it reads them
 * (Connection, a kept field such as posture's X-OWA-Version, into buffers
 * of its sizes); the whole input is also an error page's body for the
 * excerpt. */
#include <stdlib.h>
#include <string.h>

#include "http_head.h"
#include "tlsinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h;
	char offered[96] = "", body[257], ex[160], conn[16] = "", kept[64] = "";
	size_t off = 0, value;

	memset(&h, 0, sizeof(h));
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
		/* A copy of exactly the line: reads past it are caught. */
		char *line = malloc(len ? len : 1);

		if (!line)
			abort();
		memcpy(line, data + off, len);
		switch (http_head_line(&h, line, len, &value)) {
		case HTTP_HEAD_CHALLENGE:
			if (value > len)
				abort();
			(void)http_auth_schemes_add(offered, sizeof(offered),
						    (const uint8_t *)line + value,
						    len - value);
			break;
		case HTTP_HEAD_FIELD:
			if (!http_head_value(line, len, "Connection", conn,
					     sizeof(conn)))
				(void)http_head_value(line, len, "X-OWA-Version",
						      kept, sizeof(kept));
			if (strlen(conn) >= sizeof(conn) ||
			    strlen(kept) >= sizeof(kept))
				abort();
			break;
		default: break;
		}
		free(line);
		off += len;
		if (strlen(h.reason) >= sizeof(h.reason) ||
		    strlen(h.content_type) >= sizeof(h.content_type))
			abort();
	}
	/* The transport keeps at most 256 bytes of an error page. */
	memcpy(body, data, size < 256 ? size : 256);
	body[size < 256 ? size : 256] = '\0';
	http_head_excerpt(body, ex, sizeof(ex));
	if (strlen(ex) >= sizeof(ex) || strchr(ex, '|'))
		abort();
	return 0;
}
