//! Grants as CSV: the export reads back as "nothing to change", an edited file is previewed per
//! friend and then applied as one bulk change, and bad rows are named by their line with nothing
//! saved.

use plex_sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, TV, synced_on_clock};
use crate::helpers::wait_for;

const ALICE: u64 = 2_100_001;

async fn export(t: &Synced) -> String {
    let response = t
        .app
        .bearer(Method::GET, "/api/v1/grants/export", &t.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/csv"))
    );
    response.text().await.expect("csv")
}

async fn import(t: &Synced, csv: &str, dry_run: bool) -> (u16, Value) {
    t.call(
        Method::POST,
        &format!("/api/v1/grants/import?dry_run={dry_run}"),
        Some(json!({ "csv": csv })),
    )
    .await
}

#[tokio::test]
async fn the_export_round_trips_and_an_edited_file_is_previewed_then_applied() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let csv = export(&t).await;
    assert!(
        csv.starts_with(
            "friend_id,plex_account_id,friend,email,library_id,library,starts_at,ends_at,repeat\r\n"
        ),
        "{csv}"
    );
    assert!(csv.contains(",alice@example.com,"), "{csv}");

    // Read back unchanged: every friend in it, nothing to change.
    let (status, preview) = import(&t, &csv, true).await;
    assert_eq!(status, 200, "{preview}");
    let friends = preview["friends"].as_array().expect("friends");
    assert!(friends.len() >= 6, "{preview}");
    assert!(
        friends.iter().all(|f| f["changes"] == json!([])),
        "round trip: {preview}"
    );

    // alice gets TV Shows until the end of January (by the library's title).
    let alice = t.friend(ALICE).await;
    let edited = format!("{csv}{alice},,,,,TV Shows,,2027-01-31T00:00:00Z\r\n");
    let (status, preview) = import(&t, &edited, true).await;
    assert_eq!(status, 200, "{preview}");
    let plan = preview["friends"]
        .as_array()
        .expect("friends")
        .iter()
        .find(|f| f["friend_id"] == alice)
        .expect("alice planned")
        .clone();
    assert_eq!(plan["changes"].as_array().map(Vec::len), Some(1), "{plan}");
    assert!(t.writes().is_empty(), "a preview sends nothing");

    let (status, applied) = import(&t, &edited, false).await;
    assert_eq!(status, 202, "{applied}");
    let job = wait_for(&t.app, &t.token, applied["job_id"].as_str().expect("job")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert!(t.shared_sections(ALICE).is_some_and(|s| s.contains(&TV)));
    let after = export(&t).await;
    assert!(
        after.contains("TV Shows,,2027-01-31T00:00:00.000Z"),
        "{after}"
    );
}

#[tokio::test]
async fn bad_rows_are_named_by_their_line_and_nothing_is_saved() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let alice = t.friend(ALICE).await;
    let csv = format!(
        "friend_id,library,starts_at,ends_at\r\n\
         {alice},Movies,,\r\n\
         {alice},No Such Library,,\r\n\
         999999,Movies,,\r\n\
         {alice},TV Shows,2027-02-01,2027-01-01\r\n"
    );
    let (status, body) = import(&t, &csv, false).await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(fields["rows[3].library"].is_string(), "{body}");
    assert!(fields["rows[4].friend_id"].is_string(), "{body}");
    assert!(fields["rows[5].ends_at"].is_string(), "{body}");
    assert!(t.writes().is_empty());

    let (status, body) = import(&t, "nonsense,columns\r\n1,2\r\n", true).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["csv.header"].is_string(), "{body}");
    let (status, body) = import(&t, "friend_id,library\r\n\"open", true).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["csv"].is_string(), "{body}");
}
