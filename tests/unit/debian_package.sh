#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian packaging follows the source: debian/changelog's version is
# configure.ac's AC_INIT version (the package is native, built from this
# tree), and every file debian/install, debian/docs and debian/examples
# name exists.  The package itself is built, checked with lintian and
# installed by .ci/deb.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }

ac=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
deb=$(sed -n '1s/^[a-z0-9.+-]* (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
if [ -n "$ac" ] && [ "$ac" = "$deb" ]; then
	ok "debian/changelog version $deb is configure.ac's AC_INIT version"
else
	not_ok "debian/changelog version '$deb' differs from configure.ac's AC_INIT version '$ac'"
fi
# Native: no Debian revision, no upstream tarball of its own.
fmt=$(cat "$top_srcdir/debian/source/format")
[ "$fmt" = "3.0 (native)" ] && ok "debian/source/format is 3.0 (native)" ||
	not_ok "debian/source/format is '$fmt', the version check assumes 3.0 (native)"

missing=
while read -r src _; do
	[ -n "$src" ] || continue
	[ -e "$top_srcdir/$src" ] || missing="$missing $src"
done < <(cat "$top_srcdir/debian/install" "$top_srcdir/debian/docs" "$top_srcdir/debian/examples")
[ -z "$missing" ] && ok "every file debian/install, docs and examples name exists" ||
	not_ok "named by debian/ but missing:$missing"

grep -q '^License: GPL-3.0-or-later$' "$top_srcdir/debian/copyright" &&
	ok "debian/copyright: GPL-3.0-or-later" || not_ok "debian/copyright does not say GPL-3.0-or-later"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
