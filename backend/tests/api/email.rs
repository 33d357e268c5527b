//! Email channels against a real SMTP server (aiosmtpd, from the test venv) on 127.0.0.1: plain,
//! STARTTLS and implicit TLS with a self-signed certificate the channel is told to trust, a
//! login over TLS, every refusal in words; friends' own reminders in their time zone unless they
//! opted out; templates that change what is sent; a plan's own reminder leads.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plex_sim::Seed;
use plexward::clock::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{Synced, synced_with};
use crate::helpers::GOOD_PASSWORD;
use crate::notifications::{settled, synced_fast};

const ALICE: u64 = 2_100_001;
const ERIN: u64 = 2_100_006;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_owned()
}

/// aiosmtpd in a child process; what it received.
pub(crate) struct Smtp {
    pub(crate) port: u16,
    got: Arc<Mutex<Vec<Value>>>,
    child: Child,
    // Closing stdin stops it.
    _stdin: ChildStdin,
}

impl Smtp {
    pub(crate) fn start(args: &[&str]) -> Self {
        let python = repo_root().join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `bash scripts/setup.sh --test`",
            python.display()
        );
        let mut child = Command::new(python)
            .arg(repo_root().join("e2e/smtp/sink.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("aiosmtpd starts");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = lines.next().expect("a first line").expect("read");
        let port = ready
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("not ready: {ready}"));
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    sink.lock().expect("got").push(v);
                }
            }
        });
        Self {
            port,
            got,
            child,
            _stdin: stdin,
        }
    }

    pub(crate) fn got(&self) -> Vec<Value> {
        self.got.lock().expect("got").clone()
    }

    /// Waits until `n` messages came; them.
    pub(crate) async fn until(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} messages: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for `localhost`, written to `dir`: `(cert path, key path, PEM)`.
fn certificate(dir: &Path) -> (String, String, String) {
    let (cert, key) =
        plexward::tls::generate_self_signed(&["localhost".to_owned()], chrono::Utc::now())
            .expect("certificate");
    let (c, k) = (dir.join("smtp.crt"), dir.join("smtp.key"));
    std::fs::File::create(&c)
        .and_then(|mut f| f.write_all(cert.as_bytes()))
        .expect("cert");
    std::fs::File::create(&k)
        .and_then(|mut f| f.write_all(key.as_bytes()))
        .expect("key");
    (c.display().to_string(), k.display().to_string(), cert)
}

async fn admin(t: &Synced) -> String {
    t.app.create_account("boss", "admin", false).await;
    t.app.login("boss", GOOD_PASSWORD).await.token
}

pub(crate) async fn channel(t: &Synced, token: &str, body: Value) -> (u16, Value) {
    t.app
        .call(
            Method::POST,
            "/api/v1/notifications/channels",
            token,
            Some(body),
        )
        .await
}

