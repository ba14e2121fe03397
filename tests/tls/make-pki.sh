#!/usr/bin/env bash
# make-pki.sh DIR - a throw-away PKI for the TLS tests, made with the openssl
# command into DIR (created if missing). Nothing here is secret: the keys
# live as long as one test run.
#
#   root.pem/.der/.key    "mqtts Test Root CA" (RSA 2048), the only root the
#                         good case trusts; cadir/root.pem (a CA directory)
#   inter.pem/.key        "mqtts Test Intermediate CA" (EC P-256), issued by root
#   other-root.pem        "mqtts Other Root CA", trusted by nobody
#   fake-isrg.pem         a root that only CALLS itself "ISRG Root X1"
#
# Server leaves (EC P-256; NAME.pem is the leaf, NAME-chain.pem is the leaf
# followed by its issuer when that is an intermediate, NAME.key the key):
#   good       SAN DNS:localhost, IP:127.0.0.1; issued by inter; valid now
#   expired    SAN DNS:localhost; 2020-01-01 .. 2021-01-01
#   future     SAN DNS:localhost; 2090-01-01 .. 2091-01-01
#   wronghost  SAN DNS:wrong.example, DNS:*.wrong.example
#   ipsan      SAN IP:127.0.0.1 only
#   selfsigned self-signed, SAN DNS:localhost
#   otherca    issued by other-root, SAN DNS:localhost
#   fakeisrg   issued by fake-isrg, SAN DNS:localhost
# Clients (issued by inter unless said):
#   client.pem/-chain.pem/.key   CN=mqtts-test-client, clientAuth
#   client-enc.key               the same key, encrypted with the password in
#                                client-enc.pass (traditional PEM, AES-256-CBC)
#   client-enc-pkcs8.key         the same as PKCS#8 (openssl's default format)
#   client-other.pem/.key        issued by other-root (a server must refuse it)
# Pins (SHA-256 of the DER SubjectPublicKeyInfo, 64 hex digits):
#   good.pin, root.pin, inter.pin
set -euo pipefail

dir=${1:?usage: make-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"

ossl() { openssl "$@" 2>>openssl.log; }

cat > ca.cnf <<'CNF'
[ca]
default_ca = ca_default
[ca_default]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
# The subject keeps this order (C, O, CN), the order of the -subj given.
countryName = optional
organizationName = optional
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_server]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $ENV::SAN
[v3_selfsigned]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost
[v3_client]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
rm -rf issued index.txt* serial*
mkdir -p issued
: > index.txt
echo 1000 > serial
export SAN=DNS:unused

now_minus_day=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
in_a_year=$(date -u -d '+365 days' +%Y%m%d%H%M%SZ)

ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# self_signed NAME SUBJECT EXT KEYALG: NAME.key, NAME.pem
self_signed() {
    if [ "$4" = rsa ]; then
        ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
    else
        ec_key "$1.key"
    fi
    ossl req -x509 -new -config ca.cnf -key "$1.key" -subj "$2" -sha256 -days 3650 \
        -extensions "$3" -out "$1.pem"
}

# issue NAME SUBJECT ISSUER EXT START END: NAME.key and NAME.pem signed by ISSUER
issue() {
    ec_key "$1.key"
    ossl req -new -config ca.cnf -key "$1.key" -subj "$2" -out "$1.csr"
    ossl ca -batch -config ca.cnf -notext -cert "$3.pem" -keyfile "$3.key" \
        -extensions "$4" -startdate "$5" -enddate "$6" -in "$1.csr" -out "$1.pem"
    rm -f "$1.csr"
}

self_signed root "/O=mqtts tests/CN=mqtts Test Root CA" v3_root rsa
self_signed other-root "/O=mqtts tests/CN=mqtts Other Root CA" v3_root ec
self_signed fake-isrg "/C=US/O=Internet Security Research Group/CN=ISRG Root X1" v3_root ec
issue inter "/O=mqtts tests/CN=mqtts Test Intermediate CA" root v3_inter "$now_minus_day" "$in_a_year"

SAN="DNS:localhost,IP:127.0.0.1" issue good "/CN=localhost" inter v3_server "$now_minus_day" "$in_a_year"
SAN="DNS:localhost" issue expired "/CN=localhost" inter v3_server 20200101000000Z 20210101000000Z
SAN="DNS:localhost" issue future "/CN=localhost" inter v3_server 20900101000000Z 20910101000000Z
SAN="DNS:wrong.example,DNS:*.wrong.example" issue wronghost "/CN=wrong.example" inter v3_server "$now_minus_day" "$in_a_year"
SAN="IP:127.0.0.1" issue ipsan "/CN=127.0.0.1" inter v3_server "$now_minus_day" "$in_a_year"
SAN="DNS:localhost" issue otherca "/CN=localhost" other-root v3_server "$now_minus_day" "$in_a_year"
SAN="DNS:localhost" issue fakeisrg "/CN=localhost" fake-isrg v3_server "$now_minus_day" "$in_a_year"
self_signed selfsigned "/CN=localhost" v3_selfsigned ec

issue client "/CN=mqtts-test-client" inter v3_client "$now_minus_day" "$in_a_year"
issue client-other "/CN=mqtts-other-client" other-root v3_client "$now_minus_day" "$in_a_year"

for leaf in good expired future wronghost ipsan client; do
    cat "$leaf.pem" inter.pem > "$leaf-chain.pem"
done

# The client key encrypted with a password, in the traditional PEM format
# with AES-256-CBC (what mbedTLS 2.28 can decrypt), and again as openssl's
# default PKCS#8 (PBES2 with AES-256-CBC, which mbedTLS reads only from
# 3.5 on: a distinct, explained error on 2.28).
printf '%s' 'correct horse 42' > client-enc.pass
ossl ec -in client.key -aes256 -passout file:client-enc.pass -out client-enc.key
ossl pkcs8 -topk8 -in client.key -v2 aes-256-cbc -passout file:client-enc.pass \
    -out client-enc-pkcs8.key

ossl x509 -in root.pem -outform DER -out root.der
mkdir -p cadir
cp root.pem cadir/root.pem

pin() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -hex | sed 's/^.*= //'; }
for c in good root inter; do
    pin "$c.pem" > "$c.pin"
done
chmod 0644 ./*.pem ./*.key
echo "make-pki: done in $(pwd)"
