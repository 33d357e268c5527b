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

step "building the tests (and with them the binaries the end-to-end suites start)"
cargo test --locked --no-run
# A plain build of the same binaries is a no-op now (the test build has the same features), as
# the README's commands (scripts/run.sh, demo.sh) expect.
cargo build --locked -p plexward -p plex-sim --bins

# Three lanes at once from here, as each waits on something the others do not: the unit and API
# tests (mostly waiting on sockets), the SPA's release build (mostly one core: fat LTO,
# wasm-opt; its own target dir, as cargo test holds this one) and the suites that only need the
# binaries (not the README's: see below). Each lane logs to a file, shown when it fails; the browser tests run after, alone.
lanes="$TARGET_DIR/lanes"
rm -rf "$lanes" && mkdir -p "$lanes"
export PLEXWARD_BIN="$TARGET_DIR/debug/plexward" PLEX_SIM_BIN="$TARGET_DIR/debug/plex-sim"
(
  CARGO_TARGET_DIR="$TARGET_DIR/web" bash scripts/build-web.sh
) >"$lanes/spa.log" 2>&1 &
spa=$!
(
  set -euo pipefail
  if [[ -d e2e/conformance ]]; then
    step "python-plexapi conformance against the simulator"
    .venv/bin/python -m pytest -q e2e/conformance
  fi
  step "moving from the Flask app: scripts/import-flask.py against a Flask-schema database"
  .venv/bin/python -m pytest -q e2e/migration
  step "OpenAPI: spec validator, generated Python client (every operation), its automations a–c"
  .venv/bin/python e2e/openapi/check_openapi.py
  step "API fuzzing (schemathesis, every role, bounded)"
  # A fixed seed keeps CI repeatable (PLEXWARD_FUZZ_SEED explores others; --long runs many).
  bash scripts/fuzz-api.sh --seed "${PLEXWARD_FUZZ_SEED:-500}"
) >"$lanes/suites.log" 2>&1 &
suites=$!
trap 'kill "$spa" "$suites" 2>/dev/null || true' EXIT

step "unit and API tests (beside them: the SPA's build, and the suites in $lanes/suites.log)"
cargo test --locked
cargo test --locked -p plexward-web

# A lane's outcome, its log shown in full when it failed (and its last lines when it passed).
finish() {
  local name="$1" pid="$2" log="$3"
  if wait "$pid"; then
    step "$name: passed"
    tail -n "${4:-3}" "$log"
  else
    step "$name: FAILED"
    cat "$log"
    exit 1
  fi
}
finish "the SPA's release build" "$spa" "$lanes/spa.log" 1
finish "conformance, the Flask importer, OpenAPI, API fuzzing" "$suites" "$lanes/suites.log" 40
trap - EXIT

# After the lanes: its run and demo commands call cargo, which waits while cargo test holds the
# target dir.
step "the README: its run and demo commands, and every example marked <!-- example -->"
.venv/bin/python e2e/docs/run_examples.py

step "the OpenID provider test peer's self-test (the flow and every test mode)"
node --test e2e/oidc/provider.selftest.mjs

step "browser tests (headless Chromium)"
PLEXWARD_WEB_DIR="$PWD/dist" node --test --test-concurrency=1 e2e/browser/*.test.mjs

step "all tests passed in $((SECONDS - started)) s"
