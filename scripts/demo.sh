#!/usr/bin/env bash
# Demo mode in one command: the bundled Plex simulator plus Plexward wired to it, with demo
# accounts (admin / moderator / auditor, passwords in the README), on http://127.0.0.1:5000.
# Data lives in ./data-demo (delete it to start over). Never point demo mode at real Plex data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
cargo build --release --locked -p plexward -p plex-sim
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
PMS_PORT="${DEMO_PMS_PORT:-32400}"
PLEXTV_PORT="${DEMO_PLEXTV_PORT:-32401}"

"$TARGET_DIR/release/plex-sim" --pms-port "$PMS_PORT" --plextv-port "$PLEXTV_PORT" &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT INT TERM

PLEXWARD_DEMO=true \
PLEXWARD_DATA_DIR="${PLEXWARD_DATA_DIR:-data-demo}" \
PLEXWARD_PLEX_URL="http://127.0.0.1:$PMS_PORT" \
PLEXWARD_PLEXTV_URL="http://127.0.0.1:$PLEXTV_PORT" \
PLEXWARD_PLEX_TOKEN="plex-sim-owner-token" \
  "$TARGET_DIR/release/plexward" serve "$@"
