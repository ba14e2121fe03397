#!/usr/bin/env bash
# check.sh - compile checks of the Pico W port that need no pico-sdk.
#
#   ports/pico_w/check.sh [--lwip-src DIR] [--mbedtls3-src DIR]
#
# 1. The lwIP/mbedTLS side (src/pico_w_net.c, src/pico_w_roots.c) with the
#    host's gcc against Debian's lwIP headers (liblwip-dev, lwIP 2.1.3) and
#    mbedTLS headers (libmbedtls-dev, 2.28), configured by the example's
#    lwipopts.h and mbedtls_config.h (mbedTLS's check_config.h runs on it),
#    once as threadsafe_background and once as poll; warnings are errors.
# 2. The same two files cross-compiled for Cortex-M0+ (arm-none-eabi-gcc
#    -mcpu=cortex-m0plus -mthumb -Os), when that compiler is installed.
# 3. The pico-sdk side (src/pico_w_board.c) and the example's main.c against
#    check/pico_sdk_decls/: the declarations of exactly the SDK functions
#    they use, transcribed from pico-sdk 2.x's headers. This catches a
#    misspelt name, a wrong argument or a missing include; it is not the SDK.
# 4. With --lwip-src DIR (lwIP's sources, e.g. `apt-get source lwip`): lwIP's
#    own altcp_tls_mbedtls.c, sntp.c, dns.c and init.c (its option sanity
#    checks) with the same lwipopts.h and mbedtls_config.h.
# 5. With --mbedtls3-src DIR (mbedTLS 3.6 sources, as pico-sdk 2.2 uses): the
#    port's lwIP side against its headers, the configuration found through a
#    pico_mbedtls_config.h as the SDK does it, for the host and Cortex-M0+.
#
# Nothing is linked or run. Needs gcc, liblwip-dev, libmbedtls-dev.
set -euo pipefail

cd "$(dirname "$0")/../.."

LWIP_SRC=
MBED3_SRC=
while [ $# -gt 0 ]; do
    case "$1" in
    --lwip-src) LWIP_SRC=$2; shift 2 ;;
    --mbedtls3-src) MBED3_SRC=$2; shift 2 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0 ;;
    *) echo "check.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

LWIP_INC=${LWIP_INC:-/usr/include/lwip}
if [ ! -f "$LWIP_INC/lwip/altcp_tls.h" ]; then
    echo "check.sh: lwIP headers not found in $LWIP_INC (apt-get install liblwip-dev)" >&2
    exit 1
fi
if [ ! -f /usr/include/mbedtls/ssl.h ]; then
    echo "check.sh: mbedTLS headers not found (apt-get install libmbedtls-dev)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mqtts/version.h, as CMake would write it.
