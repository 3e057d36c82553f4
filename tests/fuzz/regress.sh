#!/bin/sh
# Replay the inputs that fuzzing once crashed on (tests/fuzz/regress/<target>/)
# through the fuzz targets, built without libFuzzer against the library of
# the build under test (the directory of $KTRIAGE, or $1), with the
# sanitizers when that build has them (its path contains "asan"). One line
# per target: "<target>: N inputs ok", or what failed.
#
# Usage: tests/fuzz/regress.sh [BUILD_DIR]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
build=${1:-$(dirname "${KTRIAGE:-build/ktriage}")}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
CC=${CC:-cc}
if [ -f "$build/flags" ]; then
	# The flags the build was made with (optional libraries included).
	cflags=$(sed -n 1p "$build/flags")
	libs=$(sed -n 2p "$build/flags")
else
	pkgs=$(sed -n 's/^PKGS *= *//p' Makefile)
	cflags=$(pkg-config --cflags $pkgs)
	libs="$(pkg-config --libs $pkgs) -lm"
fi
san=""
case "$build" in *asan*) san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for dir in tests/fuzz/regress/*/; do
	t=$(basename "$dir")
	src=tests/fuzz/fuzz_$t.c
	[ -f "$src" ] || continue
	bin="$tmp/fuzz_$t"
	# shellcheck disable=SC2086
	if ! $CC -std=c11 -g -O1 -D_GNU_SOURCE -Ianalyzer -I"$build" $san \
		$cflags -o "$bin" "$src" tests/fuzz/standalone.c \
		"$build/obj/rules_embedded.o" "$build/libktriage.a" \
		$libs >"$tmp/cc.log" 2>&1; then
		echo "$t: FAILED to build"
		sed 's/^/    /' "$tmp/cc.log" | head -20
		status=1
		continue
	fi
	n=0
	bad=""
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		if ! ASAN_OPTIONS=detect_leaks=1 timeout 60 "$bin" "$f" >"$tmp/out" 2>&1; then
			bad="$bad $(basename "$f")"
			sed 's/^/    /' "$tmp/out" | head -20
		fi
	done
	if [ -n "$bad" ]; then
		echo "$t: FAILED on$bad"
		status=1
	else
		echo "$t: $n inputs ok"
	fi
done
exit $status
