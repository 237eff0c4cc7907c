#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end: --output-format against the bundled responder.  mp-test-json
# must be JSON (json.loads) with Monitoring Plugins 3's keys only (lib/output.c:
# state, summary, checks; output, state, perfdata, checks), the states of
# the classic run, every subcheck kind of the tree, and server-chosen text
# (the display name) escaped; multi-line must have MP 3's shape; both must
# name the same state and perfdata as classic.
. "$(dirname "$0")/common.sh"
test_require_impacket

MB=$E2E_MAILBOX
# A display name with everything that could break a format: quotes, a
# backslash, '|', a newline, an escape byte.
EVIL=$'Probe "User" \\ | x=1\n[OK] - forged\e[0m'
start_responder req --encryption-required true --display-name "$EVIL" || exit 1

base() { echo "-H localhost -p $req_PORT --ca-file $req_CA -u EXAMPLE\\probe"; }

# validate_json FILE EXPECTED-STATE: checks the MP 3 shape; prints why not.
validate_json() {
	"$SYSTEM_PYTHON" - "$1" "$2" <<'EOF'
import json, sys
text = open(sys.argv[1], encoding='utf-8').read()
doc = json.loads(text)
STATES = {'OK', 'WARNING', 'CRITICAL', 'UNKNOWN'}
def fail(msg):
    print(msg); sys.exit(1)
if set(doc) - {'state', 'summary', 'checks'}:
    fail('top-level keys %s' % sorted(doc))
if doc['state'] != sys.argv[2]:
    fail('state %s, want %s' % (doc['state'], sys.argv[2]))
if not isinstance(doc['summary'], str):
    fail('summary not a string')
def value(v, where):
    if set(v) != {'type', 'value'} or v['type'] != 'double':
        fail('%s: value %r' % (where, v))
def walk(c, depth):
    if set(c) - {'output', 'state', 'perfdata', 'checks'}:
        fail('subcheck keys %s' % sorted(c))
    if c['state'] not in STATES or not isinstance(c['output'], str):
        fail('subcheck %r' % c)
    for p in c.get('perfdata', []):
        if set(p) - {'label', 'value', 'uom', 'warn', 'crit', 'min', 'max'}:
            fail('perfdata keys %s' % sorted(p))
        value(p['value'], p['label'])
        for k in ('min', 'max'):
            if k in p:
                value(p[k], p['label'])
        for k in ('warn', 'crit'):
            if k in p and set(p[k]) != {'alert_on_inside', 'start', 'end'}:
                fail('range keys %s' % sorted(p[k]))
    for s in c.get('checks', []):
        walk(s, depth + 1)
for c in doc.get('checks', []):
    walk(c, 1)
EOF
}

