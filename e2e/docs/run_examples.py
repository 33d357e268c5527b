"""The README's commands and examples, run as a reader would run them.

1. `bash scripts/demo.sh`: the simulator and Plexward come up, and the demo admin of the README's
   table signs in; `bash scripts/run.sh`: Plexward comes up and says it is healthy. (Both with
   PLEXWARD_PROFILE=dev and PLEXWARD_SKIP_WEB_BUILD=1, on free ports and throw-away data
   directories: the test command has just built the same things; `bash scripts/test.sh`, the
   other command, is what CI runs.)
2. Every fenced `sh` block preceded by `<!-- example -->` in README.md and docs/*.md runs with
   `bash -euo pipefail` against a Plexward synced with the simulator, `$URL` its address and
   `$TOKEN` an admin's API token, and must exit 0.

    python e2e/docs/run_examples.py
Binaries: PLEXWARD_BIN and PLEX_SIM_BIN (default target/debug/…).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stack import REPO, Api, binary, connect_and_sync, launch, stop  # noqa: E402

EXAMPLE = re.compile(r"<!-- example -->\s*```sh\n(.*?)```", re.S)
COMMAND_DEADLINE_S = 300  # cargo may still have to link the dev binaries
EXAMPLE_TIMEOUT_S = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, proc, what, log):
    deadline = time.monotonic() + COMMAND_DEADLINE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"{what} did not answer /api/v1/health within {COMMAND_DEADLINE_S} s:\n{log.read_text()[-3000:]}")


def run_command(script, work, extra_env, check):
    """Starts `bash scripts/<script> --port P`, waits until healthy, runs `check(url)`, stops it."""
    port = free_port()
    log = work / f"{script}.log"
    env = {**os.environ, "PLEXWARD_PROFILE": "dev", "PLEXWARD_SKIP_WEB_BUILD": "1",
           "PLEXWARD_DATA_DIR": str(work / f"data-{script}"), **extra_env}
    with log.open("w") as out:
        proc = subprocess.Popen(["bash", f"scripts/{script}", "--port", str(port)], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, script, log)
        check(url)
        print(f"{script}: up at {url}, checked", flush=True)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def demo_admin_signs_in(url):
    readme = (REPO / "README.md").read_text()
    match = re.search(r"\| `admin` \| `([^`]+)` \| admin \|", readme)
    assert match, "the README's demo accounts table lists the admin"
    r = requests.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": match.group(1)}, timeout=10)
    assert r.status_code == 200, f"the README's demo admin password: {r.status_code} {r.text}"
    token = r.json()["token"]
    friends = requests.get(f"{url}/api/v1/plex-users", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert friends.status_code == 200, friends.text


def examples():
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in EXAMPLE.findall(doc.read_text()):
            yield doc.relative_to(REPO), block


def main():
    work = Path(tempfile.mkdtemp(prefix="plexward-docs-"))
    try:
        run_command("demo.sh", work, {"DEMO_PMS_PORT": str(free_port()), "DEMO_PLEXTV_PORT": str(free_port())},
                    demo_admin_signs_in)
        run_command("run.sh", work, {}, lambda url: None)

        procs, base = launch(work, binary("PLEXWARD_BIN", "plexward"), binary("PLEX_SIM_BIN", "plex-sim"))
        try:
            api = Api(base)
            session = connect_and_sync(api)
            token = api.call("POST", "/me/tokens", session, 201, json={"name": "readme"})["secret"]
            found = list(examples())
            assert found, "no <!-- example --> blocks found"
            for doc, block in found:
                result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=work, timeout=EXAMPLE_TIMEOUT_S,
                                        env={**os.environ, "URL": base, "TOKEN": token},
                                        capture_output=True, text=True, check=False)
                first = block.strip().splitlines()[0]
                if result.returncode != 0:
                    sys.exit(f"{doc}: the example starting `{first}` failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
                print(f"{doc}: example `{first[:60]}` ran ({len(result.stdout)} bytes out)", flush=True)
        finally:
            for proc in reversed(procs):
                stop(proc)
        print("README commands and examples passed", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
