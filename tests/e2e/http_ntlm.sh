#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# HTTP NTLM on libcurl (lib/transport_ntlm + lib/httpntlm, driven by
# tests/e2e/ntlm_http_tool) against the responder's IIS-like Extended
# Protection: concurrent channels each keep their CHALLENGE and AUTHENTICATE
# on one connection (the tool's local ports and the responder's log agree),
# the channel binding of the live TLS connection passes "require", NTLM
# inside Negotiate works, non-ASCII credentials work, and the failures are
# named (binding to another certificate, wrong password, no NTLM offered).
. "$(dirname "$0")/common.sh"
test_require_impacket
TOOL="$top_builddir/tests/e2e/ntlm_http_tool"
U='prøbe' P='pässwörd€'
CREDS=(--user "$U" --password "$P")
start_responder req --http-auth ntlm --extended-protection require "${CREDS[@]}" || exit 1
start_responder allow --http-auth any --extended-protection allow --offer-negotiate "${CREDS[@]}" || exit 1
start_responder lb --http-auth ntlm --extended-protection require --ep-bind-cert other "${CREDS[@]}" || exit 1
start_responder basic --http-auth basic "${CREDS[@]}" || exit 1

tool() { # NAME CHANNELS [negotiate]: OUT, RC
	local port=${1}_PORT ca=${1}_CA
	OUT=$(NTLM_HTTP_PASSWORD="${PW:-$P}" timeout 30 $VALGRIND "$TOOL" \
		"https://localhost:${!port}/rpc/rpcproxy.dll?localhost:1" "${!ca}" "$U" EXAMPLE - "${@:2}" 2>&1)
	RC=$? FIRST=${OUT%%$'\n'*} ELAPSED=-
}
# every line of OUT matches REGEX, and there are N of them
all_lines() { # DESCRIPTION N REGEX
	if [ "$(grep -cE "$3" <<<"$OUT")" = "$2" ] && [ "$(wc -l <<<"$OUT")" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1 (want $2 lines ~ /$3/)"
	fi
}

tool req 4
all_lines "require: four concurrent NTLM channels authenticated with channel binding" 4 \
	'^chan [0-3] status 503 scheme NTLM bound 1 challenge_port ([0-9]+) authenticate_port \1$'
# The responder's side: each client port's connection got the CHALLENGE and
# accepted the AUTHENTICATE.
same=0
for port in $(sed -n 's/.*challenge_port \([0-9]*\) .*/\1/p' <<<"$OUT"); do
	conn=$(sed -n "s/.* conn=\([0-9]*\) accept peer=127.0.0.1:$port\$/\1/p" "$req_LOG")
	[ -n "$conn" ] && grep -q "conn=$conn http auth=ntlm user=EXAMPLE\\\\$U ok on conn=$conn, challenge sent on conn=$conn, binding=[0-9a-f]* target=HTTP/localhost" "$req_LOG" &&
		same=$((same + 1))
done
[ "$same" = 4 ] && ok "require: the responder saw each CHALLENGE and AUTHENTICATE on the client's connection" ||
	{ OUT=$(cat "$req_LOG"); not_ok "require: responder log does not show 4 single-connection handshakes ($same)"; }

tool allow 2 negotiate
all_lines "allow: NTLM inside Negotiate, bound" 2 '^chan [01] status 503 scheme Negotiate bound 1 '
tool lb 1
all_lines "require behind a TLS-terminating load balancer: refused, Extended Protection named" 1 \
	'^chan 0 error .*refused the NTLM credentials after a complete handshake \(HTTP 401\).*Extended Protection'
PW=wrong tool req 1
all_lines "wrong password: refused after a complete handshake" 1 'bad user name or password'
grep -q 'rejected: wrong password for EXAMPLE' "$req_LOG" && ok "wrong password: the responder says so" ||
	{ OUT=$(cat "$req_LOG"); not_ok "wrong password: not in the responder log"; }
tool basic 1
all_lines "Basic only: no NTLM offered, no credentials sent" 1 \
	'does not offer NTLM \(it offers Basic\); no credentials were sent'

# valgrind cannot run a sanitizer build (CI's ASan pass runs this too).
if command -v valgrind >/dev/null && ! nm "$TOOL" 2>/dev/null | grep -q __asan_init; then
	VALGRIND="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite"
	tool req 2
	if [ "$RC" = 0 ]; then
		all_lines "valgrind: two channels clean" 2 '^chan [01] status 503 '
	else
		not_ok "valgrind: rc=$RC"
	fi
fi
e2e_summary
