#!/bin/sh
# Generate the test PKI of the x509 end-to-end tests with the openssl
# command (EC P-256 keys, validity counted from the wall clock): a root and
# an intermediate, a Let's Encrypt-staging-named CA pair, and leaf
# certificates for every case. Not a test itself (no cmd file here).
#
# Usage: gen-certs.sh DIR      (writes DIR/<name>.pem and DIR/<name>.key)
set -eu
d=$1
mkdir -p "$d"
if ! command -v openssl >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >/dev/null 2>&1; }
	fi
	command -v openssl >/dev/null 2>&1 || { echo "gen-certs: no openssl command" >&2; exit 1; }
fi

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/$1.key" 2>/dev/null
}

# ca NAME SUBJECT [ISSUER]: a CA certificate, self-signed without ISSUER.
ca() {
	key "$1"
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$d/$1.ext"
	openssl req -new -key "$d/$1.key" -subj "$2" -out "$d/$1.csr" 2>/dev/null
	if [ $# -ge 3 ]; then
		openssl x509 -req -in "$d/$1.csr" -CA "$d/$3.pem" -CAkey "$d/$3.key" \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			-days 3650 -extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
	else
		openssl x509 -req -in "$d/$1.csr" -signkey "$d/$1.key" \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			-days 3650 -extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
	fi
}

# leaf NAME ISSUER DAYS SERIAL SAN...: a server certificate.
leaf() {
	n=$1 iss=$2 days=$3 serial=$4
	shift 4
	key "$n"
	san=""
	for s in "$@"; do san="${san:+$san,}DNS:$s"; done
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n' "$san" >"$d/$n.ext"
	openssl req -new -key "$d/$n.key" -subj "/CN=$1" -out "$d/$n.csr" 2>/dev/null
	openssl x509 -req -in "$d/$n.csr" -CA "$d/$iss.pem" -CAkey "$d/$iss.key" \
		-set_serial "$serial" -days "$days" -extfile "$d/$n.ext" \
		-out "$d/$n.pem" 2>/dev/null
}

ca root "/O=ktriage tests/CN=ktriage Test Root X1"
ca int "/O=ktriage tests/CN=ktriage Test Intermediate R1" root
ca stgroot "/C=US/O=(STAGING) Internet Security Research Group/CN=(STAGING) Pretend Pear X1"
ca stg "/C=US/O=(STAGING) Let's Encrypt/CN=(STAGING) Artificial Apricot R3" stgroot

leaf healthy int 90 0x0A11CE0001 shop.example.com www.shop.example.com
leaf expired int 1 0x0A11CE0002 old.example.com
leaf expiring int 33 0x0A11CE0003 soon.example.com
leaf staging stg 90 0x0A11CE0004 staging.example.com
leaf wrongsan int 90 0x0A11CE0005 api.example.com
leaf keymismatch int 90 0x0A11CE0006 keys.example.com
leaf revoked int 90 0x03ABCDEF0123456789 revoked.example.com
leaf incomplete int 90 0x0A11CE0008 lonely.example.com
leaf disagree int 90 0x0A11CE0009 drift.example.com
leaf wildcard int 90 0x0A11CE000A '*.apps.example.com'
key otherkey
rm -f "$d"/*.csr "$d"/*.ext
