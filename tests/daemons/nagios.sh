#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shipped Nagios command definition in the real daemon: Nagios 4 runs in
# the foreground on a private configuration, schedules the plugin against the
# responder's two policies, and the states and perfdata it records in
# status.dat are checked.
. "$(dirname "$0")/../e2e/common.sh"
test_require_impacket
NAGIOS=$(command -v nagios4 || echo /usr/sbin/nagios4)
if [ ! -x "$NAGIOS" ]; then
	test_skip "nagios4 not installed (apt-get install nagios4-core)"
fi
D="$E2E_TMP/nagios"
mkdir -p "$D/checkresults" "$D/tmp"
start_responder req --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1
# Two servers behind one name (localhost: 127.0.0.1 and ::1), ::1 drifted,
# for the fleet service and the per-backend services.
localhost_both
start_pair fleet --encryption-required false -- --encryption-required true || exit 1
printf '%s\n' "$E2E_PASSWORD" > "$D/password"
chmod 600 "$D/password"

cat > "$D/resource.cfg" <<CFG
\$USER1\$=$top_builddir/plugins
\$USER3\$=$D/password
CFG
cat > "$D/nagios.cfg" <<CFG
log_file=$D/nagios.log
cfg_file=$top_srcdir/contrib/nagios/check_rpc_encryption.cfg
cfg_file=$D/objects.cfg
object_cache_file=$D/objects.cache
precached_object_file=$D/objects.precache
resource_file=$D/resource.cfg
status_file=$D/status.dat
command_file=$D/nagios.cmd
lock_file=$D/nagios.lock
temp_file=$D/nagios.tmp
temp_path=$D/tmp
check_result_path=$D/checkresults
state_retention_file=$D/retention.dat
nagios_user=root
nagios_group=root
interval_length=1
status_update_interval=1
check_result_reaper_frequency=1
enable_notifications=0
retain_state_information=0
check_external_commands=0
use_syslog=0
service_check_timeout=30
CFG
service() { # HOST PORT CA EXPECT
	define_service "$1" 127.0.0.1 "RPC encryption" "check_rpc_encryption!$E2E_USER!$E2E_MAILBOX!$4!-p $2 --ca-file $3 -t 10"
}
define_service() { # HOST ADDRESS DESCRIPTION CHECK-COMMAND
	cat <<CFG
define host {
    host_name               $1
    address                 $2
    check_command           host-ok
    check_period            24x7
    max_check_attempts      1
    check_interval          60
    contacts                nobody
}
define service {
    host_name               $1
    service_description     $3
    check_command           $4
    check_period            24x7
    max_check_attempts      1
    check_interval          2
    retry_interval          1
    contacts                nobody
}
CFG
}
{
	cat <<CFG
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday          00:00-24:00
    monday          00:00-24:00
    tuesday         00:00-24:00
    wednesday       00:00-24:00
    thursday        00:00-24:00
    friday          00:00-24:00
    saturday        00:00-24:00
}
define command {
    command_name    host-ok
    command_line    /bin/true
}
define command {
    command_name    notify-none
    command_line    /bin/true
}
define contact {
    contact_name                    nobody
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      notify-none
    service_notification_commands   notify-none
}
CFG
	service exch-required "$req_PORT" "$req_CA" required
	service exch-optional "$opt_PORT" "$opt_CA" required
	# As contrib/nagios/services.cfg.example: every address of a name,
	# and each backend pinned with -I under the name.
	define_service exch-fleet localhost "RPC encryption (all addresses)" \
		"check_rpc_encryption!$E2E_USER!$E2E_MAILBOX!required!-p $PAIR_PORT --ca-file $PAIR_CA -t 10 --all-addresses"
	define_service backend-v4 127.0.0.1 "RPC encryption (backend)" \
		"check_rpc_encryption_backend!$E2E_USER!$E2E_MAILBOX!required!localhost!-p $PAIR_PORT --ca-file $PAIR_CA -t 10"
	define_service backend-v6 ::1 "RPC encryption (backend)" \
		"check_rpc_encryption_backend!$E2E_USER!$E2E_MAILBOX!required!localhost!-p $PAIR_PORT --ca-file $PAIR_CA -t 10"
	# Monitoring Plugins 3's multi-line output: the perfdata after the
	# last line of the long output.
	define_service exch-multi localhost "RPC encryption (multi-line)" \
		"check_rpc_encryption_multi_line!$E2E_USER!$E2E_MAILBOX!required!-p $req_PORT --ca-file $req_CA -t 10"
} > "$D/objects.cfg"

if "$NAGIOS" -v "$D/nagios.cfg" > "$D/verify.log" 2>&1; then
	ok "nagios4 -v accepts the shipped command definition"
else
	RC=1 FIRST="" OUT=$(tail -20 "$D/verify.log") ELAPSED=-
	not_ok "nagios4 -v accepts the shipped command definition"
	e2e_summary
	exit
fi

"${E2E_NS[@]}" "$NAGIOS" "$D/nagios.cfg" > "$D/stdout.log" 2>&1 &
NPID=$!
E2E_PIDS+=("$NPID")

