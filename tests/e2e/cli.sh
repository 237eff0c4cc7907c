#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Command-line behaviour of check_rpc_encryption: exit codes, the one-line
# status for usage errors, password sources, --help and --version.
# Run by `make check` (top_builddir set) or by hand from the build tree.

set -u
top_builddir=${top_builddir:-.}
PLUGIN="$top_builddir/plugins/check_rpc_encryption"
if [ ! -x "$PLUGIN" ]; then
	echo "plugin not built: $PLUGIN" >&2
	exit 99
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
unset CHECK_RPC_ENCRYPTION_PASSWORD MP_CONFIG_FILE NAGIOS_CONFIG_PATH

pass=0
fail=0
SECRET='Tr0ub4dor&3-not-echoed'
DN='/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=monitor'
# Valid configurations run real probes: point them at a closed loopback port
# (9, discard) so they end in CONNECT_FAILED without leaving the machine.
BASE=(-H localhost -p 9 -t 5 -u 'EXAMPLE\monitor' -m "$DN")
USAGE='Usage: check_rpc_encryption -u user (-e address or -H host -m mailbox-dn) [opts]'
NOTIMPL='RPC ENCRYPTION CRITICAL - localhost: encrypted logon failed during connect: CONNECT_FAILED'

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1: $2"; printf '  | %s\n' "${OUT//$'\n'/$'\n'  | }"; }

# expect NAME RC FIRST_LINE [args...]: exact exit code and exact first line;
# a usage error (RC 3 and not the not-implemented line) must be exactly
# the status line plus the usage line; the secret never appears.
expect() {
	local name=$1 rc=$2 first=$3
	shift 3
	OUT=$("$PLUGIN" "$@" 2>&1)
	local got=$?
	local line1=${OUT%%$'\n'*}
	# A configuration that passed validation reaches the probes, which end
	# at the closed port; compare up to the curl-specific detail.
	[ "$first" = "$NOTIMPL" ] && line1=${line1:0:${#NOTIMPL}}
	if [ "$got" != "$rc" ]; then
		ko "$name" "exit $got, want $rc"
	elif [ "$line1" != "$first" ]; then
		ko "$name" "first line '$line1', want '$first'"
	elif [[ "$OUT" == *"$SECRET"* ]]; then
		ko "$name" "password echoed"
	elif [ "$rc" = 3 ] && [ "$first" != "$NOTIMPL" ] &&
	     [ "$OUT" != "$first"$'\n'"$USAGE" ]; then
		ko "$name" "usage error is not exactly status + usage line"
	else
		ok "$name"
	fi
}

# usage errors ---------------------------------------------------------------
expect "unknown long option" 3 "RPC ENCRYPTION UNKNOWN - unknown option '--bogus'" --bogus
expect "unknown long option, value not echoed" 3 \
	"RPC ENCRYPTION UNKNOWN - unknown option '--bogus'" --bogus="$SECRET"
expect "unknown short option" 3 "RPC ENCRYPTION UNKNOWN - unknown option '-x'" -x
expect "missing argument" 3 "RPC ENCRYPTION UNKNOWN - option '-H' requires an argument" -H
expect "missing long argument" 3 \
	"RPC ENCRYPTION UNKNOWN - option '--expect' requires an argument" "${BASE[@]}" --expect
expect "stray operand" 3 \
	"RPC ENCRYPTION UNKNOWN - unexpected argument at position 11 (options take the form -x VALUE or --name=VALUE)" \
	"${BASE[@]}" "$SECRET"
expect "no arguments" 3 "RPC ENCRYPTION UNKNOWN - missing -H/--hostname"
expect "missing -u" 3 "RPC ENCRYPTION UNKNOWN - missing -u/--user" -H h -m /o=x
expect "missing -m" 3 "RPC ENCRYPTION UNKNOWN - missing -m/--mailbox-dn" -H h -u 'D\u'
expect "missing password" 3 \
	"RPC ENCRYPTION UNKNOWN - no password: use --password-file FILE, the CHECK_RPC_ENCRYPTION_PASSWORD environment variable or password= in an --extra-opts section" \
	"${BASE[@]}"

PWERR="RPC ENCRYPTION UNKNOWN - --password is not supported (it would show in the process list): use --password-file FILE, the CHECK_RPC_ENCRYPTION_PASSWORD environment variable or password= in an --extra-opts section"
expect "--password rejected" 3 "$PWERR" "${BASE[@]}" --password "$SECRET"
expect "--password= rejected" 3 "$PWERR" "${BASE[@]}" --password="$SECRET"
expect "--pass abbreviation rejected" 3 "$PWERR" "${BASE[@]}" --pass "$SECRET"

export CHECK_RPC_ENCRYPTION_PASSWORD="$SECRET"
expect "-w 10:5" 3 \
	"RPC ENCRYPTION UNKNOWN - warning threshold: invalid range '10:5': start is greater than end" \
	"${BASE[@]}" -w 10:5
expect "-c junk" 3 \
	"RPC ENCRYPTION UNKNOWN - critical threshold: invalid range '5s': not a number" \
	"${BASE[@]}" -c 5s
expect "-4 -6" 3 "RPC ENCRYPTION UNKNOWN - -4 and -6 cannot be used together" "${BASE[@]}" -4 -6
expect "bad --expect" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --expect 'sometimes' (choose required, optional or any)" \
	"${BASE[@]}" --expect sometimes
expect "bad --probe" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --probe 'all' (choose both, encrypted or unencrypted)" \
	"${BASE[@]}" --probe all
expect "bad --unencrypted-level" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --unencrypted-level 'privacy' (choose connect, integrity or none)" \
	"${BASE[@]}" --unencrypted-level privacy
expect "bad --http-auth" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --http-auth 'digest' (choose any, basic, ntlm or negotiate)" \
	"${BASE[@]}" --http-auth digest
expect "bad --auth" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --auth 'kerb' (choose ntlm, kerberos or negotiate)" \
	"${BASE[@]}" --auth kerb
expect "--spn without Kerberos" 3 \
	"RPC ENCRYPTION UNKNOWN - --spn needs --auth kerberos or negotiate" \
	"${BASE[@]}" --auth ntlm --spn exchangeMDB/exch01.example.com
expect "--keytab without Kerberos" 3 \
	"RPC ENCRYPTION UNKNOWN - --keytab and --realm need --auth kerberos or negotiate, or --http-auth negotiate" \
	"${BASE[@]}" --auth ntlm --keytab /etc/hostname
expect "--spn without a service" 3 \
	"RPC ENCRYPTION UNKNOWN - --spn 'exch01' is not a service principal (service/host, e.g. exchangeMDB/exch01.contoso.com)" \
	"${BASE[@]}" --auth kerberos --spn exch01
expect "missing --keytab" 3 \
	"RPC ENCRYPTION UNKNOWN - cannot read --keytab '$TMP/none.keytab': No such file or directory" \
	"${BASE[@]}" --auth kerberos --keytab "$TMP/none.keytab"
expect "port 0" 3 "RPC ENCRYPTION UNKNOWN - invalid port '0' (must be 1..65535)" "${BASE[@]}" -p 0
expect "port 65536" 3 "RPC ENCRYPTION UNKNOWN - invalid port '65536' (must be 1..65535)" "${BASE[@]}" -p 65536
expect "rpc-port junk" 3 "RPC ENCRYPTION UNKNOWN - invalid --rpc-port '60o1' (must be 1..65535)" \
	"${BASE[@]}" --rpc-port 60o1
expect "bad timeout" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid timeout '0': seconds must be a number greater than 0 and at most 86400" \
	"${BASE[@]}" -t 0
expect "bad timeout state" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid timeout '10:MAYBE': state must be OK, WARNING, CRITICAL, UNKNOWN or 0..3" \
	"${BASE[@]}" -t 10:MAYBE
CVERR="(an alias outlook2003 ... outlook2016, A.B.C.D with A and B up to 255, C up to 32767 and D up to 65535, or the three words A.B.C with B up to 32767)"
expect "bad client version" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --client-version '16.0' $CVERR" \
	"${BASE[@]}" --client-version 16.0
# rgwClientVersion (MS-OXCRPC 3.1.4.1.3.1): major and minor share a word,
# the build has 15 bits; the high bit of the second word marks the format.
for v in 300.0.1.1 16.256.1.1 16.0.40000.1 16.0.1.65536 11.40000.1 70000.0.1 \
	outlook2019 Outlook2016 16.0.4266.1001.1 ''; do
	expect "client version $v refused" 3 \
		"RPC ENCRYPTION UNKNOWN - invalid --client-version '$v' $CVERR" \
		"${BASE[@]}" --client-version "$v"
done
LONGDN="/o=Example/cn=Recipients/cn=$(printf 'a%.0s' $(seq 1 996))"
expect "mailbox dn over 1024 characters" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --mailbox-dn (1025 characters, more than the 1024 this client sends as szUserDN)" \
	-H h -u u@d -m "${LONGDN}x"
expect "mailbox dn with a non-ASCII character" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --mailbox-dn (byte 0xc3 at position 30: szUserDN is a printable ASCII string)" \
	-H h -u u@d -m $'/o=Example/cn=Recipients/cn=J\xc3\xbcrgen'
expect "mailbox dn with a control character" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --mailbox-dn '/o=x\\x01' (a legacyExchangeDN such as /o=Org/ou=.../cn=Recipients/cn=user)" \
	-H h -u u@d -m $'/o=x\x01'
expect "missing --ca-file" 3 \
	"RPC ENCRYPTION UNKNOWN - cannot read --ca-file '$TMP/none.pem': No such file or directory" \
	"${BASE[@]}" --ca-file "$TMP/none.pem"
expect "--ca-file is a directory" 3 \
	"RPC ENCRYPTION UNKNOWN - cannot read --ca-file '$TMP': it is a directory" \
	"${BASE[@]}" --ca-file "$TMP"
expect "missing --client-cert" 3 \
	"RPC ENCRYPTION UNKNOWN - cannot read --client-cert '$TMP/none.pem': No such file or directory" \
	"${BASE[@]}" --client-cert "$TMP/none.pem"
: > "$TMP/c.pem"
: > "$TMP/k.pem"
expect "missing --client-key" 3 \
	"RPC ENCRYPTION UNKNOWN - cannot read --client-key '$TMP/none.pem': No such file or directory" \
	"${BASE[@]}" --client-cert "$TMP/c.pem" --client-key "$TMP/none.pem"
if [ "$(id -u)" != 0 ]; then
	: > "$TMP/unreadable.pem"
	chmod 000 "$TMP/unreadable.pem"
	expect "unreadable --client-cert" 3 \
		"RPC ENCRYPTION UNKNOWN - cannot read --client-cert '$TMP/unreadable.pem': Permission denied" \
		"${BASE[@]}" --client-cert "$TMP/unreadable.pem"
fi
RSERR="(a host name, or a mailbox as GUID@domain such as 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com)"
for r in monitor@contoso.com 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5@contoso.com \
	3f2b8c1e5d4a-4e6b-9c7d-0a1b2c3d4e5f0@contoso.com 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5g@contoso.com \
	3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@ 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso \
	3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@-contoso.com 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso..com \
	3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com/x 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@a@contoso.com; do
	expect "--rpc-server $r refused" 3 "RPC ENCRYPTION UNKNOWN - invalid --rpc-server '$r' $RSERR" \
		"${BASE[@]}" --rpc-server "$r"
done
expect "bad user" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid user 'DOMAIN\\' (use DOMAIN\\user or user@domain)" \
	-H h -u 'DOMAIN\' -m /o=x
expect "bad mailbox dn" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --mailbox-dn 'monitor' (a legacyExchangeDN such as /o=Org/ou=.../cn=Recipients/cn=user)" \
	-H h -u u@d -m monitor
expect "host with scheme" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid host name 'https://mail' (a host name or address, without scheme or path)" \
	-H https://mail -u u@d -m /o=x
expect "-H swallowing an option" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid host name '-4' (a host name or address, without scheme or path)" \
	-u u@d -m /o=x -H -4
expect "--insecure with --ca-file" 3 \
	"RPC ENCRYPTION UNKNOWN - --insecure and --ca-file contradict each other" \
	"${BASE[@]}" --insecure --ca-file /etc/ssl/certs/ca-certificates.crt
expect "--no-tls with TLS options" 3 \
	"RPC ENCRYPTION UNKNOWN - --no-tls cannot be combined with --ca-file, --insecure, --client-cert or --client-key" \
	"${BASE[@]}" --no-tls --insecure
expect "--client-key alone" 3 "RPC ENCRYPTION UNKNOWN - --client-key needs --client-cert" \
	"${BASE[@]}" --client-key k.pem
expect "--all-addresses with -I" 3 \
	"RPC ENCRYPTION UNKNOWN - --all-addresses and -I contradict each other (-I names the one address to check)" \
	"${BASE[@]}" --all-addresses -I 127.0.0.1
expect "--all-addresses with --proxy" 3 \
	"RPC ENCRYPTION UNKNOWN - --all-addresses cannot be used with --proxy (the proxy chooses the address)" \
	"${BASE[@]}" --all-addresses --proxy http://127.0.0.1:9
expect "--max-parallel without --all-addresses" 3 \
	"RPC ENCRYPTION UNKNOWN - --max-parallel needs --all-addresses" "${BASE[@]}" --max-parallel 2
for bad in 0 33 x 2x ''; do
	expect "--max-parallel '$bad'" 3 \
		"RPC ENCRYPTION UNKNOWN - invalid --max-parallel '$bad' (must be 1..32)" \
		"${BASE[@]}" --all-addresses --max-parallel "$bad"
done
for bad in x 30,40 -1 '30,' ',7' 36501; do
	expect "--certificate-expiry '$bad'" 3 \
		"RPC ENCRYPTION UNKNOWN - $(case $bad in 30,40) echo "invalid --certificate-expiry '30,40' (CRIT days must not exceed WARN days)" ;;
			*) echo "invalid --certificate-expiry '$bad' (days: WARN or WARN,CRIT, each 0..36500)" ;; esac)" \
		"${BASE[@]}" --certificate-expiry "$bad"
done
expect "--certificate-expiry with --no-tls" 3 \
	"RPC ENCRYPTION UNKNOWN - --certificate-expiry needs TLS (not --no-tls)" \
	"${BASE[@]}" --no-tls --certificate-expiry 30
expect "--certificate-expiry over RPC/TCP" 3 \
	"RPC ENCRYPTION UNKNOWN - --certificate-expiry applies to --transport http only (RPC over TCP has no TLS, HTTP or proxy)" \
	"${BASE[@]}" --transport tcp --certificate-expiry 30
OUT=$("$PLUGIN" "${BASE[@]}" --all-addresses --max-parallel 2 2>&1)
got=$?
if [ "$got" = 2 ] && [[ ${OUT%%$'\n'*} == "RPC ENCRYPTION CRITICAL - localhost: 1 of "*" addresses CRITICAL: 127.0.0.1: encrypted logon failed during connect: CONNECT_FAILED"* ]]; then
	ok "--all-addresses, valid: probes each address of localhost"
else
	ko "--all-addresses, valid: probes each address of localhost" "exit $got"
fi
expect "bad proxy path" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --rpc-proxy-path 'rpc/rpcproxy.dll' (an absolute path such as /rpc/rpcproxy.dll)" \
	"${BASE[@]}" --rpc-proxy-path rpc/rpcproxy.dll

# valid configurations reach the probes (closed loopback port) -----------------
# (a client certificate and key that belong together: the files are read
# before any connection)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMP/k.pem" -out "$TMP/c.pem" -days 1 -subj /CN=monitor 2>/dev/null
expect "password from environment" 2 "$NOTIMPL" "${BASE[@]}"
expect "all options accepted" 2 "$NOTIMPL" \
	-H localhost -I 127.0.0.1 -p 9 --rpc-server mbx01.example.com \
	--rpc-port 6001 --rpc-proxy-path /rpc/rpcproxy.dll -u monitor@example.com \
	-m "$DN" --expect optional --probe both --unencrypted-level integrity \
	--client-version 11.0.8161 --http-auth ntlm -w 5 -c '~:10' -t 5:UNKNOWN -4 \
	--ca-file /etc/ssl/certs/ca-certificates.crt --client-cert "$TMP/c.pem" --client-key "$TMP/k.pem" \
	--proxy http://127.0.0.1:9 -v
expect "--no-tls" 2 "$NOTIMPL" "${BASE[@]}" --no-tls --http-auth basic
# Kerberos against a krb5.conf of this test whose KDC port is closed: the
# failure is named before any probe starts, and nothing needs the network.
printf '[libdefaults]\n\tdefault_realm = EXAMPLE.TEST\n\tdns_lookup_kdc = false\n[realms]\n\tEXAMPLE.TEST = {\n\t\tkdc = 127.0.0.1:9\n\t}\n' \
	> "$TMP/krb5.conf"
KRB5_CONFIG="$TMP/krb5.conf" expect "--auth kerberos: KDC unreachable is CRITICAL" 2 \
	"RPC ENCRYPTION CRITICAL - localhost: Kerberos TGT for monitor@EXAMPLE.TEST: KDC unreachable (no KDC of the realm answered) (Cannot contact any KDC for realm 'EXAMPLE.TEST')" \
	"${BASE[@]}" --auth kerberos
# A KDC that never answers (a bound UDP port, nothing reads it): the -t
# deadline holds and its state is reported.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True); time.sleep(30)' > "$TMP/kdc.port" &
KDC_PID=$!
for ((i = 0; i < 50; i++)); do [ -s "$TMP/kdc.port" ] && break; sleep 0.1; done
sed "s/127.0.0.1:9/127.0.0.1:$(cat "$TMP/kdc.port")/" "$TMP/krb5.conf" > "$TMP/krb5-silent.conf"
t0=$(date +%s)
KRB5_CONFIG="$TMP/krb5-silent.conf" expect "--auth kerberos: a silent KDC ends at -t with its state" 1 \
	"RPC ENCRYPTION WARNING - localhost: timed out after 2s getting Kerberos tickets (no answer from the KDC)" \
	-H localhost -p 9 -t 2:WARNING -u 'EXAMPLE\monitor' -m "$DN" --auth kerberos
t1=$(date +%s)
kill "$KDC_PID" 2>/dev/null
wait "$KDC_PID" 2>/dev/null
if [ $((t1 - t0)) -le 3 ]; then ok "silent KDC: the run ended within the deadline"
else OUT="took $((t1 - t0))s"; ko "silent KDC: the run ended within the deadline" "too slow"; fi
KRB5_CONFIG="$TMP/krb5.conf" CHECK_RPC_ENCRYPTION_PASSWORD= KRB5CCNAME="FILE:$TMP/none.cc" \
	expect "--auth negotiate over TCP without a password: the credentials cache is asked" 2 \
	"RPC ENCRYPTION CRITICAL - localhost: Kerberos TGT for monitor@EXAMPLE.TEST: no ticket for the principal in the credentials cache (kinit first) (Can't find client principal monitor@EXAMPLE.TEST in cache collection)" \
	"${BASE[@]}" --auth negotiate --transport tcp
for v in outlook2003 outlook2007 outlook2010 outlook2013 outlook2016 255.255.32767.65535 \
	0.0.0.0 65535.32767.65535; do
	expect "client version $v accepted" 2 "$NOTIMPL" "${BASE[@]}" --client-version "$v"
done
expect "mailbox dn of 1024 characters accepted" 2 "$NOTIMPL" -H localhost -p 9 -t 5 -u u@d \
	-m "$LONGDN"
expect "--rpc-server GUID@domain (Exchange 2013+ RemoteName) accepted" 2 "$NOTIMPL" "${BASE[@]}" \
	--rpc-server 3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@contoso.com
expect "--rpc-server GUID@domain, upper case" 2 "$NOTIMPL" "${BASE[@]}" \
	--rpc-server 3F2B8C1E-5D4A-4E6B-9C7D-0A1B2C3D4E5F@mail.Contoso-EU.com
expect "--transport tcp, endpoint mapper port closed" 2 "$NOTIMPL" \
	"${BASE[@]}" --transport tcp -4
[[ $OUT == *"endpoint mapper 127.0.0.1:9: connection failed"* || \
   $OUT == *"endpoint mapper localhost:9: connection failed"* ]] \
	&& ok "--transport tcp names the endpoint mapper" \
	|| ko "--transport tcp names the endpoint mapper" "no endpoint mapper in the output"
expect "--transport tcp --rpc-port: no endpoint mapper" 2 "$NOTIMPL" \
	"${BASE[@]}" --transport tcp --rpc-port 9
[[ $OUT == *"EMSMDB port localhost:9: connection failed"* ]] \
	&& ok "--transport tcp --rpc-port connects to the store port" \
	|| ko "--transport tcp --rpc-port connects to the store port" "no store port in the output"
for opt in --no-tls --ca-file=/etc/hosts --insecure --client-cert=c.pem --proxy=http://p:3 \
	--http-auth=basic --rpc-server=x --rpc-proxy-path=/rpc/x; do
	expect "--transport tcp refuses ${opt%%=*}" 3 \
		"RPC ENCRYPTION UNKNOWN - ${opt%%=*} applies to --transport http only (RPC over TCP has no TLS, HTTP or proxy)" \
		"${BASE[@]}" --transport tcp "$opt"
done
expect "--transport bogus" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --transport 'udp' (choose http, tcp or mapi)" \
	"${BASE[@]}" --transport udp
unset CHECK_RPC_ENCRYPTION_PASSWORD

printf '%s\n' "$SECRET" > "$TMP/pw"
chmod 600 "$TMP/pw"
expect "password from file" 2 "$NOTIMPL" "${BASE[@]}" --password-file "$TMP/pw"
: > "$TMP/empty"
expect "empty password file" 3 "RPC ENCRYPTION UNKNOWN - password file '$TMP/empty' is empty" \
	"${BASE[@]}" --password-file "$TMP/empty"
printf '\n' > "$TMP/nl"
expect "newline-only password file" 3 "RPC ENCRYPTION UNKNOWN - password file '$TMP/nl' is empty" \
	"${BASE[@]}" --password-file "$TMP/nl"
expect "unreadable password file" 3 \
	"RPC ENCRYPTION UNKNOWN - cannot read password file '$TMP/missing': No such file or directory" \
	"${BASE[@]}" --password-file "$TMP/missing"

cat > "$TMP/plugins.ini" <<EOF
# test configuration
[exchange]
hostname = localhost
port = 9
user = EXAMPLE\\monitor
mailbox-dn = $DN
password = $SECRET

[nopw]
hostname = localhost

[check_rpc_encryption]
expect = sometimes
EOF
expect "password from extra-opts" 2 "$NOTIMPL" --extra-opts="exchange@$TMP/plugins.ini"
expect "extra-opts, separate argument" 2 "$NOTIMPL" --extra-opts "exchange@$TMP/plugins.ini"
expect "command line overrides extra-opts" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid port '0' (must be 1..65535)" \
	--extra-opts="exchange@$TMP/plugins.ini" -p 0
expect "extra-opts value is checked" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --expect 'sometimes' (choose required, optional or any)" \
	"${BASE[@]}" --extra-opts="@$TMP/plugins.ini"
# A temporary assignment before a shell function is exported to what it runs.
MP_CONFIG_FILE="$TMP/plugins.ini" expect "default section via MP_CONFIG_FILE" 3 \
	"RPC ENCRYPTION UNKNOWN - invalid --expect 'sometimes' (choose required, optional or any)" \
	"${BASE[@]}" --extra-opts
expect "missing section" 3 \
	"RPC ENCRYPTION UNKNOWN - --extra-opts: no section [nosuch] in config file '$TMP/plugins.ini'" \
	--extra-opts="nosuch@$TMP/plugins.ini"
expect "missing ini file" 3 \
	"RPC ENCRYPTION UNKNOWN - --extra-opts: cannot read config file '$TMP/none.ini': No such file or directory" \
	--extra-opts="x@$TMP/none.ini"
expect "section without password" 3 \
	"RPC ENCRYPTION UNKNOWN - missing -u/--user" --extra-opts="nopw@$TMP/plugins.ini"
printf '[s]\npass = %s\n' "$SECRET" > "$TMP/pass.ini"
expect "abbreviated password key in ini" 3 "$PWERR" "${BASE[@]}" --extra-opts="s@$TMP/pass.ini"

# help and version -------------------------------------------------------------
# The version is configure.ac's AC_INIT version (config.h's PACKAGE_VERSION).
VER=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
expect "--version" 0 "check_rpc_encryption v$VER" --version
expect "-V" 0 "check_rpc_encryption v$VER" -V
expect "--help" 0 "check_rpc_encryption v$VER" --help

HELP=$("$PLUGIN" --help)
missing=
for opt in transport hostname ip-address port no-tls rpc-server rpc-port rpc-proxy-path user \
	password-file mailbox-dn expect probe unencrypted-level client-version http-auth \
	warning critical timeout ca-file insecure client-cert client-key proxy verbose \
	help version extra-opts; do
	[[ "$HELP" == *"--$opt"* ]] || missing="$missing --$opt"
done
for word in CHECK_RPC_ENCRYPTION_PASSWORD ecNotEncrypted 2416 Set-RpcClientAccess \
	-EncryptionRequired 'Exit states' "$USAGE" 'default: required' 'default: both' \
	'default: connect' 'default: any' 'default: 443' 'default: 6001' \
	/rpc/rpcproxy.dll 'default: 10' 'default: UNKNOWN' Examples; do
	[[ "$HELP" == *"$word"* ]] || missing="$missing '$word'"
done
OUT=$HELP
if [ -n "$missing" ]; then ko "--help mentions every option" "missing:$missing"
else ok "--help mentions every option"; fi
if awk 'length > 80 { exit 1 }' <<<"$HELP"; then ok "--help fits 80 columns"
else ko "--help fits 80 columns" "a line is longer than 80 characters"; fi

# The man page documents every long option the help lists.
MAN="$top_srcdir/check_rpc_encryption.1"
missing=
for opt in $(grep -o -- '--[a-z][a-z0-9-]*' <<<"$HELP" | sort -u); do
	grep -q -- "$(sed 's/-/\\\\-/g' <<<"$opt")\\b" "$MAN" || missing="$missing $opt"
done
OUT=$missing
if [ -n "$missing" ]; then ko "the man page documents every option" "missing:$missing"
else ok "the man page documents every option"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
