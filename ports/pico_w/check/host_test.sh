#!/usr/bin/env bash
# host_test.sh - runs the Pico W port's lwIP side for real on the host.
#
#   ports/pico_w/check/host_test.sh --lwip-src DIR --mbedtls-src DIR
#
# Builds lwIP (core, IPv4, altcp_tls, SNTP: NO_SYS, the example's
# lwipopts.h plus the loopback interface) and mbedTLS (the example's
# mbedtls_config.h plus the server side) from their sources, and
# src/pico_w_net.c and src/pico_w_roots.c as the firmware has them; makes a
# P-256 certificate chain with openssl; and runs check/host/net_test.c,
# which connects the port's transport to a TLS echo server inside the same
# lwIP (127.0.0.1 on lwIP's loopback interface: no host socket is used).
# It checks a verified connection with data both ways and a reconnect,
# the server's close, a wrong name, an expired and a not-yet-valid
# certificate (by moving the port's clock), no clock, an untrusted root,
# the built-in ISRG roots loading, plain TCP, a refused port, a close while
# the link is down, DNS of an address and SNTP's answers reaching the clock;
# the port's code runs under
# ASan and UBSan, and the lwIP lock must be balanced throughout.
#
# DIR: lwIP 2.1 sources (Debian 12: `apt-get source lwip`, 2.1.3; its
# altcp_tls does not know ALTCP_MBEDTLS_AUTHMODE and uses VERIFY_OPTIONAL,
# so the refusals below are the port's own check) and mbedTLS 2.28 sources
# (`apt-get source mbedtls`).
set -euo pipefail

cd "$(dirname "$0")/../../.."
ROOT=$(pwd)
LWIP=
MBED=
while [ $# -gt 0 ]; do
    case "$1" in
    --lwip-src) LWIP=$2; shift 2 ;;
    --mbedtls-src) MBED=$2; shift 2 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0 ;;
    *) echo "host_test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
if [ ! -f "$LWIP/src/core/init.c" ] || [ ! -f "$MBED/library/ssl_tls.c" ]; then
    echo "host_test.sh: give --lwip-src DIR and --mbedtls-src DIR (see --help)" >&2
    exit 2
fi

B=$ROOT/build/pico_w_host_test
mkdir -p "$B/obj" "$B/include/mqtts"
JOBS=$(nproc 2>/dev/null || echo 2)

version=$(sed -n 's/^project(mqtts VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r major minor patch <<<"$version"
sed -e "s/@mqtts_VERSION_MAJOR@/$major/" -e "s/@mqtts_VERSION_MINOR@/$minor/" \
    -e "s/@mqtts_VERSION_PATCH@/$patch/" -e "s/@mqtts_VERSION@/$version/" \
    cmake/version.h.in >"$B/include/mqtts/version.h"

HOST=ports/pico_w/check/host
CFLAGS=(-O1 -g -std=gnu11 -D_DEFAULT_SOURCE -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1
        '-DMBEDTLS_CONFIG_FILE="mbedtls_host_config.h"'
        -I"$ROOT/$HOST" -I"$LWIP/src/include" -I"$LWIP/port/include" -I"$MBED/include"
        -I"$ROOT/include" -I"$B/include" -I"$ROOT/src" -I"$ROOT/ports/pico_w/include"
        -I"$ROOT/ports/pico_w/src")

srcs=("$MBED"/library/*.c)
for f in init def dns inet_chksum ip mem memp netif pbuf raw stats sys altcp altcp_alloc \
         altcp_tcp tcp tcp_in tcp_out timeouts udp; do
    srcs+=("$LWIP/src/core/$f.c")
done
srcs+=("$LWIP"/src/core/ipv4/*.c "$LWIP/src/netif/ethernet.c" "$LWIP"/src/apps/altcp_tls/*.c
       "$LWIP/src/apps/sntp/sntp.c")
# The compiler line, in a file for xargs; rewritten (and everything rebuilt)
# only when it changes.
{
    printf '%q ' gcc "${CFLAGS[@]}" -w -c
    echo '"$1" -o "$2"'
    echo "# options: $(cat "$HOST"/*.h examples/pico_w_hivemq/*.h | sha256sum | cut -c1-16)"
} >"$B/cc.sh.new"
cmp -s "$B/cc.sh.new" "$B/cc.sh" 2>/dev/null || mv "$B/cc.sh.new" "$B/cc.sh"
echo "building lwIP and mbedTLS ..." >&2
for f in "${srcs[@]}"; do
    o=$B/obj/$(echo "$f" | md5sum | cut -c1-8)-$(basename "$f" .c).o
    [ -f "$o" ] && [ "$o" -nt "$f" ] && [ "$o" -nt "$B/cc.sh" ] && continue
    printf '%s\0%s\0' "$f" "$o"
done | xargs -0 -r -n 2 -P "$JOBS" sh "$B/cc.sh"

# The port's code and the test with ASan and UBSan (lwIP and mbedTLS without).
gcc "${CFLAGS[@]}" -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
    "$HOST/net_test.c" ports/pico_w/src/pico_w_net.c \
    ports/pico_w/src/pico_w_roots.c src/tls/roots.c src/names/names.c src/packet/reasons.c "$B"/obj/*.o \
    -o "$B/net_test"

# A P-256 chain for localhost (root -> intermediate -> leaf), and a root
# that signed nothing.
PKI=$B/pki
rm -rf "$PKI"
mkdir -p "$PKI"
(
    cd "$PKI"
    ossl() { openssl "$@" 2>>openssl.log; }
    cat >ext.cnf <<'CNF'
[inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
CNF
    for k in root inter leaf other-root; do
        ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k.key"
    done
    ossl req -x509 -new -key root.key -subj "/CN=net_test root" -days 30 -out root.pem \
        -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign"
    ossl req -x509 -new -key other-root.key -subj "/CN=net_test other root" -days 30 \
        -out other-root.pem -addext "basicConstraints=critical,CA:true" \
        -addext "keyUsage=critical,keyCertSign"
    ossl req -new -key inter.key -subj "/CN=net_test intermediate" -out inter.csr
    ossl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 \
        -extfile ext.cnf -extensions inter -out inter.pem
    ossl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
    ossl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 \
        -extfile ext.cnf -extensions leaf -out leaf.pem
    cat leaf.pem inter.pem >chain.pem
)

"$B/net_test" "$PKI"
