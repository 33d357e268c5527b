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
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
HOOKS = Path(__file__).with_name("hooks.py")
START_DEADLINE_S = 30.0
SYNC_DEADLINE_S = 60.0
ADMIN_PASSWORD = "initial Glacier walrus 4821"
PASSWORD = "copper kettle orbiting lantern"
OWNER_TOKEN = "plex-sim-owner-token"
ROLES = ("auditor", "moderator", "admin")
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
# Operations left out, each because calling it would end or hang the run rather than test it:
EXCLUDED_PATHS = (
    # Restarts the server in place, possibly onto another port or scheme that a fuzzed
    # PUT /settings/server chose: every later request would fail to connect.
    "/api/v1/system/restart",
    # A Server-Sent Events stream that stays open for five minutes; schemathesis reads whole
    # bodies, so every case would only time out. The API tests cover it (backend/tests/api/logs.rs).
    "/api/v1/logs/stream",
)
# Not left out: PUT /me/password. The fuzzer never knows a current password, so it can only be
# refused (422, then 429), and API tokens outlive password changes anyway.
# Bounded run for CI: examples per operation and phase. --long repeats runs with new seeds
# until each role has sent LONG_MIN_REQUESTS.
CI_MAX_EXAMPLES = 8
LONG_MAX_EXAMPLES = 100
LONG_MIN_REQUESTS = 5000


def binary(env_name, default):
    path = Path(os.environ.get(env_name, REPO / "target" / "debug" / default))
    if not path.exists():
        sys.exit(f"{path} not found: build it (cargo build -p plexward -p plex-sim) or set {env_name}")
    return path


def start(command, what, pattern, env=None):
    """Starts `command` and waits for `pattern` in its output; returns (process, match).

    A thread keeps reading the output afterwards, so a full pipe never blocks the process.
    """
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + START_DEADLINE_S
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if proc.poll() is not None:
                sys.exit(f"{what} exited with {proc.returncode}:\n{''.join(seen)}")
            continue
        seen.append(line)
        if match := re.search(pattern, line):
            return proc, match
    stop(proc)
    sys.exit(f"{what} did not start within {START_DEADLINE_S} s:\n{''.join(seen)}")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Api:
    """A thin JSON client for the setup steps; every unexpected status ends the run."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()

    def call(self, method, path, token=None, expect=200, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, f"{self.base}/api/v1{path}", headers=headers, timeout=30, **kwargs)
        if r.status_code != expect:
            sys.exit(f"setup: {method} {path} answered {r.status_code} (wanted {expect}): {r.text}")
        return r.json() if r.content else None

    def login(self, username, password):
        return self.call("POST", "/auth/login", json={"username": username, "password": password})["token"]

    def answered(self):
        """Requests Plexward has answered so far by status class ("2xx", …), from its own counter
        (scrapes of /metrics left out)."""
        text = self.http.get(f"{self.base}/metrics", timeout=10).text
        counts = {}
        for line in text.splitlines():
            match = re.match(r'plexward_http_requests_total\{(.*)\} (\S+)$', line)
            if match and 'route="/metrics"' not in match.group(1):
                status = re.search(r'status="(\d)', match.group(1)).group(1) + "xx"
                counts[status] = counts.get(status, 0) + int(float(match.group(2)))
        return counts

    def still_signed_in(self, token):
        r = self.http.get(f"{self.base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        return r.status_code == 200


def set_up(api):
    """Connects Plex, syncs and makes one account and API token per role; returns tokens and ids."""
    session = api.login("admin", ADMIN_PASSWORD)
    # The first admin must change the given password before anything else.
    api.call("PUT", "/me/password", session, 204,
             json={"current_password": ADMIN_PASSWORD, "new_password": PASSWORD})
    api.call("PUT", "/settings/plex", session, json={"token": OWNER_TOKEN})
    job = api.call("POST", "/sync", session, 202)["job_id"]
    deadline = time.monotonic() + SYNC_DEADLINE_S
    while (state := api.call("GET", f"/jobs/{job}", session)["state"]) not in ("succeeded", "failed"):
        if time.monotonic() > deadline:
            sys.exit(f"setup: the first sync did not finish within {SYNC_DEADLINE_S} s ({state})")
        time.sleep(0.2)
    if state != "succeeded":
        sys.exit(f"setup: the first sync failed: {api.call('GET', f'/jobs/{job}', session)}")
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
        sim, ready = start([str(plex_sim), "--pms-port", "0", "--plextv-port", "0", "--bind", "127.0.0.1"],
                           "plex-sim", r"pms=(\S+) plextv=(\S+)")
        procs.append(sim)
        pms, plextv = ready.groups()
        # schemathesis first probes the server's root (`/`), which is the web UI's page: without a
        # built UI Plexward answers it with a 503 "not built" page, so give it a stand-in one.
        web_dir = work / "web"
        web_dir.mkdir()
        (web_dir / "index.html").write_text("<!doctype html><title>Plexward</title>")
        app_env = {
            **os.environ,
            "PLEXWARD_BIND": "127.0.0.1",
            "PLEXWARD_PORT": "0",
            "PLEXWARD_DATA_DIR": str(work / "data"),
            "PLEXWARD_WEB_DIR": str(web_dir),
            "PLEXWARD_LOG": "info",  # the "listening on" line is at info
            "PLEXWARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
            # Pinned, so a fuzzed PUT /settings/plex can never point Plexward at a host outside
            # this machine (a pinned field answers 422).
            "PLEXWARD_PLEX_URL": pms,
            "PLEXWARD_PLEXTV_URL": plextv,
            # Sign-in is throttled per IP (10 at once): every fuzzed sign-in after the tenth would
            # be a 429 and never reach the handler. The API tests cover the throttle itself.
            "PLEXWARD_LOGIN_RATE_BURST": "1000000",
        }
        app, ready = start([str(plexward), "serve"], "plexward", r"listening on (http://127\.0\.0\.1:\d+)", app_env)
        procs.append(app)
        base = ready.group(1)
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
