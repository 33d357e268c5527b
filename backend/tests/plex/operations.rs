//! Every client operation against the default seed (see e2e/plex-sim/README.md).

use std::collections::BTreeSet;

use plexward::plex::{
    Invitee, LibraryKind, NonEmptySet, PlexError, PlexSectionId, PmsKey, ShareId, UserId,
};

use crate::support::{assert_clean_log, count, start};

pub(crate) const ALICE: UserId = UserId(2_100_001);
pub(crate) const BOB: UserId = UserId(2_100_002);
pub(crate) const CAROL: UserId = UserId(2_100_003);
pub(crate) const KIDS: UserId = UserId(2_100_004);
pub(crate) const DAVE: UserId = UserId(2_100_005);
pub(crate) const ERIN: UserId = UserId(2_100_006);
pub(crate) const FRANK: UserId = UserId(2_100_007);
pub(crate) const MOVIES: PlexSectionId = PlexSectionId(118_181_361);
pub(crate) const TV: PlexSectionId = PlexSectionId(118_251_661);
pub(crate) const DEFAULT: PlexSectionId = PlexSectionId(118_278_994);

fn keys(k: &[u64]) -> BTreeSet<PmsKey> {
    k.iter().copied().map(PmsKey).collect()
}

#[tokio::test]
async fn identity_server_info_and_libraries() {
    let (sim, client, mid) = start().await;
    let id = client.identity().await.expect("identity");
    assert_eq!(id.machine_id, mid);
    assert!(id.claimed);
    assert!(!id.version.is_empty());

    let info = client.server_info().await.expect("server root");
    assert_eq!(info.name, "SimServer");
    assert_eq!(info.machine_id, mid);
    assert_eq!(info.version, id.version);

    let libs = client.libraries().await.expect("libraries");
    let got: Vec<(u64, &str)> = libs.iter().map(|l| (l.key.0, l.title.as_str())).collect();
    assert_eq!(
        got,
        [
            (1, "Movies"),
            (2, "TV Shows"),
            (3, "Default"),
            (4, "Music"),
            (5, "Photos")
        ]
    );
    assert_eq!(libs[3].kind, LibraryKind::Artist);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn account_reports_plex_pass() {
    let (sim, client, _) = start().await;
    let account = client.account().await.expect("account");
    let owner = sim.state().owner;
    assert_eq!(account.id, UserId(owner.id));
    assert_eq!(account.username, owner.username);
    assert_eq!(account.email, owner.email);
    assert!(account.plex_pass);

    sim.with_state(|s| s.owner.plex_pass = false);
    assert!(!client.account().await.expect("account").plex_pass);
    // The token check asks for JSON (spec §2.3.1).
    let log = sim.requests();
    assert!(
        log.iter()
            .all(|r| r.headers.get("accept").is_some_and(|a| a.contains("json")))
    );
    assert_clean_log(&sim);
}

#[tokio::test]
async fn friends_include_managed_users_invitees_and_pending_shares() {
    let (sim, client, mid) = start().await;
    let friends = client.friends().await.expect("friends");
    assert_eq!(friends.len(), 8);
    let by = |id: UserId| friends.iter().find(|f| f.id == id).expect("friend listed");

    let kids = by(KIDS);
    assert!(kids.home && kids.username.is_none() && kids.email.is_none());
    assert_eq!(kids.display_name(), "Kids");
    assert_eq!(
        kids.server(&mid).map(|s| s.share_id),
        Some(ShareId(41_000_004))
    );

    let bob = by(BOB).server(&mid).expect("bob has a share");
    assert!(bob.pending);
    assert!(!by(ALICE).server(&mid).expect("alice share").pending);
    assert!(by(DAVE).server(&mid).expect("dave share").all_libraries);
    // Carol is shared only on another server; Frank on none.
    assert!(by(CAROL).server(&mid).is_none() && !by(CAROL).servers.is_empty());
    assert!(by(FRANK).servers.is_empty());

    let invitee = friends
        .iter()
        .find(|f| f.email.as_deref() == Some("pending@example.com"))
        .expect("pending invitee listed");
    assert!(invitee.username.is_none());
    assert!(invitee.server(&mid).expect("invitee share").pending);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn section_map_joins_keys_and_plex_ids() {
    let (sim, client, mid) = start().await;
    let map = client.section_map(&mid).await.expect("section map");
    for lib in sim.state().libraries {
        assert_eq!(
            map.plex_id(PmsKey(lib.key)),
            Some(PlexSectionId(lib.plex_id))
        );
        assert_eq!(
            map.pms_key(PlexSectionId(lib.plex_id)),
            Some(PmsKey(lib.key))
        );
    }
    let ids = map
        .to_plex_ids(&NonEmptySet::new([PmsKey(1), PmsKey(3)]).expect("non-empty"))
        .expect("known keys");
    assert_eq!(ids.iter().copied().collect::<Vec<_>>(), [MOVIES, DEFAULT]);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn shares_and_one_share() {
    let (sim, client, mid) = start().await;
    let shares = client.shares(&mid).await.expect("shares");
    assert_eq!(shares.len(), sim.state().shares.len());
    let alice = shares.iter().find(|s| s.user_id == ALICE).expect("alice");
    assert_eq!(alice.shared_keys(), keys(&[1, 3]));
    assert!(!alice.is_pending());
    let dave = shares.iter().find(|s| s.user_id == DAVE).expect("dave");
    assert!(dave.all_libraries);
    assert_eq!(dave.shared_keys(), keys(&[1, 2, 3, 4, 5]));
    assert!(
        shares
            .iter()
            .find(|s| s.user_id == BOB)
            .expect("bob")
            .is_pending()
    );

    let one = client.share(&mid, alice.id).await.expect("one share");
    assert_eq!(&one, alice);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn snapshot_joins_friends_with_their_shares() {
    let (sim, client, mid) = start().await;
    let snap = client.snapshot(&mid).await.expect("snapshot");
    let access = snap.friends_with_shares();
    assert_eq!(access.len(), 8);
    let of = |id: UserId| access.iter().find(|a| a.friend.id == id).expect("listed");
    assert_eq!(
        of(ERIN).share.expect("erin").shared_keys(),
        keys(&[2, 3, 4])
    );
    assert!(of(FRANK).share.is_none() && of(CAROL).share.is_none());
    assert_eq!(count(&sim, "GET", "/**"), 3);
}

#[tokio::test]
async fn create_share_by_user_id_is_pending_with_those_libraries() {
    let (sim, client, mid) = start().await;
    let share = client
        .create_share(
            &mid,
            &Invitee::User(FRANK),
            &NonEmptySet::new([TV, DEFAULT]).expect("set"),
            None,
        )
        .await
        .expect("created");
    assert_eq!(share.user_id, FRANK);
    assert!(share.is_pending());
    assert_eq!(share.shared_keys(), keys(&[2, 3]));
    let state = sim.state();
    let stored = state
        .shares
        .iter()
        .find(|s| s.user_id == FRANK.0)
        .expect("stored");
    assert_eq!(stored.section_ids, BTreeSet::from([TV.0, DEFAULT.0]));
    assert!(!stored.all_libraries);
    let post = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("POST logged");
    let body = post.json_body().expect("JSON body");
    assert_eq!(body["shared_server"]["invited_id"], FRANK.0);
    assert_eq!(body["server_id"], mid.as_str());
    assert_clean_log(&sim);
}

#[tokio::test]
async fn create_share_by_email_then_again_is_already_shared() {
    let (sim, client, mid) = start().await;
    let invitee = Invitee::Email("new.friend@example.com".to_owned());
    let share = client
        .create_share(&mid, &invitee, &NonEmptySet::one(DEFAULT), None)
        .await
        .expect("invited");
    assert!(share.is_pending());
    assert_eq!(share.email.as_deref(), Some("new.friend@example.com"));
    let again = client
        .create_share(&mid, &invitee, &NonEmptySet::one(MOVIES), None)
        .await;
    assert!(
        matches!(again, Err(PlexError::AlreadyShared { .. })),
        "{again:?}"
    );
    assert_eq!(
        count(&sim, "POST", "/api/servers/*/shared_servers"),
        2,
        "400 not retried"
    );
    assert_clean_log(&sim);
}

#[tokio::test]
async fn replace_libraries_replaces_the_set() {
    let (sim, client, mid) = start().await;
    let alice = sim
        .state()
        .shares
        .iter()
        .find(|s| s.user_id == ALICE.0)
        .expect("alice")
        .id;
    let updated = client
        .replace_share_libraries(
            &mid,
            ShareId(alice),
            &NonEmptySet::new([TV]).expect("set"),
            None,
        )
        .await
        .expect("replaced");
    assert_eq!(updated.expect("share returned").shared_keys(), keys(&[2]));
    let state = sim.state();
    let stored = state
        .shares
        .iter()
        .find(|s| s.id == alice)
        .expect("still there");
    assert_eq!(stored.section_ids, BTreeSet::from([TV.0]));
    assert!(!stored.all_libraries);
    assert_clean_log(&sim);
}

#[tokio::test]
async fn delete_share_keeps_the_friend() {
    let (sim, client, mid) = start().await;
    client
        .delete_share(&mid, ShareId(41_000_001))
        .await
        .expect("deleted");
    let state = sim.state();
    assert!(state.shares.iter().all(|s| s.user_id != ALICE.0));
    assert!(state.friends.contains(&ALICE.0));
    assert_clean_log(&sim);
}

#[tokio::test]
async fn remove_friend_removes_friend_and_share() {
    let (sim, client, mid) = start().await;
    client.remove_friend(&mid, ERIN).await.expect("removed");
    let state = sim.state();
    assert!(!state.friends.contains(&ERIN.0));
    assert!(state.shares.iter().all(|s| s.user_id != ERIN.0));
    let friends = client.friends().await.expect("friends");
    assert!(friends.iter().all(|f| f.id != ERIN));
    assert_clean_log(&sim);
}

#[test]
fn an_empty_library_set_cannot_be_built() {
    assert!(NonEmptySet::<PlexSectionId>::new([]).is_err());
    assert!(NonEmptySet::<PlexSectionId>::new(Vec::new()).is_err());
    assert_eq!(NonEmptySet::new([MOVIES, MOVIES]).expect("set").len(), 1);
}

#[tokio::test]
async fn resolve_sections_refreshes_the_map_once_for_a_new_library() {
    let (sim, client, mid) = start().await;
    let anime = sim.add_library("Anime", "show", false);
    let mut map = client.section_map(&mid).await.expect("map");
    let wanted = NonEmptySet::new([PmsKey(1), PmsKey(anime.key)]).expect("set");

    // plex.tv has not caught up: one refresh, then a typed error.
    let err = client
        .resolve_sections(&mid, &mut map, &wanted)
        .await
        .expect_err("missing");
    assert!(
        matches!(err, PlexError::LibraryNotOnPlextv(k) if k == PmsKey(anime.key)),
        "{err:?}"
    );
    assert_eq!(count(&sim, "GET", "/api/servers/*"), 2);

    // Published: the refresh finds it.
    sim.publish_library(anime.key);
    let ids = client
        .resolve_sections(&mid, &mut map, &wanted)
        .await
        .expect("resolved");
    assert_eq!(
        ids.iter().copied().collect::<Vec<_>>(),
        [MOVIES, PlexSectionId(anime.plex_id)]
    );
    assert_eq!(count(&sim, "GET", "/api/servers/*"), 3);
    // Known keys need no request at all.
    client
        .resolve_sections(&mid, &mut map, &wanted)
        .await
        .expect("cached");
    assert_eq!(count(&sim, "GET", "/api/servers/*"), 3);
}
