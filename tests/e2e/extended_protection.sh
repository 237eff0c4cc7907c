#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Extended Protection: the plugin's own HTTP NTLM against the responder's
# IIS-like token checking (none / allow / require) with --http-auth any and
# ntlm, NTLM inside Negotiate, non-ASCII credentials, a TLS-terminating load
# balancer (binding to another certificate), and the messages for wrong
# credentials and a proxy without NTLM.  The responder's log proves that
# each channel's CHALLENGE and AUTHENTICATE shared one connection.
. "$(dirname "$0")/common.sh"
test_require_impacket
MB=$E2E_MAILBOX
U='prøbe' P='pässwörd€'
for ep in none allow require; do
	start_responder "$ep" --http-auth any --offer-negotiate --extended-protection "$ep" || exit 1
done
start_responder nego --http-auth ntlm --negotiate-only --extended-protection require || exit 1
start_responder utf8 --http-auth ntlm --extended-protection require --user "$U" --password "$P" || exit 1
start_responder lb --http-auth ntlm --extended-protection require --ep-bind-cert other || exit 1
start_responder basic --http-auth basic || exit 1

base() { # NAME [USER]
	local p=${1}_PORT c=${1}_CA
	echo "-H localhost -p ${!p} --ca-file ${!c} -m"
}
plugin() { # NAME ARGS...: the plugin with the default user
	# shellcheck disable=SC2046
	run_plugin $(base "$1") "$MB" -u 'EXAMPLE\probe' -t 10 "${@:2}"
}
one_connection() { # DESCRIPTION LOG N: N handshakes, each on one connection
	local good bad
	good=$(grep -c 'ok on conn=\([0-9]*\), challenge sent on conn=\1, binding=' "$2")
	bad=$(grep -c 'which got no CHALLENGE' "$2")
	if [ "$good" -ge "$3" ] && [ "$bad" = 0 ]; then
		ok "$1"
	else
		OUT=$(grep 'http auth' "$2") RC=- ELAPSED=-
		not_ok "$1 ($good single-connection handshakes, $bad split)"
	fi
}

for ep in none allow require; do
	for auth in any ntlm; do
		plugin "$ep" --http-auth "$auth"
		expect_result "extended protection $ep, --http-auth $auth: OK" 0 '^RPC ENCRYPTION OK'
	done
done
eval "log=\$require_LOG"
one_connection "require: every channel's CHALLENGE and AUTHENTICATE on one connection" "$log" 8
grep -q 'rejected: channel binding' "$log" && not_ok "require: a binding was refused" ||
	ok "require: the plugin's channel binding was never refused"
plugin nego
expect_result "require, Negotiate only (SPNEGO with NTLMSSP inside Negotiate): OK" 0 '^RPC ENCRYPTION OK'
grep -q 'http auth=negotiate user=EXAMPLE\\probe ok on conn=' "$nego_LOG" &&
	ok "Negotiate: the responder saw NTLM inside Negotiate" ||
	{ OUT=$(cat "$nego_LOG"); not_ok "Negotiate: no accepted Negotiate leg in the log"; }
# As Windows without a ticket: SPNEGO around NTLMSSP, the CHALLENGE
# answered inside SPNEGO, the AUTHENTICATE bound to the channel as raw NTLM
# is, and the client's mechListMIC checked by the responder.
grep -q 'http auth=negotiate negotiate: challenge sent on conn=[^ ]* (inside SPNEGO)' "$nego_LOG" &&
	grep -q 'http auth=negotiate spnego mechListMIC verified' "$nego_LOG" &&
	! grep -q 'rejected' "$nego_LOG" &&
	ok "Negotiate: NTLM inside SPNEGO, mechListMIC verified, channel bound" ||
	{ OUT=$(cat "$nego_LOG"); not_ok "Negotiate: NTLM inside SPNEGO"; }
E2E_PW=$P run_plugin $(base utf8) "$MB" -u "EXAMPLE\\$U" -t 10
expect_result "require, user $U with password $P: OK" 0 '^RPC ENCRYPTION OK'
plugin lb
expect_result "require behind a TLS-terminating load balancer: CRITICAL naming Extended Protection" 2 \
	'^RPC ENCRYPTION CRITICAL.*refused the NTLM credentials after a complete handshake.*Extended Protection.*channel binding'
E2E_PW=wrong plugin require
expect_result "require, wrong password: CRITICAL, credentials named" 2 \
	'^RPC ENCRYPTION CRITICAL.*bad user name or password'
plugin basic --http-auth ntlm
expect_result "--http-auth ntlm against a Basic-only proxy: no credentials sent" 2 \
	'^RPC ENCRYPTION CRITICAL.*does not offer NTLM \(it offers Basic\); no credentials were sent'
