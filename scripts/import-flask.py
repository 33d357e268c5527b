#!/usr/bin/env python3
"""Brings the grants of the Flask "Plex User Manager" over to Plexward.

Reads the Flask app's SQLite database (plex_manager.db) read-only: every active share (`share` with
`is_active`) and its start and expiration dates. Finds each friend in Plexward by Plex account id
(`plex_user.plex_id` = Plexward's `plex_account_id`) and each library by Plex's section key
(`library.plex_key` = Plexward's library `key`), then sets each friend's grants to exactly those
with `PUT /api/v1/plex-users/{id}/grants` — as a dry run unless --apply is given, printing per
friend what changes. A Flask date (midnight, local time) becomes a date alone, which Plexward
reads as midnight in its own time zone; any other time is converted in that zone.

Only the friends the Flask database has shares for are touched. Friends or libraries Plexward
does not know (not synced yet, gone from Plex) are listed and skipped; a window whose start is not
before its end (the Flask app never checked) is listed and left out. Sync Plexward with Plex
first, and set the anchor library (the old "Default") under Settings -> Plex.

    python3 scripts/import-flask.py --db plex_manager.db --url http://127.0.0.1:5000 --token pwt_...
    python3 scripts/import-flask.py ... --apply

Exit status: 0 when every friend could be previewed (or applied), 1 when Plexward refused one, 2 on
bad arguments or an unreadable database. Needs only the Python 3 standard library.
"""

import argparse
import datetime as dt
import json
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from zoneinfo import ZoneInfo

SHARES = """
    SELECT s.id, pu.plex_id, pu.username, l.plex_key, l.title, s.start_date, s.expiration_date
    FROM share s
    JOIN plex_user pu ON pu.id = s.plex_user_id
    JOIN library l ON l.id = s.library_id
    WHERE s.is_active
    ORDER BY pu.plex_id, l.plex_key, s.id
"""
FRIENDS = "SELECT DISTINCT pu.plex_id, pu.username FROM share s JOIN plex_user pu ON pu.id = s.plex_user_id"


class Plexward:
    def __init__(self, url, token):
        self.url, self.token = url.rstrip("/"), token

    def call(self, method, path, body=None):
        """(status, parsed JSON body)."""
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-Api-Key": self.token, "Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def flask_time(value, zone):
    """A Flask DateTime (naive local, `YYYY-MM-DD HH:MM:SS[.ffffff]`) for Plexward, or None."""
    if value in (None, ""):
        return None
    naive = dt.datetime.fromisoformat(str(value))
    if naive.time() == dt.time():
        return naive.date().isoformat()
    return naive.replace(tzinfo=zone).isoformat()


def read_flask(path):
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return db.execute(SHARES).fetchall(), db.execute(FRIENDS).fetchall()
    except sqlite3.Error as e:
        sys.exit(f"import-flask: cannot read {path} as the Flask app's database: {e}")


def describe(change):
    def window(w):
        if w is None:
            return "none"
        return f"{w['starts_at'] or 'now'} → {w['ends_at'] or 'no end'}"
    return f"{change['library']}: {window(change['before'])}  ⇒  {window(change['after'])}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the Flask app's plex_manager.db")
    parser.add_argument("--url", required=True, help="Plexward's address, e.g. http://127.0.0.1:5000")
    parser.add_argument("--token", required=True, help="a Plexward API token of a moderator or admin")
    parser.add_argument("--apply", action="store_true", help="change for real (default: a dry run)")
    args = parser.parse_args()

    shares, friends = read_flask(args.db)
    plexward = Plexward(args.url, args.token)
    status, settings = plexward.call("GET", "/settings/plex")
    if status != 200:
        sys.exit(f"import-flask: Plexward answered {status} to GET /settings/plex: {settings}")
    zone = ZoneInfo(settings.get("time_zone") or "UTC")
    status, libraries = plexward.call("GET", "/libraries")
    if status != 200:
        sys.exit(f"import-flask: Plexward answered {status} to GET /libraries: {libraries}")
    library_by_key = {str(lib["key"]): lib["id"] for lib in libraries["items"]}

    # The newest row wins where the Flask app stored a library twice for one user.
    wanted = OrderedDict((str(plex_id), (name, OrderedDict())) for plex_id, name in friends)
    skipped = []
    for _, plex_id, name, key, title, start, end in shares:
        library_id = library_by_key.get(str(key))
        if library_id is None:
            skipped.append(f"{name}: library {title!r} (key {key}) is not on the Plex server Plexward knows")
            continue
        starts_at, ends_at = flask_time(start, zone), flask_time(end, zone)
        if start and end and dt.datetime.fromisoformat(str(start)) >= dt.datetime.fromisoformat(str(end)):
            skipped.append(f"{name}: {title} starts {start} but ends {end}: left out")
            continue
        wanted[str(plex_id)][1][library_id] = {"library_id": library_id, "starts_at": starts_at, "ends_at": ends_at}

    mode = "" if args.apply else "?dry_run=true"
    failures = 0
    print(f"{'Applying' if args.apply else 'Preview (nothing changes; --apply to import)'}: "
          f"{len(wanted)} friends, times in {zone.key}")
    for plex_id, (name, grants) in wanted.items():
        status, found = plexward.call("GET", f"/plex-users?plex_account_id={urllib.parse.quote(plex_id)}")
        if status != 200 or found["total"] != 1:
            skipped.append(f"{name}: Plex account {plex_id} is not a friend Plexward knows (sync first?)")
            continue
        friend = found["items"][0]
        status, answer = plexward.call("PUT", f"/plex-users/{friend['id']}/grants{mode}",
                                       {"grants": list(grants.values())})
        if status != 200:
            failures += 1
            print(f"  {name}: refused ({status}): {json.dumps(answer.get('error', answer))}")
            continue
        changes = answer.get("changes", [])
        outcome = ""
        if args.apply:
            outcome = " — Plex matches" if answer["plex_matches"] else f" — applying as job {answer.get('job_id')}"
        print(f"  {name}: {'no change' if not changes else f'{len(changes)} change(s)'}{outcome}")
        for change in changes:
            print(f"      {describe(change)}")
    for line in skipped:
        print(f"  skipped — {line}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