# service_field HOST FIELD -> value from the servicestatus block in status.dat
service_field() {
	awk -v h="$1" -v f="$2" '
		/^servicestatus \{/ { inb = 1; host = ""; val = ""; next }
		inb && /^\t}/ { if (host == h && seen) print val; inb = 0; seen = 0; next }
		inb { line = $0; sub(/^\t/, "", line); k = line; sub(/=.*/, "", k); v = line; sub(/^[^=]*=/, "", v)
		      if (k == "host_name") host = v
		      if (k == f) { val = v; seen = 1 } }' "$D/status.dat" 2>/dev/null
}

for ((i = 0; i < 60; i++)); do
	a=$(service_field exch-required has_been_checked)
	b=$(service_field exch-optional has_been_checked)
	c=$(service_field exch-fleet has_been_checked)
	d=$(service_field backend-v4 has_been_checked)
	e=$(service_field backend-v6 has_been_checked)
	f=$(service_field exch-multi has_been_checked)
	[ "$a$b$c$d$e$f" = 111111 ] && break
	sleep 1
done

for host in exch-required exch-optional; do
	state=$(service_field "$host" current_state)
	out=$(service_field "$host" plugin_output)
	perf=$(service_field "$host" performance_data)
	RC=$state FIRST="$out | $perf" OUT="$FIRST" ELAPSED=-
	if [ "$host" = exch-required ]; then
		[ "$state" = 0 ] && [[ $out == *"requires RPC encryption"* ]] && [[ $perf == *"encryption_enforced=1"* ]] \
			&& ok "Nagios: required policy is OK with encryption_enforced=1" \
			|| not_ok "Nagios: required policy is OK with encryption_enforced=1"
	else
		[ "$state" = 2 ] && [[ $out == *"accepts unencrypted RPC logons"* ]] && [[ $perf == *"encryption_enforced=0"* ]] \
			&& ok "Nagios: drift is CRITICAL with encryption_enforced=0" \
			|| not_ok "Nagios: drift is CRITICAL with encryption_enforced=0"
	fi
done
nagios_result() { # HOST STATE OUTPUT-SUBSTRING PERF-SUBSTRING NAME
	local state out perf
	state=$(service_field "$1" current_state)
	out=$(service_field "$1" plugin_output)
	perf=$(service_field "$1" performance_data)
	RC=$state FIRST="$out | $perf" OUT="$FIRST" ELAPSED=-
	[ "$state" = "$2" ] && [[ $out == *"$3"* ]] && [[ $perf == *"$4"* ]] && ok "$5" || not_ok "$5"
}
nagios_result exch-fleet 2 "localhost: 1 of 2 addresses accept unencrypted logons: ::1 (expected" \
	"__1_encryption_enforced=0" "Nagios: the fleet service names the drifted address"
nagios_result exch-fleet 2 "" "addresses=2" "Nagios: the fleet service's totals (addresses=2)"
nagios_result backend-v4 0 "localhost requires RPC encryption" "encryption_enforced=1" \
	"Nagios: the backend at 127.0.0.1 (-I) is OK"
nagios_result backend-v6 2 "localhost accepts unencrypted RPC logons" "encryption_enforced=0" \
	"Nagios: the backend at ::1 (-I) is CRITICAL"
nagios_result exch-multi 0 "[OK] - localhost requires RPC encryption" "encryption_enforced=1;;;0;1" \
	"Nagios: multi-line output: the state, and the perfdata from after the last line"
long=$(service_field exch-multi long_plugin_output)
[[ $long == *'\_[OK] - encrypted probe ('* && $long == *'\_[OK] - steps before the logon'* ]] &&
	ok "Nagios: multi-line output: one subcheck per line in the long output" ||
	{ OUT=$long; not_ok "Nagios: multi-line output: one subcheck per line in the long output"; }
kill "$NPID" 2>/dev/null

# The shipped example services validate with Debian's object templates.
mkdir -p "$D/example"
sed -e "s#^cfg_file=$D/objects.cfg#cfg_file=$D/example/hosts.cfg#" \
    -e "s#^log_file=.*#log_file=$D/example/nagios.log#" "$D/nagios.cfg" >"$D/example/nagios.cfg"
for f in templates timeperiods contacts commands; do
	echo "cfg_file=/etc/nagios4/objects/$f.cfg"
done >>"$D/example/nagios.cfg"
echo "cfg_file=$top_srcdir/contrib/nagios/services.cfg.example" >>"$D/example/nagios.cfg"
{
	printf 'define command {\n    command_name host-ok\n    command_line /bin/true\n}\n'
	for h in exch01 mail cas01 cas02; do
		printf 'define host {\n    use linux-server\n    host_name %s.example.com\n    address %s.example.com\n    check_command host-ok\n}\n' "$h" "$h"
	done
} >"$D/example/hosts.cfg"
if "$NAGIOS" -v "$D/example/nagios.cfg" > "$D/example/verify.log" 2>&1 &&
   grep -q 'Checked 7 services' "$D/example/verify.log"; then
	ok "nagios4 -v accepts the shipped example services (7)"
else
	RC=1 FIRST="" OUT=$(grep -B2 -A2 -i error "$D/example/verify.log" | head -30) ELAPSED=-
	not_ok "nagios4 -v accepts the shipped example services (7)"
fi
e2e_summary
