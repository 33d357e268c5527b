//! One meaning per name: `id` / `friend_id(s)` are Plexward's ids, `plex_account_id` is Plex's;
//! the old names still work for a while, answered with a `Deprecation` header; exact lookups by
//! username, email and Plex account id.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_with};

async fn synced() -> Synced {
    synced_with(Seed::default(), plexward::clock::system(), |_| {}).await
}

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["title"].as_str().expect("title").to_owned())
        .collect()
}

async fn send(t: &Synced, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = t.app.bearer(method, path, &t.token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("sent")
}

#[tokio::test]
async fn a_friend_has_plexwards_id_and_plexs_account_id() {
    let t = synced().await;
    let alice = t.friend(2_100_001).await;
    let (status, friend) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(friend["id"], alice);
    assert_eq!(friend["plex_account_id"], 2_100_001);
    // The old name, kept for the deprecation period, with the same value.
    assert_eq!(friend["plex_user_id"], 2_100_001);
}

#[tokio::test]
async fn lookups_by_username_email_and_plex_account_id_match_exactly() {
    let t = synced().await;
    let t = &t;
    let exact = |query: &'static str| async move {
        let (status, list) = t
            .call(Method::GET, &format!("/api/v1/plex-users?{query}"), None)
            .await;
        assert_eq!(status, 200, "{query}: {list}");
        assert_eq!(
            list["total"],
            list["items"].as_array().expect("items").len()
        );
        titles(&list)
    };
    assert_eq!(exact("username=alice").await, ["alice"]);
    assert_eq!(exact("username=ALICE").await, ["alice"], "case-insensitive");
    assert!(
        exact("username=ali").await.is_empty(),
        "not a substring match"
    );
    assert_eq!(exact("email=bob%40example.com").await, ["bob"]);
    assert!(exact("email=example.com").await.is_empty());
    assert_eq!(exact("plex_account_id=2100006").await, ["erin"]);
    assert!(exact("plex_account_id=2100099").await.is_empty());
    // Filters combine: both must hold.
    assert!(
        exact("username=alice&plex_account_id=2100006")
            .await
            .is_empty()
    );
    assert_eq!(exact("username=erin&status=active").await, ["erin"]);
    assert!(
        exact("username=").await.len() > 1,
        "an empty value is no filter"
    );

    let (status, body) = t
        .call(
            Method::GET,
            "/api/v1/plex-users?plex_account_id=alice",
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["fields"]["plex_account_id"].is_string());
}

#[tokio::test]
async fn bulk_takes_friend_ids_and_still_the_old_name_with_a_deprecation_header() {
    let t = synced().await;
    let (alice, erin) = (t.friend(2_100_001).await, t.friend(2_100_006).await);
    let revoke = json!({ "kind": "revoke" });

    let current = send(
        &t,
        Method::POST,
        "/api/v1/plex-users/bulk?dry_run=true",
        Some(json!({ "friend_ids": [alice, erin], "action": revoke })),
    )
    .await;
    assert_eq!(current.status(), 200);
    assert!(current.headers().get("deprecation").is_none());
    let body: Value = current.json().await.expect("json");
    assert_eq!(body["friends"][0]["friend_id"], alice);
    assert_eq!(body["friends"][1]["friend_id"], erin);

    let old = send(
        &t,
        Method::POST,
        "/api/v1/plex-users/bulk?dry_run=true",
        Some(json!({ "plex_user_ids": [alice], "action": revoke })),
    )
    .await;
    assert_eq!(old.status(), 200);
    let deprecation = old.headers()["deprecation"].to_str().expect("ascii");
    assert!(deprecation.starts_with('@'), "RFC 9745 date: {deprecation}");
    assert!(
        old.headers()["link"]
            .to_str()
            .expect("ascii")
            .contains("rel=\"deprecation\"")
    );
    let body: Value = old.json().await.expect("json");
    assert_eq!(body["friends"][0]["friend_id"], alice);

    for both in [
        json!({ "friend_ids": [alice], "plex_user_ids": [alice], "action": revoke }),
        json!({ "action": revoke }),
    ] {
        let (status, body) = t
            .call(
                Method::POST,
                "/api/v1/plex-users/bulk?dry_run=true",
                Some(both),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["fields"]["friend_ids"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn the_audit_filters_by_friend_id_and_still_by_the_old_name() {
    let t = synced().await;
    let alice = t.friend(2_100_001).await;
    let movies = t.library(1).await;
    let (status, _) = t.set_grants(alice, json!([{ "library_id": movies }])).await;
    assert_eq!(status, 200);
    let admin = t.app.token_for("auditing-admin", "admin").await;
    let get = |path: String| {
        let request = t.app.bearer(Method::GET, &path, &admin);
        async move { request.send().await.expect("sent") }
    };

    let current = get(format!("/api/v1/audit?friend_id={alice}&action=grants.set")).await;
    assert_eq!(current.status(), 200);
    assert!(current.headers().get("deprecation").is_none());
    let current: Value = current.json().await.expect("json");
    assert_eq!(current["total"], 1, "{current}");
    assert_eq!(current["items"][0]["target_id"], alice.to_string());

    let old = get(format!(
        "/api/v1/audit?plex_user_id={alice}&action=grants.set"
    ))
    .await;
    assert!(old.headers().contains_key("deprecation"));
    let old: Value = old.json().await.expect("json");
    assert_eq!(old["items"], current["items"]);

    let export = get(format!("/api/v1/audit/export?plex_user_id={alice}")).await;
    assert_eq!(export.status(), 200);
    assert!(export.headers().contains_key("deprecation"));

    let both = get(format!(
        "/api/v1/audit?friend_id={alice}&plex_user_id={alice}"
    ))
    .await;
    assert_eq!(both.status(), 400);
}

#[tokio::test]
async fn the_document_marks_the_old_names_deprecated() {
    let t = synced().await;
    let doc: Value = t
        .app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("document");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["BulkRequest"]["properties"]["plex_user_ids"]["deprecated"],
        true
    );
    assert_eq!(
        schemas["PlexUserResponse"]["properties"]["plex_user_id"]["deprecated"],
        true
    );
    let audit = doc["paths"]["/api/v1/audit"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let old = audit
        .iter()
        .find(|p| p["name"] == "plex_user_id")
        .expect("still documented");
    assert_eq!(old["deprecated"], true);
    assert_eq!(old["in"], "query");
}
