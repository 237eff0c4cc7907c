#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Hostile end-to-end cases: faults at every phase of the bundled responder,
# bad arguments and servers that answer the way real ones were seen to
# (an RPC proxy answering echo requests, Exchange 2010 denying calls
# without RPC authentication, ...).  Every case asserts the exit code,
# the phase or cause named on the status line, and that the plugin did not
# crash (exit code 0-3, no sanitizer or signal report) and did not print
# the password.  Responders start in parallel; the whole file stays well
# under a minute.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
SECRET='H0stile-Pa55w0rd-never-shown!'
export E2E_PW=$SECRET

# --- responders, started side by side ------------------------------------------
# spawn NAME ARGS...: start without waiting; ready NAME...: wait for them.
spawn() {
	local name=$1; shift
	"$SYSTEM_PYTHON" "$RESPONDER" --log "$E2E_TMP/$name.log" --password "$SECRET" "$@" \
		>"$E2E_TMP/$name.out" 2>>"$E2E_TMP/$name.log" &
	E2E_PIDS+=($!)
}
ready() {
	local name line i
	for name in "$@"; do
		for ((i = 0; i < 200; i++)); do
			line=$(grep -m1 '^READY ' "$E2E_TMP/$name.out" 2>/dev/null)
			[ -n "$line" ] && break
			sleep 0.1
		done
		if [ -z "$line" ]; then
			echo "responder $name did not become ready"; cat "$E2E_TMP/$name.log"
			exit 1
		fi
		printf -v "${name}_PORT" '%s' "$(sed -n 's/.* port=\([0-9]*\).*/\1/p' <<<"$line")"
		printf -v "${name}_CA" '%s' "$(sed -n 's/.* ca=\([^ ]*\).*/\1/p' <<<"$line")"
		printf -v "${name}_EPM" '%s' "$(sed -n 's/.* epm_port=\([0-9]*\).*/\1/p' <<<"$line")"
		printf -v "${name}_LOG" '%s' "$E2E_TMP/$name.log"
	done
}

base() { # NAME -> the arguments that reach responder NAME over RPC/HTTP
	local p="${1}_PORT" c="${1}_CA"
	echo "-H localhost -p ${!p} --ca-file ${!c} -u EXAMPLE\\probe"
}
tbase() { # NAME -> the same over RPC/TCP (its endpoint mapper)
	local p="${1}_EPM"
	echo "--transport tcp -H 127.0.0.1 -p ${!p} -u EXAMPLE\\probe"
}

# --- the assertions every case makes ---------------------------------------------
# sane DESCRIPTION: no crash, no secret, an answer within the bound.
sane() {
	local desc=$1
	if [ "$RC" -gt 3 ] || grep -qE 'Segmentation|AddressSanitizer|LeakSanitizer|runtime error:|Aborted|core dumped' <<<"$OUT"; then
		not_ok "$desc: crashed (exit $RC)"
	elif grep -qF "$SECRET" <<<"$OUT"; then
		not_ok "$desc: the password is in the output"
	elif [ -z "$FIRST" ] || [[ $FIRST != "RPC ENCRYPTION "* ]]; then
		not_ok "$desc: no status line"
	else
		return 0
	fi
	return 1
}
# hcase DESCRIPTION RC REGEX-ON-FIRST-LINE -- plugin args
hcase() {
	local desc=$1 rc=$2 re=$3
	shift 4
	run_plugin "$@"
	# With -v the traces come first (stderr): the status line is the
	# plugin's first line on stdout.
	FIRST=$(grep -m1 '^RPC ENCRYPTION ' <<<"$OUT")
	sane "$desc" && expect_result "$desc" "$rc" "$re"
}

# --- defects seen against real servers ---------------------------------------------
spawn deny --anonymous-rpc deny
spawn denytcp --rpc-tcp --anonymous-rpc deny
spawn noauth --http-auth none
ready deny denytcp noauth

# Exchange 2010 and RPC/TCP take a bind without RPC authentication and deny
# the call: the policy cannot be told at level none (was a segfault).
hcase "level none, call denied (Exchange 2010 over RPC/HTTP): UNKNOWN" 3 \
	"^RPC ENCRYPTION UNKNOWN - localhost: cannot tell the RPC encryption policy: the server refuses logons without RPC authentication; the policy cannot be told at this level \(unencrypted logon failed during logon: RPC_FAULT" \
	-- $(base deny) -m "$MB" --unencrypted-level none
hcase "level none, call denied over RPC/TCP: UNKNOWN" 3 \
	"the server refuses logons without RPC authentication; the policy cannot be told at this level" \
	-- $(tbase denytcp) -m "$MB" --unencrypted-level none
