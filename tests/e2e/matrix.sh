#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: the plugin against the bundled responder.  Policy x --expect x
# --probe matrix with exact exit codes and first lines, credentials,
# certificates, HTTP auth schemes, and every fault knob with its phase,
# each answered within -t + 1 s.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
start_responder req --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1

base() { # NAME -> common arguments against responder NAME
	local p="${1}_PORT" c="${1}_CA"
	echo "-H localhost -p ${!p} --ca-file ${!c} -u EXAMPLE\\probe"
}

# --- policy x expectation x probe selection ---------------------------------
H=localhost
for policy in req opt; do
	for expect in required optional any; do
		for probe in both encrypted unencrypted; do
			# shellcheck disable=SC2046
			run_plugin $(base $policy) -m "$MB" --expect $expect --probe $probe
			case $policy/$expect/$probe in
			req/required/both) want=0 re="^RPC ENCRYPTION OK - $H requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\), encrypted logon OK in [0-9.]+s \|" ;;
			req/optional/both) want=2 re="^RPC ENCRYPTION CRITICAL - $H requires RPC encryption: unencrypted clients are locked out \(ecNotEncrypted 2416\) \(expected: encryption optional\) \|" ;;
			req/any/both) want=0 re="^RPC ENCRYPTION OK - $H requires RPC encryption" ;;
			opt/required/both) want=2 re="^RPC ENCRYPTION CRITICAL - $H accepts unencrypted RPC logons \(expected: encryption required\) \|" ;;
			opt/optional/both|opt/any/both) want=0 re="^RPC ENCRYPTION OK - $H does not require RPC encryption" ;;
			*/encrypted) want=0 re="^RPC ENCRYPTION OK - $H: encrypted logon OK in [0-9.]+s \(policy not tested" ;;
			req/optional/unencrypted) want=2 re="^RPC ENCRYPTION CRITICAL - $H requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\) \(expected" ;;
			req/*/unencrypted) want=0 re="^RPC ENCRYPTION OK - $H requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\)" ;;
			opt/required/unencrypted) want=2 re="^RPC ENCRYPTION CRITICAL - $H accepts unencrypted RPC logons \(expected: encryption required\)" ;;
			opt/*/unencrypted) want=0 re="^RPC ENCRYPTION OK - $H accepts unencrypted RPC logons: unencrypted logon OK" ;;
			esac
			expect_result "policy=$policy --expect $expect --probe $probe" "$want" "$re"
		done
	done
done

# perfdata and long output of the main case
run_plugin $(base req) -m "$MB"
[[ $OUT == *"encryption_enforced=1;;;0;1"* && $OUT == *"'"* || $OUT == *"encryption_enforced=1;;;0;1"* ]] \
	&& [[ $FIRST =~ \ encrypted_time=[0-9.]+s\;\;\;0\  ]] && [[ $OUT == *'store server version 14.3.123.4, logged on as "Probe User"'* ]] \
	&& ok "perfdata and long output" || not_ok "perfdata and long output"
run_plugin $(base opt) -m "$MB"
[[ $OUT == *"encryption_enforced=0;;;0;1"* && $OUT == *"Set-RpcClientAccess -Server localhost -EncryptionRequired \$true"* && $OUT == *"Set-MailboxServer localhost -MapiEncryptionRequired:\$true"* ]] \
	&& ok "drift names the remediation cmdlets" || not_ok "drift names the remediation cmdlets"
# integrity is also refused when encryption is required
run_plugin $(base req) -m "$MB" --unencrypted-level integrity
expect_result "signed-only (integrity) logon is refused too" 0 "unencrypted logon refused \(ecNotEncrypted 2416\)"
run_plugin $(base opt) -m "$MB" --unencrypted-level integrity --expect optional
expect_result "signed-only logon accepted without the policy" 0 "^RPC ENCRYPTION OK"

# --- thresholds ------------------------------------------------------------------
run_plugin $(base req) -m "$MB" -w 0.000001 -c 100
expect_result "-w below the probe time raises WARNING" 1 "^RPC ENCRYPTION WARNING - .*\(slowest probe [0-9.]+s\)"
run_plugin $(base req) -m "$MB" -w 100 -c 0.000001
expect_result "-c below the probe time raises CRITICAL" 2 "^RPC ENCRYPTION CRITICAL - .*slowest probe"
[[ $FIRST == *"encrypted_time="*"s;100;0.000001;0"* ]] && ok "thresholds in perfdata" || not_ok "thresholds in perfdata"

