//! Prunes the audit trail: refusals after `audit_noise_retention_days`, every other event after
//! `audit_retention_days` (0 = never), access changes never (`db::audit::KEPT_FOREVER`; the
//! schema's trigger holds floors of a day and a year whatever the configuration says). At start,
//! then hourly. What it deleted is itself an audit event (`audit.pruned`).

use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use crate::audit::{Actor, Event, Outcome};
use crate::db::time::now_ms;
use crate::db::{self, DbPool};

const EVERY: Duration = Duration::from_secs(3_600);
const DAY_MS: i64 = 86_400_000;

/// How long the trail keeps what.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub noise_days: u32,
    /// 0 = forever.
    pub others_days: u32,
}

impl Retention {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            noise_days: config.audit_noise_retention_days,
            others_days: config.audit_retention_days,
        }
    }
}

/// One pass: deletes what is past its retention at `now` (Unix ms); how many refusals and others.
pub async fn prune_once(
    pool: &DbPool,
    retention: Retention,
    now: i64,
) -> Result<(usize, usize), db::DbError> {
    let denied_before = now - i64::from(retention.noise_days) * DAY_MS;
    let others_before =
        (retention.others_days > 0).then(|| now - i64::from(retention.others_days) * DAY_MS);
    let pruned = db::run(pool, move |conn| {
        db::audit::prune(conn, denied_before, others_before)
    })
    .await?;
    if pruned != (0, 0) {
        tracing::info!(
            refusals = pruned.0,
            others = pruned.1,
            "pruned the audit trail"
        );
        Event::new("audit.pruned", Outcome::Success, &Actor::system())
            .details(json!({
                "refusals": pruned.0,
                "others": pruned.1,
                "noise_retention_days": retention.noise_days,
                "retention_days": retention.others_days,
            }))
            .record(pool)
            .await;
    }
    Ok(pruned)
}

/// Runs until `stop` turns true.
pub async fn run(pool: DbPool, retention: Retention, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = prune_once(&pool, retention, now_ms()).await {
            tracing::warn!(error = %e, "could not prune the audit trail; trying again in an hour");
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
        if *stop.borrow() {
            return;
        }
    }
}
