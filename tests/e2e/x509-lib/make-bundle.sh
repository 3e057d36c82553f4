#!/bin/sh
# Write the Kubernetes objects of the x509 end-to-end tests, as
# `kubectl get -o yaml` prints them, from the PKI of gen-certs.sh: one TLS
# Secret per case (with its Certificate and, where it matters, an Ingress)
# and a healthy Secret that must stay silent.
#
# Usage: make-bundle.sh PKI_DIR OUT.yaml
set -eu
p=$1
out=$2

b64() { cat "$@" | base64 | tr -d '\n'; }
not_after() {
	date -u -d "$(openssl x509 -enddate -noout -in "$1" | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ
}

# secret NAME CHAIN_FILES KEY_FILE
secret() {
	cat <<YAML
---
apiVersion: v1
kind: Secret
metadata:
  name: $1
  namespace: shop
  annotations:
    cert-manager.io/certificate-name: ${1%-tls}
type: kubernetes.io/tls
data:
  tls.crt: $(b64 $2)
  tls.key: $(b64 "$3")
YAML
}

# certificate NAME NOT_AFTER DNSNAME...
certificate() {
	n=$1 na=$2
	shift 2
	cat <<YAML
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: $n
  namespace: shop
spec:
  secretName: $n-tls
  issuerRef:
    name: letsencrypt
    kind: ClusterIssuer
  dnsNames:
YAML
	for h in "$@"; do echo "  - '$h'"; done
	cat <<YAML
status:
  notAfter: "$na"
  conditions:
  - type: Ready
    status: "True"
    reason: Ready
    message: Certificate is up to date and has not expired
YAML
}

# ingress NAME SECRET HOST...
ingress() {
	n=$1 s=$2
	shift 2
	cat <<YAML
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: $n
  namespace: shop
spec:
  tls:
  - secretName: $s
    hosts:
YAML
	for h in "$@"; do echo "    - '$h'"; done
}

{
	secret shop-tls "$p/healthy.pem $p/int.pem" "$p/healthy.key"
	certificate shop "$(not_after "$p/healthy.pem")" shop.example.com www.shop.example.com
	ingress shop shop-tls shop.example.com www.shop.example.com

	secret old-tls "$p/expired.pem $p/int.pem" "$p/expired.key"
	certificate old "$(not_after "$p/expired.pem")" old.example.com

	secret soon-tls "$p/expiring.pem $p/int.pem" "$p/expiring.key"
	certificate soon "$(not_after "$p/expiring.pem")" soon.example.com

	secret staging-tls "$p/staging.pem $p/stg.pem" "$p/staging.key"
	certificate staging "$(not_after "$p/staging.pem")" staging.example.com
	ingress staging staging-tls staging.example.com
	# The same staging certificate that no Ingress serves: not a finding.
	secret staging-unserved-tls "$p/staging.pem $p/stg.pem" "$p/staging.key"

	secret api-tls "$p/wrongsan.pem $p/int.pem" "$p/wrongsan.key"
	certificate api "$(not_after "$p/wrongsan.pem")" api.example.com admin.example.com
	ingress api api-tls api.example.com status.example.com

	secret keys-tls "$p/keymismatch.pem $p/int.pem" "$p/otherkey.key"
	certificate keys "$(not_after "$p/keymismatch.pem")" keys.example.com

	secret revoked-tls "$p/revoked.pem $p/int.pem" "$p/revoked.key"
	certificate revoked "$(not_after "$p/revoked.pem")" revoked.example.com

	secret lonely-tls "$p/incomplete.pem" "$p/incomplete.key"
	certificate lonely "$(not_after "$p/incomplete.pem")" lonely.example.com

	secret drift-tls "$p/disagree.pem $p/int.pem" "$p/disagree.key"
	certificate drift "$(date -u -d '+120 days' +%Y-%m-%dT%H:%M:%SZ)" drift.example.com

	secret apps-tls "$p/wildcard.pem $p/int.pem" "$p/wildcard.key"
	certificate apps "$(not_after "$p/wildcard.pem")" '*.apps.example.com' a.apps.example.com
	ingress apps apps-tls b.apps.example.com

	# An issued CertificateRequest: read too, judged by no pack rule.
	cat <<YAML
---
apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata:
  name: old-1
  namespace: shop
status:
  certificate: $(b64 "$p/expired.pem" "$p/int.pem")
YAML
} >"$out"