hcase "level none, call denied, unencrypted probe alone: UNKNOWN" 3 \
	"the server refuses logons without RPC authentication" \
	-- $(base deny) -m "$MB" --unencrypted-level none --probe unencrypted
hcase "level none, call denied, -vvv" 3 "cannot be told at this level" \
	-- $(base deny) -m "$MB" --unencrypted-level none -vvv

# A proxy that asks for no HTTP authentication answers the body-less first
# request of HTTP NTLM as an echo request (MS-RPCH 2.1.2.1.6).
for a in any ntlm; do
	hcase "no HTTP authentication at the proxy, --http-auth $a: OK" 0 \
		"^RPC ENCRYPTION OK - localhost requires RPC encryption" \
		-- $(base noauth) -m "$MB" --http-auth $a
done
grep -q 'echo request, echo response sent' "$noauth_LOG" && ok "the proxy answered echo requests" \
	|| not_ok "the proxy answered echo requests"

# Windows puts an NTLM verifier and an auth pad on connect-level answers
# (Zeek's dce-rpc/mapi.pcap frame 782): the logon answer is read through
# the pad, so the unencrypted probe still decides.
spawn cvopt --connect-verifier --encryption-required false
spawn cvtcp --connect-verifier --rpc-tcp
spawn rpcerr --fault http-out:rpc-error:c0021009
spawn adport --expr-server localhost:443 --user monitor
ready cvopt cvtcp rpcerr adport
hcase "verifier and auth pad at level connect, encryption optional: OK" 0 \
	"^RPC ENCRYPTION OK - localhost does not require RPC encryption" \
	-- $(base cvopt) -m "$MB" --expect optional
hcase "verifier and auth pad at level connect over RPC/TCP: OK" 0 \
	"^RPC ENCRYPTION OK - 127.0.0.1 requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\)" \
	-- $(tbase cvtcp) -m "$MB"

# The RPC proxy's "503 RPC Error: c0021009" is named.
hcase "503 RPC Error: c0021009 names RPC_P_RECEIVE_FAILED" 2 \
	"failed during connect: PROXY_REFUSED .*RPC Error: c0021009 \(RPC_P_RECEIVE_FAILED\)" \
	-- $(base rpcerr) -m "$MB"

# host:port is refused before connecting, from -H and from Autodiscover.
hcase "-H host:port: UNKNOWN before connecting" 3 \
	"^RPC ENCRYPTION UNKNOWN - invalid host name 'localhost:443': give the port with -p" \
	-- -H localhost:443 -u 'EXAMPLE\probe' -m "$MB"
hcase "-H [::1]:443: UNKNOWN" 3 "give the port with -p" -- -H '[::1]:443' -u 'EXAMPLE\probe' -m "$MB"
hcase "--rpc-server host:port: UNKNOWN" 3 "give the port with --rpc-port" \
	-- -H localhost --rpc-server exch01:6001 -u 'EXAMPLE\probe' -m "$MB"
hcase "Autodiscover EXPR server host:port: UNKNOWN, no connection" 3 \
	"Autodiscover answer unusable: invalid host name 'localhost:443': give the port with -p" \
	-- -e monitor@example.test -u 'EXAMPLE\monitor' --ca-file "$adport_CA" \
	--autodiscover-url "https://localhost:$adport_PORT/autodiscover/autodiscover.xml"
grep -q 'RPC_OUT_DATA' "$adport_LOG" && not_ok "Autodiscover host:port: no RPC connection" \
	|| ok "Autodiscover host:port: no RPC connection"
hcase "-H ::1 (IPv6 literal) still reaches the server" 0 "^RPC ENCRYPTION OK - ::1" \
	-- -H ::1 -I 127.0.0.1 -p "$cvtcp_PORT" --ca-file "$cvtcp_CA" -u 'EXAMPLE\probe' -m "$MB"

# A 401 cut off, in its header block or in its body: named as a cut, not
# as a scheme the proxy lacks or credentials it refused.
spawn cut1 --http-auth ntlm --fault http-out:cut401
spawn cut2 --http-auth ntlm --fault http-in:cut401:body
spawn cut3 --http-auth basic --fault http-out:cut401
# The scheme asked for is not offered (also under Extended Protection).
spawn ntlmonly --http-auth ntlm
spawn ntlmep --http-auth ntlm --extended-protection require
ready cut1 cut2 cut3 ntlmonly ntlmep
for n in cut1 cut2 cut3; do
	hcase "401 cut off ($n): the connection closed in the middle of it" 2 \
		"failed during connect: CONNECT_FAILED \(RPC_(IN|OUT)_DATA: the connection closed in the middle of the proxy's 401 answer" \
		-- $(base $n) -m "$MB" $([ $n = cut3 ] && echo --http-auth basic)
