//! Real HTTP against the in-process simulator.

use std::time::{Duration, Instant};

use plex_sim::{
    DEFAULT_MACHINE_ID, DEFAULT_OWNER_TOKEN, FaultSpec, Host, PlexSim, RateLimit, SimConfig,
    SimHandle, ids,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const TOKEN: &str = DEFAULT_OWNER_TOKEN;
const MID: &str = DEFAULT_MACHINE_ID;

struct T {
    sim: SimHandle,
    http: Client,
}

async fn start() -> T {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let sim = PlexSim::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let http = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds");
    T { sim, http }
}

impl T {
    fn pms(&self, path: &str) -> String {
        format!("{}{path}", self.sim.pms_url())
    }
    fn tv(&self, path: &str) -> String {
        format!("{}{path}", self.sim.plextv_url())
    }
    async fn call(&self, method: Method, url: &str, body: Option<Value>) -> (StatusCode, String) {
        let mut rb = self.http.request(method, url).header("X-Plex-Token", TOKEN);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("request sent");
        let status = r.status();
        (status, r.text().await.expect("body read"))
    }
    async fn get(&self, url: &str) -> (StatusCode, String) {
        self.call(Method::GET, url, None).await
    }
    async fn get_json(&self, url: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(url)
            .header("X-Plex-Token", TOKEN)
            .header("Accept", "application/json")
            .send()
            .await
            .expect("request sent");
        let status = r.status();
        (status, r.json().await.expect("json body"))
    }
    fn shares_url(&self) -> String {
        self.tv(&format!("/api/servers/{MID}/shared_servers"))
    }
    /// v1 `POST …/shared_servers` of `ids` for `who` (`invited_id` or `invited_email`).
    async fn create(&self, ids: &[u64], who: Value) -> (StatusCode, String) {
        self.call(
            Method::POST,
            &self.shares_url(),
            Some(create_body(ids, who)),
        )
        .await
    }
}

/// Value of `attr` in the first element whose text starts with `start` (e.g. `<User id="1"`).
fn attr(xml: &str, start: &str, name: &str) -> Option<String> {
    let from = xml.find(start)?;
    let tag_end = xml[from..].find('>')? + from;
    let tag = &xml[from..tag_end];
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_owned())
}

fn create_body(ids: &[u64], who: Value) -> Value {
    let mut ss = json!({ "library_section_ids": ids });
    if let (Some(obj), Some(w)) = (ss.as_object_mut(), who.as_object()) {
        obj.extend(w.clone());
    }
    json!({ "server_id": MID, "shared_server": ss })
}

