"""Schemathesis hooks for the API fuzz run (loaded through SCHEMATHESIS_HOOKS).

The fuzzer may call every operation with any id, but a few calls would end the run itself rather
than test anything: revoking the API token it authenticates with, or disabling, demoting or
deleting the accounts that own the three role tokens. Those calls are still sent, with the id
swapped for one that does not exist, so the operation's 404 path is exercised instead.

`before_call` runs for every request of every phase (examples, coverage, fuzzing and the stateful
phase, whose ids come from earlier responses), which is why the guard lives here and not in a
generation filter.

Notification channels are fuzzed too, but a URL the fuzzer makes up would send real requests
(a channel test, or deliveries of the events later calls cause) to whatever host it names: every
http(s) URL in a channel body is pointed at a closed port on 127.0.0.1 instead, keeping its path,
so nothing leaves the machine and malformed values still reach the validation.
"""

import json
import os
from urllib.parse import urlsplit, urlunsplit

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


# Where a fuzzed channel URL goes instead: nothing listens there.
LOOPBACK = "127.0.0.1:9"
_CHANNEL_WRITES = {
    ("POST", "/api/v1/notifications/channels"),
    ("PUT", "/api/v1/notifications/channels/{id}"),
}


def _loopback(value):
    if not isinstance(value, str):
        return value
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return value
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return value
    return urlunsplit((parts.scheme, LOOPBACK, parts.path, parts.query, parts.fragment))


def _keep_channels_local(case):
    if (case.method.upper(), case.path) not in _CHANNEL_WRITES:
        return
    config = case.body.get("config") if isinstance(case.body, dict) else None
    if isinstance(config, dict):
        for key in ("url", "server"):
            if key in config:
                config[key] = _loopback(config[key])


@schemathesis.hook
def before_call(context, case, kwargs):
    _keep_channels_local(case)
    guarded = _GUARDED.get((case.method.upper(), case.path))
    if not guarded or not case.path_parameters:
        return
    if _as_int(case.path_parameters.get("id")) in guarded:
        case.path_parameters["id"] = ABSENT_ID
