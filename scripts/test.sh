#!/usr/bin/env bash
# Sets up and runs every test: formatting, the supply-chain check (cargo deny), lints, unit + API
# tests, the python-plexapi conformance suite against the Plex simulator, the Flask importer, the
# OpenAPI checks (validator, generated client), the README's commands and examples, API fuzzing
# (schemathesis) and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$SECONDS

bash scripts/setup.sh --test
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

step "cargo fmt --check"
cargo fmt --all -- --check

step "supply chain: cargo deny (bans, licenses, sources, RustSec advisories; offline)"
bash scripts/supply-chain.sh

step "clippy (host crates, then the SPA for wasm32)"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked -p plexward-web --target wasm32-unknown-unknown -- -D warnings

step "unit and API tests"
cargo test --locked
cargo test --locked -p plexward-web

step "building the SPA and the binaries the end-to-end suites start"
bash scripts/build-web.sh
cargo build --locked -p plexward -p plex-sim --bins

if [[ -d e2e/conformance ]]; then
  step "python-plexapi conformance against the simulator"
  PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim" .venv/bin/python -m pytest -q e2e/conformance
fi

step "moving from the Flask app: scripts/import-flask.py against a Flask-schema database"
PLEXWARD_BIN="$TARGET_DIR/debug/plexward" PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim" \
  .venv/bin/python -m pytest -q e2e/migration

step "OpenAPI: spec validator, generated Python client (every operation), its automations a–c"
PLEXWARD_BIN="$TARGET_DIR/debug/plexward" PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim" \
  .venv/bin/python e2e/openapi/check_openapi.py

step "the README: its run and demo commands, and every example marked <!-- example -->"
PLEXWARD_BIN="$TARGET_DIR/debug/plexward" PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim" \
  .venv/bin/python e2e/docs/run_examples.py

step "API fuzzing (schemathesis, every role, bounded)"
# A fixed seed keeps CI repeatable (PLEXWARD_FUZZ_SEED explores others; --long runs many).
PLEXWARD_BIN="$TARGET_DIR/debug/plexward" PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim" \
  bash scripts/fuzz-api.sh --seed "${PLEXWARD_FUZZ_SEED:-500}"

step "the OpenID provider test peer's self-test (the flow and every test mode)"
node --test e2e/oidc/provider.selftest.mjs

step "browser tests (headless Chromium)"
PLEXWARD_BIN="$TARGET_DIR/debug/plexward" PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim" PLEXWARD_WEB_DIR="$PWD/dist" \
  node --test --test-concurrency=1 e2e/browser/*.test.mjs

step "all tests passed in $((SECONDS - started)) s"
