#!/usr/bin/env bash
# Benchmarks (release build; numbers depend on the machine, so they are printed, not asserted).
# Results and how to read them: docs/BENCHMARKS.md.
#   bash scripts/bench.sh [all]                 everything below, one report and its summary table
#   bash scripts/bench.sh scheduler [-- --deadlines N --grants N]
#   bash scripts/bench.sh reconcile [-- --friends N --changed N --latency-ms N]
#   bash scripts/bench.sh server    [-- --friends N --duration S --connections N --signins N]
#   bash scripts/bench.sh sizes                 release binary, SPA .wasm raw, gzip -9, brotli -q 11
#   bash scripts/bench.sh snapshot DIR          build, then copy the binaries (DIR/bin) and SPA (DIR/dist)
#   bash scripts/bench.sh compare BEFORE [AFTER] `all` on each snapshot in turn (AFTER: this tree),
#                                               then one table of both summaries
# What is measured (default: this tree's release build and dist/, built first):
#   PLEXWARD_BIN=…/plexward          the server binary `server` starts (the client is this tree's)
#   PLEXWARD_WEB_DIR=…/dist          the SPA it serves (and `sizes` measures); the dashboard step
#   PLEXWARD_EXAMPLES_DIR=…          where bench_scheduler/bench_reconcile come from: they link the
#                                    server's code in-process, so they are per build (default:
#                                    $(dirname PLEXWARD_BIN)/examples when it exists)
# Lines `ROW|row|value` in the output are the summary; `all` ends with them as a table.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
shift || true
target="${CARGO_TARGET_DIR:-$PWD/target}"

bin="${PLEXWARD_BIN:-}"
web="${PLEXWARD_WEB_DIR:-}"
examples="${PLEXWARD_EXAMPLES_DIR:-}"
if [[ -z "$examples" && -n "$bin" && -d "$(dirname "$bin")/examples" ]]; then
  examples="$(dirname "$bin")/examples"
fi
examples="${examples:-$target/release/examples}"

machine() {
  echo "== Machine"
  echo "CPU:   $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores available"
  echo "RAM:   $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "OS:    $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "Rust:  $(rustc --version)"
  echo "Load:  $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
  echo "Date:  $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "Measured: server ${bin:-$target/release/plexward (this tree)}"
  echo "          SPA ${web:-dist/ (this tree, built first)}; in-process benches from $examples"
}

# wrk drives the HTTP load of `server`; installed here only (the tests do not need it).
ensure_wrk() {
  command -v wrk >/dev/null && return
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y wrk >/dev/null; }
}

# The benchmark programs (and this tree's server) in release; the SPA unless one is given.
build() {
  cargo build --locked --release -p plexward --bin plexward --examples
}

build_web() {
  [[ -n "$web" ]] && return
  [[ -d node_modules ]] || { echo "node_modules missing (npm ci, or copy it): cannot build the SPA" >&2; return 1; }
  bash scripts/build-web.sh >/dev/null 2>&1 || bash scripts/build-web.sh
}

example() {
  local name="$1"
  shift
  echo
  echo "== $name"
  "$examples/$name" "$@"
}

# The server's own benchmark client is always this tree's: the same client for every build.
server() {
  echo
  echo "== bench_server"
  PLEXWARD_BIN="${bin:-$target/release/plexward}" PLEXWARD_WEB_DIR="${web:-$PWD/dist}" \
    "$target/release/examples/bench_server" "$@"
}

# Deadline → Plex latency: bench_scheduler's line, as summary rows.
scheduler() {
  local out
  out=$(example bench_scheduler "$@")
  echo "$out"
  echo "$out" | sed -n 's/.*end → simulator answered the PUT: p50 \([0-9]*\) ms, p95 [0-9]* ms, p99 \([0-9]*\) ms.*/ROW|window end → Plex p50|\1 ms\nROW|window end → Plex p99|\2 ms/p'
  echo "$out" | sed -n 's/^1\. Deadline → Plex latency (\([0-9]*\) window ends).*/ROW|window ends measured|\1/p'
}

