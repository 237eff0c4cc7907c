/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One MAPI over HTTP EMSMDB session, sans-I/O; see mapihttp.h and
 * docs/architecture.md ("MAPI over HTTP").  Section numbers are those of
 * MS-OXCMAPIHTTP. */
#include "mapihttp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emsmdb.h"

/* X-ResponseCode names and meanings: MS-OXCMAPIHTTP 2.2.3.3.3 lists codes
 * 0-18 with these names (14 is reserved and ignored). */
static const struct {
	const char *name;
	const char *meaning;
} rc_table[] = {
	[MAPIHTTP_RC_SUCCESS] = { "Success", NULL },
	[MAPIHTTP_RC_UNKNOWN_FAILURE] = { "Unknown Failure",
					  "the server failed the request without saying why" },
	[MAPIHTTP_RC_INVALID_VERB] = { "Invalid Verb",
				       "the endpoint takes POST only" },
	[MAPIHTTP_RC_INVALID_PATH] = { "Invalid Path",
				       "no such mailbox: the MailboxId (GUID@domain) is wrong or the mailbox is not on this site" },
	[MAPIHTTP_RC_INVALID_HEADER] = { "Invalid Header",
					 "a request header was refused" },
	[MAPIHTTP_RC_INVALID_REQUEST_TYPE] = { "Invalid Request Type",
					       "the X-RequestType is not one this endpoint serves" },
	[MAPIHTTP_RC_INVALID_CONTEXT_COOKIE] = { "Invalid Context Cookie",
						 "the MapiContext cookie was not accepted" },
	[MAPIHTTP_RC_MISSING_HEADER] = { "Missing Header",
					 "a required request header was missing" },
	[MAPIHTTP_RC_ANONYMOUS_NOT_ALLOWED] = { "Anonymous Not Allowed",
						"the request reached the endpoint without HTTP authentication" },
	[MAPIHTTP_RC_TOO_LARGE] = { "Too Large", "the request was too large" },
	[MAPIHTTP_RC_CONTEXT_NOT_FOUND] = { "Context Not Found",
					    "the session (MapiContext cookie) is unknown to this server: expired, or a load balancer without affinity sent the request elsewhere" },
	[MAPIHTTP_RC_NO_PRIVILEGE] = { "No Privilege",
				       "the account may not use this session context" },
	[MAPIHTTP_RC_INVALID_REQUEST_BODY] = { "Invalid Request Body",
					       "the server could not parse the request body" },
	[MAPIHTTP_RC_MISSING_COOKIE] = { "Missing Cookie",
					 "a required cookie (MapiContext, MapiSequence) was missing: something between client and server drops cookies" },
	[MAPIHTTP_RC_RESERVED] = { "Reserved", NULL },
	[MAPIHTTP_RC_INVALID_SEQUENCE] = { "Invalid Sequence",
					   "the MapiSequence cookie was stale or out of order: something between client and server replays or drops cookies" },
	[MAPIHTTP_RC_ENDPOINT_DISABLED] = { "Endpoint Disabled",
					    "MAPI over HTTP is disabled on the server (Set-OrganizationConfig -MapiHttpEnabled, or the mailbox's Set-CASMailbox -MapiHttpEnabled)" },
	[MAPIHTTP_RC_INVALID_RESPONSE] = { "Invalid Response",
					   "the server failed to build its response" },
	[MAPIHTTP_RC_ENDPOINT_SHUTTING_DOWN] = { "Endpoint Shutting Down",
						 "the endpoint is being shut down (recycling, maintenance)" },
};

const char *mapihttp_rc_name(uint32_t rc)
{
	return rc < sizeof(rc_table) / sizeof(rc_table[0]) ? rc_table[rc].name :
							     NULL;
}

const char *mapihttp_rc_meaning(uint32_t rc)
{
	return rc < sizeof(rc_table) / sizeof(rc_table[0]) ?
		       rc_table[rc].meaning :
		       NULL;
}

