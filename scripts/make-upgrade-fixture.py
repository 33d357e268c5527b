#!/usr/bin/env python3
"""Makes the upgrade fixture of a released version: a SQLite dump with that version's schema
(its own migrations, read from git at REF, applied in order, and diesel's record of them) and a
set of data covering every table it had, for `backend/tests/upgrade.rs` to migrate to the
current schema and check that nothing was lost.

    python3 scripts/make-upgrade-fixture.py v0.1.0 281d4ed

Run once per release (every future migration adds its version's fixture); the output is
committed as backend/tests/fixtures/upgrade/<VERSION>.sql.
"""

import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# `plexward-upgrade-test`'s password, hashed by Plexward's own argon2id parameters.
PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$tHVQkNKeEW+tD5EksjyL+w$4jgWOmHWhSyT7brNAzI0dzJlRe9LB05qrOatSL7GYLw"
T = 1_764_000_000_000  # 2025-11-24T16:00:00Z, ms


def migrations_at(ref: str) -> list[tuple[str, str]]:
    names = subprocess.check_output(
        ["git", "ls-tree", "--name-only", ref, "migrations/"], text=True, cwd=REPO
    ).split()
    out = []
    for name in sorted(names):
        sql = subprocess.check_output(["git", "show", f"{ref}:{name}/up.sql"], text=True, cwd=REPO)
        out.append((Path(name).name, sql))
    return out


DATA = f"""
INSERT INTO settings (key, value) VALUES
  ('plex.preferences', '{{"anchor_library_id":3,"time_zone":"Europe/Berlin","drift_policy":"report"}}'),
  ('plex.connection', '{{"server_url":"http://192.168.1.10:32400","token_sealed":null}}'),
  ('scheduler', '{{"mode":"daily","interval_minutes":60,"daily_at":"04:30"}}'),
  ('server', '{{"port":5443,"https":"off","hostnames":["plex.lan"]}}');
INSERT INTO accounts (id, username, password_hash, role, disabled, must_change_password, created_at, updated_at, last_login_at) VALUES
  (1, 'owner', '{PASSWORD_HASH}', 'admin', 0, 0, {T}, {T}, {T}),
  (2, 'mo', '{PASSWORD_HASH}', 'moderator', 0, 1, {T}, {T}, NULL),
  (3, 'gone', '{PASSWORD_HASH}', 'auditor', 1, 0, {T}, {T}, NULL);
INSERT INTO sessions (id, account_id, created_at, expires_at, last_seen_at, revoked_at, revoked_reason, ip, user_agent) VALUES
  ('s-old', 1, {T}, {T + 86_400_000}, {T}, {T + 1000}, 'signed out', '192.168.1.20', 'Firefox');
INSERT INTO refresh_tokens (token_hash, session_id, created_at, used_at) VALUES ('rt-hash-1', 's-old', {T}, {T + 500});
INSERT INTO api_tokens (id, account_id, name, prefix, token_hash, role, created_at, expires_at, last_used_at) VALUES
  (1, 1, 'home assistant', 'pwt_ab12', 'token-hash-1', 'moderator', {T}, NULL, {T + 2000});
INSERT INTO libraries (id, pms_key, plextv_id, title, kind, removed_at, created_at, updated_at) VALUES
  (1, 1, 118181361, 'Movies', 'movie', NULL, {T}, {T}),
  (2, 2, 118251661, 'TV Shows', 'show', NULL, {T}, {T}),
  (3, 3, 118278994, 'Default', 'movie', NULL, {T}, {T}),
  (4, 9, NULL, 'Old Stuff', 'movie', {T + 3000}, {T}, {T});
INSERT INTO plex_users (id, plex_user_id, title, username, email, thumb, home, share_id, share_pending, actual_libraries, departed_at, first_seen_at, last_synced_at) VALUES
  (1, 2100001, 'alice', 'alice', 'alice@example.com', 'https://plex.tv/users/a/avatar', 0, 41000001, 0, '[1,3]', NULL, {T}, {T}),
  (2, 2100002, 'bob', 'bob', 'bob@example.com', NULL, 0, 41000002, 1, '[2]', NULL, {T}, {T}),
  (3, 2100004, 'Kids', NULL, NULL, NULL, 1, 41000004, 0, '[3]', NULL, {T}, {T}),
  (4, 2100009, 'left', 'left', 'left@example.com', NULL, 0, NULL, 0, '[]', {T + 4000}, {T}, {T});
INSERT INTO grants (id, plex_user_id, library_id, starts_at, ends_at, created_at, updated_at) VALUES
  (1, 1, 1, NULL, {T + 30 * 86_400_000}, {T}, {T}),
  (2, 1, 3, NULL, NULL, {T}, {T}),
  (3, 2, 2, {T + 86_400_000}, {T + 8 * 86_400_000}, {T}, {T}),
  (4, 3, 3, NULL, NULL, {T}, {T}),
  (5, 4, 1, NULL, {T}, {T}, {T});
INSERT INTO apply_states (plex_user_id, state, error, attempts, next_retry_at, applied_at, applied_libraries, updated_at) VALUES
  (1, 'applied', NULL, 0, NULL, {T}, '[1,3]', {T}),
  (2, 'failed', 'plex.tv failed with HTTP 503', 3, {T + 60_000}, NULL, NULL, {T});
INSERT INTO watched_jobs (id, kind, state, progress_done, progress_total, result, error, created_by, created_at, started_at, finished_at) VALUES
  ('job-1', 'sync', 'succeeded', 3, 3, '{{"friends":4}}', NULL, 'owner', {T}, {T}, {T + 900});
INSERT INTO audit_events (id, at, actor_id, actor, action, outcome, target_type, target_id, ip, details) VALUES
  (1, {T}, 1, 'owner', 'auth.login', 'success', NULL, NULL, '192.168.1.20', NULL),
  (2, {T + 100}, 1, 'owner', 'grants.set', 'success', 'plex_user', '1', '192.168.1.20',
   '{{"friend":"alice","before":[],"after":[{{"library_id":1,"starts_at":null,"ends_at":null}}]}}'),
  (3, {T + 200}, NULL, 'anonymous (mallory)', 'auth.login', 'failure', NULL, NULL, '10.0.0.9', '{{"reason":"invalid credentials"}}');
"""


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    version, ref = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, "
        "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    for name, sql in migrations_at(ref):
        db.executescript(sql)
        # diesel records a migration by the digits of its directory's name.
        db.execute(
            "INSERT INTO __diesel_schema_migrations (version, run_on) VALUES (?, '2025-11-24 16:00:00')",
            ("".join(c for c in name.split("_")[0] if c.isdigit()),),
        )
    db.executescript(DATA)
    db.commit()
    out = REPO / "backend" / "tests" / "fixtures" / "upgrade" / f"{version}.sql"
    header = (
        f"-- Plexward {version} (git {ref}): its schema and a set of data, for backend/tests/upgrade.rs.\n"
        f"-- Made by scripts/make-upgrade-fixture.py; do not edit by hand.\n"
        # As sqlite3's .dump: rows come table by table, before the tables they refer to.
        "PRAGMA foreign_keys=OFF;\n"
    )
    out.write_text(header + "\n".join(db.iterdump()) + "\n")
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
