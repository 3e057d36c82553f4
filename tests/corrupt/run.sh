#!/bin/sh
# The corrupt-input corpus (issue #10): damaged archives, hostile sizes and
# shapes, each generated here at test time (nothing large is committed)
# and put next to one healthy entry, a `kubectl describe clusterissuer`
# whose finding (acme-invalid-email) must still be reported. For each case
# ktriage must not crash, must finish within 60 s and 256 MiB (the memory
# check is skipped for sanitizer builds), must say what is wrong and where
# on stderr and in the report's inputs, and must still analyze the rest.
#
# Prints one line per case, "<case>: ok" or "<case>: FAILED: <why>", and
# exits 1 when any case failed. Used by tests/e2e/corrupt-corpus/cmd.
#
# Usage: KTRIAGE=build/ktriage tests/corrupt/run.sh [CASE...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
K=${KTRIAGE:-$root/build/ktriage}
HEALTHY=$root/samples/demo-bundle/describe-clusterissuer.txt
FINDING=acme-invalid-email
FINDING_ON=letsencrypt-http
TIME_LIMIT=${CORRUPT_TIME_LIMIT:-60}
MEM_LIMIT_KB=262144
check_mem=1
case "$K" in *asan*) check_mem=0 ;; esac
[ -x /usr/bin/time ] || check_mem=0
only=" $* "
[ $# -eq 0 ] && only=""
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# ---- helpers ----

# A case directory with the healthy entry in it.
newcase() {
	rm -rf "$tmp/case"
	mkdir -p "$tmp/case"
	cp "$HEALTHY" "$tmp/case/healthy.txt"
	cd "$tmp/case" || exit 2
}

wanted() {
	[ -z "$only" ] && return 0
	case "$only" in *" $1 "*) return 0 ;; esac
	return 1
}

# N bytes of character C (no newline).
repeat() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

# Patch bytes (given as printf format) into FILE at OFFSET.
patch_bytes() {
	# shellcheck disable=SC2059
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# Recompute the checksum of the tar header at OFFSET in FILE.
tar_fix_checksum() {
	patch_bytes "$1" $(($2 + 148)) '        '
	sum=$(dd if="$1" bs=512 skip=$(($2 / 512)) count=1 2>/dev/null |
		od -An -v -tu1 | awk '{ for (i = 1; i <= NF; i++) s += $i }
			END { print s }')
	patch_bytes "$1" $(($2 + 148)) "$(printf '%06o\\0 ' "$sum")"
}

# Run ktriage (JSON report, --fail-on none) with time and memory bounds;
# sets rc, and leaves out/err/mem in $tmp.
run_bounded() {
	rm -f "$tmp/mem"
	if [ $check_mem = 1 ]; then
		timeout "$TIME_LIMIT" /usr/bin/time -f %M -o "$tmp/mem" \
			"$K" --fail-on none -f json "$@" >"$tmp/out" 2>"$tmp/err"
	else
		timeout "$TIME_LIMIT" "$K" --fail-on none -f json "$@" \
			>"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
}

# Problems common to every run: crash, hang, sanitizer report, memory.
common_problems() {
	why=""
	if [ "$rc" = 124 ]; then
		why="$why; timed out after ${TIME_LIMIT}s"
	elif [ "$rc" -ge 126 ]; then
		why="$why; crashed (exit $rc)"
	fi
	if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		"$tmp/err"; then
		why="$why; sanitizer: $(grep -m1 -E 'Sanitizer|runtime error' \
			"$tmp/err")"
	fi
	if [ $check_mem = 1 ] && [ -s "$tmp/mem" ]; then
		kb=$(tail -n 1 "$tmp/mem")
		case "$kb" in
		*[!0-9]*|'') ;;
		*) [ "$kb" -gt $MEM_LIMIT_KB ] &&
			why="$why; used ${kb} KiB (limit $MEM_LIMIT_KB)" ;;
		esac
	fi
}

report() {
	if [ -z "$why" ]; then
		echo "$1: ok"
	else
		echo "$1: FAILED${why}"
		sed 's/^/    stderr: /' "$tmp/err" | head -n 5
		status=1
	fi
	cd "$root" || exit 2
}

