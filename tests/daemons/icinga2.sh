#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shipped Icinga 2 CheckCommand in the real daemon: Icinga 2 runs in the
# foreground on a private configuration and state directory, schedules the
# plugin against the responder's two policies (password through the custom
# variable rendered into the environment), and the results it recorded are
# checked twice: in the PerfdataWriter's spool file while it runs, and in its
# state file after it has shut down.
. "$(dirname "$0")/../e2e/common.sh"
test_require_impacket
ICINGA2=$(command -v icinga2 || echo /usr/sbin/icinga2)
if [ ! -x "$ICINGA2" ] || [ ! -d /usr/share/icinga2/include ]; then
	test_skip "icinga2 not installed (apt-get install icinga2-bin icinga2-common)"
fi
D="$E2E_TMP/icinga2"
mkdir -p "$D/etc" "$D/lib" "$D/log" "$D/cache" "$D/spool/tmp" "$D/spool/perfdata" "$D/run"
start_responder req --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1
# Two servers behind one name (localhost: 127.0.0.1 and ::1), ::1 drifted,
# for the fleet check and the per-backend checks of the shipped example.
localhost_both
start_pair fleet --encryption-required false -- --encryption-required true || exit 1

host() { # NAME PORT CA
	cat <<CFG
object Host "$1" {
	check_command = "dummy"
	address = "127.0.0.1"
	vars.dummy_state = 0
	vars.exchange_port = $2
	vars.exchange_ca = "$3"
}
CFG
}
{
	cat <<CFG
const PluginDir = "$top_builddir/plugins"
include <itl>
include "$top_srcdir/contrib/icinga2/check_rpc_encryption.conf"

object CheckerComponent "checker" { }
object PerfdataWriter "perfdata" {
	service_perfdata_path = "$D/spool/perfdata/service-perfdata"
	service_temp_path = "$D/spool/tmp/service-perfdata"
	host_perfdata_path = "$D/spool/perfdata/host-perfdata"
	host_temp_path = "$D/spool/tmp/host-perfdata"
	service_format_template = "HOST=\$host.name\$\tSERVICE=\$service.name\$\tSTATE=\$service.state_id\$\tPERF=\$service.perfdata\$\tOUTPUT=\$service.output\$"
	rotation_interval = 1s
}

template Service "test-service" {
	check_command = "rpc_encryption"
	check_interval = 2s
	retry_interval = 1s
	max_check_attempts = 1
	vars.rpc_encryption_user = "$(sed 's/\\/\\\\/g' <<<"$E2E_USER")"
	vars.rpc_encryption_password = "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$E2E_PASSWORD")"
	vars.rpc_encryption_mailbox_dn = "$E2E_MAILBOX"
	vars.rpc_encryption_expect = "required"
	vars.rpc_encryption_port = host.vars.exchange_port
	vars.rpc_encryption_ca_file = host.vars.exchange_ca
	vars.rpc_encryption_timeout = 10
}
apply Service "rpc-encryption" {
	import "test-service"
	assign where host.vars.exchange_port && !host.vars.exchange_backends
}
CFG
	host exch-required "$req_PORT" "$req_CA"
	host exch-optional "$opt_PORT" "$opt_CA"
	# The fleet and per-backend services as contrib/icinga2/example.conf
	# defines them, against the responder pair.
	cat <<CFG
object Host "exch-fleet" {
	check_command = "dummy"
	address = "localhost"
	vars.dummy_state = 0
	vars.exchange_port = $PAIR_PORT
	vars.exchange_ca = "$PAIR_CA"
	vars.exchange_backends = { v4 = "127.0.0.1", v6 = "::1" }
}
apply Service "rpc-encryption-all-addresses" {
	import "test-service"
	vars.rpc_encryption_all_addresses = true
	vars.rpc_encryption_max_parallel = 2
	assign where host.vars.exchange_backends
}
apply Service "rpc-encryption-" for (backend => ip in host.vars.exchange_backends) {
	import "test-service"
	vars.rpc_encryption_ip_address = ip
}
CFG
} > "$D/etc/icinga2.conf"
chmod 600 "$D/etc/icinga2.conf"

DEFS=(-DConfigDir="$D/etc" -DDataDir="$D/lib" -DLogDir="$D/log" -DCacheDir="$D/cache"
	-DSpoolDir="$D/spool" -DInitRunDir="$D/run" -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)")

if "${E2E_NS[@]}" "$ICINGA2" daemon -C -c "$D/etc/icinga2.conf" "${DEFS[@]}" > "$D/validate.log" 2>&1; then
	ok "icinga2 daemon -C accepts the shipped CheckCommand"
else
	RC=1 FIRST="" OUT=$(tail -20 "$D/validate.log") ELAPSED=-
	not_ok "icinga2 daemon -C accepts the shipped CheckCommand"
	e2e_summary
	exit
fi

# The shipped example (hosts; apply rules over HTTP and TCP, for every
# address of a name and per backend) validates too.
printf '%s\n' 'const PluginDir = "/usr/lib/nagios/plugins"' 'include <itl>' 'include <plugins>' \
	"include \"$top_srcdir/contrib/icinga2/check_rpc_encryption.conf\"" \
	"include \"$top_srcdir/contrib/icinga2/example.conf\"" > "$D/etc/example.conf"