#[tokio::test]
async fn pms_identity_root_and_auth() {
    let t = start().await;
    let r = t.http.get(t.pms("/identity")).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"].to_str().ok(),
        Some("text/xml;charset=utf-8")
    );
    let body = r.text().await.expect("body");
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(
        attr(&body, "<MediaContainer", "claimed").as_deref(),
        Some("1")
    );
    assert_eq!(
        attr(&body, "<MediaContainer", "machineIdentifier").as_deref(),
        Some(MID)
    );

    let r = t.http.get(t.pms("/")).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("<h1>401 Unauthorized</h1>")
    );

    let (st, body) = t.get(&t.pms("/")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        attr(&body, "<MediaContainer", "allowSharing").as_deref(),
        Some("1")
    );
    assert_eq!(
        attr(&body, "<MediaContainer", "friendlyName").as_deref(),
        Some("SimServer")
    );

    // Token in the query string works too, and the log flags it.
    let r = t
        .http
        .get(t.pms(&format!("/library?X-Plex-Token={TOKEN}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let log = t.sim.requests();
    let last = log.last().expect("logged");
    assert!(last.token_in_query);
    assert!(!last.query.contains(TOKEN));
    assert!(log.iter().all(|e| {
        e.headers
            .get("x-plex-token")
            .is_none_or(|v| v == "REDACTED")
    }));
    t.sim.stop().await;
}

#[tokio::test]
async fn pms_sections_xml_and_json() {
    let t = start().await;
    for path in ["/library/sections", "/library/sections/"] {
        let (st, body) = t.get(&t.pms(path)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(body.matches("<Directory ").count(), 5);
        assert!(body.contains(r#"key="3" type="movie" title="Default""#));
        assert!(body.contains(r#"<Location id="100" path="/data/movies"/>"#));
    }
    let (st, v) = t.get_json(&t.pms("/library/sections")).await;
    assert_eq!(st, StatusCode::OK);
    let dirs = v["MediaContainer"]["Directory"].as_array().expect("dirs");
    assert_eq!(dirs.len(), 5);
    assert_eq!(dirs[0]["key"], json!("1"));
    assert_eq!(dirs[0]["Location"][0]["path"], json!("/data/movies"));
    let (st, _) = t.get(&t.pms("/library/sections/99")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, v) = t.get_json(&t.pms("/identity")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["MediaContainer"]["claimed"], json!(true));
    t.sim.stop().await;
}

#[tokio::test]
async fn plextv_account_xml_json_and_token_errors() {
    let t = start().await;
    let (st, body) = t.get(&t.tv("/api/v2/user")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("<user "));
    assert_eq!(attr(&body, "<user", "scrobbleTypes").as_deref(), Some(""));
    assert!(body.contains("<subscription active=\"1\""));
    assert!(body.contains("<profile "));
    let (st, v) = t.get_json(&t.tv("/api/v2/user")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["subscription"]["active"], json!(true));
    assert_eq!(v["username"], json!("plexward-owner"));

    let r = t.http.get(t.tv("/api/v2/user")).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    t.sim.deauthorize_token(TOKEN);
    let (st, body) = t.get(&t.tv("/api/users/")).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("<error>Invalid token</error>"));
    let (st, _) = t.get(&t.pms("/")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    t.sim.restore_token(TOKEN);
    t.sim.revoke_token(TOKEN);
    let (st, _) = t.get(&t.tv("/api/users/")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    t.sim.restore_token(TOKEN);
    let (st, _) = t.get(&t.tv("/api/users")).await;
    assert_eq!(st, StatusCode::OK);
    t.sim.stop().await;
}

#[tokio::test]
async fn users_cover_every_seeded_case() {
    let t = start().await;
    let (st, body) = t.get(&t.tv("/api/users/")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body.matches("<User ").count(), 8);
    let server_of = |uid: &str| -> Option<String> {
        let start = body.find(&format!("<User id=\"{uid}\""))?;
        let end = body[start..]
            .find("</User>")
            .map_or(body.len(), |e| e + start);
        let chunk = &body[start..end];
        let i = chunk.find("<Server id=\"41")?;
        Some(chunk[i..].lines().next()?.to_owned())
    };
    let alice = server_of("2100001").expect("alice shared");
    assert!(alice.contains(r#"pending="0""#) && alice.contains(r#"numLibraries="2""#));
    let bob = server_of("2100002").expect("bob invited");
    assert!(bob.contains(r#"pending="1""#));
    assert!(server_of("2100003").is_none(), "carol has no share here");
    assert!(body.contains(r#"machineIdentifier="c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff""#));
    let dave = server_of("2100005").expect("dave all");
    assert!(dave.contains(r#"allLibraries="1""#) && dave.contains(r#"numLibraries="5""#));
    let kids = body
        .lines()
        .find(|l| l.contains(r#"<User id="2100004""#))
        .expect("kids");
    assert!(!kids.contains("username=") && !kids.contains("email="));
    assert!(kids.contains(r#"home="1""#) && kids.contains(r#"restricted="1""#));
    t.sim.stop().await;
}

#[tokio::test]
async fn section_map_and_shared_servers_shapes() {
    let t = start().await;
    let (st, body) = t.get(&t.tv(&format!("/api/servers/{MID}"))).await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("<Server name=\"SimServer\""));
    assert_eq!(body.matches("<Section ").count(), 5);
    assert!(body.contains(&format!(
        r#"<Section id="{}" key="3" type="movie" title="Default"/>"#,
        ids::DEFAULT
    )));
    let (st, _) = t.get(&t.tv("/api/servers/nope")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, body) = t.get(&t.shares_url()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body.matches("<SharedServer ").count(), 6);
    // Every share lists every library with the shared flag.
    assert_eq!(body.matches("<Section ").count(), 6 * 5);
    let (st, one) = t.get(&format!("{}/41000001", t.shares_url())).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        attr(&one, "<SharedServer", "userID").as_deref(),
        Some("2100001")
    );
    assert!(one.contains(&format!(
        r#"id="{}" key="1" title="Movies" type="movie" shared="1""#,
        ids::MOVIES
    )));
    assert!(one.contains(&format!(
        r#"id="{}" key="2" title="TV Shows" type="show" shared="0""#,
        ids::TV
    )));
    let (st, pending) = t.get(&format!("{}/41000002", t.shares_url())).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        attr(&pending, "<SharedServer", "acceptedAt").as_deref(),
        Some("0")
    );
    let (st, _) = t.get(&format!("{}/999", t.shares_url())).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    t.sim.stop().await;
}

#[tokio::test]
async fn create_share_rules() {
    let t = start().await;
    // Empty list on create = all libraries (so a client that sends one is caught).
    let (st, body) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[], json!({"invited_id": 2100007}))),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(
        attr(&body, "<SharedServer", "allLibraries").as_deref(),
        Some("1")
    );
    let share = t
        .sim
        .state()
        .shares
        .into_iter()
        .find(|s| s.user_id == 2_100_007)
        .expect("created");
    assert!(share.all_libraries && share.accepted_at.is_none());

    // Duplicate → 400 "already sharing".
    let (st, body) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[ids::MOVIES], json!({"invited_id": 2100001}))),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body.contains(
        "You're already sharing this server with alice. Please edit your existing share."
    ));
    assert!(body.contains(r#"<Response code="400""#));

    // PMS keys instead of plex.tv ids → 400.
    let (st, _) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[1, 3], json!({"invited_id": 2100003}))),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Both invited_id and invited_email → 400; unknown invited_id → 400.
    let (st, _) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(
                &[ids::MOVIES],
                json!({"invited_id": 2100003, "invited_email": "x@example.com"}),
            )),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[ids::MOVIES], json!({"invited_id": 1}))),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Invite a new email: placeholder account, pending share, friend.
    let mut body = create_body(&[ids::DEFAULT], json!({"invited_email": "new@example.com"}));
    body["sharing_settings"] = json!({"allowSync": "1", "allowCameraUpload": "0", "allowChannels": "0", "filterMovies": "label=kids"});
    let (st, xml) = t.call(Method::POST, &t.shares_url(), Some(body)).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(
        attr(&xml, "<SharedServer", "allowSync").as_deref(),
        Some("1")
    );
    let state = t.sim.state();
    let acc = state
        .accounts
        .iter()
        .find(|a| a.email == "new@example.com")
        .expect("placeholder");
    assert!(acc.username.is_empty());
    assert!(state.friends.contains(&acc.id));
    let sh = state
        .shares
        .iter()
        .find(|s| s.user_id == acc.id)
        .expect("share");
    assert_eq!(sh.settings.filter_movies, "label=kids");
    // Invite by username of an existing account resolves it.
    let (st, xml) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[ids::TV], json!({"invited_email": "carol"}))),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(
        attr(&xml, "<SharedServer", "userID").as_deref(),
        Some("2100003")
    );
    t.sim.stop().await;
}

#[tokio::test]
async fn update_delete_and_sharings() {
    let t = start().await;
    let url = format!("{}/41000001", t.shares_url());
    let (st, body) = t
        .call(Method::PUT, &url, Some(json!({"server_id": MID, "shared_server": {"library_section_ids": [ids::TV, ids::MUSIC]}})))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains(r#"key="2" title="TV Shows" type="show" shared="1""#));
    assert!(body.contains(r#"key="1" title="Movies" type="movie" shared="0""#));
    let (st, _) = t
        .call(
            Method::PUT,
            &url,
            Some(json!({"shared_server": {"library_section_ids": [2]}})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = t
        .call(
            Method::PUT,
            &format!("{}/999", t.shares_url()),
            Some(json!({"shared_server": {"library_section_ids": [ids::TV]}})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Empty list on PUT: "all" by default, 400 when configured.
    t.sim.set_behaviour(plex_sim::Behaviour {
        empty_list_on_put: plex_sim::EmptyListOnPut::Reject400,
        ..plex_sim::Behaviour::default()
    });
    let (st, _) = t
        .call(
            Method::PUT,
            &url,
            Some(json!({"shared_server": {"library_section_ids": []}})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // DELETE a share: 200, empty body, no content type; the friend stays.
    let r = t
        .http
        .delete(&url)
        .header("X-Plex-Token", TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-type").is_none());
    assert!(r.text().await.expect("body").is_empty());
    let state = t.sim.state();
    assert!(state.share(41_000_001).is_none());
    assert!(state.friends.contains(&2_100_001));
    // DELETE without id → 404 HTML (JBOPS #226).
    let (st, body) = t.call(Method::DELETE, &t.shares_url(), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(body.contains("doesn't exist"));

    // PUT /api/v2/sharings settings, then DELETE removes friend + shares.
    let (st, body) = t
        .call(
            Method::PUT,
            &t.tv("/api/v2/sharings/2100002?allowCameraUpload=0&allowChannels=0&allowSync=1"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.is_empty());
    assert!(
        t.sim
            .state()
            .share(41_000_002)
            .expect("bob")
            .settings
            .allow_sync
    );
    let (st, _) = t
        .call(Method::DELETE, &t.tv("/api/v2/sharings/2100002"), None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let state = t.sim.state();
    assert!(!state.friends.contains(&2_100_002));
    assert!(state.share(41_000_002).is_none());
    let (st, _) = t
        .call(Method::DELETE, &t.tv("/api/v2/sharings/2100002"), None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    t.sim.stop().await;
}

#[tokio::test]
async fn deprecated_unknown_and_resources() {
    let t = start().await;
    for (m, p) in [
        (Method::DELETE, "/api/friends/2100001"),
        (Method::PUT, "/api/friends/2100001"),
        (Method::GET, "/api/invites/requested"),
        (Method::GET, "/api/invites/requests/"),
        (Method::DELETE, "/api/invites/requested/123?friend=1"),
    ] {
        let (st, body) = t.call(m, &t.tv(p), None).await;
        assert_eq!(st, StatusCode::GONE, "{p}");
        assert!(body.contains(
            r#"<Response code="410" status="This endpoint was deprecated and removed"/>"#
        ));
    }
    let (st, v) = t.get_json(&t.tv("/api/v2/nothing/here")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["errors"][0]["code"], json!(1002));

    let (st, body) = t
        .get(&t.tv("/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        attr(&body, "<connection ", "uri"),
        Some(t.sim.pms_url().to_owned())
    );
    let (st, v) = t.get_json(&t.tv(&format!("/api/v2/servers/{MID}"))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["librarySections"].as_array().map(Vec::len), Some(5));
    let (st, v) = t
        .get_json(&t.tv("/api/v2/shared_servers/owned/pending"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    t.sim.stop().await;
}

#[tokio::test]
async fn status_fault_then_normal() {
    let t = start().await;
    t.sim.add_fault(
        FaultSpec::status("GET", "/api/users", 503)
            .times(2)
            .with_retry_after(7),
    );
    for _ in 0..2 {
        let r = t
            .http
            .get(t.tv("/api/users/"))
            .header("X-Plex-Token", TOKEN)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"].to_str().ok(), Some("7"));
    }
    let (st, _) = t.get(&t.tv("/api/users/")).await;
    assert_eq!(st, StatusCode::OK);
    // A 500 fault on a create does not perform it.
    t.sim.add_fault(FaultSpec::status(
        "POST",
        "/api/servers/*/shared_servers",
        500,
    ));
    let (st, _) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[ids::MOVIES], json!({"invited_id": 2100007}))),
        )
        .await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(t.sim.state().share_of_user(2_100_007).is_none());
    let log = t.sim.requests();
    assert!(log.iter().filter(|e| e.injected).count() == 3);
    t.sim.stop().await;
}

#[tokio::test]
async fn drop_connection_after_performing() {
    let t = start().await;
    t.sim.add_fault(FaultSpec::drop_after_perform(
        "POST",
        "/api/servers/*/shared_servers",
    ));
    let r = t
        .http
        .post(t.shares_url())
        .header("X-Plex-Token", TOKEN)
        .json(&create_body(&[ids::MOVIES], json!({"invited_id": 2100007})))
        .send()
        .await;
    assert!(r.is_err(), "the connection must be dropped: {r:?}");
    // The share was created anyway.
    assert!(t.sim.state().share_of_user(2_100_007).is_some());
    let last = t.sim.requests().pop().expect("logged");
    assert!(last.dropped && last.status == 201);
    assert!(last.is("post", "/api/servers/*/shared_servers"));
    let sent = last.json_body().expect("json body");
    assert_eq!(sent["shared_server"]["invited_id"], json!(2_100_007));
    // A retry now gets "already sharing".
    let (st, _) = t
        .call(
            Method::POST,
            &t.shares_url(),
            Some(create_body(&[ids::MOVIES], json!({"invited_id": 2100007}))),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    t.sim.stop().await;
}

#[tokio::test]
async fn rate_limit_and_latency() {
    let t = start().await;
    t.sim.set_rate_limit(Some(RateLimit {
        capacity: 2,
        refill_per_sec: 20.0,
        retry_after: Some(1),
        host: Host::Plextv,
    }));
    let mut limited = None;
    for _ in 0..10 {
        let r = t
            .http
            .get(t.tv("/api/users/"))
            .header("X-Plex-Token", TOKEN)
            .send()
            .await
            .expect("sent");
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("bucket empties");
    assert_eq!(r.headers()["retry-after"].to_str().ok(), Some("1"));
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["errors"][0]["code"], json!(1003));
    // PMS is not limited; plex.tv recovers once the bucket refills.
    let (st, _) = t.get(&t.pms("/")).await;
    assert_eq!(st, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (st, _) = t.get(&t.tv("/api/users/")).await;
        if st == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "bucket never refilled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    t.sim.set_rate_limit(None);

    t.sim.add_fault(FaultSpec {
        path: "/identity".into(),
        delay_ms: 300,
        ..FaultSpec::default()
    });
    let started = Instant::now();
    let (st, _) = t.get(&t.pms("/identity")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    t.sim.stop().await;
}

#[tokio::test]
async fn admin_api_over_http() {
    let t = start().await;
    // Works on both ports.
    for base in [t.sim.pms_url().to_owned(), t.sim.plextv_url().to_owned()] {
        let v: Value = t
            .http
            .get(format!("{base}/__sim/state"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert_eq!(v["owner"]["token"], json!(TOKEN));
        assert_eq!(v["libraries"].as_array().map(Vec::len), Some(5));
    }
    let admin = |p: &str| format!("{}/__sim{p}", t.sim.plextv_url());
    let post = |p: &str, body: Value| {
        let url = admin(p);
        let http = t.http.clone();
        async move { http.post(url).json(&body).send().await.expect("sent") }
    };

    // accept an invite
    assert_eq!(
        post("/accept/41000002", json!({})).await.status(),
        StatusCode::OK
    );
    assert!(
        t.sim
            .state()
            .share(41_000_002)
            .expect("bob")
            .accepted_at
            .is_some()
    );
    assert_eq!(
        post("/accept/1", json!({})).await.status(),
        StatusCode::NOT_FOUND
    );

    // fault via HTTP
    assert_eq!(
        post(
            "/fault",
            json!({"method": "GET", "path": "/api/v2/user", "status": 500})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        post("/fault", json!({"path": "/x", "status": 599}))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    let (st, _) = t.get(&t.tv("/api/v2/user")).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR);

    // tokens
    post("/tokens/deauthorize", json!({"token": TOKEN})).await;
    let (st, _) = t.get(&t.tv("/api/v2/user")).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    post("/tokens/restore", json!({"token": TOKEN})).await;

    // library drift: added but not yet on plex.tv, then published, then removed.
    let r = post(
        "/libraries",
        json!({"title": "Anime", "type": "show", "onPlextv": false}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let lib: Value = r.json().await.expect("json");
    let key = lib["key"].as_u64().expect("key");
    assert_eq!(key, 6);
    let (_, pms) = t.get(&t.pms("/library/sections")).await;
    assert!(pms.contains("title=\"Anime\""));
    let (_, map) = t.get(&t.tv(&format!("/api/servers/{MID}"))).await;
    assert!(!map.contains("Anime"));
    post(&format!("/libraries/{key}/publish"), json!({})).await;
    let (_, map) = t.get(&t.tv(&format!("/api/servers/{MID}"))).await;
    assert!(map.contains("Anime"));
    let r = t
        .http
        .delete(admin(&format!("/libraries/{key}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    // Keys are never reused.
    assert_eq!(t.sim.add_library("Again", "movie", true).key, 7);

    // Delayed drift: plex.tv catches up only after the delay (poll with a deadline).
    let r = post(
        "/libraries",
        json!({"title": "Late", "type": "movie", "plextvDelayMs": 200}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, map) = t.get(&t.tv(&format!("/api/servers/{MID}"))).await;
    assert!(!map.contains("Late"));
    let r = t
        .http
        .delete(admin("/libraries/1?plextv_delay_ms=200"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let (_, pms) = t.get(&t.pms("/library/sections")).await;
    assert!(!pms.contains(r#"title="Movies""#));
    let (_, map) = t.get(&t.tv(&format!("/api/servers/{MID}"))).await;
    assert!(map.contains(r#"title="Movies""#));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, map) = t.get(&t.tv(&format!("/api/servers/{MID}"))).await;
        if map.contains("Late") && !map.contains(r#"title="Movies""#) {
            break;
        }
        assert!(Instant::now() < deadline, "plex.tv never caught up: {map}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Movies is gone from alice's share too.
    assert!(
        !t.sim
            .state()
            .share(41_000_001)
            .expect("alice")
            .section_ids
            .contains(&ids::MOVIES)
    );

    // request log (admin calls excluded), then reset.
    let log: Value = t
        .http
        .get(admin("/requests?host=plextv"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let entries = log.as_array().expect("list");
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["host"] == json!("plextv")
        && !e["path"].as_str().unwrap_or("/__sim").starts_with("/__sim")));
    assert!(
        entries
            .iter()
            .all(|e| e["headers"]["x-plex-token"] == json!("REDACTED"))
    );
    assert_eq!(post("/reset", json!({})).await.status(), StatusCode::OK);
    let state = t.sim.state();
    assert!(state.share(41_000_002).expect("bob").accepted_at.is_none());
    assert_eq!(state.libraries.len(), 5);
    assert!(t.sim.requests().is_empty());
    t.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_friends_seed() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let sim = PlexSim::start(SimConfig {
        seed: plex_sim::Seed::default().with_generated_friends(1000),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let body = Client::new()
        .get(format!("{}/api/users/", sim.plextv_url()))
        .header("X-Plex-Token", TOKEN)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert_eq!(body.matches("<User ").count(), 1000);
    sim.stop().await;
}

#[tokio::test]
async fn the_friend_limit_refuses_new_shares_on_both_apis_but_not_home_users() {
    let t = start().await;
    // The seed shares with 5 non-Home users (and Kids, a Home user).
    t.sim.set_behaviour(plex_sim::Behaviour {
        friend_limit: Some(5),
        ..plex_sim::Behaviour::default()
    });
    let (st, body) = t
        .create(&[ids::MOVIES], json!({"invited_id": 2100007}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("You have reached the maximum number of users (5) you can share with."),
        "{body}"
    );
    let (st, body) = t
        .call(
            Method::POST,
            &t.tv("/api/v2/shared_servers"),
            Some(
                json!({"machineIdentifier": MID, "librarySectionIds": [ids::MOVIES],
                "invitedId": 2100007}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["errors"][0]["code"], 1000);
    assert!(t.sim.state().share_of_user(2_100_007).is_none());
    // Updates are never refused.
    let (st, _) = t
        .call(
            Method::PUT,
            &format!("{}/41000001", t.shares_url()),
            Some(json!({"shared_server": {"library_section_ids": [ids::TV]}})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // A Home user never counts and is never refused.
    t.sim.with_state(|s| {
        s.shares.retain(|x| x.user_id != 2_100_004);
    });
    let (st, body) = t
        .create(&[ids::DEFAULT], json!({"invited_id": 2100004}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // Room again once someone is removed.
    t.sim
        .with_state(|s| s.shares.retain(|x| x.user_id != 2_100_001));
    let (st, body) = t
        .create(&[ids::MOVIES], json!({"invited_id": 2100007}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    t.sim.stop().await;
}

#[tokio::test]
async fn a_deleted_account_leaves_v1_and_shows_deleted_at_on_v2() {
    let t = start().await;
    let (st, body) = t
        .call(Method::POST, &t.tv("/__sim/accounts/2100001/delete"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, users) = t.get(&t.tv("/api/users")).await;
    assert!(!users.contains(r#"id="2100001""#), "{users}");
    let (_, shares) = t.get(&t.shares_url()).await;
    assert!(!shares.contains(r#"userID="2100001""#), "{shares}");
    let (st, accepted) = t
        .get_json(&t.tv("/api/v2/shared_servers/owned/accepted"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let list = accepted.as_array().expect("array");
    let gone = list
        .iter()
        .find(|s| s["invitedId"] == 2_100_001)
        .expect("listed with deletedAt");
    assert!(gone["deletedAt"].as_i64().is_some_and(|t| t > 0), "{gone}");
    assert!(
        list.iter()
            .filter(|s| s["invitedId"] != 2_100_001)
            .all(|s| s["deletedAt"].is_null())
    );
    let (st, _) = t
        .call(Method::POST, &t.tv("/__sim/accounts/999/delete"), None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    t.sim.stop().await;
}
