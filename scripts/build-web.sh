#!/usr/bin/env bash
# Builds the SPA (frontend/) into dist/ with Trunk, release profile + wasm-opt -Oz, offline; then
# leaves a brotli (.br) and a gzip (.gz) copy beside every file, which the server picks by the
# request's Accept-Encoding (backend/src/http/spa.rs) instead of compressing per request.
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt 132 from npm must win over any other on PATH.
export PATH="$PWD/node_modules/.bin:$PATH"
for tool in brotli gzip; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run bash scripts/setup.sh" >&2; exit 1; }
done
trunk build --release --offline "$@"

# Best compression both ways (the build pays once; every download gains). -n: no name or time in
# the gzip header, so the same build gives the same bytes.
find dist -type f ! -name '*.br' ! -name '*.gz' -print0 |
  while IFS= read -r -d '' file; do
    gzip -9 -n -k -f "$file"
    brotli -q 11 -k -f "$file"
  done

wasm=$(ls dist/*_bg.wasm)
printf 'SPA built: %s — %s bytes raw, %s bytes gzip, %s bytes brotli\n' "$wasm" \
  "$(wc -c <"$wasm")" "$(wc -c <"$wasm.gz")" "$(wc -c <"$wasm.br")"
