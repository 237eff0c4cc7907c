#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shipped Icinga 2 CheckCommand in the real daemon: Icinga 2 runs in the
# foreground on a private configuration and state directory, schedules the
# plugin against the responder's two policies (password through the custom
# variable rendered into the environment), and the results it recorded are
# checked twice: in the PerfdataWriter's spool file while it runs, and in its
# state file after it has shut down.  Then distributed: a master and a
# satellite zone, two instances with their own certificates from the
# master's CA; the master schedules the check, the satellite runs it
# (command_endpoint), the master's REST API shows the results.
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
	# -e through Autodiscover (no mailbox DN given) and a list rendered as a
	# repeated option (repeat_key).
	cat <<CFG
object Host "exch-autodiscover" {
	check_command = "dummy"
	address = "127.0.0.1"
	vars.dummy_state = 0
}
object Service "rpc-encryption-autodiscover" {
	host_name = "exch-autodiscover"
	check_command = "rpc_encryption"
	check_interval = 2s
	retry_interval = 1s
	max_check_attempts = 1
	vars.rpc_encryption_user = "$(sed 's/\\/\\\\/g' <<<"$E2E_USER")"
	vars.rpc_encryption_password = "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$E2E_PASSWORD")"
	vars.rpc_encryption_email = "probe@example.test"
	vars.rpc_encryption_autodiscover_url = "https://localhost:$req_PORT/autodiscover/autodiscover.xml"
	vars.rpc_encryption_autodiscover_connect_to = [ "example.test:443:127.0.0.1:1", "autodiscover.example.test:443:127.0.0.1:1" ]
	vars.rpc_encryption_port = $req_PORT
	vars.rpc_encryption_ca_file = "$req_CA"
	vars.rpc_encryption_timeout = 10
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
   grep -q 'Instantiated 7 Services' "$D/example.log"; then
	ok "icinga2 daemon -C accepts the shipped example (7 services)"
else
	RC=1 FIRST="" OUT=$(tail -20 "$D/example.log") ELAPSED=-
	not_ok "icinga2 daemon -C accepts the shipped example (7 services)"
fi

# At log level notice Icinga 2 logs each command line it runs (not the
# environment, where the password is).
"${E2E_NS[@]}" "$ICINGA2" daemon -x notice -c "$D/etc/icinga2.conf" "${DEFS[@]}" > "$D/daemon.log" 2>&1 &
IPID=$!
E2E_PIDS+=("$IPID")

# Results rotate into the perfdata spool once a second; wait for both hosts.
results() { cat "$D"/spool/perfdata/service-perfdata* "$D"/spool/tmp/service-perfdata 2>/dev/null; }
for ((i = 0; i < 60; i++)); do
	r=$(results)
	[[ $r == *HOST=exch-required* ]] && [[ $r == *HOST=exch-optional* ]] &&
		[[ $r == *SERVICE=rpc-encryption-all-addresses* ]] &&
		[[ $r == *SERVICE=rpc-encryption-v4* ]] &&
		[[ $r == *SERVICE=rpc-encryption-v6* ]] &&
		[[ $r == *HOST=exch-autodiscover* ]] && break
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

check_line exch-autodiscover 0 "requires RPC encryption" "autodiscover_time=" \
	"Icinga 2: -e finds the mailbox through Autodiscover (rpc_encryption_email)"
RC=- FIRST="" OUT=$(grep -m3 "Running command.*check_rpc_encryption.*--autodiscover" "$D/daemon.log") ELAPSED=-
grep -q "'--autodiscover-connect-to' 'example.test:443:127.0.0.1:1' '--autodiscover-connect-to' 'autodiscover.example.test:443:127.0.0.1:1'" <<<"$OUT" &&
	ok "Icinga 2: an array in rpc_encryption_autodiscover_connect_to repeats the option (repeat_key)" ||
	not_ok "Icinga 2: an array in rpc_encryption_autodiscover_connect_to repeats the option (repeat_key)"
