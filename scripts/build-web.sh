#!/usr/bin/env bash
# Builds the SPA (frontend/) into dist/ with Trunk, release profile + wasm-opt -Oz, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt 132 from npm must win over any other on PATH.
export PATH="$PWD/node_modules/.bin:$PATH"
trunk build --release --offline "$@"
wasm=$(ls dist/*_bg.wasm)
printf 'SPA built: %s — %s bytes raw, %s bytes gzip\n' "$wasm" "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