if "$ICINGA2" daemon -C -c "$D/etc/example.conf" "${DEFS[@]}" > "$D/example.log" 2>&1 &&
   grep -q 'Instantiated 5 Services' "$D/example.log"; then
	ok "icinga2 daemon -C accepts the shipped example (5 services)"
else
	RC=1 FIRST="" OUT=$(tail -20 "$D/example.log") ELAPSED=-
	not_ok "icinga2 daemon -C accepts the shipped example (5 services)"
fi

"${E2E_NS[@]}" "$ICINGA2" daemon -c "$D/etc/icinga2.conf" "${DEFS[@]}" > "$D/daemon.log" 2>&1 &
IPID=$!
E2E_PIDS+=("$IPID")

# Results rotate into the perfdata spool once a second; wait for both hosts.
results() { cat "$D"/spool/perfdata/service-perfdata* "$D"/spool/tmp/service-perfdata 2>/dev/null; }
for ((i = 0; i < 60; i++)); do
	r=$(results)
	[[ $r == *HOST=exch-required* ]] && [[ $r == *HOST=exch-optional* ]] &&
		[[ $r == *SERVICE=rpc-encryption-all-addresses* ]] &&
		[[ $r == *SERVICE=rpc-encryption-v4* ]] &&
		[[ $r == *SERVICE=rpc-encryption-v6* ]] && break
	kill -0 "$IPID" 2>/dev/null || break
	sleep 1
done

# The spool files rotate once a second: every check reads the one snapshot
# r the wait above took.
check_line() { # HOST[\tSERVICE=NAME] STATE OUTPUT-SUBSTRING PERF-SUBSTRING NAME
	local line state out perf
	line=$(grep -m1 "^HOST=$1"$'\t' <<<"$r")
	state=$(sed -n 's/.*\tSTATE=\([0-9]*\)\t.*/\1/p' <<<"$line")
	# The output's long-output lines follow on their own lines, so the
	# template puts the perfdata before it.
	perf=$(sed -n 's/.*\tPERF=\(.*\)\tOUTPUT=.*/\1/p' <<<"$line")
	out=${line##*OUTPUT=}
	RC=$state FIRST="$line" OUT="$line$(tail -5 "$D/daemon.log")" ELAPSED=-
	[ "$state" = "$2" ] && [[ $out == *"$3"* ]] && [[ $perf == *"$4"* ]] && ok "$5" || not_ok "$5"
}
check_line exch-required 0 "requires RPC encryption" "encryption_enforced=1" \
	"Icinga 2: required policy is OK with encryption_enforced=1"
check_line exch-optional 2 "accepts unencrypted RPC logons" "encryption_enforced=0" \
	"Icinga 2: drift is CRITICAL with encryption_enforced=0"
T=$'\t'
check_line "exch-fleet${T}SERVICE=rpc-encryption-all-addresses" 2 \
	"localhost: 1 of 2 addresses accept unencrypted logons: ::1 (expected: encryption required)" \
	"__1_encryption_enforced=0" "Icinga 2: the fleet check names the drifted address"
check_line "exch-fleet${T}SERVICE=rpc-encryption-all-addresses" 2 "" "addresses=2" \
	"Icinga 2: the fleet check's totals (addresses=2) in the perfdata"
check_line "exch-fleet${T}SERVICE=rpc-encryption-all-addresses" 2 "" "127_0_0_1_encryption_enforced=1" \
	"Icinga 2: the per-address perfdata labels arrive as sent"
check_line "exch-fleet${T}SERVICE=rpc-encryption-v4" 0 "requires RPC encryption" "encryption_enforced=1" \
	"Icinga 2: the backend at 127.0.0.1 (-I) is OK"
check_line "exch-fleet${T}SERVICE=rpc-encryption-v6" 2 "accepts unencrypted RPC logons" "encryption_enforced=0" \
	"Icinga 2: the backend at ::1 (-I) is CRITICAL"

# On SIGTERM Icinga 2 dumps every object's state into icinga2.state
# (netstrings of JSON); the last check results must be there too.
kill -TERM "$IPID" 2>/dev/null
for ((i = 0; i < 100; i++)); do
	kill -0 "$IPID" 2>/dev/null || break
	sleep 0.1
done
STATE_OUT=$("$SYSTEM_PYTHON" - "$D/lib/icinga2.state" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
pos = 0
while pos < len(data):
    colon = data.index(b":", pos)
    n = int(data[pos:colon])
    obj = json.loads(data[colon + 1:colon + 1 + n])
    pos = colon + 1 + n + 1
    if obj.get("type") != "Service":
        continue
    cr = obj.get("update", {}).get("last_check_result") or {}
    perf = " ".join(str(p) for p in cr.get("performance_data") or [])
    print("%s %s %s" % (obj["name"].split("!")[0], cr.get("state"), perf))
PY
)
RC=- FIRST="$STATE_OUT" OUT="$STATE_OUT" ELAPSED=-
grep -q '^exch-required 0\(\.0\)\? .*encryption_enforced=1' <<<"$STATE_OUT" \
	&& grep -q '^exch-optional 2\(\.0\)\? .*encryption_enforced=0' <<<"$STATE_OUT" \
	&& grep -q '^exch-fleet 2\(\.0\)\? .*addresses=2' <<<"$STATE_OUT" \
	&& ok "Icinga 2 state file records OK and CRITICAL with the perfdata" \
	|| not_ok "Icinga 2 state file records OK and CRITICAL with the perfdata"
e2e_summary
