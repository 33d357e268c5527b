"""The OpenAPI document as a script writer's tools see it, against the Plex simulator.

1. `openapi-spec-validator` finds nothing wrong with it (OpenAPI 3.1).
2. `openapi-python-client` generates a client from it with no warning and with every operation
   (an operation it cannot read is dropped silently otherwise: this fails on any).
3. The generated client does three everyday automations, and the API shows they did:
   a. extend everyone whose access ends within 7 days by one month;
   b. give every active friend a new library until a date, keeping their other windows;
   c. revoke one friend found by exact username.

    python e2e/openapi/check_openapi.py
Binaries: PLEXWARD_BIN and PLEX_SIM_BIN (default target/debug/…).
"""

import datetime as dt
import importlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stack import Api, binary, connect_and_sync, launch, stop  # noqa: E402

from openapi_python_client.strings import snake_case  # noqa: E402
from openapi_spec_validator import OpenAPIV31SpecValidator  # noqa: E402

PACKAGE = "plexward_client"
METHODS = ("get", "put", "post", "delete", "patch")


def validate(doc):
    errors = list(OpenAPIV31SpecValidator(doc).iter_errors())
    for error in errors[:20]:
        print(f"  {'/'.join(map(str, error.path))}: {error.message[:300]}")
    if errors:
        sys.exit(f"openapi-spec-validator: {len(errors)} error(s) in the document")
    print("openapi-spec-validator: the document is valid OpenAPI 3.1", flush=True)