# check NAME STDERR_ERE REPORT_ERE [PATH...]: analyze PATHs (default: the
# case directory) and check the message on stderr, the same problem in
# the JSON report (REPORT_ERE, "-" when the case is not a problem to
# report) and the healthy finding.
check() {
	name=$1 want_err=$2 want_rep=$3
	shift 3
	[ $# -eq 0 ] && set -- "$tmp/case"
	run_bounded "$@"
	common_problems
	[ "$rc" = 0 ] || [ "$rc" -ge 124 ] || why="$why; exit $rc, expected 0"
	if [ "$want_err" != - ] && ! grep -q -E -e "$want_err" "$tmp/err"; then
		why="$why; no message matching /$want_err/ on stderr"
	fi
	if [ "$want_rep" != - ] && ! grep -q -E -e "$want_rep" "$tmp/out"; then
		why="$why; the report does not show /$want_rep/"
	fi
	if [ "${healthy_check:-1}" = 1 ] &&
		{ ! grep -q -E "\"rule\":[[:space:]]*\"$FINDING\"" "$tmp/out" ||
		! grep -q -E "\"name\":[[:space:]]*\"$FINDING_ON\"" "$tmp/out"; }; then
		why="$why; the healthy entry's finding ($FINDING on $FINDING_ON) is missing"
	fi
	report "$name"
}

# ---- the cases ----

# A tar.gz of a 100,000-line log, cut at ten offsets: in the gzip header,
# in the tar header, in the member data, in the gzip trailer.
if wanted gz-truncated; then
	mkdir -p "$tmp/gen"
	seq 1 100000 | sed 's/^/I0716 09:43:14.520118       1 x.go:1] line /' \
		>"$tmp/gen/big.log"
	(cd "$tmp/gen" && tar cf - big.log | gzip -6 >big.tar.gz)
	size=$(wc -c <"$tmp/gen/big.tar.gz")
	n=0
	for off in 5 10 18 100 1000 10000 60000 120000 $((size - 8)) \
		$((size - 4)); do
		n=$((n + 1))
		newcase
		head -c "$off" "$tmp/gen/big.tar.gz" >bundle.tar.gz
		check "gz-truncated-$n" \
			"bundle\\.tar\\.gz[^ ]*: error: .*unexpected end of gzip data at compressed byte $off" \
			"unexpected end of gzip data at compressed byte $off"
	done
fi

if wanted gz-bad-crc; then
	newcase
	seq 1 20000 >app.log
	gzip app.log
	size=$(wc -c <app.log.gz)
	# The CRC-32 is the first four bytes of the eight-byte trailer.
	patch_bytes app.log.gz $((size - 8)) '\377\377'
	check gz-bad-crc "app\\.log\\.gz: error: .*bad gzip CRC" "bad gzip CRC"
fi

# Empty files of every kind are counted, not errors.
if wanted zero-length; then
	newcase
	: >empty.log
	: >empty.gz
	: >empty.tar.gz
	: >empty.yaml
	: >empty.json
	check zero-length - '"files":[[:space:]]*6'
fi

# The second member's header checksum is wrong: the first member (the
# healthy entry, inside the archive) is still analyzed.
if wanted tar-bad-checksum; then
	newcase
	mkdir src
	mv healthy.txt src/
	seq 1 100 >src/b.log
	(cd src && tar cf ../bundle.tar healthy.txt b.log)
	rm -r src
	off=$(( (1 + ($(wc -c <"$HEALTHY") + 511) / 512) * 512 ))
	patch_bytes bundle.tar $((off + 148)) '9'
	check tar-bad-checksum \
		"bundle\\.tar: error: bad tar header checksum at byte $off" \
		"bad tar header checksum at byte $off"
fi

# A tar cut inside its second member's data.
if wanted tar-truncated; then
	newcase
	mkdir src
	mv healthy.txt src/
	seq 1 5000 >src/b.log
	(cd src && tar cf ../bundle.tar healthy.txt b.log)
	rm -r src
	head -c 6000 bundle.tar >cut.tar
	rm bundle.tar
	check tar-truncated "cut\\.tar:b\\.log: error: .*unexpected end of tar" \
		"unexpected end of tar"
fi

# tar.gz inside tar.gz, twelve levels: the default depth limit (8) stops
# it with a message naming the whole path.
if wanted nesting-12-levels; then
	newcase
	mkdir n
	cp "$HEALTHY" n/l0.txt
	prev=l0.txt
	i=1
	while [ $i -le 12 ]; do
		(cd n && tar czf "l$i.tar.gz" "$prev" && rm "$prev")
		prev=l$i.tar.gz
		i=$((i + 1))
	done
	mv "n/$prev" .
	rmdir n
	check nesting-12-levels \
		"l12\\.tar\\.gz:l11\\.tar\\.gz:.*: error: .*depth limit of 8 reached \\(--max-depth\\)" \
		"depth limit of 8"
fi

# A tar header that declares an 8 GiB member with a valid checksum, then
# ends: reported as truncated, nothing allocated for the size.
if wanted tar-huge-size; then
	newcase
	mkdir src
	echo data >src/huge.log
	(cd src && tar cf ../huge.tar huge.log)
	rm -r src
	patch_bytes huge.tar 124 '77777777777\0'
	tar_fix_checksum huge.tar 0
	check tar-huge-size \
		"huge\\.tar:huge\\.log: error: unexpected end of tar archive .*of 8589934591 bytes" \
		"8589934591 bytes"
fi

# 50 MB of one byte in 50 KB of gzip: stopped at the ratio limit.
if wanted gzip-bomb; then
	newcase
	repeat 50000000 a | gzip -9 >bomb.log.gz
	check gzip-bomb \
		"bomb\\.log\\.gz: error: .*compression ratio above 1000:1.*--max-ratio" \
		"compression ratio above 1000:1"
fi

if wanted line-10mb; then
	newcase
	repeat 10485760 x >long.log
	echo >>long.log
	echo 'E0716 09:43:19.311000       1 a.go:1] after the long line' \
		>>long.log
	check line-10mb \
		"long\\.log:1: warning: line longer than 1048576 bytes; cut there" \
		"line longer than 1048576 bytes"
fi

# Invalid UTF-8 (overlong, surrogate, out of range, truncated sequences)
# inside the healthy entry's own evidence lines: the finding is still
# made and the JSON report stays valid JSON.
if wanted invalid-utf8; then
	newcase
	sed 's/Unable to update/Unable \xff\xfe\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf \xe2\x82 to update/' \
		healthy.txt >bad.txt
	rm healthy.txt
	printf 'kind: ConfigMap\nmetadata:\n  name: "\xff\xfe"\n' >bad.yaml
	printf '{"kind":"Secret","metadata":{"name":"\xc0\xaf"}}\n' >bad.json
	check invalid-utf8 - -
	if command -v jq >/dev/null 2>&1 && [ "$rc" = 0 ] &&
		! jq -e . "$tmp/out" >/dev/null 2>&1; then
		echo "invalid-utf8-json: FAILED; the JSON report is not valid JSON"
		status=1
	fi
fi

# NUL bytes in YAML: at the start (the file is skipped as binary, with a
# note) and deep inside a List (the document is reported with line:col).
if wanted yaml-nul-bytes; then
	newcase
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: early\ndata:\n  a: "x\0y"\n' \
		>early-nul.yaml
	{
		printf 'apiVersion: v1\nkind: List\nitems:\n'
		i=1
		while [ $i -le 300 ]; do
			printf -- '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-%d\n' $i
			i=$((i + 1))
		done
		printf -- '- kind: ConfigMap\n  metadata:\n    name: "nul\0here"\n'
	} >late-nul.yaml
	check yaml-nul-bytes \
		"late-nul\\.yaml:1206:15: warning: invalid YAML: control characters" \
		"binary content \\(NUL byte in the first 72 bytes\\)"
fi

# "Billion laughs": 26 levels of aliases, nine references each. Aliases
# are never expanded, so this is a small document.
if wanted yaml-billion-laughs; then
	newcase
	{
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n'
		printf '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
		p=a
		for c in b c d e f g h i j k l m n o p q r s t u v w x y z; do
			printf '  %s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' \
				$c $c $p $p $p $p $p $p $p $p $p
			p=$c
		done
	} >lol.yaml
	check yaml-billion-laughs - -
fi

if wanted json-deep-100000; then
	newcase
	{
		printf '{"kind":"ConfigMap","metadata":{"name":"deep"},"data":'
		repeat 100000 '['
		repeat 100000 ']'
		printf '}\n'
	} >deep.json
	check json-deep-100000 \
		"deep\\.json:1:[0-9]+: warning: JSON item 1 nested deeper than 512 levels" \
		"nested deeper than 512 levels"
fi

if wanted yaml-deep-100000; then
	newcase
	{
		printf 'kind: ConfigMap\nmetadata: {name: deep}\ndata: '
		repeat 100000 '['
		echo
	} >deep.yaml
	check yaml-deep-100000 \
		"deep\\.yaml:3:[0-9]+: warning: YAML nested deeper than 256 levels" \
		"nested deeper than 256 levels"
fi

# A describe output whose Events table has 100,000 rows.
if wanted describe-events-100000; then
	newcase
	{
		printf 'Name:         web-tls\nNamespace:    shop\nKind:         Certificate\n'
		printf 'Events:\n  Type     Reason     Age                  From          Message\n'
		printf '  ----     ------     ----                 ----          -------\n'
		seq 1 100000 | awk '{ printf "  Warning  Failed%d  %ds (x3 over 106s)  cert-manager  Something failed number %d\n", $1, $1, $1 }'
	} >describe-events.txt
	check describe-events-100000 - -
fi

# A rule with catastrophic backtracking against long lines: PCRE2's match
# limit stops each attempt, reported with the line.
if wanted regex-catastrophic; then
	newcase
	cat >"$tmp/evil-rule.yaml" <<'EOF'
rules:
  - id: catastrophic-regex
    title: A regex with catastrophic backtracking
    severity: low
    patterns:
      - '(a+)+$'
    message: "a line of a's"
    examples:
      match:
        - "aaaa"
      no_match:
        - "b"
EOF
	{
		repeat 100000 a
		printf 'b\n'
		i=1
		while [ $i -le 20 ]; do
			repeat 5000 a
			printf 'b\n'
			i=$((i + 1))
		done
	} >aaa.log
	check regex-catastrophic \
		"aaa\\.log:1: warning: rule 'catastrophic-regex': PCRE2 match limit reached" \
		"PCRE2 match limit reached" -r "$tmp/evil-rule.yaml" "$tmp/case"
fi

# A log naming 10,500 distinct ClusterIssuers, each with a finding: the
# finding limit (10,000) stops the growth (before the limit, 200,000 such
# lines took minutes and a gigabyte); the report's limits say from where.
# Object findings are made after all lines are read, so today the flood
# also crowds out the healthy entry's finding: healthy_check=0 until
# analysis_finish() gives objects their own budget.
if wanted many-findings; then
	newcase
	seq 1 10500 | awk '{ printf "E0716 09:43:14.520118       1 setup.go:336] \"failed to update ACME account\" err=\"400 urn:ietf:params:acme:error:invalidEmail: Unable to update account :: invalid contact domain. Contact emails @example.com are forbidden\" logger=\"cert-manager.controller\" resource_kind=\"ClusterIssuer\" resource_name=\"issuer-%d\" resource_namespace=\"\"\n", $1 }' \
		>zz-controller.log
	healthy_check=0
	check many-findings \
		"zz-controller\\.log:10001: warning: finding limit of 10000 reached" \
		'"where":[[:space:]]*"[^"]*zz-controller\.log:10001"'
	healthy_check=1
fi

# --timeout: an endless log on standard input is cut when the time is up,
# with the line and byte where reading stopped; the healthy file named
# before it is analyzed. (Runs once the binary has --timeout.)
if wanted timeout && "$K" --help 2>/dev/null | grep -q -e '--timeout'; then
	newcase
	start=$(date +%s)
	mkfifo "$tmp/fifo"
	yes 'I0716 09:43:14.520118       1 x.go:1] "an endless log" key="a/b"' |
		head -c 4000000000 >"$tmp/fifo" 2>/dev/null &
	check timeout \
		"\\(stdin\\): error: (time limit reached at line [0-9]+ \\(byte [0-9]+\\)|read error after line [0-9]+ \\(byte [0-9]+\\): time limit reached)" \
		"time limit reached" --timeout 2 "$tmp/case/healthy.txt" - \
		<"$tmp/fifo"
	wait
	rm -f "$tmp/fifo"
	if [ $(($(date +%s) - start)) -gt 30 ]; then
		echo "timeout: FAILED; took $(($(date +%s) - start))s with --timeout 2"
		status=1
	fi
fi

# ---- regressions: inputs that crashed or leaked before a fix ----

# A klog line ending in a lone quote (err=") gave a value of SIZE_MAX
# bytes and a read past the line buffer (segfault); a JSON log "ts" of
# 1e300 overflowed the int64 conversion.
if wanted klog-lone-quote; then
	newcase
	{
		echo 'E0716 09:43:14.520118       1 setup.go:336] "failed to update ACME account" err="'
		echo 'E0716 09:43:14.520118       1 setup.go:336] "x" "error"="'
		echo '{"ts":1e300,"msg":"x","err":"'
		echo '{"'
	} >controller.log
	check klog-lone-quote - -
fi

# An empty directory among the paths (qsort on a NULL array).
if wanted empty-directory; then
	newcase
	mkdir empty-dir
	check empty-directory - -
fi

# A describe Events block whose underline comes before any header row:
# the rows were split with no columns (uninitialised cells, a crash).
if wanted events-underline-first; then
	newcase
	printf 'Name:         web\nNamespace:    shop\nKind:         Certificate\nEvents:\n  ----     ------\n  Normal   Created  1s  cert-manager  Created it\n' \
		>describe.txt
	check events-underline-first - -
fi

# A `kubectl get events` table whose header repeats a column (leaked the
# first cell).
if wanted gettable-repeated-column; then
	newcase
	{
		echo '$ kubectl get events -n shop'
		echo 'LAST SEEN   TYPE      REASON    OBJECT             REASON    MESSAGE   MESSAGE'
		echo '98s         Normal    Created   order/example-1    Again     one       two'
	} >events.txt
	check gettable-repeated-column - -
fi

# Rule files: an alias bomb of conditions (exponential before the limit)
# and repeated keys (leaked the first value). Exit 3, bounded, located.
check_rules() {
	name=$1 want_err=$2 file=$3
	rm -f "$tmp/mem"
	timeout "$TIME_LIMIT" "$K" rules lint "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	common_problems
	[ "$rc" = 3 ] || [ "$rc" -ge 124 ] || why="$why; exit $rc, expected 3"
	grep -q -E -e "$want_err" "$tmp/err" ||
		why="$why; no message matching /$want_err/ on stderr"
	report "$name"
}

if wanted rules-alias-bomb; then
	{
		printf 'rules:\n  - id: lol-rule\n    title: lol\n    severity: low\n'
		printf '    match:\n      - log:\n          any:\n'
		printf "            - &a {any: [{err: {regex: 'x'}}, {err: {regex: 'y'}}]}\n"
		p=a
		for c in b c d e f g h i j k; do
			printf '            - &%s {any: [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]}\n' \
				$c $p $p $p $p $p $p $p $p
			p=$c
		done
	} >"$tmp/lol-rule.yaml"
	check_rules rules-alias-bomb \
		"lol-rule\\.yaml:[0-9]+:[0-9]+: error: .*more than 20000 conditions" \
		"$tmp/lol-rule.yaml"
fi

if wanted rules-repeated-key; then
	cat >"$tmp/dup-rule.yaml" <<'EOF'
rules:
  - id: dup-keys
    title: first title
    title: second title
    message: one
    message: two
    severity: low
    patterns: ['x']
EOF
	check_rules rules-repeated-key \
		"dup-rule\\.yaml:4:5: error: rule 'dup-keys': key 'title' is repeated" \
		"$tmp/dup-rule.yaml"
fi

exit $status
