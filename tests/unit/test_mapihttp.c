/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MAPI over HTTP session (lib/mapihttp): requests as MS-OXCMAPIHTTP
 * 2.2.4.1.1 / 2.2.4.3.1 lay them out, responses with the meta-tags of
 * 2.2.7, the X-ResponseCode table of 2.2.3.3.3 and the cookies of
 * 2.2.3.2. */
#include "mapihttp.h"
#include "t.h"

#define DN                                                                     \
	"/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=probe"

static int has_header(const struct mapihttp_request *r, const char *line)
{
	int i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers_ptr[i], line) == 0)
			return 1;
	return 0;
}

/* The Connect response body Exchange streams: meta-tags, additional
 * headers, blank line, then 2.2.4.1.2. */
static void connect_body(struct buf *b, uint32_t ec, const char *extra)
{
	static const char text[] =
		"PROCESSING\r\nPENDING\r\nDONE\r\n"
		"X-ElapsedTime: 12\r\n"
		"X-StartTime: Sun, 06 Dec 2026 15:00:00 GMT\r\n";
	/* "Prüfer" in UTF-16LE */
	static const uint8_t name[] = { 'P', 0,   'r', 0,   0xfc, 0, 'f',
					0,   'e', 0,   'r', 0,    0, 0 };

	buf_init(b, 0);
	buf_put_bytes(b, text, strlen(text));
	if (extra)
		buf_put_bytes(b, extra, strlen(extra));
	buf_put_bytes(b, "\r\n", 2);
	buf_put_u32le(b, 0);     /* StatusCode */
	buf_put_u32le(b, ec);    /* ErrorCode */
	buf_put_u32le(b, 60000); /* PollsMax */
	buf_put_u32le(b, 6);     /* RetryCount */
	buf_put_u32le(b, 10000); /* RetryDelay */
	buf_put_bytes(b, "/o=Example", 11);
	buf_put_bytes(b, name, sizeof(name));
	buf_put_u32le(b, 4); /* AuxiliaryBufferSize */
	buf_put_u32le(b, 0xdeadbeef);
}

static void hdr(struct mapihttp_session *s, const char *line)
{
	mapihttp_header(s, line, strlen(line));
}

static void test_connect_request(void)
{
	struct mapihttp_session s;
	struct mapihttp_request r;
	struct rpe_error err = { 0, "" };
	size_t dn = strlen(DN) + 1;
	uint32_t v;
	struct buf_cur c;

	mapihttp_init(&s, "{11111111-2222-3333-4444-555555555555}");
	CHECK_INT(mapihttp_connect_request(&s, DN, &r, &err), 0);
	CHECK_STR(r.type, "Connect");
	CHECK(has_header(&r, "Content-Type: application/mapi-http"));
	CHECK(has_header(&r, "X-RequestType: Connect"));
	CHECK(has_header(&r,
			 "X-RequestId: {11111111-2222-3333-4444-555555555555}:1"));
	CHECK(r.headers_ptr[r.nheaders] == NULL);
	/* UserDn, Flags, DefaultCodePage, LcidSort, LcidString, aux size. */
	CHECK_INT(r.body.len, dn + 20);
	CHECK_MEM(r.body.data, DN, dn);
	buf_cur_init(&c, r.body.data, r.body.len);
	CHECK_INT(buf_skip(&c, dn), 0);
	buf_get_u32le(&c, &v);
	CHECK_INT(v, 0);
	buf_get_u32le(&c, &v);
	CHECK_INT(v, 1252);
	buf_get_u32le(&c, &v);
	CHECK_INT(v, 0x409);
	buf_get_u32le(&c, &v);
	CHECK_INT(v, 0x409);
	buf_get_u32le(&c, &v);
	CHECK_INT(v, 0);
	mapihttp_request_free(&r);
	/* Twice is a state error; a DN with a control character is refused. */
	CHECK(mapihttp_connect_request(&s, DN, &r, &err) < 0);
	mapihttp_init(&s, NULL);
	CHECK(mapihttp_connect_request(&s, "/o=x\r\nX-Evil: 1", &r, &err) < 0);
	/* Disconnect before a session is a state error. */
	mapihttp_init(&s, NULL);
	CHECK(mapihttp_disconnect_request(&s, &r, &err) < 0);
}

