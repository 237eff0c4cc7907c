#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The channel binding hashes the server certificate as it was sent (RFC 5929
# 4.1: "as it appears, octet for octet, in the server's Certificate
# message"), not OpenSSL's re-encoding of it.
#
# gnutls-serv sends a certificate file's bytes as they are, so it can send
# certificates that are valid but not strict DER: a long-form length on the
# outer SEQUENCE, or on the signature BIT STRING.  OpenSSL accepts both
# (the signed part is untouched, so the signature verifies) and re-encodes
# them minimally.  tests/unit/cbt_tool gets the binding through the
# plugin's own TLS hook (lib/loop, lib/tlsinfo, lib/cbt) for three requests
# on one loop, the later ones on resumed sessions (no Certificate message),
# over TLS 1.2 and 1.3; the expected MsvAvChannelBindings is computed here
# with hashlib from the file bytes (tests/unit/cbt_vectors.sh checks the
# structure against python3-ntlm-auth).  A strict DER certificate is the
# control: there both encodings agree.
: "${SYSTEM_PYTHON:=/usr/bin/python3}"
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
command -v gnutls-serv >/dev/null ||
	test_skip "gnutls-serv not installed (apt-get install gnutls-bin)"
command -v openssl >/dev/null || test_skip "openssl not installed"
TOOL=$top_builddir/tests/unit/cbt_tool
dir=$(mktemp -d)
SERVER=
cleanup() {
	[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; echo "$2" | sed 's/^/# /'; failed=$((failed + 1)); }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes \
	-keyout "$dir/key.pem" -out "$dir/der.pem" -days 30 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost 2>/dev/null || {
	echo "not ok - openssl cannot make a certificate"
	exit 1
}
openssl x509 -in "$dir/der.pem" -outform DER -out "$dir/der.der"

# NAME.pem (the certificate as the server loads and sends it) and
# NAME.expect (the binding of those bytes) for each encoding;
# reencoded.expect is the binding of OpenSSL's DER, which the certificates
# that are not DER must not get.
"$SYSTEM_PYTHON" - "$dir" <<'EOF' || exit 1
import base64, hashlib, struct, sys
d = sys.argv[1]
der = open(d + '/der.der', 'rb').read()

def tlv(b, i):
    """(tag end, header length, content length) of the TLV at i."""
    n = b[i + 1]
    if n < 0x80:
        return 2, n
    k = n & 0x7f
    return 2 + k, int.from_bytes(b[i + 2:i + 2 + k], 'big')

def header(tag, n, long_form):
    if long_form:  # one more length octet than needed: not DER (X.690 10.1)
        k = (n.bit_length() + 7) // 8 + 1
        return bytes([tag, 0x80 | k]) + n.to_bytes(k, 'big')
    if n < 0x80:
        return bytes([tag, n])
    k = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | k]) + n.to_bytes(k, 'big')

h, n = tlv(der, 0)
body = der[h:h + n]
# Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
i = 0
parts = []
while i < len(body):
    hh, nn = tlv(body, i)
    parts.append(body[i:i + hh + nn])
    i += hh + nn
assert len(parts) == 3 and parts[2][0] == 0x03
sig_h, sig_n = tlv(parts[2], 0)
sig_long = header(0x03, sig_n, True) + parts[2][sig_h:]
variants = {
    'der': der,
    'outer': header(0x30, n, True) + body,
    'signature': header(0x30, len(parts[0]) + len(parts[1]) + len(sig_long),
                        False) + parts[0] + parts[1] + sig_long,
}
assert variants['der'] != variants['outer'] != variants['signature']

def binding(cert):
    app = b'tls-server-end-point:' + hashlib.sha256(cert).digest()
    return hashlib.md5(b'\0' * 16 + struct.pack('<I', len(app)) + app).hexdigest()

for name, cert in variants.items():
    b64 = base64.b64encode(cert).decode()
    with open('%s/%s.pem' % (d, name), 'w') as f:
        f.write('-----BEGIN CERTIFICATE-----\n')
        f.write(''.join(b64[j:j + 64] + '\n' for j in range(0, len(b64), 64)))
        f.write('-----END CERTIFICATE-----\n')
    open('%s/%s.expect' % (d, name), 'w').write(binding(cert) + '\n')
open(d + '/reencoded.expect', 'w').write(binding(der) + '\n')
EOF

# OpenSSL reads both and re-encodes them to the DER certificate: the
# bytes a binding of the re-encoding would hash.
for v in outer signature; do
	if openssl x509 -in "$dir/$v.pem" -outform DER | cmp -s - "$dir/der.der" &&
		! cmp -s "$dir/$v.expect" "$dir/reencoded.expect"; then
		ok "$v: OpenSSL re-encodes the certificate to other bytes than sent"
	else
		not_ok "$v: the certificate is not what this test needs" ""
	fi
done

free_port() {
	"$SYSTEM_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server CERT PRIORITY: gnutls-serv on loopback, $PORT, $LOG
start_server() {
	local i
	for i in 1 2 3 4 5; do
		PORT=$(free_port)
		LOG=$dir/server.$1.$2.$i.log
		gnutls-serv --http -a --port "$PORT" --priority "$2" \
			--x509certfile "$dir/$1.pem" --x509keyfile "$dir/key.pem" \
			>"$LOG" 2>&1 &
		SERVER=$!
		for _ in $(seq 50); do
			grep -q 'listening on IPv4' "$LOG" && return 0
			kill -0 "$SERVER" 2>/dev/null || break
			sleep 0.1
		done
		kill "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null
		SERVER=
	done
	return 1
}

stop_server() {
	kill "$SERVER" 2>/dev/null
	wait "$SERVER" 2>/dev/null
	SERVER=
}

for tls in 1.2 1.3; do
	prio="NORMAL:-VERS-ALL:+VERS-TLS$tls"
	for v in der outer signature; do
		what="$v, TLS $tls"
		if ! start_server "$v" "$prio"; then
			not_ok "$what: gnutls-serv did not start" "$(cat "$LOG")"
			continue
		fi
		out=$(timeout 60 "$TOOL" "https://localhost:$PORT/" "$dir/der.pem" 3 2>&1)
		stop_server
		want=$(cat "$dir/$v.expect")
		got=$(echo "$out" | grep -c "^request [123] status 200 tls TLSv$tls binding $want\$")
		if [ "$got" = 3 ]; then
			ok "$what: each request binds to the certificate as sent"
		else
			not_ok "$what: binding of the bytes sent is $want" "$out"
		fi
		if grep -q 'This is a resumed session' "$LOG"; then
			ok "$what: a later request resumed the session (no Certificate message)"
		else
			not_ok "$what: no request resumed the TLS session" "$(cat "$LOG")"
		fi
	done
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
