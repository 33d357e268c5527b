#!/usr/bin/env bash
# Sets up, builds (release) and runs Plexward on http://127.0.0.1:5000.
# Extra arguments go to `plexward serve` (e.g. --port 8000 --bind 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."
# PLEXWARD_PROFILE=dev builds faster (the README's test of this script uses it) and
# PLEXWARD_SKIP_WEB_BUILD=1 keeps an already built dist/.
PROFILE="${PLEXWARD_PROFILE:-release}"
bash scripts/setup.sh
[[ -n "${PLEXWARD_SKIP_WEB_BUILD:-}" && -f dist/index.html ]] || bash scripts/build-web.sh
cargo build --profile "$PROFILE" --locked -p plexward
TARGET_DIR="${CARGO_TARGET_DIR:-target}/$([[ $PROFILE == dev ]] && echo debug || echo "$PROFILE")"
exec "$TARGET_DIR/plexward" serve "$@"
