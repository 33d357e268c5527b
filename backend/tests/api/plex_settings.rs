use plex_sim::{PlexSim, SimConfig};
use plexward::config::Redacted;
use reqwest::Method;

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app, spawn_app_with};

async fn app_on_sim(sim: &plex_sim::SimHandle, token: &str) -> TestApp {
    let (pms, plextv, token) = (
        sim.pms_url().to_owned(),
        sim.plextv_url().to_owned(),
        token.to_owned(),
    );
    spawn_app_with(move |c| {
        c.plex_url = Some(pms);
        c.plextv_url = plextv;
        c.plex_token = Some(Redacted(token));
    })
    .await
}

async fn test_connection(app: &TestApp) -> serde_json::Value {
    app.create_account("root", "admin", false).await;
    let s = app.login("root", GOOD_PASSWORD).await;
    let r = app
        .bearer(Method::POST, "/api/v1/settings/plex/test", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

#[tokio::test]
async fn the_connection_test_reports_the_server_and_owner() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let app = app_on_sim(&sim, &sim.owner_token()).await;

    let result = test_connection(&app).await;

    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["server"]["machine_id"], sim.machine_identifier());
    assert!(
        result["server"]["server_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(result["server"]["owner"].is_string());
    assert!(result["server"]["plex_pass"].is_boolean());
    for logged in sim.requests() {
        assert!(
            !logged.query.contains(&sim.owner_token()),
            "token never in a URL"
        );
    }
}

#[tokio::test]
async fn settings_say_a_token_is_set_but_never_show_it() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let app = app_on_sim(&sim, "canary-token-0123456789").await;
    app.create_account("aud", "auditor", false).await;
    let s = app.login("aud", GOOD_PASSWORD).await;

    let r = app
        .bearer(Method::GET, "/api/v1/settings/plex", &s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("text");
    assert!(!text.contains("canary-token"), "{text}");
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["token_set"], true);
    assert_eq!(body["server_url_source"], "environment");
    assert_eq!(body["token_source"], "environment");
    assert_eq!(body["server_url"], sim.pms_url());
}

#[tokio::test]
async fn bad_and_deauthorized_tokens_are_told_apart() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let app = app_on_sim(&sim, "wrong-token").await;
    assert_eq!(test_connection(&app).await["problem"]["code"], "bad_token");

    let sim2 = PlexSim::start(SimConfig::default()).await.expect("sim");
    sim2.deauthorize_token(&sim2.owner_token());
    let app2 = app_on_sim(&sim2, &sim2.owner_token()).await;
    let result = test_connection(&app2).await;
    assert_eq!(result["ok"], false);
    assert!(
        matches!(
            result["problem"]["code"].as_str(),
            Some("token_deauthorized" | "bad_token")
        ),
        "{result}"
    );
}

#[tokio::test]
async fn unconfigured_and_unreachable_plex_are_explained() {
    let app = spawn_app().await;
    assert_eq!(
        test_connection(&app).await["problem"]["code"],
        "not_configured"
    );

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let app = spawn_app_with(move |c| {
        c.plex_url = Some(format!("http://{closed}"));
        c.plextv_url = format!("http://{closed}");
        c.plex_token = Some(Redacted("t".into()));
    })
    .await;
    let result = test_connection(&app).await;
    assert_eq!(result["problem"]["code"], "unreachable", "{result}");
}

// ---- Saving the settings (PUT) ----

/// Signs in a fresh account with `role` and returns its bearer token.
async fn signed_in(app: &TestApp, role: &str) -> String {
    app.token_for(&format!("{role}-1"), role).await
}

/// An app that knows where the simulated plex.tv is, but has no server URL or token pinned.
async fn app_knowing_plextv(sim: &plex_sim::SimHandle) -> TestApp {
    let plextv = sim.plextv_url().to_owned();
    spawn_app_with(move |c| c.plextv_url = plextv).await
}

async fn put(app: &TestApp, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    app.call(Method::PUT, "/api/v1/settings/plex", token, Some(body))
        .await
}

