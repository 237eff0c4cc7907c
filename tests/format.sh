#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The C sources in the house style of .clang-format (clang-format 14, as on
# Debian 12).
#
#   tests/format.sh [--check] [FILE...]   list what differs, with the number
#                                         of changed lines; exit 1 if any
#   tests/format.sh --fix [FILE...]       reformat in place
#   tests/format.sh --diff [FILE...]      print the diff
#
# Without FILEs: every tracked .c and .h file (git ls-files), else every one
# under lib/, plugins/ and tests/.  `make format` and `make format-check`
# call it.  Regions between /* clang-format off */ and /* clang-format on */
# (the --help text) are left as written.

set -u
mode=check
case "${1:-}" in
--check) shift ;;
--fix) mode=fix; shift ;;
--diff) mode=diff; shift ;;
-*) echo "usage: $0 [--check|--fix|--diff] [FILE...]" >&2; exit 2 ;;
esac
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top_srcdir" || exit 2

CF=${CLANG_FORMAT:-}
if [ -z "$CF" ]; then
	for c in clang-format-14 clang-format; do
		command -v "$c" > /dev/null 2>&1 && { CF=$c; break; }
	done
fi
if [ -z "$CF" ]; then
	# As a test of `make check` (--check) this is a skip, which CI=true
	# turns into an error: .ci/install-deps installs clang-format-14.
	if [ "$mode" = check ]; then
		. "$top_srcdir/tests/skip.sh"
		test_skip "no clang-format (apt-get install clang-format-14)"
	fi
	echo "$0: no clang-format (apt-get install clang-format-14)" >&2
	exit 2
fi
case "$("$CF" --version)" in
*" 14."*) ;;
*) echo "$0: warning: $("$CF" --version) is not clang-format 14; its output may differ" >&2 ;;
esac

if [ $# -eq 0 ]; then
	if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
		set -- $(git ls-files '*.c' '*.h')
	else
		set -- $(find lib plugins tests -name '*.[ch]' | sort)
	fi
fi

files=0 lines=0 bad=0
for f in "$@"; do
	files=$((files + 1))
	case $mode in
	fix)
		"$CF" -i --style=file "$f" || bad=$((bad + 1))
		continue ;;
	esac
	d=$("$CF" --style=file "$f" | diff -u "$f" - | sed '1,2d')
	[ -n "$d" ] || continue
	n=$(printf '%s\n' "$d" | grep -c '^[-+]')
	bad=$((bad + 1))
	lines=$((lines + n))
	if [ "$mode" = diff ]; then
		printf -- '--- %s\n+++ %s (formatted)\n%s\n' "$f" "$f" "$d"
	else
		printf '%6d %s\n' "$n" "$f"
	fi
done
if [ "$mode" = fix ]; then
	echo "formatted $files files"
	[ "$bad" -eq 0 ]
	exit
fi
echo "$bad of $files files differ from .clang-format ($lines lines changed); tests/format.sh --fix formats them" >&2
[ "$bad" -eq 0 ]
