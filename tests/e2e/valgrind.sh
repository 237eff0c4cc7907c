#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The plugin under valgrind memcheck against the responder: a clean run,
# policy drift, a tampered signature, an HTTP error, a stall into the
# deadline, RPC over TCP, -e (Autodiscover: found, POX error, loop), MAPI
# over HTTP with NTLM (the Disconnect on the Connect's connection, and the
# fallbacks when the server closes it or asks again) and the multi-line
# and mp-test-json renderings.  Any memcheck error or
# definite leak fails the test.
. "$(dirname "$0")/common.sh"
test_require_impacket
command -v valgrind >/dev/null || test_skip "valgrind not installed"
# Not a missing package: the sanitizer pass of CI runs this suite too, and
# valgrind cannot run ASan binaries (the gcc pass runs it).
if [ -n "${ASAN_OPTIONS+x}" ] || nm "$PLUGIN" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: sanitizer build (valgrind cannot run ASan binaries)"
	exit 77
fi
MB=$E2E_MAILBOX
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)

vg_run() { # DESCRIPTION RC [plugin args...]
	local desc=$1 want=$2; shift 2
	OUT=$(CHECK_RPC_ENCRYPTION_PASSWORD="$E2E_PASSWORD" "${VG[@]}" "$PLUGIN" \
		-u "$E2E_USER" -m "$MB" "$@" 2>&1)
	RC=$?
	FIRST=${OUT%%$'\n'*}
	ELAPSED=-
	if [ "$RC" = "$want" ] && ! grep -q '^==[0-9]*==' <<<"$OUT"; then
		ok "valgrind: $desc"
	else
		not_ok "valgrind: $desc (want rc=$want, no memcheck report)"
	fi
}

vg_case() { # DESCRIPTION RC RESPONDER [plugin args...]: over RPC/HTTP
	local desc=$1 want=$2 name=$3; shift 3
	local p="${name}_PORT" c="${name}_CA"
	vg_run "$desc" "$want" -H localhost -p "${!p}" --ca-file "${!c}" "$@"
}

start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1
start_responder sig --fault logon:badsig || exit 1
start_responder e503 --fault http-out:status:503 || exit 1
start_responder stall --fault bind:stall || exit 1
start_responder epmstall --rpc-tcp --fault epm:stall || exit 1
start_responder adloop --ad-loop || exit 1

vg_case "encryption enforced" 0 req -t 20
vg_case "policy drift" 2 opt -t 20
vg_case "policy drift, --output-format=multi-line" 2 opt -t 20 --output-format=multi-line
vg_case "policy drift, --output-format=mp-test-json" 0 opt -t 20 --output-format=mp-test-json
vg_case "tampered signature" 2 sig -t 20
vg_case "HTTP 503" 2 e503 -t 20
vg_case "stall until the deadline" 3 stall -t 4 -vvv
vg_run "RPC/TCP: encryption enforced" 0 --transport tcp -H 127.0.0.1 -p "$req_EPM" -t 20 -vv
vg_run "RPC/TCP: endpoint mapper stalls into the deadline" 3 --transport tcp -H 127.0.0.1 \
	-p "$epmstall_EPM" -t 4
ad_url() { echo "https://localhost:$1/autodiscover/autodiscover.xml"; }
vg_run "Autodiscover (-e), then the probes" 0 -e probe@example.test --ca-file "$req_CA" \
	--autodiscover-url "$(ad_url "$req_PORT")" -t 20 -v
vg_run "Autodiscover: POX error" 2 -e nobody@example.test --ca-file "$req_CA" \
	--autodiscover-url "$(ad_url "$req_PORT")" -t 20
vg_run "Autodiscover: redirect loop" 2 -e probe@example.test --ca-file "$adloop_CA" \
	--autodiscover-url "$(ad_url "$adloop_PORT")" -t 20
MID=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test
start_responder mapi --http-auth any --mapi-plain closed || exit 1
start_responder mapiclose --http-auth any --mapi-plain closed --mapi-fault close || exit 1
start_responder mapireauth --http-auth any --mapi-plain closed --mapi-fault reauth || exit 1
for name in mapi mapiclose mapireauth; do
	p="${name}_PORT" c="${name}_CA" pl="${name}_PLAIN"
	vg_run "MAPI over HTTP, NTLM ($name)" 0 --transport mapi -H localhost -p "${!p}" \
		--ca-file "${!c}" --plain-port "${!pl}" --rpc-server "$MID" -t 20 -vv
done
e2e_summary