/// Every byte of the database files (the main file and its write-ahead log).
fn database_bytes(app: &TestApp) -> Vec<u8> {
    let dir = app.data_dir.path().join("data");
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("data dir") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("plexward.db"))
        {
            bytes.extend(std::fs::read(&path).expect("read"));
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_saved_connection_is_used_at_once_and_the_token_never_comes_back() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let app = app_knowing_plextv(&sim).await;
    let admin = signed_in(&app, "admin").await;
    let owner_token = sim.owner_token();

    let (status, body) = app
        .call(Method::POST, "/api/v1/settings/plex/test", &admin, None)
        .await;
    assert_eq!(
        (status, &body["problem"]["code"]),
        (200, &"not_configured".into())
    );

    let (status, saved) = put(
        &app,
        &admin,
        serde_json::json!({
            "server_url": format!("{}/", sim.pms_url()),
            "token": owner_token,
            "time_zone": "Europe/Berlin",
            "drift_policy": "report",
        }),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert!(!saved.to_string().contains(&owner_token), "{saved}");
    assert_eq!(saved["server_url"], sim.pms_url(), "trailing slash dropped");
    assert_eq!(saved["server_url_source"], "database");
    assert_eq!(saved["token_set"], true);
    assert_eq!(saved["token_source"], "database");
    assert_eq!(saved["time_zone"], "Europe/Berlin");
    assert_eq!(saved["drift_policy"], "report");

    let (_, got) = app
        .call(Method::GET, "/api/v1/settings/plex", &admin, None)
        .await;
    assert_eq!(got, saved, "GET shows what PUT answered");

    // The test and a sync use the saved values without a restart.
    let (_, result) = app
        .call(Method::POST, "/api/v1/settings/plex/test", &admin, None)
        .await;
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["server"]["machine_id"], sim.machine_identifier());
    let (status, started) = app.call(Method::POST, "/api/v1/sync", &admin, None).await;
    assert_eq!(status, 202);
    let job_path = format!("/api/v1/jobs/{}", started["job_id"].as_str().expect("id"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let job = loop {
        let (_, job) = app.call(Method::GET, &job_path, &admin, None).await;
        if job["state"] == "succeeded" || job["state"] == "failed" {
            break job;
        }
        assert!(std::time::Instant::now() < deadline, "sync hangs: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert_eq!(job["state"], "succeeded", "{job}");

    // Now there are libraries to anchor.
    let (_, libraries) = app
        .call(Method::GET, "/api/v1/libraries", &admin, None)
        .await;
    let anchor = libraries["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["title"] == "Default")
        .expect("the simulator's Default library")["id"]
        .clone();
    let (status, saved) = put(
        &app,
        &admin,
        serde_json::json!({"anchor_library_id": anchor}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["anchor_library_id"], anchor);
    assert_eq!(saved["token_set"], true, "absent fields are kept");
    assert_eq!(saved["time_zone"], "Europe/Berlin");

    // At rest the token is encrypted: not in the database files, and the key is owner-only.
    assert!(!contains(&database_bytes(&app), &owner_token));
    let key = app.data_dir.path().join("data/secret.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Audited: before/after of everything but the token, which is only "changed".
    let events = app.audit_actions("settings.plex_update").await;
    assert_eq!(events.len(), 2);
    let all = format!("{events:?}");
    assert!(!all.contains(&owner_token), "{all}");
    let first = events
        .iter()
        .map(|e| serde_json::from_str::<serde_json::Value>(e.details.as_deref().unwrap_or("null")))
        .collect::<Result<Vec<_>, _>>()
        .expect("json details");
    let saving = first
        .iter()
        .find(|d| d["token_changed"] == true)
        .expect("the first save changed the token");
    assert_eq!(saving["server_url"]["before"], serde_json::Value::Null);
    assert_eq!(saving["server_url"]["after"], sim.pms_url());
    assert_eq!(saving["time_zone"]["after"], "Europe/Berlin");
    assert_eq!(saving["drift_policy"]["before"], "enforce");
    assert_eq!(saving["drift_policy"]["after"], "report");
    let anchoring = first
        .iter()
        .find(|d| d["token_changed"] == false)
        .expect("the second did not");
    assert_eq!(anchoring["anchor_library_id"]["after"], anchor);
}

#[tokio::test]
async fn saved_settings_survive_a_restart_and_a_lost_key_only_unsets_the_token() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let mut app = app_knowing_plextv(&sim).await;
    let admin = signed_in(&app, "admin").await;
    let (status, _) = put(
        &app,
        &admin,
        serde_json::json!({"server_url": sim.pms_url(), "token": sim.owner_token()}),
    )
    .await;
    assert_eq!(status, 200);
    let data_dir = app.data_dir.path().join("data");
    // One app at a time on the data directory, as in real life (two would fight over SQLite).
    app.stop().await;

    let restart = || {
        let (dir, plextv) = (data_dir.clone(), sim.plextv_url().to_owned());
        spawn_app_with(move |c| {
            c.data_dir = dir;
            c.plextv_url = plextv;
        })
    };
    let mut again = restart().await;
    let token = again.login("admin-1", GOOD_PASSWORD).await.token;
    let (_, got) = again
        .call(Method::GET, "/api/v1/settings/plex", &token, None)
        .await;
    assert_eq!(got["token_set"], true, "{got}");
    assert_eq!(got["server_url"], sim.pms_url());
    let (_, result) = again
        .call(Method::POST, "/api/v1/settings/plex/test", &token, None)
        .await;
    assert_eq!(result["ok"], true, "{result}");

    again.stop().await;

    // Without the key the token cannot be read: Plexward still starts, the token counts as unset.
    std::fs::remove_file(data_dir.join("secret.key")).expect("key removed");
    let mut third = restart().await;
    let token = third.login("admin-1", GOOD_PASSWORD).await.token;
    let (_, got) = third
        .call(Method::GET, "/api/v1/settings/plex", &token, None)
        .await;
    assert_eq!(got["token_set"], false, "{got}");
    assert_eq!(got["token_source"], "unset");
    assert_eq!(got["server_url"], sim.pms_url());

    third.stop().await;

    // A corrupt key file neither.
    std::fs::write(data_dir.join("secret.key"), b"not a key").expect("corrupted");
    let fourth = restart().await;
    let token = fourth.login("admin-1", GOOD_PASSWORD).await.token;
    let (_, got) = fourth
        .call(Method::GET, "/api/v1/settings/plex", &token, None)
        .await;
    assert_eq!(got["token_set"], false, "{got}");
}

#[tokio::test]
async fn clearing_returns_to_unset_and_defaults() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let app = app_knowing_plextv(&sim).await;
    let admin = signed_in(&app, "admin").await;
    let (status, _) = put(
        &app,
        &admin,
        serde_json::json!({
            "server_url": sim.pms_url(),
            "token": sim.owner_token(),
            "time_zone": "Asia/Tokyo",
        }),
    )
    .await;
    assert_eq!(status, 200);

    let (status, cleared) = put(
        &app,
        &admin,
        serde_json::json!({"server_url": "", "token": "", "time_zone": "", "anchor_library_id": 0}),
    )
    .await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(cleared["server_url"], serde_json::Value::Null);
    assert_eq!(cleared["server_url_source"], "unset");
    assert_eq!(cleared["token_set"], false);
    assert_eq!(cleared["token_source"], "unset");
    assert_eq!(cleared["anchor_library_id"], serde_json::Value::Null);
    assert!(
        cleared["time_zone"]
            .as_str()
            .is_some_and(|tz| !tz.is_empty() && tz != "Asia/Tokyo"),
        "back to the host's time zone: {cleared}"
    );
    let (_, result) = app
        .call(Method::POST, "/api/v1/settings/plex/test", &admin, None)
        .await;
    assert_eq!(result["problem"]["code"], "not_configured");
    let events = app.audit_actions("settings.plex_update").await;
    let details: serde_json::Value =
        serde_json::from_str(events[0].details.as_deref().unwrap_or("null")).expect("json");
    assert_eq!(
        details["token_changed"], true,
        "clearing a set token changes it"
    );
}

#[tokio::test]
async fn invalid_values_are_refused_per_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let admin = signed_in(&app, "admin").await;
    let (_, before) = app
        .call(Method::GET, "/api/v1/settings/plex", &admin, None)
        .await;
    let long_url = format!("http://plex.local/{}", "a".repeat(2048));
    let long_token = "t".repeat(513);
    let cases: &[(&str, serde_json::Value)] = &[
        ("server_url", "plex.local:32400".into()),
        ("server_url", "ftp://plex.local".into()),
        ("server_url", "http://".into()),
        ("server_url", "http://user:secret@plex.local:32400".into()),
        (
            "server_url",
            "http://plex.local:32400/?X-Plex-Token=abc".into(),
        ),
        ("server_url", "http://plex.local:32400/#frag".into()),
        ("server_url", long_url.into()),
        ("token", "with space".into()),
        ("token", "with\nnewline".into()),
        ("token", long_token.into()),
        ("time_zone", "Mars/Olympus_Mons".into()),
        ("time_zone", "europe/berlin".into()),
        ("anchor_library_id", 999_999.into()),
        ("anchor_library_id", (-3).into()),
    ];
    for (field, value) in cases {
        let (status, body) = put(&app, &admin, serde_json::json!({ *field: value })).await;
        assert_eq!(status, 422, "{field} = {value}: {body}");
        assert_eq!(body["error"]["code"], "validation_failed");
        assert!(
            body["error"]["fields"][*field].is_string(),
            "{field} = {value}: {body}"
        );
        assert!(
            !body.to_string().contains("with space"),
            "a refused token is not echoed"
        );
    }

    // Several at once: all named; the valid one is not saved either.
    let (status, body) = put(
        &app,
        &admin,
        serde_json::json!({"server_url": "nope", "time_zone": "Nowhere", "drift_policy": "report"}),
    )
    .await;
    assert_eq!(status, 422);
    let fields = body["error"]["fields"].as_object().expect("fields");
    assert!(fields.contains_key("server_url") && fields.contains_key("time_zone"));
    let (_, after) = app
        .call(Method::GET, "/api/v1/settings/plex", &admin, None)
        .await;
    assert_eq!(after, before);
    assert!(app.audit_actions("settings.plex_update").await.is_empty());

    // Not a field, not a policy, not JSON: 400.
    let (status, _) = put(&app, &admin, serde_json::json!({"plextv_url": "http://x"})).await;
    assert_eq!(status, 400, "unknown fields are refused");
    let (status, _) = put(&app, &admin, serde_json::json!({"drift_policy": "ignore"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn values_pinned_by_the_environment_cannot_be_changed() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let app = app_on_sim(&sim, &sim.owner_token()).await;
    let admin = signed_in(&app, "admin").await;

    let (status, body) = put(
        &app,
        &admin,
        serde_json::json!({"server_url": "http://elsewhere:32400"}),
    )
    .await;
    assert_eq!(status, 422);
    let why = body["error"]["fields"]["server_url"]
        .as_str()
        .expect("reason");
    assert!(why.contains("PLEXWARD_PLEX_URL"), "{why}");
    let (status, body) = put(&app, &admin, serde_json::json!({"token": "another"})).await;
    assert_eq!(status, 422);
    let why = body["error"]["fields"]["token"].as_str().expect("reason");
    assert!(why.contains("PLEXWARD_PLEX_TOKEN"), "{why}");
    let (status, body) = put(&app, &admin, serde_json::json!({"server_url": ""})).await;
    assert_eq!(status, 422, "clearing is changing too: {body}");

    // The rest stays editable, and sending the pinned URL back unchanged is harmless.
    let (status, saved) = put(
        &app,
        &admin,
        serde_json::json!({"server_url": sim.pms_url(), "time_zone": "UTC"}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["server_url_source"], "environment");
    assert_eq!(saved["token_source"], "environment");
    assert_eq!(saved["time_zone"], "UTC");
}

#[tokio::test]
async fn only_admins_may_change_the_settings() {
    let app = spawn_app().await;
    for role in ["moderator", "auditor"] {
        let token = signed_in(&app, role).await;
        let (status, body) = put(&app, &token, serde_json::json!({"time_zone": "UTC"})).await;
        assert_eq!(status, 403, "{role}: {body}");
        // Refused before the body is looked at.
        let response = app
            .bearer(Method::PUT, "/api/v1/settings/plex", &token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 403, "{role} with a malformed body");
    }
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            "nobody",
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(status, 401);
}
