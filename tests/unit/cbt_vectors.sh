#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Channel bindings: lib/cbt and lib/ntlm against openssl-made certificates,
# python3-cryptography and python3-ntlm-auth (tests/unit/cbt_vectors.py).
: "${SYSTEM_PYTHON:=/usr/bin/python3}"
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
test_require_impacket
"$SYSTEM_PYTHON" -c 'import ntlm_auth, cryptography' 2>/dev/null ||
	test_skip "$SYSTEM_PYTHON cannot import ntlm_auth (apt-get install python3-ntlm-auth)"
command -v openssl >/dev/null || test_skip "openssl not installed"
exec "$SYSTEM_PYTHON" "$top_srcdir/tests/unit/cbt_vectors.py" \
	"$top_builddir/tests/unit/codec_tool"
