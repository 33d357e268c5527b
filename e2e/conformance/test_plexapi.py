"""python-plexapi (PyPI 4.18.3) against plex-sim: every call of plex-api.md §6's verified table
and the post-conditions of §7.5, through the URL-rewriting session of §6 B."""

import json
import logging

import plexapi
import pytest
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.library import LibrarySection
from plexapi.myplex import MyPlexAccount
from plexapi.server import PlexServer

from conftest import MACHINE_ID, OWNER_TOKEN

MOVIES, TV, DEFAULT, MUSIC, PHOTOS = 118181361, 118251661, 118278994, 118300417, 118312358
ALICE, BOB, CAROL, KIDS, DAVE, ERIN, FRANK = 2100001, 2100002, 2100003, 2100004, 2100005, 2100006, 2100007
SHARES = f"/api/servers/{MACHINE_ID}/shared_servers"


def calls(sim, host=None):
    """(method, path) of every logged request."""
    return [(r["method"], r["path"]) for r in sim.requests(host)]


def shared_titles(user):
    server = next(s for s in user.servers if s.machineIdentifier == MACHINE_ID)
    return {s.title for s in server.sections() if s.shared}


def test_version_is_pinned():
    assert plexapi.VERSION == "4.18.3"


def test_server_and_identity(sim, plex):
    assert plex.friendlyName == "SimServer"
    assert plex.machineIdentifier == MACHINE_ID
    assert plex.allowSharing is True and plex.myPlex is True
    ident = plex.identity()
    assert ident.claimed is True
    assert ident.machineIdentifier == MACHINE_ID
    assert ident.version == plex.version
    assert calls(sim) == [("GET", "/"), ("GET", "/identity")]
    # plexapi sends the token as a header, never in the URL.
    assert all(r["headers"].get("x-plex-token") == "REDACTED" for r in sim.requests())
    assert not any(r["token_in_query"] for r in sim.requests())


def test_sections(sim, plex):
    sections = plex.library.sections()
    assert [(s.key, s.title, s.type) for s in sections] == [
        (1, "Movies", "movie"),
        (2, "TV Shows", "show"),
        (3, "Default", "movie"),
        (4, "Music", "artist"),
        (5, "Photos", "photo"),
    ]
    default = plex.library.section("Default")
    assert isinstance(default, LibrarySection)
    assert default.key == 3 and default.locations == ["/data/default"]
    assert default.agent == "tv.plex.agents.movie" and default.uuid
    assert ("GET", "/library") in calls(sim)
    assert ("GET", "/library/sections") in calls(sim) or ("GET", "/library/sections/") in calls(sim)


def test_account(sim, plex, session):
    acct = plex.myPlexAccount()
    assert acct.username == "plexward-owner"
    assert acct.email == "owner@example.com"
    assert acct.id == 2000001
    assert acct.subscriptionActive is True
    assert acct.authToken == OWNER_TOKEN
    assert "plexpass" in acct.roles
    direct = MyPlexAccount(token=OWNER_TOKEN, session=session)
    assert direct.uuid == acct.uuid
    assert calls(sim, "plextv") == [("GET", "/api/v2/user")] * 2


def test_users(sim, account):
    sim.clear_requests()
    users = account.users()
    assert len(users) == 8
    by_id = {u.id: u for u in users}
    alice = by_id[ALICE]
    assert (alice.username, alice.email, alice.title) == ("alice", "alice@example.com", "alice")
    [srv] = alice.servers
    assert srv.machineIdentifier == MACHINE_ID and srv.id == 41000001
    assert srv.pending is False and srv.numLibraries == 2 and srv.allLibraries is False
    assert by_id[BOB].servers[0].pending is True
    assert [s.machineIdentifier for s in by_id[CAROL].servers] == ["c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff"]
    assert by_id[FRANK].servers == []
    kids = by_id[KIDS]
    assert kids.home is True and kids.username == "" and kids.email is None
    assert by_id[DAVE].servers[0].allLibraries is True
    # user(x) finds by username, email, id and (home users) title: one /api/users/ per call.
    assert account.user("alice").id == ALICE
    assert account.user("ALICE@example.com").id == ALICE
    assert account.user(str(ALICE)).id == ALICE
    assert account.user("Kids").id == KIDS
    assert account.user("pending@example.com").servers[0].pending is True
    with pytest.raises(NotFound):
        account.user("nobody")
    assert calls(sim) == [("GET", "/api/users/")] * 7