/* Decoders ------------------------------------------------------------------ */

/* One line of the text part, without CRLF (a bare LF is taken too). */
static int get_line(struct buf_cur *c, const uint8_t **line, size_t *len,
		    struct rpe_error *err)
{
	size_t start = buf_cur_pos(c), n = 0;
	uint8_t ch;

	for (;;) {
		if (buf_peek_u8_at(c, start + n, &ch) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"response body ended inside its text part (no DONE and blank line)");
		if (ch == '\n')
			break;
		if (++n > 512)
			return rpe_fail(err, RPE_ERR_PROTO,
					"response body: a line of its text part is too long");
	}
	TRY(buf_get_ref(c, n, line));
	TRY(buf_skip(c, 1));
	*len = n && (*line)[n - 1] == '\r' ? n - 1 : n;
	return 0;
}

static int line_is(const uint8_t *l, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n == w && memcmp(l, word, w) == 0;
}

/* "Name: value" with Name compared case-insensitively; *v, *vn the value
 * without leading blanks. */
static int header_named(const char *l, size_t n, const char *name,
			const char **v, size_t *vn)
{
	size_t w = strlen(name);

	if (n <= w || strncasecmp(l, name, w) != 0 || l[w] != ':')
		return 0;
	l += w + 1;
	n -= w + 1;
	while (n && (*l == ' ' || *l == '\t')) {
		l++;
		n--;
	}
	while (n && (l[n - 1] == '\r' || l[n - 1] == '\n' || l[n - 1] == ' ' ||
		     l[n - 1] == '\t'))
		n--;
	*v = l;
	*vn = n;
	return 1;
}

