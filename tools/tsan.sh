#!/bin/sh
# ThreadSanitizer over the threads ktriage runs (the line feed's reader,
# the parse queue's worker and the analysis): the feed's and the queue's
# unit tests, then ktriage on the samples, on a gzip'd tar of them, on a
# log of many batches (more than the ring holds, so both threads fill and
# scan), with and without --timeout, and on YAML and JSON Lists of many
# items (more than the queue holds, so the worker and the analysis both
# read items).
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
# Lists of 20,000 Certificates, one in ten with a broken line.
awk 'BEGIN {
	print "apiVersion: v1\nitems:"
	for (i = 0; i < 20000; i++)
		printf "- apiVersion: cert-manager.io/v1\n  kind: Certificate\n" \
		       "  metadata:\n    name: c%d\n    namespace: shop\n" \
		       "  spec:\n    secretName: %s\n", i,
		       i % 10 == 3 ? "[broken" : "c" i "-tls"
	print "kind: List"
}' >"$tmp/certs.yaml"
awk 'BEGIN {
	print "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
	for (i = 0; i < 20000; i++)
		printf "%s{\"kind\": \"%s\", \"metadata\": {\"name\": \"c%d\", " \
		       "\"namespace\": \"shop\"}, \"spec\": {\"secretName\": %s}}\n",
		       i ? "," : "", i % 4 == 1 ? "Pod" : "Certificate", i,
		       i % 10 == 3 ? "tru" : "\"c" i "-tls\""
	print "]}"
}' >"$tmp/certs.json"

check test_feed "$b/tests/test_feed"
check test_pqueue "$b/tests/test_pqueue"
check test_analyze "$b/tests/test_analyze"
check demo-bundle "$b/ktriage" --fail-on none samples/demo-bundle
check support-bundle "$b/ktriage" --fail-on none samples/support-bundle.tar.gz
check tar.gz "$b/ktriage" --fail-on none "$tmp/bundle.tar.gz"
check big-log "$b/ktriage" --fail-on none "$tmp/big.log"
check big-log-timeout "$b/ktriage" --fail-on none --timeout 0.2 "$tmp/big.log"
check yaml-list "$b/ktriage" --fail-on none "$tmp/certs.yaml"
check json-list "$b/ktriage" --fail-on none "$tmp/certs.json"
check lists-timeout "$b/ktriage" --fail-on none --timeout 0.05 "$tmp/certs.yaml" "$tmp/certs.json"
exit $fail
