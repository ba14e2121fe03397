#!/usr/bin/env bash
# fuzz-smoke.sh - a short libFuzzer run of tests/fuzz/fuzz_decode.
#
#   scripts/fuzz-smoke.sh [seconds]      (default 60)
#
# Configures a separate clang build (build/fuzz, MQTTS_FUZZ=ON), builds
# fuzz_decode and make_corpus, writes a fresh seed corpus from the golden
# vectors, and fuzzes for the given time with inputs up to 4096 bytes.
# Exits with libFuzzer's status: non-zero on any finding, whose input is
# written to build/fuzz/artifacts/<date>/ (printed at the end).
#
# Environment: FUZZ_BUILD_DIR (default build/fuzz), JOBS (default 2).
set -euo pipefail

cd "$(dirname "$0")/.."

secs=${1:-60}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
    echo "usage: scripts/fuzz-smoke.sh [seconds]" >&2
    exit 2
fi
build=${FUZZ_BUILD_DIR:-build/fuzz}
jobs=${JOBS:-2}

mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMQTTS_FUZZ=ON -DMQTTS_BUILD_TESTS=OFF -DMQTTS_BUILD_TOOL=OFF >"$build/configure.log" 2>&1 || {
    cat "$build/configure.log" >&2
    exit 1
}
cmake --build "$build" -j "$jobs" --target fuzz_decode make_corpus

run=$(mktemp -d "${TMPDIR:-/tmp}/mqtts-fuzz.XXXXXX")
corpus=$run/corpus
case "$build" in
/*) artifacts=$build ;;
*) artifacts=$PWD/$build ;;
esac
artifacts=$artifacts/artifacts/$(date +%Y%m%d-%H%M%S)
mkdir -p "$artifacts"
"$build/tests/fuzz/make_corpus" "$corpus"

echo "fuzzing for ${secs}s: corpus $corpus, artifacts $artifacts/"
status=0
"$build/tests/fuzz/fuzz_decode" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" || status=$?

if [ "$status" -eq 0 ]; then
    echo "fuzz-smoke: no findings in ${secs}s ($(ls "$corpus" | wc -l) corpus entries)"
    rm -rf "$run"
    rmdir "$artifacts" 2>/dev/null || true
else
    echo "fuzz-smoke: FINDING (libFuzzer exit $status); reproducer(s) in $artifacts/:" >&2
    ls -l "$artifacts" >&2
    echo "replay one with: $build/tests/fuzz/fuzz_decode <file>" >&2
fi
exit "$status"
