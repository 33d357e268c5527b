//! Single sign-on against a real OpenID provider (npm `oidc-provider`, e2e/oidc/provider.mjs, run
//! here on 127.0.0.1): the whole authorization-code flow with PKCE, state and nonce, groups mapped
//! to roles, unknown people created (or not), and the ID-token checks proven by making the
//! provider misbehave — a wrong audience, an expired token — plus a replayed callback and a
//! tampered state.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_owned()
}

/// The provider in a child process.
struct Provider {
    issuer: String,
    child: Child,
    // Closing stdin stops it.
    _stdin: ChildStdin,
}

impl Provider {
    fn start(redirect_uri: &str) -> Self {
        let mut child = Command::new("node")
            .arg(repo_root().join("e2e/oidc/provider.mjs"))
            .env("OIDC_REDIRECT_URI", redirect_uri)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts the provider (run `bash scripts/setup.sh --test`)");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = lines.next().expect("a first line").expect("read");
        let ready: Value = serde_json::from_str(&ready).expect("the ready line is JSON");
        Self {
            issuer: ready["issuer"].as_str().expect("issuer").to_owned(),
            child,
            _stdin: stdin,
        }
    }

    async fn mode(&self, mode: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/__test/mode", self.issuer))
            .json(&mode)
            .send()
            .await
            .expect("mode set");
        assert_eq!(response.status(), 200);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Cookies by name, from `Set-Cookie` answers (one origin each; paths ignored).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let Some((name, rest)) = value.to_str().ok().and_then(|v| v.split_once('=')) else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default();
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// One browser: Plexward's cookies and the provider's.
#[derive(Default)]
struct Browser {
    app: Jar,
    provider: Jar,
}

impl Browser {
    /// From the login button to the provider's redirect back (not followed): the callback URL.
    async fn through_provider(&mut self, app: &TestApp, issuer: &str, user: &str) -> String {
        let http = &app.client;
        let start = http
            .get(app.url("/api/v1/auth/sso/start"))
            .send()
            .await
            .expect("start");
        assert_eq!(start.status(), 303);
        self.app.take(&start);
        let to_provider = location(&start);
        assert!(to_provider.starts_with(issuer), "{to_provider}");
        assert!(
            to_provider.contains("code_challenge_method=S256"),
            "{to_provider}"
        );
        let authorize = http
            .get(&to_provider)
            .header("cookie", self.provider.header())
            .send()
            .await
            .expect("authorize");
        assert_eq!(authorize.status(), 303);
        self.provider.take(&authorize);
        let interaction = format!("{issuer}{}", location(&authorize));
        let login = http
            .post(&interaction)
            .header("cookie", self.provider.header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("login={user}&password=password"))
            .send()
            .await
            .expect("login");
        assert_eq!(login.status(), 303, "the provider's login of {user}");
        self.provider.take(&login);
        let resume = http
            .get(location(&login))
            .header("cookie", self.provider.header())
            .send()
            .await
            .expect("resume");
        assert_eq!(resume.status(), 303);
        self.provider.take(&resume);
        let back = location(&resume);
        assert!(
            back.starts_with(&app.url("/api/v1/auth/sso/callback")),
            "{back}"
        );
        back
    }

    /// The callback: where Plexward sends the browser, and the access token if signed in.
    async fn callback(&mut self, app: &TestApp, url: &str) -> (String, Option<String>) {
        let answer = app
            .client
            .get(url)
            .header("cookie", self.app.header())
            .send()
            .await
            .expect("callback");
        assert_eq!(answer.status(), 303);
        self.app.take(&answer);
        (location(&answer), self.app.0.get("pw_access").cloned())
    }

    async fn sign_in(
        &mut self,
        app: &TestApp,
        issuer: &str,
        user: &str,
    ) -> (String, Option<String>) {
        let back = self.through_provider(app, issuer, user).await;
        self.callback(app, &back).await
    }
}

async fn set_up(app: &TestApp, admin: &str, provider: &Provider, extra: Value) {
    let mut body = json!({
        "enabled": true,
        "issuer": provider.issuer,
        "client_id": "plexward",
        "client_secret": "plexward-secret",
        "scopes": ["profile", "email", "groups"],
        "role_mapping": [
            {"group": "plex-admins", "role": "admin"},
            {"group": "plex-mods", "role": "moderator"},
        ],
        "create_unknown_users": true,
        "button_label": "Test IdP",
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, saved) = app
        .call(Method::PUT, "/api/v1/settings/sso", admin, Some(body))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["client_secret_set"], true);
    assert!(saved.get("client_secret").is_none(), "{saved}");
}

#[tokio::test]
async fn people_sign_in_through_the_provider_with_roles_from_their_groups() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    let admin = app.token_for("root", "admin").await;
    let provider = Provider::start(&app.url("/api/v1/auth/sso/callback"));

    // Off: the login page shows no button, and starting one goes back to the login page.
    let (_, info) = app.call(Method::GET, "/api/v1/auth/sso", "", None).await;
    assert_eq!(info["enabled"], false);
    let mut browser = Browser::default();
    let off = app
        .client
        .get(app.url("/api/v1/auth/sso/start"))
        .send()
        .await
        .expect("start");
    assert_eq!(location(&off), "/login?sso_error=disabled");

    set_up(&app, &admin, &provider, json!({})).await;
    let (_, info) = app.call(Method::GET, "/api/v1/auth/sso", "", None).await;
    assert_eq!(
        info,
        json!({"enabled": true, "button_label": "Test IdP", "local_sign_in": true})
    );

    // alice (plex-admins) gets an admin account, bob (plex-mods) a moderator one.
    let (to, token) = browser.sign_in(&app, &provider.issuer, "alice").await;
    assert_eq!(to, "/");
    let token = token.expect("signed in");
    let (status, me) = app.call(Method::GET, "/api/v1/me", &token, None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["username"].clone(), me["role"].clone()),
        (json!("alice"), json!("admin"))
    );
    let (_, sessions) = app
        .call(Method::GET, "/api/v1/me/sessions", &token, None)
        .await;
    assert_eq!(sessions["items"][0]["method"], "sso", "{sessions}");
    let mut bob = Browser::default();
    let (_, token) = bob.sign_in(&app, &provider.issuer, "bob").await;
    let (_, me) = app
        .call(Method::GET, "/api/v1/me", &token.expect("bob"), None)
        .await;
    assert_eq!(me["role"], "moderator");