static void test_session(void)
{
	struct mapihttp_session s;
	struct mapihttp_request r;
	struct mapihttp_event ev;
	struct rpe_error err = { 0, "" };
	struct buf b;
	uint8_t disc[12];

	mapihttp_init(&s, "{11111111-2222-3333-4444-555555555555}");
	CHECK_INT(mapihttp_connect_request(&s, DN, &r, &err), 0);
	mapihttp_request_free(&r);
	/* A 401 of the HTTP authentication first: its headers are forgotten. */
	hdr(&s, "HTTP/1.1 401 Unauthorized\r\n");
	hdr(&s, "X-ResponseCode: 8\r\n");
	hdr(&s, "HTTP/1.1 200 OK\r\n");
	hdr(&s, "Content-Type: application/mapi-http\r\n");
	hdr(&s, "X-RequestType: Connect\r\n");
	hdr(&s, "X-ResponseCode: 0\r\n");
	hdr(&s,
	    "Set-Cookie: MapiContext=ctx-1; path=/mapi/emsmdb/; secure; HttpOnly\r\n");
	hdr(&s, "set-cookie: MapiSequence=\"seq-1\"; path=/mapi/emsmdb/\r\n");
	connect_body(&b, 0, NULL);
	mapihttp_response(&s, 200, b.data, b.len, &ev);
	buf_free(&b);
	CHECK_INT(ev.kind, MAPIHTTP_EV_CONNECTED);
	CHECK_INT(ev.meta.processing, 1);
	CHECK_INT(ev.meta.pending, 1);
	CHECK_INT(ev.meta.elapsed_ms, 12);
	CHECK_STR(ev.meta.start_time, "Sun, 06 Dec 2026 15:00:00 GMT");
	CHECK_INT(ev.connect.polls_max, 60000);
	CHECK_INT(ev.connect.retry_count, 6);
	CHECK_INT(ev.connect.retry_delay, 10000);
	CHECK_INT(ev.connect.aux_size, 4);
	CHECK_STR(ev.connect.dn_prefix, "/o=Example");
	CHECK_STR(ev.connect.display_name, "Pr\xc3\xbc"
					   "fer");
	CHECK_STR(mapihttp_cookie(&s, "MapiContext"), "ctx-1");
	CHECK_STR(mapihttp_cookie(&s, "MapiSequence"), "seq-1");

	/* The Disconnect carries both cookies back. */
	CHECK_INT(mapihttp_disconnect_request(&s, &r, &err), 0);
	CHECK(has_header(&r, "X-RequestType: Disconnect"));
	CHECK(has_header(&r,
			 "X-RequestId: {11111111-2222-3333-4444-555555555555}:2"));
	CHECK(has_header(&r, "Cookie: MapiContext=ctx-1; MapiSequence=seq-1"));
	CHECK_INT(r.body.len, 4);
	mapihttp_request_free(&r);
	hdr(&s, "HTTP/1.1 200 OK");
	hdr(&s, "X-ResponseCode: 0");
	hdr(&s, "X-RequestType: Disconnect");
	buf_init(&b, 0);
	buf_put_bytes(&b, "PROCESSING\r\nDONE\r\n\r\n", 20);
	buf_store_u32le(disc, 0);
	buf_store_u32le(disc + 4, 0);
	buf_store_u32le(disc + 8, 0);
	buf_put_bytes(&b, disc, sizeof(disc));
	mapihttp_response(&s, 200, b.data, b.len, &ev);
	buf_free(&b);
	CHECK_INT(ev.kind, MAPIHTTP_EV_DISCONNECTED);
	CHECK_INT(ev.error_code, 0);
	CHECK_INT(s.state, MAPIHTTP_CLOSED);
}