RC=- FIRST="" OUT=$(grep -c "Running command" "$D/daemon.log") ELAPSED=-
[ "$OUT" -gt 0 ] && ! grep -qF "$E2E_PASSWORD" "$D/daemon.log" &&
	ok "Icinga 2: the command lines it logged carry no password" ||
	not_ok "Icinga 2: the command lines it logged carry no password"

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
# --- distributed: a master and a satellite zone ----------------------------
# Two Icinga 2 instances on loopback, each with its own paths (--define) and
# API port, certificates from the master's own CA (icinga2 pki new-ca,
# new-cert, sign-csr).  The master schedules the services with
# command_endpoint = "satellite"; the satellite runs the plugin (the
# master's PluginDir holds no plugin) and the result comes back to the
# master, where the test reads it through the master's REST API.
for node in master satellite; do
	N="$E2E_TMP/i2-$node"
	mkdir -p "$N/etc" "$N/lib/certs" "$N/log" "$N/cache" "$N/spool/tmp" "$N/run"
done
node_defs() { # NODE -> NODE_DEFS
	local N="$E2E_TMP/i2-$1"
	NODE_DEFS=(-DNodeName="$1" -DZoneName="$1" -DConfigDir="$N/etc" -DDataDir="$N/lib"
		-DLogDir="$N/log" -DCacheDir="$N/cache" -DSpoolDir="$N/spool" -DInitRunDir="$N/run"
		-DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)")
}
M="$E2E_TMP/i2-master" S="$E2E_TMP/i2-satellite"
pki_log="$E2E_TMP/i2-pki.log"
# Each node makes its key and signing request, the master's CA signs both.
make_certs() {
	local node
	node_defs master
	"$ICINGA2" pki new-ca "${NODE_DEFS[@]}" || return 1
	for node in master satellite; do
		node_defs "$node"
		"$ICINGA2" pki new-cert "${NODE_DEFS[@]}" --cn "$node" \
			--key "$E2E_TMP/i2-$node/lib/certs/$node.key" --csr "$E2E_TMP/i2-$node.csr" || return 1
		node_defs master
		"$ICINGA2" pki sign-csr "${NODE_DEFS[@]}" --csr "$E2E_TMP/i2-$node.csr" \
			--cert "$E2E_TMP/i2-$node/lib/certs/$node.crt" || return 1
		cp "$M/lib/ca/ca.crt" "$E2E_TMP/i2-$node/lib/certs/ca.crt" || return 1
	done
	openssl verify -CAfile "$S/lib/certs/ca.crt" "$S/lib/certs/satellite.crt" "$M/lib/certs/master.crt"
}
if make_certs >"$pki_log" 2>&1; then
	ok "icinga2 pki: the master's CA signs the master's and the satellite's certificates"
else
	RC=- FIRST="" OUT=$(tail -20 "$pki_log") ELAPSED=-
	not_ok "icinga2 pki: the master's CA signs the master's and the satellite's certificates"
	e2e_summary
	exit
fi

# Two free loopback ports for the two API listeners.
read -r MASTER_PORT SATELLITE_PORT < <("$SYSTEM_PYTHON" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
API_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

zones() { # the same zone tree on both nodes; the master connects to the satellite
	cat <<CFG
object Endpoint "master" { }
object Endpoint "satellite" {
	host = "127.0.0.1"
	port = "$SATELLITE_PORT"
}
object Zone "master" {
	endpoints = [ "master" ]
}
object Zone "satellite" {
	endpoints = [ "satellite" ]
	parent = "master"
}
CFG
}
{
	cat <<CFG
const PluginDir = "$top_builddir/plugins"
include <itl>
include "$top_srcdir/contrib/icinga2/check_rpc_encryption.conf"
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = "$SATELLITE_PORT"
	accept_commands = true
}
CFG
	zones
} >"$S/etc/icinga2.conf"
{
	cat <<CFG
const PluginDir = "$M/no-plugins-here"
include <itl>
include "$top_srcdir/contrib/icinga2/check_rpc_encryption.conf"
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = "$MASTER_PORT"
}
object ApiUser "reader" {
	password = "$API_PASSWORD"
	permissions = [ "objects/query/Service" ]
}
object CheckerComponent "checker" { }
CFG
	zones
	for policy in required optional; do
		port=${policy:0:3}_PORT ca=${policy:0:3}_CA
		cat <<CFG
