#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make demo: start the bundled Exchange-like responder twice (RPC encryption
# required, then not required), run the plugin against each with
# --expect required over RPC/HTTP (first from the mailbox's e-mail address
# alone, with Autodiscover) and over RPC/TCP, then MAPI over HTTP against
# a server whose plain http door refuses (403.4) and one that lets the
# logon through in clear, and show what a monitoring system would see.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/e2e/common.sh"
test_require_impacket

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

start_responder req --rpc-tcp --encryption-required true || exit 1
start_responder opt --rpc-tcp --encryption-required false || exit 1
start_responder mapiok --http-auth any --mapi-plain 403.4 || exit 1
start_responder mapiopen --http-auth any --mapi-plain open || exit 1
MAILBOX_ID=3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test

show "Server requires RPC encryption (Set-RpcClientAccess -EncryptionRequired \$true); the rest found by Autodiscover from the address" \
	-e probe@example.test -u "$E2E_USER" --ca-file "$req_CA" \
	--autodiscover-url "https://localhost:$req_PORT/autodiscover/autodiscover.xml" \
	--expect required -v
show "Server does not require RPC encryption (policy drift)" \
	-H localhost -p "$opt_PORT" --ca-file "$opt_CA" -u "$E2E_USER" \
	-m "$E2E_MAILBOX" --expect required -v
show "The same two servers over RPC/TCP (endpoint mapper, as LAN clients connect)" \
	--transport tcp -H 127.0.0.1 -p "$req_EPM" -u "$E2E_USER" \
	-m "$E2E_MAILBOX" --expect required
show "RPC/TCP, encryption not required" \
	--transport tcp -H 127.0.0.1 -p "$opt_EPM" -u "$E2E_USER" \
	-m "$E2E_MAILBOX" --expect required
show "MAPI over HTTP, plain http refused with 403.4 (Require SSL on /mapi)" \
	--transport mapi -H localhost -p "$mapiok_PORT" --ca-file "$mapiok_CA" \
	--plain-port "$mapiok_PLAIN" -u "$E2E_USER" -m "$E2E_MAILBOX" \
	--rpc-server "$MAILBOX_ID" --expect required
show "MAPI over HTTP, the plain http door logs on in clear" \
	--transport mapi -H localhost -p "$mapiopen_PORT" --ca-file "$mapiopen_CA" \
	--plain-port "$mapiopen_PLAIN" -u "$E2E_USER" -m "$E2E_MAILBOX" \
	--rpc-server "$MAILBOX_ID" --expect required
echo
echo "(the password came from CHECK_RPC_ENCRYPTION_PASSWORD; responders stopped)"
