#!/bin/sh
# Security properties of ktriage, checked on real runs (issue #10; see
# docs/security.md). Each check traces ktriage with strace over several
# input shapes (a directory, a .tar.gz, stdin, nested archives, a damaged
# archive) and every report format:
#
#   network   no socket is created (no socket/connect/bind/... calls)
#   writes    no file is opened for writing, created, renamed, removed or
#             made, except the --output file
#   children  no process is started (no fork/vfork/exec besides the one
#             exec that starts ktriage, no clone but the one thread of
#             the line feed's reader)
#   names     member names and paths with control characters (ESC
#             sequences, newlines, CR) are escaped in the text report and
#             on stderr, and JSON-escaped in the JSON report
#
# Without strace (and when it cannot be installed, or ptrace is not
# allowed here) a traced check says "skipped" on stderr and passes; stdout
# is the same either way: failures, then "security-<check>: no check
# failed".
#
# Usage: KTRIAGE=build/ktriage tests/corrupt/security.sh CHECK
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
K=${KTRIAGE:-$root/build/ktriage}
check=${1:?usage: security.sh network|writes|children|names}
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
failed=0
# LeakSanitizer stops the world with a helper thread at exit: that clone
# is the sanitizer's, not ktriage's. Leaks are checked by other tests.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

fail() {
	echo "$check: $*"
	failed=1
}

skip() {
	echo "security-$check: skipped: $*" >&2
	echo "security-$check: no check failed"
	exit 0
}

need_strace() {
	if ! command -v strace >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends strace >/dev/null 2>&1 ||
				{ apt-get update -q >/dev/null 2>&1 &&
				  DEBIAN_FRONTEND=noninteractive apt-get install \
					-y -q --no-install-recommends strace \
					>/dev/null 2>&1; }
		fi
		command -v strace >/dev/null 2>&1 ||
			skip "strace is not installed (apt-get install strace)"
	fi
	strace -f -qq -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here (ptrace not permitted)"
}

# Inputs of every shape, in $tmp/in.
make_inputs() {
	mkdir -p "$tmp/in/dir" "$tmp/in/nest"
	cp -r samples/demo-bundle "$tmp/in/dir/"
	(cd samples && tar czf "$tmp/in/demo.tar.gz" demo-bundle)
	cp "$tmp/in/demo.tar.gz" "$tmp/in/nest/"
	gzip -c samples/demo-bundle/logs/cert-manager-controller.log \
		>"$tmp/in/nest/controller.log.gz"
	(cd "$tmp/in/nest" && tar czf ../nested.tar.gz demo.tar.gz \
		controller.log.gz)
	rm -r "$tmp/in/nest"
	head -c 3000 "$tmp/in/demo.tar.gz" >"$tmp/in/cut.tar.gz"
}

# Run ktriage under strace -e trace=$1 over every input shape and report
# format (report to --output), with --rules, and `rules test`; the trace
# of run N is $tmp/trace.N, ntraces the number of runs.
run_traced() {
	what=$1
	shift
	n=0
	for fmt in text json markdown html; do
		n=$((n + 1))
		strace -f -qq -e trace="$what" -o "$tmp/trace.$n" \
			"$K" --fail-on none -f "$fmt" -o "$tmp/report.$fmt" \
			"$tmp/in/dir" "$tmp/in/demo.tar.gz" \
			"$tmp/in/nested.tar.gz" "$tmp/in/cut.tar.gz" - \
			<samples/demo-bundle/describe-challenge.txt \
			>/dev/null 2>"$tmp/err.$n"
		rc=$?
		[ "$rc" -le 1 ] || fail "-f $fmt: exit $rc: $(head -n 3 "$tmp/err.$n")"
		[ -s "$tmp/report.$fmt" ] || fail "-f $fmt: no report written"
	done
	n=$((n + 1))
	# Rules from a file, report to stdout.
	strace -f -qq -e trace="$what" -o "$tmp/trace.$n" \
		"$K" --fail-on none -r rules/issuer.yaml "$tmp/in/dir" \
		>/dev/null 2>"$tmp/err.$n"
	n=$((n + 1))
	strace -f -qq -e trace="$what" -o "$tmp/trace.$n" \
		"$K" rules test >/dev/null 2>"$tmp/err.$n"
	ntraces=$n
}

case "$check" in
network)
	need_strace
	make_inputs
	run_traced network,execve
	i=1
	while [ $i -le "$ntraces" ]; do
		grep -q 'execve(' "$tmp/trace.$i" ||
			fail "run $i: the trace is empty (strace did not work)"
		if grep -E '(^|[^a-z_])(socket|socketpair|connect|bind|listen|accept4?|sendto|sendmsg|recvfrom|recvmsg)\(' \
			"$tmp/trace.$i" >"$tmp/hits"; then
			fail "run $i made network calls: $(head -n 3 "$tmp/hits")"
		fi
		i=$((i + 1))
	done
	# Without any network at all (a new, empty network namespace) the
	# report is the same.
	if unshare -n true 2>/dev/null; then
		"$K" --fail-on none -f json "$tmp/in/nested.tar.gz" >"$tmp/a" 2>&1
		unshare -n "$K" --fail-on none -f json "$tmp/in/nested.tar.gz" \
			>"$tmp/b" 2>&1
		cmp -s "$tmp/a" "$tmp/b" ||
			fail "the report differs without a network"
	else
		echo "security-network: unshare -n not permitted: only traced" >&2
	fi
	;;