object Host "sat-$policy" {
	zone = "master"
	check_command = "dummy"
	address = "localhost"
	vars.dummy_state = 0
}
object Service "rpc-encryption" {
	host_name = "sat-$policy"
	zone = "master"
	check_command = "rpc_encryption"
	command_endpoint = "satellite"
	check_interval = 2s
	retry_interval = 1s
	max_check_attempts = 1
	vars.rpc_encryption_user = "$(sed 's/\\/\\\\/g' <<<"$E2E_USER")"
	vars.rpc_encryption_password = "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$E2E_PASSWORD")"
	vars.rpc_encryption_mailbox_dn = "$E2E_MAILBOX"
	vars.rpc_encryption_expect = "required"
	vars.rpc_encryption_port = ${!port}
	vars.rpc_encryption_ca_file = "${!ca}"
	vars.rpc_encryption_timeout = 10
}
CFG
	done
} >"$M/etc/icinga2.conf"
chmod 600 "$M/etc/icinga2.conf" "$S/etc/icinga2.conf"

for node in satellite master; do
	node_defs "$node"
	if "$ICINGA2" daemon -C -c "$E2E_TMP/i2-$node/etc/icinga2.conf" "${NODE_DEFS[@]}" \
		>"$E2E_TMP/i2-$node/validate.log" 2>&1; then
		ok "icinga2 daemon -C accepts the $node's configuration"
	else
		RC=1 FIRST="" OUT=$(tail -20 "$E2E_TMP/i2-$node/validate.log") ELAPSED=-
		not_ok "icinga2 daemon -C accepts the $node's configuration"
		e2e_summary
		exit
	fi
done

# The shipped distributed example, split at its "file:" lines into a master's
# configuration directory (zones.conf, zones.d/master/), validates with the
# CheckCommand: the Service with command_endpoint in zone master.
X="$E2E_TMP/i2-example"
mkdir -p "$X/etc" "$X/lib" "$X/log" "$X/cache" "$X/spool" "$X/run"
awk -v dir="$X/etc" '/^\/\/ file: / { f = dir "/" $3; d = f; sub(/\/[^\/]*$/, "", d)
	system("mkdir -p \"" d "\""); next } f != "" { print > f }' \
	"$top_srcdir/contrib/icinga2/distributed.conf"
printf '%s\n' 'const PluginDir = "/usr/lib/nagios/plugins"' 'include <itl>' 'include <plugins>' \
	"include \"$top_srcdir/contrib/icinga2/check_rpc_encryption.conf\"" 'include "zones.conf"' \
	>"$X/etc/icinga2.conf"
if "$ICINGA2" daemon -C -c "$X/etc/icinga2.conf" -DNodeName=master.example.com -DConfigDir="$X/etc" \
	-DZonesDir="$X/etc/zones.d" -DDataDir="$X/lib" -DLogDir="$X/log" -DCacheDir="$X/cache" \
	-DSpoolDir="$X/spool" -DInitRunDir="$X/run" -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)" \
	>"$X/validate.log" 2>&1 && grep -q 'Instantiated 1 Service' "$X/validate.log" &&
	[ -f "$X/etc/zones.d/master/exchange-dmz.conf" ]; then
	ok "icinga2 daemon -C accepts the shipped distributed example (zones.conf, zones.d/master)"
else
	RC=1 FIRST="" OUT=$(tail -20 "$X/validate.log") ELAPSED=-
	not_ok "icinga2 daemon -C accepts the shipped distributed example (zones.conf, zones.d/master)"
fi

