//! The delivery worker: records the reminders that came due (`reminders`) and Plex going down
//! or coming back (`plex_health`), and sends the outbox's pending deliveries, each channel on its own task (at
//! most one request in flight per channel, so a slow or dead channel delays nobody else, and
//! never the deadlines, which run elsewhere). A failure is tried again after an exponential
//! back-off with jitter (or the receiver's `Retry-After`), up to [`MAX_ATTEMPTS`], then the
//! delivery is *dead* and shown as such. Every attempt of one event carries the same delivery id,
//! and a delivery cut off by a stop or crash is simply sent again after the restart.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use crate::db::notifications::DeliveryRow;
use crate::db::time::now_ms;
use crate::db::{self, DbPool};
use crate::notify::send::{self, Failure};

/// Attempts before a delivery is dead.
pub const MAX_ATTEMPTS: i64 = 8;
/// The longest wait between two attempts.
const MAX_DELAY_MS: i64 = 3_600_000;
/// How often the worker looks for due deliveries when nothing wakes it.
const TICK: Duration = Duration::from_millis(500);

/// The wait before the next attempt after `attempts` failures in a row: `base · 2^(n-1)`, ±20 %,
/// capped at an hour; a `Retry-After` the receiver gave wins (capped too).
pub fn retry_delay_ms(
    base_ms: u64,
    attempts: i64,
    retry_after: Option<Duration>,
    jitter: f64,
) -> i64 {
    if let Some(after) = retry_after {
        return (after.as_millis() as i64).min(MAX_DELAY_MS);
    }
    let exp = attempts.clamp(1, 30) - 1;
    let delay = (base_ms as i64)
        .saturating_mul(1_i64 << exp.min(40))
        .min(MAX_DELAY_MS);
    ((delay as f64) * (1.0 + 0.2 * jitter.clamp(-1.0, 1.0))) as i64
}

#[derive(Debug, Clone)]
pub struct Deliveries {
    pub pool: DbPool,
    /// Where the key that opens channel secrets is.
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    pub retry_base_ms: u64,
    pub timeout: Duration,
    /// The access clock: reminders are due by it.
    pub clock: crate::clock::SharedClock,
    /// Whether Plex answers: its changes become `plex.unreachable` / `plex.recovered`.
    pub plex: Arc<crate::plex::reachability::Reachability>,
    busy: Arc<Mutex<HashSet<i64>>>,
}

