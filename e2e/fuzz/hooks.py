"""Schemathesis hooks for the API fuzz run (loaded through SCHEMATHESIS_HOOKS).

The fuzzer may call every operation with any id, but a few calls would end the run itself rather
than test anything: revoking the API token it authenticates with, or disabling, demoting or
deleting the accounts that own the three role tokens. Those calls are still sent, with the id
swapped for one that does not exist, so the operation's 404 path is exercised instead.

`before_call` runs for every request of every phase (examples, coverage, fuzzing and the stateful
phase, whose ids come from earlier responses), which is why the guard lives here and not in a
generation filter.
"""

import json
import os

import schemathesis

# Written by fuzz_api.py: {"token_ids": [...], "account_ids": [...]}.
_PROTECTED = json.loads(os.environ.get("PLEXWARD_FUZZ_PROTECTED", "{}"))
_TOKEN_IDS = {int(i) for i in _PROTECTED.get("token_ids", [])}
_ACCOUNT_IDS = {int(i) for i in _PROTECTED.get("account_ids", [])}
# An id no row will reach during a run (SQLite rowids count up from 1).
ABSENT_ID = 2**53

# (method, path template) → the ids that call must not touch.
_GUARDED = {
    ("DELETE", "/api/v1/me/tokens/{id}"): _TOKEN_IDS,
    ("DELETE", "/api/v1/tokens/{id}"): _TOKEN_IDS,
    ("PATCH", "/api/v1/accounts/{id}"): _ACCOUNT_IDS,
    ("DELETE", "/api/v1/accounts/{id}"): _ACCOUNT_IDS,
}


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@schemathesis.hook
def before_call(context, case, kwargs):
    guarded = _GUARDED.get((case.method.upper(), case.path))
    if not guarded or not case.path_parameters:
        return
    if _as_int(case.path_parameters.get("id")) in guarded:
        case.path_parameters["id"] = ABSENT_ID
