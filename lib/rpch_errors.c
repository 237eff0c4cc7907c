/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RPC over HTTP proxy's error answers (MS-RPCH 2.1.2.1.3, 3.2.3.5.11)
 * and their Windows error codes (MS-ERREF 2.2), with the administrator's
 * fix for each. */
#include "rpch_errors.h"

#include <string.h>

#include "buf.h"

/* Parsing ------------------------------------------------------------------- */

static int peek(const struct buf_cur *c, uint8_t *ch)
{
	return buf_peek_u8_at(c, buf_cur_pos(c), ch);
}

static void skip_blanks(struct buf_cur *c)
{
	uint8_t ch;

	while (peek(c, &ch) == 0 && (ch == ' ' || ch == '\t'))
		(void)buf_skip(c, 1);
}

static int hex_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The literal "RPC Error: " of the reason-phrase rule, compared without
 * regard to case (proxies in front of Exchange rewrite it). */
static int get_prefix(struct buf_cur *c)
{
	static const char lit[] = "rpc error:";
	const uint8_t *p;
	size_t i;

	if (buf_get_ref(c, sizeof(lit) - 1, &p) < 0)
		return RPE_ERR_PROTO;
	for (i = 0; i < sizeof(lit) - 1; i++) {
		uint8_t ch = p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		if (ch != (uint8_t)lit[i])
			return RPE_ERR_PROTO;
	}
	return 0;
}

/* RPC-Error = 1*HEX, a 32-bit value (at most 8 digits after an optional
 * "0x" some implementations add). */
static int get_hex32(struct buf_cur *c, uint32_t *code)
{
	uint8_t ch, x;
	int n = 0, d;

	if (peek(c, &ch) == 0 && ch == '0' &&
	    buf_peek_u8_at(c, buf_cur_pos(c) + 1, &x) == 0 &&
	    (x == 'x' || x == 'X'))
		(void)buf_skip(c, 2);
	*code = 0;
	while (peek(c, &ch) == 0 && (d = hex_value(ch)) >= 0) {
		if (++n > 8)
			return RPE_ERR_PROTO;
		*code = *code << 4 | (uint32_t)d;
		(void)buf_skip(c, 1);
	}
	return n > 0 ? 0 : RPE_ERR_PROTO;
}

/* Skip bytes up to and including the next space; fails at the end. */
static int skip_past_space(struct buf_cur *c)
{
	uint8_t ch;

	do {
		if (buf_get_u8(c, &ch) < 0)
			return RPE_ERR_PROTO;
	} while (ch != ' ');
	return 0;
}

int rpch_status_reason(const char *line, size_t len, size_t *off, size_t *n,
		       struct rpe_error *err)
{
	struct buf_cur c;
	const uint8_t *p;
	uint8_t ch;
	size_t start, end;

	*off = *n = 0;
	buf_cur_init(&c, line, len);
	if (buf_get_ref(&c, 5, &p) < 0 || memcmp(p, "HTTP/", 5) != 0 ||
	    skip_past_space(&c) < 0 || buf_get_ref(&c, 3, &p) < 0 ||
	    hex_value(p[0]) < 0 || hex_value(p[0]) > 9 || hex_value(p[1]) < 0 ||
	    hex_value(p[1]) > 9 || hex_value(p[2]) < 0 || hex_value(p[2]) > 9)
		return rpe_fail(err, RPE_ERR_PROTO, "not an HTTP status line");
	/* "HTTP/1.1 503" alone: an empty reason phrase. */
	if (buf_get_u8(&c, &ch) < 0 || ch != ' ')
		return 0;
	start = end = buf_cur_pos(&c);
	while (buf_get_u8(&c, &ch) == 0 && ch != '\r' && ch != '\n')
		end = buf_cur_pos(&c);
	*off = start;
	*n = end - start;
	return 0;
}

int rpch_parse_rpc_error(const char *reason, size_t len, uint32_t *code,
			 struct rpe_error *err)
{
	struct buf_cur c;
	uint8_t ch;

	*code = 0;
	if (!reason || len > RPCH_REASON_MAX)
		return rpe_fail(err, RPE_ERR_PROTO,
				"reason phrase missing or longer than %d bytes",
				RPCH_REASON_MAX);
	buf_cur_init(&c, reason, len);
	skip_blanks(&c);
	if (get_prefix(&c) < 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"reason phrase is not \"RPC Error: <hex>\"");
	skip_blanks(&c);
	if (get_hex32(&c, code) < 0)
		return rpe_fail(err, RPE_ERR_PROTO,
				"RPC-Error is not a 32-bit hex number");
	skip_blanks(&c);
	/* ee-info = ", EEInfo: " EncodedEEInfo: extended error information
	 * (MS-EERR) we do not decode. */
	if (peek(&c, &ch) == 0 && ch != ',' && ch != '\r' && ch != '\n')
		return rpe_fail(err, RPE_ERR_PROTO,
				"unexpected text after the RPC-Error");
	return 0;
}

