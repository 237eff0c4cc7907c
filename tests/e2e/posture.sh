#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --posture against the responder playing each finding: Extended Protection
# none / allow / require per door, TLS 1.0 accepted, Basic beside NTLM, a
# weak certificate, X-OWA-Version; --posture-critical, one check alone, and
# proof from the responder's log that the posture checks sent no password
# (no Basic, NTLM without channel binding only) and that the probes' own
# TLS was not weakened.
. "$(dirname "$0")/common.sh"
test_require_impacket
MB=$E2E_MAILBOX
B=15.2.1544.4
start_responder good --http-auth ntlm --extended-protection require --cert-key rsa2048 \
	--owa-version "$B" || exit 1
start_responder epnone --http-auth ntlm --extended-protection none || exit 1
start_responder epallow --http-auth ntlm --extended-protection allow || exit 1
start_responder tls10 --http-auth ntlm --extended-protection require --tls-min 1.0 || exit 1
start_responder basic --http-auth any --extended-protection require || exit 1
start_responder basiconly --http-auth basic || exit 1
start_responder weak --http-auth ntlm --extended-protection require --cert-key rsa1024 || exit 1
start_responder sha1 --http-auth ntlm --extended-protection require --cert-digest sha1 || exit 1
start_responder addoor --http-auth ntlm --extended-protection require --ep-door autodiscover=none \
	--exchange 2019 --owa-version 15.2.2562.17 || exit 1

plugin() { # NAME ARGS...
	local p=${1}_PORT c=${1}_CA
	run_plugin -H localhost -p "${!p}" --ca-file "${!c}" -m "$MB" -u 'EXAMPLE\probe' -t 10 "${@:2}"
}
insecure() { # NAME ARGS...: without the test CA
	local p=${1}_PORT
	run_plugin -H localhost -p "${!p}" --insecure -m "$MB" -u 'EXAMPLE\probe' -t 10 "${@:2}"
}
has() { # DESCRIPTION REGEX: in the whole output
	if grep -Eq -- "$2" <<<"$OUT"; then ok "$1"; else not_ok "$1 (no /$2/ in the output)"; fi
}
hasnt() { # DESCRIPTION REGEX
	if grep -Eq -- "$2" <<<"$OUT"; then not_ok "$1 (/$2/ in the output)"; else ok "$1"; fi
}

plugin good --posture
expect_result "EP require, TLS 1.2+, NTLM only, RSA 2048 SHA-256: OK" 0 '^RPC ENCRYPTION OK - localhost requires RPC encryption'
has "good: Extended Protection enforced on /rpc" '^posture OK: Extended Protection enforced on /rpc: an NTLM logon without channel binding was refused \(HTTP 401\)'
has "good: build shown with its name" "^posture info: Exchange build $B \(Exchange 2019 CU14\), from X-OWA-Version on /rpc"
has "good: TLS floor" '^posture OK: TLS floor TLS 1.2: TLS 1.0, TLS 1.1 refused; the probes got TLSv1.3'
has "good: certificate" '^posture OK: certificate: RSA key 2048 bits; signatures SHA256 \(leaf\)'
has "good: perfdata" ' ep_rpc=1;1:;;0 basic_rpc=0;0;;0 tls_below_floor=0;0;;0 certificate_weak_signatures=0;0;;0'
hasnt "good: no finding" 'posture (FINDING|not testable)'
one=$(grep -c 'ok on conn=.*binding=- target=-' "$good_LOG")
[ "$one" = 0 ] && grep -q 'rejected: channel binding missing' "$good_LOG" &&
	ok "good: the unbound AUTHENTICATE was refused, no other went unbound" ||
	{ OUT=$(grep 'http auth' "$good_LOG"); not_ok "good: responder log of the unbound logon"; }
grep -q 'accept.*\|tls failed' "$good_LOG" && ! grep -q 'http auth=basic' "$good_LOG" &&
	ok "good: no Basic credentials went anywhere" || not_ok "good: Basic in the log"

for ep in none allow; do
	plugin "ep$ep" --posture
	expect_result "EP $ep: WARNING naming the finding" 1 \
		'^RPC ENCRYPTION WARNING - localhost requires RPC encryption.*; posture: Extended Protection not enforced on /rpc \|'
	has "EP $ep: the fix is named" "^posture FINDING: Extended Protection not enforced on /rpc: .*HTTP 200.*extendedProtection.tokenChecking -Value Require"
	has "EP $ep: perfdata" ' ep_rpc=0;1:;;0'