version=$(sed -n 's/^project(mqtts VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r major minor patch <<<"$version"
mkdir -p "$tmp/include/mqtts"
sed -e "s/@mqtts_VERSION_MAJOR@/$major/" -e "s/@mqtts_VERSION_MINOR@/$minor/" \
    -e "s/@mqtts_VERSION_PATCH@/$patch/" -e "s/@mqtts_VERSION@/$version/" \
    cmake/version.h.in >"$tmp/include/mqtts/version.h"

WARN=(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
      -Wpointer-arith -Wundef -Wvla -Wformat=2 -Wconversion -Wno-sign-conversion -Werror)
EX=examples/pico_w_hivemq
INC=(-I"$EX" -Iports/pico_w/include -Iports/pico_w/src -Iinclude -I"$tmp/include")
MBED=('-DMBEDTLS_CONFIG_FILE="mbedtls_config.h"')
failed=0

check() { # check LABEL COMMAND...
    local label=$1
    shift
    if "$@" 2>"$tmp/err"; then
        echo "ok      $label"
    else
        echo "FAILED  $label"
        sed 's/^/        /' "$tmp/err"
        failed=1
    fi
}

# 1. Host, Debian's lwIP and mbedTLS headers.
for arch in PICO_CYW43_ARCH_THREADSAFE_BACKGROUND PICO_CYW43_ARCH_POLL; do
    for f in pico_w_net pico_w_roots; do
        check "host gcc: src/$f.c ($arch)" \
            gcc -std=c11 -D_DEFAULT_SOURCE "${WARN[@]}" -D"$arch"=1 "${MBED[@]}" "${INC[@]}" \
            -I"$LWIP_INC" -c "ports/pico_w/src/$f.c" -o "$tmp/$f.o"
    done
done

# 2. Cortex-M0+ (mbedTLS's headers without the rest of the host's /usr/include).
if command -v arm-none-eabi-gcc >/dev/null; then
    mkdir -p "$tmp/mbedtls-only"
    ln -s /usr/include/mbedtls "$tmp/mbedtls-only/mbedtls"
    for f in pico_w_net pico_w_roots; do
        check "arm-none-eabi-gcc -mcpu=cortex-m0plus: src/$f.c" \
            arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb -Os -std=c11 "${WARN[@]}" \
            -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1 "${MBED[@]}" "${INC[@]}" -I"$LWIP_INC" \
            -I"$tmp/mbedtls-only" -c "ports/pico_w/src/$f.c" -o "$tmp/m0-$f.o"
    done
else
    echo "skip    arm-none-eabi-gcc not installed"
fi

# 3. The pico-sdk side against the transcribed declarations.
DECLS=(-Iports/pico_w/check/pico_sdk_decls -DCYW43_LWIP=1)
for arch in PICO_CYW43_ARCH_THREADSAFE_BACKGROUND PICO_CYW43_ARCH_POLL; do
    check "pico-sdk declarations: src/pico_w_board.c ($arch)" \
        gcc -std=c11 -D_DEFAULT_SOURCE "${WARN[@]}" -D"$arch"=1 "${DECLS[@]}" "${MBED[@]}" \
        "${INC[@]}" -I"$LWIP_INC" -c ports/pico_w/src/pico_w_board.c -o "$tmp/board.o"
done
cp "$EX/secrets.h.example" "$tmp/include/secrets.h"
check "pico-sdk declarations: $EX/main.c" \
    gcc -std=c11 -D_DEFAULT_SOURCE "${WARN[@]}" -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1 \
    "${DECLS[@]}" "${MBED[@]}" "${INC[@]}" -I"$LWIP_INC" -c "$EX/main.c" -o "$tmp/main.o"

# 4. lwIP's own sources with our options.
if [ -n "$LWIP_SRC" ]; then
    for f in src/apps/altcp_tls/altcp_tls_mbedtls.c src/apps/altcp_tls/altcp_tls_mbedtls_mem.c \
             src/apps/sntp/sntp.c src/core/dns.c src/core/init.c src/core/altcp_tcp.c; do
        check "lwIP $f" \
            gcc -std=gnu11 -Wall -Wno-unused-result -D_DEFAULT_SOURCE \
            -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1 "${MBED[@]}" -I"$EX" \
            -I"$LWIP_SRC/src/include" -I"$LWIP_SRC/port/include" -c "$LWIP_SRC/$f" -o "$tmp/lwip.o"
    done
fi

# 5. mbedTLS 3.x headers, the way pico-sdk 2.2 finds the configuration (its
#    headers are -isystem: they do not pass -Wundef themselves).
if [ -n "$MBED3_SRC" ]; then
    mkdir -p "$tmp/shim"
    echo '#include "mbedtls_config.h"' >"$tmp/shim/pico_mbedtls_config.h"
    M3=(-I"$tmp/shim" -isystem "$MBED3_SRC/include" '-DMBEDTLS_CONFIG_FILE="pico_mbedtls_config.h"')
    for f in pico_w_net pico_w_roots; do
        check "mbedTLS 3 host gcc: src/$f.c" \
            gcc -std=c11 -D_DEFAULT_SOURCE "${WARN[@]}" -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1 \
            "${INC[@]}" "${M3[@]}" -I"$LWIP_INC" -c "ports/pico_w/src/$f.c" -o "$tmp/$f.o"
        if command -v arm-none-eabi-gcc >/dev/null; then
            check "mbedTLS 3 arm-none-eabi-gcc: src/$f.c" \
                arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb -Os -std=c11 "${WARN[@]}" \
                -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1 "${INC[@]}" "${M3[@]}" -I"$LWIP_INC" \
                -c "ports/pico_w/src/$f.c" -o "$tmp/m0-$f.o"
        fi
    done
fi

if [ "$failed" -ne 0 ]; then
    echo "check.sh: FAILED"
    exit 1
fi
echo "check.sh: all passed"
