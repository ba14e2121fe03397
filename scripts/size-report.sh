#!/usr/bin/env bash
# size-report.sh - what the portable core costs on a Cortex-M0+ (RP2040).
#
#   scripts/size-report.sh [--budget-text DIR[+DIR...]=BYTES]...
#                          [--budget-state BYTES] [-DMQTTS_CONFIG_X=V]...
#
# Cross-compiles every .c file of the core directories (src/packet,
# src/session, src/names, src/client, src/device, src/websocket: those that
# exist; the device runtime drives the client, which is portable too; the
# WebSocket framing runs on devices too, its POSIX part in posix/ is left
# out) with
# arm-none-eabi-gcc -Os, and prints text/data/bss per object file, per
# directory and overall, then the same after a partial link with
# --gc-sections, then sizeof(mqtts_session) (the engine's state, without the
# buffers the caller gives it) as the target's compiler lays it out.
#
# Fails (exit 1) when a core file does not cross-compile (warnings are errors),
# when an object needs a symbol from outside the core other than a few
# string.h functions and libgcc helpers (no printf, no malloc), when a
# directory's text (or the sum of several joined by +) is over its
# --budget-text, or the session state over --budget-state. -D options
# (config.h settings) are passed to the compiler.
#
# Example: scripts/size-report.sh --budget-text src/packet=8192 \
#              --budget-text src/packet+src/session=14336 --budget-state 512
#          scripts/size-report.sh -DMQTTS_CONFIG_NAMES=0
set -euo pipefail

cd "$(dirname "$0")/.."

CROSS=${CROSS:-arm-none-eabi-}
CORE_DIRS=(src/packet src/session src/names src/client src/device src/websocket)
ARCH_FLAGS=(-mcpu=cortex-m0plus -mthumb -Os)
CFLAGS=("${ARCH_FLAGS[@]}" -std=c11 -ffunction-sections -fdata-sections -ffreestanding
        -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
        -Wold-style-definition -Wpointer-arith -Wundef -Wvla -Wformat=2
        -Wconversion -Wno-sign-conversion)
# What an object may need from outside the core: these string.h functions
# and the compiler's own helpers (libgcc).
ALLOWED='^(memcpy|memmove|memset|memcmp|memchr|strlen|__aeabi_[A-Za-z0-9_]+|__gnu_thumb1_case_[a-z0-9_]+|__(clz|ctz|popcount|ffs|parity|bswap)[sd]i2|__(ashl|ashr|lshr|mul|div|udiv|mod|umod)[sd]i3|__u?cmpdi2|__udivmoddi4)$'