done
plugin epnone --posture --posture-critical
expect_result "EP none with --posture-critical: CRITICAL" 2 '^RPC ENCRYPTION CRITICAL.*posture: Extended Protection not enforced on /rpc'
has "--posture-critical: perfdata carries the critical range" ' ep_rpc=0;;1:;0'
plugin epnone --posture=build
expect_result "EP none, --posture=build alone: OK" 0 '^RPC ENCRYPTION OK'
hasnt "--posture=build: no other check" 'posture (OK|FINDING|not testable)'
n1=$(grep -c 'binding=- target=-' "$epnone_LOG")
plugin epnone --posture=auth,build
[ "$n1" -gt 0 ] && [ "$(grep -c 'binding=- target=-' "$epnone_LOG")" = "$n1" ] &&
	ok "--posture=auth,build: no unbound logon" || not_ok "--posture=auth,build made an unbound logon"

plugin tls10 --posture
expect_result "TLS 1.0 and 1.1 accepted: WARNING" 1 '^RPC ENCRYPTION WARNING.*posture: TLS 1.0 accepted, TLS 1.1 accepted \|'
has "TLS 1.0: the fix is named" '^posture FINDING: TLS 1.0 accepted \([^)]*\), below the floor TLS 1.2\. Fix: disable it in SChannel'
has "TLS 1.0: perfdata" ' tls_below_floor=2;0;;0'
has "TLS 1.0: the handshake's cipher is named" '^posture FINDING: TLS 1.0 accepted \([A-Z0-9-]+\)'
has "TLS 1.0: the probes still got TLS 1.3" 'TLS [0-9.]*s: TLSv1.3'
plugin tls10 --posture=tls --tls-floor 1.0
expect_result "TLS 1.0 accepted, --tls-floor 1.0: OK" 0 '^RPC ENCRYPTION OK'
has "--tls-floor 1.0: nothing to try" 'posture OK: TLS floor TLS 1.0: nothing below it to try'
plugin good --posture=tls --tls-floor 1.3
expect_result "TLS 1.2 accepted, --tls-floor 1.3: WARNING" 1 '^RPC ENCRYPTION WARNING.*posture: TLS 1.2 accepted'

plugin basic --posture
expect_result "Basic beside NTLM: WARNING" 1 '^RPC ENCRYPTION WARNING.*posture: Basic offered on /rpc \|'
has "Basic: the fix is named" "^posture FINDING: Basic offered on /rpc beside NTLM/Negotiate \(offered: NTLM, Basic\).*Set-OutlookAnywhere -Identity 'localhost.Rpc \(Default Web Site\)' -IISAuthenticationMethods Negotiate,NTLM"
has "Basic: EP still enforced" '^posture OK: Extended Protection enforced on /rpc'
grep -q 'http auth=basic' "$basic_LOG" && { OUT=$(grep 'http auth' "$basic_LOG"); not_ok "Basic offered: a password went out as Basic"; } ||
	ok "Basic offered: no password went out as Basic (probes and posture use NTLM)"

plugin basic --posture=ep --http-auth basic
expect_result "--http-auth basic: a 401 to the unbound logon proves nothing alone: OK" 0 '^RPC ENCRYPTION OK'
has "--http-auth basic: EP not testable, and why" '^posture not testable: Extended Protection on /rpc not testable: refused \(HTTP 401\), but the run made no NTLM logon with channel binding there to compare'

plugin basiconly --posture --http-auth basic
expect_result "Basic only: WARNING (Basic alone), EP not testable" 1 '^RPC ENCRYPTION WARNING.*posture: Basic offered on /rpc \|'
has "Basic only: EP not testable" '^posture not testable: Extended Protection on /rpc not testable: it offers no NTLM or Negotiate \(offered: Basic\)'
has "Basic only: ep_rpc is U" ' ep_rpc=U;1:;;0'
# The probes send Basic with their real bodies; a bodiless request with
# Basic would be the posture checks'.
grep -q 'http method=[A-Z_]* url=[^ ]* length=0 auth=Basic' "$basiconly_LOG" &&
	{ OUT=$(grep 'http method' "$basiconly_LOG"); not_ok "Basic only: the posture requests sent Basic"; } ||
	ok "Basic only: the posture requests sent no Basic (only the probes did, as asked)"

plugin weak --posture
expect_result "RSA 1024 certificate: the probes fail verification, the finding is named" 2 \
	'^RPC ENCRYPTION CRITICAL.*EE certificate key too weak.*posture: certificate key RSA 1024 bits'
