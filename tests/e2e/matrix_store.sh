#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: the store's answers to EcDoConnectEx (MS-OXCRPC 3.1.4.1) and
# what the plugin makes of them.  The client-version matrix: Outlook 2003
# (11.0.8161) against a server requiring encryption is told
# ecClientVerDisallowed on the unsealed logon, which is the encryption
# policy; a version in BlockedClientVersions is refused on both logons;
# the per-mailbox MAPI settings (Set-CASMailbox) are named.  Over RPC/HTTP
# and RPC/TCP.  And the RPC proxy's own error answers, each with its fix.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
OL2003=outlook2003   # 11.0.8161.0
OL2016=outlook2016
start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1
start_responder blocked '--blocked-client-versions=-5.9.9;7.0.0-11.9.9' || exit 1
start_responder rpchttp --rpc-tcp --mapi-block-outlook-rpc-http || exit 1
start_responder nomapi --mapi-enabled false || exit 1
start_responder cached --mapi-block-outlook-non-cached-mode || exit 1

base() { # NAME -> common arguments against responder NAME (RPC/HTTP)
	local p="${1}_PORT" c="${1}_CA"
	echo "-H localhost -p ${!p} --ca-file ${!c} -u EXAMPLE\\probe"
}
tbase() { # NAME -> arguments for the endpoint mapper of responder NAME
	local p="${1}_EPM"
	echo "--transport tcp -H 127.0.0.1 -p ${!p} -u EXAMPLE\\probe"
}
has() { # TEXT DESCRIPTION: the whole output contains TEXT
	if [[ $OUT == *"$1"* ]]; then ok "$2"; else not_ok "$2 (no '$1')"; fi
}

# --- Outlook 2003 against a server requiring encryption -------------------------
run_plugin $(base req) -m "$MB" --client-version $OL2003
expect_result "Outlook 2003, encryption required: OK, ecClientVerDisallowed named" 0 \
	"^RPC ENCRYPTION OK - localhost requires RPC encryption: unencrypted logon refused \(ecClientVerDisallowed 1247\), encrypted logon OK in [0-9.]+s \|"
has "encryption_enforced=1;;;0;1" "Outlook 2003: encryption_enforced=1"
has "same client version 11.0.8161.0 worked: the server requires encryption" "Outlook 2003: the long output explains the code"
has "has blocked the version of Outlook that you are using" "Outlook 2003: the long output quotes Outlook's message"
grep -q "version=11.0.8161.0 ec=0x4df" "$req_LOG" && ok "responder answered 0x4DF to the unsealed logon" \
	|| not_ok "responder answered 0x4DF to the unsealed logon"
run_plugin $(base req) -m "$MB" --client-version $OL2003 --expect optional
expect_result "Outlook 2003, encryption required, --expect optional: CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost requires RPC encryption: unencrypted clients are locked out \(ecClientVerDisallowed 1247\) \(expected: encryption optional\)"
run_plugin $(base req) -m "$MB" --client-version $OL2003 --unencrypted-level integrity
expect_result "Outlook 2003, signed only: the same answer" 0 "unencrypted logon refused \(ecClientVerDisallowed 1247\)"
run_plugin $(base req) -m "$MB" --client-version $OL2003 --probe unencrypted -w 0.000001
# (-w does not raise UNKNOWN; the refused logon still counts as an answer)
expect_result "Outlook 2003, unencrypted probe alone: cannot tell policy from block" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: cannot tell the RPC encryption policy: unencrypted logon refused \(ecClientVerDisallowed 1247\)"
run_plugin $(base req) -m "$MB" --client-version $OL2003 -w 0.000001
expect_result "Outlook 2003: -w judges the refused logon's time too" 1 \
	"^RPC ENCRYPTION WARNING - localhost requires RPC encryption: unencrypted logon refused \(ecClientVerDisallowed 1247\).*\(slowest probe [0-9.]+s\)"
