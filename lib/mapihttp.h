/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One MAPI over HTTP EMSMDB session (MS-OXCMAPIHTTP), sans-I/O: requests
 * out (body and header lines), responses in (header lines, then status
 * and body), one event per response.  No DCE/RPC, no sockets; the probe's
 * lib/mapi_probe moves the bytes (docs/architecture.md, "MAPI over HTTP").
 *
 *   mapihttp_init(&s, "client GUID")
 *   mapihttp_connect_request(&s, user_dn, &req, err)   -> POST it
 *   for each response header line: mapihttp_header(&s, line, len)
 *   mapihttp_response(&s, status, body, len, &ev)      -> CONNECTED ...
 *   mapihttp_disconnect_request(&s, &req, err)          (cookies kept)
 *   mapihttp_response(...)                              -> DISCONNECTED
 *
 * The decoders read through lib/buf and are fuzzed (fuzz_mapihttp). */
#ifndef RPE_MAPIHTTP_H
#define RPE_MAPIHTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Path of the EMSMDB endpoint (2.2.1); "?MailboxId=<GUID@domain>" follows. */
#define MAPIHTTP_EMSMDB_PATH "/mapi/emsmdb/"
#define MAPIHTTP_CONTENT_TYPE "application/mapi-http"
/* Code page and locales Outlook sends in an en-US profile (2.2.4.1.1). */
#define MAPIHTTP_CODEPAGE 1252u
#define MAPIHTTP_LCID 0x0409u

/* X-ResponseCode (2.2.3.3.3). */
enum mapihttp_rc {
	MAPIHTTP_RC_SUCCESS = 0,
	MAPIHTTP_RC_UNKNOWN_FAILURE = 1,
	MAPIHTTP_RC_INVALID_VERB = 2,
	MAPIHTTP_RC_INVALID_PATH = 3,
	MAPIHTTP_RC_INVALID_HEADER = 4,
	MAPIHTTP_RC_INVALID_REQUEST_TYPE = 5,
	MAPIHTTP_RC_INVALID_CONTEXT_COOKIE = 6,
	MAPIHTTP_RC_MISSING_HEADER = 7,
	MAPIHTTP_RC_ANONYMOUS_NOT_ALLOWED = 8,
	MAPIHTTP_RC_TOO_LARGE = 9,
	MAPIHTTP_RC_CONTEXT_NOT_FOUND = 10,
	MAPIHTTP_RC_NO_PRIVILEGE = 11,
	MAPIHTTP_RC_INVALID_REQUEST_BODY = 12,
	MAPIHTTP_RC_MISSING_COOKIE = 13,
	MAPIHTTP_RC_RESERVED = 14,
	MAPIHTTP_RC_INVALID_SEQUENCE = 15,
	MAPIHTTP_RC_ENDPOINT_DISABLED = 16,
	MAPIHTTP_RC_INVALID_RESPONSE = 17,
	MAPIHTTP_RC_ENDPOINT_SHUTTING_DOWN = 18,
};

/* "Invalid Path" ..., or NULL for a code outside the table. */
const char *mapihttp_rc_name(uint32_t rc);
/* What an administrator reads into it, or NULL. */
const char *mapihttp_rc_meaning(uint32_t rc);

#define MAPIHTTP_COOKIE_MAX 512
#define MAPIHTTP_COOKIES 4
#define MAPIHTTP_DN_MAX 1024
#define MAPIHTTP_NAME_MAX 256

/* The text before the binary response (2.2.7): meta-tags, then
 * additional headers up to a blank line. */
struct mapihttp_meta {
	unsigned processing; /* PROCESSING lines */
	unsigned pending;    /* PENDING lines (keep-alives while it works) */
	int done;            /* DONE seen */
	long elapsed_ms;     /* X-ElapsedTime, -1 when absent */
	int have_rc;         /* X-ResponseCode among them (the final chunk
				 carries the completed request's, 3.2.5.2) */
	uint32_t rc;
	char start_time[64]; /* X-StartTime, "" when absent */
};

/* Split a response body: *bin receives the offset of the binary part.
 * RPE_ERR_PROTO for a line that is no meta-tag, a body without DONE or
 * without the blank line that ends the additional headers. */
int mapihttp_parse_meta(const uint8_t *p, size_t n, struct mapihttp_meta *m,
			size_t *bin, struct rpe_error *err);

/* Connect response (2.2.4.1.2; on failure 2.2.4.1.3: StatusCode != 0 and
 * the auxiliary buffer only). */
struct mapihttp_connect_resp {
	uint32_t status_code; /* 0: the request was processed */
	uint32_t error_code;  /* the store's answer (MS-OXCDATA 2.4) */
	uint32_t polls_max, retry_count, retry_delay;
	char dn_prefix[MAPIHTTP_DN_MAX];
	char display_name[MAPIHTTP_NAME_MAX]; /* UTF-16 -> UTF-8 */
	uint32_t aux_size;
};

