#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The responder checked by an independent client (impacket's own RPC over
# HTTP v2 transport, its ncacn_ip_tcp transport and endpoint mapper client,
# and NTLM): sealed and unsealed logons see ecNone and ecNotEncrypted (2416)
# as the policy says over both transports, the endpoint mapper names the
# EMSMDB port, and fault knobs bite.  Autodiscover (POX) and the
# Exchange 2013+ mode are checked with a small http.client/ElementTree
# client, curl (NTLM) and the plugin's own SRV lookup.
. "$(dirname "$0")/../e2e/common.sh"
test_require_impacket
CLIENT="$top_srcdir/tests/responder/impacket_client.py"
AD_CLIENT="$top_srcdir/tests/responder/ad_client.py"
SRV_TOOL="$top_builddir/tests/unit/srv_tool"
GUID=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f

# tcp_ports NAME: ${NAME}_TCP and ${NAME}_EPM from the READY line.
tcp_ports() {
	local line
	line=$(grep -m1 '^READY ' "$E2E_TMP/$1.out")
	printf -v "${1}_TCP" '%s' "$(sed -n 's/.* tcp_port=\([0-9]*\).*/\1/p' <<<"$line")"
	printf -v "${1}_EPM" '%s' "$(sed -n 's/.* epm_port=\([0-9]*\).*/\1/p' <<<"$line")"
}

start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --rpc-tcp --encryption-required false || exit 1
start_responder e503 --fault http-in:status:503 || exit 1
start_responder v6 --rpc-tcp --listen ::1 || exit 1
start_responder noreg --rpc-tcp --epm-no-emsmdb || exit 1
start_responder epmclose --rpc-tcp --fault epm:close || exit 1
start_responder tfault --rpc-tcp --fault logon:fault:1c010003 || exit 1
start_responder anonenc --anonymous-rpc not-encrypted || exit 1
start_responder anonex --anonymous-rpc exempt || exit 1
for r in req opt v6 noreg epmclose tfault; do
	tcp_ports "$r"
done
start_responder ad10 --ad-http --ad-dns on \
	--ad-redirect-addr old@example.test=probe@example.test \
	--ad-redirect-url moved@example.test=https://localhost:1/autodiscover/autodiscover.xml || exit 1
start_responder ad19 --exchange 2019 --http-auth any --no-access "EXCH01@example.test" || exit 1
start_responder adloop --ad-loop --ad-dns stall || exit 1
start_responder adbad --ad-fault malformed --ad-dns dot || exit 1
# extra_port NAME FIELD: a port from the READY line.
extra_port() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$E2E_TMP/$1.out"; }

check() { # DESCRIPTION WANT CLIENT-ARGS...
	local desc=$1 want=$2
	shift 2
	OUT=$(timeout 60 "$SYSTEM_PYTHON" "$CLIENT" "$@" 2>&1 | tail -1)
	RC=$?
	FIRST=$OUT
	ELAPSED=-
	# shellcheck disable=SC2053
	[[ $OUT == $want ]] && ok "$desc" || not_ok "$desc (want '$want')"
}
grep_log() { # DESCRIPTION LOG REGEX
	if grep -q "$3" "$2"; then
		ok "$1"
	else
		OUT=$(tail -20 "$2") RC=- ELAPSED=-
		not_ok "$1 (no /$3/ in the log)"
	fi
}

# --- RPC over HTTP -------------------------------------------------------------
check "impacket: encryption required" "encrypted ec=0x0 unencrypted ec=0x970" "$req_PORT" "$E2E_MAILBOX"
check "impacket: encryption not required" "encrypted ec=0x0 unencrypted ec=0x0" "$opt_PORT" "$E2E_MAILBOX"
check "impacket: HTTP 503 fault" "*503*" "$e503_PORT" "$E2E_MAILBOX"
grep_log "responder verified impacket's NTLMv2" "$req_LOG" 'conn=[0-9]* auth3 user=EXAMPLE\\probe ok'
# No RPC-level authentication behind the RPC proxy's HTTP authentication.
check "impacket: level none refused by default" "bind rejected (*abstract_syntax_not_supported*" \
	--none "$req_PORT" "$E2E_MAILBOX"
check "impacket: level none, --anonymous-rpc not-encrypted" "none ec=0x970" --none "$anonenc_PORT" "$E2E_MAILBOX"
check "impacket: level none, --anonymous-rpc exempt" "none ec=0x0" --none "$anonex_PORT" "$E2E_MAILBOX"
grep_log "level none logged at level 1" "$anonex_LOG" 'conn=[0-9]* request opnum=10 level=1 sealed=no .* ec=0x0'

# --- READY line -------------------------------------------------------------------
OUT=$(cat "$E2E_TMP/e503.out" "$E2E_TMP/req.out") RC=- ELAPSED=-
grep -Eqx 'READY port=[0-9]+ ca=[^ ]+' "$E2E_TMP/e503.out" &&
	grep -Eqx 'READY port=[0-9]+ ca=[^ ]+ tcp_port=[0-9]+ epm_port=[0-9]+' "$E2E_TMP/req.out" &&
	[ "$req_TCP" != "$req_EPM" ] && [ "$req_TCP" != "$req_PORT" ] \
	&& ok "READY line: unchanged without --rpc-tcp, tcp_port/epm_port with it" \
	|| not_ok "READY line: unchanged without --rpc-tcp, tcp_port/epm_port with it"

