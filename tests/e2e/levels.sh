#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --unencrypted-level with a list: one unencrypted probe per level, each
# with its own line and perfdata, one verdict from all of them.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
H=127.0.0.1
start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --rpc-tcp --encryption-required false || exit 1
tbase() {
	local p="${1}_EPM"
	echo "--transport tcp -H $H -p ${!p} -u EXAMPLE\\probe"
}

run_plugin $(tbase req) -m "$MB" --unencrypted-level connect,integrity
expect_result "levels: connect,integrity under the policy" 0 \
	"^RPC ENCRYPTION OK - $H requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\)"
[[ $FIRST == *" unencrypted_connect_time="* && $FIRST == *" unencrypted_integrity_time="* &&
	$FIRST == *"encryption_enforced=1;;;0;1"* && $FIRST != *" unencrypted_time="* ]] &&
	[[ $OUT == *"unencrypted_connect probe (SPNEGO (NTLM), level connect (not sealed)): LOGON_NOT_ENCRYPTED"* ]] &&
	[[ $OUT == *"unencrypted_integrity probe (SPNEGO (NTLM), packet integrity (signed, not sealed)): LOGON_NOT_ENCRYPTED"* ]] &&
	[[ $OUT == *$'\nlevel connect: '*$'\nlevel integrity: '* ]] &&
	ok "levels: one probe, line and perfdata per level" ||
	not_ok "levels: one probe, line and perfdata per level"
n=$(grep -c "ctx=EMSMDB auth=negotiate" "$req_LOG" || true)
[ "$n" = 3 ] && ok "levels: three logons (sealed, connect, integrity)" ||
	not_ok "levels: three logons, saw $n"

run_plugin $(tbase opt) -m "$MB" --unencrypted-level integrity,connect
expect_result "levels: both unsealed logons accepted, encryption required expected" 2 \
	"^RPC ENCRYPTION CRITICAL - $H accepts unencrypted RPC logons \(expected: encryption required\)"
[[ $FIRST == *"encryption_enforced=0;;;0;1"* ]] && [[ $OUT == *$'\nlevel integrity: '*$'\nlevel connect: '* ]] &&
	ok "levels: order kept, not enforced" || not_ok "levels: order kept, not enforced"

# RPC/TCP refuses binds without authentication: level none is unknown
# there, and the verdict says so beside the levels that tell.
run_plugin $(tbase req) -m "$MB" --unencrypted-level connect,none
expect_result "levels: connect and none under the policy" 3 \
	"^RPC ENCRYPTION UNKNOWN - $H: cannot tell the RPC encryption policy: the server refuses logons without RPC authentication"
[[ $OUT == *"level connect: $H requires RPC encryption"* ]] && [[ $FIRST == *"encryption_enforced=U"* ]] &&
	ok "levels: level none reported, not guessed" || not_ok "levels: level none reported, not guessed"

run_plugin $(tbase req) -m "$MB" --unencrypted-level connect,connect
expect_result "levels: a level twice" 3 "^RPC ENCRYPTION UNKNOWN - --unencrypted-level names 'connect' twice"
run_plugin $(tbase req) -m "$MB" --unencrypted-level connect,,none
expect_result "levels: an empty item" 3 "^RPC ENCRYPTION UNKNOWN - invalid --unencrypted-level list"
run_plugin $(tbase req) -m "$MB" --unencrypted-level connect,privacy
expect_result "levels: privacy is not unencrypted" 3 \
	"^RPC ENCRYPTION UNKNOWN - invalid --unencrypted-level 'privacy' \(choose connect, integrity or none\)"

echo "$E2E_PASSED passed, $E2E_FAILED failed"
[ "$E2E_FAILED" = 0 ]
