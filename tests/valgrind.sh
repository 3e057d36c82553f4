#!/bin/sh
# Run the unit test binaries and a set of end-to-end commands under
# valgrind's memcheck: no invalid read or write, no use of uninitialised
# memory, no definite or indirect leak (still-reachable memory, such as
# libyaml's or PCRE2's caches, is not counted). Needs a normal build (not
# the sanitizer build: ASan and valgrind do not mix).
#
# Prints one line per run, "valgrind <name>: ok" or "...: FAILED" with
# valgrind's report, then "N passed, N failed"; exits 1 on any failure.
# Where valgrind is missing it says "skipped" and exits 0 (1 with
# VALGRIND_REQUIRED=1).
#
# Usage: tests/valgrind.sh [BUILD_DIR]        (default: build)
set -u

# The whole script is one function, read before it runs.
main() {
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
K="$root/$build/ktriage"

# PCRE2's JIT code reads subjects in aligned blocks past their end, which
# valgrind reports as invalid reads: check the interpreter instead.
export KTRIAGE_NO_JIT=1

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: skipped: valgrind is not installed (apt-get install valgrind)"
	[ "${VALGRIND_REQUIRED:-0}" = 1 ] && exit 1
	exit 0
fi
case "$build" in
*asan*) echo "valgrind: $build is a sanitizer build; use a normal one" >&2
	exit 2 ;;
esac
[ -x "$K" ] || { echo "valgrind: no $K (make BUILD=$build first)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# PCRE2's JIT code reads ahead in wide loads past the end of the subject
# (by design; it never crosses into an unmapped page), which memcheck
# reports with no symbol for the code ("???": JIT code lives in anonymous
# memory). Only reports whose first two frames are such code are dropped.
cat >"$tmp/jit.supp" <<'EOF'
{
   pcre2-jit-cond
   Memcheck:Cond
   obj:???
   obj:???
}
{
   pcre2-jit-value8
   Memcheck:Value8
   obj:???
   obj:???
}
{
   pcre2-jit-addr8
   Memcheck:Addr8
   obj:???
   obj:???
}
{
   pcre2-jit-addr16
   Memcheck:Addr16
   obj:???
   obj:???
}
{
   pcre2-jit-addr32
   Memcheck:Addr32
   obj:???
   obj:???
}
EOF

# vg NAME CMD...: run CMD under memcheck (standard input from $stdin);
# its output is dropped, its exit code is its own (findings give 1)
# unless valgrind found an error (99).
stdin=/dev/null
vg() {
	name=$1
	shift
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --track-origins=yes \
		--suppressions="$tmp/jit.supp" \
		--log-file="$tmp/vg.log" "$@" >/dev/null 2>"$tmp/stderr" \
		<"$stdin"
	rc=$?
	if [ $rc = 99 ] || [ -s "$tmp/vg.log" ]; then
		echo "valgrind $name: FAILED"
		sed 's/^/    /' "$tmp/vg.log" | head -n 60
		fail=$((fail + 1))
	else
		echo "valgrind $name: ok"
		pass=$((pass + 1))
	fi
}

# 1. The unit tests (cmocka counts their own failures; here only memory).
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	vg "unit/$(basename "$t")" "$t"
done

# 2. End-to-end runs over every input shape, report format and subcommand,
# and damaged input (error paths free what they allocated too).
(cd samples && tar czf "$tmp/demo.tar.gz" demo-bundle)
head -c 3000 "$tmp/demo.tar.gz" >"$tmp/cut.tar.gz"
gzip -c samples/demo-bundle/logs/cert-manager-controller.log >"$tmp/c.log.gz"
printf '{"kind":"ConfigMap","metadata":{"name":"x"},"data":' >"$tmp/deep.json"
head -c 2000 /dev/zero | tr '\0' '[' >>"$tmp/deep.json"

vg e2e/demo-text "$K" samples/demo-bundle
vg e2e/demo-json "$K" -f json samples/demo-bundle
vg e2e/support-bundle-markdown "$K" -f markdown samples/support-bundle.tar.gz
vg e2e/support-bundle-html "$K" -f html -o "$tmp/r.html" samples/support-bundle.tar.gz
vg e2e/cluster-info-dump "$K" -f json samples/cluster-info-dump
vg e2e/cases "$K" samples/cases
vg e2e/damaged-inputs "$K" "$tmp/cut.tar.gz" "$tmp/c.log.gz" "$tmp/deep.json" \
	samples/demo-bundle/describe-clusterissuer.txt
stdin=samples/demo-bundle/describe-challenge.txt
vg e2e/stdin "$K" -
stdin=/dev/null
vg e2e/rules-test "$K" rules test
vg e2e/rules-lint-bad "$K" rules lint tests/fuzz/regress/rules/repeated-key-leak
vg e2e/usage-error "$K" --no-such-option

echo "$pass passed, $fail failed"
[ $fail = 0 ]
}
main "$@"
