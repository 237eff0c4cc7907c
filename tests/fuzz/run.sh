#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Build every libFuzzer target in tests/fuzz (fuzz_*.c) with clang-14 under
# ASan + UBSan and run each for a bounded time on its seed corpus.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# `make fuzz-smoke` runs it with a short budget and a fixed seed (FUZZ_SEED=1),
# each target starting from its checked-in seeds alone: every run generates
# the same inputs in the same order, so a red smoke run comes from the change
# under test (how far a run gets in its seconds still depends on the
# machine's speed).  `make fuzz` runs long with a fresh seed per run and
# keeps what it found in the build dir's corpus for the next run.
# Findings (crash-*, leak-*, timeout-*) are left in the build dir and make
# the script fail.
set -euo pipefail
secs=${1:-20}; shift || true
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD_DIR:-$src/tests/fuzz/build}
CC=${FUZZ_CC:-clang-14}
mkdir -p "$out"

. "$src/tests/skip.sh"
command -v "$CC" >/dev/null ||
	test_skip "$CC not installed (apt-get install clang-14 libfuzzer-14-dev)"

cflags=(-g -O1 -std=c11 -fno-sanitize-recover=undefined -I"$src/lib"
        -I"$src/tests/fuzz" $(pkg-config --cflags expat libcurl))
# The fuzzed codecs and sessions are the sans-I/O part of lib/: everything
# but the loop, the transports, the pipes, the probe orchestration, the
# posture checks' and Autodiscover's drivers on the loop.
libsrc=()
for f in "$src"/lib/*.c; do
	case "$(basename "$f")" in
	loop.c|transport_*.c|rpch_pipe.c|rpc_tcp.c|probe.c|mapi_probe.c|posture_run.c|autodiscover_run.c|resolve.c) ;;
	*) libsrc+=("$f") ;;
	esac
done
libs="$(pkg-config --cflags --libs libssl libcrypto expat libcurl krb5-gssapi krb5) -lresolv"

# The library is compiled once (instrumented, without libFuzzer's main) and
# linked into every target.
objdir="$out/obj"
rm -rf "$objdir"
mkdir -p "$objdir"
echo "== lib: building ${#libsrc[@]} files"
printf '%s\n' "${libsrc[@]}" |
	xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
		'f="$1"; shift; o="$0/$(basename "$f" .c).o"; exec "$@" -c -o "$o" "$f"' \
		"$objdir" {} "$CC" "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined
libobj=("$objdir"/*.o)
[ ${#libobj[@]} -eq ${#libsrc[@]} ] || { echo "lib: build failed"; exit 1; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi

seedopt=()
[ -z "${FUZZ_SEED:-}" ] || seedopt=(-seed="$FUZZ_SEED")

failed=0 passed=0
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	echo "== $t: building"
	"$CC" "${cflags[@]}" -fsanitize=fuzzer,address,undefined -o "$out/$t" \
		"$src/tests/fuzz/$t.c" "${libobj[@]}" $libs
	corpus="$out/corpus-$name"
	# A fixed seed starts from the checked-in seeds only.
	[ -z "${FUZZ_SEED:-}" ] || rm -rf "$corpus"
	mkdir -p "$corpus"
	if [ -d "$src/tests/fuzz/corpus/$name" ]; then
		cp -n "$src/tests/fuzz/corpus/$name"/* "$corpus/" 2>/dev/null || true
	fi
	echo "== $t: fuzzing for ${secs}s"
	log="$out/$t.log"
	if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"./$t" "${seedopt[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$out/$t-" "$corpus" >"$log" 2>&1); then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
		[ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#')
		echo "ok   $t: ${execs:-?} executions, no findings"
		passed=$((passed + 1))
	else
		echo "FAIL $t: see $log"
		tail -40 "$log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