static int parse_decimal(const char *v, size_t n, uint32_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (!n || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static void copy_text(char *dst, size_t max, const char *v, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < max; i++)
		dst[o++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	dst[o] = '\0';
}

/* 2.2.7: PROCESSING, then PENDING while the server works, then DONE; then
 * additional headers (X-ElapsedTime, X-StartTime) up to a blank line. */
int mapihttp_parse_meta(const uint8_t *p, size_t n, struct mapihttp_meta *m,
			size_t *bin, struct rpe_error *err)
{
	struct buf_cur c;
	const uint8_t *l;
	size_t ln;
	const char *v;
	size_t vn;
	uint32_t ms;

	memset(m, 0, sizeof(*m));
	m->elapsed_ms = -1;
	buf_cur_init(&c, p, n);
	while (!m->done) {
		TRY(get_line(&c, &l, &ln, err));
		if (line_is(l, ln, "PROCESSING"))
			m->processing++;
		else if (line_is(l, ln, "PENDING"))
			m->pending++;
		else if (line_is(l, ln, "DONE"))
			m->done = 1;
		else
			return rpe_fail(err, RPE_ERR_PROTO,
					"response body: \"%.*s\" is no meta-tag (PROCESSING, PENDING, DONE)",
					(int)(ln > 40 ? 40 : ln),
					(const char *)l);
	}
	for (;;) {
		TRY(get_line(&c, &l, &ln, err));
		if (!ln)
			break;
		if (header_named((const char *)l, ln, "X-ElapsedTime", &v, &vn)) {
			if (parse_decimal(v, vn, &ms) < 0)
				return rpe_fail(err, RPE_ERR_PROTO,
						"response body: X-ElapsedTime is not a number");
			m->elapsed_ms = (long)ms;
		} else if (header_named((const char *)l, ln, "X-ResponseCode",
					&v, &vn)) {
			if (parse_decimal(v, vn, &m->rc) < 0)
				return rpe_fail(err, RPE_ERR_PROTO,
						"response body: X-ResponseCode is not a number");
			m->have_rc = 1;
		} else if (header_named((const char *)l, ln, "X-StartTime", &v,
					&vn)) {
			copy_text(m->start_time, sizeof(m->start_time), v, vn);
		} else if (!memchr(l, ':', ln)) {
			return rpe_fail(err, RPE_ERR_PROTO,
					"response body: additional header without a colon");
		}
	}
	*bin = buf_cur_pos(&c);
	return 0;
}

/* A NUL-terminated 8-bit string into out (printable ASCII kept). */
static int get_asciiz(struct buf_cur *c, char *out, size_t max,
		      struct rpe_error *err)
{
	size_t o = 0;
	uint8_t ch;

	for (;;) {
		if (buf_get_u8(c, &ch) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"Connect response: DnPrefix without its terminator");
		if (!ch)
			break;
		if (o + 1 < max)
			out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[o] = '\0';
	return 0;
}

static size_t put_utf8(char *out, size_t o, size_t max, uint32_t cp)
{
	char t[4];
	size_t n, i;

	if (cp < 0x20 || cp == 0x7f)
		cp = '?';
	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o + n >= max)
		return o; /* cut at a character boundary */
	for (i = 0; i < n; i++)
		out[o + i] = t[i];
	return o + n;
}

/* A NUL-terminated UTF-16LE string into UTF-8 (lone surrogates: '?'). */
static int get_utf16z(struct buf_cur *c, char *out, size_t max,
		      struct rpe_error *err)
{
	size_t o = 0;
	uint16_t u, lo;

	for (;;) {
		uint32_t cp;
		if (buf_get_u16le(c, &u) < 0)
			return rpe_fail(err, RPE_ERR_SHORT,
					"Connect response: DisplayName without its terminator");
		if (!u)
			break;
		cp = u;
		if (u >= 0xd800 && u < 0xdc00 &&
		    buf_peek_u16le_at(c, buf_cur_pos(c), &lo) == 0 &&
		    lo >= 0xdc00 && lo < 0xe000) {
			TRY(buf_skip(c, 2));
			cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) +
			     ((uint32_t)lo - 0xdc00);
		} else if (u >= 0xd800 && u < 0xe000) {
			cp = '?';
		}
		o = put_utf8(out, o, max, cp);
	}
	out[o] = '\0';
	return 0;
}

/* AuxiliaryBufferSize and the buffer, which must end the body. */
static int get_aux(struct buf_cur *c, uint32_t *size, const char *what,
		   struct rpe_error *err)
{
	if (buf_get_u32le(c, size) < 0 || buf_skip(c, *size) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"%s response: auxiliary buffer cut short", what);
	if (buf_cur_remaining(c))
		return rpe_fail(err, RPE_ERR_PROTO,
				"%s response: %zu bytes after the auxiliary buffer",
				what, buf_cur_remaining(c));
	return 0;
}

int mapihttp_parse_connect_response(const uint8_t *p, size_t n,
				    struct mapihttp_connect_resp *r,
				    struct rpe_error *err)
{
	struct buf_cur c;

	memset(r, 0, sizeof(*r));
	buf_cur_init(&c, p, n);
	if (buf_get_u32le(&c, &r->status_code) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"Connect response: shorter than its StatusCode");
	/* A failed request carries only StatusCode and the auxiliary
	 * buffer (2.2.4.1.3). */
	if (r->status_code != 0)
		return get_aux(&c, &r->aux_size, "Connect", err);
	if (buf_get_u32le(&c, &r->error_code) < 0 ||
	    buf_get_u32le(&c, &r->polls_max) < 0 ||
	    buf_get_u32le(&c, &r->retry_count) < 0 ||
	    buf_get_u32le(&c, &r->retry_delay) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"Connect response: cut short in its fixed fields");
	TRY(get_asciiz(&c, r->dn_prefix, sizeof(r->dn_prefix), err));
	TRY(get_utf16z(&c, r->display_name, sizeof(r->display_name), err));
	return get_aux(&c, &r->aux_size, "Connect", err);
}

int mapihttp_parse_disconnect_response(const uint8_t *p, size_t n,
				       struct mapihttp_disconnect_resp *r,
				       struct rpe_error *err)
{
	struct buf_cur c;

	memset(r, 0, sizeof(*r));
	buf_cur_init(&c, p, n);
	if (buf_get_u32le(&c, &r->status_code) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"Disconnect response: shorter than its StatusCode");
	if (r->status_code == 0 && buf_get_u32le(&c, &r->error_code) < 0)
		return rpe_fail(err, RPE_ERR_SHORT,
				"Disconnect response: no ErrorCode");
	return get_aux(&c, &r->aux_size, "Disconnect", err);
}

/* RFC 6265 4.1.1: cookie-name is a token, cookie-value octets exclude
 * CTLs, whitespace, DQUOTE, comma, semicolon and backslash; both are sent
 * back in a header line, so nothing else may pass. */
static int token_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", ch);
}

