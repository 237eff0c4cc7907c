#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lib/'s RPC/TCP stack against a real Windows-compatible server: a throwaway
# Samba AD DC provisioned into a temporary directory and started on loopback
# only, in the foreground, without systemd.  Samba checks our NTLM and
# Kerberos signatures and sealing, lib/ checks Samba's:
#   - endpoint mapper lookup of SAMR (and of EMSMDB, which Samba lacks);
#   - SAMR bound with NTLM at privacy and at integrity: SamrConnect and
#     SamrCloseHandle succeed; at level connect SamrConnect is denied;
#   - a wrong password is refused;
#   - SPNEGO (auth type 9, lib/spnego) with NTLM inside: the same, the
#     mechListMICs verified both ways; with no KDC, NTLM alone;
#   - the same with Kerberos against Samba's KDC (a krb5.conf and credentials
#     caches of this directory only), plain (auth type 16) and inside SPNEGO
#     (auth type 9, lib/spnego): privacy and integrity calls accepted,
#     level connect denied, and the failures named: wrong password
#     (preauthentication), unknown principal, unknown service principal,
#     KDC unreachable; credentials from a keytab and from a kinit cache;
#   - the plugin with --transport tcp reports EMSMDB "not registered" and,
#     pointed at the SAMR port, "bind rejected" as CRITICAL, quickly (with
#     --auth kerberos too: Samba accepts the ticket, then refuses EMSMDB);
#   - the plugin with --auth kerberos/negotiate against the bundled store
#     (the responder with keys exported from Samba's KDC): logons over
#     RPC/TCP and RPC/HTTP (Negotiate at the proxy from the same keytab),
#     a ticket for the wrong account and a wrong password named, valgrind.
# Skipped (77) with the reason where Samba cannot run: not root, packages
# missing, port 135 taken; under CI=true that is an error instead.
. "$(dirname "$0")/../e2e/common.sh"
TOOL="$top_builddir/tests/interop/samr_tool"
REALM=INTEROP.TEST
DOMAIN=INTEROP
ADMIN_PW='Interop-Passw0rd!'

skip() { test_skip "$@"; }
[ "$(id -u)" -eq 0 ] || skip "Samba AD DC needs root (ports 135, 88, 389)"
command -v samba >/dev/null && command -v samba-tool >/dev/null ||
	skip "samba not installed (apt-get install samba samba-ad-provision)"
[ -d /usr/share/samba/setup/ad-schema ] ||
	skip "samba-ad-provision not installed"
# Port 135 is the machine's: two runs of this test at once (two build trees)
# take turns instead of one skipping.
exec 9>"${TMPDIR:-/tmp}/check_rpc_encryption-interop.lock"
flock -w 300 9 || skip "another interop run held the lock for 300 s"
if ss -ltn 2>/dev/null | grep -qE '[:.]135 '; then
	skip "port 135 is in use (another endpoint mapper runs here)"
fi

D="$E2E_TMP/dc"
mkdir -p "$D/run"
: > "$E2E_TMP/empty.conf"
t0=$(date +%s.%N)
# Everything lives below $D: an empty --configfile keeps the system's
# smb.conf out of the one written, every directory option points inside,
# and _NO_WINBINDD keeps provisioning from asking a system winbindd.  Only
# what this test needs runs: the RPC server with the endpoint mapper and
# SAMR (NTLM is checked against the local SAM), and the KDC.  SAMR listens
# above Linux's ephemeral ports (32768-60999): at Samba's default, 49152,
# the client end of any other test's connection could hold the port.
if ! _NO_WINBINDD=1 samba-tool domain provision --configfile="$E2E_TMP/empty.conf" \
	--server-role=dc --dns-backend=NONE --targetdir="$D" \
	--realm="$REALM" --domain="$DOMAIN" --host-name=dc1 --host-ip=127.0.0.1 \
	--adminpass="$ADMIN_PW" \
	--option="interfaces=lo" --option="bind interfaces only=yes" \
	--option="disable netbios=yes" \
	--option="server services=rpc, kdc" \
	--option="dcerpc endpoint servers=epmapper, samr" \
	--option="rpc server dynamic port range=61000-61999" \
	--option="pid directory=$D/run" --option="ncalrpc dir=$D/run/ncalrpc" \
	--option="winbindd socket directory=$D/run/winbindd" \
	--option="ntp signd socket directory=$D/run/ntp_signd" \
	--option="log file=$D/log.%m" --option="panic action=" \
	> "$E2E_TMP/provision.log" 2>&1; then
	tail -5 "$E2E_TMP/provision.log"
	skip "samba-tool domain provision failed (log above)"
