//! Where the access logic gets the time. Windows, plans, retries and the deadline tick all ask a
//! [`Clock`], so tests can move time instead of waiting for it (and a clock jump or a suspend is
//! just a larger step between two ticks).

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix milliseconds, UTC.
pub trait Clock: Send + Sync + Debug {
    fn now_ms(&self) -> i64;

    /// A receiver that sees every jump of a clock moved by hand, so sleepers timed on it wake
    /// at once; `None` for the system clock (sleepers cap their sleeps instead).
    fn jumps(&self) -> Option<tokio::sync::watch::Receiver<i64>> {
        None
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicI64,
    jumped: tokio::sync::watch::Sender<i64>,
}

impl ManualClock {
    pub fn new(now_ms: i64) -> Arc<Self> {
        Arc::new(Self {
            now: AtomicI64::new(now_ms),
            jumped: tokio::sync::watch::Sender::new(now_ms),
        })
    }

    pub fn set(&self, now_ms: i64) {
        self.now.store(now_ms, Ordering::SeqCst);
        self.jumped.send_replace(now_ms);
    }

    pub fn advance(&self, ms: i64) {
        let now = self.now.fetch_add(ms, Ordering::SeqCst) + ms;
        self.jumped.send_replace(now);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn jumps(&self) -> Option<tokio::sync::watch::Receiver<i64>> {
        Some(self.jumped.subscribe())
    }
}

/// Waits until the clock behind `jumps` is moved; never returns for a clock that is not moved by
/// hand (use it in a `select!` beside a capped sleep).
pub async fn jumped(jumps: &mut Option<tokio::sync::watch::Receiver<i64>>) {
    if let Some(rx) = jumps
        && rx.changed().await.is_ok()
    {
        return;
    }
    std::future::pending().await
}
