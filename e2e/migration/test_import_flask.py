"""scripts/import-flask.py against a real Plexward synced with the simulator, reading a database in
the Flask app's schema (the tables and columns its models.py creates; see
../shared/seed/code-review.md §2): a preview changes nothing, --apply sets exactly the Flask
app's active shares with their dates, and what Plexward cannot place is listed, not guessed.

    .venv/bin/python -m pytest -q e2e/migration
"""

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stack import REPO, Api, binary, connect_and_sync, launch, stop  # noqa: E402

IMPORTER = REPO / "scripts" / "import-flask.py"

# models.py's tables, as db.create_all() makes them in SQLite.
FLASK_SCHEMA = """
CREATE TABLE user (id INTEGER PRIMARY KEY, username VARCHAR(150) NOT NULL UNIQUE,
                   password_hash VARCHAR(128), role VARCHAR(20) NOT NULL);
CREATE TABLE plex_user (id INTEGER PRIMARY KEY, plex_id VARCHAR(50) NOT NULL UNIQUE,
                        username VARCHAR(100) NOT NULL, email VARCHAR(100), thumb VARCHAR(255));
CREATE TABLE library (id INTEGER PRIMARY KEY, plex_key VARCHAR(50) NOT NULL UNIQUE,
                      title VARCHAR(100) NOT NULL, type VARCHAR(50));
CREATE TABLE share (id INTEGER PRIMARY KEY, plex_user_id INTEGER NOT NULL REFERENCES plex_user(id),
                    library_id INTEGER NOT NULL REFERENCES library(id), start_date DATETIME,
                    expiration_date DATETIME, is_active BOOLEAN);
CREATE TABLE settings (id INTEGER PRIMARY KEY, key VARCHAR(50) NOT NULL UNIQUE, value VARCHAR(255));
"""


@pytest.fixture(scope="module")
def plexward():
    work = Path(tempfile.mkdtemp(prefix="plexward-migration-"))
    procs, base = launch(work, binary("PLEXWARD_BIN", "plexward"), binary("PLEX_SIM_BIN", "plex-sim"))
    try:
        api = Api(base)
        session = connect_and_sync(api)
        api.call("PUT", "/settings/plex", session, json={"time_zone": "Europe/Berlin"})
        token = api.call("POST", "/me/tokens", session, 201, json={"name": "import"})["secret"]
        yield api, session, base, token, work
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def flask_db(path):
    db = sqlite3.connect(path)
    db.executescript(FLASK_SCHEMA)
    db.executemany("INSERT INTO plex_user (id, plex_id, username, email) VALUES (?, ?, ?, ?)", [
        (1, "2100001", "alice", "alice@example.com"),
        (2, "2100006", "erin", "erin@example.com"),
        (3, "2100099", "gone", "gone@example.com"),  # not a friend any more
    ])
    db.executemany("INSERT INTO library (id, plex_key, title, type) VALUES (?, ?, ?, ?)", [
        (1, "1", "Movies", "movie"), (2, "2", "TV Shows", "show"), (3, "3", "Default", "movie"),
        (4, "4", "Music", "artist"), (9, "99", "Old library", "movie"),
    ])
    db.executemany(
        "INSERT INTO share (plex_user_id, library_id, start_date, expiration_date, is_active) VALUES (?, ?, ?, ?, ?)", [
            # alice: Movies from 1 Jan to 1 Feb 2027, Default always; an unchecked TV row.
            (1, 1, "2027-01-01 00:00:00.000000", "2027-02-01 00:00:00.000000", 1),
            (1, 3, None, None, 1),
            (1, 2, "2027-01-01 00:00:00.000000", None, 0),
            # erin: Music until 1 March; a library Plex no longer has; a window ending before it starts.
            (2, 4, None, "2027-03-01 00:00:00.000000", 1),
            (2, 9, None, None, 1),
            (2, 2, "2027-05-01 00:00:00.000000", "2027-04-01 00:00:00.000000", 1),
            (3, 1, None, None, 1),
        ])
    db.commit()
    db.close()


def friend(api, session, plex_account_id):
    found = api.call("GET", f"/plex-users?plex_account_id={plex_account_id}", session)
    assert found["total"] == 1
    return api.call("GET", f"/plex-users/{found['items'][0]['id']}", session)


def windows(api, session, detail):
    titles = {lib["id"]: lib["title"] for lib in api.call("GET", "/libraries", session)["items"]}
    return {titles[g["library_id"]]: (g["starts_at"], g["ends_at"]) for g in detail["grants"]}


def run(base, token, db, *extra):
    return subprocess.run([sys.executable, str(IMPORTER), "--db", str(db), "--url", base, "--token", token, *extra],
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_preview_changes_nothing_and_apply_brings_the_shares_over(plexward):
    api, session, base, token, work = plexward
    db = work / "plex_manager.db"
    flask_db(db)
    before = {pid: windows(api, session, friend(api, session, pid)) for pid in (2100001, 2100006)}

    preview = run(base, token, db)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "Preview" in preview.stdout and "alice:" in preview.stdout, preview.stdout
    assert {pid: windows(api, session, friend(api, session, pid)) for pid in (2100001, 2100006)} == before

    applied = run(base, token, db, "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    # Dates are midnight in Plexward's zone (Europe/Berlin, +01:00 in winter).
    assert windows(api, session, friend(api, session, 2100001)) == {
        "Movies": ("2026-12-31T23:00:00.000Z", "2027-01-31T23:00:00.000Z"),
        "Default": (None, None),
    }
    assert windows(api, session, friend(api, session, 2100006)) == {"Music": (None, "2027-02-28T23:00:00.000Z")}
    out = applied.stdout
    assert "Old library" in out and "gone: Plex account 2100099" in out, out
    assert "starts 2027-05-01" in out, out

    # Running it again finds nothing to change.
    again = run(base, token, db)
    assert again.returncode == 0
    assert "alice: no change" in again.stdout and "erin: no change" in again.stdout, again.stdout


def test_an_unreadable_database_is_refused_clearly(plexward):
    _, _, base, token, work = plexward
    not_flask = work / "not-flask.db"
    sqlite3.connect(not_flask).execute("CREATE TABLE x (y)").connection.commit()
    result = run(base, token, not_flask)
    assert result.returncode != 0
    assert "cannot read" in result.stderr, result.stderr
