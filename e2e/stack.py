"""Plexward and the Plex simulator on free loopback ports, for the Python suites (the API fuzz
run, the OpenAPI checks): start, sign in, connect Plex, sync, stop.

Binaries: PLEXWARD_BIN and PLEX_SIM_BIN (default target/debug/…).
"""

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
START_DEADLINE_S = 30.0
SYNC_DEADLINE_S = 60.0
ADMIN_PASSWORD = "initial Glacier walrus 4821"
PASSWORD = "copper kettle orbiting lantern"
OWNER_TOKEN = "plex-sim-owner-token"


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


def launch(work, plexward, plex_sim):
    """Starts the simulator and Plexward (data in `work`); returns (processes, base URL)."""
    procs = []
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
    try:
        app, ready = start([str(plexward), "serve"], "plexward", r"listening on (http://127\.0\.0\.1:\d+)", app_env)
    except SystemExit:
        stop(sim)
        raise
    procs.append(app)
    return procs, ready.group(1)


def connect_and_sync(api):
    """The first admin's sign-in (changing the given password), Plex connected and synced;
    returns the admin's session token."""
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
    return session
