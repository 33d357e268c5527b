//! The audit viewer's API: filters, paging, the CSV export, who may use which, and that nothing
//! can change the trail.

use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app};

/// Creates an account through the API (so it is audited), as `admin`.
async fn create_via_api(app: &TestApp, admin: &str, name: &str) {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            admin,
            Some(serde_json::json!({ "username": name, "password": GOOD_PASSWORD, "role": "moderator" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

fn actions(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}

#[tokio::test]
async fn events_filter_by_who_what_outcome_and_time_and_page_newest_first() {
    let app = spawn_app().await;
    let auditor = app.token_for("audrey", "auditor").await;
    let admin = app.token_for("root", "admin").await;
    // Three failed sign-ins as "mallory", one good one as audrey (above), a few account events.
    for _ in 0..3 {
        let r = app
            .login_response("mallory", "not the password at all")
            .await;
        assert_eq!(r.status(), 401);
    }
    let before_accounts = chrono::Utc::now();
    create_via_api(&app, &admin, "carol").await;
    create_via_api(&app, &admin, "dave").await;

    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=auth.login&outcome=failure",
            &auditor,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 3);
    assert!(
        body["items"][0]["actor"]
            .as_str()
            .expect("actor")
            .contains("mallory")
    );

    // A family: `account` matches account.create (and would match account.update, …).
    let (_, body) = app
        .call(Method::GET, "/api/v1/audit?action=account", &auditor, None)
        .await;
    let got = actions(&body);
    assert!(got.len() >= 2, "{got:?}");
    assert!(got.iter().all(|a| a.starts_with("account.")), "{got:?}");

    // Time range: only what happened after `before_accounts`.
    let from = before_accounts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (status, body) = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/audit?action=account.create&from={}",
                urlencode(&from)
            ),
            &auditor,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 2, "{body}");
    let targets: Vec<String> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["details"].to_string())
        .collect();
    assert!(
        targets[0].contains("dave") && targets[1].contains("carol"),
        "newest first: {targets:?}"
    );

    // Paging: total stays, pages do not overlap.
    let (_, all) = app
        .call(Method::GET, "/api/v1/audit?limit=500", &auditor, None)
        .await;
    let total = all["total"].as_u64().expect("total");
    assert!(total >= 7);
    let (_, first) = app
        .call(Method::GET, "/api/v1/audit?limit=2", &auditor, None)
        .await;
    let (_, second) = app
        .call(
            Method::GET,
            "/api/v1/audit?limit=2&offset=2",
            &auditor,
            None,
        )
        .await;
    assert_eq!(first["total"], total);
    assert_eq!(first["items"][0]["id"], all["items"][0]["id"]);
    assert_eq!(second["items"][0]["id"], all["items"][2]["id"]);
    assert_eq!(second["items"][1]["id"], all["items"][3]["id"]);

    // By actor, exactly.
    let (_, body) = app
        .call(Method::GET, "/api/v1/audit?actor=audrey", &auditor, None)
        .await;
    assert!(body["total"].as_u64().expect("total") >= 1);
    assert!(
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["actor"] == "audrey")
    );

    let (_, body) = app
        .call(Method::GET, "/api/v1/audit/actions", &auditor, None)
        .await;
    let names: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a.as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"auth.login") && names.contains(&"account.create"),
        "{names:?}"
    );
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
}