impl Deliveries {
    pub fn new(
        pool: DbPool,
        data_dir: PathBuf,
        retry_base_ms: u64,
        timeout: Duration,
        clock: crate::clock::SharedClock,
        plex: Arc<crate::plex::reachability::Reachability>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Plexward/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            pool,
            data_dir,
            client,
            retry_base_ms,
            timeout,
            clock,
            plex,
            busy: Arc::default(),
        }
    }

    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let now = self.clock.now_ms();
            match db::run(&self.pool, move |conn| super::reminders::pass(conn, now)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "access-ending reminders recorded"),
                Err(e) => tracing::warn!(error = %e, "cannot look for reminders due; trying again"),
            }
            let changes = self.plex.take_changes();
            if !changes.is_empty() {
                let recorded = changes.clone();
                if let Err(e) = db::run(&self.pool, move |conn| {
                    super::plex_health::record(conn, &recorded)
                })
                .await
                {
                    tracing::warn!(error = %e, "cannot record that Plex went down or came back");
                }
            }
            if let Err(e) = self.pass().await {
                tracing::warn!(error = %e, "cannot read the deliveries due; trying again");
            }
            tokio::select! {
                () = tokio::time::sleep(TICK) => {}
                () = crate::notify::waker().notified() => {}
                changed = stop.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Starts a task for each channel with deliveries due and none in flight.
    pub async fn pass(&self) -> Result<(), db::DbError> {
        let due = db::run(&self.pool, |conn| {
            db::notifications::due(conn, now_ms(), 500)
        })
        .await?;
        let mut by_channel: BTreeMap<i64, Vec<DeliveryRow>> = BTreeMap::new();
        for d in due {
            by_channel.entry(d.channel_id).or_default().push(d);
        }
        for (channel, work) in by_channel {
            if !self
                .busy
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(channel)
            {
                continue;
            }
            let me = self.clone();
            tokio::spawn(async move {
                for delivery in work {
                    if let Err(e) = me.attempt(&delivery).await {
                        tracing::warn!(delivery = delivery.id, error = %e, "a delivery could not be recorded");
                    }
                }
                me.busy
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&channel);
                // More may have come due meanwhile.
                crate::notify::wake();
            });
        }
        Ok(())
    }

    /// One attempt of `delivery`, and its outcome recorded.
    async fn attempt(&self, delivery: &DeliveryRow) -> Result<(), db::DbError> {
        let (id, channel_id, event_id) =
            (delivery.id, delivery.channel_id, delivery.event_id.clone());
        let to_friend = delivery.recipient.is_some();
        let (channel, event) = db::run(&self.pool, move |conn| {
            let channel = db::notifications::channel(conn, channel_id)?;
            let Some((event, payload)) = db::notifications::event_payload(conn, &event_id)? else {
                return Ok((channel, None));
            };
            let message = crate::settings::notification_templates::compose(
                conn, &event, &payload, to_friend,
            )?;
            Ok((channel, Some((event, payload, message))))
        })
        .await?;
        let (Some(channel), Some((event, payload, (subject, text)))) = (channel, event) else {
            return Ok(()); // Deleted meanwhile (the delivery went with it).
        };
        let outcome = if channel.enabled {
            let to = crate::settings::notifications::destination(&channel, &self.data_dir);
            let out = send::Outgoing {
                event_id: &delivery.event_id,
                event: &event,
                payload: &payload,
                subject: &subject,
                text: &text,
                recipient: delivery.recipient.as_deref(),
            };
            send::send(&self.client, &to, &out, self.timeout).await
        } else {
            Err(Failure::Config("the channel is disabled".into()))
        };
        let attempts = delivery.attempts + 1;
        let now = now_ms();
        let (state, next, status, error) = match &outcome {
            Ok(status) => ("delivered", now, Some(i64::from(*status)), None),
            Err(f) => {
                let retry_after = match f {
                    Failure::Status { retry_after, .. } => *retry_after,
                    _ => None,
                };
                let dead = attempts >= MAX_ATTEMPTS || matches!(f, Failure::Config(_));
                let jitter: f64 = rand::rng().random_range(-1.0..=1.0);
                let next = now + retry_delay_ms(self.retry_base_ms, attempts, retry_after, jitter);
                tracing::warn!(
                    delivery = id,
                    channel = %channel.name,
                    event = %event,
                    attempts,
                    dead,
                    error = %f,
                    "a notification was not delivered"
                );
                (
                    if dead { "dead" } else { "pending" },
                    next,
                    f.status().map(i64::from),
                    Some(f.to_string()),
                )
            }
        };
        db::run(&self.pool, move |conn| {
            db::notifications::record_attempt(conn, id, state, next, status, error.as_deref(), now)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_honour_retry_after() {
        assert_eq!(retry_delay_ms(2_000, 1, None, 0.0), 2_000);
        assert_eq!(retry_delay_ms(2_000, 3, None, 0.0), 8_000);
        assert_eq!(retry_delay_ms(2_000, 30, None, 0.0), MAX_DELAY_MS);
        assert_eq!(retry_delay_ms(2_000, 1, None, 1.0), 2_400);
        assert_eq!(
            retry_delay_ms(2_000, 5, Some(Duration::from_secs(7)), 1.0),
            7_000
        );
        assert_eq!(
            retry_delay_ms(2_000, 5, Some(Duration::from_secs(86_400)), 0.0),
            MAX_DELAY_MS
        );
    }
}