# jq-less queries: json_get FILE PYTHON-EXPRESSION-ON-doc
json_get() {
	"$SYSTEM_PYTHON" -c 'import json,sys; doc=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# --- mp-test-json ----------------------------------------------------------------
# shellcheck disable=SC2046
run_plugin $(base) -m "$MB" --expect optional --output-format=mp-test-json
printf '%s\n' "$OUT" >"$E2E_TMP/crit.json"
if [ "$RC" = 0 ] && why=$(validate_json "$E2E_TMP/crit.json" CRITICAL); then
	ok "mp-test-json: valid JSON, MP 3 keys, state CRITICAL, exit status 0 (as MP 3)"
else
	not_ok "mp-test-json: valid JSON with MP 3 keys ($why)"
fi
"$SYSTEM_PYTHON" -m json.tool "$E2E_TMP/crit.json" >/dev/null &&
	ok "mp-test-json: python3 -m json.tool accepts it" ||
	not_ok "mp-test-json: python3 -m json.tool accepts it"
[ "$(wc -l <"$E2E_TMP/crit.json")" = 1 ] && ok "mp-test-json: one line" ||
	not_ok "mp-test-json: one line"

tree=$(json_get "$E2E_TMP/crit.json" "' / '.join([doc['checks'][0]['state'], doc['checks'][0]['checks'][0]['state'], doc['checks'][0]['checks'][1]['state'], doc['checks'][0]['checks'][0]['checks'][0]['output']])")
if [[ $tree == "CRITICAL / OK / CRITICAL / steps before the logon (encrypted probe)" ]]; then
	ok "mp-test-json: address -> probes (the unencrypted one CRITICAL) -> steps"
else
	not_ok "mp-test-json: address -> probes -> steps (got: $tree)"
fi
adv=$(json_get "$E2E_TMP/crit.json" "doc['checks'][0]['output']")
[[ $adv == *"Set-RpcClientAccess -Server localhost -EncryptionRequired \$false"* ]] &&
	ok "mp-test-json: the remediation is in the address's output" ||
	not_ok "mp-test-json: the remediation is in the address's output"
name=$(json_get "$E2E_TMP/crit.json" "doc['checks'][0]['checks'][0]['output'].split('logged on as ')[1].splitlines()[0]")
want='"Probe "User" \   x=1 [OK] - forged\x1b[0m"'
[ "$name" = "$want" ] &&
	ok "mp-test-json: the server's display name round-trips, sanitised and escaped" ||
	not_ok "mp-test-json: display name: got [$name], want [$want]"
labels=$("$SYSTEM_PYTHON" -c '
import json, sys
def walk(l):
    for c in l:
        yield from (p["label"] for p in c.get("perfdata", []))
        yield from walk(c.get("checks", []))
print(" ".join(sorted(walk(json.load(open(sys.argv[1])).get("checks", [])))))' "$E2E_TMP/crit.json")
# shellcheck disable=SC2046
run_plugin $(base) -m "$MB" --expect optional
classic=$(sed -n '1s/.* | //p' <<<"$OUT" | tr ' ' '\n' | sed 's/=.*//' | sort | tr '\n' ' ')
if [ "$RC" = 2 ] && [ "$labels " = "$classic" ]; then
	ok "mp-test-json: the same perfdata labels as classic (and classic exits 2)"
else
	not_ok "mp-test-json: perfdata labels [$labels] vs classic [$classic] rc=$RC"
fi

# --- multi-line --------------------------------------------------------------------
# shellcheck disable=SC2046
run_plugin $(base) -m "$MB" --output-format multi-line
shape=1
[[ $FIRST =~ ^\[OK\]\ -\ localhost\ requires\ RPC\ encryption ]] || shape=0
grep -q $'^\t\\\\_\\[OK\\] - localhost requires RPC encryption' <<<"$OUT" || shape=0
grep -q $'^\t\t\\\\_\\[OK\\] - encrypted probe (' <<<"$OUT" || shape=0
grep -q $'^\t\t\\\\_\\[OK\\] - unencrypted probe (' <<<"$OUT" || shape=0
grep -q $'^\t\t\t\\\\_\\[OK\\] - steps before the logon (encrypted probe)$' <<<"$OUT" || shape=0
grep -q $'^\t\t\t\t\\\\_\\[OK\\] - TLS ' <<<"$OUT" || shape=0
grep -q $'^\t\t\tphases: connect ' <<<"$OUT" || shape=0
last=${OUT##*$'\n'}
[[ $last == *"|encryption_enforced=1;;;0;1 "*"encrypted_time="* ]] || shape=0
[ "$(grep -c '|' <<<"$OUT")" = 1 ] || shape=0
if [ "$RC" = 0 ] && [ $shape = 1 ]; then
	ok "multi-line: [STATE] - summary, one \\_[STATE] line per subcheck by depth, perfdata after the last"
else
	not_ok "multi-line: MP 3 shape"
fi
# shellcheck disable=SC2046
run_plugin $(base) -m "$MB" --output-format=MULTI-LINE --expect optional
[ "$RC" = 2 ] && [[ $FIRST == "[CRITICAL] - "* ]] &&
	ok "multi-line: exit status is the state (2); the name is case-insensitive" ||
	not_ok "multi-line: exit status 2"

# --- the format reaches early results, ini files and bad values ---------------------
run_plugin -H localhost -u 'EXAMPLE\probe' --output-format=mp-test-json
printf '%s\n' "$OUT" >"$E2E_TMP/usage.json"
if why=$(validate_json "$E2E_TMP/usage.json" UNKNOWN); then
	ok "mp-test-json: a usage error is JSON too"
else
	not_ok "mp-test-json: usage error ($why)"
fi
run_plugin -H localhost -u 'EXAMPLE\probe' -m "$MB" --output-format=json
expect_result "an unknown format is UNKNOWN in classic" 3 \
	"^RPC ENCRYPTION UNKNOWN - --output-format must be classic, multi-line or mp-test-json, not 'json'"
printf '[formats]\noutput-format=multi-line\n' >"$E2E_TMP/plugins.ini"
# shellcheck disable=SC2046
run_plugin $(base) -m "$MB" --extra-opts="formats@$E2E_TMP/plugins.ini"
[ "$RC" = 0 ] && [[ $FIRST == "[OK] - localhost requires RPC encryption"* ]] &&
	ok "output-format= in an --extra-opts section" ||
	not_ok "output-format= in an --extra-opts section"
# shellcheck disable=SC2046
run_plugin $(base) -m "$MB" --extra-opts="formats@$E2E_TMP/plugins.ini" --output-format=classic
[ "$RC" = 0 ] && [[ $FIRST == "RPC ENCRYPTION OK - "* ]] &&
	ok "--output-format=classic on the command line overrides the ini" ||
	not_ok "--output-format=classic overrides the ini"

e2e_summary
