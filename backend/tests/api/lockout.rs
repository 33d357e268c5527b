//! Sign-in lock-out that can't be aimed: the black-box attack — wrong passwords for the owner's
//! name from many addresses, with case and space variants — locks the attacking addresses out,
//! while the owner's right password from a fresh address still works; junk names cannot wipe
//! the count. (A flood of refused attempts folds into one audit row a minute: `flood.rs`.)

use std::time::{Duration, Instant};

use crate::helpers::{GOOD_PASSWORD, TestApp, spawn_app_with};

/// Behind a trusted proxy, so each attempt can come from its own client address.
async fn app() -> TestApp {
    spawn_app_with(|c| {
        c.trusted_proxies = Some(vec!["127.0.0.1".into()]);
        c.login_rate_burst = 1000;
    })
    .await
}

async fn attempt(app: &TestApp, client: &str, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", client)
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .expect("sent")
}

const VARIANTS: [&str; 4] = ["owner", "OWNER", " Owner", "owner  "];

#[tokio::test]
async fn an_attack_on_the_owners_name_locks_the_attackers_out_not_the_owner() {
    let app = app().await;
    app.create_account("owner", "admin", false).await;
    // 40 wrong passwords from four addresses, with variants of the name.
    for n in 0..40 {
        let client = format!("203.0.113.{}", n % 4 + 1);
        let r = attempt(&app, &client, VARIANTS[n % 4], "wrong password guess").await;
        assert!([401, 429].contains(&r.status().as_u16()), "{}", r.status());
    }
    // The attackers' addresses are refused even with the right password...
    let r = attempt(&app, "203.0.113.1", "owner", GOOD_PASSWORD).await;
    assert_eq!(r.status(), 429, "the attacking address stays locked");
    // ...while the owner, from an address with no failures, gets in: slowed a little, no more.
    let started = Instant::now();
    let r = attempt(&app, "198.51.100.9", "Owner", GOOD_PASSWORD).await;
    assert_eq!(
        r.status(),
        200,
        "the owner is never locked out by strangers"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "slowed, capped: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_flood_of_junk_names_does_not_wipe_the_owners_count() {
    let app = app().await;
    app.create_account("owner", "admin", false).await;
    // Six failures: this address is locked out of the name (for a second, this first time).
    for _ in 0..6 {
        attempt(&app, "203.0.113.1", "owner", "wrong password guess").await;
    }
    assert_eq!(
        attempt(&app, "203.0.113.1", "owner", GOOD_PASSWORD)
            .await
            .status(),
        429
    );
    // Junk names from as many addresses (the unit tests fill the whole table: 10,001 names).
    for n in 0..300u32 {
        let client = format!("10.{}.{}.{}", n >> 16, (n >> 8) & 0xff, n & 0xff);
        attempt(&app, &client, &format!("junk{n}"), "x").await;
    }
    // The count survived: the next failure escalates the lock (a wiped count would lock nothing),
    // and even the right password is refused from there.
    let r = attempt(&app, "203.0.113.1", "owner", "wrong password guess").await;
    assert_eq!(r.status(), 401);
    let last = app
        .audit_actions("auth.login")
        .await
        .into_iter()
        .filter(|e| e.ip.as_deref() == Some("203.0.113.1"))
        .max_by_key(|e| e.id)
        .and_then(|e| e.details)
        .expect("audited");
    assert!(last.contains("\"locked_for_secs\":2"), "{last}");
    assert_eq!(
        attempt(&app, "203.0.113.1", "owner", GOOD_PASSWORD)
            .await
            .status(),
        429
    );
}
