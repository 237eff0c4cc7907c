#!/bin/bash
# The responder checked by an independent client (impacket's own RPC over
# HTTP v2 transport and NTLM): sealed and unsealed logons see ecNone and
# ecNotEncrypted (2416) as the policy says, and a fault knob bites.
. "$(dirname "$0")/../e2e/common.sh"
e2e_require_impacket
CLIENT="$top_srcdir/tests/responder/impacket_client.py"

start_responder req --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1
start_responder e503 --fault http-in:status:503 || exit 1

check() { # DESCRIPTION PORT WANT
	OUT=$("$SYSTEM_PYTHON" "$CLIENT" "$2" "$E2E_MAILBOX" 2>&1 | tail -1)
	RC=$?
	FIRST=$OUT
	ELAPSED=-
	# shellcheck disable=SC2053
	[[ $OUT == $3 ]] && ok "$1" || not_ok "$1 (want '$3')"
}
check "impacket: encryption required" "$req_PORT" "encrypted ec=0x0 unencrypted ec=0x970"
check "impacket: encryption not required" "$opt_PORT" "encrypted ec=0x0 unencrypted ec=0x0"
check "impacket: HTTP 503 fault" "$e503_PORT" "*503*"
grep -q 'auth3 user=EXAMPLE\\probe ok' "$req_LOG" && ok "responder verified impacket's NTLMv2" \
	|| not_ok "responder verified impacket's NTLMv2"
e2e_summary
