#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: --transport mapi (MAPI over HTTP, MS-OXCMAPIHTTP) against the
# responder's /mapi/emsmdb endpoint and its plain-http door, one case per
# verdict row (docs/architecture.md, "MAPI over HTTP"): the plain door
# closed, reset, 403.4, redirected to https, open (logon in clear), a 401
# offering only Basic (never answered with Basic credentials); the store's
# and the endpoint's refusals named (ecProtocolDisabled, 404 not offered,
# a wrong MailboxId, X-ResponseCode 10/13/15), cookies, the -t deadline;
# the TCP connections, HTTP requests and NTLM handshakes of a probe (the
# Disconnect on the Connect's authenticated connection, and the fallbacks
# when the server closes it or asks for NTLM again).
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
MID=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test
has() { # TEXT DESCRIPTION: the whole output contains TEXT
	if [[ $OUT == *"$1"* ]]; then ok "$2"; else not_ok "$2 (no '$1')"; fi
}
mapi() { # NAME [plugin args]: the MAPI pair against responder NAME
	local name=$1 p="${1}_PORT" c="${1}_CA" pl="${1}_PLAIN"
	shift
	run_plugin --transport mapi -H localhost -p "${!p}" --ca-file "${!c}" \
		--plain-port "${!pl:-1}" -u 'EXAMPLE\probe' -m "$MB" --rpc-server "$MID" "$@"
}

# --- the plain door ------------------------------------------------------------
start_responder closed --http-auth any --mapi-plain closed || exit 1
mapi closed
expect_result "plain door closed (connection refused): OK" 0 \
	"^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP: plain http on port [0-9]+ refused: .*, encrypted logon OK in [0-9.]+s \|"
has "encryption_enforced=1;;;0;1" "closed: encryption_enforced=1"
has "encrypted probe (MAPI over HTTP, https): LOGON_OK" "closed: the https logon is described"
has "session closed (Disconnect ecNone)" "closed: the session was closed with Disconnect"
has "TLS 0." "closed: the TLS step is listed"
has "HTTP authentication offered: NTLM" "closed: the offered schemes are listed"
grep -q "mapi Disconnect ok" "$closed_LOG" && ok "responder: Disconnect carried both cookies" \
	|| not_ok "responder: Disconnect carried both cookies"
grep -q "http auth=ntlm user=.* ok" "$closed_LOG" && ok "responder: our NTLM at /mapi" \
	|| not_ok "responder: our NTLM at /mapi"
mapi closed --expect optional
expect_result "plain door closed, --expect optional: CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost requires TLS for MAPI over HTTP: .*\(expected: plain http allowed\)"

# --- connections: the Disconnect on the Connect's NTLM-authenticated one ----------
# The responder logs each TCP connection ("accept peer="), each HTTP request
# ("http method=") and each NTLM handshake ("negotiate: challenge sent").
wire() { # NAME CONNS REQUESTS HANDSHAKES DESCRIPTION: what this run's log counts
	local log="${1}_LOG" c r h
	c=$(grep -c ' accept peer=' "${!log}")
	r=$(grep -c ' http method=' "${!log}")
	h=$(grep -c 'negotiate: challenge sent' "${!log}")
	if [ "$c/$r/$h" = "$2/$3/$4" ]; then
		ok "$5: $c TCP connection(s), $r HTTP requests, $h NTLM handshake(s)"
	else
		not_ok "$5: $c TCP connections, $r HTTP requests, $h NTLM handshakes (want $2/$3/$4)"
	fi
}
traced_ok() { # DESCRIPTION: a -vv run (trace lines first) ended OK
	if [ "$RC" = 0 ] && grep -q "^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP" <<<"$OUT"; then
		ok "$1"
	else
		not_ok "$1 (want rc=0 and the OK line)"
	fi
}
start_responder keep --http-auth any --mapi-plain closed || exit 1
mapi keep -vv
traced_ok "NTLM, connection kept alive: OK"
has "session closed (Disconnect ecNone)" "keep: the session was closed with Disconnect"
has "MAPI https: on the same connection" "keep: the Disconnect went on the Connect's connection"
# NEGOTIATE (401), AUTHENTICATE + Connect, Disconnect without Authorization.
wire keep 1 3 1 "keep: the Disconnect reused the authenticated connection"
grep -q "http auth=- user=.* ok: conn=1 is NTLM-authenticated" "$keep_LOG" \
	&& ok "keep: the Disconnect carried no new NTLM handshake" \
	|| not_ok "keep: the Disconnect carried no new NTLM handshake"

start_responder keepb --http-auth any --mapi-plain closed || exit 1
mapi keepb --http-auth basic
expect_result "Basic, connection kept alive: OK" 0 "^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP"
wire keepb 1 2 0 "Basic: Connect and Disconnect on one connection"