def generate(doc, work):
    """Generates the client into `work`; fails on any warning or dropped operation."""
    spec = work / "openapi.json"
    spec.write_text(json.dumps(doc))
    config = work / "client-config.yaml"
    # No formatter run: the check is about what the generator understood, not code style.
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [str(generator), "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(work / PACKAGE), "--config", str(config), "--fail-on-warning"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        sys.exit(f"openapi-python-client failed or warned:\n{result.stdout}\n{result.stderr}")
    modules = {p.stem for p in (work / PACKAGE / "api").rglob("*.py") if p.stem != "__init__"}
    operations = [op["operationId"] for item in doc["paths"].values()
                  for method, op in item.items() if method in METHODS]
    dropped = [op for op in operations if snake_case(op) not in modules]
    if dropped:
        sys.exit(f"openapi-python-client dropped {len(dropped)} of {len(operations)} operations: {dropped}")
    print(f"openapi-python-client: all {len(operations)} operations generated", flush=True)
    sys.path.insert(0, str(work))


def operation(name):
    """The generated module of operation `name` (camelCase), whatever its tag."""
    for path in (Path(sys.path[0]) / PACKAGE / "api").rglob(f"{snake_case(name)}.py"):
        return importlib.import_module(f"{PACKAGE}.api.{path.parent.name}.{path.stem}")
    raise LookupError(name)


def iso(moment):
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class Check:
    """Sets the scene through the plain API, runs the automations with the generated client."""

    def __init__(self, api, session, base, token):
        self.api, self.session = api, session
        client_module = importlib.import_module(PACKAGE)
        self.client = client_module.AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
        self.models = importlib.import_module(f"{PACKAGE}.models")
        friends = api.call("GET", "/plex-users", session)["items"]
        self.friend = {f["username"]: f["id"] for f in friends if f.get("username")}
        libraries = api.call("GET", "/libraries", session)["items"]
        self.library = {lib["title"]: lib["id"] for lib in libraries}
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def grants(self, name):
        detail = self.api.call("GET", f"/plex-users/{self.friend[name]}", self.session)
        return {g["library_id"]: (parse(g["starts_at"]), parse(g["ends_at"])) for g in detail["grants"]}

    def set_grants(self, name, grants):
        self.api.call("PUT", f"/plex-users/{self.friend[name]}/grants", self.session, json={"grants": grants})

    def wait_for_job(self, job_id):
        get_job = operation("getJob")
        for _ in range(300):
            job = get_job.sync(id=job_id, client=self.client)
            if job.state.value in ("succeeded", "failed"):
                if job.state.value != "succeeded":
                    sys.exit(f"job {job_id} failed: {job.error}")
                return
            time.sleep(0.1)
        sys.exit(f"job {job_id} did not finish within 30 s")

    def extend_the_expiring_by_a_month(self):
        """a. Everyone whose access ends within 7 days gets one month more."""
        soon, later = self.now + dt.timedelta(days=3), self.now + dt.timedelta(days=20)
        self.set_grants("alice", [{"library_id": self.library["Movies"], "ends_at": iso(soon)},
                                  {"library_id": self.library["Default"]}])
        self.set_grants("dave", [{"library_id": self.library["Movies"], "ends_at": iso(later)}])
        before = {name: self.grants(name) for name in ("alice", "dave")}

        list_friends, extend = operation("listFriends"), operation("extendFriendAccess")
        expiring = list_friends.sync(client=self.client, status=self.models.FriendStatus.EXPIRING, within_days=7)
        for friend in expiring.items:
            extend.sync(id=friend.id, client=self.client, body=self.models.ExtendRequest(period="month"))

        assert [f.id for f in expiring.items] == [self.friend["alice"]], [f.title for f in expiring.items]
        movies = self.library["Movies"]
        moved = self.grants("alice")[movies][1] - before["alice"][movies][1]
        assert dt.timedelta(days=28) <= moved <= dt.timedelta(days=31), moved
        assert self.grants("alice")[self.library["Default"]] == (None, None), "no end stays no end"
        assert self.grants("dave") == before["dave"], "not expiring: untouched"
        print("a. extended the 1 friend whose access ends within 7 days by a month", flush=True)

    def give_the_active_a_library_until(self):
        """b. Every active friend gets Photos until a date; their other windows stay."""
        until = self.now + dt.timedelta(days=45)
        list_friends, bulk = operation("listFriends"), operation("changeFriendsInBulk")
        active = list_friends.sync(client=self.client, status=self.models.FriendStatus.ACTIVE)
        ids = [f.id for f in active.items]
        names = [name for name, id_ in self.friend.items() if id_ in ids]
        before = {name: self.grants(name) for name in names}
        action = self.models.BulkAddLibraries(
            kind=self.models.BulkAddLibrariesKind.ADD_LIBRARIES,
            library_ids=[self.library["Photos"]],
            ends_at=iso(until),
        )
        answer = bulk.sync(client=self.client, body=self.models.BulkRequest(action=action, friend_ids=ids))
        assert answer.dry_run is False and answer.job_id, answer
        self.wait_for_job(answer.job_id)

        assert len(names) >= 2, names
        photos = self.library["Photos"]
        for name in names:
            after = self.grants(name)
            assert after.pop(photos)[1] == until, (name, after)
            before[name].pop(photos, None)
            assert after == before[name], f"{name}'s other windows changed: {before[name]} → {after}"
        print(f"b. gave {len(names)} active friends Photos until {iso(until)}, other windows kept", flush=True)

    def revoke_by_exact_username(self):
        """c. The one friend called `erin` (not `erin`-anything) loses every grant."""
        list_friends, bulk = operation("listFriends"), operation("changeFriendsInBulk")
        others = {name: self.grants(name) for name in self.friend if name != "erin"}
        found = list_friends.sync(client=self.client, username="erin")
        assert found.total == 1 and found.items[0].username == "erin", found
        revoke = self.models.BulkRevoke(kind=self.models.BulkRevokeKind.REVOKE)
        answer = bulk.sync(client=self.client, body=self.models.BulkRequest(action=revoke, friend_ids=[found.items[0].id]))
        self.wait_for_job(answer.job_id)

        assert self.grants("erin") == {}, self.grants("erin")
        assert {name: self.grants(name) for name in others} == others, "someone else changed"
        print("c. revoked erin, found by exact username; nobody else changed", flush=True)


def main():
    plexward, plex_sim = binary("PLEXWARD_BIN", "plexward"), binary("PLEX_SIM_BIN", "plex-sim")
    work = Path(tempfile.mkdtemp(prefix="plexward-openapi-"))
    procs = []
    try:
        procs, base = launch(work, plexward, plex_sim)
        api = Api(base)
        session = connect_and_sync(api)
        token = api.call("POST", "/me/tokens", session, 201, json={"name": "openapi check"})["secret"]
        doc = api.http.get(f"{base}/api/v1/openapi.json", timeout=10).json()
        validate(doc)
        generate(doc, work)
        check = Check(api, session, base, token)
        check.extend_the_expiring_by_a_month()
        check.give_the_active_a_library_until()
        check.revoke_by_exact_username()
        print("OpenAPI checks passed", flush=True)
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
