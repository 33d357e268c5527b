#!/usr/bin/env bash
# The long proof suites, kept out of the test command because of their length. Prints what each
# found; exits non-zero when one fails.
#   bash scripts/long-tests.sh [crash|fuzz|all]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

if [[ "$what" == crash || "$what" == all ]]; then
  step "crash consistency: 20 SIGKILLs at random moments (PLEXWARD_CRASH_SEED replays a run)"
  cargo test --locked -p plexward --test crash -- --ignored --nocapture
fi

if [[ "$what" == fuzz || "$what" == all ]]; then
  step "API fuzzing, long: ≥ 5,000 requests per role"
  bash scripts/fuzz-api.sh --long
fi
