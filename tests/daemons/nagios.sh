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
	cat <<CFG
define host {
    host_name               $1
    address                 127.0.0.1
    check_command           host-ok
    check_period            24x7
    max_check_attempts      1
    check_interval          60
    contacts                nobody
}
define service {
    host_name               $1
    service_description     RPC encryption
    check_command           check_rpc_encryption!$E2E_USER!$E2E_MAILBOX!$4!-p $2 --ca-file $3 -t 10
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
} > "$D/objects.cfg"

if "$NAGIOS" -v "$D/nagios.cfg" > "$D/verify.log" 2>&1; then
	ok "nagios4 -v accepts the shipped command definition"
else
	RC=1 FIRST="" OUT=$(tail -20 "$D/verify.log") ELAPSED=-
	not_ok "nagios4 -v accepts the shipped command definition"
	e2e_summary
	exit
fi

"$NAGIOS" "$D/nagios.cfg" > "$D/stdout.log" 2>&1 &
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
	[ "$a" = 1 ] && [ "$b" = 1 ] && break
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
kill "$NPID" 2>/dev/null
e2e_summary
