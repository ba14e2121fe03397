#!/usr/bin/env bash
# flash.sh - what TLS costs in flash on a Cortex-M0+ with the Pico W
# example's mbedTLS settings: mbedTLS, lwIP's altcp_tls glue, the port's
# lwIP side and the built-in roots.
#
#   bench/tls_heap/flash.sh --mbedtls-src DIR --lwip-src DIR
#
# Cross-compiles (arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb -Os
# -ffunction-sections -fdata-sections) mbedTLS's library/*.c with
# examples/pico_w_hivemq/mbedtls_config.h, lwIP's altcp_tls_mbedtls.c and
# altcp_tls_mbedtls_mem.c with the example's lwipopts.h, and the port's
# pico_w_net.c, pico_w_roots.c and src/tls/roots.c; then a partial link with
# --gc-sections whose roots are every global function of the port and every
# mbedTLS function altcp_tls calls (so: what the firmware can reach through
# them; lwIP's core and the C library not counted). mbedTLS 2.28 or 3.6. lwIP's headers and arch come
# from DIR (Debian's lwIP 2.1.3 sources); pico-sdk's lwIP 2.2 differs little
# in altcp_tls. Sources: see run.sh --help.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
MBED=
LWIP=
while [ $# -gt 0 ]; do
    case "$1" in
    --mbedtls-src) MBED=$2; shift 2 ;;
    --lwip-src) LWIP=$2; shift 2 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0 ;;
    *) echo "flash.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
if [ ! -f "$MBED/library/ssl_tls.c" ] || [ ! -f "$LWIP/src/apps/altcp_tls/altcp_tls_mbedtls.c" ]; then
    echo "flash.sh: give --mbedtls-src DIR and --lwip-src DIR (see --help)" >&2
    exit 2
fi
command -v arm-none-eabi-gcc >/dev/null || {
    echo "flash.sh: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi)" >&2
    exit 1
}

B=$ROOT/build/tls_flash
rm -rf "$B"
mkdir -p "$B/mbedtls" "$B/glue" "$B/include/mqtts"
version=$(sed -n 's/^project(mqtts VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r major minor patch <<<"$version"
sed -e "s/@mqtts_VERSION_MAJOR@/$major/" -e "s/@mqtts_VERSION_MINOR@/$minor/" \
    -e "s/@mqtts_VERSION_PATCH@/$patch/" -e "s/@mqtts_VERSION@/$version/" \
    cmake/version.h.in >"$B/include/mqtts/version.h"

# The configuration is found as pico-sdk finds it: through a file that
# includes "mbedtls_config.h" (mbedTLS 3 has a file of that name next to
# build_info.h, which a direct MBEDTLS_CONFIG_FILE="mbedtls_config.h" finds
# first).
echo '#include "mbedtls_config.h"' >"$B/include/pico_mbedtls_config.h"
CFLAGS=(-mcpu=cortex-m0plus -mthumb -Os -std=c11 -ffunction-sections -fdata-sections -w
        -DPICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1 '-DMBEDTLS_CONFIG_FILE="pico_mbedtls_config.h"'
        -I"$ROOT/examples/pico_w_hivemq" -I"$MBED/include" -I"$LWIP/src/include"
        -I"$LWIP/port/include" -I"$ROOT/include" -I"$B/include" -I"$ROOT/ports/pico_w/include"
        -I"$ROOT/ports/pico_w/src")
{ printf '%q ' arm-none-eabi-gcc "${CFLAGS[@]}" -c; echo '"$1" -o "$2"'; } >"$B/cc.sh"
for f in "$MBED"/library/*.c; do
    printf '%s\0%s\0' "$f" "$B/mbedtls/$(basename "$f" .c).o"
done | xargs -0 -n 2 -P "$(nproc 2>/dev/null || echo 2)" sh "$B/cc.sh"
for f in ports/pico_w/src/pico_w_net.c ports/pico_w/src/pico_w_roots.c src/tls/roots.c; do
    sh "$B/cc.sh" "$f" "$B/glue/$(basename "$f" .c).o"
done
# lwIP 2.1's altcp_tls knows mbedTLS 2 only (pico-sdk 2.2 brings its own for
# 3.x): when it does not compile, its mbedTLS calls are still counted.
altcp_ok=1
for f in "$LWIP/src/apps/altcp_tls/altcp_tls_mbedtls.c" "$LWIP/src/apps/altcp_tls/altcp_tls_mbedtls_mem.c"; do
    sh "$B/cc.sh" "$f" "$B/glue/$(basename "$f" .c).o" 2>/dev/null || altcp_ok=0
done
[ "$altcp_ok" = 1 ] || rm -f "$B"/glue/altcp_tls_mbedtls*.o

# Roots: every global function of the port's lwIP side, and every mbedTLS
# name altcp_tls uses (an -u of a name that is no function costs nothing).
mapfile -t roots < <( (arm-none-eabi-nm -g --defined-only "$B/glue/pico_w_net.o" | awk 'NF == 3 { print $3 }'
    grep -o 'mbedtls_[a-z0-9_]*' "$LWIP/src/apps/altcp_tls/altcp_tls_mbedtls.c") | sort -u |
    awk '{ print "-u"; print $1 }')
link() { # link OUT OBJECTS...: text of the partial link
    local out=$1
    shift
    arm-none-eabi-ld -r --gc-sections "${roots[@]}" "$@" -o "$out"
    arm-none-eabi-size -B "$out" | awk 'NR == 2 { print $1 + $2 }'
}
all=$(link "$B/all.o" "$B"/glue/*.o "$B"/mbedtls/*.o)
glue=$(link "$B/glue.o" "$B"/glue/*.o)
size_of() { arm-none-eabi-size -B "$1" | awk 'NR == 2 { print $1 + $2 }'; }
roots_c=$(size_of "$B/glue/roots.o")
port=$(( $(size_of "$B/glue/pico_w_net.o") + $(size_of "$B/glue/pico_w_roots.o") ))
if [ "$altcp_ok" = 1 ]; then
    altcp=$(( $(size_of "$B/glue/altcp_tls_mbedtls.o") + $(size_of "$B/glue/altcp_tls_mbedtls_mem.o") ))
else
    altcp="(not built: lwIP 2.1's altcp_tls is for mbedTLS 2)"
fi

echo "Flash on Cortex-M0+ ($(arm-none-eabi-gcc --version | head -1)), -Os, text + data, bytes:"
printf '  %-62s %7d\n' "mbedTLS $(basename "$MBED"): what altcp_tls and the port reach" $((all - glue))
printf '  %-62s %7d\n' "the rest: the port's lwIP side, altcp_tls as used, the roots" "$glue"
printf '  %-62s %7d\n' "total (ld -r --gc-sections)" "$all"
echo "Objects before --gc-sections:"
printf '  %-62s %7s\n' "lwIP altcp_tls_mbedtls.c + altcp_tls_mbedtls_mem.c" "$altcp"
printf '  %-62s %7d\n' "ports/pico_w: pico_w_net.c + pico_w_roots.c" "$port"
printf '  %-62s %7d\n' "src/tls/roots.c (all 8 built-in roots, DER)" "$roots_c"
