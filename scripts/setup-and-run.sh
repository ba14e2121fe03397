#!/usr/bin/env bash
# setup-and-run.sh - from a fresh Debian 12 machine to a running mqtts:
# installs the packages, builds (build/release), prints `mqtts --help`, and
# runs THE DEMO (scripts/demo.sh): a TLS mosquitto on 127.0.0.1, the virtual
# device (`mqtts device`), and a Python paho-mqtt orchestrator that reads its
# telemetry, sends it commands and watches its will. Only 127.0.0.1 is
# contacted once the packages are installed. Run as root.
set -euo pipefail

cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DMQTTS_BUILD_TESTS=OFF
cmake --build build/release -j 2
echo
build/release/bin/mqtts --help
echo
echo "=== THE DEMO: a virtual device and its orchestrator, over TLS on 127.0.0.1 ==="
bash scripts/demo.sh build/release/bin/mqtts
