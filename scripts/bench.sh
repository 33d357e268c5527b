#!/usr/bin/env bash
# Benchmarks (release build; numbers depend on the machine, so they are printed, not asserted).
# Results and how to read them: docs/BENCHMARKS.md.
#   bash scripts/bench.sh [all]                 everything below, one report (~5 min)
#   bash scripts/bench.sh scheduler [-- --deadlines N --grants N]
#   bash scripts/bench.sh reconcile [-- --friends N --changed N --latency-ms N]
#   bash scripts/bench.sh server    [-- --friends N --duration S --connections N --signins N]
#   bash scripts/bench.sh sizes                 release binary, SPA .wasm raw and gzip -9
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
shift || true
[[ "${1:-}" == "--" ]] && shift
target="${CARGO_TARGET_DIR:-$PWD/target}"

machine() {
  echo "== Machine"
  echo "CPU:   $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores available"
  echo "RAM:   $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "OS:    $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "Rust:  $(rustc --version)"
  echo "Load:  $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
  echo "Date:  $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
}

# wrk drives the HTTP load of `server`; installed here only (the tests do not need it).
ensure_wrk() {
  command -v wrk >/dev/null && return
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y wrk >/dev/null; }
}

build() {
  cargo build --locked --release -p plexward --bin plexward --examples
}

example() {
  local name="$1"
  shift
  echo
  echo "== $name"
  "$target/release/examples/$name" "$@"
}

sizes() {
  echo
  echo "== Sizes"
  local bin="$target/release/plexward"
  printf 'plexward release binary: %s bytes (%s)\n' "$(stat -c %s "$bin")" \
    "$(file -b "$bin" | grep -o 'stripped\|not stripped' | head -1), profile.release: thin LTO, strip = symbols"
  [[ -d node_modules ]] || { echo "node_modules missing (npm ci, or copy it): cannot build the SPA" >&2; return 1; }
  bash scripts/build-web.sh >/dev/null 2>&1 || bash scripts/build-web.sh
  local wasm
  wasm=$(ls dist/*_bg.wasm)
  printf 'SPA %s: %s bytes raw, %s bytes gzip -9\n' "$(basename "$wasm")" "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
}

case "$what" in
  all)
    ensure_wrk
    machine
    build 2>&1 | tail -1
    started=$SECONDS
    example bench_scheduler
    example bench_reconcile
    example bench_server
    sizes
    echo
    echo "== Done in $((SECONDS - started)) s (after the build)"
    ;;
  scheduler) build && example bench_scheduler "$@" ;;
  reconcile) build && example bench_reconcile "$@" ;;
  server) ensure_wrk && build && example bench_server "$@" ;;
  sizes) build && sizes ;;
  *) echo "unknown benchmark: $what (known: all, scheduler, reconcile, server, sizes)" >&2; exit 2 ;;
esac