#[tokio::test]
async fn bad_filters_are_field_errors() {
    let app = spawn_app().await;
    let token = app.token_for("audrey", "auditor").await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-3", "offset"),
        ("from=yesterday", "from"),
        ("from=2026-11-24T10:00:00Z&to=2026-11-24T09:00:00Z", "to"),
        ("outcome=maybe", "outcome"),
        ("friend_id=abc", "friend_id"),
        ("plex_user_id=abc", "plex_user_id"),
        ("action=DROP%20TABLE", "action"),
        ("action=a%25", "action"),
    ] {
        for path in ["/api/v1/audit", "/api/v1/audit/export"] {
            let (status, body) = app
                .call(Method::GET, &format!("{path}?{query}"), &token, None)
                .await;
            if path.ends_with("export") && (field == "limit" || field == "offset") {
                // The export has no pages, but the values are still checked.
                assert_eq!(status, 400, "{path}?{query}");
                continue;
            }
            assert_eq!(status, 400, "{path}?{query}: {body}");
            assert_eq!(body["error"]["code"], "invalid_query", "{path}?{query}");
            assert!(
                body["error"]["fields"][field].is_string(),
                "{path}?{query}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn the_export_is_csv_of_every_match_and_only_admins_and_auditors_get_it() {
    let app = spawn_app().await;
    let auditor = app.token_for("audrey", "auditor").await;
    let admin = app.token_for("root", "admin").await;
    for n in 0..5 {
        create_via_api(&app, &admin, &format!("user{n}")).await;
    }
    let response = app
        .bearer(
            Method::GET,
            "/api/v1/audit/export?action=account.create",
            &auditor,
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("plexward-audit.csv")
    );
    let csv = response.text().await.expect("text");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,at,actor,action,outcome,target_type,target_id,ip,details,via_token_id,via_token,count"
    );
    // The first admin (made at start-up) plus five.
    assert_eq!(lines.len(), 1 + 6, "{csv}");
    assert!(
        lines[1].contains("account.create") && lines[1].contains("user4"),
        "newest first"
    );
    // details are JSON with commas and quotes: quoted and doubled.
    assert!(lines[1].contains("\"{\"\""), "{}", lines[1]);
    assert_eq!(
        app.audit_actions("audit.export").await.len(),
        1,
        "the export is audited"
    );

    let moderator = app.token_for("mod", "moderator").await;
    let (status, _) = app
        .call(Method::GET, "/api/v1/audit/export", &moderator, None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(Method::GET, "/api/v1/audit", &moderator, None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn no_route_changes_or_deletes_an_event_and_the_database_refuses_too() {
    let app = spawn_app().await;
    let admin_name = "root2";
    let admin = app.token_for(admin_name, "admin").await;
    let (_, body) = app
        .call(Method::GET, "/api/v1/audit?limit=1", &admin, None)
        .await;
    let id = body["items"][0]["id"].as_i64().expect("an event");
    for method in [Method::PUT, Method::PATCH, Method::DELETE, Method::POST] {
        let (status, _) = app
            .call(
                method.clone(),
                &format!("/api/v1/audit/{id}"),
                &admin,
                Some(serde_json::json!({})),
            )
            .await;
        assert!(status == 404 || status == 405, "{method} answered {status}");
        let (status, _) = app
            .call(method.clone(), "/api/v1/audit", &admin, None)
            .await;
        assert!(
            status == 404 || status == 405,
            "{method} /audit answered {status}"
        );
    }
    let pool = app.db.clone();
    let refused = tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = pool.get().expect("conn");
        (
            diesel::sql_query(format!(
                "UPDATE audit_events SET actor = 'x' WHERE id = {id}"
            ))
            .execute(&mut conn)
            .is_err(),
            diesel::sql_query(format!("DELETE FROM audit_events WHERE id = {id}"))
                .execute(&mut conn)
                .is_err(),
        )
    })
    .await
    .expect("joined");
    assert_eq!(refused, (true, true));
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('+', "%2B")
}

/// Reads SSE frames from `response` until `done` holds for the events so far (deadline 10 s):
/// (id, event JSON) pairs.
async fn stream_events(
    response: &mut reqwest::Response,
    done: impl Fn(&[(i64, serde_json::Value)]) -> bool,
) -> Vec<(i64, serde_json::Value)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (mut buffer, mut events) = (String::new(), Vec::new());
    while !done(&events) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "events so far: {events:?}");
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .expect("an event within the deadline")
            .expect("readable")
            .expect("still open");
        buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let id = frame.lines().find_map(|l| l.strip_prefix("id: "));
            let data = frame.lines().find_map(|l| l.strip_prefix("data: "));
            if let (Some(id), Some(data)) = (id, data) {
                events.push((
                    id.parse().expect("numeric id"),
                    serde_json::from_str(data).expect("event json"),
                ));
            }
        }
    }
    events
}

#[tokio::test]
async fn the_audit_trail_streams_live_with_the_lists_filters_and_resumes() {
    let app = spawn_app().await;
    let auditor = app.token_for("stream-auditor", "auditor").await;
    let mut response = app
        .bearer(
            Method::GET,
            "/api/v1/audit/stream?action=auth.login&outcome=failure",
            &auditor,
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let greeting = response.chunk().await.expect("chunk").expect("open");
    assert!(String::from_utf8_lossy(&greeting).contains("connected"));

    // A success (filtered out) then a failure: only the failure arrives.
    app.login("stream-auditor", GOOD_PASSWORD).await;
    let refused = app.login_response("mallory", "not the password").await;
    assert_eq!(refused.status(), 401);
    let events = stream_events(&mut response, |e| !e.is_empty()).await;
    assert_eq!(events[0].1["action"], "auth.login");
    assert_eq!(events[0].1["outcome"], "failure");
    assert_eq!(events[0].1["actor"], "anonymous (mallory)");
    drop(response);

    // Reconnecting with Last-Event-ID sends what came since first.
    let first = events[0].0;
    app.login_response("trudy", "not the password either").await;
    let mut again = app
        .bearer(
            Method::GET,
            "/api/v1/audit/stream?action=auth.login&outcome=failure",
            &auditor,
        )
        .header("Last-Event-ID", first.to_string())
        .send()
        .await
        .expect("sent");
    let resumed = stream_events(&mut again, |e| !e.is_empty()).await;
    assert!(resumed[0].0 > first);
    assert_eq!(resumed[0].1["actor"], "anonymous (trudy)");
    drop(again);
    // … and so does `after` (for a client that reconnects by itself, as the SPA does).
    let mut again = app
        .bearer(
            Method::GET,
            &format!("/api/v1/audit/stream?action=auth.login&outcome=failure&after={first}"),
            &auditor,
        )
        .send()
        .await
        .expect("sent");
    let resumed = stream_events(&mut again, |e| !e.is_empty()).await;
    assert_eq!(resumed[0].1["actor"], "anonymous (trudy)");
    drop(again);
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/audit/stream?after=soon",
            &auditor,
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_last_event_id");

    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/audit/stream?outcome=maybe",
            &auditor,
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");
}
