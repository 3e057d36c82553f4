#!/bin/sh
# The HTML report in a real browser: renders `ktriage -f html` of
# samples/support-bundle plus a planted input (a controller log line and a
# describe value carrying <script> and <img onerror> markup) in headless
# Chromium, saves a screenshot, and checks that
#   - the findings are visible (the rank-1 title is in the rendered DOM),
#   - the planted markup shows as text,
#   - the page's own script ran (body data-ready="1"),
#   - no injected script ran (body data-pwned="0": window.__pwned unset)
#     and the injected markup made no element,
#   - the console shows no error (nothing logged, no CSP violation).
# Installs Debian's chromium when it is missing and this runs as root with
# apt-get; prints "html-test: skipped (...)" when it cannot.
#
# Usage: tools/html-test.sh [path/to/ktriage]   (default build/ktriage)
# Prints one line per check and a last line "html-test: passed",
# "html-test: FAILED" (exit 1) or "html-test: skipped (...)" (exit 0).
# The screenshot goes next to the binary: <build>/report.png.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
kt=${1:-build/ktriage}
case "$kt" in /*) ;; *) kt="$PWD/$kt" ;; esac
cd "$root" || exit 2
outdir=$(dirname "$kt")

find_chromium() {
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 1
}

chrome=$(find_chromium)
if [ -z "$chrome" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q chromium >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
		  apt-get install -y -q chromium >/dev/null 2>&1; }
	chrome=$(find_chromium)
fi
if [ -z "$chrome" ]; then
	echo "html-test: skipped (chromium is not installed and cannot be installed here: not root, or no apt-get)"
	exit 0
fi
if [ ! -x "$kt" ]; then
	echo "html-test: FAILED (no ktriage binary at $kt)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/planted/logs"
cat >"$tmp/planted/logs/cert-manager-controller.log" <<'EOF'
E0501 10:20:00.000000       1 sync.go:208] "propagation check failed" err="wrong status code '404', expected '200' <script>window.__pwned=1</script><img src=x onerror=window.__pwned=1>" logger="cert-manager.challenges" resource_name="planted-tls-1-2745722290-1" resource_namespace="planted" resource_kind="Challenge" dnsName="planted.example.com" type="HTTP-01"
EOF
cat >"$tmp/planted/describe-clusterissuer.txt" <<'EOF'
Name:         planted-issuer
Namespace:    
Labels:       <none>
Annotations:  <none>
API Version:  cert-manager.io/v1
Kind:         ClusterIssuer
Status:
  Conditions:
    Last Transition Time:  2024-05-01T10:20:00Z
    Message:               Failed to update ACME account:400 urn:ietf:params:acme:error:invalidEmail: <script>window.__pwned=1</script><img src=x onerror=window.__pwned=1> Contact emails @example.com are forbidden
    Reason:                ErrUpdateACMEAccount
    Status:                False
    Type:                  Ready
Events:                    <none>
EOF

fails=0
check() {	# check NAME CONDITION-RESULT(0|1)
	if [ "$2" = 0 ]; then
		echo "$1: yes"
	else
		echo "$1: NO"
		fails=$((fails + 1))
	fi
}

"$kt" -f html --fail-on none -o "$tmp/report.html" samples/support-bundle "$tmp/planted"
"$kt" -f json --fail-on none samples/support-bundle "$tmp/planted" >"$tmp/report.json"
# The rank-1 title, as the DOM serializes text (& < > escaped).
title=$(sed -n 's/^\t\t\t"title":\t"\(.*\)",$/\1/p' "$tmp/report.json" | head -n 1 |
	sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')

flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update --disable-sync"
# shellcheck disable=SC2086
timeout 120 "$chrome" $flags --user-data-dir="$tmp/profile1" \
	--enable-logging=stderr --v=0 --virtual-time-budget=3000 \
	--dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>"$tmp/dom.err"
# shellcheck disable=SC2086
timeout 120 "$chrome" $flags --user-data-dir="$tmp/profile2" \
	--enable-logging=stderr --v=0 --hide-scrollbars \
	--screenshot="$outdir/report.png" --window-size=1400,2400 \
	"file://$tmp/report.html" >/dev/null 2>"$tmp/shot.err"

[ -n "$title" ] && grep -qF "$title" "$tmp/dom.html"
check "rank-1 finding shown ($title)" $?
grep -qF '&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=window.__pwned=1&gt;' "$tmp/dom.html"
check "planted markup shown as text" $?
grep -q '<body[^>]* data-ready="1"' "$tmp/dom.html"
check "page script ran (data-ready=1)" $?
grep -q '<body[^>]* data-pwned="0"' "$tmp/dom.html"
check "window.__pwned never set (data-pwned=0)" $?
! grep -qi '<script>window\.__pwned\|<img' "$tmp/dom.html"
check "no element from the injected markup" $?
! grep -hi 'CONSOLE\|Uncaught\|Content Security Policy\|Refused to' \
	"$tmp/dom.err" "$tmp/shot.err" >"$tmp/console" 2>/dev/null
check "no console errors" $?
[ -s "$outdir/report.png" ] && head -c 8 "$outdir/report.png" | grep -q PNG
check "screenshot written" $?

if [ "$fails" -ne 0 ]; then
	{
		echo "--- console:"; cat "$tmp/console"
		echo "--- body tag:"; grep -o '<body[^>]*>' "$tmp/dom.html"
		echo "--- chromium stderr (tail):"; tail -n 20 "$tmp/dom.err"
	} | sed 's/^/    /'
	echo "html-test: FAILED"
	exit 1
fi
echo "html-test: passed"
