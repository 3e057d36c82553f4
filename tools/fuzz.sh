#!/bin/sh
# Build the libFuzzer targets in tests/fuzz/ with clang (address and
# undefined-behaviour sanitizers) and run each for SECONDS seconds, with a
# corpus seeded from samples/ and archives made from them. Used by
# `make fuzz FUZZ_SECONDS=N` and, with a few seconds per target, by
# `make check`. Where clang or its fuzzer runtime is missing it says so and
# exits 0 (unless FUZZ_REQUIRED=1).
#
# Usage: tools/fuzz.sh SECONDS [TARGET...]
set -u
secs=${1:-60}
shift 2>/dev/null || true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
out=build-fuzz
CC_FUZZ=${CC_FUZZ:-clang}

skip() {
	echo "fuzz: skipped: $*"
	[ "${FUZZ_REQUIRED:-0}" = 1 ] && exit 1
	exit 0
}

command -v "$CC_FUZZ" >/dev/null 2>&1 || skip "no $CC_FUZZ (apt-get install clang libclang-rt-14-dev)"
mkdir -p "$out/obj" "$out/corpus"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' >"$out/probe.c"
"$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$out/probe.c" -o "$out/probe" >/dev/null 2>&1 ||
	skip "$CC_FUZZ cannot link libFuzzer (apt-get install libclang-rt-14-dev)"

pkgs="libpcre2-8 yaml-0.1 zlib libcjson libcrypto"
defs=""
# The optional libraries, as the Makefile finds them (NO_HS=1 / NO_ISAL=1
# fuzz the base configuration), so their code paths are fuzzed too.
if [ "${NO_HS:-0}" != 1 ] && pkg-config --exists libhs 2>/dev/null; then
	pkgs="$pkgs libhs"
	defs="$defs -DHAVE_HYPERSCAN=1"
fi
if [ "${NO_ISAL:-0}" != 1 ] && pkg-config --exists libisal 2>/dev/null; then
	pkgs="$pkgs libisal"
	defs="$defs -DHAVE_ISAL=1"
fi
flags="-g -O1 -std=c11 -D_GNU_SOURCE -DKTRIAGE_VERSION=\"fuzz\" -Ianalyzer -Ibuild $(pkg-config --cflags $pkgs)$defs"
libs="$(pkg-config --libs $pkgs) -lm -pthread"
# Objects built with other flags are rebuilt.
if [ "$(cat "$out/flags" 2>/dev/null)" != "$flags" ]; then
	rm -f "$out"/obj/*.o
	echo "$flags" >"$out/flags"
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

# The library, once, with coverage instrumentation.
make -s --no-print-directory build/rules_embedded.c >/dev/null || exit 2
objs=""
# The newest header: an object older than it may have a stale struct.
newest_h=$(ls -t analyzer/*.h | head -n 1)
for src in analyzer/*.c build/rules_embedded.c; do
	case "$src" in analyzer/main.c) continue ;; esac
	o="$out/obj/$(basename "$src" .c).o"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		"$CC_FUZZ" $flags $san -fsanitize=fuzzer-no-link -c "$src" -o "$o" || exit 2
	fi
	objs="$objs $o"
done

targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
jobs=${FUZZ_JOBS:-1}
for t in $targets; do
	"$CC_FUZZ" $flags $san -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" $objs $libs -o "$out/fuzz_$t" || exit 2
done

# run_one TARGET: fuzz it for $secs; exit status 1 when it found something.
run_one() {
	t=$1
	bin="$out/fuzz_$t"
	corpus="$out/corpus/$t"
	mkdir -p "$corpus"
	# Seeds: the samples, archives of them, and the target's own seeds.
	if [ -z "$(ls -A "$corpus")" ]; then
		find samples tests/e2e -type f -size -256k 2>/dev/null | head -n 200 |
			while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr '/' '_')"; done
		[ -d "tests/fuzz/seeds/$t" ] && cp tests/fuzz/seeds/$t/* "$corpus/" 2>/dev/null
		if [ "$t" = source ] && [ -d samples ]; then
			tar cf "$corpus/samples.tar" samples 2>/dev/null
			gzip -c "$corpus/samples.tar" >"$corpus/samples.tar.gz"
		fi
	fi
	if ! "$bin" "$corpus" -max_total_time="$secs" -rss_limit_mb=2048 \
		-timeout=10 -max_len=1048576 -artifact_prefix="$out/crash-$t-" \
		-print_final_stats=1 >"$out/fuzz-$t.log" 2>&1; then
		echo "fuzz: $t FAILED; see $out/fuzz-$t.log and $out/crash-$t-*"
		tail -n 30 "$out/fuzz-$t.log"
		return 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$t.log")
	echo "fuzz: $t: ${secs}s, ${runs:-?} runs, nothing found ($(grep -E '^#[0-9]+.*DONE' "$out/fuzz-$t.log" | tail -n 1 | sed 's/  */ /g'))"
	return 0
}

# FUZZ_JOBS targets at a time (CI gives two, one per core).
status=0
set -- $targets
while [ $# -gt 0 ]; do
	pids=""
	i=0
	while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
		echo "fuzz: $1 for ${secs}s"
		run_one "$1" >"$out/result-$1.txt" 2>&1 &
		pids="$pids $!:$1"
		shift
		i=$((i + 1))
	done
	for pt in $pids; do
		wait "${pt%%:*}" || status=1
		cat "$out/result-${pt#*:}.txt"
	done
done
exit $status