run_plugin $(base req) -m "$MB" --client-version 12.0.4518.1014
expect_result "Outlook 2007 is told ecNotEncrypted" 0 "unencrypted logon refused \(ecNotEncrypted 2416\)"
run_plugin $(base opt) -m "$MB" --client-version $OL2003
expect_result "Outlook 2003, encryption not required: drift" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost accepts unencrypted RPC logons \(expected: encryption required\)"
run_plugin $(tbase req) -m "$MB" --client-version $OL2003
expect_result "tcp: Outlook 2003, encryption required: OK" 0 \
	"^RPC ENCRYPTION OK - 127.0.0.1 requires RPC encryption: unencrypted logon refused \(ecClientVerDisallowed 1247\)"

# --- BlockedClientVersions ------------------------------------------------------
run_plugin $(base blocked) -m "$MB" --client-version $OL2003
expect_result "blocked version: CRITICAL naming BlockedClientVersions" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: client version 11.0.8161.0 is blocked: both logons refused \(ecClientVerDisallowed 1247\); see Set-RpcClientAccess -BlockedClientVersions, try another --client-version \|"
has "encryption_enforced=U;;;0;1" "blocked version: encryption_enforced=U"
has "(Get-RpcClientAccess -Server localhost).BlockedClientVersions" "blocked version: the long output shows how to check"
has "--client-version $OL2016" "blocked version: the long output suggests a version"
run_plugin $(base blocked) -m "$MB" --client-version 5.0.1 --expect optional
expect_result "blocked version (open-ended range), any expectation: CRITICAL" 2 "client version 5.0.0.1 is blocked"
run_plugin $(base blocked) -m "$MB" --client-version 6.5.1
# 6.5.1 (the old three words: 6.0.5.1) is outside both ranges: the sealed logon works, and being older than
# 12.0 the unsealed one is told ecClientVerDisallowed.
expect_result "a version between the ranges is not blocked" 0 "^RPC ENCRYPTION OK - localhost requires RPC encryption: unencrypted logon refused \(ecClientVerDisallowed 1247\), encrypted logon OK"
run_plugin $(base blocked) -m "$MB" --client-version $OL2016
expect_result "a version above the ranges logs on" 0 "^RPC ENCRYPTION OK - localhost requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\)"

# --- per-mailbox MAPI settings (Set-CASMailbox) ------------------------------------
run_plugin $(base rpchttp) -m "$MB"
expect_result "MAPIBlockOutlookRpcHttp: CRITICAL naming the setting" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: encrypted logon refused \(ecRpcHttpDisallowed 1248\): the mailbox may not use RPC over HTTP \(Set-CASMailbox -MAPIBlockOutlookRpcHttp\)"
has "Set-CASMailbox -Identity '$MB' -MAPIBlockOutlookRpcHttp \$false" "MAPIBlockOutlookRpcHttp: the fix names the mailbox"
run_plugin $(tbase rpchttp) -m "$MB"
expect_result "tcp: MAPIBlockOutlookRpcHttp does not apply to RPC/TCP" 0 "^RPC ENCRYPTION OK - 127.0.0.1 requires RPC encryption"
run_plugin $(base nomapi) -m "$MB"
expect_result "MAPIEnabled false: CRITICAL naming the setting" 2 \
	"encrypted logon refused \(ecProtocolDisabled 2008\): MAPI is disabled for the mailbox \(Set-CASMailbox -MAPIEnabled\)"
run_plugin $(base cached) -m "$MB"
expect_result "MAPIBlockOutlookNonCachedMode: CRITICAL naming the setting" 2 \
	"encrypted logon refused \(ecCachedModeRequired 1249\).*MAPIBlockOutlookNonCachedMode"
run_plugin $(base nomapi) -m "$MB" --client-version $OL2003
expect_result "Outlook 2003 cannot receive ecProtocolDisabled: ecClientVerDisallowed" 2 "ecClientVerDisallowed 1247"

