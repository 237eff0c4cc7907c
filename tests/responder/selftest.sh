#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The responder checked by an independent client (impacket's own RPC over
# HTTP v2 transport, its ncacn_ip_tcp transport and endpoint mapper client,
# and NTLM): sealed and unsealed logons see ecNone and ecNotEncrypted (2416)
# as the policy says over both transports, the endpoint mapper names the
# EMSMDB port, and fault knobs bite.
. "$(dirname "$0")/../e2e/common.sh"
test_require_impacket
CLIENT="$top_srcdir/tests/responder/impacket_client.py"

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
e2e_summary
