#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/screenshots/) from the ones the browser tests take
# (e2e/artifacts/, after `bash scripts/test.sh` or a run of e2e/browser/*.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A FROM=(
  [dashboard]=access-dashboard
  [friends]=sync-friends
  [friend]=access-plan
  [audit]=audit
  [logs]=logs
  [invite]=lifecycle-invite-preview
  [plans]=lifecycle-plans
)
for name in "${!FROM[@]}"; do
  src="e2e/artifacts/${FROM[$name]}.png"
  [[ -f $src ]] || { echo "$src is missing: run the browser tests first" >&2; exit 1; }
  cp "$src" "docs/screenshots/$name.png"
done
ls -l docs/screenshots
