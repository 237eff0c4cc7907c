#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: -e/--email (Autodiscover, MS-OXDSCLI / MS-OXDISCO) and
# mailbox-GUID routing against the responder in Exchange 2010 and 2019
# modes: each candidate (the two POSTs and the http GET redirected via
# --autodiscover-connect-to on loopback, DNS SRV via the responder's DNS
# server), redirectAddr, redirectUrl, a loop, the POX error, malformed XML,
# no EXPR, a wrong password, a stalled endpoint under -t, RemoteName by
# GUID (right, server name, wrong GUID), and -e without -H/-m giving the
# same verdict as the fully specified command.
. "$(dirname "$0")/common.sh"
# The argument helpers below expand to several words on purpose.
# shellcheck disable=SC2046
test_require_impacket

GUID=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f
MB='/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=monitor'
USER='EXAMPLE\monitor'
COMMON=(--user monitor --mailbox "$MB" --cert-name example.test
	--cert-name autodiscover.example.test)
start_responder r19 --exchange 2019 --http-auth any "${COMMON[@]}" --ad-http --ad-dns on \
	--ad-redirect-addr old@example.test=monitor@example.test \
	--ad-redirect-url 'moved@example.test=https://127.0.0.1:{port}/autodiscover/autodiscover.xml' \
	--no-access "0a1b2c3d-1111-2222-3333-444455556666@example.test" || exit 1
start_responder r10 --encryption-required false "${COMMON[@]}" || exit 1
start_responder rtcp --rpc-tcp "${COMMON[@]}" || exit 1
start_responder rloop --ad-loop "${COMMON[@]}" || exit 1
start_responder rbad --ad-fault malformed "${COMMON[@]}" || exit 1
start_responder rnoexpr --ad-fault no-expr "${COMMON[@]}" || exit 1
start_responder rstall --ad-fault stall "${COMMON[@]}" || exit 1
start_responder rhttp --ad-http --ad-http-location "http://localhost:1/autodiscover/autodiscover.xml" \
	"${COMMON[@]}" || exit 1