declare -A BUDGET=()
DEFINES=()
STATE_BUDGET=
while [ $# -gt 0 ]; do
    case "$1" in
    -D?*)
        DEFINES+=("$1")
        shift
        continue
        ;;
    --budget-text)
        [ $# -ge 2 ] || { echo "size-report: --budget-text needs DIR=BYTES" >&2; exit 2; }
        spec=$2
        shift 2
        ;;
    --budget-text=*)
        spec=${1#--budget-text=}
        shift
        ;;
    --budget-state)
        [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || { echo "size-report: --budget-state needs BYTES" >&2; exit 2; }
        STATE_BUDGET=$2
        shift 2
        continue
        ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "size-report: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
    esac
    dir=${spec%%=*}
    bytes=${spec#*=}
    dir=${dir%/}
    if [ "$dir" = "$spec" ] || ! [[ $bytes =~ ^[0-9]+$ ]]; then
        echo "size-report: --budget-text wants DIR=BYTES, got '$spec'" >&2
        exit 2
    fi
    BUDGET[$dir]=$bytes
done

for tool in gcc size nm ld; do
    command -v "${CROSS}$tool" >/dev/null || {
        echo "size-report: ${CROSS}$tool not found (apt-get install gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi)" >&2
        exit 1
    }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mqtts/version.h, as CMake would generate it.
version=$(sed -n 's/^project(mqtts VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r major minor patch <<<"$version"
mkdir -p "$tmp/include/mqtts"
sed -e "s/@mqtts_VERSION_MAJOR@/$major/" -e "s/@mqtts_VERSION_MINOR@/$minor/" \
    -e "s/@mqtts_VERSION_PATCH@/$patch/" -e "s/@mqtts_VERSION@/$version/" \
    cmake/version.h.in >"$tmp/include/mqtts/version.h"
CFLAGS+=("${DEFINES[@]}" -Iinclude -I"$tmp/include" -Isrc)

dirs=()
for d in "${CORE_DIRS[@]}"; do
    [ -d "$d" ] && dirs+=("$d")
done
for spec in "${!BUDGET[@]}"; do
    IFS=+ read -ra parts <<<"$spec"
    for d in "${parts[@]}"; do
        if ! printf '%s\n' "${dirs[@]}" | grep -qx -- "$d"; then
            echo "size-report: budget for '$d', which is not a core directory here" >&2
            exit 2
        fi
    done
done

echo "Core size on Cortex-M0+: $("${CROSS}gcc" --version | head -1)"
echo "flags: ${ARCH_FLAGS[*]} -std=c11 -ffunction-sections -fdata-sections -ffreestanding ${DEFINES[*]}"
echo

failed=0
declare -A OBJS=()
for d in "${dirs[@]}"; do
    mkdir -p "$tmp/obj/$d"
    for src in "$d"/*.c; do
        [ -e "$src" ] || continue
        obj="$tmp/obj/$d/$(basename "$src" .c).o"
        if ! "${CROSS}gcc" "${CFLAGS[@]}" -c "$src" -o "$obj"; then
            echo "FAIL: $src does not cross-compile for Cortex-M0+ (see above)" >&2
            failed=1
            continue
        fi
        OBJS[$d]+="$obj "
    done
done
if [ "$failed" -ne 0 ]; then
    exit 1
fi
all_objs=()
for d in "${dirs[@]}"; do
    # shellcheck disable=SC2206
    all_objs+=(${OBJS[$d]:-})
done
if [ "${#all_objs[@]}" -eq 0 ]; then
    echo "size-report: no core sources found in ${CORE_DIRS[*]}" >&2
    exit 1
fi

# text data bss of one or more objects, summed.
sizes() {
    "${CROSS}size" -B "$@" | awk 'NR > 1 { t += $1; d += $2; b += $3 } END { printf "%d %d %d\n", t, d, b }'
}

row() { printf '%-44s %8s %8s %8s\n' "$@"; }
rule() { printf '%.0s-' {1..71}; echo; }

DIR_TEXT=()
row "object" "text" "data" "bss"
rule
for d in "${dirs[@]}"; do
    for obj in ${OBJS[$d]:-}; do
        read -r t da b < <(sizes "$obj")
        row "$d/$(basename "$obj" .o).c" "$t" "$da" "$b"
    done
    # shellcheck disable=SC2086
    read -r t da b < <(sizes ${OBJS[$d]:-})
    row "$d (sum of objects)" "$t" "$da" "$b"
    DIR_TEXT[${#DIR_TEXT[@]}]="$d $t"
    rule
done
read -r t da b < <(sizes "${all_objs[@]}")
row "core (sum of objects)" "$t" "$da" "$b"

# What a firmware link keeps at most: a partial link with --gc-sections whose
# roots are every global mqtts_* symbol (an application that calls the whole
# public API). Unreferenced static functions and data go; libc and libgcc
# helpers are not included.
mapfile -t roots < <("${CROSS}nm" -g --defined-only "${all_objs[@]}" 2>/dev/null |
    awk 'NF == 3 && $3 ~ /^mqtts_/ { print $3 }' | sort -u)
if [ "${#roots[@]}" -gt 0 ]; then
    args=()
    for s in "${roots[@]}"; do args+=(-u "$s"); done
    "${CROSS}ld" -r --gc-sections "${args[@]}" "${all_objs[@]}" -o "$tmp/core-gc.o"
    read -r t da b < <(sizes "$tmp/core-gc.o")
    row "core, ld -r --gc-sections, all mqtts_* kept" "$t" "$da" "$b"
else
    echo "(no mqtts_* symbols defined yet: no --gc-sections figure)"
fi
rule
echo "text includes read-only data; flash = text + data, RAM = data + bss."
echo "The --gc-sections line keeps all ${#roots[@]} public functions and leaves out"
echo "libc/libgcc helpers; an application that calls less keeps less."
echo

# Symbols an object needs that no core object defines.
mapfile -t defined < <("${CROSS}nm" -g --defined-only "${all_objs[@]}" 2>/dev/null |
    awk 'NF == 3 { print $3 }' | sort -u)
printf '%s\n' "${defined[@]}" >"$tmp/defined"
bad=0
for obj in "${all_objs[@]}"; do
    src=${obj#"$tmp/obj/"}
    src=${src%.o}.c
    while read -r sym; do
        [ -n "$sym" ] || continue
        grep -qxF -- "$sym" "$tmp/defined" && continue
        [[ $sym =~ $ALLOWED ]] && continue
        echo "FAIL: $src needs '$sym', which the core may not use (allowed: memcpy memmove memset memcmp memchr strlen, libgcc helpers)"
        bad=1
    done < <("${CROSS}nm" -u "$obj" | awk '{ print $NF }')
done
if [ "$bad" -eq 0 ]; then
    echo "libc check: ok (only string.h functions and libgcc helpers are needed)"
else
    failed=1
fi

# Not a failure (yet): global names outside the mqtts_ namespace can clash
# with a firmware's own symbols when libmqtts.a is linked in.
unprefixed=$(grep -v '^mqtts_' "$tmp/defined" | tr '\n' ' ' || true)
if [ -n "$unprefixed" ]; then
    echo "note: global symbols without the mqtts_ prefix: $unprefixed"
fi

# The engine's state as the target lays it out: a probe object defines one
# mqtts_session and nm reports its size.
if [ -f include/mqtts/session.h ]; then
    printf '#include "mqtts/session.h"\nmqtts_session mqtts_size_probe;\n' >"$tmp/probe.c"
    "${CROSS}gcc" "${CFLAGS[@]}" -fno-common -c "$tmp/probe.c" -o "$tmp/probe.o"
    hex=$("${CROSS}nm" -S "$tmp/probe.o" | awk '$4 == "mqtts_size_probe" { print $2 }')
    state=$((16#$hex))
    echo "session state: sizeof(mqtts_session) = $state bytes (the caller's buffers not included)"
    if [ -n "$STATE_BUDGET" ]; then
        if [ "$state" -gt "$STATE_BUDGET" ]; then
            echo "FAIL: the session state is $state bytes, over its budget of $STATE_BUDGET bytes"
            failed=1
        else
            echo "budget: session state $state bytes <= $STATE_BUDGET bytes: ok"
        fi
    fi
fi

for spec in "${!BUDGET[@]}"; do
    IFS=+ read -ra parts <<<"$spec"
    t=0
    for d in "${parts[@]}"; do
        for entry in "${DIR_TEXT[@]}"; do
            read -r ed et <<<"$entry"
            [ "$ed" = "$d" ] && t=$((t + et))
        done
    done
    label=${spec//+/ + }
    if [ "$t" -gt "${BUDGET[$spec]}" ]; then
        echo "FAIL: $label text is $t bytes, over its budget of ${BUDGET[$spec]} bytes"
        failed=1
    else
        echo "budget: $label text $t bytes <= ${BUDGET[$spec]} bytes: ok"
    fi
done

exit "$failed"
