//! "Sign in with Plex" end to end against the simulator: a PIN, its approval as the owner would
//! give it on Plex's page, the account's servers, and saving one with the PIN's token (which the
//! API never shows).

use std::time::{Duration, Instant};

use plex_sim::{PlexSim, SimConfig, SimHandle};
use plexward::config::Redacted;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app_with};

/// Plexward knowing only where plex.tv is (a newcomer's first start), signed in as an admin.
async fn fresh_app(sim: &SimHandle) -> (TestApp, String) {
    let plextv = sim.plextv_url().to_owned();
    let app = spawn_app_with(move |c| c.plextv_url = plextv).await;
    app.create_account("root", "admin", false).await;
    let token = app.login("root", GOOD_PASSWORD).await.token;
    (app, token)
}

/// Polls the sign-in until `state` (every 50 ms, 10 s at most).
async fn poll_until(app: &TestApp, token: &str, id: &str, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/settings/plex/pin/{id}"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        if body["state"] == state {
            return body;
        }
        assert!(Instant::now() < deadline, "still {body} after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn connecting_by_pin_saves_plexwards_own_token_and_the_chosen_server() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let (app, token) = fresh_app(&sim).await;

    let (status, body) = app
        .call(Method::POST, "/api/v1/settings/plex/pin", &token, None)
        .await;
    assert_eq!(status, 201, "{body}");
    let started = body;
    let id = started["id"].as_str().expect("id").to_owned();
    let code = started["code"].as_str().expect("code").to_owned();
    let auth_url = started["auth_url"].as_str().expect("auth_url");
    assert!(
        auth_url.starts_with(&format!("{}/auth#?clientID=plexward-", sim.plextv_url()))
            && auth_url.contains(&format!("code={code}")),
        "{auth_url}"
    );
    assert!(
        started["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    // plex.tv got the PIN request with this install's client id, and no token (there is none).
    let asked = sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v2/pins")
        .expect("PIN asked");
    assert_eq!(asked.method, "POST");
    assert!(
        asked
            .headers
            .get("x-plex-client-identifier")
            .is_some_and(|c| c.starts_with("plexward-"))
    );
    assert!(!asked.headers.contains_key("x-plex-token"));

    let waiting = poll_until(&app, &token, &id, "waiting").await;
    assert!(waiting.get("servers").is_none(), "{waiting}");

    // The owner approves it on Plex's page.
    let pin_id = sim
        .state()
        .pins
        .iter()
        .find(|p| p.code == code)
        .expect("sim PIN")
        .id;
    let device_token = sim.approve_pin(pin_id).expect("approved");

    let authorized = poll_until(&app, &token, &id, "authorized").await;
    assert!(
        !authorized.to_string().contains(&device_token),
        "the token is never shown"
    );
    assert_eq!(authorized["account"], sim.state().owner.username);
    let servers = authorized["servers"].as_array().expect("servers");
    assert_eq!(servers.len(), 1, "{authorized}");
    assert_eq!(servers[0]["machine_id"], sim.machine_identifier());
    let best = &servers[0]["connections"][0];
    assert_eq!(
        (best["recommended"].clone(), best["kind"].clone()),
        (json!(true), json!("local"))
    );
    assert_eq!(best["uri"], sim.pms_url());

    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            &token,
            Some(json!({"server_url": best["uri"], "pin_id": id})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(&device_token));
    assert_eq!(
        (body["token_set"].clone(), body["token_source"].clone()),
        (json!(true), json!("database"))
    );

    // The saved token works, and it is the PIN's: the simulator saw that one on the PMS.
    sim.clear_requests();
    let (status, body) = app
        .call(Method::POST, "/api/v1/settings/plex/test", &token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["ok"], true, "{body}");
    sim.revoke_token(&device_token);
    let (_, body) = app
        .call(Method::POST, "/api/v1/settings/plex/test", &token, None)
        .await;
    assert_eq!(
        body["ok"], false,
        "a revoked device token fails the test: {body}"
    );

    // Used once: the same PIN cannot save again.
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/plex",
            &token,
            Some(json!({"pin_id": id})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["pin_id"].is_string(), "{body}");

    // Audited: started, authorized, saved by sign-in.
    let (_, body) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=settings.plex_sign_in",
            &token,
            None,
        )
        .await;
    assert_eq!(body["total"], 2, "{body}");
    let (_, body) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=settings.plex_update",
            &token,
            None,
        )
        .await;
    assert_eq!(
        body["items"][0]["details"]["via_sign_in_with_plex"], true,
        "{body}"
    );
}

#[tokio::test]
async fn an_expired_or_unknown_pin_says_so_and_a_pinned_token_refuses_sign_in() {
    let sim = PlexSim::start(SimConfig::default()).await.expect("sim");
    let (app, token) = fresh_app(&sim).await;

    let (status, body) = app
        .call(Method::GET, "/api/v1/settings/plex/pin/nope", &token, None)
        .await;
    assert_eq!(status, 404, "{body}");

    let (_, body) = app
        .call(Method::POST, "/api/v1/settings/plex/pin", &token, None)
        .await;
    let id = body["id"].as_str().expect("id").to_owned();
    // plex.tv forgets it (as after its 30 minutes).
    sim.with_state(|s| s.pins.iter_mut().for_each(|p| p.expires_ms = 0));
    poll_until(&app, &token, &id, "expired").await;
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/settings/plex/pin/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404, "an expired sign-in is gone");

    // plex.tv down: a clear 503, not a 500.
    sim.add_fault(plex_sim::FaultSpec::status("POST", "/api/v2/pins", 503));
    let (status, body) = app
        .call(Method::POST, "/api/v1/settings/plex/pin", &token, None)
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "plex_unavailable", "{body}");

    let (pms, plextv) = (sim.pms_url().to_owned(), sim.plextv_url().to_owned());
    let pinned = spawn_app_with(move |c| {
        c.plex_url = Some(pms);
        c.plextv_url = plextv;
        c.plex_token = Some(Redacted("from-the-environment".into()));
    })
    .await;
    pinned.create_account("root", "admin", false).await;
    let t = pinned.login("root", GOOD_PASSWORD).await.token;
    let (status, body) = pinned
        .call(Method::POST, "/api/v1/settings/plex/pin", &t, None)
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("PLEXWARD_PLEX_TOKEN"), "{body}");
}
