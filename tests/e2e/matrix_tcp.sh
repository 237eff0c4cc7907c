#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end over RPC/TCP (--transport tcp): the plugin asks the responder's
# endpoint mapper for EMSMDB and logs on over ncacn_ip_tcp.  Policy x
# --expect, the direct --rpc-port path, credentials, IPv6, "not
# registered", and the fault knobs of every phase, each answered with a
# named state within -t + 1 s.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --rpc-tcp --encryption-required false || exit 1
if [ -z "$req_EPM" ] || [ -z "$req_TCP" ]; then
	echo "responder did not report its RPC/TCP ports"
	exit 1
fi

tbase() { # NAME -> arguments for the endpoint mapper of responder NAME
	local p="${1}_EPM"
	echo "--transport tcp -H 127.0.0.1 -p ${!p} -u EXAMPLE\\probe"
}

# --- policy x expectation ------------------------------------------------------
H=127.0.0.1
for policy in req opt; do
	for expect in required optional any; do
		# shellcheck disable=SC2046
		run_plugin $(tbase $policy) -m "$MB" --expect $expect
		case $policy/$expect in
		req/required) want=0 re="^RPC ENCRYPTION OK - $H requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\), encrypted logon OK in [0-9.]+s \|" ;;
		req/optional) want=2 re="^RPC ENCRYPTION CRITICAL - $H requires RPC encryption: unencrypted clients are locked out \(ecNotEncrypted 2416\) \(expected: encryption optional\) \|" ;;
		req/any) want=0 re="^RPC ENCRYPTION OK - $H requires RPC encryption" ;;
		opt/required) want=2 re="^RPC ENCRYPTION CRITICAL - $H accepts unencrypted RPC logons \(expected: encryption required\) \|" ;;
		opt/*) want=0 re="^RPC ENCRYPTION OK - $H does not require RPC encryption" ;;
		esac
		expect_result "tcp: policy=$policy --expect $expect" "$want" "$re"
	done
done

run_plugin $(tbase req) -m "$MB"
[[ $FIRST =~ \ encrypted_epm=[0-9.]+s\;\;\;0\  ]] && [[ $FIRST == *"encryption_enforced=1;;;0;1"* ]] &&
	[[ $FIRST != *"_tls="* && $FIRST != *"_rts="* ]] &&
	[[ $OUT == *"RPC over TCP, store port $req_TCP (from the endpoint mapper)"* ]] &&
	[[ $OUT == *'store server version 14.3.123.4, logged on as "Probe User"'* ]] \
	&& ok "tcp: perfdata (epm, no tls/rts) and long output" \
	|| not_ok "tcp: perfdata (epm, no tls/rts) and long output"
# The responder logs one line per connection: the lookup and the logon
# each take one per probe.
epm_conns=$(grep -c 'epm.*connection from' "$req_LOG" || true)
[ "${epm_conns:-0}" -ge 2 ] && ok "tcp: each probe asked the endpoint mapper" \
	|| { OUT=$(tail -20 "$req_LOG"); not_ok "tcp: each probe asked the endpoint mapper"; }

run_plugin --transport tcp -H 127.0.0.1 --rpc-port "$req_TCP" -p 9 -u 'EXAMPLE\probe' -m "$MB"
expect_result "tcp: --rpc-port connects without the endpoint mapper" 0 "^RPC ENCRYPTION OK - $H requires RPC encryption"
[[ $FIRST != *"_epm="* ]] && ok "tcp: no epm phase with --rpc-port" || not_ok "tcp: no epm phase with --rpc-port"
run_plugin $(tbase req) -m "$MB" --unencrypted-level integrity
expect_result "tcp: signed-only logon refused under the policy" 0 "unencrypted logon refused \(ecNotEncrypted 2416\)"
run_plugin $(tbase opt) -m "$MB" --probe unencrypted --expect optional
expect_result "tcp: unencrypted probe alone" 0 "^RPC ENCRYPTION OK - $H accepts unencrypted RPC logons"

E2E_PW='wrong' run_plugin $(tbase req) -m "$MB"
expect_result "tcp: wrong password is AUTH_FAILED" 2 "^RPC ENCRYPTION CRITICAL - .*AUTH_FAILED.*wrong user or password"
run_plugin $(tbase req) -m "/o=Example/cn=Recipients/cn=nobody"
expect_result "tcp: unknown mailbox is ecUnknownUser" 2 "encrypted logon refused \(ecUnknownUser 1003\)"

start_responder noreg --rpc-tcp --epm-no-emsmdb || exit 1
run_plugin $(tbase noreg) -m "$MB"
expect_result "tcp: EMSMDB not registered is CRITICAL" 2 "^RPC ENCRYPTION CRITICAL - $H: encrypted logon failed during connect: NOT_REGISTERED \(EMSMDB is not registered at the endpoint mapper of $H:$noreg_EPM \(EPT_S_NOT_REGISTERED"

run_plugin --transport tcp -H exch01.example.test -I 127.0.0.1 -p "$req_EPM" -u 'EXAMPLE\probe' -m "$MB"
expect_result "tcp: -I connects the lookup and the logon to the address" 0 "^RPC ENCRYPTION OK - exch01.example.test requires"

start_responder v6 --rpc-tcp --listen ::1 || exit 1
run_plugin --transport tcp -H ::1 -6 -p "$v6_EPM" -u 'EXAMPLE\probe' -m "$MB"
expect_result "tcp: IPv6 loopback" 0 "^RPC ENCRYPTION OK - ::1 requires"

# --- faults: each gives a named state within -t + 1 s ---------------------------
fault() { fault_case tbase "tcp: " "$@" --rpc-tcp; }
fault "endpoint mapper stalls" 3 "^RPC ENCRYPTION UNKNOWN - $H: encrypted logon timed out after 3s during connect \(endpoint mapper\) \|" epm:stall
fault "endpoint mapper closes" 2 "failed during connect: CONNECT_FAILED \(endpoint mapper .*closed" epm:close
fault "endpoint mapper sends garbage" 2 "failed during connect: PROTOCOL_ERROR \(endpoint mapper" epm:garbage
rpc_faults

e2e_summary
