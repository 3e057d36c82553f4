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
# Unless BENCH_GATE=1 it also times: the rule pack ten times over (the
# same rules under new ids) on the tree; the base configuration (built in
# build-base without Hyperscan and ISA-L) on the tree and the .tar.gz; and
# ktriage on a bundle a quarter of the size (BENCH_SMALL_LOG_MB, default
# 256), to show how peak RSS grows with the bundle: per object kept (the
# two bundles' object counts) and on the logs alone (one log file, then
# all of them), which are streamed and not kept; and ktriage on the
# .tar.gz with the JSON and HTML reports, whose peak RSS must not be
# higher than with the text one. Each command runs
# BENCH_RUNS times (3), in rounds of one run of every command, and its best
# time is shown.
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

# make_tgz LOG_MB DUMP_MB: generate build-bench/bundle-L-D.tar.gz once.
make_tgz() {
	t="$out/bundle-$1-$2.tar.gz"
	[ -f "$t" ] && return 0
	echo "bench: generating $1 MB of logs and $2 MB of dumps"
	cc -O2 -o "$out/genbundle" tools/genbundle.c || exit 2
	rm -rf "$out/gen"
	"$out/genbundle" "$out/gen/bundle" "$1" "$2" || exit 2
	(cd "$out/gen" && tar cf - bundle | gzip -6 >"../bundle-$1-$2.tar.gz.tmp") &&
		mv "$out/bundle-$1-$2.tar.gz.tmp" "$t"
	rm -rf "$out/gen"
}

make_tgz "$log_mb" "$dump_mb"
tgz="$out/bundle-$log_mb-$dump_mb.tar.gz"
# The extracted tree, once per bundle size.
if [ "$(cat "$out/tree/.from" 2>/dev/null)" != "$tgz" ]; then
	rm -rf "$out/tree" && mkdir -p "$out/tree" && tar xzf "$tgz" -C "$out/tree" &&
		echo "$tgz" >"$out/tree/.from"
fi
tree="$out/tree/bundle"
bytes=$(du -sb "$tree" | cut -f1)
"$kt" rules export-patterns >"$out/patterns.txt" || exit 2
# grep -E needs POSIX ERE: (?:…), \d and lazy quantifiers rewritten.
"$kt" rules export-patterns --dialect ere >"$out/patterns-ere.txt" 2>/dev/null || exit 2
echo "bench: $(wc -l <"$out/patterns.txt") patterns, $((bytes / 1000000)) MB uncompressed, $(du -b "$tgz" | cut -f1 | awk '{printf "%d", $1 / 1000000}') MB compressed"

# run NAME CMD...: the best wall time of BENCH_RUNS runs (default 3; 1
# with BENCH_GATE=1) and the largest peak RSS, printed and kept in
# t_NAME and rss_NAME.
runs=${BENCH_RUNS:-3}
[ "${BENCH_GATE:-0}" = 1 ] && runs=${BENCH_RUNS:-1}
names=""
# One run of a command: its best time and its peak RSS so far.
measure() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err"
	# grep and rg exit 1 where a file has no match: time then adds a
	# line before the figures, which are on the last line.
	fig=$(tail -n 1 "$out/$name.time")
	r_secs=${fig% *}
	r_rss=${fig#* }
	eval "secs=\${t_$name:-}"
	eval "rss=\${rss_$name:-0}"
	if [ -z "$secs" ] || awk -v a="$r_secs" -v b="$secs" 'BEGIN { exit !(a < b) }'; then
		eval "t_$name=$r_secs"
	fi
	[ "$r_rss" -gt "$rss" ] && eval "rss_$name=$r_rss"
	case " $names " in *" $name "*) ;; *) names="$names $name" ;; esac
}

echo "bench: $("$kt" --version | tr '\n' ' ')"

cat "$tgz" >/dev/null
find "$tree" -type f -exec cat {} + >/dev/null

