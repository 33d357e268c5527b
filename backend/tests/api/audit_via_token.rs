//! Audit events made with an API token name the token (`via_token`) and carry the client's
//! address, in the viewer's answer and the CSV export; and the viewer's `family.*` filter.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::synced_on_clock;
use crate::auth_api_key::{api_token, with_api_key};
use crate::helpers::GOOD_PASSWORD;

#[tokio::test]
async fn a_token_write_is_audited_with_the_token_and_the_address_in_the_api_and_the_csv() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let (token_id, secret) = api_token(&t.app, &t.token, "grant bot").await;
    let (_, friends) = t
        .app
        .call(Method::GET, "/api/v1/plex-users", &secret, None)
        .await;
    let friend = friends["items"][0]["id"].as_i64().expect("a friend");
    let (_, libraries) = t
        .app
        .call(Method::GET, "/api/v1/libraries", &secret, None)
        .await;
    let library = libraries["items"][0]["id"].as_i64().expect("a library");
    let response = with_api_key(
        &t.app,
        Method::PUT,
        &format!("/api/v1/plex-users/{friend}/grants"),
        &secret,
    )
    .json(&json!({ "grants": [{ "library_id": library }] }))
    .send()
    .await
    .expect("sent");
    assert_eq!(response.status(), 200);

    let (status, page) = t
        .call(Method::GET, "/api/v1/audit?action=grants.set", None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    let event = &page["items"][0];
    assert_eq!(
        event["via_token"],
        json!({ "id": token_id, "name": "grant bot" })
    );
    assert_eq!(event["ip"], "127.0.0.1");
    assert_eq!(event["actor"], "mod", "still the token's account");

    // Made with the signed-in session: an address, no token.
    let (_, created) = t
        .call(Method::GET, "/api/v1/audit?action=token.create", None)
        .await;
    assert_eq!(created["items"][0]["ip"], "127.0.0.1", "{created}");
    assert_eq!(created["items"][0]["via_token"], Value::Null);

    // `grants.*` is the family, as the Audit page offers it: the same as `grants`.
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["id"].as_i64())
            .collect()
    };
    let (status, family) = t
        .call(Method::GET, "/api/v1/audit?action=grants.*", None)
        .await;
    assert_eq!(status, 200, "{family}");
    let (_, bare) = t
        .call(Method::GET, "/api/v1/audit?action=grants", None)
        .await;
    assert!(!ids(&family).is_empty());
    assert_eq!(ids(&family), ids(&bare));
    assert!(
        family["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("grants."))),
        "{family}"
    );
    let (status, everything) = t.call(Method::GET, "/api/v1/audit?action=.*", None).await;
    assert_eq!(status, 400, "a family needs a name: {everything}");

    // The export: two more columns, the token's id and name, and the address.
    t.app.create_account("audrey", "auditor", false).await;
    let auditor = t.app.login("audrey", GOOD_PASSWORD).await.token;
    let csv = t
        .app
        .bearer(
            Method::GET,
            "/api/v1/audit/export?action=grants.*",
            &auditor,
        )
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,at,actor,action,outcome,target_type,target_id,ip,details,via_token_id,via_token,count"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    let row = lines[1];
    assert!(row.contains(",grants.set,success,plex_user,"), "{row}");
    assert!(row.contains(",127.0.0.1,"), "{row}");
    assert!(row.ends_with(&format!(",{token_id},grant bot,1")), "{row}");
}
