#!/usr/bin/env bash
# install-deps.sh - the Debian 12 packages mqtts builds, tests and fuzzes with.
# Run as root.
set -euo pipefail

PACKAGES=(
    cmake make ninja-build pkg-config
    gcc libc6-dev clang libclang-rt-14-dev
    libcmocka-dev
    gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi liblwip-dev
    libmbedtls-dev ca-certificates
    valgrind strace mosquitto mosquitto-clients openssl python3-paho-mqtt
    groff-base
)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (or: sudo apt-get install ${PACKAGES[*]})" >&2
    exit 1
fi
# Always ask apt: on a clean machine this installs everything, and on a
# prepared one it is a quick no-op, so CI never depends on what a machine had.
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
