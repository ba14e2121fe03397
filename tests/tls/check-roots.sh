#!/usr/bin/env bash
# check-roots.sh - the built-in roots are what their PEM files say:
# scripts/gen-roots.sh, run again into a temp file, gives src/tls/roots.c
# byte for byte, and docs/tls.md lists every root's fingerprint and expiry.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
bash scripts/gen-roots.sh --out "$tmp" 2>/dev/null
if ! diff -u src/tls/roots.c "$tmp"; then
    echo "check-roots: src/tls/roots.c is out of date: run bash scripts/gen-roots.sh" >&2
    exit 1
fi
missing=0
while IFS= read -r row; do
    if ! grep -qF -- "$row" docs/tls.md; then
        echo "check-roots: docs/tls.md lacks the row: $row" >&2
        missing=1
    fi
done < <(bash scripts/gen-roots.sh --markdown | tail -n +3)
[ "$missing" -eq 0 ] || { echo "check-roots: update docs/tls.md (bash scripts/gen-roots.sh --markdown)" >&2; exit 1; }
echo "check-roots: $(grep -c '^static const uint8_t root_' src/tls/roots.c) roots up to date"
