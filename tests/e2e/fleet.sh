#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: --all-addresses.  Two responders on one port, at 127.0.0.1
# and at ::1, stand for two servers behind one name (localhost): the plugin
# must probe both, pinned to each address, and name exactly the one that
# drifted; a stalled address is named with its timeout state while the
# other is still reported, all within -t.
#
# localhost must resolve to both addresses.  Where /etc/hosts does not say
# so, the plugin runs in a private mount namespace (unshare, as root) that
# sees a hosts file of this test in place of /etc/hosts; nothing on the
# system changes.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX

resolves_both() {
	local a
	a=$(getent ahosts localhost | awk '$2 == "STREAM" { print $1 }' | sort -u | tr '\n' ' ')
	[[ " $a" == *" 127.0.0.1 "* && " $a" == *" ::1 "* ]]
}

if ! resolves_both; then
	hosts="$E2E_TMP/hosts"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$hosts"
	unshare --mount sh -c 'mount --bind "$0" /etc/hosts' "$hosts" 2>/dev/null ||
		test_skip "localhost resolves to one address and no private mount namespace (unshare --mount, as root) is available to give it two"
	wrapper="$E2E_TMP/plugin"
	cat >"$wrapper" <<WRAP
#!/bin/sh
exec unshare --mount sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' "$hosts" "$PLUGIN" "\$@"
WRAP
	chmod +x "$wrapper"
	PLUGIN=$wrapper
fi

# start_pair NAME ARGS-FOR-::1 -- ARGS-FOR-127.0.0.1...: two responders on
# one port; sets PAIR_PORT and PAIR_CA (both CAs in one bundle).
start_pair() {
	local name=$1 v6=() try p4 c4 c6
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do v6+=("$1"); shift; done
	shift
	for try in 1 2 3 4 5; do
		start_responder "${name}4_$try" "$@" || return 1
		p4="${name}4_${try}_PORT"; c4="${name}4_${try}_CA"
		if start_responder "${name}6_$try" --listen ::1 --port "${!p4}" "${v6[@]}"; then
			c6="${name}6_${try}_CA"
			PAIR_PORT=${!p4}
			PAIR_CA="$E2E_TMP/$name-ca.pem"
			cat "${!c4}" "${!c6}" >"$PAIR_CA"
			return 0
		fi
		# the port was taken at ::1: try another one
	done
	return 1
}

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

n4=$(cat "$E2E_TMP"/agree4_*.log | grep -c 'auth3 user=.* ok')
n6=$(cat "$E2E_TMP"/agree6_*.log | grep -c 'auth3 user=.* ok')
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
fleet --expect optional
expect_result "--expect optional: the other one is the odd one out" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses refuse unencrypted logons: 127\.0\.0\.1 \(expected: encryption optional\)"
fleet --expect any
expect_result "--expect any: mixed policies are reported, not alerted" 0 \
	"^RPC ENCRYPTION OK - localhost: 2 addresses OK, 1 of them require RPC encryption"

# --- one address stalls --------------------------------------------------------
start_pair stall --fault bind:stall -- --encryption-required true || {
	not_ok "stall responders"; e2e_summary; exit; }
fleet -t 3
expect_result "::1 stalls: its timeout state, naming ::1 and the phase" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: 1 of 2 addresses UNKNOWN: ::1: encrypted logon timed out after 3s during bind"
grep -q '^\[127.0.0.1\] OK: 127.0.0.1 requires RPC encryption' <<<"$OUT" &&
	perf_has '127_0_0_1_encryption_enforced=1' &&
	ok "stall: 127.0.0.1 still reported" || not_ok "stall: 127.0.0.1 still reported"
awk -v e="$ELAPSED" 'BEGIN { exit !(e <= 4.0) }' &&
	ok "stall: answered in ${ELAPSED}s (-t 3)" || not_ok "stall: took ${ELAPSED}s (-t 3)"
fleet -t 3:CRITICAL
expect_result "-t 3:CRITICAL: the stalled address is CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: 1 of 2 addresses CRITICAL: ::1: encrypted logon timed out"

# --- names that do not resolve -------------------------------------------------
run_plugin -H no-such-host.invalid -u 'EXAMPLE\probe' -m "$MB" --all-addresses -t 3
if { [ "$RC" = 2 ] && [[ $FIRST =~ ^"RPC ENCRYPTION CRITICAL - no-such-host.invalid: name resolution failed: " ]]; } ||
   { [ "$RC" = 3 ] && [[ $FIRST =~ "timed out after 3s during name resolution" ]]; }; then
	ok "a name without addresses: name resolution named (${ELAPSED}s)"
else
	not_ok "a name without addresses: name resolution named"
fi
awk -v e="$ELAPSED" 'BEGIN { exit !(e <= 4.0) }' &&
	ok "name resolution within -t (${ELAPSED}s)" || not_ok "name resolution took ${ELAPSED}s (-t 3)"

e2e_summary