extra_port() { sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p" "$E2E_TMP/$1.out"; }
HTTP19=$(extra_port r19 http_port)
DNS19=$(extra_port r19 dns_port)
HTTPX=$(extra_port rhttp http_port)

ad_url() { echo "https://localhost:$1/autodiscover/autodiscover.xml"; }
# pinned NAME: -e against responder NAME's endpoint only, nothing else given.
pinned() { local p="${1}_PORT" c="${1}_CA"; echo "--autodiscover-url $(ad_url "${!p}") --ca-file ${!c}"; }
# summary: the status line without perfdata and timings.
summary() { sed -E 's/ in [0-9.]+s//g' <<<"${FIRST%% |*}"; }

# --- -e alone gives the fully specified command's verdict -------------------------
for r in r19 r10; do
	p="${r}_PORT" c="${r}_CA"
	remote=$([ $r = r19 ] && echo "$GUID@example.test" || echo localhost)
	run_plugin -H localhost -p "${!p}" --ca-file "${!c}" -u "$USER" -m "$MB" --rpc-server "$remote"
	full_rc=$RC full=$(summary)
	# shellcheck disable=SC2046
	run_plugin -e monitor@example.test -u "$USER" $(pinned $r)
	if [ "$RC" = "$full_rc" ] && [ "$(summary)" = "$full" ] && [ -n "$full" ]; then
		ok "$r: -e without -H/-m gives the same verdict (rc=$RC: $full)"
	else
		not_ok "$r: -e without -H/-m gives the same verdict (want rc=$full_rc '$full')"
	fi
done
run_plugin -e monitor@example.test -u "$USER" $(pinned r19)
expect_result "2019: -e finds the RPC proxy, GUID RemoteName and DN; logon OK" 0 \
	"^RPC ENCRYPTION OK - localhost requires RPC encryption"
[[ $OUT == *"RemoteName $GUID@example.test (Protocol EXCH Server, mailbox GUID), server Exchange 2019 or SE (15.2.1118)"* &&
	$OUT == *"mailbox DN $MB (User LegacyDN)"* &&
	$OUT == *"AuthPackage Ntlm -> --http-auth ntlm (AuthPackage)"* &&
	$OUT == *"store server version 15.2.1118.7"* &&
	$FIRST =~ \ autodiscover_time=[0-9.]+s\;\;\;0 ]] &&
	ok "2019: long output lists what was found; perfdata autodiscover_time" ||
	not_ok "2019: long output lists what was found; perfdata autodiscover_time"
run_plugin -e monitor@example.test -u "$USER" $(pinned r10)
[[ $OUT == *"RemoteName exch01.example.test (Protocol EXCH Server)"* &&
	$OUT == *"AuthPackage Basic -> --http-auth basic"* && $OUT == *"store server version 14.3.123.4"* ]] &&
	ok "2010: RemoteName is the server FQDN, AuthPackage Basic" ||
	not_ok "2010: RemoteName is the server FQDN, AuthPackage Basic"
run_plugin -e monitor@example.test -u "$USER" $(pinned r19) -m "${MB}x" --http-auth basic
expect_result "explicit -m wins over Autodiscover" 2 "encrypted logon refused \(ecUnknownUser"
[[ $OUT == *"mailbox DN ${MB}x (given)"* && $OUT == *"--http-auth basic (given)"* ]] &&
	ok "explicit options are marked as given" || not_ok "explicit options are marked as given"

# --- each candidate, on loopback ------------------------------------------------
P=$r19_PORT
refused() { echo "--autodiscover-connect-to $1:127.0.0.1:1"; }
cand() { # DESCRIPTION WANT-URL-IN-OUTPUT CONNECT-TO-ARGS...
	local desc=$1 want=$2
	shift 2
	run_plugin -e monitor@example.test -u "$USER" -p "$P" --ca-file "$r19_CA" \
		--autodiscover-dns "127.0.0.1:$DNS19" "$@"
	if [ "$RC" = 0 ] && [[ $OUT == *"Autodiscover: $want answered"* ]]; then
		ok "$desc"
	else
		not_ok "$desc (want OK from $want)"
	fi
}
# shellcheck disable=SC2046
cand "candidate 1: POST https://DOMAIN/autodiscover/autodiscover.xml" \
	"https://example.test:443/autodiscover/autodiscover.xml" \
	--autodiscover-connect-to "example.test:443:127.0.0.1:$P" \
	$(refused autodiscover.example.test:443) $(refused autodiscover.example.test:80)
# shellcheck disable=SC2046
cand "candidate 2: POST https://autodiscover.DOMAIN/autodiscover/autodiscover.xml" \
	"https://autodiscover.example.test:443/autodiscover/autodiscover.xml" \
	$(refused example.test:443) --autodiscover-connect-to "autodiscover.example.test:443:127.0.0.1:$P" \
	$(refused autodiscover.example.test:80)
# shellcheck disable=SC2046
cand "candidate 3: GET http://autodiscover.DOMAIN/... 302 to https" \
	"https://localhost:$P/autodiscover/autodiscover.xml" \
	$(refused example.test:443) $(refused autodiscover.example.test:443) \
	--autodiscover-connect-to "autodiscover.example.test:80:127.0.0.1:$HTTP19"
# shellcheck disable=SC2046
cand "candidate 4: DNS SRV _autodiscover._tcp.DOMAIN" \
	"https://localhost:$P/autodiscover/autodiscover.xml" \
	$(refused example.test:443) $(refused autodiscover.example.test:443) \
	$(refused autodiscover.example.test:80)
[[ $OUT == *"RPC proxy localhost port $P"* ]] && ok "SRV: the RPC proxy port is -p" ||
	not_ok "SRV: the RPC proxy port is -p"
# shellcheck disable=SC2046
run_plugin -e monitor@example.test -u "$USER" --ca-file "$rhttp_CA" -v \
	$(refused example.test:443) $(refused autodiscover.example.test:443) \
	--autodiscover-connect-to "autodiscover.example.test:80:127.0.0.1:$HTTPX" \
	--autodiscover-dns 127.0.0.1:1
expect_result "GET candidate redirected to http is refused; all fail: CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - Autodiscover for monitor@example.test failed"
[[ $OUT == *"refused: http URL refused (https only)"* ]] &&
	ok "the refused http redirect is in the long output" ||
	not_ok "the refused http redirect is in the long output"

# --- redirects and answers ---------------------------------------------------------
run_plugin -e old@example.test -u "$USER" $(pinned r19) -v
expect_result "redirectAddr is followed" 0 "^RPC ENCRYPTION OK"
[[ $OUT == *"redirectAddr to monitor@example.test"* ]] && ok "redirectAddr shown with -v" ||
	not_ok "redirectAddr shown with -v"
run_plugin -e moved@example.test -u "$USER" $(pinned r19) -p "$P"
expect_result "redirectUrl is followed" 0 "^RPC ENCRYPTION OK"
[[ $OUT == *"Autodiscover: https://127.0.0.1:$P/autodiscover/autodiscover.xml answered"* ]] &&
	ok "redirectUrl: the new endpoint answered" || not_ok "redirectUrl: the new endpoint answered"
run_plugin -e monitor@example.test -u "$USER" $(pinned rloop)
expect_result "a redirect loop is CRITICAL" 2 "failed \(redirect\): Autodiscover redirect loop"
run_plugin -e nobody@example.test -u "$USER" $(pinned r19)
expect_result "POX error: ErrorCode and Message" 2 \
	"failed \(POX error\): .* with Autodiscover error 500: The e-mail address cannot be found\."
run_plugin -e monitor@example.test -u "$USER" $(pinned rbad)
expect_result "malformed XML" 2 "failed \(answer\): POST .*: Autodiscover answer is not well-formed XML"
run_plugin -e monitor@example.test -u "$USER" $(pinned rnoexpr)
expect_result "answer without Protocol EXPR" 2 "failed \(no EXPR\): .*without Protocol EXPR"
E2E_PW=wrong run_plugin -e monitor@example.test -u "$USER" $(pinned r19)
expect_result "wrong password: HTTP 401 named" 2 "failed \(credentials\): POST .*(: HTTP 401, the credentials were refused|refused the NTLM credentials after a complete handshake \(HTTP 401\))"
[[ $OUT != *wrong* ]] && ok "the password is not echoed" || not_ok "the password is not echoed"
run_plugin -e monitor@example.test -u "$USER" --autodiscover-url "$(ad_url "$r19_PORT")"
expect_result "unknown CA: TLS named" 2 "failed \(TLS\): POST .*certificate"
run_plugin -e monitor@example.test -u "$USER" $(pinned rstall) -t 2
expect_result "a stalled endpoint gives the -t state" 3 \
	"^RPC ENCRYPTION UNKNOWN - Autodiscover timed out after 2s: .*waiting for POST https://localhost:$rstall_PORT/"
within_deadline 2 "stalled endpoint"

# --- RemoteName: mailbox GUID@domain (Exchange 2013+) -------------------------------------
full19() { echo "-H localhost -p $r19_PORT --ca-file $r19_CA -u $USER"; }
# shellcheck disable=SC2046
run_plugin $(full19) -m "$MB" --rpc-server "$GUID@example.test"
expect_result "right GUID@domain: logon" 0 "^RPC ENCRYPTION OK"
# shellcheck disable=SC2046
run_plugin $(full19) -m "$MB"
expect_result "server name as RemoteName: 404" 2 "PROXY_REFUSED \(RPC proxy answered RPC_(IN|OUT)_DATA: HTTP 404"
[[ $OUT == *"cannot route the RemoteName localhost"* && $OUT == *"use -e ADDRESS"* &&
	$OUT == *"--rpc-server GUID@DOMAIN with the mailbox's (Get-Mailbox monitor).ExchangeGuid"* ]] &&
	ok "404 says how to fix it (-e or --rpc-server GUID@domain)" ||
	not_ok "404 says how to fix it (-e or --rpc-server GUID@domain)"
# shellcheck disable=SC2046
run_plugin $(full19) -m "$MB" --rpc-server "11111111-2222-3333-4444-555555555555@example.test"
expect_result "wrong GUID: 404" 2 "HTTP 404"
[[ $OUT == *"knows no mailbox with that GUID@domain RemoteName"* ]] &&
	ok "wrong GUID: explained" || not_ok "wrong GUID: explained"
# shellcheck disable=SC2046
run_plugin $(full19) -m "$MB" --rpc-server "0a1b2c3d-1111-2222-3333-444455556666@example.test"
expect_result "no access: 503 RPC Error 6ba" 2 "PROXY_REFUSED .*HTTP 503"

# --- RPC over TCP (Exchange 2010): the server from Protocol EXCH ------------------------
run_plugin -e monitor@example.test -u "$USER" --transport tcp -p "$rtcp_EPM" -I 127.0.0.1 \
	$(pinned rtcp)
expect_result "--transport tcp: -e gives the server (EXCH) and the DN" 0 \
	"^RPC ENCRYPTION OK - exch01.example.test requires RPC encryption"
run_plugin -e monitor@example.test -u "$USER" --transport tcp -p "$rtcp_EPM" $(pinned r19)
expect_result "--transport tcp: a mailbox GUID names no RPC/TCP server" 2 \
	"Autodiscover for monitor@example.test: Autodiscover names no RPC/TCP server .*give -H"
run_plugin -H localhost -m "$MB" -u "$USER" --transport tcp --ca-file "$r19_CA"
expect_result "--transport tcp without -e still refuses --ca-file" 3 "--ca-file applies to --transport http only"

# --- usage errors ---------------------------------------------------------------------
run_plugin -e monitor -u "$USER"
expect_result "-e needs local@domain" 3 "^RPC ENCRYPTION UNKNOWN - -e/--email: invalid e-mail address"
run_plugin -H localhost -m "$MB" -u "$USER" --autodiscover-url "$(ad_url 1)"
expect_result "--autodiscover-url needs -e" 3 "need -e/--email"
run_plugin -e monitor@example.test -u "$USER" --autodiscover-url http://localhost/x
expect_result "--autodiscover-url must be https" 3 "--autodiscover-url: http URL refused \(https only\)"
e2e_summary