/* Tables --------------------------------------------------------------------- */

/* Windows error codes (MS-ERREF 2.2) an RPC proxy puts in the reason
 * phrase when it cannot connect the channel to the backend. */
static const struct {
	uint32_t code;
	const char *name, *cause, *fix;
} rpc_errors[] = {
	{ 0x000006BA, "RPC_S_SERVER_UNAVAILABLE",
	  "the RPC proxy cannot reach the backend server and port: the backend is down or unreachable, or the proxy does not allow that server:port",
	  "check --rpc-server and --rpc-port; on the Client Access server allow them in the RPC proxy's ValidPorts (HKLM\\Software\\Microsoft\\Rpc\\RpcProxy) and check Get-OutlookAnywhere and the backend's MSExchangeRPC service" },
	{ 0x000006D9, "EPT_S_NOT_REGISTERED",
	  "the backend's endpoint mapper knows no endpoint for the store: the Exchange RPC Client Access service is not running there",
	  "start the Microsoft Exchange RPC Client Access service (MSExchangeRPC) on the backend and check --rpc-port (6001 is the store)" },
	{ 0x00000005, "ERROR_ACCESS_DENIED",
	  "the RPC proxy denied access to the backend for this user or port",
	  "check that the account may use Outlook Anywhere and that the backend and port are in the RPC proxy's ValidPorts" },
	{ 0x000006C1, "RPC_S_PROXY_ACCESS_DENIED",
	  "the RPC proxy refused access to itself",
	  "check the /rpc virtual directory's authentication and IP restrictions (Get-OutlookAnywhere)" },
	{ 0x000006BB, "RPC_S_SERVER_TOO_BUSY",
	  "the backend is too busy to accept the connection",
	  "check the RPC Client Access service's load and MaximumConnections (Get-RpcClientAccess)" },
	{ 0x000006BE, "RPC_S_CALL_FAILED",
	  "the RPC proxy's call to the backend failed",
	  "look for the failure in the backend's Application log (MSExchange RPC Client Access)" },
	{ 0x000006BF, "RPC_S_CALL_FAILED_DNE",
	  "the RPC proxy lost the connection to the backend before the call ran",
	  "check the network between the Client Access server and the backend, and the backend's RPC Client Access service" },
	{ 0x000006C0, "RPC_S_PROTOCOL_ERROR",
	  "the RPC proxy saw a protocol error on the channel",
	  "check for a load balancer or reverse proxy that alters RPC_IN_DATA/RPC_OUT_DATA requests" },
	{ 0x0000071C, "RPC_S_COMM_FAILURE",
	  "communication between the RPC proxy and the backend failed",
	  "check the network between the Client Access server and the backend" },
	{ 0x0000274D, "WSAECONNREFUSED",
	  "the backend refused the TCP connection on that port",
	  "check --rpc-port and that the RPC Client Access service listens on the backend" },
	{ 0x0000274C, "WSAETIMEDOUT",
	  "the RPC proxy's TCP connection to the backend timed out",
	  "check firewalls between the Client Access server and the backend" },
	{ 0x00002AF9, "WSAHOST_NOT_FOUND",
	  "the RPC proxy cannot resolve the backend's name",
	  "check --rpc-server (a name the Client Access server resolves, or GUID@domain on Exchange 2013 and later)" },
	/* The same failures as NTSTATUS values (facility RPC, MS-ERREF
	 * 2.3.1), which the proxy reports for its own channel to the
	 * backend. */
	{ 0xC0020017, "RPC_NT_SERVER_UNAVAILABLE",
	  "the RPC proxy cannot reach the backend server and port: the backend is down or unreachable, or the proxy does not allow that server:port",
	  "check --rpc-server and --rpc-port; on the Client Access server allow them in the RPC proxy's ValidPorts and check the backend's MSExchangeRPC service" },
	{ 0xC0020018, "RPC_NT_SERVER_TOO_BUSY",
	  "the backend is too busy to accept the connection",
	  "check the RPC Client Access service's load and MaximumConnections (Get-RpcClientAccess)" },
	{ 0xC002001B, "RPC_NT_CALL_FAILED",
	  "the RPC proxy's call to the backend failed",
	  "look for the failure in the backend's Application log (MSExchange RPC Client Access)" },
	{ 0xC002001C, "RPC_NT_CALL_FAILED_DNE",
	  "the RPC proxy lost the connection to the backend before the call ran",
	  "check the network between the Client Access server and the backend, and the backend's RPC Client Access service" },
	{ 0xC002001D, "RPC_NT_PROTOCOL_ERROR",
	  "the RPC proxy saw a protocol error on the channel",
	  "check for a load balancer or reverse proxy that alters RPC_IN_DATA/RPC_OUT_DATA requests" },
	/* The RPC runtime's transport statuses (RPC_P_*, its private range
	 * of facility RPC), seen from IIS's RPC proxy when its connection
	 * to the backend breaks: "503 RPC Error: c0021009" in the field. */
	{ 0xC0021008, "RPC_P_CONNECTION_CLOSED",
	  "the backend closed the RPC proxy's connection to it",
	  "check the backend's RPC Client Access service (MSExchangeRPC) and its Application log, and the network between the Client Access server and the backend" },
	{ 0xC0021009, "RPC_P_RECEIVE_FAILED",
	  "the RPC proxy's connection to the backend failed while receiving (the backend reset or dropped it)",
	  "check the backend's RPC Client Access service (MSExchangeRPC) and its Application log, and firewalls or load balancers between the Client Access server and the backend" },
	{ 0xC002100A, "RPC_P_SEND_FAILED",
	  "the RPC proxy's connection to the backend failed while sending",
	  "check the network between the Client Access server and the backend, and the backend's RPC Client Access service" },
	{ 0xC002100B, "RPC_P_TIMEOUT",
	  "the RPC proxy's connection to the backend timed out",
	  "check firewalls and idle timeouts between the Client Access server and the backend" },
};

