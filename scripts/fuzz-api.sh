#!/usr/bin/env bash
# API fuzzing: schemathesis against /api/v1/openapi.json as an admin, a moderator and an auditor
# (one API token each), on the Plex simulator and a throw-away data directory (e2e/fuzz/).
# The bar: no 5xx, no response outside its documented schema, status or content type.
#
#   bash scripts/fuzz-api.sh            # bounded (CI, ~2 min)
#   bash scripts/fuzz-api.sh --long     # ≥ 5,000 requests per role
#   bash scripts/fuzz-api.sh --seed 42  # repeat a run
#
# Builds the binaries unless PLEXWARD_BIN and PLEX_SIM_BIN are given. Reports (JUnit) land in
# e2e/artifacts/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test >/dev/null
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if [[ -z "${PLEXWARD_BIN:-}" || -z "${PLEX_SIM_BIN:-}" ]]; then
  cargo build --locked -p plexward -p plex-sim --bins
  export PLEXWARD_BIN="${PLEXWARD_BIN:-$TARGET_DIR/debug/plexward}"
  export PLEX_SIM_BIN="${PLEX_SIM_BIN:-$TARGET_DIR/debug/plex-sim}"
fi
exec .venv/bin/python e2e/fuzz/fuzz_api.py "$@"