plugin basic
expect_result "--http-auth any against a Basic-only proxy: Basic" 0 '^RPC ENCRYPTION OK'
# --- what the proxy says, at once, in an administrator's words -------------------
start_responder e6ba --http-auth ntlm --fault rts:in-status:503 || exit 1
start_responder inclose --http-auth ntlm --fault rts:close || exit 1
start_responder nstall --http-auth ntlm --stall-ntlm RPC_IN_DATA || exit 1
start_responder f403 --http-auth ntlm --fault http-in:status:403 || exit 1
quick() { # DESCRIPTION RC REGEX: the answer at once (well before -t 10), three times
	local i
	for i in 1 2 3; do
		expect_result "$1 (run $i)" "$2" "$3"
		awk -v e="$ELAPSED" 'BEGIN { exit !(e < 5) }' && ok "$1 (run $i): at once, ${ELAPSED}s" ||
			not_ok "$1 (run $i): took ${ELAPSED}s"
		[ "$i" = 3 ] || plugin "${NAME}" -t 10
	done
}
NAME=e6ba; plugin e6ba -t 10
quick "HTTP/1.0 503 RPC Error: 6ba on RPC_IN_DATA after CONN/B1" 2 \
	'^RPC ENCRYPTION CRITICAL.*RPC proxy answered RPC_IN_DATA: HTTP 503 RPC Error: 6ba \(RPC_S_SERVER_UNAVAILABLE\)'
NAME=inclose; plugin inclose -t 10
quick "RPC_IN_DATA closed by the proxy after CONN/B1" 2 \
	'^RPC ENCRYPTION CRITICAL.*the RPC proxy closed the IN channel while its request was open'
plugin nstall -t 2
expect_result "a stalled NTLM NEGOTIATE on RPC_IN_DATA is blamed on the HTTP authentication" 3 \
	'^RPC ENCRYPTION UNKNOWN.*timed out after 2s during connect'
grep -q 'TIMEOUT during connect.*no answer to the NTLM NEGOTIATE of RPC_IN_DATA (HTTP authentication)' <<<"$OUT" &&
	ok "stalled NTLM NEGOTIATE: the probe line names it" || not_ok "stalled NTLM NEGOTIATE: the probe line names it"
plugin f403
expect_result "403 after the credentials were accepted: not called a credentials problem" 2 \
	'^RPC ENCRYPTION CRITICAL.*PROXY_REFUSED.*RPC proxy answered RPC_IN_DATA: HTTP 403.*forbids the request'
# A service that is not HTTP on the port.
"$SYSTEM_PYTHON" -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
for _ in range(8):
    c, _ = s.accept(); c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n"); c.close()
' >"$E2E_TMP/ssh.port" &
E2E_PIDS+=($!)
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$E2E_TMP/ssh.port" ] && break; sleep 0.1; done
run_plugin -H 127.0.0.1 -p "$(cat "$E2E_TMP/ssh.port")" --no-tls -u 'EXAMPLE\probe' -m "$MB" -t 5
expect_result "an SSH banner instead of HTTP: named as not HTTP" 2 \
	'^RPC ENCRYPTION CRITICAL.*is not HTTP: is this port an RPC proxy'
# --- Autodiscover through the same HTTP NTLM ---------------------------------------
ad() { # NAME: -e against responder NAME's Autodiscover endpoint
	local p=${1}_PORT c=${1}_CA
	run_plugin -e probe@example.test -u 'EXAMPLE\probe' -t 10 --ca-file "${!c}" \
		--autodiscover-url "https://localhost:${!p}/autodiscover/autodiscover.xml"
}
ad require
expect_result "Autodiscover and the probes under Extended Protection require: OK" 0 '^RPC ENCRYPTION OK'
grep -q 'http method=POST url=/autodiscover/autodiscover.xml length=0 auth=NTLM' "$require_LOG" &&
	grep -q 'user=EXAMPLE\\probe ok on conn=\([0-9]*\), challenge sent on conn=\1, binding=[0-9a-f]* target=HTTP/localhost' "$require_LOG" &&
	ok "Autodiscover: NTLM NEGOTIATE without a body, then bound AUTHENTICATE for HTTP/localhost" ||
	{ OUT=$(grep 'autodiscover\|http auth' "$require_LOG"); not_ok "Autodiscover: NTLM legs not in the log"; }
ad lb
expect_result "Autodiscover behind a TLS-terminating load balancer: Extended Protection named" 2 \
	'^RPC ENCRYPTION (CRITICAL|UNKNOWN).*Extended Protection'
e2e_summary