fi
if grep -qE '/(etc|var/lib|run|var/log|var/cache)/samba' "$D/etc/smb.conf"; then
	RC=- FIRST="smb.conf points outside the test directory" OUT=$(cat "$D/etc/smb.conf") ELAPSED=-
	not_ok "Samba configuration stays in the test directory"
	e2e_summary
	exit
fi
# Kerberos: the store's service principal on the DC's account (as an
# Exchange admin registers exchangeMDB/<fqdn> on the server's computer
# account), and the administrator's keys in a keytab.  The realm block
# must span lines: MIT ignores the one-line form.
# The bundled responder plays the store with the keys of the same
# principals (and HTTP/localhost for Negotiate at its RPC proxy); another
# account's SPN gives tickets the store cannot read.
SPN=exchangeMDB/dc1.interop.test
KEYTAB="$D/admin.keytab"
STORE_KEYTAB="$D/store.keytab"
krb_setup() {
	local smb="$D/etc/smb.conf"
	samba-tool spn add "$SPN" 'dc1$' -s "$smb" &&
	samba-tool spn add HTTP/localhost 'dc1$' -s "$smb" &&
	samba-tool user create other 'Other-Passw0rd!' -s "$smb" &&
	samba-tool spn add exchangeMDB/other.interop.test other -s "$smb" &&
	samba-tool domain exportkeytab "$KEYTAB" --principal="Administrator@$REALM" -s "$smb" &&
	samba-tool domain exportkeytab "$STORE_KEYTAB" --principal="$SPN" -s "$smb" &&
	samba-tool domain exportkeytab "$STORE_KEYTAB" --principal=HTTP/localhost -s "$smb"
}
if ! krb_setup > "$E2E_TMP/krb.log" 2>&1; then
	cat "$E2E_TMP/krb.log"
	RC=- FIRST="samba-tool spn add / exportkeytab failed" OUT= ELAPSED=-
	not_ok "Kerberos service principal and keytab"
fi
krb5_conf() {
	printf '[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_realm = false\n' "$REALM"
	printf '\tdns_lookup_kdc = false\n\trdns = false\n[realms]\n\t%s = {\n' "$REALM"
	printf '\t\tkdc = %s\n\t}\n' "$1"
}
krb5_conf 127.0.0.1 > "$E2E_TMP/krb5.conf"
krb5_conf 127.0.0.1:1 > "$E2E_TMP/krb5-nokdc.conf"
export KRB5_CONFIG="$E2E_TMP/krb5.conf" KRB5CCNAME="FILE:$E2E_TMP/krb5cc"
t1=$(date +%s.%N)
# Its own session and process group, so that every forked worker goes
# when the test ends.
setsid samba -i -M standard -s "$D/etc/smb.conf" < /dev/null > "$E2E_TMP/samba.log" 2>&1 &
SAMBA_PID=$!
samba_stop() {
	kill -TERM -- "-$SAMBA_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$SAMBA_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$SAMBA_PID" 2>/dev/null
	e2e_cleanup
}
trap samba_stop EXIT

# Ready when the endpoint mapper names the SAMR port (bounded: 60 s).
export SAMR_PASSWORD="$ADMIN_PW"
ready=
for ((i = 0; i < 120; i++)); do
	if out=$(timeout 25 "$TOOL" 127.0.0.1 135 privacy Administrator "$DOMAIN" 2>&1) &&
	   [[ $out == *"epm_samr=rpc_s_ok"* ]]; then
		ready=1
		break
	fi
	kill -0 "$SAMBA_PID" 2>/dev/null || break
	sleep 0.5
done
t2=$(date +%s.%N)
if [ -z "$ready" ]; then
	tail -20 "$E2E_TMP/samba.log"
	RC=- FIRST="samba did not become ready" OUT="$out" ELAPSED=-
	not_ok "Samba AD DC starts on loopback"
	e2e_summary
	exit
fi
printf 'Samba AD DC: provisioned in %.1fs, answering after another %.1fs\n' \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	"$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
ok "Samba AD DC starts on loopback"

