#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: --all-addresses.  Two responders on one port, at 127.0.0.1
# and at ::1, stand for two servers behind one name (localhost): the plugin
# must probe both, pinned to each address, and name exactly the one that
# drifted; a stalled address is named with its timeout state while the
# other is still reported, all within -t.
#
# localhost must resolve to both addresses: see localhost_both in
# common.sh.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX

localhost_both

fleet() { # extra plugin args...
	run_plugin -H localhost -p "$PAIR_PORT" --ca-file "$PAIR_CA" \
		-u 'EXAMPLE\probe' -m "$MB" --all-addresses "$@"
}

perf_has() { # LABEL=VALUE (value without thresholds)
	[[ ${FIRST#*|} =~ (^| )$1(\;|$| ) ]]
}

# --- both addresses agree ------------------------------------------------------
start_pair agree --encryption-required true -- --encryption-required true || {
	not_ok "responders at 127.0.0.1 and ::1 on one port"; e2e_summary; exit; }
fleet
expect_result "both addresses enforce: OK" 0 \
	"^RPC ENCRYPTION OK - localhost: all 2 addresses require RPC encryption \|"
if perf_has 'addresses=2' && perf_has 'addresses_enforced=2' &&
   perf_has '127_0_0_1_encryption_enforced=1' && perf_has '__1_encryption_enforced=1'; then
	ok "perfdata: addresses=2, addresses_enforced=2, one label per address"
else
	not_ok "perfdata: addresses=2, addresses_enforced=2, one label per address"
fi
if grep -q '^name resolution [0-9.]*s: localhost -> 127.0.0.1, ::1$' <<<"$OUT" &&
   grep -q '^\[127.0.0.1\] OK: 127.0.0.1 requires RPC encryption' <<<"$OUT" &&
   grep -q '^\[::1\] OK: ::1 requires RPC encryption' <<<"$OUT"; then
	ok "long output: the addresses, then one block per address"
else
	not_ok "long output: the addresses, then one block per address"
fi

n4=$(cat "$E2E_TMP"/agree4_*.log | grep -cE 'auth3 user=.* ok|spnego ntlm user=.* ok')
n6=$(cat "$E2E_TMP"/agree6_*.log | grep -cE 'auth3 user=.* ok|spnego ntlm user=.* ok')
if [ "$n4" -gt 0 ] && [ "$n6" -gt 0 ]; then
	ok "each responder saw logons (pinned per address: 127.0.0.1 $n4, ::1 $n6)"
else
	not_ok "each responder saw logons (127.0.0.1 $n4, ::1 $n6)"
fi
fleet --max-parallel 1
expect_result "--max-parallel 1: one address after the other" 0 \
	"^RPC ENCRYPTION OK - localhost: all 2 addresses require RPC encryption \|"
fleet -4
expect_result "-4: only the IPv4 address" 0 \
	"^RPC ENCRYPTION OK - localhost: all 1 addresses require RPC encryption \|.* addresses=1;"
fleet -6
expect_result "-6: only the IPv6 address" 0 "addresses=1;"
[[ $FIRST == *__1_encryption_enforced=1* && $FIRST != *127_0_0_1* ]] &&
	ok "-6: the IPv6 label only" || not_ok "-6: the IPv6 label only"

# --- one address drifted -------------------------------------------------------
start_pair drift --encryption-required false -- --encryption-required true || {
	not_ok "drift responders"; e2e_summary; exit; }
fleet
expect_result "::1 drifted: CRITICAL naming exactly ::1" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses accept unencrypted logons: ::1 \(expected: encryption required\) \|"
[[ ${FIRST%%|*} != *127.0.0.1* ]] && perf_has 'addresses_enforced=1' &&
	perf_has '__1_encryption_enforced=0' && perf_has '127_0_0_1_encryption_enforced=1' &&
	ok "drift: 127.0.0.1 not named, addresses_enforced=1" ||
	not_ok "drift: 127.0.0.1 not named, addresses_enforced=1"
run_plugin -e probe@example.test -u 'EXAMPLE\probe' --ca-file "$PAIR_CA" --all-addresses \
	--autodiscover-url "https://localhost:$PAIR_PORT/autodiscover/autodiscover.xml"
expect_result "-e: every address of the RPC proxy Autodiscover found" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses accept unencrypted logons: ::1 \(expected: encryption required\) \|.* autodiscover_time="
fleet --expect optional
expect_result "--expect optional: the other one is the odd one out" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses refuse unencrypted logons: 127\.0\.0\.1 \(expected: encryption optional\)"
fleet --expect any
expect_result "--expect any: mixed policies are reported, not alerted" 0 \
	"^RPC ENCRYPTION OK - localhost: 2 addresses OK, 1 of them require RPC encryption"

# --- --posture per address: one lost Extended Protection and offers Basic ------
start_pair posture --http-auth ntlm --extended-protection require -- \
	--http-auth any --extended-protection none || { not_ok "posture responders"; e2e_summary; exit; }
fleet --posture=ep,auth
expect_result "--posture: the address without Extended Protection is the odd one out" 1 \
	"^RPC ENCRYPTION WARNING - localhost: 1 of 2 addresses WARNING: 127\.0\.0\.1 requires RPC encryption.*posture: Extended Protection not enforced on /rpc, Basic offered on /rpc \|"
perf_has '127_0_0_1_ep_rpc=0;1:' && perf_has '__1_ep_rpc=1;1:' && perf_has '127_0_0_1_basic_rpc=1;0' &&
	ok "--posture: per-address perfdata" || not_ok "--posture: per-address perfdata"
grep -q '^\[::1\] OK' <<<"$OUT" && grep -q '^  posture OK: Extended Protection enforced on /rpc' <<<"$OUT" &&
	ok "--posture: ::1 keeps its own posture lines" || not_ok "--posture: ::1 keeps its own posture lines"

# --- RPC over TCP: the endpoint mapper and the store of each address ---------
start_pair tcp --rpc-tcp --encryption-required false -- --rpc-tcp --encryption-required true || {
	not_ok "RPC/TCP responders"; e2e_summary; exit; }
run_plugin --transport tcp -H localhost -p "$PAIR_EPM" -u 'EXAMPLE\probe' -m "$MB" --all-addresses
expect_result "RPC/TCP: CRITICAL naming exactly ::1" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses accept unencrypted logons: ::1 \(expected: encryption required\) \|"
[ "$(grep -cE '^    TCP connect [0-9.]+s$' <<<"$OUT")" = 2 ] &&
	ok "RPC/TCP: the TCP connect step for each address" ||
	not_ok "RPC/TCP: the TCP connect step for each address"

# --- one address stalls --------------------------------------------------------
start_pair stall --fault bind:stall -- --encryption-required true || {
	not_ok "stall responders"; e2e_summary; exit; }
fleet -t 3
expect_result "::1 stalls: its timeout state, naming ::1 and the phase" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: 1 of 2 addresses UNKNOWN: ::1: encrypted logon timed out after 3s during bind"
grep -q '^\[127.0.0.1\] OK: 127.0.0.1 requires RPC encryption' <<<"$OUT" &&
	perf_has '127_0_0_1_encryption_enforced=1' &&
	ok "stall: 127.0.0.1 still reported" || not_ok "stall: 127.0.0.1 still reported"
within_deadline 3 "stall"
fleet -t 3:CRITICAL
expect_result "-t 3:CRITICAL: the stalled address is CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses CRITICAL: ::1: encrypted logon timed out"

# --max-parallel bounds the addresses under way: with 1, the stalled first
# address holds the second one back until the deadline.
start_pair held --encryption-required true -- --fault bind:stall || {
	not_ok "responders for --max-parallel"; e2e_summary; exit; }
fleet -t 2 --max-parallel 1
expect_result "--max-parallel 1 behind a stalled address: both UNKNOWN" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: 2 of 2 addresses UNKNOWN: 127\.0\.0\.1: encrypted logon timed out after 2s during bind; ::1: encrypted logon timed out after 2s during connect"
grep -q 'not started before the deadline' <<<"$OUT" &&
	ok "--max-parallel 1: ::1 was never started" || not_ok "--max-parallel 1: ::1 was never started"
fleet -t 2 --max-parallel 2
expect_result "--max-parallel 2 behind a stalled address: ::1 still answers" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: 1 of 2 addresses UNKNOWN: 127\.0\.0\.1: "

# --- names that do not resolve -------------------------------------------------
run_plugin -H no-such-host.invalid -u 'EXAMPLE\probe' -m "$MB" --all-addresses -t 3
if { [ "$RC" = 2 ] && [[ $FIRST =~ ^"RPC ENCRYPTION CRITICAL - no-such-host.invalid: name resolution failed: " ]]; } ||
   { [ "$RC" = 3 ] && [[ $FIRST =~ "timed out after 3s during name resolution" ]]; }; then
	ok "a name without addresses: name resolution named (${ELAPSED}s)"
else
	not_ok "a name without addresses: name resolution named"
fi
within_deadline 3 "a name without addresses"

# --- a resolver that never answers ---------------------------------------------
# In a private mount namespace: resolv.conf names a loopback address where
# a UDP socket swallows every query.  The plugin must give up at -t and name
# the phase, however long the resolver would wait.
if unshare --mount true 2>/dev/null; then
	"$SYSTEM_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 53))
print("READY", flush=True)
while True:
    s.recvfrom(4096)
' >"$E2E_TMP/blackhole.out" 2>&1 &
	E2E_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do grep -q READY "$E2E_TMP/blackhole.out" && break; sleep 0.1; done
	printf 'nameserver 127.0.0.2\noptions timeout:30 attempts:1\n' >"$E2E_TMP/resolv.conf"
	printf '127.0.0.1 localhost\n' >"$E2E_TMP/hosts.slow"
	saved_ns=("${E2E_NS[@]}")
	# shellcheck disable=SC2016
	E2E_NS=(unshare --mount sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"'
		"$E2E_TMP/resolv.conf" "$E2E_TMP/hosts.slow")
	run_plugin -H mail.example.com -u 'EXAMPLE\probe' -m "$MB" --all-addresses -t 2
	E2E_NS=("${saved_ns[@]}")
	expect_result "a resolver that never answers: the timeout state naming name resolution" 3 \
		"^RPC ENCRYPTION UNKNOWN - mail\.example\.com: timed out after 2s during name resolution"
	within_deadline 2 "a resolver that never answers (it would wait 30s)"
else
	not_ok "a private mount namespace (unshare --mount, as root) for the resolver test"
fi

# --- MAPI over HTTP: the plain door of each address -----------------------------
# Both responders serve their plain http door on one port too; the one at
# 127.0.0.1 lets the logon through in clear, the one at ::1 answers 403.4.
PLAIN=$("$SYSTEM_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if start_pair mapi --http-auth any --mapi-plain 403.4 --mapi-plain-port "$PLAIN" -- \
	--http-auth any --mapi-plain open --mapi-plain-port "$PLAIN"; then
	run_plugin --transport mapi -H localhost -p "$PAIR_PORT" --ca-file "$PAIR_CA" \
		--plain-port "$PLAIN" -u 'EXAMPLE\probe' -m "$MB" \
		--rpc-server 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test --all-addresses
	expect_result "MAPI over HTTP, one address lets the logon through in clear: CRITICAL naming it" 2 \
		"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses accept MAPI over HTTP without TLS: 127\.0\.0\.1 \(expected: TLS required\)"
	if grep -q '^\[::1\] OK: ::1 requires TLS for MAPI over HTTP: plain http refused with HTTP 403.4' <<<"$OUT"; then
		ok "MAPI over HTTP: the other address is reported OK"
	else
		not_ok "MAPI over HTTP: the other address is reported OK"
	fi
else
	not_ok "MAPI over HTTP responders at 127.0.0.1 and ::1 on one port"
fi

e2e_summary