    // carol's groups match no rule and there is no default role: refused, no account made.
    let mut carol = Browser::default();
    let (to, token) = carol.sign_in(&app, &provider.issuer, "carol").await;
    assert_eq!((to.as_str(), token), ("/login?sso_error=not_allowed", None));
    let (_, accounts) = app
        .call(Method::GET, "/api/v1/accounts", &admin, None)
        .await;
    assert_eq!(
        accounts["total"], 4,
        "admin, root, alice and bob: {accounts}"
    );

    // Signing in again finds the same account (by issuer and subject), not a new one.
    let mut again = Browser::default();
    let (_, token) = again.sign_in(&app, &provider.issuer, "alice").await;
    assert!(token.is_some());
    let (_, accounts) = app
        .call(Method::GET, "/api/v1/accounts", &admin, None)
        .await;
    assert_eq!(accounts["total"], 4);
    assert_eq!(
        app.audit_actions("auth.sso").await.len(),
        1,
        "carol's refusal"
    );

    // Unknown people are refused once creating them is off.
    set_up(
        &app,
        &admin,
        &provider,
        json!({"create_unknown_users": false, "default_role": "auditor"}),
    )
    .await;
    let (to, _) = Browser::default()
        .sign_in(&app, &provider.issuer, "carol")
        .await;
    assert_eq!(to, "/login?sso_error=not_allowed");
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_wrong_audience_an_expired_token_a_replayed_callback_and_a_forged_state_are_refused() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    let admin = app.token_for("root", "admin").await;
    let provider = Provider::start(&app.url("/api/v1/auth/sso/callback"));
    set_up(&app, &admin, &provider, json!({})).await;