# interop LEVEL USER PASSWORD NAME EXPECTED-LINES...
# (samr_tool options in the array TOOL_OPTS, its DOMAIN argument TOOL_DOMAIN)
TOOL_OPTS=()
TOOL_DOMAIN=$DOMAIN
interop() {
	local level=$1 user=$2 pw=$3 name=$4 want missing=
	shift 4
	OUT=$(SAMR_PASSWORD="$pw" timeout 25 "$TOOL" "${TOOL_OPTS[@]}" 127.0.0.1 135 \
		"$level" "$user" "$TOOL_DOMAIN" 2>&1)
	RC=$? FIRST=${OUT%%$'\n'*} ELAPSED=-
	for want in "$@"; do
		grep -qxE -- "$want" <<<"$OUT" || missing="$missing [$want]"
	done
	if [ "$RC" = 0 ] && [ -z "$missing" ]; then
		ok "$name"
	else
		OUT="$OUT"$'\n'"missing:$missing"
		not_ok "$name"
	fi
}

interop privacy Administrator "$ADMIN_PW" \
	"privacy: endpoint mapper, sealed SamrConnect and SamrCloseHandle accepted" \
	'epm_bind=accepted' 'epm_samr=rpc_s_ok towers=[1-9][0-9]* port=[1-9][0-9]*' \
	'samr_bind=accepted' 'samr_connect=status 0x00000000' 'samr_close=status 0x00000000'
SAMR_PORT=$(sed -n 's/^epm_samr=.* port=\([0-9]*\)$/\1/p' <<<"$OUT")
interop privacy Administrator "$ADMIN_PW" \
	"endpoint mapper: EMSMDB is not registered at Samba" \
	'epm_emsmdb=EPT_S_NOT_REGISTERED towers=0 port=0'
interop integrity Administrator "$ADMIN_PW" \
	"integrity: signed SamrConnect and SamrCloseHandle accepted" \
	'samr_bind=accepted' 'samr_connect=status 0x00000000' 'samr_close=status 0x00000000'
interop connect Administrator "$ADMIN_PW" \
	"level connect: SamrConnect denied (fault access denied)" \
	'samr_bind=accepted' 'samr_connect=fault 0x00000005 access denied'
interop privacy Administrator "not-the-password" \
	"wrong password: SamrConnect refused with a fault" \
	'samr_bind=accepted' 'samr_connect=fault 0x[0-9a-f]{8} .*'

# Kerberos (RPC_C_AUTHN_GSS_KERBEROS, three legs, DCE-style wrap and MIC).
# The KDC may answer a moment after the RPC server.
TOOL_OPTS=(--auth kerberos --spn "$SPN")
TOOL_DOMAIN=$REALM
for ((i = 0; i < 60; i++)); do
	out=$(SAMR_PASSWORD="$ADMIN_PW" timeout 25 "$TOOL" "${TOOL_OPTS[@]}" 127.0.0.1 135 \
		privacy Administrator "$REALM" 2>&1)
	[[ $out == *"KDC unreachable"* ]] || break
	sleep 0.5
done
kerberos_ok=('creds=ok Administrator@INTEROP.TEST' 'samr_bind=accepted' 'samr_auth=complete'
	'samr_connect=status 0x00000000' 'samr_close=status 0x00000000')
interop privacy Administrator "$ADMIN_PW" \
	"Kerberos privacy: sealed SamrConnect and SamrCloseHandle accepted" "${kerberos_ok[@]}"
interop integrity Administrator "$ADMIN_PW" \
	"Kerberos integrity: signed SamrConnect and SamrCloseHandle accepted" "${kerberos_ok[@]}"
interop connect Administrator "$ADMIN_PW" \
	"Kerberos level connect: SamrConnect denied (fault access denied)" \
	'samr_auth=complete' 'samr_connect=fault 0x00000005 access denied'
interop privacy Administrator "not-the-password" \
	"Kerberos wrong password: preauthentication failure named" \
	'creds=failed Kerberos TGT for Administrator@INTEROP.TEST: preauthentication failed \(wrong password or key\).*'
interop privacy nobody "$ADMIN_PW" \
	"Kerberos unknown user: unknown principal named" \
	'creds=failed Kerberos TGT for nobody@INTEROP.TEST: unknown principal .*'
TOOL_OPTS=(--auth kerberos)
interop privacy Administrator "$ADMIN_PW" \
	"Kerberos without the store's SPN: no such service principal named" \
	'creds=failed Kerberos service ticket for exchangeMDB/127.0.0.1@INTEROP.TEST: no such service principal .*'
KRB5_CONFIG="$E2E_TMP/krb5-nokdc.conf" interop privacy Administrator "$ADMIN_PW" \
	"Kerberos with no KDC answering: KDC unreachable named" \
	'creds=failed Kerberos TGT for Administrator@INTEROP.TEST: KDC unreachable .*'