done
for n in ntlmonly ntlmep; do
	hcase "--http-auth basic against an NTLM-only proxy ($n)" 2 \
		"AUTH_FAILED \(RPC_(IN|OUT)_DATA: the RPC proxy does not offer Basic \(it offers NTLM\)" \
		-- $(base $n) -m "$MB" --http-auth basic
done
for a in negotiate ntlm; do
	KRB5CCNAME=FILE:$E2E_TMP/no-such-cache KRB5_CONFIG=/dev/null hcase \
		"--http-auth negotiate without a Kerberos ticket (--auth $a)" 2 \
		"^RPC ENCRYPTION CRITICAL - localhost: no Kerberos ticket for HTTP/localhost" \
		-- $(base ntlmonly) -m "$MB" --http-auth negotiate --auth $a
done
grep -q 'auth=Negotiate' "$ntlmonly_LOG" && not_ok "without a ticket no Negotiate request goes out" \
	|| ok "without a ticket no Negotiate request goes out"

# TLS files that exist but hold nothing libcurl can use: UNKNOWN naming
# the file, before any connection (the responder sees none).
spawn tlsfiles
ready tlsfiles
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$E2E_TMP/k.pem" -out "$E2E_TMP/c.pem" -days 1 -subj /CN=localhost 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$E2E_TMP/k2.pem" -out "$E2E_TMP/c2.pem" -days 1 -subj /CN=other 2>/dev/null
echo 'not a certificate' >"$E2E_TMP/junk.pem"
TB="-H localhost -p $tlsfiles_PORT -u EXAMPLE\\probe"
hcase "--ca-file without a certificate: UNKNOWN naming it" 3 \
	"^RPC ENCRYPTION UNKNOWN - --ca-file '.*/junk.pem' holds no certificate" \
	-- $TB -m "$MB" --ca-file "$E2E_TMP/junk.pem"
hcase "--ca-file holding only a key: UNKNOWN" 3 "--ca-file '.*/k.pem' holds no certificate" \
	-- $TB -m "$MB" --ca-file "$E2E_TMP/k.pem"
hcase "--client-cert without a certificate: UNKNOWN" 3 "--client-cert '.*/junk.pem' holds no certificate" \
	-- $TB -m "$MB" --ca-file "$tlsfiles_CA" --client-cert "$E2E_TMP/junk.pem"
hcase "--client-cert without a key: UNKNOWN" 3 "--client-cert '.*/c.pem' holds no usable private key" \
	-- $TB -m "$MB" --ca-file "$tlsfiles_CA" --client-cert "$E2E_TMP/c.pem"
hcase "--client-key of another certificate: UNKNOWN" 3 \
	"the private key in --client-key '.*/k2.pem' does not belong to the certificate" \
	-- $TB -m "$MB" --ca-file "$tlsfiles_CA" --client-cert "$E2E_TMP/c.pem" --client-key "$E2E_TMP/k2.pem"
grep -q 'accept peer' "$tlsfiles_LOG" && not_ok "unusable TLS files: no connection made" \
	|| ok "unusable TLS files: no connection made"

# Not HTTP behind TLS (an SSH banner): Autodiscover says so in the RPC
# channels' words, not libcurl's "Received HTTP/0.9 when not allowed".
cat >"$E2E_TMP/banner.py" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
s.settimeout(60)
for _ in range(16):
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.recv(4096)
        t.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        t.close()
    except (OSError, ssl.SSLError):
        c.close()
PY
"$SYSTEM_PYTHON" "$E2E_TMP/banner.py" "$E2E_TMP/c.pem" "$E2E_TMP/k.pem" >"$E2E_TMP/banner.port" &
E2E_PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -s "$E2E_TMP/banner.port" ] && break; sleep 0.1; done
BP=$(cat "$E2E_TMP/banner.port")
hcase "Autodiscover answered by no HTTP: named as not HTTP" 2 \
	"Autodiscover POST is not HTTP: is this port an Autodiscover web server" \
	-- -e probe@example.test -u 'EXAMPLE\probe' --ca-file "$E2E_TMP/c.pem" -t 10 \
	--autodiscover-url "https://localhost:$BP/autodiscover/autodiscover.xml"
[[ $OUT != *"HTTP/0.9"* ]] && ok "no libcurl wording (HTTP/0.9)" || not_ok "no libcurl wording (HTTP/0.9)"
hcase "RPC proxy answered by no HTTP: the same words" 2 \
	"RPC_(IN|OUT)_DATA is not HTTP: is this port an RPC proxy" \
	-- -H localhost -p "$BP" --ca-file "$E2E_TMP/c.pem" -u 'EXAMPLE\probe' -m "$MB" -t 10

e2e_summary