def test_friend_shared_sections(sim, account):
    alice = account.user("alice")
    sections = alice.servers[0].sections()
    assert len(sections) == 5  # every library, with the shared flag
    assert {s.title for s in sections if s.shared} == {"Movies", "Default"}
    keys = {s.key for s in sections}
    ids = {s.id for s in sections}
    assert keys == {1, 2, 3, 4, 5} and not keys & ids
    assert ("GET", f"{SHARES}/41000001") in calls(sim)


def test_update_friend_put_when_shared(sim, plex, account):
    alice = account.user("alice")
    sim.clear_requests()
    account.updateFriend(alice, plex, sections=[plex.library.section("TV Shows"), "music"])
    log = sim.requests("plextv")
    assert [(r["method"], r["path"]) for r in log] == [
        ("GET", f"/api/servers/{MACHINE_ID}"),
        ("PUT", f"{SHARES}/41000001"),
    ]
    body = json.loads(log[1]["body"])
    assert body == {"server_id": MACHINE_ID, "shared_server": {"library_section_ids": [TV, MUSIC]}}
    # §7.5: user.servers[0].sections() reflects the PUT.
    assert shared_titles(account.user("alice")) == {"TV Shows", "Music"}


def test_update_friend_posts_invite_when_not_shared(sim, plex, account):
    frank = account.user("frank")
    assert frank.servers == []
    sim.clear_requests()
    account.updateFriend(frank, plex, sections=["Movies", "Default"])
    log = sim.requests("plextv")
    assert [(r["method"], r["path"]) for r in log] == [
        ("GET", f"/api/servers/{MACHINE_ID}"),
        ("POST", SHARES),
    ]
    body = json.loads(log[1]["body"])
    assert body["shared_server"] == {"library_section_ids": [MOVIES, DEFAULT], "invited_id": FRANK}
    [srv] = account.user("frank").servers
    assert srv.pending is True
    assert shared_titles(account.user("frank")) == {"Movies", "Default"}


def test_invite_friend_is_pending(sim, plex, account):
    sim.clear_requests()
    account.inviteFriend("newbie@example.com", plex, sections=[plex.library.section("Default")])
    log = sim.requests("plextv")
    assert [(r["method"], r["path"]) for r in log] == [
        ("GET", f"/api/servers/{MACHINE_ID}"),
        ("POST", SHARES),
    ]
    body = json.loads(log[1]["body"])
    assert body["shared_server"] == {"library_section_ids": [DEFAULT], "invited_email": "newbie@example.com"}
    assert body["sharing_settings"]["allowSync"] == "0"
    newbie = account.user("newbie@example.com")
    assert newbie.servers[0].pending is True
    assert shared_titles(newbie) == {"Default"}
    sim.admin("POST", f"/accept/{newbie.servers[0].id}")
    assert account.user("newbie@example.com").servers[0].pending is False


def test_invite_existing_share_is_rejected(plex, account):
    with pytest.raises(BadRequest, match="already sharing this server with alice"):
        account.inviteFriend("alice", plex, sections=["Movies"])


def test_remove_sections_deletes_share(sim, plex, account):
    alice = account.user("alice")
    sim.clear_requests()
    account.updateFriend(alice, plex, sections=["Movies"], removeSections=True)
    assert ("DELETE", f"{SHARES}/41000001") in calls(sim)
    alice = account.user("alice")  # still a friend, no share on this server
    assert [s for s in alice.servers if s.machineIdentifier == MACHINE_ID] == []
    assert sim.share_of(ALICE) is None