/* Feed one Connect answer; returns the event kind. */
static int connect_answer(long status, const char *const *headers,
			  const uint8_t *body, size_t len,
			  struct mapihttp_event *ev)
{
	struct mapihttp_session s;
	struct mapihttp_request r;
	struct rpe_error err = { 0, "" };
	int i;

	mapihttp_init(&s, NULL);
	if (mapihttp_connect_request(&s, DN, &r, &err) < 0)
		return -1;
	mapihttp_request_free(&r);
	hdr(&s, "HTTP/1.1 200 OK");
	for (i = 0; headers && headers[i]; i++)
		hdr(&s, headers[i]);
	mapihttp_response(&s, status, body, len, ev);
	if (ev->kind == MAPIHTTP_EV_MALFORMED || ev->kind == MAPIHTTP_EV_REFUSED ||
	    ev->kind == MAPIHTTP_EV_RESPONSE_CODE)
		CHECK(ev->msg[0] != '\0');
	return (int)ev->kind;
}

static void test_refusals(void)
{
	static const char *const rc3[] = { "X-ResponseCode: 3", NULL };
	static const char *const rc0[] = { "X-ResponseCode: 0", NULL };
	static const char *const html[] = { "Content-Type: text/html", NULL };
	static const char *const badrc[] = { "X-ResponseCode: 3x", NULL };
	static const char *const badtype[] = { "X-ResponseCode: 0",
					       "X-RequestType: Execute", NULL };
	static const char *const badcookie[] = { "X-ResponseCode: 0",
						 "Set-Cookie: MapiContext=a\x01"
						 "b",
						 NULL };
	struct mapihttp_event ev;
	struct buf b;
	uint8_t fail[8];

	/* ecProtocolDisabled in the Connect response (MS-OXCRPC 3.1.4.1). */
	connect_body(&b, 0x7D8, NULL);
	CHECK_INT(connect_answer(200, rc0, b.data, b.len, &ev),
		  MAPIHTTP_EV_REFUSED);
	CHECK_INT(ev.error_code, 0x7D8);
	CHECK(strstr(ev.msg, "ecProtocolDisabled") != NULL);
	/* X-ResponseCode in the header, or in the final chunk's headers. */
	CHECK_INT(connect_answer(200, rc3, (const uint8_t *)"", 0, &ev),
		  MAPIHTTP_EV_RESPONSE_CODE);
	CHECK_INT(ev.rc, 3);
	CHECK(strstr(ev.msg, "Invalid Path") != NULL);
	buf_free(&b);
	connect_body(&b, 0, "X-ResponseCode: 10\r\n");
	CHECK_INT(connect_answer(200, rc0, b.data, b.len, &ev),
		  MAPIHTTP_EV_RESPONSE_CODE);
	CHECK_INT(ev.rc, 10);
	buf_free(&b);
	/* A failure body: StatusCode only, with its auxiliary buffer. */
	buf_init(&b, 0);
	buf_put_bytes(&b, "PROCESSING\r\nDONE\r\n\r\n", 20);
	buf_store_u32le(fail, 0x80004005u);
	buf_store_u32le(fail + 4, 0);
	buf_put_bytes(&b, fail, 8);
	CHECK_INT(connect_answer(200, rc0, b.data, b.len, &ev),
		  MAPIHTTP_EV_REFUSED);
	CHECK_INT(ev.status_code, 0x80004005u);
	buf_free(&b);
	/* Plain HTTP statuses; a login page; malformed headers. */
	CHECK_INT(connect_answer(404, NULL, NULL, 0, &ev),
		  MAPIHTTP_EV_HTTP_STATUS);
	CHECK_INT(ev.status, 404);
	CHECK_INT(connect_answer(200, html, (const uint8_t *)"<html>", 6, &ev),
		  MAPIHTTP_EV_MALFORMED);
	CHECK(strstr(ev.msg, "not a MAPI over HTTP endpoint") != NULL);
	CHECK_INT(connect_answer(200, badrc, NULL, 0, &ev),
		  MAPIHTTP_EV_MALFORMED);
	connect_body(&b, 0, NULL);
	CHECK_INT(connect_answer(200, badtype, b.data, b.len, &ev),
		  MAPIHTTP_EV_MALFORMED);
	CHECK_INT(connect_answer(200, badcookie, b.data, b.len, &ev),
		  MAPIHTTP_EV_MALFORMED);
	/* Cut anywhere, the answer is malformed, never a logon. */
	{
		size_t cut;
		int ok = 1;
		for (cut = 0; cut < b.len; cut++)
			if (connect_answer(200, rc0, b.data, cut, &ev) !=
			    MAPIHTTP_EV_MALFORMED)
				ok = 0;
		CHECK(ok);
	}
	/* One byte too many after the auxiliary buffer. */
	buf_put_u8(&b, 0);
	CHECK_INT(connect_answer(200, rc0, b.data, b.len, &ev),
		  MAPIHTTP_EV_MALFORMED);
	buf_free(&b);
}

