#!/bin/sh
# Install missing build dependencies on Debian/Ubuntu (used by `make deps`,
# and so by `make demo` and `make check`). Says what it installs, does
# nothing when everything is present, and prints the exact apt-get line
# when it cannot install (not root and no sudo, or no apt-get).
# Extra packages may be asked for with DEPS_EXTRA="pkg ...".
set -u

need="gcc make pkg-config libpcre2-dev libyaml-dev zlib1g-dev libcjson-dev libcmocka-dev libssl-dev openssl time ${DEPS_EXTRA:-}"
# Optional accelerators (issue #9): the Hyperscan API (Vectorscan) and
# ISA-L with its igzip tool. Installed where Debian has them (Vectorscan
# is not built for every architecture); without them ktriage builds and
# works, with Aho-Corasick and zlib. DEPS_OPTIONAL=0 leaves them out.
optional="libvectorscan-dev libisal-dev isal"
[ "${DEPS_OPTIONAL:-1}" = 0 ] && optional=""

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $need; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case "$st" in
		*"install ok installed"*) ;;
		*) missing="$missing $p" ;;
		esac
	done
else
	# Not Debian: check the libraries through pkg-config only.
	for m in libpcre2-8 yaml-0.1 zlib libcjson libcrypto cmocka; do
		pkg-config --exists "$m" 2>/dev/null || missing="$missing $m"
	done
	if [ -n "$missing" ]; then
		echo "ktriage: missing libraries (pkg-config):$missing" >&2
		echo "ktriage: install their development packages and run make again" >&2
		exit 1
	fi
	exit 0
fi

# Optional packages: tried one by one after the required ones, never fatal.
install_optional() {
	[ -n "$optional" ] && command -v apt-get >/dev/null 2>&1 || return 0
	for p in $optional; do
		case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" in
		*"install ok installed"*) continue ;;
		esac
		apt-cache show "$p" >/dev/null 2>&1 || continue
		if [ "$(id -u)" -eq 0 ]; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 &&
				echo "ktriage: installed optional $p"
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 &&
				echo "ktriage: installed optional $p"
		fi
	done
	return 0
}

if [ -z "$missing" ]; then
	install_optional
	exit 0
fi

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "ktriage: missing build dependencies:$missing" >&2
	echo "ktriage: run as root:  apt-get update && $line" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ktriage: missing build dependencies:$missing (no apt-get here)" >&2
	exit 1
fi
echo "ktriage: installing build dependencies:$missing"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	# The package lists may be missing or stale on a fresh machine.
	$sudo apt-get update -q >/dev/null 2>&1
	if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
		echo "ktriage: could not install; run:  ${sudo:+sudo }apt-get update && ${sudo:+sudo }$line" >&2
		exit 1
	fi
fi
echo "ktriage: build dependencies installed"
install_optional