TOOL_OPTS=(--auth negotiate --spn "$SPN")
interop privacy Administrator "$ADMIN_PW" \
	"SPNEGO with Kerberos privacy: sealed calls accepted" "${kerberos_ok[@]}"
interop integrity Administrator "$ADMIN_PW" \
	"SPNEGO with Kerberos integrity: signed calls accepted" "${kerberos_ok[@]}"
interop connect Administrator "$ADMIN_PW" \
	"SPNEGO with Kerberos level connect: SamrConnect denied (fault access denied)" \
	'samr_mech=SPNEGO \(Kerberos\)' 'samr_connect=fault 0x00000005 access denied'
# lib/spnego with NTLM inside (RPC auth type 9, NTLMSSP in the
# NegTokenInit, AUTHENTICATE and mechListMIC in the alter_context, Samba's
# mechListMIC verified): what a default Outlook does without a ticket.
spnego_ntlm_ok=('samr_bind=accepted' 'samr_auth=complete' 'samr_mech=SPNEGO \(NTLM\)'
	'samr_connect=status 0x00000000' 'samr_close=status 0x00000000')
TOOL_OPTS=(--auth negotiate-ntlm)
TOOL_DOMAIN=$DOMAIN
interop privacy Administrator "$ADMIN_PW" \
	"SPNEGO with NTLM privacy: sealed calls accepted, mechListMICs verified" "${spnego_ntlm_ok[@]}"
interop integrity Administrator "$ADMIN_PW" \
	"SPNEGO with NTLM integrity: signed calls accepted" "${spnego_ntlm_ok[@]}"
interop connect Administrator "$ADMIN_PW" \
	"SPNEGO with NTLM level connect: SamrConnect denied (fault access denied)" \
	'samr_mech=SPNEGO \(NTLM\)' 'samr_connect=fault 0x00000005 access denied'
interop privacy Administrator "not-the-password" \
	"SPNEGO with NTLM, wrong password: the context is refused" \
	'samr_bind=failed .*'
# No KDC answering: SPNEGO offers NTLM alone, as Windows does.
TOOL_OPTS=(--auth negotiate --spn "$SPN")
TOOL_DOMAIN=$REALM
KRB5_CONFIG="$E2E_TMP/krb5-nokdc.conf" interop privacy Administrator "$ADMIN_PW" \
	"SPNEGO with no KDC answering: NTLM alone, sealed calls accepted" \
	'creds=failed .*KDC unreachable.*' 'spnego=ntlm alone' "${spnego_ntlm_ok[@]}"
TOOL_DOMAIN=$REALM
TOOL_OPTS=(--auth kerberos --spn host/dc1.interop.test --keytab "$KEYTAB")
interop integrity Administrator "" \
	"Kerberos from a keytab (service principal host/): signed calls accepted" "${kerberos_ok[@]}"
# Password and keytab credentials stayed in memory: no cache was written.
if [ -e "$E2E_TMP/krb5cc" ]; then
	RC=- FIRST="$E2E_TMP/krb5cc exists" OUT= ELAPSED=-
	not_ok "Kerberos with a password or keytab writes no credentials cache"
else
	ok "Kerberos with a password or keytab writes no credentials cache"
fi
TOOL_OPTS=(--auth kerberos --spn "$SPN" --ccache)
if command -v kinit > /dev/null &&
   kinit "Administrator@$REALM" <<<"$ADMIN_PW" > "$E2E_TMP/kinit.log" 2>&1; then
	interop privacy Administrator "" \
		"Kerberos from a kinit credentials cache: sealed calls accepted" "${kerberos_ok[@]}"
	# The service ticket stayed in the process: the cache holds the TGT only.
	OUT=$(klist 2>&1) RC=- FIRST= ELAPSED=-
	if grep -q 'krbtgt/' <<<"$OUT" && ! grep -qi 'exchangeMDB' <<<"$OUT"; then
		ok "Kerberos from a kinit cache writes no service ticket into it"
	else
		not_ok "Kerberos from a kinit cache writes no service ticket into it"
	fi
else
	RC=- FIRST="kinit failed or missing (apt-get install krb5-user)" OUT=$(cat "$E2E_TMP/kinit.log") ELAPSED=-
	not_ok "Kerberos from a kinit credentials cache"
