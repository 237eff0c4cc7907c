# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the test scripts.
#
# test_skip REASON: this test cannot run here (exit 77, automake's SKIP).
# Under CI=true the machine was set up by .ci/install-deps on Debian 12,
# where every test must run: a skip there hides a missing install step, so
# it is a hard error (99) that names the reason.
test_skip() {
	if [ "${CI:-}" = true ]; then
		echo "ERROR: CI=true and this test cannot run: $*"
		exit 99
	fi
	echo "SKIP: $*"
	exit 77
}

# test_require_impacket: Debian's python3-impacket (importable only by the
# system interpreter) and its Cryptodome.
test_require_impacket() {
	"${SYSTEM_PYTHON:-/usr/bin/python3}" -c 'import impacket, Cryptodome' 2>/dev/null ||
		test_skip "${SYSTEM_PYTHON:-/usr/bin/python3} cannot import impacket (apt-get install python3-impacket)"
}
