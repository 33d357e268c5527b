//! The budget of live streams (Server-Sent Events: `/logs/stream`, `/audit/stream`): a few per
//! account and a bounded number in all, so one token cannot open thousands and take the process
//! past its file-descriptor limit. A stream holds a [`Slot`] for as long as it runs; the slot is
//! given back when the stream's body is dropped (the client went away, or its lifetime ended).
//!
//! A stream whose client stopped reading is no longer polled, so it cannot end itself; its slot
//! stops counting once the stream would have ended anyway ([`STREAM_LIFETIME`] and a grace), so
//! a few stalled tabs never lock their account out of the live views.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt as _};

/// How long one stream lasts before the client reconnects (and is authenticated again).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// A comment this often keeps proxies from closing an idle stream.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Past its lifetime by this much, a slot is taken for a stalled stream and stops counting.
const STALLED_GRACE: Duration = Duration::from_secs(60);

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The account holds its `limit` streams already.
    Account { limit: u32 },
    /// The server holds `limit` streams in all.
    Server { limit: u32 },
}

impl Full {
    /// The refusal in words, for the 429.
    pub fn message(self) -> String {
        match self {
            Full::Account { limit } => format!(
                "you have {limit} live streams open already (the most one account may): close a tab that shows the live log or audit trail"
            ),
            Full::Server { limit } => {
                format!("the server has {limit} live streams open (its limit): try again shortly")
            }
        }
    }
}

#[derive(Debug)]
pub struct LiveStreams {
    per_account: u32,
    total: u32,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    next_id: u64,
    /// Slot id → (account, when it was taken).
    slots: HashMap<u64, (i64, Instant)>,
}

impl Open {
    /// Forgets slots of streams that should have ended long ago (stalled, see the module).
    fn forget_stalled(&mut self, now: Instant) {
        self.slots
            .retain(|_, (_, taken)| now.duration_since(*taken) < STREAM_LIFETIME + STALLED_GRACE);
    }
}

/// One open stream's place in the budget, given back on drop.
#[derive(Debug)]
pub struct Slot {
    id: u64,
    streams: Arc<LiveStreams>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.streams.lock().slots.remove(&self.id);
    }
}

impl LiveStreams {
    pub fn new(per_account: u32, total: u32) -> Self {
        Self {
            per_account,
            total,
            open: Mutex::new(Open::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for a new stream of `account`, or why there is none.
    pub fn open(self: &Arc<Self>, account: i64) -> Result<Slot, Full> {
        let mut open = self.lock();
        open.forget_stalled(Instant::now());
        if open.slots.len() >= self.total as usize {
            return Err(Full::Server { limit: self.total });
        }
        let mine = open.slots.values().filter(|(a, _)| *a == account).count();
        if mine >= self.per_account as usize {
            return Err(Full::Account {
                limit: self.per_account,
            });
        }
        open.next_id += 1;
        let id = open.next_id;
        open.slots.insert(id, (account, Instant::now()));
        Ok(Slot {
            id,
            streams: self.clone(),
        })
    }

    /// Streams open now.
    #[cfg(test)]
    fn count(&self) -> usize {
        self.lock().slots.len()
    }
}

/// The `text/event-stream` answer sending `frames`, holding `slot` until the stream ends.
pub fn response(slot: Slot, frames: impl Stream<Item = Bytes> + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression would buffer the events: the stream must go out as written.
        .insert_header(header::ContentEncoding::Identity)
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(frames.map(move |frame| {
            let _held = &slot;
            Ok::<_, actix_web::Error>(frame)
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_account_and_in_all_and_gives_slots_back() {
        let streams = Arc::new(LiveStreams::new(2, 3));
        let a1 = streams.open(1).expect("first");
        let _a2 = streams.open(1).expect("second");
        assert_eq!(streams.open(1).err(), Some(Full::Account { limit: 2 }));
        let _b1 = streams.open(2).expect("another account");
        assert_eq!(streams.open(3).err(), Some(Full::Server { limit: 3 }));
        drop(a1);
        assert_eq!(streams.count(), 2);
        assert!(
            streams.open(1).is_ok(),
            "a closed stream gives its slot back"
        );
    }

    #[test]
    fn a_stalled_streams_slot_stops_counting_after_its_lifetime() {
        let streams = LiveStreams::new(1, 10);
        let mut open = streams.lock();
        let now = Instant::now();
        open.slots.insert(1, (7, now));
        open.forget_stalled(now + STREAM_LIFETIME + STALLED_GRACE);
        assert!(open.slots.is_empty());
    }
}