fi
# The GSS-API paths under valgrind memcheck (not in sanitizer builds, which
# check them with ASan and LeakSanitizer instead).
if command -v valgrind > /dev/null && ! nm "$TOOL" 2>/dev/null | grep -q __asan_init; then
	for level in privacy integrity; do
		TOOL_OPTS=(--auth kerberos --spn "$SPN")
		[ "$level" = integrity ] && TOOL_OPTS=(--auth negotiate --spn "$SPN")
		OUT=$(SAMR_PASSWORD="$ADMIN_PW" timeout 60 valgrind -q --error-exitcode=99 \
			--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
			"$TOOL" "${TOOL_OPTS[@]}" 127.0.0.1 135 "$level" Administrator "$REALM" 2>&1)
		RC=$? FIRST=${OUT%%$'\n'*} ELAPSED=-
		if [ "$RC" = 0 ] && [[ $OUT == *"samr_close=status 0x00000000"* ]] &&
		   ! grep -q '^==[0-9]*==' <<<"$OUT"; then
			ok "valgrind: ${TOOL_OPTS[1]} $level session clean"
		else
			not_ok "valgrind: ${TOOL_OPTS[1]} $level session clean"
		fi
	done
fi
TOOL_OPTS=()
TOOL_DOMAIN=$DOMAIN

# The plugin over RPC/TCP against a server without Exchange.
export CHECK_RPC_ENCRYPTION_PASSWORD="$ADMIN_PW"
E2E_PW=$ADMIN_PW
run_plugin --transport tcp -H 127.0.0.1 -u "$DOMAIN\\Administrator" -m "$E2E_MAILBOX" -t 10
if [ "$RC" = 2 ] && [[ $FIRST == "RPC ENCRYPTION CRITICAL - 127.0.0.1: encrypted logon failed during connect: NOT_REGISTERED (EMSMDB is not registered at the endpoint mapper of 127.0.0.1:135 (EPT_S_NOT_REGISTERED"* ]] &&
   awk -v e="$ELAPSED" 'BEGIN { exit !(e < 5) }'; then
	ok "plugin --transport tcp: EMSMDB not registered is CRITICAL"
else
	not_ok "plugin --transport tcp: EMSMDB not registered is CRITICAL"
fi
if [ -n "$SAMR_PORT" ]; then
	run_plugin --transport tcp -H 127.0.0.1 --rpc-port "$SAMR_PORT" \
		-u "$DOMAIN\\Administrator" -m "$E2E_MAILBOX" -t 10
	if [ "$RC" = 2 ] && [[ $FIRST == *"encrypted logon failed during bind: BIND_REJECTED (EMSMDB presentation context rejected: provider rejection: abstract syntax not supported"* ]]; then
		ok "plugin --transport tcp on a port without EMSMDB: bind rejected is CRITICAL"
	else
		not_ok "plugin --transport tcp on a port without EMSMDB: bind rejected is CRITICAL"
	fi
	run_plugin --transport tcp -H 127.0.0.1 --rpc-port "$SAMR_PORT" --auth kerberos \
		--spn "$SPN" -u "Administrator@$REALM" -m "$E2E_MAILBOX" -t 10
	if [ "$RC" = 2 ] && [[ $FIRST == *"encrypted logon failed during bind: BIND_REJECTED (EMSMDB presentation context rejected: provider rejection: abstract syntax not supported"* ]]; then
		ok "plugin --auth kerberos against Samba: service ticket for the DC, then EMSMDB bind rejected"
	else
		not_ok "plugin --auth kerberos against Samba: service ticket for the DC, then EMSMDB bind rejected"
	fi
fi

