#!/usr/bin/env bash
# Benchmarks (release build; numbers depend on the machine, so they are printed, not asserted).
#   bash scripts/bench.sh scheduler [-- --deadlines N --grants N]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-scheduler}"
shift || true
[[ "${1:-}" == "--" ]] && shift
case "$what" in
  scheduler) exec cargo run --locked --release -p plexward --example bench_scheduler -- "$@" ;;
  *) echo "unknown benchmark: $what (known: scheduler)" >&2; exit 2 ;;
esac
