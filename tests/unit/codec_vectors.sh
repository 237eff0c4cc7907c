#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Cross-implementation vectors: lib/ against Debian's python3-impacket.
: "${SYSTEM_PYTHON:=/usr/bin/python3}"
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
test_require_impacket
exec "$SYSTEM_PYTHON" "$top_srcdir/tests/unit/codec_vectors.py" \
	"$top_builddir/tests/unit/codec_tool"
