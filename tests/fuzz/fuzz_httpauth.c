/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the headers of an HTTP 401 (one per line) through the
 * WWW-Authenticate parser and strict base64, then the NTLM CHALLENGE they
 * carry (under NTLM or Negotiate) into an AUTHENTICATE with Extended
 * Protection pairs, and its Authorization header; the same lines through
 * the handshake state machine of lib/httpntlm. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cbt.h"
#include "crypto.h"
#include "httpauth.h"
#include "httpntlm.h"
#include "ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ntlm_client *client(void)
{
	static struct ntlm_client *c;
	static const uint8_t cbt[16] = { 0x65, 0x86, 0xe9, 0x9d };
	struct ntlm_overrides ov;
	struct rpe_error err;

	if (c)
		return c;
	c = ntlm_client_new("prøbe", "EXAMPLE", "pässwörd€", &err);
	if (!c ||
	    ntlm_client_set_binding(c, cbt, "HTTP/mail.example.test", &err) < 0)
		abort();
	memset(&ov, 0x11, sizeof(ov));
	ntlm_client_set_overrides(c, &ov);
	return c;
}

static void answer(const struct httpauth *h, unsigned scheme)
{
	struct ntlm_client *c = client();
	struct rpe_error err;
	const uint8_t *tok;
	size_t len;
	struct buf out, hdr;

	if (httpauth_ntlm_token(h, scheme, &tok, &len, &err) < 0)
		return;
	buf_init(&out, 0);
	buf_init(&hdr, 0);
	if (ntlm_client_negotiate(c, &out, &err) == 0) {
		buf_reset(&out);
		if (ntlm_client_authenticate(c, tok, len, &out, &err) == 0 &&
		    httpauth_authorization(scheme, out.data, out.len, &hdr,
					   &err) < 0)
			abort();
	}
	buf_free(&out);
	buf_free(&hdr);
}

static void handshake(const uint8_t *data, size_t size)
{
	static const struct http_ntlm_params p = {
		"prøbe", "EXAMPLE", "pässwörd€", "mail.example.test", 1, 0, NULL
	};
	struct rpe_error err;
	struct http_ntlm *h = http_ntlm_new(&p, &err);
	struct buf hdr;
	size_t start = 0, i;

	if (!h)
		abort();
	buf_init(&hdr, 0);
	if (http_ntlm_begin(h, &hdr, &err) < 0)
		abort();
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		http_ntlm_header(h, (const char *)data + start,
				 i - start + (i < size));
		start = i + 1;
	}
	if (http_ntlm_response(h, 401, &hdr, &err) == HTTP_NTLM_SEND_AUTHENTICATE)
		(void)http_ntlm_response(h, 200, &hdr, &err);
	buf_free(&hdr);
	http_ntlm_free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpauth h;
	struct rpe_error err;
	size_t start = 0, i;

	httpauth_init(&h);
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (httpauth_header_line(&h, (const char *)data + start,
					 i - start + (i < size), &err) < 0)
			break;
		start = i + 1;
	}
	if (h.token_scheme && h.token.len > HTTPAUTH_TOKEN_MAX)
		abort();
	answer(&h, HTTPAUTH_NTLM);
	answer(&h, HTTPAUTH_NEGOTIATE);
	httpauth_free(&h);
	handshake(data, size);
	return 0;
}
