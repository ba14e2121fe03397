#!/usr/bin/env bash
# run.sh - the mbedTLS heap of one TLS connection with the Pico W example's
# mbedTLS settings, measured against a real TLS server on 127.0.0.1.
#
#   bench/tls_heap/run.sh --mbedtls-src DIR [--arch arm|host|both] [--out FILE]
#
# DIR holds the mbedTLS sources: 2.28 (pico-sdk 2.0 and 2.1) or 3.6 (pico-sdk
# 2.2). On Debian 12, with a deb-src line for bookworm in
# /etc/apt/sources.list.d/:
#     apt-get update && (cd /some/dir && apt-get source mbedtls)
# gives DIR=/some/dir/mbedtls-2.28.3; a deb-src line for trixie and
# `apt-get source mbedtls=3.6.6-0.1~deb13u1` gives 3.6.6, one of the three
# versions pico-sdk 2.2 supports. (Debian's libmbedtls-dev is built with
# Debian's own configuration, so it cannot measure ours.)
#
# What it does (in build/tls_heap/, nothing outside it):
#   1. Compiles mbedTLS's library/*.c with host_config.h, i.e. the example's
#      mbedtls_config.h plus MBEDTLS_PLATFORM_MEMORY, once per variant:
#        example       the example's settings
#        ecp-defaults  the same with mbedTLS's ECP defaults (window 4,
#                      fixed-point table cached)
#        in2k-mfl      MBEDTLS_SSL_IN_CONTENT_LEN 2048, with the
#                      max_fragment_length extension asked for (2048; mbedTLS
#                      offers at most min(IN, OUT)_CONTENT_LEN), which the
#                      server must honour (OpenSSL, so mosquitto, does)
#      for ARM EABI (arm-linux-gnueabi-gcc, run under qemu-arm: 32-bit
#      pointers and limbs, the struct sizes of a Cortex-M0+ build) and, for
#      comparison, the host (x86-64, example settings only).
#   2. Builds tls_heap.c with ports/pico_w/src/pico_w_roots.c and
#      src/tls/roots.c (the device's trust: ISRG Root X1 + X2 as PEM).
#   3. Makes three certificate chains with openssl, each with SAN localhost:
#        ecdsa   root P-384, intermediate P-384, leaf P-256, SHA-384
#                (the shape of Let's Encrypt's ISRG Root X2 / E5 chain)
#        rsa     root RSA-4096, intermediate and leaf RSA-2048, SHA-256
#                (the shape of ISRG Root X1 / R10)
#        p256    P-256 throughout, SHA-256 (tests/tls/make-pki.sh's kind)
#   4. Starts mosquitto with one TLS 1.2 listener per chain on 127.0.0.1,
#      runs tls_heap against each, and prints a table (and --out FILE).
#
# Contacts nothing but 127.0.0.1. Needs gcc, openssl, mosquitto, python3
# (a free port) and, for --arch arm, gcc-arm-linux-gnueabi and qemu-user.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)

SRC=${MBEDTLS_SRC:-}
ARCHES=both
OUT=
while [ $# -gt 0 ]; do
    case "$1" in
    --mbedtls-src) SRC=$2; shift 2 ;;
    --arch) ARCHES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$SRC" ] || [ ! -f "$SRC/library/ssl_tls.c" ] || [ ! -f "$SRC/include/mbedtls/version.h" ]; then
    echo "run.sh: give the mbedTLS sources: --mbedtls-src DIR (see --help)" >&2
    exit 2
fi
MBED_VERSION=
for h in "$SRC/include/mbedtls/build_info.h" "$SRC/include/mbedtls/version.h"; do
    [ -f "$h" ] && [ -z "$MBED_VERSION" ] &&
        MBED_VERSION=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$h")
done
MBED_VERSION=${MBED_VERSION:-unknown}
case "$ARCHES" in
arm) ARCH_LIST=(arm) ;;
host) ARCH_LIST=(host) ;;
both) ARCH_LIST=(arm host) ;;
*) echo "run.sh: --arch arm|host|both" >&2; exit 2 ;;
esac
for tool in gcc openssl mosquitto python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 1; }
done
if [[ " ${ARCH_LIST[*]} " == *" arm "* ]]; then
    for tool in arm-linux-gnueabi-gcc qemu-arm; do
        command -v "$tool" >/dev/null || {
            echo "run.sh: $tool not found (apt-get install gcc-arm-linux-gnueabi qemu-user)" >&2
            exit 1
        }
    done
fi

B=$ROOT/build/tls_heap/$MBED_VERSION
mkdir -p "$B"
JOBS=$(nproc 2>/dev/null || echo 2)

