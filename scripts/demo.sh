#!/usr/bin/env bash
# Demo mode in one command: the bundled Plex simulator plus Plexward wired to it, with demo
# accounts (admin / moderator / auditor, passwords in the README), on http://127.0.0.1:5000.
# Data lives in ./data-demo (delete it to start over). Never point demo mode at real Plex data.
#
# The simulator gets high ports of its own (not Plex's 32400), and Plexward starts only once the
# simulator this script started has bound them and answers: if a port is taken, the script stops
# instead of wiring Plexward to whatever listens there (on a Plex host, the real server).
set -euo pipefail
cd "$(dirname "$0")/.."
# PLEXWARD_PROFILE=dev builds faster (the README's test of this script uses it) and
# PLEXWARD_SKIP_WEB_BUILD=1 keeps an already built dist/.
PROFILE="${PLEXWARD_PROFILE:-release}"
bash scripts/setup.sh
[[ -n "${PLEXWARD_SKIP_WEB_BUILD:-}" && -f dist/index.html ]] || bash scripts/build-web.sh
cargo build --profile "$PROFILE" --locked -p plexward -p plex-sim
TARGET_DIR="${CARGO_TARGET_DIR:-target}/$([[ $PROFILE == dev ]] && echo debug || echo "$PROFILE")"
PMS_PORT="${DEMO_PMS_PORT:-42400}"
PLEXTV_PORT="${DEMO_PLEXTV_PORT:-42401}"

sim_out=$(mktemp)
"$TARGET_DIR/plex-sim" --pms-port "$PMS_PORT" --plextv-port "$PLEXTV_PORT" >"$sim_out" &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true; rm -f "$sim_out"' EXIT INT TERM

# Ours is ready when it prints its own "ready" line (it binds both ports first; a taken port
# makes it exit instead) and its admin API answers, which a real Plex server has not got.
deadline=$((SECONDS + 20))
until grep -q '^plex-sim ready:' "$sim_out"; do
  if ! kill -0 "$SIM_PID" 2>/dev/null; then
    echo "demo: the Plex simulator did not start (is port $PMS_PORT or $PLEXTV_PORT taken?" \
      "Set DEMO_PMS_PORT / DEMO_PLEXTV_PORT). Plexward was not started." >&2
    exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "demo: the Plex simulator did not report ready within 20 s; Plexward was not started." >&2
    exit 1
  fi
  sleep 0.2
done
for port in "$PMS_PORT" "$PLEXTV_PORT"; do
  if ! curl -fsS --max-time 5 "http://127.0.0.1:$port/__sim/state" >/dev/null; then
    echo "demo: 127.0.0.1:$port is not answering as the simulator; Plexward was not started." >&2
    exit 1
  fi
done
echo "demo: Plex simulator (pid $SIM_PID) on 127.0.0.1:$PMS_PORT (PMS) and :$PLEXTV_PORT (plex.tv)"

PLEXWARD_DEMO=true \
PLEXWARD_DATA_DIR="${PLEXWARD_DATA_DIR:-data-demo}" \
PLEXWARD_PLEX_URL="http://127.0.0.1:$PMS_PORT" \
PLEXWARD_PLEXTV_URL="http://127.0.0.1:$PLEXTV_PORT" \
PLEXWARD_PLEX_TOKEN="plex-sim-owner-token" \
  "$TARGET_DIR/plexward" serve "$@"
