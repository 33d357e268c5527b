//! Access plans: CRUD with versions, names and field errors; giving a plan to friends through the
//! bulk change (preview, then save and apply), its windows counted from the moment it is given,
//! its end policy and the plan's version on each friend; editing the plan later changes nobody.

use plex_sim::Seed;
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{DEFAULT, MOVIES, ids, synced_on_clock};
use crate::helpers::wait_for;

const ALICE: u64 = 2_100_001;
const BOB: u64 = 2_100_002;
const DAY: i64 = 86_400_000;

fn at(ms: i64) -> String {
    plexward::db::time::from_ms(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test]
async fn plans_are_created_edited_versioned_and_deleted() {
    let t = synced_on_clock(Seed::default(), plexward::clock::system()).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let trial = json!({
        "name": "Trial — Movies + TV, 14 days",
        "description": "For new friends",
        "grants": [
            {"library_id": movies, "duration": "P14D"},
            {"library_id": tv, "duration": "P14D"}
        ],
        "end_policy": "remove_share"
    });
    let (status, plan) = t
        .call(Method::POST, "/api/v1/plans", Some(trial.clone()))
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["friends"], 0);
    assert_eq!(
        plan["summary"],
        "Movies and TV Shows for 2 weeks from when given"
    );
    let id = plan["id"].as_i64().expect("id");

    let (status, body) = t
        .call(Method::POST, "/api/v1/plans", Some(trial.clone()))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "plan_name_taken");

    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plans",
            Some(json!({
                "name": " ",
                "grants": [
                    {"library_id": 999_999, "duration": "two weeks"},
                    {"library_id": movies, "ends_at": "2027-01-01"}
                ]
            })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    for field in [
        "name",
        "grants[0].library_id",
        "grants[0].duration",
        "grants[1].ends_at",
    ] {
        assert!(fields[field].is_string(), "{field}: {body}");
    }

    let r = t
        .app
        .bearer(Method::GET, &format!("/api/v1/plans/{id}"), &t.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(crate::helpers::header(&r, "etag"), "W/\"v1\"");

    let mut edited = trial.clone();
    edited["grants"][0]["duration"] = json!("P30D");
    let put = |body: Value, if_match: &'static str| {
        t.app
            .bearer(Method::PUT, &format!("/api/v1/plans/{id}"), &t.token)
            .header("If-Match", if_match)
            .json(&body)
            .send()
    };
    let r = put(edited.clone(), "W/\"v1\"").await.expect("sent");
    assert_eq!(r.status(), 200);
    let v2: Value = r.json().await.expect("json");
    assert_eq!(v2["version"], 2);
    assert!(
        v2["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Movies for 30 days")),
        "{v2}"
    );
    let r = put(trial.clone(), "W/\"v1\"").await.expect("sent");
    assert_eq!(r.status(), 412, "a stale edit is refused");
    let stale: Value = r.json().await.expect("json");
    assert_eq!(stale["current"]["version"], 2);

    let (_, list) = t.call(Method::GET, "/api/v1/plans", None).await;
    assert_eq!(list["total"], 1);
    let (status, _) = t
        .call(Method::DELETE, &format!("/api/v1/plans/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = t
        .call(Method::GET, &format!("/api/v1/plans/{id}"), None)
        .await;
    assert_eq!(status, 404);
    for action in ["plan.create", "plan.update", "plan.delete"] {
        assert_eq!(t.app.audit_actions(action).await.len(), 1, "{action}");
    }
}

#[tokio::test]
async fn a_plan_given_to_friends_counts_from_then_and_edits_change_nobody() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_on_clock(Seed::default(), clock.clone()).await;
    t.set_anchor(t.library(3).await).await;
    let (movies, tv) = (t.library(1).await, t.library(2).await);
    let (alice, bob) = (t.friend(ALICE).await, t.friend(BOB).await);
    let (_, plan) = t
        .call(
            Method::POST,
            "/api/v1/plans",
            Some(json!({
                "name": "Trial",
                "grants": [
                    {"library_id": movies, "duration": "P14D"},
                    {"library_id": tv, "starts_after": "P7D", "duration": "P7D"}
                ],
                "end_policy": "remove_share"
            })),
        )
        .await;
    let plan_id = plan["id"].as_i64().expect("id");
    let bulk = |dry_run: bool, version: i64| {
        json!({
            "friend_ids": [alice, bob],
            "action": {"kind": "apply_plan", "plan_id": plan_id, "version": version},
            "dry_run": dry_run
        })
    };
    let (status, preview) = t
        .call(Method::POST, "/api/v1/plex-users/bulk", Some(bulk(true, 1)))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["friends"].as_array().map(Vec::len), Some(2));
    assert!(
        t.app.audit_actions("plan.apply").await.is_empty(),
        "a preview saves nothing"
    );

    let (status, started) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(bulk(false, 1)),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    let job = wait_for(&t.app, &t.token, started["job_id"].as_str().expect("job")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(t.shared_sections(ALICE), Some(ids(&[MOVIES, DEFAULT])));

    let (_, detail) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    let grant = |library: i64| {
        detail["grants"]
            .as_array()
            .expect("grants")
            .iter()
            .find(|g| g["library_id"] == library)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(grant(movies)["ends_at"], at(t0 + 14 * DAY), "{detail}");
    assert_eq!(grant(tv)["starts_at"], at(t0 + 7 * DAY), "{detail}");
    assert_eq!(grant(tv)["ends_at"], at(t0 + 14 * DAY), "{detail}");
    assert_eq!(detail["end_policy"]["chosen"], "remove_share");
    assert_eq!(detail["access_plan"]["plan_id"], plan_id);
    assert_eq!(detail["access_plan"]["version"], 1);
    assert_eq!(detail["access_plan"]["name"], "Trial");
    let events = t.app.audit_actions("plan.apply").await;
    assert_eq!(events.len(), 2, "one per friend");
    assert!(
        events.iter().all(|e| e
            .details
            .as_deref()
            .is_some_and(|d| d.contains("\"version\":1"))),
        "the audit trail names the version"
    );

    // Edit the plan: nobody given version 1 changes; a preview of version 1 is stale.
    let (status, v2) = t
        .call(
            Method::PUT,
            &format!("/api/v1/plans/{plan_id}"),
            Some(json!({"name": "Trial", "grants": [{"library_id": movies, "duration": "P30D"}]})),
        )
        .await;
    assert_eq!(status, 200, "{v2}");
    assert_eq!(v2["friends"], 2);
    let (_, again) = t
        .call(Method::GET, &format!("/api/v1/plex-users/{alice}"), None)
        .await;
    assert_eq!(again["grants"], detail["grants"], "an edit changes nobody");
    assert_eq!(again["access_plan"]["version"], 1);
    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(bulk(false, 1)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "plan_changed");
    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            Some(json!({"friend_ids": [alice], "action": {"kind": "apply_plan", "plan_id": 424_242}})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["action.plan_id"].is_string(),
        "{body}"
    );
    t.app.assert_no_jobs_left().await;
}