# --- ncacn_ip_tcp and the endpoint mapper ------------------------------------------
check "tcp: encryption required" \
	"binding=ncacn_ip_tcp:127.0.0.1\[$req_TCP\] floors=$req_TCP/127.0.0.1 encrypted ec=0x0 unencrypted ec=0x970" \
	--tcp "$req_EPM" "$E2E_MAILBOX"
check "tcp: encryption not required" \
	"binding=ncacn_ip_tcp:127.0.0.1\[$opt_TCP\] floors=$opt_TCP/127.0.0.1 encrypted ec=0x0 unencrypted ec=0x0" \
	--tcp "$opt_EPM" "$E2E_MAILBOX"
check "tcp: IPv6 listener, IPv4 floor 127.0.0.1 in the tower" \
	"binding=ncacn_ip_tcp:::1\[$v6_TCP\] floors=$v6_TCP/127.0.0.1 encrypted ec=0x0 unencrypted ec=0x970" \
	--tcp "$v6_EPM" "$E2E_MAILBOX" ::1
check "tcp: requests in 16-byte fragments" \
	"binding=* encrypted ec=0x0 unencrypted ec=0x970" --max-frag 16 --tcp "$req_EPM" "$E2E_MAILBOX"
grep_log "tcp: responder verified impacket's NTLMv2" "$req_LOG" 'conn=tcp-[0-9]* auth3 user=EXAMPLE\\probe ok'
grep_log "tcp: sealed logon logged at level 6" "$req_LOG" 'conn=tcp-[0-9]* request opnum=10 level=6 sealed=yes .* ec=0x0'
grep_log "tcp: endpoint mapper connection logged" "$req_LOG" 'conn=epm-[0-9]* accept epm connection from 127.0.0.1:'

# Two probe pairs at once, each with its own lookup and its own logons.
"$SYSTEM_PYTHON" "$CLIENT" --tcp "$req_EPM" "$E2E_MAILBOX" >"$E2E_TMP/par1" 2>&1 &
P1=$!
"$SYSTEM_PYTHON" "$CLIENT" --tcp "$req_EPM" "$E2E_MAILBOX" >"$E2E_TMP/par2" 2>&1 &
P2=$!
wait "$P1" "$P2"
OUT=$(cat "$E2E_TMP/par1" "$E2E_TMP/par2") RC=- ELAPSED=-
[ "$(grep -cx "binding=.* encrypted ec=0x0 unencrypted ec=0x970" <<<"$OUT")" = 2 ] \
	&& ok "tcp: two concurrent probe pairs" || not_ok "tcp: two concurrent probe pairs"

check "tcp: bind without authentication rejected like Windows" \
	"bind rejected (*provider_rejection; abstract_syntax_not_supported*" --anon "$req_TCP"
check "epm: other interface is EPT_S_NOT_REGISTERED" "epm error 0x16c9a0d6 *" \
	--epm "$req_EPM" 12345778-1234-abcd-ef00-0123456789ab 1.0
check "epm: other opnum is nca_s_op_rng_error" "epm error *nca_s_op_rng_error*" --epm-lookup "$req_EPM"
check "epm: --epm-no-emsmdb is EPT_S_NOT_REGISTERED" "epm error 0x16c9a0d6 *" \
	--tcp "$noreg_EPM" "$E2E_MAILBOX"
check "epm: fault epm:close" "epm error (connection closed*" --tcp "$epmclose_EPM" "$E2E_MAILBOX"
check "tcp: fault logon:fault over ncacn_ip_tcp" "*nca_s_unk_if*" --tcp "$tfault_EPM" "$E2E_MAILBOX"
grep_log "tcp: fault logged on the TCP connection" "$tfault_LOG" 'conn=tcp-[0-9]* fault status=0x1c010003'
# --- Autodiscover (MS-OXDSCLI POX, MS-OXDISCO) ---------------------------------------
# expect DESCRIPTION WANT COMMAND...: COMMAND's last output line matches WANT.
expect() {
	local desc=$1 want=$2
	shift 2
	OUT=$(timeout 30 "$@" 2>&1 | tail -1) RC=- ELAPSED=-
	# shellcheck disable=SC2053
	[[ $OUT == $want ]] && ok "$desc" || not_ok "$desc (want '$want')"
}
ad() { # DESCRIPTION WANT AD-CLIENT-ARGS...
	local desc=$1 want=$2
	shift 2
	expect "$desc" "$want" "$SYSTEM_PYTHON" "$AD_CLIENT" "$@"
}
ad "autodiscover: 2010 settings (LegacyDN, EXPR, EXCH = server FQDN, 14.3)" \
	"status=200 action=settings dn=$E2E_MAILBOX expr=localhost ssl=On auth=Basic exch=exch01.example.test version=7383807B mapi=no" \
	post "$ad10_PORT" "$ad10_CA" probe@example.test