if [ "${BENCH_GATE:-0}" != 1 ]; then
	# The pack ten times over: the same rules under new ids.
	rm -rf "$out/rules10" && mkdir -p "$out/rules10"
	for i in 1 2 3 4 5 6 7 8 9; do
		for f in rules/*.yaml; do
			sed -E "s/^(  - id: )([a-z0-9-]+)/\1\2-x$i/" "$f" \
				>"$out/rules10/$(basename "$f" .yaml)-x$i.yaml"
		done
	done
	# The base configuration: Aho-Corasick and zlib.
	base=0
	make -s --no-print-directory BUILD=build-base NO_HS=1 NO_ISAL=1 all \
		>/dev/null 2>&1 && base=1
	# Peak RSS on a bundle a quarter of the size.
	small=${BENCH_SMALL_LOG_MB:-256}
	small_dump=$((dump_mb / 4 > 3 ? dump_mb / 4 : 3))
	make_tgz "$small" "$small_dump"
	# Peak RSS against what is kept: the objects each bundle keeps.
	objects() {
		"$kt" --fail-on none -q -f json "$1" |
			grep -o '"objects":[[:space:]]*[0-9]*' | head -n 1 | grep -o '[0-9]*$'
	}
	obj_small=$(objects "$out/bundle-$small-$small_dump.tar.gz")
	obj_big=$(objects "$tgz")
	one_log=$(find "$tree" -name '*.log' -type f | sort | head -n 1)
	log_dir=$(dirname "$(dirname "$one_log")")
fi

# Rounds, each running every command once: a slow spell of the machine
# then falls on all of them alike, and the best of the rounds is kept.
round=0
while [ $round -lt "$runs" ]; do
	if command -v igzip >/dev/null 2>&1; then
		measure inflate_igzip sh -c "igzip -dc '$tgz' >/dev/null"
	else
		measure inflate_zlib sh -c "gzip -dc '$tgz' >/dev/null"
	fi
	measure ktriage_targz "$kt" --fail-on none -q "$tgz"
	measure ktriage_tree "$kt" --fail-on none -q "$tree"
	if command -v rg >/dev/null 2>&1; then
		measure rg_tree rg -c --no-filename -f "$out/patterns.txt" "$tree"
		measure rg_z_targz rg -z -c -f "$out/patterns.txt" "$tgz"
	fi
	measure grep_tree grep -r -E -c -f "$out/patterns-ere.txt" "$tree"
	if [ "${BENCH_GATE:-0}" != 1 ]; then
		measure ktriage_tree_10x_rules "$kt" --fail-on none -q \
			-r "$out/rules10" "$tree"
		if [ "$base" = 1 ]; then
			measure base_ktriage_targz "$root/build-base/ktriage" \
				--fail-on none -q "$tgz"
			measure base_ktriage_tree "$root/build-base/ktriage" \
				--fail-on none -q "$tree"
		fi
		measure ktriage_small_targz "$kt" --fail-on none -q \
			"$out/bundle-$small-$small_dump.tar.gz"
		# The other report formats: peak RSS must not depend on them.
		measure ktriage_targz_json "$kt" --fail-on none -q -f json "$tgz"
		measure ktriage_targz_html "$kt" --fail-on none -q -f html "$tgz"
		# The logs alone: streamed, nothing of them kept.
		if [ -n "$one_log" ]; then
			measure ktriage_one_log "$kt" --fail-on none -q "$one_log"
			measure ktriage_all_logs "$kt" --fail-on none -q "$log_dir"
		fi
	fi
	round=$((round + 1))
done

echo
printf '%-28s %10s %13s %12s\n' "what" "time" "rate" "peak RSS"
for name in $names; do
	eval "secs=\$t_$name"
	eval "rss=\$rss_$name"
	mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / (s > 0 ? s : 0.01) }')
	case "$name" in *small* | *_log*) mbs="-" ;; esac
	printf '%-28s %8.2f s %8s MB/s %8s MiB\n' "$name" "$secs" "$mbs" "$((rss / 1024))"
done

echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }'; }
if [ -n "${t_rg_tree:-}" ]; then
	echo "ktriage .tar.gz / rg -f tree:   $(ratio "$t_ktriage_targz" "$t_rg_tree")  (target <= 1.0)"
	echo "ktriage tree / rg -f tree:      $(ratio "$t_ktriage_tree" "$t_rg_tree")  (target <= 0.8; <= 1.2 without Hyperscan)"
	echo "rg -z .tar.gz / ktriage .tar.gz: $(ratio "$t_rg_z_targz" "$t_ktriage_targz")  (target >= 2.0)"
fi
echo "grep -E -f tree / ktriage tree: $(ratio "$t_grep_tree" "$t_ktriage_tree")  (must stay >= 1.0)"
if [ -n "${t_ktriage_tree_10x_rules:-}" ]; then
	echo "10x rules / 1x rules, tree:     $(ratio "$t_ktriage_tree_10x_rules" "$t_ktriage_tree")  (target <= 1.5)"
fi
if [ -n "${t_base_ktriage_tree:-}" ] && [ -n "${t_rg_tree:-}" ]; then
	echo "base config: tree / rg -f tree: $(ratio "$t_base_ktriage_tree" "$t_rg_tree")  (target <= 1.2)"
fi
if [ -n "${rss_ktriage_small_targz:-}" ]; then
	echo "peak RSS: $((rss_ktriage_small_targz / 1024)) MiB on the quarter-size .tar.gz, $((rss_ktriage_targz / 1024)) MiB on this one (target: <= 100 MiB, flat)"
	if [ -n "${obj_small:-}" ] && [ -n "${obj_big:-}" ] &&
		[ "$obj_big" -gt "$obj_small" ]; then
		echo "  objects kept: $obj_small and $obj_big: $(( (rss_ktriage_targz - rss_ktriage_small_targz) * 1024 / (obj_big - obj_small) )) bytes of peak RSS per object kept"
	fi
	if [ -n "${rss_ktriage_targz_json:-}" ]; then
		echo "  by report format on this one: text $((rss_ktriage_targz / 1024)), json $((rss_ktriage_targz_json / 1024)), html $((rss_ktriage_targz_html / 1024)) MiB"
	fi
	if [ -n "${rss_ktriage_all_logs:-}" ]; then
		echo "  the logs alone (nothing kept): $((rss_ktriage_one_log / 1024)) MiB for one, $((rss_ktriage_all_logs / 1024)) MiB for all $(find "$log_dir" -name '*.log' -type f | wc -l) ($(du -sm "$log_dir" | cut -f1) MB)"
	fi
fi
head -n 1 "$out/ktriage_targz.out"
if [ "${BENCH_GATE:-0}" = 1 ]; then
	if awk -v a="$t_ktriage_tree" -v b="$t_grep_tree" 'BEGIN { exit !(a > b) }'; then
		echo "bench: FAILED: ktriage is slower than grep -E -f on the same input"
		exit 1
	fi
	echo "bench: ok (ktriage faster than grep -E -f)"
fi
