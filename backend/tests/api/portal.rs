//! The friend portal through the API, against the simulator's plex.tv: off by default; a friend
//! signs in by PIN with their own Plex account and sees only their own access; a stranger is
//! refused politely and gets nothing; the portal session is refused everywhere else (403), and
//! ends at sign-out or when the portal is switched off.

use std::time::{Duration, Instant};

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_on_clock};
use crate::helpers::TestApp;

/// The portal cookie's `name=value` from a sign-in answer's `Set-Cookie`, if it set one.
fn portal_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pw_portal=") && !v.starts_with("pw_portal=;"))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// A request with the portal cookie, as the portal page sends it.
pub(crate) async fn as_friend(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
) -> (u16, Value) {
    let response = app
        .with_cookie(method, path, cookie)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Signs in to the portal as plex.tv account `account`: the final state and the cookie.
pub(crate) async fn portal_sign_in(s: &Synced, account: u64) -> (String, Option<String>) {
    let response = s
        .app
        .client
        .post(s.app.url("/api/v1/portal/sign-in"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    let started: Value = response.json().await.expect("json");
    let id = started["id"].as_str().expect("id").to_owned();
    let code = started["code"].as_str().expect("code").to_owned();
    assert!(
        started["auth_url"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("code={code}"))),
        "{started}"
    );
    let poll = || async {
        let response = s
            .app
            .client
            .get(s.app.url(&format!("/api/v1/portal/sign-in/{id}")))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let cookie = portal_cookie(&response);
        let body: Value = response.json().await.expect("json");
        (
            body["state"].as_str().unwrap_or_default().to_owned(),
            cookie,
        )
    };
    assert_eq!(poll().await, ("waiting".to_owned(), None));
    let pin = s
        .sim
        .state()
        .pins
        .iter()
        .find(|p| p.code == code)
        .map(|p| p.id)
        .expect("the PIN reached plex.tv");
    s.sim.approve_pin_as(pin, account).expect("approved");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (state, cookie) = poll().await;
        if state != "waiting" {
            return (state, cookie);
        }
        assert!(Instant::now() < deadline, "still waiting after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn switch(s: &Synced, admin: &str, enabled: bool) {
    let (status, body) = s
        .app
        .call(
            Method::PUT,
            "/api/v1/settings/portal",
            admin,
            Some(json!({"enabled": enabled})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_friend_signs_in_with_plex_and_sees_only_their_own_access() {
    let s = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let admin = s.app.token_for("root", "admin").await;

    // Off until an admin turns it on; a moderator may read the switch but not flip it.
    let info: Value = s
        .app
        .get("/api/v1/portal")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(info, json!({"enabled": false}));
    let refused = s
        .app
        .client
        .post(s.app.url("/api/v1/portal/sign-in"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 403);
    let (status, _) = s
        .app
        .call(
            Method::PUT,
            "/api/v1/settings/portal",
            &s.token,
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(status, 403);
    switch(&s, &admin, true).await;
    assert_eq!(s.app.audit_actions("settings.portal_update").await.len(), 1);

    // Two friends; the first gets Movies until a date.
    let (_, list) = s.call(Method::GET, "/api/v1/plex-users", None).await;
    let friends: Vec<(i64, u64, String)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|f| f["home"] == false)
        .map(|f| {
            (
                f["id"].as_i64().expect("id"),
                f["plex_account_id"].as_u64().expect("account"),
                f["title"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let ((alice, alice_account, alice_title), (bob, _, bob_title)) =
        (friends[0].clone(), friends[1].clone());
    let (_, libraries) = s.call(Method::GET, "/api/v1/libraries", None).await;
    let movies = libraries["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["kind"] == "movie" && l["anchor"] != true)
        .cloned()
        .expect("a movie library");
    let ends = (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339();
    let (status, body) = s
        .set_grants(
            alice,
            json!([{"library_id": movies["id"], "ends_at": ends}]),
        )
        .await;
    assert!(status == 200 || status == 202, "{body}");

    let (state, cookie) = portal_sign_in(&s, alice_account).await;
    assert_eq!(state, "signed_in");
    let cookie = cookie.expect("the portal cookie");
    let (status, mine) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", &cookie).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["title"], alice_title);
    let titles: Vec<&str> = mine["libraries"]
        .as_array()
        .expect("libraries")
        .iter()
        .filter_map(|l| l["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        vec![movies["title"].as_str().expect("title")],
        "{mine}"
    );
    assert!(mine["libraries"][0]["ends_at"].is_string(), "{mine}");
    assert!(
        mine["restrictions"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(
        !mine.to_string().contains(&bob_title),
        "nothing of another friend: {mine}"
    );
    assert_eq!(
        s.app
            .audit_actions("portal.sign_in")
            .await
            .iter()
            .filter(|e| e.outcome == "success")
            .count(),
        1
    );

    // The portal session opens nothing else.
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::GET, "/api/v1/plex-users"),
        (Method::GET, &*format!("/api/v1/plex-users/{bob}")),
        (Method::GET, "/api/v1/settings/portal"),
    ] {
        let (status, body) = as_friend(&s.app, method, path, &cookie).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("portal_session")),
            "{path}: {body}"
        );
    }

    // Signing out ends it.
    let (status, _) = as_friend(&s.app, Method::POST, "/api/v1/portal/sign-out", &cookie).await;
    assert_eq!(status, 204);
    let (status, _) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", &cookie).await;
    assert_eq!(status, 401);
    s.app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_stranger_is_refused_and_switching_the_portal_off_ends_its_sessions() {
    let s = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let admin = s.app.token_for("root", "admin").await;
    switch(&s, &admin, true).await;

    // A Plex account that is not a friend of this server: a refusal, no cookie.
    let (state, cookie) = portal_sign_in(&s, 987_654_321).await;
    assert_eq!((state.as_str(), cookie), ("not_a_friend", None));
    let denied = s.app.audit_actions("portal.sign_in").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].outcome, "denied");

    // An unknown sign-in id is simply over.
    let over: Value = s
        .app
        .get("/api/v1/portal/sign-in/not-ours")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(over["state"], "expired");

    let (_, list) = s.call(Method::GET, "/api/v1/plex-users", None).await;
    let account = list["items"][0]["plex_account_id"]
        .as_u64()
        .expect("account");
    let (state, cookie) = portal_sign_in(&s, account).await;
    assert_eq!(state, "signed_in");
    let cookie = cookie.expect("cookie");
    switch(&s, &admin, false).await;
    let (status, body) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", &cookie).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("portal_off")),
        "{body}"
    );
    switch(&s, &admin, true).await;
    let (status, _) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", &cookie).await;
    assert_eq!(status, 401, "switching off ended the session for good");
    // Without the cookie at all.
    let (status, _) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", "other=1").await;
    assert_eq!(status, 401);
    s.app.assert_no_jobs_left().await;
}