def test_remove_friend(sim, account):
    account.removeFriend("erin")
    assert ("DELETE", f"/api/v2/sharings/{ERIN}") in calls(sim)
    assert "erin" not in {u.username for u in account.users()}
    with pytest.raises(NotFound):
        account.user("erin")
    assert sim.share_of(ERIN) is None


def test_update_friend_settings(sim, plex, account):
    alice = account.user("alice")
    sim.clear_requests()
    account.updateFriend(alice, plex, allowSync=True)
    log = sim.requests()
    assert [(r["method"], r["path"], r["query"]) for r in log] == [
        ("PUT", f"/api/v2/sharings/{ALICE}", "allowSync=1"),
    ]
    assert sim.share_of(ALICE)["settings"]["allowSync"] is True
    assert account.user("alice").allowSync is True


def test_update_friend_empty_sections_sends_nothing(sim, plex, account, caplog):
    alice = account.user("alice")
    before = sim.share_of(ALICE)
    sim.clear_requests()
    with caplog.at_level(logging.WARNING, logger="plexapi"):
        account.updateFriend(alice, plex, sections=[])
    assert sim.requests() == []  # §7.5: no request at all
    assert sim.share_of(ALICE) == before
    assert "Section name, number of section object is required" in caplog.text


def test_update_friend_empty_sections_without_share_grants_all(sim, plex, account):
    # The trap the simulator must expose: a POST with [] shares ALL libraries.
    account.updateFriend(account.user("frank"), plex, sections=[])
    share = sim.share_of(FRANK)
    assert share is not None and share["allLibraries"] is True
    assert account.user("frank").servers[0].allLibraries is True


def test_resource_connect(sim, account):
    resource = account.resource("SimServer")
    assert resource.clientIdentifier == MACHINE_ID and resource.owned is True
    server = resource.connect(timeout=5)
    assert isinstance(server, PlexServer)
    assert server.machineIdentifier == MACHINE_ID
    assert ("GET", "/api/v2/resources") in calls(sim, "plextv")
    assert ("GET", "/") in calls(sim, "pms")


def test_bad_token_is_unauthorized(sim, session):
    with pytest.raises(Unauthorized):
        MyPlexAccount(token="bad", session=session)
    with pytest.raises(Unauthorized):
        PlexServer(sim.pms_url, "bad", session=session)


def test_deauthorized_token_is_unauthorized(sim, session):
    sim.admin("POST", "/tokens/deauthorize", json={"token": OWNER_TOKEN})
    with pytest.raises(Unauthorized, match="Invalid token"):
        MyPlexAccount(token=OWNER_TOKEN, session=session)


def test_deprecated_invites_are_gone(account):
    with pytest.raises(BadRequest, match=r"\(410\)"):
        account.pendingInvites()


def test_injected_fault_surfaces_as_bad_request(sim, account):
    sim.admin("POST", "/fault", json={"method": "GET", "path": "/api/users", "status": 503})
    with pytest.raises(BadRequest, match=r"\(503\) service_unavailable"):
        account.users()
    assert len(account.users()) == 8


def test_only_loopback_was_contacted(sim, plex, account):
    plex.library.sections()
    account.users()
    for r in sim.requests():
        assert r["headers"]["host"].startswith("127.0.0.1:")


def test_lost_response_still_creates_share(sim, plex, account):
    import requests

    sim.admin(
        "POST",
        "/fault",
        json={"method": "POST", "path": "/api/servers/*/shared_servers", "drop_connection": True},
    )
    with pytest.raises(requests.exceptions.ConnectionError):
        account.inviteFriend("lost@example.com", plex, sections=["Default"])
    # The invite was created although the client never saw the answer.
    assert account.user("lost@example.com").servers[0].pending is True
    with pytest.raises(BadRequest, match="already sharing"):
        account.inviteFriend("lost@example.com", plex, sections=["Default"])