static int cookie_octet(int ch)
{
	return ch > 0x20 && ch < 0x7f && ch != '"' && ch != ',' && ch != ';' &&
	       ch != '\\';
}

int mapihttp_parse_set_cookie(const char *v, size_t n, char *name,
			      size_t name_max, char *value, size_t value_max,
			      struct rpe_error *err)
{
	struct buf_cur c;
	size_t nl = 0, vl = 0;
	uint8_t ch;
	int quoted = 0;

	buf_cur_init(&c, v, n);
	while (buf_get_u8(&c, &ch) == 0 && ch != '=') {
		if (!token_char(ch) || nl + 1 >= name_max)
			return rpe_fail(err, RPE_ERR_PROTO,
					"Set-Cookie: bad or too long cookie name");
		name[nl++] = (char)ch;
	}
	if (!nl || ch != '=')
		return rpe_fail(err, RPE_ERR_PROTO,
				"Set-Cookie without name=value");
	name[nl] = '\0';
	if (buf_peek_u8_at(&c, buf_cur_pos(&c), &ch) == 0 && ch == '"') {
		quoted = 1;
		TRY(buf_skip(&c, 1));
	}
	while (buf_get_u8(&c, &ch) == 0) {
		if (ch == ';' && !quoted)
			break;
		if (quoted && ch == '"') {
			quoted = 0;
			if (buf_get_u8(&c, &ch) == 0 && ch != ';')
				return rpe_fail(err, RPE_ERR_PROTO,
						"Set-Cookie: text after a quoted value");
			break;
		}
		if (!cookie_octet(ch) || vl + 1 >= value_max)
			return rpe_fail(err, RPE_ERR_PROTO,
					"Set-Cookie %s: bad or too long value",
					name);
		value[vl++] = (char)ch;
	}
	if (quoted)
		return rpe_fail(err, RPE_ERR_PROTO,
				"Set-Cookie %s: unterminated quoted value", name);
	value[vl] = '\0';
	return 0;
}

/* Session --------------------------------------------------------------------- */

void mapihttp_init(struct mapihttp_session *s, const char *client_id)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->client_id, sizeof(s->client_id), "%s",
		 client_id && client_id[0] ?
			 client_id :
			 "{5a9e6c3b-4f1d-4e2a-8b7c-0d1e2f3a4b5c}");
}

void mapihttp_request_free(struct mapihttp_request *r)
{
	buf_free(&r->body);
}

