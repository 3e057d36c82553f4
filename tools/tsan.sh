#!/bin/sh
# ThreadSanitizer over the two threads ktriage runs (the line feed's reader
# and the analysis): the feed's unit tests, then ktriage on the samples,
# on a gzip'd tar of them and on a log of many batches (more than the ring
# holds, so both threads fill and scan), with and without --timeout.
# Fails on any ThreadSanitizer report or a crash.
#
# Usage: tools/tsan.sh BUILD_DIR   (built with -fsanitize=thread: make tsan)
set -u
b=${1:?usage: tools/tsan.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
export TSAN_OPTIONS="halt_on_error=0 exitcode=66"

check() {	# check NAME CMD...: run it, fail on a report
	name=$1
	shift
	"$@" >/dev/null 2>"$tmp/err"
	rc=$?
	if grep -q "ThreadSanitizer" "$tmp/err" || [ "$rc" -ge 66 ]; then
		echo "tsan: $name: exit $rc"
		grep -A12 "WARNING: ThreadSanitizer" "$tmp/err" | head -40
		fail=1
	else
		echo "tsan: $name: ok"
	fi
}

# A log of about 24 MB: every sample log line, over and over.
cat samples/cases/*/logs/*.log >"$tmp/one.log"
i=0
while [ "$i" -lt 400 ]; do
	cat "$tmp/one.log"
	i=$((i + 1))
done >"$tmp/big.log"
tar czf "$tmp/bundle.tar.gz" -C samples support-bundle demo-bundle

check test_feed "$b/tests/test_feed"
check demo-bundle "$b/ktriage" --fail-on none samples/demo-bundle
check support-bundle "$b/ktriage" --fail-on none samples/support-bundle.tar.gz
check tar.gz "$b/ktriage" --fail-on none "$tmp/bundle.tar.gz"
check big-log "$b/ktriage" --fail-on none "$tmp/big.log"
check big-log-timeout "$b/ktriage" --fail-on none --timeout 0.2 "$tmp/big.log"
exit $fail
