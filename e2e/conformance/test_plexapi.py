"""python-plexapi (PyPI 4.18.3) against plex-sim: every call of plex-api.md §6's verified table
and the post-conditions of §7.5, through the URL-rewriting session of §6 B."""

import json
import logging
import time
from datetime import datetime

import plexapi
import plexapi.base
import pytest
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.library import LibrarySection
from plexapi.myplex import MyPlexAccount
from plexapi.server import PlexServer
from plexapi.audio import TrackHistory, TrackSession
from plexapi.video import EpisodeHistory, EpisodeSession, MovieHistory, MovieSession

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


# --- Watch history and sessions (/status/sessions/history/all, /status/sessions) ---------------

HISTORY = "/status/sessions/history/all"
HOUR = 3600


def seed_plays(sim):
    """Replaces the history with 7 plays an hour apart (the newest an hour ago): alice and dave
    alternating in Movies and TV Shows, the owner in Music. Returns the plays, newest first."""
    now = int(time.time())
    who = [(ALICE, 1), (DAVE, 2), (1, 4), (ALICE, 1), (DAVE, 2), (1, 4), (ALICE, 3)]
    plays = [
        {"accountId": a, "librarySectionId": lib, "viewedAt": now - HOUR * (i + 1)}
        for i, (a, lib) in enumerate(who)
    ]
    sim.admin("DELETE", "/plays")
    done = sim.admin("POST", "/plays", json=plays)
    sim.clear_requests()
    return done


def history_requests(sim):
    return [r for r in sim.requests("pms") if r["path"] == HISTORY]


def test_history_parses_into_history_objects(sim, plex):
    plays = seed_plays(sim)
    history = plex.history()
    assert len(history) == 7
    assert [type(h) for h in history[:3]] == [MovieHistory, EpisodeHistory, TrackHistory]
    assert [h.accountID for h in history] == [p["accountId"] for p in plays]
    assert [h.librarySectionID for h in history] == [1, 2, 4, 1, 2, 4, 3]
    assert all(isinstance(h.viewedAt, datetime) for h in history)
    assert [int(h.viewedAt.timestamp()) for h in history] == [p["viewedAt"] for p in plays]
    assert [h.title for h in history] == [p["title"] for p in plays]
    assert [h.ratingKey for h in history] == [p["ratingKey"] for p in plays]
    ep = history[1]
    assert ep.grandparentTitle and ep.seasonNumber and ep.index
    assert history[2].grandparentTitle and history[2].parentTitle  # artist, album
    assert all(h.historyKey == f"/status/sessions/history/{p['id']}" for h, p in zip(history, plays))
    assert all(h.deviceID for h in history)
    [req] = history_requests(sim)
    assert req["query"] == "sort=viewedAt%3Adesc"
    # python-plexapi pages with headers, not query parameters.
    assert (req["headers"]["x-plex-container-start"], req["headers"]["x-plex-container-size"]) == ("0", "100")
    assert req["headers"]["x-plex-token"] == "REDACTED" and not req["token_in_query"]


def test_history_mindate(sim, plex):
    plays = seed_plays(sim)
    since = datetime.fromtimestamp(plays[0]["viewedAt"] - int(3.5 * HOUR))
    history = plex.history(mindate=since)
    assert [h.historyKey for h in history] == [f"/status/sessions/history/{p['id']}" for p in plays[:4]]
    # mindate is inclusive: the play at exactly that second is in.
    at = datetime.fromtimestamp(plays[2]["viewedAt"])
    assert len(plex.history(mindate=at)) == 3
    assert "viewedAt%3E=" in history_requests(sim)[0]["query"]


def test_history_by_account_and_library(sim, plex):
    seed_plays(sim)
    assert [h.accountID for h in plex.history(accountID=ALICE)] == [ALICE] * 3
    assert [h.accountID for h in plex.history(accountID=1)] == [1, 1]
    assert plex.history(accountID=FRANK) == []
    tv = plex.history(librarySectionID=2)
    assert [(h.librarySectionID, h.accountID, h.type) for h in tv] == [(2, DAVE, "episode")] * 2
    # A section's history is the owner's only (python-plexapi adds accountID=1).
    assert plex.library.section("Movies").history() == []
    music = plex.library.section("Music").history()
    assert [(h.librarySectionID, h.accountID, h.type) for h in music] == [(4, 1, "track")] * 2
    queries = [r["query"] for r in history_requests(sim)]
    assert "accountID=2100001" in queries[0] and "librarySectionID=2" in queries[3]
    assert "accountID=1&librarySectionID=4" in queries[5]


def test_history_maxresults_pages_across_containers(sim, plex, monkeypatch):
    plays = seed_plays(sim)
    monkeypatch.setattr(plexapi.base, "X_PLEX_CONTAINER_SIZE", 2)
    history = plex.history(maxresults=5)
    assert [h.title for h in history] == [p["title"] for p in plays[:5]]
    pages = [
        (r["headers"]["x-plex-container-start"], r["headers"]["x-plex-container-size"])
        for r in history_requests(sim)
    ]
    assert pages == [("0", "2"), ("2", "2"), ("4", "1")]
    sim.clear_requests()
    assert len(plex.history()) == 7
    assert len(history_requests(sim)) == 4


def test_history_entry_delete(sim, plex):
    seed_plays(sim)
    newest = plex.history()[0]
    newest.delete()
    assert newest.historyKey not in {h.historyKey for h in plex.history()}
    assert ("DELETE", newest.historyKey) in calls(sim, "pms")


def test_sessions(sim, plex):
    movie, episode = plex.sessions()  # the built-in seed: alice on the LAN, dave paused outside
    assert isinstance(movie, MovieSession) and isinstance(episode, EpisodeSession)
    assert movie.usernames == ["alice"] and episode.usernames == ["dave"]
    assert movie.user.id == ALICE  # resolved through plex.tv's /api/users
    assert movie.sessionKey != episode.sessionKey
    assert movie.librarySectionID == 1 and episode.librarySectionID == 2
    assert 0 < movie.viewOffset < movie.duration
    assert episode.grandparentTitle and episode.seasonNumber
    [player] = movie.players
    assert (player.state, player.local, player.product) == ("playing", True, "Plex for Android (TV)")
    assert player.address and player.machineIdentifier and player.platform and player.title
    assert episode.players[0].state == "paused" and episode.players[0].local is False
    assert movie.session.location == "lan" and episode.session.location == "wan"
    assert movie.session.bandwidth > 0 and movie.session.id
    assert movie.media[0].parts[0].file

    started = sim.admin("POST", "/sessions", json={"accountId": 1, "librarySectionId": 4})
    track = next(s for s in plex.sessions() if s.sessionKey == started[0]["sessionKey"])
    assert isinstance(track, TrackSession) and track.usernames == ["plexward-owner"]
    assert track.user.username == "plexward-owner"  # User id 1 is the owner
    episode.stop(reason="maintenance")
    assert [s.sessionKey for s in plex.sessions()] == [movie.sessionKey, track.sessionKey]
    sim.admin("DELETE", "/sessions")
    assert plex.sessions() == []
