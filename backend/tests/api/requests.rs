//! Friends' requests end to end, against the simulator and a real SMTP server: a friend signed
//! in to the portal asks for a library; the owner hears of it by email; a moderator previews
//! and approves it, the library reaches Plex, and the friend hears the outcome. The limits
//! (open requests, a day's requests, duplicates), cancelling, declining with a reason, and that
//! one friend can touch nothing of another's.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{MOVIES, Synced, TV, in_minutes};
use crate::email::{Smtp, channel, email, subject};
use crate::notifications::synced_fast;
use crate::portal::{as_friend, portal_sign_in, switch};

const ALICE: u64 = 2_100_001;
const BOB: u64 = 2_100_002;

/// A JSON call with the portal cookie.
async fn as_friend_with(
    s: &Synced,
    method: Method,
    path: &str,
    cookie: &str,
    body: Value,
) -> (u16, Value) {
    let response = s
        .app
        .with_cookie(method, path, cookie)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The portal on; Alice with Movies ending in 20 days; her portal cookie.
async fn alice_in_the_portal(s: &Synced, admin: &str) -> (i64, String) {
    switch(s, admin, true).await;
    let alice = s.friend(ALICE).await;
    let movies = s.library(1).await;
    let (status, body) = s
        .set_grants(
            alice,
            json!([{"library_id": movies, "ends_at": in_minutes(20 * 24 * 60)}]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (state, cookie) = portal_sign_in(s, ALICE).await;
    assert_eq!(state, "signed_in");
    (alice, cookie.expect("the portal cookie"))
}

/// Waits until the simulator shares exactly `sections` with `user`.
async fn until_shared(s: &Synced, user: u64, sections: &[u64]) {
    let want: std::collections::BTreeSet<u64> = sections.iter().copied().collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.shared_sections(user).as_ref() != Some(&want) {
        assert!(
            Instant::now() < deadline,
            "shares {:?}, want {want:?}",
            s.shared_sections(user)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_friend_asks_for_a_library_and_an_approval_brings_it_to_plex() {
    let s = synced_fast(plexward::clock::system()).await;
    let admin = s.app.token_for("root", "admin").await;
    let smtp = Smtp::start(&[]);
    let mut mail = email("Mail", smtp.port, "none", json!({}));
    mail["events"] = json!(["request.created"]);
    let (status, ch) = channel(&s, &admin, mail).await;
    assert_eq!(status, 201, "{ch}");
    let (status, saved) = s
        .app
        .call(
            Method::PUT,
            "/api/v1/notifications/settings",
            &admin,
            Some(json!({"reminder_leads_minutes": [1440],
                "friend_email_channel_id": ch["channel"]["id"]})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    let (alice, cookie) = alice_in_the_portal(&s, &admin).await;
    let tv = s.library(2).await;
    // Friends' emails link to the portal at Plexward's public address.
    let (status, bad) = s
        .app
        .call(
            Method::PUT,
            "/api/v1/settings/portal",
            &admin,
            Some(json!({"enabled": true, "public_url": "plex.example.com"})),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad["error"]["fields"]["public_url"].is_string(), "{bad}");
    let (status, saved) = s
        .app
        .call(
            Method::PUT,
            "/api/v1/settings/portal",
            &admin,
            Some(json!({"enabled": true, "public_url": " https://plex.example.com/pw/ "})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["public_url"], "https://plex.example.com/pw");

    // What she may ask for: libraries she does not have.
    let (status, me) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", &cookie).await;
    assert_eq!(status, 200, "{me}");
    let requestable: Vec<&str> = me["requestable"]
        .as_array()
        .expect("requestable")
        .iter()
        .filter_map(|l| l["title"].as_str())
        .collect();
    assert!(requestable.contains(&"TV Shows"), "{me}");
    assert!(!requestable.contains(&"Movies"), "she has it: {me}");
    assert_eq!(me["requests"], json!([]));

    // Refused in words: a library she has, a period on a library, a note too long.
    let movies = s.library(1).await;
    for (body, field) in [
        (
            json!({"kind": "library", "library_id": movies}),
            "library_id",
        ),
        (json!({"kind": "library"}), "library_id"),
        (
            json!({"kind": "library", "library_id": tv, "period": "month"}),
            "period",
        ),
        (
            json!({"kind": "library", "library_id": tv, "message": "x".repeat(501)}),
            "message",
        ),
    ] {
        let (status, error) =
            as_friend_with(&s, Method::POST, "/api/v1/portal/requests", &cookie, body).await;
        assert_eq!(status, 422, "{error}");
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }

    let (status, asked) = as_friend_with(
        &s,
        Method::POST,
        "/api/v1/portal/requests",
        &cookie,
        json!({"kind": "library", "library_id": tv, "message": "  For the new season  "}),
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["state"], "open");
    assert_eq!(asked["library_title"], "TV Shows");
    assert_eq!(asked["message"], "For the new season");
    assert_eq!(asked["friend"]["id"], alice);
    assert!(asked.get("decided_by").is_none(), "{asked}");
    let id = asked["id"].as_i64().expect("id");
    let (status, again) = as_friend_with(
        &s,
        Method::POST,
        "/api/v1/portal/requests",
        &cookie,
        json!({"kind": "library", "library_id": tv}),
    )
    .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("request_exists")),
        "{again}"
    );

    // The owner is told.
    let got = smtp.until(1).await;
    assert_eq!(subject(&got[0]), "alice asks for the library TV Shows");
    assert!(
        got[0]["rcpt_tos"].to_string().contains("owner@example.com"),
        "{}",
        got[0]
    );

    // An auditor may not see requests; a moderator may, filtered and paged.
    let auditor = s.app.token_for("watcher", "auditor").await;
    let (status, _) = s
        .app
        .call(Method::GET, "/api/v1/requests", &auditor, None)
        .await;
    assert_eq!(status, 403);
    // The dashboard's summary counts the open request for those who answer it, not for others.
    let open_requests = |token: String| {
        let app = &s.app;
        async move {
            let (status, summary) = app.call(Method::GET, "/api/v1/summary", &token, None).await;
            assert_eq!(status, 200, "{summary}");
            summary["open_requests"].clone()
        }
    };
    assert_eq!(open_requests(admin.clone()).await, 1);
    assert_eq!(open_requests(auditor.clone()).await, 0);
    let moderator = s.app.token_for("mira", "moderator").await;
    let (status, list) = s
        .app
        .call(Method::GET, "/api/v1/requests?state=open", &moderator, None)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], id);
    let (status, bad) = s
        .app
        .call(
            Method::GET,
            "/api/v1/requests?state=maybe",
            &moderator,
            None,
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad["error"]["fields"]["state"].is_string(), "{bad}");
    let (_, none) = s
        .app
        .call(
            Method::GET,
            "/api/v1/requests?state=approved",
            &moderator,
            None,
        )
        .await;
    assert_eq!(none["total"], 0);

    // The preview changes nothing and leaves it open.
    let writes = s.writes().len();
    let (status, preview) = s
        .app
        .call(
            Method::POST,
            &format!("/api/v1/requests/{id}/approve"),
            &moderator,
            Some(json!({"dry_run": true})),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["change"]["dry_run"], true);
    assert_eq!(preview["request"]["state"], "open");
    let added = preview["change"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["library_id"] == tv)
        .cloned()
        .expect("TV Shows in the preview");
    // Until her other access ends.
    let movies_end = preview["change"]["friend"]["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["library_id"] == movies)
        .map(|g| g["ends_at"].clone())
        .expect("Movies");
    assert_eq!(added["after"]["ends_at"], movies_end, "{added}");
    assert_eq!(s.writes().len(), writes, "a preview sends nothing");

    // Approved: saved, applied, and Plex shares TV Shows with her.
    let (status, approved) = s
        .app
        .call(
            Method::POST,
            &format!("/api/v1/requests/{id}/approve"),
            &moderator,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["request"]["state"], "approved");
    assert_eq!(approved["request"]["decided_by"], "mira");
    assert_eq!(approved["change"]["plex_matches"], true, "{approved}");
    until_shared(&s, ALICE, &[MOVIES, TV]).await;
    assert_eq!(open_requests(moderator.clone()).await, 0, "answered");
    let (status, twice) = s
        .app
        .call(
            Method::POST,
            &format!("/api/v1/requests/{id}/approve"),
            &moderator,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (status, twice["error"]["code"].as_str()),
        (409, Some("request_closed")),
        "{twice}"
    );

    // She hears of it by email and sees it in the portal (without who decided).
    let got = smtp.until(2).await;
    let to_her = got
        .iter()
        .find(|m| m["rcpt_tos"].to_string().contains("alice@example.com"))
        .expect("an email to Alice");
    assert_eq!(subject(to_her), "Your request to SimServer was approved");
    assert!(
        to_her["data"]
            .as_str()
            .is_some_and(|d| d.contains("See your access: https://plex.example.com/pw/portal")),
        "{to_her}"
    );
    let (_, me) = as_friend(&s.app, Method::GET, "/api/v1/portal/me", &cookie).await;
    assert_eq!(me["requests"][0]["state"], "approved", "{me}");
    assert!(me["requests"][0].get("decided_by").is_none(), "{me}");
    assert!(
        me["libraries"]
            .as_array()
            .expect("libraries")
            .iter()
            .any(|l| l["title"] == "TV Shows"),
        "{me}"
    );
    for action in ["request.create", "request.approve"] {
        assert_eq!(s.app.audit_actions(action).await.len(), 1, "{action}");
    }
    s.app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn limits_cancelling_declining_and_one_friend_cannot_touch_anothers() {
    let s = synced_fast(plexward::clock::system()).await;
    let admin = s.app.token_for("root", "admin").await;
    let (alice, cookie) = alice_in_the_portal(&s, &admin).await;
    let movies = s.library(1).await;
    let ask = |body: Value| {
        let (s, cookie) = (&s, cookie.clone());
        async move { as_friend_with(s, Method::POST, "/api/v1/portal/requests", &cookie, body).await }
    };
    let cancel = |id: i64, cookie: String| {
        let s = &s;
        async move {
            as_friend(
                &s.app,
                Method::DELETE,
                &format!("/api/v1/portal/requests/{id}"),
                &cookie,
            )
            .await
        }
    };

    // An extension of Movies by ten days, approved as asked: the end moves by ten days.
    let (status, asked) = ask(json!({"kind": "extension", "library_id": movies,
        "period": "P10D", "message": "One more week, please"}))
    .await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["period"], "P10D");
    let before = s
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await
        .1["grants"][0]["ends_at"]
        .as_str()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("time"))
        .expect("an end");
    let (status, approved) = s
        .app
        .call(
            Method::POST,
            &format!("/api/v1/requests/{}/approve", asked["id"]),
            &s.token,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    let after = s
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await
        .1["grants"][0]["ends_at"]
        .as_str()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("time"))
        .expect("an end");
    assert_eq!(after - before, chrono::Duration::days(10));

    // Declined with a reason she reads; a reason too long is refused.
    let (_, asked) = ask(json!({"kind": "extension"})).await;
    let decline = format!("/api/v1/requests/{}/decline", asked["id"]);
    let (status, bad) = s
        .app
        .call(
            Method::POST,
            &decline,
            &s.token,
            Some(json!({"reason": "x".repeat(501)})),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let (status, declined) = s
        .app
        .call(
            Method::POST,
            &decline,
            &s.token,
            Some(json!({"reason": "The server is full this month."})),
        )
        .await;
    assert_eq!(status, 200, "{declined}");
    assert_eq!(declined["state"], "declined");
    let (_, mine) = as_friend(&s.app, Method::GET, "/api/v1/portal/requests", &cookie).await;
    let seen = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == asked["id"])
        .cloned()
        .expect("hers");
    assert_eq!(seen["reason"], "The server is full this month.");
    let (status, closed) = cancel(asked["id"].as_i64().expect("id"), cookie.clone()).await;
    assert_eq!(
        (status, closed["error"]["code"].as_str()),
        (409, Some("request_closed"))
    );

    // Three open at most.
    let tv = s.library(2).await;
    let music = s.library(4).await;
    let mut open = Vec::new();
    for body in [
        json!({"kind": "extension"}),
        json!({"kind": "library", "library_id": tv}),
        json!({"kind": "library", "library_id": music}),
    ] {
        let (status, asked) = ask(body).await;
        assert_eq!(status, 201, "{asked}");
        open.push(asked["id"].as_i64().expect("id"));
    }
    let (status, full) = ask(json!({"kind": "extension", "library_id": movies})).await;
    assert_eq!(
        (status, full["error"]["code"].as_str()),
        (409, Some("too_many_open_requests")),
        "{full}"
    );

    // Bob (another friend) can neither see nor cancel hers; nor can he reach the staff list.
    let (state, bob_cookie) = portal_sign_in(&s, BOB).await;
    assert_eq!(state, "signed_in");
    let bob_cookie = bob_cookie.expect("Bob's cookie");
    let (status, refused) = cancel(open[0], bob_cookie.clone()).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("not_your_request")),
        "{refused}"
    );
    let (_, his) = as_friend(&s.app, Method::GET, "/api/v1/portal/requests", &bob_cookie).await;
    assert_eq!(his["total"], 0, "{his}");
    for (method, path) in [
        (Method::GET, "/api/v1/requests".to_owned()),
        (
            Method::POST,
            format!("/api/v1/requests/{}/approve", open[0]),
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{}/decline", open[0]),
        ),
    ] {
        let (status, body) = as_friend(&s.app, method, &path, &bob_cookie).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("portal_session")),
            "{path}: {body}"
        );
    }
    let (status, _) = cancel(999_999, cookie.clone()).await;
    assert_eq!(status, 404);

    // She cancels her own; then the day's limit (10) holds even with room for open ones.
    for id in &open {
        let (status, cancelled) = cancel(*id, cookie.clone()).await;
        assert_eq!(status, 200, "{cancelled}");
        assert_eq!(cancelled["state"], "cancelled");
    }
    // Made so far today: 2 + 3 = 5.
    for _ in 0..5 {
        let (status, asked) = ask(json!({"kind": "extension"})).await;
        assert_eq!(status, 201, "{asked}");
        let (status, _) = cancel(asked["id"].as_i64().expect("id"), cookie.clone()).await;
        assert_eq!(status, 200);
    }
    let response = s
        .app
        .with_cookie(Method::POST, "/api/v1/portal/requests", &cookie)
        .json(&json!({"kind": "extension"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 429);
    let retry: u64 = crate::helpers::header(&response, "retry-after")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry > 23 * 3_600 && retry <= 24 * 3_600, "{retry}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_requests");

    assert_eq!(s.app.audit_actions("request.cancel").await.len(), 8);
    assert_eq!(s.app.audit_actions("request.decline").await.len(), 1);
    s.app.assert_no_jobs_left().await;
}
