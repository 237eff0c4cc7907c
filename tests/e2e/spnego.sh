#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end for RPC auth type 9 (SPNEGO, NTLM inside) against the bundled
# responder: the default run binds both probes with type 9 and reaches the
# verdicts NTLM reaches; --auth ntlm binds with 10; a server that does not
# know type 9 gets a CRITICAL naming SPNEGO and --auth ntlm, without a
# retry; a wrong mechanism, a missing or wrong mechListMIC, negState reject
# and a wrong password are CRITICALs naming the bind phase.  Over RPC/TCP
# and RPC over HTTP.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
H=127.0.0.1
start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --rpc-tcp --encryption-required false || exit 1

tbase() { # NAME -> arguments for the endpoint mapper of responder NAME
	local p="${1}_EPM"
	echo "--transport tcp -H $H -p ${!p} -u EXAMPLE\\probe"
}
binds() { # LOG TYPE: how many EMSMDB binds of that auth name the log has
	grep -c "ctx=EMSMDB auth=$2" "$1" || true
}

# --- the default is type 9, with the verdicts NTLM reaches ---------------------
run_plugin $(tbase req) -m "$MB"
expect_result "spnego: default run, policy required" 0 \
	"^RPC ENCRYPTION OK - $H requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\), encrypted logon OK"
[[ $OUT == *"encrypted probe (SPNEGO (NTLM), packet privacy (sealed)): LOGON_OK"* ]] &&
	[[ $OUT == *"unencrypted probe (SPNEGO (NTLM), level connect (not sealed)): LOGON_NOT_ENCRYPTED"* ]] &&
	[[ $OUT == *"SPNEGO offered NTLM alone"* ]] &&
	ok "spnego: long output names SPNEGO (NTLM) for both probes" ||
	not_ok "spnego: long output names SPNEGO (NTLM) for both probes"
n9=$(binds "$req_LOG" negotiate)
mics=$(grep -c "spnego ntlm user=EXAMPLE.probe ok, mechListMIC verified" "$req_LOG" || true)
[ "$n9" = 2 ] && [ "$mics" = 2 ] && [ "$(binds "$req_LOG" ntlm)" = 0 ] &&
	ok "spnego: both probes bound with auth type 9, both mechListMICs verified" ||
	{ OUT=$(cat "$req_LOG"); not_ok "spnego: both probes bound with auth type 9 ($n9 binds, $mics MICs)"; }
run_plugin $(tbase opt) -m "$MB" --expect optional
expect_result "spnego: default run, policy optional" 0 "^RPC ENCRYPTION OK - $H does not require RPC encryption"
run_plugin $(tbase req) -m "$MB" --unencrypted-level integrity
expect_result "spnego: signed-only logon (integrity) refused under the policy" 0 \
	"unencrypted logon refused \(ecNotEncrypted 2416\)"

# --- --auth ntlm binds with 10 ---------------------------------------------------
before=$(binds "$req_LOG" ntlm)
run_plugin $(tbase req) -m "$MB" --auth ntlm
expect_result "spnego: --auth ntlm" 0 "^RPC ENCRYPTION OK - $H requires RPC encryption"
[ "$(binds "$req_LOG" ntlm)" = $((before + 2)) ] && [[ $OUT == *"(NTLM, packet privacy (sealed)): LOGON_OK"* ]] &&
	ok "spnego: --auth ntlm binds with auth type 10" ||
	not_ok "spnego: --auth ntlm binds with auth type 10"

# --- a server without type 9, and misbehaving ones -------------------------------
knob() { # KNOB DESCRIPTION REGEX-ON-FIRST-LINE [plugin args]
	local k=$1 desc=$2 re=$3 name="k$RANDOM"
	shift 3
	start_responder "$name" --rpc-tcp --encryption-required true --spnego "$k" ||
		{ not_ok "spnego: $desc (responder)"; return; }
	run_plugin $(tbase "$name") -m "$MB" -t 10 "$@"
	expect_result "spnego: $desc" 2 "$re"
	KNOB_LOG="${name}_LOG"
}
knob refuse "server without type 9: CRITICAL naming SPNEGO and --auth ntlm" \
	"^RPC ENCRYPTION CRITICAL - $H: encrypted logon failed during bind: BIND_REJECTED \(bind_nak: authentication type not recognized \(the server does not accept SPNEGO \(RPC auth type 9\).*--auth ntlm binds with NTLM \(10\)\)\)"
[ "$(binds "${!KNOB_LOG}" ntlm)" = 0 ] && ok "spnego: no silent retry with another auth type" ||
	not_ok "spnego: no silent retry with another auth type"
knob wrong-mech "server choosing a mechanism not offered" \
	"failed during bind: AUTH_FAILED \(SPNEGO answer rejected: the SPNEGO server selected Kerberos, which was not offered\)"
knob bad-mic "wrong mechListMIC from the server" \
	"failed during bind: AUTH_FAILED \(.*mechListMIC does not verify"
knob no-mic "missing mechListMIC from the server" \
	"failed during bind: AUTH_FAILED \(.*accept-completed lacks the mechListMIC\)"
knob reject "negState reject" \
	"failed during bind: AUTH_FAILED \(.*rejected SPNEGO \(negState reject\)"
E2E_PW='wrong' run_plugin $(tbase req) -m "$MB"
expect_result "spnego: wrong password" 2 \
	"failed during bind: AUTH_FAILED \(RPC call denied after SPNEGO \(NTLM\) authentication \(fault access denied\): wrong user or password\?\)"

# --- RPC over HTTP ----------------------------------------------------------------
start_responder web --encryption-required true || exit 1
run_plugin -H localhost -p "$web_PORT" --ca-file "$web_CA" -u 'EXAMPLE\probe' -m "$MB"
expect_result "spnego: RPC over HTTP, default run" 0 "^RPC ENCRYPTION OK - localhost requires RPC encryption"
[ "$(binds "$web_LOG" negotiate)" = 2 ] && ok "spnego: RPC over HTTP binds with auth type 9" ||
	{ OUT=$(cat "$web_LOG"); not_ok "spnego: RPC over HTTP binds with auth type 9"; }

echo "$E2E_PASSED passed, $E2E_FAILED failed"
[ "$E2E_FAILED" = 0 ]