ad "autodiscover: 2019 settings (EXCH = mailbox GUID@domain, 15.2, Ntlm)" \
	"status=200 action=settings dn=$E2E_MAILBOX expr=localhost ssl=On auth=Ntlm exch=$GUID@example.test version=73C2845E mapi=no" \
	post "$ad19_PORT" "$ad19_CA" PROBE@example.test
ad "autodiscover: X-MapiHttpCapability gets the mapiHttp protocol only" \
	"status=200 action=settings * expr=- * exch=- * mapi=yes" \
	post "$ad19_PORT" "$ad19_CA" probe@example.test 'EXAMPLE\probe' 'Secret123!' 1
ad "autodiscover: unknown address is the POX error 500" \
	"status=200 error=500 message=The e-mail address cannot be found." \
	post "$ad10_PORT" "$ad10_CA" nobody@example.test
ad "autodiscover: wrong password is HTTP 401" "status=401" \
	post "$ad10_PORT" "$ad10_CA" probe@example.test 'EXAMPLE\probe' wrong
ad "autodiscover: redirectAddr" "status=200 action=redirectAddr target=probe@example.test" \
	post "$ad10_PORT" "$ad10_CA" old@example.test
ad "autodiscover: redirectUrl" \
	"status=200 action=redirectUrl target=https://localhost:1/autodiscover/autodiscover.xml" \
	post "$ad10_PORT" "$ad10_CA" moved@example.test
ad "autodiscover: --ad-loop redirects to itself" \
	"status=200 action=redirectUrl target=https://localhost:$adloop_PORT/autodiscover/autodiscover.xml" \
	post "$adloop_PORT" "$adloop_CA" probe@example.test
ad "autodiscover: --ad-fault malformed is not XML" "*ParseError*" \
	post "$adbad_PORT" "$adbad_CA" probe@example.test
ad "autodiscover: http GET candidate answers 302 to https" \
	"status=302 location=https://localhost:$ad10_PORT/autodiscover/autodiscover.xml" \
	get "$(extra_port ad10 http_port)"
OUT=$(curl -s --cacert "$ad19_CA" --ntlm -u 'EXAMPLE\probe:Secret123!' -H 'Content-Type: text/xml' \
	--data "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>probe@example.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>" \
	"https://localhost:$ad19_PORT/autodiscover/autodiscover.xml" 2>&1) RC=- ELAPSED=-
[[ $OUT == *"<Server>$GUID@example.test</Server>"* ]] &&
	ok "autodiscover: NTLM-authenticated POST (curl)" || not_ok "autodiscover: NTLM-authenticated POST (curl)"

# DNS SRV, looked up by the plugin's resolver code against the responder's.
srv() { # DESCRIPTION WANT NAME DOMAIN
	expect "$1" "$2" "$SRV_TOOL" "127.0.0.1:$(extra_port "$3" dns_port)" "$4" 2500
}
srv "srv: _autodiscover._tcp answered with this port" \
	"url=https://localhost:$ad10_PORT/autodiscover/autodiscover.xml target=localhost:$ad10_PORT" ad10 example.test
srv "srv: other domain is NXDOMAIN" "error: DNS: _autodiscover._tcp.other.test does not exist" ad10 other.test
srv "srv: target . means no service" "error: DNS: * says there is no Autodiscover service *" adbad example.test
t0=$(date +%s%N)
srv "srv: a silent server times out" "error: DNS: no answer * within 2s *" adloop example.test
t1=$(date +%s%N)
OUT="$(( (t1 - t0) / 1000000 )) ms" RC=- ELAPSED=-
[ $(( (t1 - t0) / 1000000 )) -lt 2900 ] && ok "srv: the timeout is kept ($OUT)" ||
	not_ok "srv: the timeout is kept"

# --- Exchange 2013+ RemoteName (GUID@domain) -----------------------------------------
ad "2019: RPC proxy accepts GUID@domain" "status=100 reason=Continue" \
	channel "$ad19_PORT" "$ad19_CA" "$GUID@example.test"
ad "2019: unknown RemoteName (server name) is 404" "status=404 reason=Not Found" \
	channel "$ad19_PORT" "$ad19_CA" localhost
ad "2019: wrong GUID is 404" "status=404 reason=Not Found" \
	channel "$ad19_PORT" "$ad19_CA" "0a1b2c3d-1111-2222-3333-444455556666@example.test"
ad "2019: --no-access is 503 RPC Error: 6ba" "status=503 reason=RPC Error: 6ba" \
	channel "$ad19_PORT" "$ad19_CA" "EXCH01@example.test"
ad "2010: any RemoteName is accepted" "status=100 reason=Continue" \
	channel "$ad10_PORT" "$ad10_CA" whatever.example.test
check "2019: impacket logs on with GUID@domain, server 15.2.1118.7" \
	"encrypted ec=0x0 unencrypted ec=0x970 server=15.2.1118.7" \
	--remote-name "$GUID@example.test" "$ad19_PORT" "$E2E_MAILBOX"
e2e_summary
