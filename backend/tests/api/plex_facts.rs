//! Plex facts Plexward handles: the ~100-friend limit (counted, warned about, refused before
//! Plex refuses), a friend whose plex.tv account was deleted, and managed Home users (no email,
//! not counted, restrictions apply).

use plex_sim::{Behaviour, FaultSpec, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_with};
use crate::helpers::{start_sync, wait_for};

const ALICE: u64 = 2_100_001;
const CAROL: u64 = 2_100_003;
const KIDS: u64 = 2_100_004;
const ERIN: u64 = 2_100_006;
const FRANK: u64 = 2_100_007;

async fn friend_limit(t: &Synced) -> Value {
    let (status, body) = t.call(Method::GET, "/api/v1/summary", None).await;
    assert_eq!(status, 200, "{body}");
    body["friend_limit"].clone()
}

async fn sync(t: &Synced) -> Value {
    let job = wait_for(&t.app, &t.token, &start_sync(&t.app, &t.token).await).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    job
}

async fn grants_of(t: &Synced, friend: i64) -> Value {
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{friend}"), None)
        .await;
    detail["grants"].clone()
}

#[tokio::test]
async fn the_friend_limit_is_counted_and_an_invite_past_it_is_refused_before_plex_is_asked() {
    // The default seed shares the server with 5 people (alice, bob, dave, erin, an invitee) and
    // with the Home user Kids, who does not count.
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.plex_friend_limit = 6;
    })
    .await;
    let limit = friend_limit(&t).await;
    assert_eq!(
        limit,
        json!({"shared_with": 5, "limit": 6, "warning": true, "full": false})
    );

    let (frank, carol, alice) = (
        t.friend(FRANK).await,
        t.friend(CAROL).await,
        t.friend(ALICE).await,
    );
    let movies = t.library(1).await;
    let (status, body) = t.set_grants(frank, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200, "the last place is taken: {body}");
    assert_eq!(body["plan"]["action"], "invite", "{body}");
    assert_eq!(friend_limit(&t).await["full"], true);
    t.sim.clear_requests();

    // One more invite: refused with the reason, in the preview too, and nothing saved or sent.
    for path in [
        format!("/api/v1/plex-users/{carol}/grants?dry_run=true"),
        format!("/api/v1/plex-users/{carol}/grants"),
    ] {
        let (status, body) = t
            .call(
                Method::PUT,
                &path,
                Some(json!({"grants": [{ "library_id": movies }]})),
            )
            .await;
        assert_eq!(status, 409, "{path}: {body}");
        assert_eq!(body["error"]["code"], "friend_limit", "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("6 people") && message.contains("remove someone"),
            "{message}"
        );
    }
    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({
                "friend_ids": [alice, carol],
                "action": {"kind": "add_libraries", "library_ids": [t.library(2).await]},
            })),
        )
        .await;
    assert_eq!(
        status, 409,
        "a bulk change that would invite is refused whole: {body}"
    );
    assert_eq!(body["error"]["code"], "friend_limit");
    assert_eq!(grants_of(&t, carol).await, json!([]));
    assert!(t.writes().is_empty(), "{:?}", t.writes());

    // Changing someone who already has a place needs no room.
    let (status, body) = t.set_grants(alice, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plex_matches"], true, "{body}");

    // Removing frank's share frees the place again.
    let (status, body) = t.set_grants(frank, json!([])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(friend_limit(&t).await["full"], false);
    let (status, body) = t.set_grants(carol, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn plexs_own_friend_limit_refusal_is_a_clear_apply_error() {
    // Plexward is told not to check (0), so Plex's own refusal is what the owner sees.
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.plex_friend_limit = 0;
    })
    .await;
    assert_eq!(friend_limit(&t).await["limit"], Value::Null);
    t.sim.set_behaviour(Behaviour {
        friend_limit: Some(5),
        ..Behaviour::default()
    });
    let frank = t.friend(FRANK).await;
    let (status, body) = t
        .set_grants(frank, json!([{ "library_id": t.library(1).await }]))
        .await;
    assert_eq!(status, 200, "the grant is saved: {body}");
    assert_eq!(body["plex_matches"], false, "{body}");
    assert_eq!(body["apply"]["state"], "failed", "{body}");
    let error = body["apply"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("as many people as Plex allows") && error.contains("maximum number"),
        "{error}"
    );
    assert_eq!(t.shared_sections(FRANK), None);
}

#[tokio::test]
async fn a_friend_whose_plex_account_was_deleted_is_departed_on_either_api() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    let (alice, erin) = (t.friend(ALICE).await, t.friend(ERIN).await);
    assert_eq!(friend_limit(&t).await["shared_with"], 5);

    // v1: the account no longer appears in /api/users.
    assert!(t.sim.delete_account(ALICE));
    let job = sync(&t).await;
    assert_eq!(job["result"]["friends_departed"], 1, "{job}");

    // v2 (the v1 listing retired): the share comes back with `deletedAt` set.
    t.sim.add_fault(FaultSpec::retire("GET", "/api/users"));
    assert!(t.sim.delete_account(ERIN));
    let job = sync(&t).await;
    assert_eq!(job["result"]["friends_departed"], 1, "{job}");
    for id in [alice, erin] {
        let (_, detail) = t
            .call(Method::GET, &format!("/api/v1/plex-users/{id}"), None)
            .await;
        assert_eq!(detail["departed"], true, "{detail}");
        assert_eq!(detail["apply"]["state"], "departed", "{detail}");
    }
    assert_eq!(
        friend_limit(&t).await["shared_with"],
        3,
        "their places are free"
    );
    t.sim.clear_requests();
    let (status, body) = t.set_grants(erin, json!([])).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "friend_departed");
    assert!(t.sim.requests().is_empty(), "nothing is sent for them");
}

#[tokio::test]
async fn a_managed_home_user_gets_libraries_and_restrictions_without_an_email_or_a_place() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |c| {
        c.plex_friend_limit = 5;
    })
    .await;
    let kids = t.friend(KIDS).await;
    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{kids}"), None)
        .await;
    assert_eq!(detail["home"], true, "{detail}");
    assert_eq!(detail["email"], Value::Null, "{detail}");
    assert_eq!(
        friend_limit(&t).await["full"],
        true,
        "5 friends: full, Kids aside"
    );

    let (movies, default) = (t.library(1).await, t.library(3).await);
    let (status, body) = t
        .set_grants(
            kids,
            json!([{ "library_id": movies }, { "library_id": default }]),
        )
        .await;
    assert_eq!(status, 200, "a Home user needs no place: {body}");
    assert_eq!(body["plex_matches"], true, "{body}");
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plex-users/{kids}/sharing"),
            Some(json!({"sharing": {
                "allow_downloads": false,
                "allow_live_tv": false,
                "allow_camera_upload": false,
                "restrictions": {"movies": {"allow_ratings": ["G", "PG"]}}
            }})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let share = t
        .sim
        .state()
        .shares
        .into_iter()
        .find(|s| s.user_id == KIDS)
        .expect("Kids' share");
    assert_eq!(share.section_ids.len(), 2);
    assert!(
        share.settings.filter_movies.contains("PG"),
        "{:?}",
        share.settings
    );
}
