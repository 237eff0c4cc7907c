#!/bin/bash
# make demo: start the bundled Exchange-like responder twice (RPC encryption
# required, then not required), run the plugin against each with
# --expect required, and show what a monitoring system would see.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/e2e/common.sh"
e2e_require_impacket

show() {
	local title=$1; shift
	echo
	echo "=== $title"
	printf '$ check_rpc_encryption'
	printf ' %q' "$@"
	echo
	run_plugin "$@"
	echo "$OUT"
	echo "(exit code $RC)"
}

start_responder req --encryption-required true || exit 1
start_responder opt --encryption-required false || exit 1

show "Server requires RPC encryption (Set-RpcClientAccess -EncryptionRequired \$true)" \
	-H localhost -p "$req_PORT" --ca-file "$req_CA" -u "$E2E_USER" \
	-m "$E2E_MAILBOX" --expect required -v
show "Server does not require RPC encryption (policy drift)" \
	-H localhost -p "$opt_PORT" --ca-file "$opt_CA" -u "$E2E_USER" \
	-m "$E2E_MAILBOX" --expect required -v
echo
echo "(the password came from CHECK_RPC_ENCRYPTION_PASSWORD; responders stopped)"
