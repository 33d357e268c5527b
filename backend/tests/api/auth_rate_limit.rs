//! The `RateLimit-*` headers on sign-in answers (the only limited operation): the client's
//! per-address quota on every answer, success or failure, and `Retry-After` with nothing left on
//! a 429.

use crate::helpers::{GOOD_PASSWORD, header, spawn_app_with};

fn number(response: &reqwest::Response, name: &str) -> u64 {
    header(response, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is an integer"))
}

#[tokio::test]
async fn sign_in_answers_carry_the_quota_and_remaining_counts_down_to_a_429() {
    let app = spawn_app_with(|c| {
        c.login_rate_burst = 3;
        c.login_rate_period_secs = 60;
    })
    .await;
    app.create_account("alice", "moderator", false).await;

    let ok = app.login_response("alice", GOOD_PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(number(&ok, "ratelimit-limit"), 3);
    assert_eq!(number(&ok, "ratelimit-remaining"), 2);
    let reset = number(&ok, "ratelimit-reset");
    assert!(
        (1..=60).contains(&reset),
        "one attempt back within a period: {reset}"
    );

    let failed = app.login_response("alice", "wrong password here").await;
    assert_eq!(failed.status(), 401);
    assert_eq!(number(&failed, "ratelimit-limit"), 3);
    assert_eq!(number(&failed, "ratelimit-remaining"), 1);
    assert!(number(&failed, "ratelimit-reset") > reset);

    let last = app.login_response("alice", "wrong password here").await;
    assert_eq!(last.status(), 401);
    assert_eq!(number(&last, "ratelimit-remaining"), 0);

    let limited = app.login_response("alice", GOOD_PASSWORD).await;
    assert_eq!(limited.status(), 429);
    let retry_after = number(&limited, "retry-after");
    assert!(retry_after > 0);
    assert_eq!(number(&limited, "ratelimit-limit"), 3);
    assert_eq!(number(&limited, "ratelimit-remaining"), 0);
    assert!(
        number(&limited, "ratelimit-reset") >= retry_after,
        "the full quota is back no sooner than the next attempt"
    );
}

#[tokio::test]
async fn a_locked_name_reports_nothing_remaining() {
    let app = spawn_app_with(|c| c.login_rate_burst = 1000).await;
    for _ in 0..6 {
        assert_eq!(
            app.login_response("nobody", "wrong password here")
                .await
                .status(),
            401
        );
    }
    let locked = app.login_response("nobody", "wrong password here").await;
    assert_eq!(locked.status(), 429);
    let retry_after = number(&locked, "retry-after");
    assert_eq!(number(&locked, "ratelimit-remaining"), 0);
    assert!(number(&locked, "ratelimit-reset") >= retry_after);
}