start_responder anyb --http-auth basic --mapi-plain closed || exit 1
mapi anyb
expect_result "--http-auth any, a Basic server: OK" 0 "^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP"
# NEGOTIATE (401 offering Basic), Basic + Connect, Basic + Disconnect.
wire anyb 1 3 0 "--http-auth any, Basic server: the Disconnect on the Connect's connection"

start_responder cclose --http-auth any --mapi-plain closed --mapi-fault close || exit 1
mapi cclose -vv
traced_ok "NTLM, the server closes the connection after the Connect: OK"
has "session closed (Disconnect ecNone)" "close: the Disconnect still closed the session"
has "the server closed the connection: NTLM again" "close: the fallback is traced"
# No request is sent on the closed connection: a new one, NTLM from leg one.
wire cclose 2 4 2 "close: a new authenticated connection for the Disconnect"

start_responder reauth --http-auth any --mapi-plain closed --mapi-fault reauth || exit 1
mapi reauth -vv
traced_ok "NTLM, the connection forgets its authentication: OK"
has "session closed (Disconnect ecNone)" "reauth: the Disconnect still closed the session"
has "HTTP 401 without Authorization: NTLM again" "reauth: the fallback is traced"
# Disconnect (401), NEGOTIATE (401), AUTHENTICATE + Disconnect: same connection.
wire reauth 1 5 2 "reauth: NTLM again on the same connection"

start_responder dstall --http-auth any --mapi-plain closed --mapi-fault stall-disconnect || exit 1
mapi dstall -t 3
expect_result "the Disconnect on the kept connection stalls: the logon counts within -t" 0 \
	"^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP"
has "no answer to the Disconnect before the deadline" "stalled Disconnect: said"
awk -v e="$ELAPSED" 'BEGIN { exit !(e <= 4.5) }' && ok "stalled Disconnect: answered within -t" \
	|| not_ok "stalled Disconnect: took ${ELAPSED}s"

start_responder reset --http-auth any --mapi-plain reset || exit 1
mapi reset
expect_result "plain door resets: OK" 0 "^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP: plain http on port [0-9]+ refused"

start_responder ssl --http-auth any --mapi-plain 403.4 || exit 1
mapi ssl
expect_result "plain door answers 403.4: OK" 0 \
	"^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP: plain http refused with HTTP 403.4 \(SSL required\)"

start_responder redir --http-auth any --mapi-plain redirect || exit 1
mapi redir
expect_result "plain door redirects to https: OK" 0 \
	"^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP: plain http redirected to https \(HTTP 301 to https://"

start_responder open --http-auth any --mapi-plain open || exit 1
mapi open
expect_result "plain door logs on in clear: CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: MAPI over HTTP accepted without TLS: logon in clear on plain http \(it offers NTLM\) \(expected: TLS required\)"
has "encryption_enforced=0;;;0;1" "open: encryption_enforced=0"
has "Require SSL" "open: the fix is named"
if grep "conn=" "$open_LOG" | grep -q "auth=Basic"; then
	not_ok "open: no Basic credentials were ever sent"
else
	ok "open: no Basic credentials were ever sent"
fi
mapi open --expect optional
expect_result "plain door open, --expect optional: OK" 0 "^RPC ENCRYPTION OK - localhost accepts MAPI over HTTP without TLS"
mapi open --http-auth basic
expect_result "plain door open, --http-auth basic: stops at the 401, CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: MAPI over HTTP answered without TLS: HTTP 401 on port [0-9]+ offering NTLM, Basic \(Basic: passwords would cross in clear\)"

start_responder basic --http-auth any --mapi-plain basic-only || exit 1
mapi basic
expect_result "plain door answers 401 offering Basic only: CRITICAL, no credentials" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: MAPI over HTTP answered without TLS: .*HTTP 401 on port [0-9]+ offering Basic \(Basic: passwords would cross in clear\)"
if grep "mapi plain: 401 offering Basic only" "$basic_LOG" | grep -q "auth=Basic"; then
	not_ok "basic-only: no Basic credentials over plain http"
else
	ok "basic-only: no Basic credentials over plain http"
fi

start_responder stall --http-auth any --mapi-plain stall || exit 1
mapi stall -t 3
expect_result "plain door stalls: the -t state naming the phase" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: unencrypted MAPI over HTTP logon timed out after 3s during connect"
awk -v e="$ELAPSED" 'BEGIN { exit !(e <= 4.5) }' && ok "stall: answered within -t" \
	|| not_ok "stall: took ${ELAPSED}s"