static void test_names(void)
{
	CHECK_STR(mapihttp_rc_name(3), "Invalid Path");
	CHECK_STR(mapihttp_rc_name(10), "Context Not Found");
	CHECK_STR(mapihttp_rc_name(13), "Missing Cookie");
	CHECK_STR(mapihttp_rc_name(15), "Invalid Sequence");
	CHECK(mapihttp_rc_meaning(13) != NULL);
	CHECK(mapihttp_rc_name(19) == NULL);
	CHECK(mapihttp_rc_name(0xffffffffu) == NULL);
}

static void test_cookies_and_meta(void)
{
	struct rpe_error err = { 0, "" };
	char n[64], v[32];
	struct mapihttp_meta m;
	size_t bin;
	static const char *const bad[] = {
		"",
		"=x",
		"MapiContext",
		"Mapi Context=x",
		"MapiContext=a b",
		"MapiContext=\"open",
		"MapiContext=a\r\nX: y",
		"MapiContext=\"a\"b",
		"MapiContext=0123456789012345678901234567890123456789",
	};
	size_t i;

	CHECK_INT(mapihttp_parse_set_cookie("a=b", 3, n, sizeof(n), v,
					    sizeof(v), &err),
		  0);
	CHECK_STR(n, "a");
	CHECK_STR(v, "b");
	CHECK_INT(mapihttp_parse_set_cookie("a=", 2, n, sizeof(n), v, sizeof(v),
					    &err),
		  0);
	CHECK_STR(v, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(mapihttp_parse_set_cookie(bad[i], strlen(bad[i]), n,
						sizeof(n), v, sizeof(v),
						&err) < 0);
	/* Meta-tags: bare LF accepted, unknown tag and no blank line refused. */
	CHECK_INT(mapihttp_parse_meta((const uint8_t *)"DONE\n\nXY", 8, &m,
				      &bin, &err),
		  0);
	CHECK_INT(bin, 6);
	CHECK_INT(m.elapsed_ms, -1);
	CHECK(mapihttp_parse_meta((const uint8_t *)"WORKING\r\n", 9, &m, &bin,
				  &err) < 0);
	CHECK(mapihttp_parse_meta((const uint8_t *)"DONE\r\nX-ElapsedTime: 1\r\n",
				  25, &m, &bin, &err) < 0);
	CHECK(mapihttp_parse_meta((const uint8_t *)"DONE\r\nX-ElapsedTime: z\r\n\r\n",
				  27, &m, &bin, &err) < 0);
}

int main(void)
{
	T_RUN(test_connect_request);
	T_RUN(test_session);
	T_RUN(test_refusals);
	T_RUN(test_names);
	T_RUN(test_cookies_and_meta);
	T_DONE();
}