static int add_header(struct mapihttp_request *r, struct rpe_error *err,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int add_header(struct mapihttp_request *r, struct rpe_error *err,
		      const char *fmt, ...)
{
	va_list ap;
	int w;

	if (r->nheaders >= MAPIHTTP_HEADERS_MAX)
		return rpe_fail(err, RPE_ERR_TOOBIG, "too many request headers");
	va_start(ap, fmt);
	w = vsnprintf(r->headers[r->nheaders], MAPIHTTP_HEADER_MAX, fmt, ap);
	va_end(ap);
	if (w < 0 || w >= MAPIHTTP_HEADER_MAX)
		return rpe_fail(err, RPE_ERR_TOOBIG, "request header too long");
	r->headers_ptr[r->nheaders] = r->headers[r->nheaders];
	r->nheaders++;
	r->headers_ptr[r->nheaders] = NULL;
	return 0;
}

/* "Cookie: a=1; b=2" with every kept cookie (RFC 6265 5.4). */
static int cookie_header(const struct mapihttp_session *s,
			 struct mapihttp_request *r, struct rpe_error *err)
{
	char line[MAPIHTTP_HEADER_MAX];
	size_t o;
	int i, w;

	if (!s->ncookies)
		return 0;
	o = (size_t)snprintf(line, sizeof(line), "Cookie:");
	for (i = 0; i < s->ncookies; i++) {
		w = snprintf(line + o, sizeof(line) - o, "%s %s=%s",
			     i ? ";" : "", s->cookie[i].name, s->cookie[i].value);
		if (w < 0 || (size_t)w >= sizeof(line) - o)
			return rpe_fail(err, RPE_ERR_TOOBIG, "cookies too long");
		o += (size_t)w;
	}
	return add_header(r, err, "%s", line);
}

static int begin_request(struct mapihttp_session *s, const char *type,
			 struct mapihttp_request *r, struct rpe_error *err)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 8192);
	r->type = type;
	s->request_no++;
	/* 2.2.3.1: the type, a request id unique in the client (GUID:counter),
	 * the client instance, the content type. */
	TRY(add_header(r, err, "Content-Type: %s", MAPIHTTP_CONTENT_TYPE));
	TRY(add_header(r, err, "X-RequestType: %s", type));
	TRY(add_header(r, err, "X-RequestId: %s:%u", s->client_id, s->request_no));
	TRY(add_header(r, err, "X-ClientInfo: %s-1", s->client_id));
	TRY(add_header(r, err, "X-ClientApplication: Outlook/16.0.4266.1001"));
	TRY(add_header(r, err, "Accept: %s", MAPIHTTP_CONTENT_TYPE));
	return cookie_header(s, r, err);
}

int mapihttp_connect_request(struct mapihttp_session *s, const char *user_dn,
			     struct mapihttp_request *out, struct rpe_error *err)
{
	struct buf *b = &out->body;
	int rc;

	if (s->state != MAPIHTTP_IDLE)
		return rpe_fail(err, RPE_ERR_STATE, "MAPI/HTTP: Connect twice");
	TRY(emsmdb_check_user_dn(user_dn, err));
	rc = begin_request(s, "Connect", out, err);
	/* 2.2.4.1.1: UserDn, Flags (0: no administrator privilege),
	 * DefaultCodePage, LcidSort, LcidString, no auxiliary buffer (an
	 * online-mode client that reports nothing, as the RPC probes). */
	if (rc == 0 &&
	    (buf_put_bytes(b, user_dn, strlen(user_dn) + 1) < 0 ||
	     buf_put_u32le(b, 0) < 0 || buf_put_u32le(b, MAPIHTTP_CODEPAGE) < 0 ||
	     buf_put_u32le(b, MAPIHTTP_LCID) < 0 ||
	     buf_put_u32le(b, MAPIHTTP_LCID) < 0 || buf_put_u32le(b, 0) < 0))
		rc = rpe_fail(err, RPE_ERR_TOOBIG, "Connect request too large");
	if (rc < 0) {
		mapihttp_request_free(out);
		return rc;
	}
	s->state = MAPIHTTP_CONNECT_SENT;
	return 0;
}

int mapihttp_disconnect_request(struct mapihttp_session *s,
				struct mapihttp_request *out,
				struct rpe_error *err)
{
	int rc;

	if (s->state != MAPIHTTP_CONNECTED)
		return rpe_fail(err, RPE_ERR_STATE,
				"MAPI/HTTP: Disconnect without a session");
	rc = begin_request(s, "Disconnect", out, err);
	/* 2.2.4.3.1: only the auxiliary buffer, empty. */
	if (rc == 0 && buf_put_u32le(&out->body, 0) < 0)
		rc = rpe_fail(err, RPE_ERR_TOOBIG,
			      "Disconnect request too large");
	if (rc < 0) {
		mapihttp_request_free(out);
		return rc;
	}
	s->state = MAPIHTTP_DISCONNECT_SENT;
	return 0;
}