# --- the store's and the endpoint's answers --------------------------------------
start_responder pd --http-auth any --mapi-plain closed --mapi-http-enabled false || exit 1
mapi pd
expect_result "ecProtocolDisabled: CRITICAL naming the mailbox setting" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: MAPI over HTTP logon refused \(ecProtocolDisabled 2008\): MAPI is disabled for the mailbox \(Set-CASMailbox -MAPIEnabled / -MapiHttpEnabled\)"
has "Set-CASMailbox -Identity '$MB' -MAPIEnabled \$true -MapiHttpEnabled \$true" "ecProtocolDisabled: the fix names the mailbox"

start_responder off --http-auth any --mapi-plain closed --mapi-http off || exit 1
mapi off
expect_result "404 on /mapi: CRITICAL, not offered" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: MAPI over HTTP not offered \(HTTP 404 on /mapi/emsmdb/\)"
has "Set-OrganizationConfig -MapiHttpEnabled" "not offered: the setting is named"

mapi closed --rpc-server 00000000-0000-0000-0000-000000000000@example.test
expect_result "wrong MailboxId: CRITICAL, X-ResponseCode 3 named" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: MAPI over HTTP refused the encrypted Connect: X-ResponseCode 3 \(Invalid Path\)"
has "ExchangeGuid" "wrong MailboxId: how to find the right one"

for rc in 10:"Context Not Found" 13:"Missing Cookie" 15:"Invalid Sequence"; do
	n=${rc%%:*} name=${rc#*:}
	start_responder "rc$n" --http-auth any --mapi-plain closed --mapi-fault "rc:$n" || exit 1
	mapi "rc$n"
	expect_result "X-ResponseCode $n on Connect: CRITICAL, named" 2 \
		"X-ResponseCode $n \($name\)"
done

start_responder nocookie --http-auth any --mapi-plain closed --mapi-fault no-cookie || exit 1
mapi nocookie
expect_result "no cookies: the logon counts, the Disconnect's 13 is said" 0 "^RPC ENCRYPTION OK"
has "Disconnect was answered with X-ResponseCode 13 (Missing Cookie)" "no cookies: Disconnect answered 13"

start_responder slow --http-auth any --mapi-plain closed --mapi-fault stall || exit 1
mapi slow -t 3
expect_result "Connect stalls (PENDING forever): -t state during logon" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: encrypted MAPI over HTTP logon timed out after 3s during logon"

E2E_PW=wrong mapi closed
expect_result "wrong password: CRITICAL, authentication" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: encrypted MAPI over HTTP logon failed during connect: AUTH_FAILED"

# --- Autodiscover: X-MapiHttpCapability: 1 and the mapiHttp Protocol ------------
start_responder ad --http-auth any --mapi-plain closed --exchange 2016 || exit 1
run_plugin --transport mapi -e probe@example.test -u 'EXAMPLE\probe' --ca-file "$ad_CA" \
	--autodiscover-url "https://localhost:$ad_PORT/autodiscover/autodiscover.xml" \
	--plain-port "$ad_PLAIN"
expect_result "-e: MailboxId and host from the mapiHttp MailStore URL" 0 \
	"^RPC ENCRYPTION OK - localhost requires TLS for MAPI over HTTP"
has "MAPI over HTTP offered" "-e: the long output says MAPI over HTTP is offered"
has "MailboxId $MID (mapiHttp MailboxId)" "-e: the MailboxId came from Autodiscover"
grep -q "autodiscover settings for probe@example.test (mapiHttp)" "$ad_LOG" \
	&& ok "-e: asked with X-MapiHttpCapability: 1" || not_ok "-e: asked with X-MapiHttpCapability: 1"
start_responder adoff --http-auth any --mapi-plain closed --exchange 2016 --mapi-http off || exit 1
run_plugin --transport mapi -e probe@example.test -u 'EXAMPLE\probe' --ca-file "$adoff_CA" \
	--autodiscover-url "https://localhost:$adoff_PORT/autodiscover/autodiscover.xml"
expect_result "-e without a mapiHttp Protocol: CRITICAL, not offered" 2 \
	"Autodiscover offers no MAPI over HTTP for this mailbox"

# --- usage ------------------------------------------------------------------------
run_plugin --transport mapi -H localhost -u 'EXAMPLE\probe' -m "$MB"
expect_result "mapi without a MailboxId: usage error" 3 "needs --rpc-server GUID@domain"
run_plugin --transport mapi -H localhost -u 'EXAMPLE\probe' -m "$MB" --rpc-server exch01
expect_result "mapi with a server name: usage error" 3 "not a server name"
run_plugin --transport mapi -H localhost -u 'EXAMPLE\probe' -m "$MB" --rpc-server "$MID" --auth kerberos
expect_result "mapi with --auth: usage error (no RPC bind)" 3 "--auth .* does not apply to --transport mapi"
run_plugin -H localhost -u 'EXAMPLE\probe' -m "$MB" --plain-port 8080
expect_result "--plain-port without mapi: usage error" 3 "--plain-port needs --transport mapi"

e2e_summary
