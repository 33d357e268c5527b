#!/usr/bin/env bash
# Installs everything Plexward needs to build (and, with --test, to test), pinned, idempotently.
# Fast when already done: every step first checks whether its exact version is present.
#
#   bash scripts/setup.sh          # build tools: wasm32 target, trunk, wasm-bindgen-cli, wasm-opt,
#                                  # brotli
#   bash scripts/setup.sh --test   # plus Chromium, the Python venv for the conformance suite,
#                                  # cargo-deny for the supply-chain check, jq
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# Debian's brotli CLI, for the SPA's precompressed copies (scripts/build-web.sh).
BROTLI_VERSION=1.0.9
CARGO_DENY_VERSION=0.20.2
# Debian's jq: the README's shell examples use it, and CI runs them (e2e/docs/run_examples.py).
JQ_VERSION=1.6
NGINX_VERSION=1.22.1
WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif have sudo; then sudo "$@"; else
  echo "need root for: $*" >&2; return 1; fi; }

# --- Rust toolchain (pinned in rust-toolchain.toml) and the WASM target --------------------------
TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^${TOOLCHAIN}"; then
  step "installing Rust ${TOOLCHAIN}"
  rustup toolchain install "${TOOLCHAIN}" --profile minimal -c rustfmt -c clippy
fi
if ! rustup target list --installed --toolchain "${TOOLCHAIN}" | grep -q wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add --toolchain "${TOOLCHAIN}" wasm32-unknown-unknown
fi

# --- trunk and wasm-bindgen-cli (the latter must equal wasm-bindgen in Cargo.lock) ---------------
if [[ "$(trunk --version 2>/dev/null)" != "trunk ${TRUNK_VERSION}" ]]; then
  step "installing trunk ${TRUNK_VERSION} (a few minutes, once)"
  cargo install trunk --version "${TRUNK_VERSION}" --locked
fi
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen ${WASM_BINDGEN_VERSION}" ]]; then
  step "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (a few minutes, once)"
  # Not --locked: its lockfile wants a webpki-roots release the registry lacks.
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}"
fi
if ! grep -q "wasm_bindgen = \"${WASM_BINDGEN_VERSION}\"" Trunk.toml; then
  echo "Trunk.toml [tools] wasm_bindgen must be ${WASM_BINDGEN_VERSION} (Cargo.lock)" >&2
  exit 1
fi

# --- Node tools: wasm-opt (binaryen 132; Debian's 108 breaks the module) and playwright-core -----
if [[ ! -x node_modules/.bin/wasm-opt || package-lock.json -nt node_modules/.installed ]]; then
  step "installing Node tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.installed
fi

# --- brotli (Debian's): build-web.sh leaves a .br beside every file of dist/ ---------------------
if [[ "$(brotli --version 2>/dev/null)" != "brotli ${BROTLI_VERSION}" ]]; then
  step "installing Debian's brotli ${BROTLI_VERSION}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "brotli=${BROTLI_VERSION}-*" >/dev/null
  if [[ "$(brotli --version 2>/dev/null)" != "brotli ${BROTLI_VERSION}" ]]; then
    echo "brotli ${BROTLI_VERSION} is needed; found: $(brotli --version 2>&1 || true)" >&2
    exit 1
  fi
fi

step "fetching crates"
cargo fetch --locked >/dev/null

if [[ $WITH_TEST -eq 1 ]]; then
  # --- Chromium for the browser tests (Debian's; test tools must not download browsers) --------
  if ! have chromium; then
    step "installing Debian's chromium"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  # --- nginx (Debian's), the reverse proxy of e2e/browser/proxy.test.mjs -------------------------
  # RUNLEVEL=1: the package must not start a server of its own (on port 80, as root).
  if [[ "$(nginx -v 2>&1)" != "nginx version: nginx/${NGINX_VERSION}" ]]; then
    step "installing Debian's nginx ${NGINX_VERSION}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "nginx-light=${NGINX_VERSION}-*" >/dev/null
  fi
  # --- jq (Debian's), for the README's examples ------------------------------------------------
  if [[ "$(jq --version 2>/dev/null)" != "jq-${JQ_VERSION}" ]]; then
    step "installing Debian's jq ${JQ_VERSION}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "jq=${JQ_VERSION}-*" >/dev/null
  fi
  # --- cargo-deny for the supply-chain check (scripts/supply-chain.sh) ---------------------------
  if [[ "$(cargo deny --version 2>/dev/null)" != "cargo-deny ${CARGO_DENY_VERSION}" ]]; then
    step "installing cargo-deny ${CARGO_DENY_VERSION} (a few minutes, once)"
    cargo install cargo-deny --version "${CARGO_DENY_VERSION}" --locked
  fi
  # --- Python venv: python-plexapi conformance, the schemathesis API fuzzer, the SMTP server ---
  REQS=(e2e/conformance/requirements.txt e2e/fuzz/requirements.txt e2e/openapi/requirements.txt e2e/smtp/requirements.txt)
  if [[ ! -x .venv/bin/python ]]; then
    step "creating the Python venv"
    python3 -m venv .venv
  fi
  for req in "${REQS[@]}"; do
    if [[ ! -f .venv/.installed || $req -nt .venv/.installed ]]; then
      step "installing Python test packages"
      # One resolve over both files, so neither can move the other's pins.
      .venv/bin/pip install --quiet --disable-pip-version-check "${REQS[@]/#/-r}"
      touch .venv/.installed
      break
    fi
  done
fi
step "set-up complete"