# --- credentials, mailbox, certificates --------------------------------------
E2E_PW='wrong' run_plugin $(base req) -m "$MB"
expect_result "wrong password: CRITICAL naming authentication" 2 "^RPC ENCRYPTION CRITICAL - .*AUTH_FAILED.*credentials"
run_plugin $(base req) -m "/o=Example/cn=Recipients/cn=nobody"
expect_result "unknown mailbox: CRITICAL naming ecUnknownUser" 2 "^RPC ENCRYPTION CRITICAL - .*encrypted logon refused \(ecUnknownUser 1003\)"
run_plugin -H localhost -p "$req_PORT" -u 'EXAMPLE\probe' -m "$MB"
expect_result "self-signed certificate without --ca-file: CRITICAL" 2 "^RPC ENCRYPTION CRITICAL - .*TLS_FAILED.*certificate verification failed"
run_plugin -H localhost -p "$req_PORT" -u 'EXAMPLE\probe' -m "$MB" --insecure
expect_result "--insecure skips verification" 0 "^RPC ENCRYPTION OK"
run_plugin -H 127.0.0.1 -I 127.0.0.1 -p "$req_PORT" --ca-file "$req_CA" -u 'probe@example.test' -m "$MB"
expect_result "UPN user and IP address host" 0 "^RPC ENCRYPTION OK - 127.0.0.1 requires"

start_responder ntlm --http-auth ntlm || exit 1
run_plugin $(base ntlm) -m "$MB" --http-auth ntlm
expect_result "NTLM at the RPC proxy (HTTP)" 0 "^RPC ENCRYPTION OK"
run_plugin $(base ntlm) -m "$MB"
expect_result "--http-auth any picks NTLM" 0 "^RPC ENCRYPTION OK"
E2E_PW='wrong' run_plugin $(base ntlm) -m "$MB"
expect_result "wrong password with HTTP NTLM" 2 "AUTH_FAILED"

start_responder noauth --http-auth none || exit 1
E2E_PW='wrong' run_plugin $(base noauth) -m "$MB"
expect_result "wrong password rejected by the RPC bind (no HTTP auth)" 2 "^RPC ENCRYPTION CRITICAL - .*AUTH_FAILED.*wrong user or password"

start_responder plain --no-tls || exit 1
run_plugin -H localhost -p "$plain_PORT" --no-tls -u 'EXAMPLE\probe' -m "$MB"
expect_result "--no-tls" 0 "^RPC ENCRYPTION OK"

start_responder v6 --listen ::1 || exit 1
run_plugin -H ::1 -6 -p "$v6_PORT" --ca-file "$v6_CA" -u 'EXAMPLE\probe' -m "$MB"
expect_result "IPv6 loopback" 0 "^RPC ENCRYPTION OK - ::1 requires"

# --- faults: each gives a named state within -t + 1 s ----------------------------
fault() { fault_case base "" "$@"; }
fault "stall before the HTTP answer" 3 "^RPC ENCRYPTION UNKNOWN - localhost: encrypted logon timed out after 3s during connect" http-out:stall
fault "stall in RTS" 3 "timed out after 3s during rts" rts:stall
fault "HTTP 503 from the proxy" 2 "PROXY_REFUSED.*HTTP 503" http-out:status:503
fault "HTTP 500 on the IN channel" 2 "PROXY_REFUSED.*HTTP 500" http-in:status:500
fault "HTTP 401 from the proxy" 2 "AUTH_FAILED.*HTTP 401" http-in:status:401
fault "HTTP 403 from the proxy" 2 "AUTH_FAILED.*HTTP 403" http-out:status:403
fault "HTML page instead of RPC" 2 "PROTOCOL_ERROR.*text/html.*instead of RPC PDUs" http-out:html
rpc_faults
fault "HTTP 302 redirect (login page)" 2 "PROXY_REFUSED.*HTTP 302" http-out:status:302
fault "RTS claiming 200 commands" 2 "failed during rts: PROTOCOL_ERROR.*RTS PDU claims 200 commands" rts:bogus

e2e_summary