sizes() {
  echo
  echo "== Sizes"
  local b="${bin:-$target/release/plexward}" dist="${web:-dist}"
  printf 'plexward release binary: %s bytes (%s)\n' "$(stat -c %s "$b")" \
    "$(file -b "$b" | grep -o 'stripped\|not stripped' | head -1)"
  local wasm raw gz br
  wasm=$(ls "$dist"/*_bg.wasm)
  raw=$(wc -c <"$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  br=$(node -e 'const z=require("zlib");const b=require("fs").readFileSync(process.argv[1]);
    process.stdout.write(String(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))' "$wasm")
  printf 'SPA %s: %s bytes raw, %s bytes gzip -9, %s bytes brotli -q 11\n' "$(basename "$wasm")" "$raw" "$gz" "$br"
  local f
  for f in "$wasm.gz" "$wasm.br"; do
    [[ -f "$f" ]] && printf '  served precompressed: %s %s bytes\n' "$(basename "$f")" "$(wc -c <"$f")"
  done
  printf 'SPA all files (dist/, excluding .gz/.br copies): %s bytes raw\n' \
    "$(find "$dist" -type f ! -name '*.gz' ! -name '*.br' -printf '%s\n' | awk '{s+=$1} END {print s}')"
  kb() { awk -v n="$1" 'BEGIN {printf "%.1f KB", n / 1000}'; }
  echo "ROW|wasm raw|$(kb "$raw")"
  echo "ROW|wasm gzip -9|$(kb "$gz")"
  echo "ROW|wasm brotli -q 11|$(kb "$br")"
}

# The ROW lines of a report as a Markdown table.
table() {
  echo "| Row | Value |"
  echo "|---|---|"
  grep '^ROW|' "$1" | awk -F'|' '{printf "| %s | %s |\n", $2, $3}'
}

all() {
  ensure_wrk
  machine
  build 2>&1 | tail -1
  build_web
  local started=$SECONDS
  scheduler
  example bench_reconcile
  server
  sizes
  echo
  echo "== Done in $((SECONDS - started)) s (after the build)"
}

# Copies this tree's release binaries and SPA into a snapshot directory `compare` reads.
snapshot() {
  local dir="$1"
  [[ -n "$dir" ]] || { echo "usage: bench.sh snapshot DIR" >&2; exit 2; }
  cargo build --locked --release -p plexward --bin plexward --examples -p plex-sim --bins
  build_web
  mkdir -p "$dir/bin/examples" "$dir/dist"
  cp "$target/release/plexward" "$target/release/plex-sim" "$dir/bin/"
  cp "$target/release/examples/bench_scheduler" "$target/release/examples/bench_reconcile" \
    "$target/release/examples/bench_server" "$dir/bin/examples/"
  rm -rf "${dir:?}/dist" && cp -a "${web:-dist}" "$dir/dist"
  echo "snapshot of $(git rev-parse --short HEAD) in $dir"
}

compare() {
  local before="$1" after="${2:-}" out
  [[ -x "$before/bin/plexward" ]] || { echo "usage: bench.sh compare BEFORE_DIR [AFTER_DIR] (see snapshot)" >&2; exit 2; }
  out=$(mktemp -d)
  echo "== BEFORE: $before"
  PLEXWARD_BIN="$before/bin/plexward" PLEXWARD_WEB_DIR="$before/dist" PLEXWARD_EXAMPLES_DIR="$before/bin/examples" \
    bash "$PWD/scripts/bench.sh" all | tee "$out/before.txt"
  echo
  if [[ -n "$after" ]]; then
    echo "== AFTER: $after"
    PLEXWARD_BIN="$after/bin/plexward" PLEXWARD_WEB_DIR="$after/dist" PLEXWARD_EXAMPLES_DIR="$after/bin/examples" \
      bash "$PWD/scripts/bench.sh" all | tee "$out/after.txt"
  else
    echo "== AFTER: this tree"
    env -u PLEXWARD_BIN -u PLEXWARD_WEB_DIR -u PLEXWARD_EXAMPLES_DIR bash "$PWD/scripts/bench.sh" all | tee "$out/after.txt"
  fi
  echo
  echo "== Before → after (one run each, this machine)"
  echo "| Row | Before | After |"
  echo "|---|---|---|"
  awk -F'|' 'FNR == NR && /^ROW\|/ { b[$2] = $3; order[++n] = $2; next }
             /^ROW\|/ { a[$2] = $3; if (!($2 in b)) order[++n] = $2 }
             END { for (i = 1; i <= n; i++) { k = order[i]; if (seen[k]++) continue;
                   printf "| %s | %s | %s |\n", k, (k in b ? b[k] : "–"), (k in a ? a[k] : "–") } }' \
    "$out/before.txt" "$out/after.txt"
  echo "(full reports: $out/before.txt, $out/after.txt)"
}

[[ "${1:-}" == "--" ]] && shift
case "$what" in
  all)
    report=$(mktemp)
    all | tee "$report"
    echo
    echo "== Summary (the rows of issue #15)"
    table "$report"
    rm -f "$report"
    ;;
  scheduler) build && scheduler "$@" ;;
  reconcile) build && example bench_reconcile "$@" ;;
  server) ensure_wrk && build && build_web && server "$@" ;;
  sizes) build && build_web && sizes ;;
  snapshot) snapshot "${1:-}" ;;
  compare) ensure_wrk && compare "${1:-}" "${2:-}" ;;
  *) echo "unknown benchmark: $what (known: all, scheduler, reconcile, server, sizes, snapshot, compare)" >&2; exit 2 ;;
esac
