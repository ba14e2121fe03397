#!/usr/bin/env bash
# setup-and-run.sh - from a fresh Debian 12 machine to a running mqtts:
# installs the packages, builds (build/release), and runs `mqtts --help`.
set -euo pipefail

cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DMQTTS_BUILD_TESTS=OFF
cmake --build build/release -j 2
echo
build/release/bin/mqtts --help
