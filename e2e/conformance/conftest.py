"""Fixtures: run the plex-sim binary on free loopback ports and point python-plexapi at it.

Nothing here may reach plex.tv or any other host: a socket guard refuses every name that is not
loopback, and the rewriting session refuses every URL whose host is not loopback.
"""

import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

# plexapi reads these at import time: keep it hermetic and quick.
os.environ.setdefault("PLEXAPI_CONFIG_PATH", os.devnull)
os.environ.setdefault("PLEXAPI_HEADER_IDENTIFIER", "plexward-conformance")
os.environ.setdefault("PLEXAPI_HEADER_PRODUCT", "PlexwardConformance")
os.environ.setdefault("PLEXAPI_PLEXAPI_TIMEOUT", "10")
os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")

import pytest  # noqa: E402
import requests  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OWNER_TOKEN = "plex-sim-owner-token"
MACHINE_ID = "5f3c1a9e2b7d4c6e8a0b1c2d3e4f5a6b7c8d9e0f"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
START_DEADLINE_S = 30.0

_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host, *args, **kwargs):
    if host not in LOOPBACK and host is not None:
        raise OSError(f"conformance tests must not resolve non-loopback host {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_only_getaddrinfo


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RewritingSession(requests.Session):
    """§6 B: sends https://plex.tv and https://clients.plex.tv to the simulator."""

    PREFIXES = ("https://plex.tv", "https://clients.plex.tv")

    def __init__(self, plextv_url):
        super().__init__()
        self.plextv_url = plextv_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        for prefix in self.PREFIXES:
            if url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?"):
                url = self.plextv_url + url[len(prefix):]
                break
        host = urlsplit(url).hostname
        if host not in LOOPBACK:
            raise AssertionError(f"refusing to contact non-loopback URL {url}")
        return super().request(method, url, *args, **kwargs)


class Sim:
    """The running simulator plus helpers for its /__sim admin API."""

    def __init__(self, proc, pms_url, plextv_url):
        self.proc = proc
        self.pms_url = pms_url
        self.plextv_url = plextv_url
        self.http = requests.Session()

    def admin(self, method, path, **kwargs):
        r = self.http.request(method, f"{self.plextv_url}/__sim{path}", timeout=10, **kwargs)
        r.raise_for_status()
        return r.json()

    def reset(self):
        self.admin("POST", "/reset")

    def state(self):
        return self.admin("GET", "/state")

    def requests(self, host=None):
        return self.admin("GET", "/requests" + (f"?host={host}" if host else ""))

    def clear_requests(self):
        self.admin("DELETE", "/requests")

    def share_of(self, user_id):
        return next((s for s in self.state()["shares"] if s["userId"] == user_id), None)


def _wait_until_ready(proc, pms_url):
    deadline = time.monotonic() + START_DEADLINE_S
    last_error = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate(timeout=5)
            raise RuntimeError(f"plex-sim exited with {proc.returncode}: {out}\n{err}")
        try:
            if requests.get(f"{pms_url}/identity", timeout=1).status_code == 200:
                return
        except requests.RequestException as e:  # not listening yet
            last_error = e
        time.sleep(0.05)
    raise RuntimeError(f"plex-sim did not answer within {START_DEADLINE_S}s: {last_error}")


@pytest.fixture(scope="session")
def sim():
    binary = Path(os.environ.get("PLEX_SIM_BIN", "target/debug/plex-sim"))
    if not binary.is_absolute():
        binary = (Path.cwd() / binary) if (Path.cwd() / binary).exists() else REPO / binary
    if not binary.exists():
        pytest.fail(f"simulator binary not found at {binary}: build it with `cargo build -p plex-sim`")
    pms_port, tv_port = _free_port(), _free_port()
    while tv_port == pms_port:
        tv_port = _free_port()
    proc = subprocess.Popen(
        [str(binary), "--pms-port", str(pms_port), "--plextv-port", str(tv_port), "--bind", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pms_url, tv_url = f"http://127.0.0.1:{pms_port}", f"http://127.0.0.1:{tv_port}"
    try:
        _wait_until_ready(proc, pms_url)
        yield Sim(proc, pms_url, tv_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(autouse=True)
def fresh_sim(sim):
    """Every test starts from the seed with an empty request log."""
    sim.reset()
    yield sim


@pytest.fixture
def session(sim):
    s = RewritingSession(sim.plextv_url)
    yield s
    s.close()


@pytest.fixture
def plex(sim, session):
    from plexapi.server import PlexServer

    return PlexServer(sim.pms_url, OWNER_TOKEN, session=session)


@pytest.fixture
def account(session):
    from plexapi.myplex import MyPlexAccount

    return MyPlexAccount(token=OWNER_TOKEN, session=session)
