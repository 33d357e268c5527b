#!/usr/bin/env bash
# Sets up, builds (release) and runs Plexward on http://127.0.0.1:5000.
# Extra arguments go to `plexward serve` (e.g. --port 8000 --bind 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
cargo build --release --locked -p plexward
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
exec "$TARGET_DIR/release/plexward" serve "$@"
