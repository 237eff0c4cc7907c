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

# --- the steps before the logon ------------------------------------------------
cert ntlm
steps_ok=1
for re in '^steps before the logon \(encrypted probe\):$' \
	'^  name resolution [0-9.]+s$' '^  TCP connect [0-9.]+s$' \
	'^  TLS [0-9.]+s: TLSv1\.[23], [A-Z0-9_-]+$' \
	'^  certificate: subject CN=localhost; issuer CN=check_rpc_encryption test CA$' \
	"^    subjectAltName DNS:localhost, IP Address:127\.0\.0\.1, .*; valid $DATE to $DATE$" \
	'^  HTTP authentication offered: (NTLM, Basic|Basic, NTLM)$' \
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
