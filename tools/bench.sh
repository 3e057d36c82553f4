#!/bin/sh
# `make bench`: generate a realistic bundle deterministically (tools/
# genbundle.c), then time side by side, in one run: the inflate floor,
# ktriage on the .tar.gz, ktriage on the extracted tree, ripgrep and grep
# with the rule pack's own regexes (`ktriage rules export-patterns`), and
# `rg -z` on the .tar.gz. Prints MB/s of uncompressed data, the ratios and
# peak RSS. BENCH_LOG_MB and BENCH_DUMP_MB set the size (default 1024 and
# 200); BENCH_GATE=1 exits 1 when ktriage is slower than grep -E -f (the
# gross-regression check CI runs on a small bundle).
#
# Usage: tools/bench.sh BUILD_DIR
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
log_mb=${BENCH_LOG_MB:-1024}
dump_mb=${BENCH_DUMP_MB:-200}
out=build-bench
kt="$root/$build/ktriage"
mkdir -p "$out"

if [ ! -f "$out/bundle-$log_mb-$dump_mb.tar.gz" ]; then
	echo "bench: generating ${log_mb} MB of logs and ${dump_mb} MB of dumps"
	cc -O2 -o "$out/genbundle" tools/genbundle.c || exit 2
	rm -rf "$out/tree"
	"$out/genbundle" "$out/tree/bundle" "$log_mb" "$dump_mb" || exit 2
	(cd "$out/tree" && tar cf - bundle | gzip -6 >"../bundle-$log_mb-$dump_mb.tar.gz.tmp") &&
		mv "$out/bundle-$log_mb-$dump_mb.tar.gz.tmp" "$out/bundle-$log_mb-$dump_mb.tar.gz"
fi
tgz="$out/bundle-$log_mb-$dump_mb.tar.gz"
if [ ! -d "$out/tree/bundle" ]; then
	rm -rf "$out/tree" && mkdir -p "$out/tree" && tar xzf "$tgz" -C "$out/tree"
fi
tree="$out/tree/bundle"
bytes=$(du -sb "$tree" | cut -f1)
"$kt" rules export-patterns >"$out/patterns.txt" || exit 2
echo "bench: $(wc -l <"$out/patterns.txt") patterns, $((bytes / 1000000)) MB uncompressed, $(du -b "$tgz" | cut -f1 | awk '{printf "%d", $1 / 1000000}') MB compressed"

# run NAME CMD...: wall seconds and peak RSS (KiB) into $out/NAME.{t,rss}
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err"
	# grep and rg exit 1 where a file has no match: time then adds a line.
	set -- $(tail -n 1 "$out/$name.time")
	secs=$1
	rss=$2
	mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / (s > 0 ? s : 0.01) }')
	printf '%-28s %8.2f s %8s MB/s %8s MiB\n' "$name" "$secs" "$mbs" "$((rss / 1024))"
	eval "t_$name=$secs"
}

echo
printf '%-28s %10s %13s %12s\n' "what" "time" "rate" "peak RSS"
if command -v igzip >/dev/null 2>&1; then
	run inflate_igzip sh -c "igzip -dc '$tgz' >/dev/null"
else
	run inflate_zlib sh -c "gzip -dc '$tgz' >/dev/null"
fi
run ktriage_targz "$kt" --fail-on none -q "$tgz"
run ktriage_tree "$kt" --fail-on none -q "$tree"
if command -v rg >/dev/null 2>&1; then
	run rg_tree rg -c --no-filename -f "$out/patterns.txt" "$tree"
	run rg_z_targz rg -z -c -f "$out/patterns.txt" "$tgz"
fi
run grep_tree grep -r -E -c -f "$out/patterns.txt" "$tree"

echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }'; }
if [ -n "${t_rg_tree:-}" ]; then
	echo "ktriage .tar.gz / rg -f tree:   $(ratio "$t_ktriage_targz" "$t_rg_tree")  (target <= 1.0)"
	echo "ktriage tree / rg -f tree:      $(ratio "$t_ktriage_tree" "$t_rg_tree")  (target <= 0.8; <= 1.2 without Hyperscan)"
	echo "rg -z .tar.gz / ktriage .tar.gz: $(ratio "$t_rg_z_targz" "$t_ktriage_targz")  (target >= 2.0)"
fi
echo "grep -E -f tree / ktriage tree: $(ratio "$t_grep_tree" "$t_ktriage_tree")  (must stay >= 1.0)"
head -n 1 "$out/ktriage_targz.out"
if [ "${BENCH_GATE:-0}" = 1 ]; then
	if awk -v a="$t_ktriage_tree" -v b="$t_grep_tree" 'BEGIN { exit !(a > b) }'; then
		echo "bench: FAILED: ktriage is slower than grep -E -f on the same input"
		exit 1
	fi
	echo "bench: ok (ktriage faster than grep -E -f)"
fi