writes)
	need_strace
	make_inputs
	run_traced open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat,rmdir,mkdir,mkdirat,link,linkat,symlink,symlinkat,chmod,fchmod,fchmodat,chown,fchown,fchownat,lchown,utimensat,mknod,mknodat
	i=1
	while [ $i -le "$ntraces" ]; do
		grep -q 'O_RDONLY' "$tmp/trace.$i" ||
			fail "run $i: the trace is empty (strace did not work)"
		# Opens for writing or creating, other than the report.
		grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC' "$tmp/trace.$i" |
			grep -v -E "\"$tmp/report\\.(text|json|markdown|html)\"" \
			>"$tmp/hits"
		# Calls that change the file system at all.
		grep -E '(^|[^a-z_])(creat|truncate|rename|renameat2?|unlink|unlinkat|rmdir|mkdir|mkdirat|link|linkat|symlink|symlinkat|chmod|fchmodat|chown|fchownat|lchown|utimensat|mknod|mknodat)\(' \
			"$tmp/trace.$i" >>"$tmp/hits"
		[ -s "$tmp/hits" ] &&
			fail "run $i wrote outside --output: $(head -n 3 "$tmp/hits")"
		i=$((i + 1))
	done
	# And the report went where it was asked to, whole.
	grep -q '"schema"' "$tmp/report.json" || fail "the JSON report is incomplete"
	;;
children)
	need_strace
	make_inputs
	run_traced process
	i=1
	while [ $i -le "$ntraces" ]; do
		execs=$(grep -c -E '(^|[^a-z_])execve?(at)?\(' "$tmp/trace.$i")
		[ "$execs" = 1 ] || fail "run $i: $execs exec calls, expected the one that starts ktriage"
		grep -E '(^|[^a-z_])(fork|vfork|clone|clone3)\(' \
			"$tmp/trace.$i" >"$tmp/clones"
		# A thread (CLONE_THREAD) shares the process: the line feed's
		# reader and the parse queue's worker are allowed, anything
		# else is not.
		if grep -v CLONE_THREAD "$tmp/clones" >"$tmp/hits"; then
			fail "run $i started a process: $(head -n 3 "$tmp/hits")"
		fi
		threads=$(grep -c CLONE_THREAD "$tmp/clones")
		[ "$threads" -le 2 ] ||
			fail "run $i started $threads threads, expected at most 2"
		i=$((i + 1))
	done
	;;
names)
	# A tar member, a directory entry and a command-line path whose names
	# hold an ESC sequence, a newline and a CR, with a finding in them
	# (so they are printed as evidence) and damage (so they are printed
	# on stderr).
	evil=$(printf 'evil\033[31mred\nline\r')
	mkdir -p "$tmp/src" "$tmp/in"
	cp samples/demo-bundle/describe-clusterissuer.txt "$tmp/src/$evil.txt"
	seq 1 20000 | gzip -c | head -c 2000 >"$tmp/src/$evil.log.gz"
	(cd "$tmp/src" && tar cf "$tmp/in/bundle.tar" -- *)
	mkdir "$tmp/in/$evil-dir"
	cp "$tmp/src/$evil.txt" "$tmp/src/$evil.log.gz" "$tmp/in/$evil-dir/"
	"$K" --fail-on none "$tmp/in/bundle.tar" "$tmp/in/$evil-dir" \
		>"$tmp/text" 2>"$tmp/err"
	"$K" --fail-on none -f json "$tmp/in/bundle.tar" \
		"$tmp/in/$evil-dir" >"$tmp/json" 2>/dev/null
	"$K" --fail-on none -o "$tmp/no-such-dir/$evil/report.txt" \
		"$tmp/in/bundle.tar" >/dev/null 2>"$tmp/err-output"
	esc=$(printf '\033')
	cr=$(printf '\r')
	for f in text err err-output; do
		if grep -q "$esc" "$tmp/$f"; then
			fail "$f: a raw ESC byte is printed"
		fi
		if grep -q "$cr" "$tmp/$f"; then
			fail "$f: a raw CR byte is printed"
		fi
		# A name cut by a raw newline leaves "line" at the start of a line.
		if grep -q '^line' "$tmp/$f"; then
			fail "$f: a raw newline from a name is printed"
		fi
	done
	grep -q 'bundle\.tar:evil\\x1b\[31mred\\x0aline\\x0d\.txt:[0-9]' \
		"$tmp/text" || fail "text: the member name is not shown escaped"
	grep -q 'evil\\x1b\[31mred\\x0aline\\x0d-dir/evil\\x1b\[31mred\\x0aline\\x0d\.log\.gz: read error' \
		"$tmp/text" || fail "text: the file path is not shown escaped"
	grep -q 'bundle\.tar:evil\\x1b\[31mred\\x0aline\\x0d\.log\.gz: error: ' \
		"$tmp/err" || fail "stderr: the damaged member is not named escaped"
	grep -q 'evil\\x1b\[31mred\\x0aline\\x0d/report\.txt: error: cannot write' \
		"$tmp/err-output" || fail "stderr: the --output path is not shown escaped"
	grep -q 'evil\\u001b\[31mred\\nline\\r\.txt' "$tmp/json" ||
		fail "json: the member name is not JSON-escaped"
	if command -v jq >/dev/null 2>&1; then
		jq -e . "$tmp/json" >/dev/null 2>&1 || fail "json: not valid JSON"
	fi
	;;
*)
	echo "usage: security.sh network|writes|children|names" >&2
	exit 2
	;;
esac
[ $failed = 0 ] && echo "security-$check: no check failed"
exit $failed
