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
