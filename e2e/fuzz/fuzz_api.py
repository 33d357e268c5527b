"""API fuzzing: schemathesis against Plexward's own OpenAPI document, once per role.

Starts the Plex simulator and Plexward on free loopback ports with a throw-away data directory,
connects Plex, syncs, creates a moderator and an auditor account and one API token for each of them
and for the first admin, then runs `schemathesis run` with each token (auditor first, admin last: the admin run changes the
most state). Plexward's own request counter (`/metrics`) says how many requests each role sent.

The bar: no 5xx, no response outside its documented schema, no undocumented status code, no
undocumented content type. Exit status 0 only when every role's run passed.

    python e2e/fuzz/fuzz_api.py                 # bounded (CI)
    python e2e/fuzz/fuzz_api.py --long          # ≥ 5,000 requests per role
Binaries: PLEXWARD_BIN and PLEX_SIM_BIN (default target/debug/…).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stack import PASSWORD, REPO, binary, connect_and_sync, launch, stop, Api  # noqa: E402

HOOKS = Path(__file__).with_name("hooks.py")
ROLES = ("auditor", "moderator", "admin")
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
# Operations left out, each because calling it would end or hang the run rather than test it:
EXCLUDED_PATHS = (
    # Restarts the server in place, possibly onto another port or scheme that a fuzzed
    # PUT /settings/server chose: every later request would fail to connect.
    "/api/v1/system/restart",
    # A restore (of a listed backup the fuzzer found, or an upload) checks the backup, then
    # restarts the same way; backend/tests/api/backups.rs and e2e/browser/backups.test.mjs
    # cover both.
    "/api/v1/system/backups/{name}/restore",
    "/api/v1/system/restore",
    # A Server-Sent Events stream that stays open for five minutes; schemathesis reads whole
    # bodies, so every case would only time out. The API tests cover it (backend/tests/api/logs.rs).
    "/api/v1/logs/stream",
    # The same for the audit trail's live stream (backend/tests/api/audit.rs covers it).
    "/api/v1/audit/stream",
)
# Not left out: PUT /me/password. The fuzzer never knows a current password, so it can only be
# refused (422, then 429), and API tokens outlive password changes anyway.
# Bounded run for CI: examples per operation and phase. --long repeats runs with new seeds
# until each role has sent LONG_MIN_REQUESTS.
CI_MAX_EXAMPLES = 8
LONG_MAX_EXAMPLES = 100
LONG_MIN_REQUESTS = 5000


def set_up(api):
    """Connects Plex, syncs and makes one account and API token per role; returns tokens and ids."""
    session = connect_and_sync(api)
    friends = api.call("GET", "/plex-users", session)["total"]
    tokens, account_ids, token_ids = {}, [], []
    for role in ROLES:
        if role == "admin":
            account_id, login = api.call("GET", "/me", session)["id"], session
        else:
            account_id = api.call("POST", "/accounts", session, 201, json={
                "username": f"fuzz-{role}", "password": PASSWORD, "role": role,
                "must_change_password": False,
            })["id"]
            login = api.login(f"fuzz-{role}", PASSWORD)
        created = api.call("POST", "/me/tokens", login, 201, json={"name": f"fuzz {role}"})
        tokens[role] = created["secret"]
        account_ids.append(account_id)
        token_ids.append(created["token"]["id"])
    print(f"setup: Plex connected, {friends} friends synced, tokens for {', '.join(ROLES)}", flush=True)
    return tokens, {"token_ids": token_ids, "account_ids": account_ids}


def schemathesis(base, token, protected, max_examples, seed, report_dir):
    """One `schemathesis run`; returns its exit status."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{base}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        # The document offers `apiKeyAuth` beside `bearerAuth`; without a value of its own,
        # schemathesis fills X-Api-Key with made-up tokens, which disagree with the bearer (401
        # `conflicting_credentials`) and hide the operations behind it. The same token agrees.
        "--header", f"X-Api-Key: {token}",
        "--checks", CHECKS,
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        # One worker: concurrent workers make hypothesis parse lambda sources from several threads,
        # which trips a CPython 3.11 bug ("AST constructor recursion depth mismatch").
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--suppress-health-check", "too_slow,filter_too_much,data_too_large",
        "--report", "junit",
        "--report-dir", str(report_dir),
        "--no-color",
    ]
    for path in EXCLUDED_PATHS:
        command += ["--exclude-path", path]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "PLEXWARD_FUZZ_PROTECTED": json.dumps(protected)}
    return subprocess.run(command, env=env, cwd=report_dir, check=False).returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--long", action="store_true", help=f"≥ {LONG_MIN_REQUESTS} requests per role")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000,
                        help="first seed (printed, so a failing run can be repeated)")
    args = parser.parse_args()

    plexward, plex_sim = binary("PLEXWARD_BIN", "plexward"), binary("PLEX_SIM_BIN", "plex-sim")
    work = Path(tempfile.mkdtemp(prefix="plexward-fuzz-"))
    reports = REPO / "e2e" / "artifacts" / "fuzz"
    shutil.rmtree(reports, ignore_errors=True)
    procs = []
    try:
        started_procs, base = launch(work, plexward, plex_sim)
        procs.extend(started_procs)
        api = Api(base)
        tokens, protected = set_up(api)

        failed, summary = [], []
        for role in ROLES:
            started, before, seed, rounds = time.monotonic(), api.answered(), args.seed, 0
            while True:
                report_dir = reports / f"{role}-{seed}"
                report_dir.mkdir(parents=True, exist_ok=True)
                print(f"\n==> schemathesis as {role} (seed {seed})", flush=True)
                examples = LONG_MAX_EXAMPLES if args.long else CI_MAX_EXAMPLES
                status = schemathesis(base, tokens[role], protected, examples, seed, report_dir)
                rounds += 1
                after = api.answered()
                by_class = {k: after.get(k, 0) - before.get(k, 0) for k in sorted(after)}
                sent = sum(by_class.values())
                # A run that lost its token would pass on 401s alone (they are documented).
                # Plexward's own count, which also sees requests schemathesis does not check.
                if by_class.get("5xx"):
                    print(f"Plexward answered {by_class['5xx']} requests with a 5xx (its log: {reports}/plexward-logs)")
                    status = status or 1
                if not api.still_signed_in(tokens[role]):
                    print(f"the {role} token no longer works after the run: its results mean nothing")
                    status = status or 1
                if status != 0:
                    failed.append(f"{role} (seed {seed})")
                    break
                if not args.long or sent >= LONG_MIN_REQUESTS:
                    break
                seed += 1
            classes = ", ".join(f"{k} {v}" for k, v in by_class.items() if v)
            summary.append(f"{role}: {sent} requests ({classes}) in {rounds} run(s), "
                           f"{time.monotonic() - started:.0f} s, {'FAILED' if status else 'passed'}")
        print("\n==> fuzz summary\n" + "\n".join(summary), flush=True)
        if failed:
            shutil.copytree(work / "data" / "logs", reports / "plexward-logs", dirs_exist_ok=True)
            sys.exit(f"schemathesis found problems as: {', '.join(failed)} (reports in {reports})")
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