static void keep_cookie(struct mapihttp_session *s, const char *v, size_t n)
{
	struct rpe_error e = { 0, "" };
	char name[64], value[MAPIHTTP_COOKIE_MAX];
	int i;

	if (mapihttp_parse_set_cookie(v, n, name, sizeof(name), value,
				      sizeof(value), &e) < 0) {
		s->bad_header = 1;
		snprintf(s->bad_msg, sizeof(s->bad_msg), "%s", e.msg);
		return;
	}
	for (i = 0; i < s->ncookies; i++)
		if (strcmp(s->cookie[i].name, name) == 0)
			break;
	if (i == s->ncookies) {
		if (s->ncookies >= MAPIHTTP_COOKIES)
			return; /* ours are set first; a flood is ignored */
		s->ncookies++;
	}
	snprintf(s->cookie[i].name, sizeof(s->cookie[i].name), "%s", name);
	snprintf(s->cookie[i].value, sizeof(s->cookie[i].value), "%s", value);
}

void mapihttp_header(struct mapihttp_session *s, const char *line, size_t len)
{
	const char *v;
	size_t vn;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		s->have_rc = 0;
		s->rc = 0;
		s->request_type[0] = '\0';
		s->content_type[0] = '\0';
		s->bad_header = 0;
		s->bad_msg[0] = '\0';
		return;
	}
	if (header_named(line, len, "X-ResponseCode", &v, &vn)) {
		if (parse_decimal(v, vn, &s->rc) == 0) {
			s->have_rc = 1;
		} else {
			s->bad_header = 1;
			snprintf(s->bad_msg, sizeof(s->bad_msg),
				 "X-ResponseCode is not a number");
		}
	} else if (header_named(line, len, "X-RequestType", &v, &vn)) {
		copy_text(s->request_type, sizeof(s->request_type), v, vn);
	} else if (header_named(line, len, "Content-Type", &v, &vn)) {
		copy_text(s->content_type, sizeof(s->content_type), v, vn);
	} else if (header_named(line, len, "Set-Cookie", &v, &vn)) {
		keep_cookie(s, v, vn);
	}
}

const char *mapihttp_cookie(const struct mapihttp_session *s, const char *name)
{
	int i;

	for (i = 0; i < s->ncookies; i++)
		if (strcmp(s->cookie[i].name, name) == 0)
			return s->cookie[i].value;
	return NULL;
}

static void malformed(struct mapihttp_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void malformed(struct mapihttp_event *ev, const char *fmt, ...)
{
	va_list ap;

	ev->kind = MAPIHTTP_EV_MALFORMED;
	va_start(ap, fmt);
	vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap);
	va_end(ap);
}

static void connect_answer(struct mapihttp_session *s, const uint8_t *p,
			   size_t n, struct mapihttp_event *ev)
{
	struct rpe_error err = { 0, "" };
	struct mapihttp_connect_resp *r = &ev->connect;

	if (mapihttp_parse_connect_response(p, n, r, &err) < 0) {
		malformed(ev, "%s", err.msg);
		return;
	}
	ev->status_code = r->status_code;
	ev->error_code = r->status_code ? r->status_code : r->error_code;
	if (ev->error_code) {
		s->state = MAPIHTTP_CLOSED;
		ev->kind = MAPIHTTP_EV_REFUSED;
		snprintf(ev->msg, sizeof(ev->msg), "Connect refused: %s %s",
			 r->status_code ? "StatusCode" : "ErrorCode",
			 emsmdb_ec_name(ev->error_code));
		return;
	}
	if (!mapihttp_cookie(s, "MapiContext"))
		/* Without the context cookie no later request can name the
		 * session (2.2.3.2); the Disconnect would fail with 13. */
		snprintf(ev->msg, sizeof(ev->msg),
			 "Connect answered without a MapiContext cookie");
	s->state = MAPIHTTP_CONNECTED;
	ev->kind = MAPIHTTP_EV_CONNECTED;
}

