#!/usr/bin/env bash
# Supply-chain check (issue #8, suite 7): cargo-deny's bans, licenses, sources and RustSec
# advisories (deny.toml), offline, against the advisory database snapshot vendored in
# supply-chain/advisory-db.tar.gz. `bash scripts/setup.sh --test` installs cargo-deny.
#
#   bash scripts/supply-chain.sh            # all checks
#   bash scripts/supply-chain.sh advisories # one of: advisories bans licenses sources
set -euo pipefail
cd "$(dirname "$0")/.."

SNAPSHOT=supply-chain/advisory-db.tar.gz
# Warn when the snapshot is older than this; deny.toml's maximum-db-staleness fails the check
# after a year. Refresh it as supply-chain/README.md says.
WARN_AFTER_DAYS=90
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# deny.toml's `db-path`: cargo-deny reads each database from <db-path>/<name>-<hash of its URL>.
export PLEXWARD_ADVISORY_DBS="$TARGET_DIR/advisory-dbs"
DB="$PLEXWARD_ADVISORY_DBS/advisory-db-3157b0e258782691"

# Unpack the snapshot once per version of the archive.
sum=$(sha256sum "$SNAPSHOT" | cut -d' ' -f1)
if [[ "$(cat "$DB/.snapshot-sha256" 2>/dev/null)" != "$sum" ]]; then
  rm -rf "$DB"
  mkdir -p "$DB/.git"
  tar -xzf "$SNAPSHOT" -C "$DB"
  # cargo-deny dates a database by the mtime of .git/FETCH_HEAD: give it the snapshot's date,
  # so its age is the age of the data, not of the unpacking.
  touch -d "$(awk '{print $2}' "$DB/SNAPSHOT")" "$DB/.git/FETCH_HEAD"
  echo "$sum" >"$DB/.snapshot-sha256"
fi
read -r commit date <"$DB/SNAPSHOT"
age_days=$(( ($(date +%s) - $(date -d "$date" +%s)) / 86400 ))
echo "advisory database: rustsec/advisory-db ${commit:0:12} of $date ($age_days days old)"
if (( age_days > WARN_AFTER_DAYS )); then
  echo "warning: the advisory snapshot is over $WARN_AFTER_DAYS days old; refresh it (supply-chain/README.md)" >&2
fi

# --frozen = --locked --offline: no crate index, advisory or other download.
if [[ $# -gt 0 ]]; then
  cargo deny --frozen check "$@"
else
  cargo deny --frozen check advisories licenses sources
  # Duplicate versions are only warnings: named without their (long) inclusion graphs. For the
  # graphs: bash scripts/supply-chain.sh bans
  cargo deny --frozen check --hide-inclusion-graph bans
fi
