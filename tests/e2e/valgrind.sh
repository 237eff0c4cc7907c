#!/bin/bash
# The plugin under valgrind memcheck against the responder: a clean run,
# policy drift, a tampered signature, an HTTP error and a stall into the
# deadline.  Any memcheck error or definite leak fails the test.
. "$(dirname "$0")/common.sh"
e2e_require_impacket
if ! command -v valgrind >/dev/null; then
	echo "SKIP: valgrind not installed"
	exit 77
fi
if [ -n "${ASAN_OPTIONS+x}" ] || nm "$PLUGIN" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: sanitizer build (valgrind cannot run ASan binaries)"
	exit 77
fi
MB=$E2E_MAILBOX
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)

vg_case() { # DESCRIPTION RC RESPONDER [plugin args...]
	local desc=$1 want=$2 name=$3; shift 3
	local p="${name}_PORT" c="${name}_CA" t0 t1
	OUT=$(CHECK_RPC_ENCRYPTION_PASSWORD="$E2E_PASSWORD" "${VG[@]}" "$PLUGIN" \
		-H localhost -p "${!p}" --ca-file "${!c}" -u "$E2E_USER" -m "$MB" "$@" 2>&1)
	RC=$?
	FIRST=${OUT%%$'\n'*}
	ELAPSED=-
	if [ "$RC" = "$want" ] && ! grep -q '^==[0-9]*==' <<<"$OUT"; then
		ok "valgrind: $desc"
	else
		not_ok "valgrind: $desc (want rc=$want, no memcheck report)"
	fi
}

start_responder req --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1
start_responder sig --fault logon:badsig || exit 1
start_responder e503 --fault http-out:status:503 || exit 1
start_responder stall --fault bind:stall || exit 1

vg_case "encryption enforced" 0 req -t 20
vg_case "policy drift" 2 opt -t 20
vg_case "tampered signature" 2 sig -t 20
vg_case "HTTP 503" 2 e503 -t 20
vg_case "stall until the deadline" 3 stall -t 4 -vvv
e2e_summary