static void disconnect_answer(struct mapihttp_session *s, const uint8_t *p,
			      size_t n, struct mapihttp_event *ev)
{
	struct rpe_error err = { 0, "" };
	struct mapihttp_disconnect_resp r;

	s->state = MAPIHTTP_CLOSED;
	if (mapihttp_parse_disconnect_response(p, n, &r, &err) < 0) {
		malformed(ev, "%s", err.msg);
		return;
	}
	ev->status_code = r.status_code;
	ev->error_code = r.status_code ? r.status_code : r.error_code;
	ev->kind = MAPIHTTP_EV_DISCONNECTED;
}

static void response_code(struct mapihttp_event *ev, uint32_t rc)
{
	const char *name = mapihttp_rc_name(rc);

	ev->kind = MAPIHTTP_EV_RESPONSE_CODE;
	ev->rc = rc;
	snprintf(ev->msg, sizeof(ev->msg), "X-ResponseCode %u (%s)",
		 (unsigned)rc, name ? name : "not in MS-OXCMAPIHTTP");
}

void mapihttp_response(struct mapihttp_session *s, long status,
		       const uint8_t *body, size_t len, struct mapihttp_event *ev)
{
	struct rpe_error err = { 0, "" };
	enum mapihttp_state was = s->state;
	const char *expect = was == MAPIHTTP_CONNECT_SENT ? "Connect" :
							    "Disconnect";
	size_t bin = 0;
	struct buf_cur c;
	const uint8_t *p = NULL;

	memset(ev, 0, sizeof(*ev));
	ev->status = status;
	ev->rc = s->rc;
	ev->meta.elapsed_ms = -1;
	if (was != MAPIHTTP_CONNECT_SENT && was != MAPIHTTP_DISCONNECT_SENT) {
		malformed(ev, "MAPI/HTTP: a response without a request");
		return;
	}
	s->state = MAPIHTTP_CLOSED;
	if (s->have_rc && s->rc != MAPIHTTP_RC_SUCCESS) {
		response_code(ev, s->rc);
		return;
	}
	if (status != 200) {
		ev->kind = MAPIHTTP_EV_HTTP_STATUS;
		snprintf(ev->msg, sizeof(ev->msg), "HTTP %ld", status);
		return;
	}
	if (s->bad_header) {
		malformed(ev, "%s", s->bad_msg);
		return;
	}
	if (s->request_type[0] && strcasecmp(s->request_type, expect) != 0) {
		malformed(ev, "X-RequestType %s in the answer to %s",
			  s->request_type, expect);
		return;
	}
	if (mapihttp_parse_meta(body, len, &ev->meta, &bin, &err) < 0) {
		if (!s->have_rc)
			malformed(ev,
				  "HTTP 200 without X-ResponseCode or meta-tags (Content-Type %s): not a MAPI over HTTP endpoint (a login page, a proxy?)",
				  s->content_type[0] ? s->content_type : "none");
		else
			malformed(ev, "%s", err.msg);
		return;
	}
	if (ev->meta.have_rc && ev->meta.rc != MAPIHTTP_RC_SUCCESS) {
		response_code(ev, ev->meta.rc);
		return;
	}
	buf_cur_init(&c, body, len);
	if (buf_cur_seek(&c, bin) < 0 ||
	    buf_get_ref(&c, buf_cur_remaining(&c), &p) < 0) {
		malformed(ev, "response body: no binary part");
		return;
	}
	if (was == MAPIHTTP_CONNECT_SENT)
		connect_answer(s, p, len - bin, ev);
	else
		disconnect_answer(s, p, len - bin, ev);
}
