/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RPC proxy's error answers: the reason phrase of MS-RPCH 2.1.2.1.3
 * and the table of causes and fixes. */
#include "rpch_errors.h"
#include "t.h"

static int parse(const char *s, uint32_t *code)
{
	struct rpe_error err = { 0, "" };
	int rc = rpch_parse_rpc_error(s, strlen(s), code, &err);

	if (rc < 0)
		CHECK(err.msg[0] != '\0'); /* a failure always says why */
	return rc;
}

static void test_reason_phrase(void)
{
	static const struct {
		const char *phrase;
		uint32_t code;
	} good[] = {
		{ "RPC Error: 6ba", 0x6BA },
		{ "RPC Error: 6D9", 0x6D9 },
		{ "RPC Error: 5, EEInfo: AAECAwQFBgc=", 0x5 },
		{ "  rpc error:0x6bf  ", 0x6BF },
		{ "RPC Error: ffffffff", 0xFFFFFFFFu },
		{ "RPC Error: 6ba\r\n", 0x6BA },
	};
	static const char *const bad[] = {
		"",
		"Service Unavailable",
		"RPC Error:",
		"RPC Error: ",
		"RPC Error: 6bz",
		"RPC Error: 123456789",
		"RPC Error: 0x",
		"RPC Err: 6ba",
		"RPC Error: -6ba",
		"RPC Error: 6ba junk",
	};
	uint32_t code;
	size_t i;
	char big[RPCH_REASON_MAX + 2];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_INT(parse(good[i].phrase, &code), 0);
		CHECK_INT(code, good[i].code);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i], &code) < 0);
	/* MS-RPCH caps the reason-phrase line at 1,024 bytes. */
	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, "RPC Error: 6ba", 14);
	big[sizeof(big) - 1] = '\0';
	CHECK(parse(big, &code) < 0);
	/* Not NUL-terminated: only len bytes are read. */
	CHECK_INT(rpch_parse_rpc_error("RPC Error: 6baXYZ", 14, &code, NULL), 0);
	CHECK_INT(code, 0x6BA);
}

static void test_status_line(void)
{
	static const struct {
		const char *line, *reason;
	} good[] = {
		{ "HTTP/1.1 503 RPC Error: 6ba\r\n", "RPC Error: 6ba" },
		{ "HTTP/1.0 503 RPC Error: 6d9, EEInfo: AAEC\r\n",
		  "RPC Error: 6d9, EEInfo: AAEC" },
		{ "HTTP/1.1 404 Not Found\r\n", "Not Found" },
		{ "HTTP/1.1 401\r\n", "" },
		{ "HTTP/2 200 \r\n", "" },
		{ "HTTP/1.1 500 no line end", "no line end" },
	};
	static const char *const bad[] = {
		"",
		"HTTP/",
		"HTTP/1.1",
		"HTTP/1.1 ",
		"HTTP/1.1 50",
		"HTTP/1.1 5x3 X",
		"Content-Type: text/html\r\n",
		"http/1.1 503 RPC Error: 6ba",
	};
	struct rpe_error err = { 0, "" };
	size_t i, off, n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_INT(rpch_status_reason(good[i].line, strlen(good[i].line),
					     &off, &n, &err),
			  0);
		CHECK_INT(n, strlen(good[i].reason));
		CHECK(strncmp(good[i].line + off, good[i].reason, n) == 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		CHECK(rpch_status_reason(bad[i], strlen(bad[i]), &off, &n,
					 &err) < 0);
		CHECK(err.msg[0] != '\0');
	}
}

static void test_proxy_errors(void)
{
	static const struct {
		const char *phrase, *name, *cause, *fix;
	} cases[] = {
		{ "RPC Error: 6ba", "RPC_S_SERVER_UNAVAILABLE",
		  "cannot reach the backend", "ValidPorts" },
		{ "RPC Error: 6d9", "EPT_S_NOT_REGISTERED", "endpoint mapper",
		  "MSExchangeRPC" },
		{ "RPC Error: 5", "ERROR_ACCESS_DENIED", "denied", "ValidPorts" },
		{ "RPC Error: 6bf", "RPC_S_CALL_FAILED_DNE",
		  "lost the connection", "network" },
		{ "RPC Error: 6be", "RPC_S_CALL_FAILED", "failed",
		  "Application log" },
		/* The status line a field report of ruler shows, "HTTP/1.1 503
		 * RPC Error: c0021009" (../shared/real_bytes/http/
		 * ruler51_status.txt): the runtime's RPC_P_RECEIVE_FAILED. */
		{ "RPC Error: c0021009", "RPC_P_RECEIVE_FAILED",
		  "while receiving", "MSExchangeRPC" },
		{ "RPC Error: C002100A", "RPC_P_SEND_FAILED", "while sending",
		  "network" },
		{ "RPC Error: c0020017", "RPC_NT_SERVER_UNAVAILABLE",
		  "cannot reach the backend", "ValidPorts" },
		{ "RPC Error: c002001c", "RPC_NT_CALL_FAILED_DNE",
		  "lost the connection", "network" },
	};
	struct rpch_http_error e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rpch_explain_http(503, cases[i].phrase, strlen(cases[i].phrase),
				  &e);
		CHECK_INT(e.status, 503);
		CHECK_INT(e.has_rpc_error, 1);
		CHECK_STR(e.name, cases[i].name);
		CHECK(e.cause && strstr(e.cause, cases[i].cause));
		CHECK(e.fix && strstr(e.fix, cases[i].fix));
		CHECK_STR(rpch_error_name(e.rpc_error), cases[i].name);
	}
	/* An unknown Windows code still says where to look. */
	rpch_explain_http(503, "RPC Error: 1234", 15, &e);
	CHECK_INT(e.has_rpc_error, 1);
	CHECK_INT(e.rpc_error, 0x1234);
	CHECK(e.name == NULL && e.cause && e.fix);
	/* An RPC-Error is only the proxy's with 503. */
	rpch_explain_http(500, "RPC Error: 6ba", 14, &e);
	CHECK_INT(e.has_rpc_error, 0);
	CHECK(e.cause && strstr(e.cause, "failed internally"));
}

static void test_http_statuses(void)
{
	struct rpch_http_error e;

	rpch_explain_http(404, "Not Found", 9, &e);
	CHECK(e.cause && strstr(e.cause, "RemoteName"));
	CHECK(e.fix && strstr(e.fix, "ExchangeGuid"));
	rpch_explain_http(401, NULL, 0, &e);
	CHECK(e.cause && strstr(e.cause, "credentials"));
	CHECK(e.cause && strstr(e.cause, "Extended Protection"));
	CHECK(e.fix && strstr(e.fix, "--http-auth"));
	rpch_explain_http(503, "Service Unavailable", 19, &e);
	CHECK_INT(e.has_rpc_error, 0);
	CHECK(e.cause && strstr(e.cause, "application pool"));
	rpch_explain_http(418, "I'm a teapot", 12, &e);
	CHECK(e.cause == NULL && e.fix == NULL);
	CHECK(rpch_error_name(0x12345678) == NULL);
}

int main(void)
{
	T_RUN(test_reason_phrase);
	T_RUN(test_status_line);
	T_RUN(test_proxy_errors);
	T_RUN(test_http_statuses);
	T_DONE();
}
