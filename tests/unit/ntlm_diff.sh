#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# NTLMv2 differential test: lib/ntlm against Debian's python3-impacket.
: "${SYSTEM_PYTHON:=/usr/bin/python3}"
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
test_require_impacket
exec "$SYSTEM_PYTHON" "$top_srcdir/tests/unit/ntlm_diff.py" \
	"$top_builddir/tests/unit/codec_tool" 60