# The plugin with Kerberos against the bundled store (the responder, with
# the store's keys from Samba's KDC): logons over RPC/TCP and RPC/HTTP.
plugin_case() { # NAME RC FIRST-LINE-GLOB [LONG-OUTPUT-GLOB] -- plugin args
	local name=$1 rc=$2 first=$3 long=${4:-*}
	shift 4
	run_plugin -u "Administrator@$REALM" -m "$E2E_MAILBOX" -t 10 "$@"
	if [ "$RC" = "$rc" ] && [[ $FIRST == $first ]] && [[ $OUT == $long ]]; then
		ok "$name"
	else
		not_ok "$name"
	fi
}
if start_responder store --rpc-tcp --http-auth negotiate --krb5-keytab "$STORE_KEYTAB"; then
	ENFORCED="RPC ENCRYPTION OK - * requires RPC encryption: unencrypted logon refused (ecNotEncrypted 2416), encrypted logon OK*"
	plugin_case "plugin --auth kerberos over RPC/TCP: sealed logon OK, unsealed refused" 0 "$ENFORCED" \
		"*encrypted probe (Kerberos, packet privacy (sealed)): LOGON_OK*" \
		--transport tcp -H 127.0.0.1 -p "$store_EPM" --auth kerberos --spn "$SPN"
	plugin_case "plugin --auth negotiate (SPNEGO) over RPC/TCP, unencrypted at integrity" 0 "$ENFORCED" \
		"*unencrypted probe (SPNEGO (Kerberos), packet integrity (signed, not sealed)): LOGON_NOT_ENCRYPTED*" \
		--transport tcp -H 127.0.0.1 -p "$store_EPM" --auth negotiate --spn "$SPN" \
		--unencrypted-level integrity
	E2E_PW= plugin_case \
		"plugin over RPC/HTTP: keytab only, Negotiate at the proxy and Kerberos at the store" 0 \
		"$ENFORCED" "*encrypted probe (Kerberos, packet privacy (sealed)): LOGON_OK*" \
		-H localhost -p "$store_PORT" --ca-file "$store_CA" --http-auth negotiate \
		--auth kerberos --spn "$SPN" --keytab "$KEYTAB"
	plugin_case "plugin --auth kerberos, ticket for another account's SPN: bind_nak names it" 2 \
		"RPC ENCRYPTION CRITICAL - 127.0.0.1: encrypted logon failed during bind: BIND_REJECTED (bind_nak: reason not specified (the server refused the Kerberos ticket for exchangeMDB/other.interop.test@INTEROP.TEST*" "*" \
		--transport tcp -H 127.0.0.1 -p "$store_EPM" --auth kerberos \
		--spn exchangeMDB/other.interop.test
	E2E_PW=not-the-password plugin_case \
		"plugin --auth kerberos, wrong password: CRITICAL naming the preauthentication failure" 2 \
		"RPC ENCRYPTION CRITICAL - 127.0.0.1: Kerberos TGT for Administrator@INTEROP.TEST: preauthentication failed (wrong password or key)*" "*" \
		--transport tcp -H 127.0.0.1 -p "$store_EPM" --auth kerberos --spn "$SPN"
	# A store whose sealed answer was tampered with: our unwrap refuses it.
	if start_responder tamper --rpc-tcp --krb5-keytab "$STORE_KEYTAB" --fault logon:badsig; then
		plugin_case "plugin --auth kerberos: a tampered sealed response is refused" 2 \
			"RPC ENCRYPTION CRITICAL - 127.0.0.1: encrypted logon failed during logon: PROTOCOL_ERROR (response: response signature does not verify*" "*" \
			--transport tcp -H 127.0.0.1 -p "$tamper_EPM" --auth kerberos --spn "$SPN"
	fi
	# Traces at -vvv carry no secret of the Kerberos run either.
	run_plugin -u "Administrator@$REALM" -m "$E2E_MAILBOX" -t 10 -vvv --transport tcp \
		-H 127.0.0.1 -p "$store_EPM" --auth kerberos --spn "$SPN"
	if [ "$RC" = 0 ] && [[ $OUT == *"[trace]"* ]] && [[ $OUT != *"$ADMIN_PW"* ]]; then
		ok "plugin --auth kerberos -vvv: the password appears nowhere"
	else
		not_ok "plugin --auth kerberos -vvv: the password appears nowhere"
	fi
	if command -v valgrind > /dev/null && ! nm "$PLUGIN" 2>/dev/null | grep -q __asan_init; then
		OUT=$(CHECK_RPC_ENCRYPTION_PASSWORD="$ADMIN_PW" timeout 60 valgrind -q --error-exitcode=99 \
			--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
			"$PLUGIN" --transport tcp -H 127.0.0.1 -p "$store_EPM" --auth kerberos --spn "$SPN" \
			-u "Administrator@$REALM" -m "$E2E_MAILBOX" -t 20 2>&1)
		RC=$? FIRST=${OUT%%$'\n'*} ELAPSED=-
		if [ "$RC" = 0 ] && ! grep -q '^==[0-9]*==' <<<"$OUT"; then
			ok "valgrind: plugin --auth kerberos clean"
		else
			not_ok "valgrind: plugin --auth kerberos clean"
		fi
	fi
else
	RC=- FIRST="responder did not start" OUT= ELAPSED=-
	not_ok "the bundled store with Kerberos keys starts"
fi
e2e_summary