# The satellite first, so the master's first connection attempt finds it
# listening (the master retries every 10 s otherwise).
node_defs satellite
"$ICINGA2" daemon -c "$S/etc/icinga2.conf" "${NODE_DEFS[@]}" >"$S/daemon.log" 2>&1 &
SPID=$!
E2E_PIDS+=("$SPID")
for ((i = 0; i < 300; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$SATELLITE_PORT") 2>/dev/null && break
	kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$SATELLITE_PORT") 2>/dev/null; then
	RC=- FIRST="" OUT=$(tail -20 "$S/daemon.log") ELAPSED=-
	not_ok "Icinga 2 satellite listens on 127.0.0.1:$SATELLITE_PORT within 30 s"
	e2e_summary
	exit
fi
node_defs master
"$ICINGA2" daemon -c "$M/etc/icinga2.conf" "${NODE_DEFS[@]}" >"$M/daemon.log" 2>&1 &
MPID=$!
E2E_PIDS+=("$MPID")

# The master's API: its certificate names "master", signed by its CA.
api_results() {
	curl -sS --max-time 5 --cacert "$M/lib/certs/ca.crt" -u "reader:$API_PASSWORD" \
		--resolve "master:$MASTER_PORT:127.0.0.1" \
		"https://master:$MASTER_PORT/v1/objects/services?attrs=host_name&attrs=last_check_result" 2>&1 |
	"$SYSTEM_PYTHON" -c '
import json, sys
for r in json.load(sys.stdin)["results"]:
    cr = r["attrs"].get("last_check_result") or {}
    print("%s\t%s\t%s\t%s\t%s" % (r["attrs"]["host_name"], cr.get("check_source"),
        cr.get("state"), " ".join(str(p) for p in cr.get("performance_data") or []),
        (cr.get("output") or "").split("\n")[0]))' 2>&1
}
# Until both services have a result the satellite executed: its check_source
# names the endpoint that ran the plugin.
API=
for ((i = 0; i < 90; i++)); do
	API=$(api_results)
	grep -q $'^sat-required\tsatellite\t' <<<"$API" &&
		grep -q $'^sat-optional\tsatellite\t' <<<"$API" && break
	kill -0 "$MPID" 2>/dev/null && kill -0 "$SPID" 2>/dev/null || break
	sleep 1
done
api_line() { # HOST STATE OUTPUT-SUBSTRING PERF-SUBSTRING NAME
	local line
	line=$(grep -m1 "^$1"$'\tsatellite\t' <<<"$API")
	RC=- FIRST="$line" OUT="$API
--- master log:
$(tail -8 "$M/daemon.log")
--- satellite log:
$(tail -8 "$S/daemon.log")" ELAPSED=-
	IFS=$'\t' read -r _ _ state perf out <<<"$line"
	[[ $state == "$2" || $state == "$2.0" ]] && [[ $out == *"$3"* ]] && [[ $perf == *"$4"* ]] && ok "$5" || not_ok "$5"
}
api_line sat-required 0 "requires RPC encryption" "encryption_enforced=1" \
	"Icinga 2 master/satellite: the satellite's OK (encryption_enforced=1) read back at the master's API"
api_line sat-optional 2 "accepts unencrypted RPC logons" "encryption_enforced=0" \
	"Icinga 2 master/satellite: the satellite's CRITICAL (encryption_enforced=0) read back at the master's API"

# Both stop on SIGTERM within 10 s.
kill -TERM "$MPID" "$SPID" 2>/dev/null
for ((i = 0; i < 100; i++)); do
	kill -0 "$MPID" 2>/dev/null || kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
done
RC=- FIRST="" OUT="$(tail -5 "$M/daemon.log"; tail -5 "$S/daemon.log")" ELAPSED=-
! kill -0 "$MPID" 2>/dev/null && ! kill -0 "$SPID" 2>/dev/null &&
	ok "Icinga 2 master and satellite stop on SIGTERM" ||
	not_ok "Icinga 2 master and satellite stop on SIGTERM"
e2e_summary