# --- --unencrypted-level none: no RPC authentication -------------------------------
start_responder anonrefuse --rpc-tcp --anonymous-rpc refuse || exit 1
start_responder anonenc --anonymous-rpc not-encrypted || exit 1
start_responder anonex --anonymous-rpc exempt || exit 1
start_responder anonexopt --anonymous-rpc exempt --encryption-required false || exit 1
run_plugin $(base anonrefuse) -m "$MB" --unencrypted-level none
expect_result "level none, bind refused (Exchange 2010): UNKNOWN" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: cannot tell the RPC encryption policy: the server refuses logons without RPC authentication; the policy cannot be told at this level \(unencrypted logon failed during bind: BIND_REJECTED"
has "refused a logon without RPC authentication" "level none, bind refused: the long output says so"
grep -q "bind level=0 ctx=EMSMDB auth=none" "$anonrefuse_LOG" && ok "level none: the bind carried no auth trailer" \
	|| not_ok "level none: the bind carried no auth trailer"
run_plugin $(base anonenc) -m "$MB" --unencrypted-level none
expect_result "level none, ecNotEncrypted: OK" 0 \
	"^RPC ENCRYPTION OK - localhost requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\)"
has "unencrypted probe (no RPC authentication, level none): LOGON_NOT_ENCRYPTED" "level none: the long output names the level"
run_plugin $(base anonex) -m "$MB" --unencrypted-level none
expect_result "level none exempt from EncryptionRequired: CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost accepts RPC logons without RPC authentication \(expected: encryption required\)"
run_plugin $(base anonex) -m "$MB" --unencrypted-level none --expect any
expect_result "level none exempt, --expect any: OK" 0 "^RPC ENCRYPTION OK - localhost does not require RPC encryption"
run_plugin $(base anonexopt) -m "$MB" --unencrypted-level none --expect optional
expect_result "level none, encryption optional: OK" 0 "^RPC ENCRYPTION OK - localhost does not require RPC encryption"
run_plugin $(base anonex) -m "$MB"
expect_result "the same server at level connect: encryption enforced" 0 "unencrypted logon refused \(ecNotEncrypted 2416\)"
run_plugin $(tbase anonrefuse) -m "$MB" --unencrypted-level none
expect_result "tcp: level none refused at bind" 3 "unencrypted logon failed during bind: BIND_REJECTED"

# --- the RPC proxy's own errors (MS-RPCH 2.1.2.1.3) --------------------------------
proxy() { # DESCRIPTION RC STATUS-LINE-REGEX FIX-TEXT FAULT
	local desc=$1 rc=$2 re=$3 fix=$4 spec=$5 name="p$((++FAULTN))"
	start_responder "$name" --fault "$spec" || { not_ok "$desc (responder)"; return; }
	run_plugin $(base "$name") -m "$MB" -t 3
	expect_result "$desc" "$rc" "$re"
	has "$fix" "$desc: the long output says what to fix"
}
proxy "503 RPC Error: 6ba names RPC_S_SERVER_UNAVAILABLE" 2 \
	"PROXY_REFUSED \(RPC proxy answered RPC_OUT_DATA: HTTP 503 RPC Error: 6ba \(RPC_S_SERVER_UNAVAILABLE\): the RPC proxy cannot reach the backend" \
	"ValidPorts" http-out:rpc-error:6ba
proxy "503 RPC Error: 6d9 names EPT_S_NOT_REGISTERED" 2 \
	"HTTP 503 RPC Error: 6d9 \(EPT_S_NOT_REGISTERED\): the backend's endpoint mapper knows no endpoint" \
	"MSExchangeRPC" http-in:rpc-error:6d9
proxy "503 RPC Error with an unknown code" 2 "HTTP 503 RPC Error: 1234 \(Windows error code\)" \
	"Application log" http-out:rpc-error:1234
proxy "404 on a channel: unknown RemoteName" 2 \
	"PROXY_REFUSED \(RPC proxy answered RPC_OUT_DATA: HTTP 404.*does not know the RemoteName" \
	"(Get-Mailbox NAME).ExchangeGuid" http-out:status:404
proxy "401 on a channel: credentials or Extended Protection" 2 \
	"AUTH_FAILED \(RPC proxy refused the credentials on RPC_IN_DATA: HTTP 401.*Extended Protection" \
	"--http-auth" http-in:status:401
proxy "plain 503: the proxy's application pool" 2 "HTTP 503.*the RPC proxy is unavailable" \
	"MSExchangeRpcProxyAppPool" http-out:status:503

e2e_summary