int mapihttp_parse_connect_response(const uint8_t *p, size_t n,
				    struct mapihttp_connect_resp *r,
				    struct rpe_error *err);

/* Disconnect response (2.2.4.3.2). */
struct mapihttp_disconnect_resp {
	uint32_t status_code;
	uint32_t error_code;
	uint32_t aux_size;
};

int mapihttp_parse_disconnect_response(const uint8_t *p, size_t n,
				       struct mapihttp_disconnect_resp *r,
				       struct rpe_error *err);

/* A Set-Cookie field value: the first name=value pair (RFC 6265 5.2). */
int mapihttp_parse_set_cookie(const char *v, size_t n, char *name,
			      size_t name_max, char *value, size_t value_max,
			      struct rpe_error *err);

/* Requests ---------------------------------------------------------------- */

#define MAPIHTTP_HEADERS_MAX 8
#define MAPIHTTP_HEADER_MAX (MAPIHTTP_COOKIES * (MAPIHTTP_COOKIE_MAX + 48) + 16)

struct mapihttp_request {
	const char *type; /* "Connect", "Disconnect" */
	struct buf body;
	/* Header lines without CRLF; headers_ptr NULL-terminated for
	 * transport_request. */
	char headers[MAPIHTTP_HEADERS_MAX][MAPIHTTP_HEADER_MAX];
	const char *headers_ptr[MAPIHTTP_HEADERS_MAX + 1];
	int nheaders;
};

void mapihttp_request_free(struct mapihttp_request *r);

enum mapihttp_state {
	MAPIHTTP_IDLE = 0,
	MAPIHTTP_CONNECT_SENT,
	MAPIHTTP_CONNECTED,
	MAPIHTTP_DISCONNECT_SENT,
	MAPIHTTP_CLOSED,
};

struct mapihttp_session {
	enum mapihttp_state state;
	char client_id[40]; /* {GUID} of X-ClientInfo / X-RequestId */
	unsigned request_no;
	/* Cookies the server set (MapiContext, MapiSequence, and any other
	 * one, e.g. a load balancer's), sent back with every request. */
	struct {
		char name[64];
		char value[MAPIHTTP_COOKIE_MAX];
	} cookie[MAPIHTTP_COOKIES];
	int ncookies;
	/* The response being read. */
	int have_rc;
	uint32_t rc;           /* X-ResponseCode */
	char request_type[32]; /* X-RequestType echoed */
	char content_type[64];
	int bad_header; /* a malformed X-ResponseCode or Set-Cookie */
	char bad_msg[RPE_ERRMSG_MAX];
};

/* client_id: "{8-4-4-4-12}" as Outlook's X-ClientInfo; NULL: a fixed one. */
void mapihttp_init(struct mapihttp_session *s, const char *client_id);

/* The Connect request for the mailbox user_dn (printable ASCII). */
int mapihttp_connect_request(struct mapihttp_session *s, const char *user_dn,
			     struct mapihttp_request *out, struct rpe_error *err);
/* The Disconnect request, carrying the session's cookies. */
int mapihttp_disconnect_request(struct mapihttp_session *s,
				struct mapihttp_request *out,
				struct rpe_error *err);

/* One response header line (with or without CRLF); "HTTP/" lines start a
 * new response. */
void mapihttp_header(struct mapihttp_session *s, const char *line, size_t len);

enum mapihttp_event_kind {
	MAPIHTTP_EV_CONNECTED = 1, /* Connect: logged on */
	MAPIHTTP_EV_REFUSED,       /* Connect: ErrorCode != 0 */
	MAPIHTTP_EV_DISCONNECTED,  /* Disconnect answered */
	MAPIHTTP_EV_RESPONSE_CODE, /* X-ResponseCode != 0 */
	MAPIHTTP_EV_HTTP_STATUS,   /* a non-200 status without X-ResponseCode */
	MAPIHTTP_EV_MALFORMED,     /* msg says what */
};

struct mapihttp_event {
	enum mapihttp_event_kind kind;
	long status;
	uint32_t rc;         /* X-ResponseCode */
	uint32_t error_code; /* Connect/Disconnect ErrorCode */
	uint32_t status_code;
	struct mapihttp_meta meta;
	struct mapihttp_connect_resp connect; /* CONNECTED / REFUSED */
	char msg[RPE_ERRMSG_MAX + 64];
};

/* The whole response to the last request: status and de-chunked body. */
void mapihttp_response(struct mapihttp_session *s, long status,
		       const uint8_t *body, size_t len,
		       struct mapihttp_event *ev);

/* The value of a kept cookie, or NULL. */
const char *mapihttp_cookie(const struct mapihttp_session *s, const char *name);

#endif
