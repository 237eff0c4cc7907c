#!/bin/sh
# NTLMv2 differential test: lib/ntlm against Debian's python3-impacket.
: "${SYSTEM_PYTHON:=/usr/bin/python3}"
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=$top_srcdir}"
if ! "$SYSTEM_PYTHON" -c 'import impacket, Cryptodome' 2>/dev/null; then
	echo "SKIP: $SYSTEM_PYTHON cannot import impacket (apt-get install python3-impacket)"
	exit 77
fi
exec "$SYSTEM_PYTHON" "$top_srcdir/tests/unit/ntlm_diff.py" \
	"$top_builddir/tests/unit/codec_tool" 60
