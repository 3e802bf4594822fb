#!/bin/bash
# Test-only keys and certificates for tests/unit/tls/test_tls.c, made
# fresh at each run (nothing private is committed): a CA, a registrar
# certificate for the name registrar.test and the address 127.0.0.1
# signed by it, and a second CA that signed nothing of ours.  ECDSA
# P-256, the only signature mk/mbedtls_config.h builds.
# usage: tests/unit/tls/mkcerts.sh DIR
set -euo pipefail
dir=${1:?usage: mkcerts.sh DIR}
command -v openssl >/dev/null ||
	{ echo "mkcerts.sh: openssl is needed to make the test certificates" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
for ca in ca other-ca; do
	openssl req -x509 "${ec[@]}" -keyout "$ca.key" -out "$ca.pem" \
		-days 2 -subj "/CN=rsp test $ca" 2>/dev/null
done
openssl req "${ec[@]}" -keyout registrar.key -out registrar.csr \
	-subj /CN=registrar.test 2>/dev/null
printf 'subjectAltName=DNS:registrar.test,IP:127.0.0.1\n' >san.ext
openssl x509 -req -in registrar.csr -CA ca.pem -CAkey ca.key \
	-CAcreateserial -days 2 -extfile san.ext -out registrar.pem 2>/dev/null
