//! Bounded growth: a flood of anonymous bad sign-ins, bad tokens and 403s adds a bounded number
//! of audit rows (refusals from one address fold into one row per minute, with a count), and the
//! numbers are printed.

use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;
use futures_util::StreamExt;
use reqwest::Method;

use crate::helpers::{TestApp, spawn_app};

const SIGN_INS: usize = 10_000;
const BAD_TOKENS: usize = 2_000;
const FORBIDDEN: usize = 2_000;
/// Requests in flight at once.
const AT_ONCE: usize = 32;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// (audit rows, refusals they count, bytes of the database).
async fn measure(app: &TestApp) -> (i64, i64, i64) {
    plexward::db::run(&app.db, |conn| {
        let one = |conn: &mut diesel::SqliteConnection, sql: &str| {
            diesel::sql_query(sql)
                .get_result::<Count>(conn)
                .map(|c| c.n)
        };
        Ok((
            one(conn, "SELECT COUNT(*) AS n FROM audit_events")?,
            one(
                conn,
                "SELECT COALESCE(SUM(count), 0) AS n FROM audit_events",
            )?,
            one(
                conn,
                "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()",
            )?,
        ))
    })
    .await
    .expect("measured")
}

#[tokio::test]
async fn a_flood_of_refusals_grows_the_database_by_a_bounded_amount() {
    let app = spawn_app().await;
    let auditor = app.token_for("flood-auditor", "auditor").await;
    let admin = app.token_for("flood-admin", "admin").await;
    let before = measure(&app).await;
    let started = std::time::Instant::now();

    let app = &app;
    let statuses: Vec<u16> = futures_util::stream::iter(0..SIGN_INS + BAD_TOKENS + FORBIDDEN)
        .map(|i| {
            let auditor = auditor.clone();
            async move {
                let request = if i < SIGN_INS {
                    app.client.post(app.url("/api/v1/auth/login")).json(
                        &serde_json::json!({"username": format!("nobody{i}"), "password": "wrong guess here"}),
                    )
                } else if i < SIGN_INS + BAD_TOKENS {
                    app.bearer(Method::GET, "/api/v1/plex-users", &format!("pwt_bogus{i}"))
                } else {
                    app.bearer(Method::POST, "/api/v1/sync", &auditor)
                };
                request.send().await.map_or(0, |r| r.status().as_u16())
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let took = started.elapsed();
    // 403s are recorded in the background: wait until every refusal is counted.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let after = loop {
        let now = measure(app).await;
        if now.1 - before.1 >= (SIGN_INS + FORBIDDEN) as i64 || std::time::Instant::now() > deadline
        {
            break now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let (rows, counted, bytes) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    eprintln!(
        "flood: {} requests in {took:?} ({SIGN_INS} bad sign-ins, {throttled} of them throttled; \
         {BAD_TOKENS} bad tokens; {FORBIDDEN} 403s) → {rows} new audit rows counting {counted} \
         refusals, database +{} KiB",
        statuses.len(),
        bytes / 1024,
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 403 | 429)),
        "only refusals"
    );
    assert!(throttled > SIGN_INS / 2, "the sign-in throttle held");
    // Each minute of the flood: one row per kind of refusal (throttled sign-ins, 403s), plus the
    // failed sign-ins before the throttle closed. The run takes a few minutes at most.
    let minutes = took.as_secs() as i64 / 60 + 2;
    assert!(
        rows <= 40 + 2 * minutes,
        "{rows} rows for {} refusals",
        statuses.len()
    );
    assert!(bytes < 512 * 1024, "the database grew by {bytes} bytes");

    assert_eq!(
        counted,
        (SIGN_INS + FORBIDDEN) as i64,
        "every audited refusal is counted"
    );
    // The trail says how many each folded event stands for.
    let (status, page) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=auth.login&outcome=denied",
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let folded: u64 = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["count"].as_u64())
        .sum();
    assert_eq!(
        folded as usize, throttled,
        "every throttled sign-in is counted"
    );
}