# mqtts/version.h, as CMake would write it (the port's headers need it).
version=$(sed -n 's/^project(mqtts VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r major minor patch <<<"$version"
mkdir -p "$B/include/mqtts"
sed -e "s/@mqtts_VERSION_MAJOR@/$major/" -e "s/@mqtts_VERSION_MINOR@/$minor/" \
    -e "s/@mqtts_VERSION_PATCH@/$patch/" -e "s/@mqtts_VERSION@/$version/" \
    cmake/version.h.in >"$B/include/mqtts/version.h"

variant_defs() {
    case "$1" in
    example) echo "" ;;
    ecp-defaults) echo "-DBENCH_ECP_DEFAULTS" ;;
    in2k-mfl) echo "-DBENCH_IN_CONTENT_LEN=2048" ;;
    esac
}
variant_mfl() {
    [ "$1" = in2k-mfl ] && echo 2048 || echo 0
}

# build ARCH VARIANT: the library and tls_heap into $B/ARCH-VARIANT/
build() {
    local arch=$1 variant=$2 dir=$B/$1-$2 cc ldflags=()
    if [ "$arch" = arm ]; then
        cc=arm-linux-gnueabi-gcc
        ldflags=(-static)
    else
        cc=gcc
    fi
    local cflags=(-Os -std=c11 -D_DEFAULT_SOURCE -I"$SRC/include" -I"$ROOT/bench/tls_heap"
                  -I"$ROOT/examples/pico_w_hivemq" '-DMBEDTLS_CONFIG_FILE="host_config.h"')
    # shellcheck disable=SC2207
    cflags+=($(variant_defs "$variant"))
    mkdir -p "$dir/obj"
    # One compiler line in a file, so that xargs can run it in parallel
    # without another round of shell quoting.
    printf '%q ' "$cc" "${cflags[@]}" -w -c >"$dir/cc.sh"
    echo '"$1" -o "$2"' >>"$dir/cc.sh"
    # Rebuild when the configuration or the flags change.
    local stamp
    stamp=$( (cat "$dir/cc.sh" examples/pico_w_hivemq/mbedtls_config.h bench/tls_heap/host_config.h) |
             sha256sum | cut -c1-16)
    if [ ! -f "$dir/libmbedtls-all.a" ] || [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ]; then
        echo "building mbedTLS ($arch, $variant) ..." >&2
        rm -f "$dir"/obj/*.o "$dir/libmbedtls-all.a"
        for f in "$SRC"/library/*.c; do
            printf '%s\0%s\0' "$f" "$dir/obj/$(basename "$f" .c).o"
        done | xargs -0 -n 2 -P "$JOBS" sh "$dir/cc.sh"
        ar rcs "$dir/libmbedtls-all.a" "$dir"/obj/*.o
        echo "$stamp" >"$dir/stamp"
    fi
    "$cc" "${cflags[@]}" -isystem "$SRC/library" -Wall -Wextra -Werror -I"$ROOT/include" \
        -I"$B/include" -I"$ROOT/ports/pico_w/include" -I"$ROOT/ports/pico_w/src" bench/tls_heap/tls_heap.c \
        ports/pico_w/src/pico_w_roots.c src/tls/roots.c "$dir/libmbedtls-all.a" -lpthread \
        "${ldflags[@]}" -o "$dir/tls_heap"
}

# ---- certificates -----------------------------------------------------------
PKI=$B/pki
rm -rf "$PKI"
mkdir -p "$PKI"
(
    cd "$PKI"
    ossl() { openssl "$@" 2>>openssl.log; }
    cat >ext.cnf <<'CNF'
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost
CNF
    key() { # key NAME ec:CURVE|rsa:BITS
        case "$2" in
        ec:*) ossl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2#ec:}" -out "$1.key" ;;
        rsa:*) ossl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa:}" -out "$1.key" ;;
        esac
    }
    chain() { # chain NAME ROOTKEY INTERKEY LEAFKEY DIGEST
        local n=$1
        key "$n-root" "$2"
        key "$n-inter" "$3"
        key "$n-leaf" "$4"
        ossl req -x509 -new -key "$n-root.key" -subj "/O=mqtts bench/CN=$n root" -"$5" \
            -days 30 -config /dev/null -extensions root -extfile ext.cnf -out "$n-root.pem" ||
        ossl req -x509 -new -key "$n-root.key" -subj "/O=mqtts bench/CN=$n root" -"$5" \
            -days 30 -addext "basicConstraints=critical,CA:true" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$n-root.pem"
        ossl req -new -key "$n-inter.key" -subj "/O=mqtts bench/CN=$n intermediate" -out "$n-inter.csr"
        ossl x509 -req -in "$n-inter.csr" -CA "$n-root.pem" -CAkey "$n-root.key" -CAcreateserial \
            -"$5" -days 30 -extfile ext.cnf -extensions inter -out "$n-inter.pem"
        ossl req -new -key "$n-leaf.key" -subj "/CN=localhost" -out "$n-leaf.csr"
        ossl x509 -req -in "$n-leaf.csr" -CA "$n-inter.pem" -CAkey "$n-inter.key" -CAcreateserial \
            -"$5" -days 30 -extfile ext.cnf -extensions leaf -out "$n-leaf.pem"
        cat "$n-leaf.pem" "$n-inter.pem" >"$n-chain.pem"
    }
    chain ecdsa ec:P-384 ec:P-384 ec:P-256 sha384
    chain rsa rsa:4096 rsa:2048 rsa:2048 sha256
    chain p256 ec:P-256 ec:P-256 ec:P-256 sha256
    chmod 0644 ./*.pem ./*.key
)
CHAINS=(ecdsa rsa p256)

# ---- mosquitto on 127.0.0.1 -------------------------------------------------
read -r -a PORTS < <(/usr/bin/python3 - <<'PY'
import socket
socks = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
CONF=$B/mosquitto.conf
{
    echo "per_listener_settings false"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "log_dest file $B/mosquitto.log"
    [ "$(id -u)" = 0 ] && echo "user root" # else it drops to 'mosquitto' and cannot read $B
    for i in 0 1 2; do
        c=${CHAINS[$i]}
        echo "listener ${PORTS[$i]} 127.0.0.1"
        echo "certfile $PKI/$c-chain.pem"
        echo "keyfile $PKI/$c-leaf.key"
        echo "cafile $PKI/$c-root.pem"
        echo "tls_version tlsv1.2"
    done
} >"$CONF"
: >"$B/mosquitto.log"
mosquitto -c "$CONF" 2>>"$B/mosquitto.log" &
MOSQ=$!
trap 'kill $MOSQ 2>/dev/null; wait $MOSQ 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    up=0
    for p in "${PORTS[@]}"; do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && up=$((up + 1))
    done
    [ "$up" = 3 ] && break
    sleep 0.1
done
if [ "$up" != 3 ]; then
    echo "run.sh: mosquitto did not start; its log:" >&2
    cat "$B/mosquitto.log" >&2
    exit 1
fi

# ---- build and run ------------------------------------------------------------
RUNS=()
for arch in "${ARCH_LIST[@]}"; do
    if [ "$arch" = arm ]; then variants=(example ecp-defaults in2k-mfl); else variants=(example); fi
    for v in "${variants[@]}"; do
        build "$arch" "$v"
        RUNS+=("$arch:$v")
    done
done

get() { sed -n "s/^$1=//p" "$2"; }

table=$B/results.md
{
    echo "mbedTLS $MBED_VERSION with examples/pico_w_hivemq/mbedtls_config.h (variants: run.sh --help)."
    echo "Bytes of heap asked of the allocator (the C library's own overhead not included), first connection;"
    echo "once = trust (ISRG X1+X2 and the test root; RNG and config allocate nothing); 2nd = what the"
    echo "second connection left behind (0: nothing grows across reconnects)."
    echo
    echo "| build | variant | chain | suite, curve | once | ISRG X1+X2 | setup | handshake peak | after handshake | data peak | left after free | 2nd | stack |"
    echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$table"
status=0
for run in "${RUNS[@]}"; do
    arch=${run%%:*}
    v=${run#*:}
    for i in 0 1 2; do
        c=${CHAINS[$i]}
        log=$B/$arch-$v/$c.txt
        cmd=("$B/$arch-$v/tls_heap" --port "${PORTS[$i]}" --ca "$PKI/$c-root.pem" --host localhost
             --mfl "$(variant_mfl "$v")")
        [ "$arch" = arm ] && cmd=(qemu-arm "${cmd[@]}")
        if ! "${cmd[@]}" >"$log" 2>&1; then
            echo "run.sh: $arch/$v/$c failed:" >&2
            cat "$log" >&2
            status=1
            continue
        fi
        printf '| %s | %s | %s | %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$([ "$arch" = arm ] && echo "ARM EABI (32-bit)" || echo "x86-64")" "$v" "$c" \
            "$(get c1_ciphersuite "$log" | sed 's/^TLS-ECDHE-//')" "$(get c1_ecdhe_curve "$log")" \
            "$(get heap_once "$log")" "$(get heap_isrg_x1_x2 "$log")" \
            "$(get c1_after_setup "$log")" "$(get c1_handshake_peak "$log")" \
            "$(get c1_after_handshake "$log")" "$(get c1_data_peak "$log")" \
            "$(get c1_left_after_free "$log")" "$(get c2_left_after_free "$log")" \
            "$(get c1_stack_used "$log")" >>"$table"
    done
done
cat "$table"
echo
echo "logs: $B/<build>-<variant>/<chain>.txt; struct sizes (lwIP's heap on the device) are in them."
[ -n "$OUT" ] && cp "$table" "$OUT"
exit "$status"