/* HTTP statuses on a channel (RFC 7231 6.5, 6.6) as an RPC proxy in front
 * of Exchange means them. */
static const struct {
	long status;
	const char *cause, *fix;
} http_errors[] = {
	{ 401,
	  "the RPC proxy refused the credentials: wrong user or password, an HTTP authentication method the /rpc virtual directory does not offer, or Extended Protection demanding channel binding",
	  "check -u and the password, --http-auth against (Get-OutlookAnywhere).IISAuthenticationMethods, and ExtendedProtectionTokenChecking" },
	{ 403,
	  "the RPC proxy forbids the request: TLS required, a client certificate required, or an IP restriction on /rpc",
	  "check the /rpc virtual directory's SSL settings and IP restrictions, --no-tls and --client-cert" },
	{ 404,
	  "the RPC proxy does not know the RemoteName (Exchange 2013 and later accept only <mailbox GUID>@<domain>), or the path is not an RPC proxy",
	  "use --rpc-server GUID@domain with the GUID from (Get-Mailbox NAME).ExchangeGuid, or let Autodiscover find it; check --rpc-proxy-path" },
	{ 407, "the HTTP proxy between the plugin and Exchange wants credentials",
	  "give the proxy's credentials in --proxy URL or choose another proxy" },
	{ 500, "the RPC proxy failed internally",
	  "check the Client Access server's Application log and the MSExchangeRpcProxyAppPool" },
	{ 502, "a gateway in front of the RPC proxy got no valid answer",
	  "check the load balancer or reverse proxy in front of Exchange" },
	{ 503,
	  "the RPC proxy is unavailable: the Outlook Anywhere application pool is stopped or the server is in maintenance",
	  "check the MSExchangeRpcProxyAppPool and Get-ServerComponentState for RpcProxy" },
	{ 504, "a gateway in front of the RPC proxy timed out",
	  "check the load balancer's timeouts: RPC over HTTP channels are long-lived" },
};

const char *rpch_error_name(uint32_t code)
{
	size_t i;

	for (i = 0; i < sizeof(rpc_errors) / sizeof(rpc_errors[0]); i++)
		if (rpc_errors[i].code == code)
			return rpc_errors[i].name;
	return NULL;
}

static void explain_rpc_error(struct rpch_http_error *out)
{
	size_t i;

	for (i = 0; i < sizeof(rpc_errors) / sizeof(rpc_errors[0]); i++)
		if (rpc_errors[i].code == out->rpc_error) {
			out->name = rpc_errors[i].name;
			out->cause = rpc_errors[i].cause;
			out->fix = rpc_errors[i].fix;
			return;
		}
	out->cause =
		"the RPC proxy could not connect the channel to the backend (Windows error in the reason phrase)";
	out->fix =
		"look the code up in the Client Access server's Application log and check --rpc-server and --rpc-port";
}

void rpch_explain_http(long status, const char *reason, size_t reason_len,
		       struct rpch_http_error *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->status = status;
	/* Only the proxy's processing errors carry an RPC-Error, always
	 * with 503 (MS-RPCH 3.2.3.5.11). */
	if (status == 503 && reason &&
	    rpch_parse_rpc_error(reason, reason_len, &out->rpc_error, NULL) == 0) {
		out->has_rpc_error = 1;
		explain_rpc_error(out);
		return;
	}
	for (i = 0; i < sizeof(http_errors) / sizeof(http_errors[0]); i++)
		if (http_errors[i].status == status) {
			out->cause = http_errors[i].cause;
			out->fix = http_errors[i].fix;
			return;
		}
}
