#!/bin/sh
# The test runner behind `make check`: unit tests (cmocka), the rule pack's
# own examples (`ktriage rules test`), and end-to-end golden tests
# (tests/e2e/<case>/: cmd, stdout, exit, optional stderr). Its last line is
# "N passed, N failed". UPDATE=1 rewrites the e2e expectations.
#
# Usage: tests/run.sh BUILD_DIR
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
KTRIAGE="$root/$build/ktriage"
export KTRIAGE
pass=0
fail=0
failed_names=""

note_fail() {
	fail=$((fail + 1))
	failed_names="$failed_names $1"
}

# 1. Unit tests: count cmocka's own per-test results.
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# A test that leaves a thread behind when an assertion fails can hang
	# the next one; a hang is a failure, not a stuck CI.
	out=$(timeout "${UNIT_TIMEOUT:-600}" "$t" 2>&1)
	rc=$?
	[ "$rc" -eq 124 ] && out="$out
timed out after ${UNIT_TIMEOUT:-600} s"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed, or failed outside cmocka's accounting
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed_names="$failed_names $name"
		printf '%s\n' "$out" | grep -v '^\[ \(RUN\|      OK\) ' | sed 's/^/    /'
	fi
	echo "unit  $name: $p passed, $f failed"
done

# 2. The default rule pack's examples, and its lint.
for sub in lint test; do
	if out=$("$KTRIAGE" rules $sub rules/ 2>&1); then
		pass=$((pass + 1))
		echo "rules $sub: ok ($out)"
	else
		note_fail "rules-$sub"
		printf '%s\n' "$out" | sed 's/^/    /'
		echo "rules $sub: FAILED"
	fi
done

# 3. End-to-end golden tests.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in tests/e2e/*/; do
	[ -f "$dir/cmd" ] || continue
	name=$(basename "$dir")
	ktriage() { "$KTRIAGE" "$@"; }
	( . "./$dir/cmd" ) >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
	rc=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp/stdout" "$dir/stdout"
		echo "$rc" >"$dir/exit"
		[ -f "$dir/stderr" ] && cp "$tmp/stderr" "$dir/stderr"
	fi
	ok=1
	want_rc=$(cat "$dir/exit" 2>/dev/null || echo 0)
	if [ "$rc" != "$want_rc" ]; then
		echo "    exit code $rc, expected $want_rc"
		ok=0
	fi
	if ! diff -u "$dir/stdout" "$tmp/stdout" >"$tmp/diff" 2>&1; then
		sed 's/^/    /' "$tmp/diff" | head -40
		ok=0
	fi
	if [ -f "$dir/stderr" ] && ! diff -u "$dir/stderr" "$tmp/stderr" >"$tmp/diff" 2>&1; then
		sed 's/^/    /' "$tmp/diff" | head -20
		ok=0
	fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "e2e   $name: ok"
	else
		note_fail "e2e-$name"
		echo "e2e   $name: FAILED"
	fi
done

# 4. A short run of each fuzz target (skipped where clang is missing).
if [ "${FUZZ_SMOKE_SECONDS:-0}" != 0 ]; then
	if out=$(sh tools/fuzz.sh "$FUZZ_SMOKE_SECONDS" 2>&1); then
		printf '%s\n' "$out" | sed 's/^/    /'
		case "$out" in
		*skipped*) echo "fuzz  smoke: skipped" ;;
		*) pass=$((pass + 1)); echo "fuzz  smoke: ok" ;;
		esac
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		note_fail "fuzz-smoke"
		echo "fuzz  smoke: FAILED"
	fi
fi

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