    provider
        .mode(json!({"id_token_audience": "someone-else"}))
        .await;
    let (to, token) = Browser::default()
        .sign_in(&app, &provider.issuer, "alice")
        .await;
    assert_eq!(
        (to.as_str(), token),
        ("/login?sso_error=wrong_audience", None)
    );

    provider.mode(json!({"clock_offset_secs": -7200})).await;
    let (to, token) = Browser::default()
        .sign_in(&app, &provider.issuer, "alice")
        .await;
    assert_eq!(
        (to.as_str(), token),
        ("/login?sso_error=token_expired", None)
    );

    // A good callback works once; replayed, it is refused (its pending sign-in is gone).
    provider.mode(json!({})).await;
    let mut browser = Browser::default();
    let back = browser
        .through_provider(&app, &provider.issuer, "alice")
        .await;
    let pending = browser.app.0.clone();
    let (to, token) = browser.callback(&app, &back).await;
    assert_eq!(to, "/");
    assert!(token.is_some());
    let mut replay = Browser::default();
    replay.app.0 = pending;
    let (to, token) = replay.callback(&app, &back).await;
    assert_eq!((to.as_str(), token), ("/login?sso_error=expired", None));

    // A callback whose state is not the one sent (a forged link) is refused.
    let mut forged = Browser::default();
    let back = forged
        .through_provider(&app, &provider.issuer, "alice")
        .await;
    let mut url = reqwest::Url::parse(&back).expect("url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let (to, token) = forged.callback(&app, url.as_str()).await;
    assert_eq!(
        (to.as_str(), token),
        ("/login?sso_error=state_mismatch", None)
    );

    let reasons: Vec<String> = app
        .audit_actions("auth.sso")
        .await
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e.details.as_deref().unwrap_or("{}"))
                .expect("details")["reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    for reason in [
        "wrong_audience",
        "token_expired",
        "expired",
        "state_mismatch",
    ] {
        assert!(
            reasons.iter().any(|r| r == reason),
            "{reason} in {reasons:?}"
        );
    }
    app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn local_sign_in_goes_off_only_while_an_admin_can_sign_in_through_the_provider() {
    let app = spawn_app_with(|c| c.login_rate_burst = 40).await;
    let admin = app.token_for("root", "admin").await;
    let provider = Provider::start(&app.url("/api/v1/auth/sso/callback"));
    let off = json!({"mfa_required_roles": [], "local_sign_in": false});

    // Nobody can sign in through the provider yet: refused.
    let (status, refused) = app
        .call(
            Method::PUT,
            "/api/v1/settings/sign-in",
            &admin,
            Some(off.clone()),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "sso_admin_required");
    set_up(&app, &admin, &provider, json!({})).await;
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/settings/sign-in",
            &admin,
            Some(off.clone()),
        )
        .await;
    assert_eq!(
        status, 409,
        "single sign-on is on, but no admin has used it"
    );

    // Once alice (an admin by her groups) has signed in through it, it may go off.
    let (_, token) = Browser::default()
        .sign_in(&app, &provider.issuer, "alice")
        .await;
    assert!(token.is_some());
    let (status, saved) = app
        .call(Method::PUT, "/api/v1/settings/sign-in", &admin, Some(off))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["local_sign_in"], false);
    let response = app
        .login_response("root", crate::helpers::GOOD_PASSWORD)
        .await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "local_sign_in_off");
    // Single sign-on cannot be switched off meanwhile; the provider still lets people in.
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/settings/sso",
            &admin,
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 409);
    let (_, token) = Browser::default()
        .sign_in(&app, &provider.issuer, "bob")
        .await;
    assert!(token.is_some());

    // The command-line reset always lets you in: it turns local sign-in back on.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || plexward::auth::bootstrap::reset_password(&db, "root"))
        .await
        .expect("joined")
        .expect("reset");
    let (status, rules) = app
        .call(
            Method::GET,
            "/api/v1/settings/sign-in",
            &token.expect("bob"),
            None,
        )
        .await;
    assert_eq!(status, 403, "bob is a moderator: {rules}");
    let response = app
        .login_response("root", crate::helpers::GOOD_PASSWORD)
        .await;
    assert_ne!(response.status(), 403, "local sign-in is back");
    app.assert_no_jobs_left().await;
}
