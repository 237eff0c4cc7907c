#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: the TLS certificate as monitoring data.  The responder's
# server certificate is made valid for 5, 20 and 60 more days, or expired;
# --certificate-expiry 30,7 must give CRITICAL, WARNING and OK with the
# days, and an expired or wrong-name certificate the TLS_FAILED it always
# gave, now with the certificate's dates.  The long output lists the steps
# before the logon (TLS version and cipher, the certificate, the HTTP
# authentication schemes the proxy offered).
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
DATE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC'

for d in 5 20 60 -3; do
	n=d${d#-}
	[ "$d" -lt 0 ] && n=expired
	start_responder "$n" --cert-days "$d" || { not_ok "responder with a $d-day certificate"; e2e_summary; exit; }
done
start_responder ntlm --http-auth any || { not_ok "responder with NTLM"; e2e_summary; exit; }

cert() { # NAME extra args...
	local p="${1}_PORT" c="${1}_CA"
	shift
	run_plugin -H localhost -p "${!p}" --ca-file "${!c}" -u 'EXAMPLE\probe' -m "$MB" "$@"
}

cert d5 --certificate-expiry 30,7
expect_result "5 days left, 30,7: CRITICAL with the days" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost requires RPC encryption: .*; certificate expires in 5 days \($DATE\) \|.* certificate_expiry_days=5;31:;8:"
cert d20 --certificate-expiry 30,7
expect_result "20 days left, 30,7: WARNING" 1 \
	"^RPC ENCRYPTION WARNING - localhost requires RPC encryption: .*; certificate expires in 20 days \($DATE\) \|.* certificate_expiry_days=20;31:;8:"
cert d60 --certificate-expiry 30,7
expect_result "60 days left, 30,7: OK" 0 \
	"^RPC ENCRYPTION OK - localhost requires RPC encryption: unencrypted logon refused \(ecNotEncrypted 2416\), encrypted logon OK in [0-9.]+s \|.* certificate_expiry_days=60;31:;8:"
grep -Eq "^certificate expires in 60 days \($DATE\)$" <<<"$OUT" &&
	ok "OK: the expiry in the long output" || not_ok "OK: the expiry in the long output"
cert d5
expect_result "5 days left without --certificate-expiry: data, not a verdict" 0 \
	"^RPC ENCRYPTION OK - localhost requires RPC encryption.* certificate_expiry_days=5;;;0?$|certificate_expiry_days=5$"
cert d20 --certificate-expiry 20
expect_result "20 days left, 20: WARNING on the day (check_curl -C)" 1 "certificate expires in 20 days"
cert d20 --certificate-expiry 19
expect_result "20 days left, 19: OK" 0 "^RPC ENCRYPTION OK - "

# --- expired, wrong name: TLS_FAILED with the dates ----------------------------
cert expired --certificate-expiry 30,7
expect_result "expired: CRITICAL with the notAfter date" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: encrypted logon failed during connect: TLS_FAILED \(certificate verification failed: .*certificate has expired; server certificate CN=localhost, valid $DATE to ($DATE)\); certificate expired on \1 \|"
cert expired
expect_result "expired, no --certificate-expiry: the same TLS_FAILED with the dates" 2 \
	"TLS_FAILED \(certificate verification failed: .*certificate has expired; server certificate CN=localhost, valid $DATE to $DATE\) \|.*certificate_expiry_days=-[0-9]+"
p=expired_PORT
run_plugin -H localhost -p "${!p}" --insecure -u 'EXAMPLE\probe' -m "$MB" --certificate-expiry 30,7
expect_result "expired with --insecure: logons work, the expiry is CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost requires RPC encryption: .*; certificate expired on $DATE \|"
p=d60_PORT; c=d60_CA
run_plugin -H wrong.example -I 127.0.0.1 -p "${!p}" --ca-file "${!c}" -u 'EXAMPLE\probe' -m "$MB"
expect_result "wrong name: TLS_FAILED with the certificate and its dates" 2 \
	"TLS_FAILED \(.*wrong\.example.*; server certificate CN=localhost, valid $DATE to $DATE\)"
# --ca-file is read once, before any connection, and that reading is what
# the handshakes trust: another responder's CA does not verify this one.
run_plugin -H localhost -p "$d60_PORT" --ca-file "$d5_CA" -u 'EXAMPLE\probe' -m "$MB"
expect_result "another CA in --ca-file: TLS_FAILED, certificate verification failed" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost: encrypted logon failed during connect: TLS_FAILED \(certificate verification failed"

# --- Autodiscover's certificate counts too -------------------------------------
# Autodiscover (-e) at the responder with the 5-day certificate, the probes
# at the one with 60 days: the check names the Autodiscover certificate.
cat "$d5_CA" "$d60_CA" >"$E2E_TMP/d5-d60.pem"
run_plugin -e probe@example.test -u 'EXAMPLE\probe' -H localhost -p "$d60_PORT" \
	--ca-file "$E2E_TMP/d5-d60.pem" --certificate-expiry 30,7 \
	--autodiscover-url "https://localhost:$d5_PORT/autodiscover/autodiscover.xml"
expect_result "-e: the Autodiscover endpoint's certificate (5 days) is CRITICAL" 2 \
	"^RPC ENCRYPTION CRITICAL - localhost requires RPC encryption: .*; Autodiscover certificate expires in 5 days \($DATE\) \|.* certificate_expiry_days=5;31:;8:"
grep -Eq "^Autodiscover certificate: subject CN=localhost; issuer CN=check_rpc_encryption test CA$" <<<"$OUT" &&
	ok "-e: the Autodiscover certificate in the long output" ||
	not_ok "-e: the Autodiscover certificate in the long output"

# --- the system trust store ------------------------------------------------------
# Without --ca-file the system store is used: a hashed certificate directory
# is read lazily (the certificates a chain needs), the CA bundle not at all
# (parsing its ~140 certificates was most of a run's CPU); a directory
# without hash names, or SSL_CERT_FILE, keep OpenSSL's defaults.
# SSL_CERT_DIR stands in for the system directory.
if command -v strace >/dev/null; then
	hashed=$E2E_TMP/certs-hashed plain=$E2E_TMP/certs-plain
	mkdir -p "$hashed" "$plain"
	cp "$d60_CA" "$hashed/test-ca.pem"
	cp "$d60_CA" "$plain/test-ca.pem"
	openssl rehash "$hashed"
	bundle="$(openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/cert.pem"
	bundle_real=$(readlink -f "$bundle")
	store() { # ENV-ASSIGNMENTS...: runs the plugin at d60 without --ca-file
		OUT=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			CHECK_RPC_ENCRYPTION_PASSWORD="$E2E_PASSWORD" \
			env -u SSL_CERT_FILE -u SSL_CERT_DIR "$@" \
			strace -f -qq -e trace=open,openat -o "$E2E_TMP/store.trace" \
			"$PLUGIN" -H localhost -p "$d60_PORT" -u 'EXAMPLE\probe' -m "$MB" 2>&1)
		RC=$?
		FIRST=${OUT%%$'\n'*}
	}
	opened() { grep -v ENOENT "$E2E_TMP/store.trace" | grep -qF "\"$1\""; }
	store SSL_CERT_DIR="$hashed"
	expect_result "system store, hashed directory: verified" 0 "^RPC ENCRYPTION OK - "
	if opened "$bundle" || opened "$bundle_real"; then
		not_ok "system store, hashed directory: $bundle not read"
	else ok "system store, hashed directory: $bundle not read"; fi
	store SSL_CERT_DIR="$plain"
	expect_result "system store, directory without hash names: OpenSSL's defaults (the bundle)" 2 \
		"TLS_FAILED \(certificate verification failed"
	{ opened "$bundle" || opened "$bundle_real"; } &&
		ok "system store, directory without hash names: $bundle read" ||
		not_ok "system store, directory without hash names: $bundle read"
	store SSL_CERT_DIR="$hashed" SSL_CERT_FILE="$d60_CA"
	expect_result "system store, SSL_CERT_FILE set: verified" 0 "^RPC ENCRYPTION OK - "
	opened "$d60_CA" && ok "system store, SSL_CERT_FILE set: that file read" ||
		not_ok "system store, SSL_CERT_FILE set: that file read"
elif [ "${CI:-}" = true ]; then
	not_ok "strace is installed (CI=true: the system trust store checks must run)"
else
	echo "strace not installed: system trust store checks skipped"
fi

# --- the steps before the logon ------------------------------------------------
cert ntlm
steps_ok=1
for re in '^steps before the logon \(encrypted probe\):$' \
	'^  name resolution [0-9.]+s$' '^  TCP connect [0-9.]+s$' \
	'^  TLS [0-9.]+s: TLSv1\.[23], [A-Z0-9_-]+$' \
	'^  certificate: subject CN=localhost; issuer CN=check_rpc_encryption test CA$' \
	"^    subjectAltName DNS:localhost, IP Address:127\.0\.0\.1, .*; valid $DATE to $DATE$" \
	'^  HTTP authentication offered: (NTLM, Basic|Basic, NTLM|NTLM)$' \
	'^  phases: connect [0-9.]+s, rts [0-9.]+s, bind [0-9.]+s, logon [0-9.]+s'; do
	grep -Eq "$re" <<<"$OUT" || { steps_ok=0; echo "     missing: $re"; }
done
[ $steps_ok = 1 ] && ok "long output: the steps before the logon, each with its time" ||
	not_ok "long output: the steps before the logon, each with its time"
# Valid for two days from the second it was made: 2, or 1 a second later.
grep -Eq 'certificate_expiry_days=[12]( |;|$)' <<<"$FIRST" &&
	ok "the default certificate: certificate_expiry_days=1 or 2" ||
	not_ok "the default certificate: certificate_expiry_days=1 or 2"

e2e_summary