insecure weak --posture=cert
expect_result "RSA 1024 certificate, --insecure: WARNING" 1 '^RPC ENCRYPTION WARNING.*posture: certificate key RSA 1024 bits'
has "RSA 1024: the fix is named" '^posture FINDING: certificate key RSA 1024 bits, weaker than 2048\. Fix: .*New-ExchangeCertificate'
insecure sha1 --posture
expect_result "SHA-1 signed certificate, --insecure: WARNING" 1 '^RPC ENCRYPTION WARNING.*server certificate signed with SHA1'
has "SHA-1: chain only with --insecure" '^posture FINDING: the certificate chain verifies only with --insecure'
has "SHA-1: perfdata" ' certificate_weak_signatures=1;0;;0'

ad() { # NAME ARGS...: -e with the responder's Autodiscover
	local p=${1}_PORT c=${1}_CA
	run_plugin -e probe@example.test -u 'EXAMPLE\probe' -t 10 --ca-file "${!c}" \
		--autodiscover-url "https://localhost:${!p}/autodiscover/autodiscover.xml" "${@:2}"
}
ad addoor --posture
expect_result "-e: /rpc require, Autodiscover none: OK (None is Autodiscover's supported setting)" 0 '^RPC ENCRYPTION OK'
has "-e: Autodiscover EP shown as info" '^posture info: Extended Protection not enforced on Autodiscover \(an NTLM logon without channel binding got HTTP 200\)'
has "-e: /rpc EP enforced" '^posture OK: Extended Protection enforced on /rpc'
has "-e: Exchange SE build" '^posture info: Exchange build 15.2.2562.17 \(Exchange Server SE RTM\)'

# /mapi with --transport mapi: the same rules, the door of its own.
MID=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test
start_responder mapi --http-auth any --extended-protection require --ep-door mapi=allow \
	--mapi-plain closed --owa-version 15.1.2507.6 || exit 1
mapi() { # NAME ARGS...
	local p=${1}_PORT c=${1}_CA
	run_plugin --transport mapi -H localhost -p "${!p}" --ca-file "${!c}" --plain-port 1 \
		-u 'EXAMPLE\probe' -m "$MB" --rpc-server "$MID" -t 10 "${@:2}"
}
mapi mapi --posture
expect_result "--transport mapi: EP allow and Basic on /mapi: WARNING naming both" 1 \
	'^RPC ENCRYPTION WARNING.*posture: Extended Protection not enforced on /mapi, Basic offered on /mapi \|'
has "/mapi: the MAPI virtual directory's fix" "Fix: Set-MapiVirtualDirectory -Identity 'localhost.mapi \(Default Web Site\)' -IISAuthenticationMethods Negotiate,NTLM"
has "/mapi: perfdata" ' ep_mapi=0;1:;;0 basic_mapi=1;0;;0'
has "/mapi: Exchange 2016 CU23" '^posture info: Exchange build 15.1.2507.6 \(Exchange 2016 CU23\), from X-OWA-Version on /mapi'
hasnt "/mapi: no /rpc door" 'posture .*on /rpc'
grep -q 'http auth=basic' "$mapi_LOG" && { OUT=$(grep 'http auth' "$mapi_LOG"); not_ok "/mapi: a password went out as Basic"; } ||
	ok "/mapi: no password went out as Basic"

# Usage errors.
run_plugin -H localhost -m "$MB" -u 'EXAMPLE\probe' --posture=ep,tsl
expect_result "--posture with an unknown check: UNKNOWN" 3 "^RPC ENCRYPTION UNKNOWN - --posture: unknown check 'tsl'"
run_plugin -H localhost -m "$MB" -u 'EXAMPLE\probe' --tls-floor 1.3
expect_result "--tls-floor without --posture: UNKNOWN" 3 '^RPC ENCRYPTION UNKNOWN - --tls-floor needs --posture'
run_plugin -H localhost -m "$MB" -u 'EXAMPLE\probe' --posture --tls-floor 1.4
expect_result "--tls-floor 1.4: UNKNOWN" 3 "^RPC ENCRYPTION UNKNOWN - --tls-floor '1.4' is not one of"
run_plugin -H localhost -m "$MB" -u 'EXAMPLE\probe' --posture --transport tcp
expect_result "--posture with --transport tcp: UNKNOWN" 3 '^RPC ENCRYPTION UNKNOWN - --posture checks the HTTP doors'
e2e_summary