async fn test_send(t: &Synced, token: &str, id: &Value) -> Value {
    let (status, answer) = t
        .app
        .call(
            Method::POST,
            &format!("/api/v1/notifications/channels/{id}/test"),
            token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

pub(crate) fn email(name: &str, port: u16, security: &str, extra: Value) -> Value {
    let mut config = json!({
        "host": "localhost", "port": port, "security": security,
        "from": "Plexward <plexward@example.com>", "to": ["Owner <owner@example.com>"],
    });
    if let (Some(c), Value::Object(more)) = (config.as_object_mut(), &extra["config"]) {
        c.extend(more.clone());
    }
    let mut body =
        json!({"kind": "email", "name": name, "config": config, "events": ["access.ending"]});
    if let Some(p) = extra.get("password") {
        body["password"] = p.clone();
    }
    body
}

#[tokio::test]
async fn email_goes_out_plain_over_starttls_and_over_tls_and_every_refusal_is_in_words() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    let token = admin(&t).await;
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key, pem) = certificate(dir.path());
    let plain = Smtp::start(&[]);
    let starttls = Smtp::start(&[
        "--security",
        "starttls",
        "--cert",
        &cert,
        "--key",
        &key,
        "--auth",
        "mailer:s3cret pass",
    ]);
    let tls = Smtp::start(&["--security", "tls", "--cert", &cert, "--key", &key]);

    // Refused field by field, before anything is saved.
    let (status, bad) = channel(
        &t,
        &token,
        json!({"kind": "email", "name": "bad", "config": {"security": "none", "username": "u", "from": "nope", "to": []}, "events": ["access.ending"]}),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    let fields = &bad["error"]["fields"];
    assert_eq!(fields["config.host"], "required", "{bad}");
    assert!(
        fields["config.from"]
            .as_str()
            .is_some_and(|w| w.contains("not an email address")),
        "{bad}"
    );
    assert_eq!(fields["config.to"], "1–20 addresses", "{bad}");
    assert!(
        fields["config.security"]
            .as_str()
            .is_some_and(|w| w.contains("only sent encrypted")),
        "{bad}"
    );
    let (status, bad) = channel(
        &t,
        &token,
        email("bad pem", 1, "tls", json!({"config": {"ca_pem": "hello"}})),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad["error"]["fields"]["config.ca_pem"].is_string(), "{bad}");

    // Plain, to a relay nearby.
    let (status, a) = channel(&t, &token, email("Relay", plain.port, "none", json!({}))).await;
    assert_eq!(status, 201, "{a}");
    let answer = test_send(&t, &token, &a["channel"]["id"]).await;
    assert_eq!(answer, json!({"ok": true, "status": 250, "error": null}));
    let got = plain.until(1).await;
    assert_eq!(got[0]["rcpt_tos"], json!(["owner@example.com"]));
    assert_eq!(got[0]["tls"], false);
    let data = got[0]["data"].as_str().expect("data");
    assert!(data.contains("Subject: A test from Plexward"), "{data}");
    assert!(data.contains("X-Plexward-Event: test"), "{data}");
    assert!(
        data.contains("From: Plexward <plexward@example.com>"),
        "{data}"
    );

    // STARTTLS with a login, trusting the relay's self-signed certificate.
    let (status, b) = channel(
        &t,
        &token,
        email(
            "Mail",
            starttls.port,
            "starttls",
            json!({"config": {"username": "mailer", "ca_pem": pem}, "password": "s3cret pass"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{b}");
    assert_eq!(b["channel"]["secret_set"], true);
    assert!(
        !b.to_string().contains("s3cret"),
        "the password is never shown: {b}"
    );
    let answer = test_send(&t, &token, &b["channel"]["id"]).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let got = starttls.until(1).await;
    assert_eq!(got[0]["tls"], true, "{got:?}");
    assert_eq!(got[0]["login"], "mailer", "{got:?}");

    // Implicit TLS.
    let (status, c) = channel(
        &t,
        &token,
        email("Smtps", tls.port, "tls", json!({"config": {"ca_pem": pem}})),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let answer = test_send(&t, &token, &c["channel"]["id"]).await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(tls.until(1).await[0]["tls"], true);

    // Each refusal, exactly.
    let refusals = [
        // The certificate is not trusted without `ca_pem`.
        (
            email(
                "Untrusted",
                starttls.port,
                "starttls",
                json!({"config": {"username": "mailer"}, "password": "s3cret pass"}),
            ),
            "certificate",
        ),
        // A wrong password.
        (
            email(
                "Wrong",
                starttls.port,
                "starttls",
                json!({"config": {"username": "mailer", "ca_pem": pem}, "password": "nope"}),
            ),
            "535",
        ),
        // STARTTLS demanded of a server that does not offer it: nothing is sent in the clear.
        (
            email(
                "Downgrade",
                plain.port,
                "starttls",
                json!({"config": {"ca_pem": pem}}),
            ),
            "STARTTLS",
        ),
        // Nobody listening.
        (email("Closed", 1, "none", json!({})), "could not connect"),
    ];
    for (body, words) in refusals {
        let name = body["name"].clone();
        let (status, ch) = channel(&t, &token, body).await;
        assert_eq!(status, 201, "{ch}");
        let answer = test_send(&t, &token, &ch["channel"]["id"]).await;
        assert_eq!(answer["ok"], false, "{name}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(
            error.to_lowercase().contains(&words.to_lowercase()),
            "{name}: `{error}` should say {words}"
        );
    }
    assert_eq!(plain.got().len(), 1, "nothing more reached the plain relay");
    assert_eq!(starttls.got().len(), 1);
}

pub(crate) fn subject(message: &Value) -> String {
    let data = message["data"].as_str().unwrap_or_default();
    data.lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_friend_gets_their_own_reminder_in_their_zone_unless_they_opt_out() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_fast(clock.clone()).await;
    let token = admin(&t).await;
    let smtp = Smtp::start(&[]);
    let (status, ch) = channel(&t, &token, email("Mail", smtp.port, "none", json!({}))).await;
    assert_eq!(status, 201, "{ch}");
    let channel_id = ch["channel"]["id"].clone();
    let put = |path: String, body: Value| {
        let (app, token) = (&t.app, token.clone());
        async move { app.call(Method::PUT, &path, &token, Some(body)).await }
    };
    // Friends' reminders need an email channel.
    let (status, bad) = put(
        "/api/v1/notifications/settings".into(),
        json!({"reminder_leads_minutes": [1], "friend_email_channel_id": 999_999}),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    let (status, saved) = put(
        "/api/v1/notifications/settings".into(),
        json!({"reminder_leads_minutes": [1], "friend_email_channel_id": channel_id}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");

    // The owner's reminder says what the template says.
    let (status, bad) = put(
        "/api/v1/notifications/templates/access.ending".into(),
        json!({"subject": "Ending: {{frend}}", "body": "x"}),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(
        bad["error"]["fields"]["subject"],
        "line 1: unknown variable `frend` (did you mean `friend`?)"
    );
    let (status, saved) = put(
        "/api/v1/notifications/templates/access.ending".into(),
        json!({"subject": "Ending: {{friend}} in {{lead}}", "body": "{{summary}}"}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["custom"], true);

    let (alice, erin) = (t.friend(ALICE).await, t.friend(ERIN).await);
    let (status, bad) = put(
        format!("/api/v1/plex-users/{alice}/notifications"),
        json!({"reminder_emails": true, "time_zone": "Mars/Olympus"}),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad["error"]["fields"]["time_zone"].is_string(), "{bad}");
    let (status, _) = put(
        format!("/api/v1/plex-users/{alice}/notifications"),
        json!({"reminder_emails": true, "time_zone": "Pacific/Auckland"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = put(
        format!("/api/v1/plex-users/{erin}/notifications"),
        json!({"reminder_emails": false}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, choices) = t
        .call(
            Method::GET,
            &format!("/api/v1/plex-users/{erin}/notifications"),
            None,
        )
        .await;
    assert_eq!(
        choices,
        json!({"reminder_emails": false, "time_zone": null})
    );

    let tv = t.library(2).await;
    let end = t0 + 120_000;
    let at = plexward::db::time::from_ms(end).to_rfc3339();
    for friend in [alice, erin] {
        let (status, body) = t
            .set_grants(friend, json!([{"library_id": tv, "ends_at": at}]))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    clock.set(end - 60_000);
    // Two to the owner (alice, erin) and one to alice herself; erin opted out.
    let got = smtp.until(3).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let got_now = smtp.got();
    assert_eq!(got_now.len(), 3, "{got_now:?}");
    let to_owner: Vec<String> = got
        .iter()
        .filter(|m| m["rcpt_tos"] == json!(["owner@example.com"]))
        .map(subject)
        .collect();
    let mut expected = vec!["Ending: alice in 1 minute", "Ending: erin in 1 minute"];
    let mut sorted = to_owner.clone();
    sorted.sort();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "{got:?}");
    let to_alice: Vec<&Value> = got
        .iter()
        .filter(|m| m["rcpt_tos"] == json!(["alice@example.com"]))
        .collect();
    assert_eq!(to_alice.len(), 1, "{got:?}");
    let when = plexward::db::time::from_ms(end)
        .with_timezone(&chrono_tz::Pacific::Auckland)
        .format("%A %-d %B at %H:%M")
        .to_string();
    let data = to_alice[0]["data"].as_str().unwrap_or_default();
    assert!(
        data.contains(&format!(
            "Your access to TV Shows on SimServer ends on {when}."
        )),
        "in her zone: {data}"
    );
    let deliveries = settled(&t, &token).await;
    let recipients: Vec<&Value> = deliveries.iter().map(|d| &d["recipient"]).collect();
    assert!(
        recipients.contains(&&json!("alice@example.com")),
        "{deliveries:?}"
    );
    assert!(
        deliveries.iter().all(|d| d["state"] == "delivered"),
        "{deliveries:?}"
    );

    // Back to the default template.
    let (status, _) = t
        .app
        .call(
            Method::DELETE,
            "/api/v1/notifications/templates/access.ending",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, list) = t
        .app
        .call(Method::GET, "/api/v1/notifications/templates", &token, None)
        .await;
    let ending = list["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["event"] == "access.ending"))
        .cloned()
        .expect("listed");
    assert_eq!(ending["custom"], false, "{ending}");
    assert_eq!(ending["subject"], ending["default_subject"]);
    clock.set(end);
    crate::scheduler::until_shared(&t, ALICE, None).await;
    t.app.assert_no_jobs_left().await;
}

#[tokio::test]
async fn a_template_preview_fills_in_a_sample_and_names_the_mistake() {
    let t = synced_with(Seed::default(), plexward::clock::system(), |_| {}).await;
    let token = admin(&t).await;
    let preview = |body: Value| {
        let (app, token) = (&t.app, token.clone());
        async move {
            app.call(
                Method::POST,
                "/api/v1/notifications/templates/preview",
                &token,
                Some(body),
            )
            .await
        }
    };
    let (status, p) = preview(json!({
        "event": "friend.access.ending",
        "subject": "{{server}}: {{friend}}",
        "body": "{{#if lead}}In {{lead}}{{else}}Soon{{/if}}: {{libraries}}."
    }))
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["subject"], "SimServer: Alice Example");
    assert_eq!(p["body"], "In 1 day: Movies and TV Shows.");
    let (status, bad) = preview(json!({
        "event": "sync.failed", "subject": "ok", "body": "line one\n{{#if error}}{{error}}"
    }))
    .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(
        bad["error"]["fields"]["body"],
        "line 2: `{{#if error}}` is never closed with `{{/if}}`"
    );
    let (status, _) = preview(json!({"event": "no.such", "subject": "a", "body": "b"})).await;
    assert_eq!(status, 404);
    // Auditors may read and preview, never save.
    t.app.create_account("eve", "auditor", false).await;
    let auditor = t.app.login("eve", GOOD_PASSWORD).await.token;
    let (status, _) = t
        .app
        .call(
            Method::PUT,
            "/api/v1/notifications/templates/sync.failed",
            &auditor,
            Some(json!({"subject": "a", "body": "b"})),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_plans_own_leads_replace_the_settings_for_the_friends_given_it() {
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = ManualClock::new(t0);
    let t = synced_fast(clock.clone()).await;
    let token = admin(&t).await;
    let smtp = Smtp::start(&[]);
    let (status, _) = channel(&t, &token, email("Mail", smtp.port, "none", json!({}))).await;
    assert_eq!(status, 201);
    let (status, _) = t
        .app
        .call(
            Method::PUT,
            "/api/v1/notifications/settings",
            &token,
            Some(json!({"reminder_leads_minutes": [1]})),
        )
        .await;
    assert_eq!(status, 200);
    let tv = t.library(2).await;
    let (status, bad) = t
        .app
        .call(
            Method::POST,
            "/api/v1/plans",
            &token,
            Some(json!({"name": "Short", "grants": [{"library_id": tv, "duration": "PT3M"}], "reminder_leads_minutes": [0]})),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let (status, plan) = t
        .app
        .call(
            Method::POST,
            "/api/v1/plans",
            &token,
            Some(json!({"name": "Short", "grants": [{"library_id": tv, "duration": "PT3M"}], "reminder_leads_minutes": [2]})),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["reminder_leads_minutes"], json!([2]));
    let alice = t.friend(ALICE).await;
    let (status, applied) = t
        .app
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk",
            &token,
            Some(json!({"friend_ids": [alice], "action": {"kind": "apply_plan", "plan_id": plan["id"], "version": plan["version"]}})),
        )
        .await;
    assert!(status == 200 || status == 202, "{applied}");
    crate::scheduler::until_shared(&t, ALICE, Some(crate::access::ids(&[crate::access::TV]))).await;
    // The settings' 1-minute lead is not hers: nothing at 2 minutes before the end + 1 s…
    clock.set(t0 + 59_000);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert!(smtp.got().is_empty(), "{:?}", smtp.got());
    // …her plan's 2-minute lead is.
    clock.set(t0 + 61_000);
    let got = smtp.until(1).await;
    assert!(subject(&got[0]).contains("alice"), "{got:?}");
    clock.set(t0 + 121_000);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(
        smtp.got().len(),
        1,
        "not at the settings' lead too: {:?}",
        smtp.got()
    );
    clock.set(t0 + 181_000);
    crate::scheduler::until_shared(&t, ALICE, None).await;
    settled(&t, &token).await;
    t.app.assert_no_jobs_left().await;
}
