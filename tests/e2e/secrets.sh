#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The password never leaves the plugin: not in stdout/stderr at -vvv (HTTP
# Basic and NTLM at the proxy and at Autodiscover (-e), success and
# failure), not its Basic
# encoding, not its NT hash; the plugin starts no child process that could
# inherit it; --password does not exist.
. "$(dirname "$0")/common.sh"
test_require_impacket
MB=$E2E_MAILBOX
SECRET='S3cr3t-Pa55w0rd-for-tests!'
NTHASH=$("$SYSTEM_PYTHON" -c 'import sys; from impacket import ntlm; print(ntlm.compute_nthash(sys.argv[1]).hex())' "$SECRET")
BASIC=$(printf '%s' "EXAMPLE\\probe:$SECRET" | base64 -w0)

start_responder basic --password "$SECRET" --http-auth basic || exit 1
start_responder ntlm --password "$SECRET" --http-auth ntlm || exit 1

leaks() {
	grep -qiF -e "$SECRET" -e "$NTHASH" -e "$BASIC" <<<"$OUT"
}

for name in basic ntlm; do
	for pw in "$SECRET" "wrong-$SECRET"; do
		p="${name}_PORT" c="${name}_CA"
		for ad in "" -e; do
			args=(-H localhost -p "${!p}" -m "$MB")
			[ -n "$ad" ] && args=(-e probe@example.test --autodiscover-url \
				"https://localhost:${!p}/autodiscover/autodiscover.xml")
			E2E_PW=$pw run_plugin "${args[@]}" --ca-file "${!c}" -u "$E2E_USER" -vvv
			what="-vvv${ad:+ $ad (Autodiscover)}, HTTP $name, $([ "$pw" = "$SECRET" ] && echo right || echo wrong) password"
			if [ -n "$OUT" ] && ! leaks; then ok "$what: no password, hash or Basic token in the output"
			else not_ok "$what: secret in the output"; fi
			grep -q 'Authorization: <redacted>' <<<"$OUT" && ok "$what: Authorization header redacted" \
				|| not_ok "$what: Authorization header redacted"
		done
	done
done

# --posture adds its own requests (an unbound NTLM logon, TLS handshakes):
# nothing of the password there either.
for name in basic ntlm; do
	p="${name}_PORT" c="${name}_CA"
	run_plugin -H localhost -p "${!p}" -m "$MB" --ca-file "${!c}" -u "$E2E_USER" -vvv --posture
	if [ -n "$OUT" ] && ! leaks; then ok "--posture -vvv, HTTP $name: no password, hash or Basic token in the output"
	else not_ok "--posture -vvv, HTTP $name: secret in the output"; fi
done

printf '%s\n' "$SECRET" > "$E2E_TMP/pw"
chmod 600 "$E2E_TMP/pw"
unset CHECK_RPC_ENCRYPTION_PASSWORD
OUT=$("$PLUGIN" --password "$SECRET" -H localhost -u x -m y 2>&1); RC=$?
FIRST=${OUT%%$'\n'*}
[ "$RC" = 3 ] && ! leaks && ok "--password is refused without echoing it" || not_ok "--password is refused without echoing it"

if command -v strace >/dev/null; then
	# LeakSanitizer cannot run under ptrace; leaks are checked elsewhere.
	OUT=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=execve -o "$E2E_TMP/trace" "$PLUGIN" -H localhost -p "$basic_PORT" \
		--ca-file "$basic_CA" -u "$E2E_USER" -m "$MB" --password-file "$E2E_TMP/pw" 2>&1); RC=$?
	FIRST=${OUT%%$'\n'*}
	n=$(grep -c 'execve(' "$E2E_TMP/trace")
	if [ "$RC" = 0 ] && [ "$n" = 1 ]; then ok "no child process is started (one execve)"
	else not_ok "no child process is started ($n execve, rc $RC)"; fi
	grep -qF "$SECRET" "$E2E_TMP/trace" && not_ok "password on an exec argv" || ok "password on no exec argv"
elif [ "${CI:-}" = true ]; then
	not_ok "strace is installed (CI=true: the child-process check must run)"
else
	echo "strace not installed: child-process check skipped"
fi
e2e_summary
