//! The live feed of log lines behind `GET /api/v1/logs/stream`: every line written to `app.log`
//! is published here with a sequence number. Subscribers get the recent lines after the one they
//! last saw (a reconnect with `Last-Event-ID` misses nothing still in memory), then every new
//! line. A subscriber that falls behind catches up from the recent lines instead of losing them;
//! one that disconnects costs nothing (its receiver is dropped).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use plexward_shared::{LogEntry, LogLevel};
use tokio::sync::broadcast;

/// Lines kept for reconnects and slow subscribers.
const RECENT: usize = 2_000;
/// Lines a subscriber may fall behind before it has to catch up from [`RECENT`].
const CHANNEL: usize = 512;

/// One published line.
#[derive(Debug)]
pub struct HubLine {
    pub id: u64,
    pub level: LogLevel,
    /// The line as a Server-Sent Event (`id:` and `data:`), formatted once for every subscriber.
    pub frame: bytes::Bytes,
}

#[derive(Debug)]
pub struct LogHub {
    inner: Mutex<Inner>,
    sender: broadcast::Sender<Arc<HubLine>>,
}

#[derive(Debug)]
struct Inner {
    next_id: u64,
    recent: VecDeque<Arc<HubLine>>,
}

impl Default for LogHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LogHub {
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                next_id: 1,
                recent: VecDeque::with_capacity(RECENT),
            }),
            sender: broadcast::channel(CHANNEL).0,
        }
    }

    /// The process's hub, which the log writer feeds (the subscriber is process-wide too).
    pub fn global() -> Arc<LogHub> {
        static HUB: OnceLock<Arc<LogHub>> = OnceLock::new();
        HUB.get_or_init(|| Arc::new(LogHub::new())).clone()
    }

    /// Publishes a parsed line. Must not log (it runs inside the log writer).
    pub fn publish(&self, entry: &LogEntry) {
        let json = serde_json::to_string(entry).unwrap_or_default();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let id = inner.next_id;
        let line = Arc::new(HubLine {
            id,
            level: entry.level,
            frame: bytes::Bytes::from(format!("id: {id}\ndata: {json}\n\n")),
        });
        inner.next_id += 1;
        if inner.recent.len() == RECENT {
            inner.recent.pop_front();
        }
        inner.recent.push_back(line.clone());
        // Sent under the lock, so a subscriber (which subscribes under it) sees each line once:
        // either in its catch-up or on its receiver. No receivers is not an error.
        let _ = self.sender.send(line);
    }

    /// The recent lines after `after` (none when `None`: a new client starts from now), and a
    /// receiver for every line published from here on.
    pub fn subscribe(
        &self,
        after: Option<u64>,
    ) -> (Vec<Arc<HubLine>>, broadcast::Receiver<Arc<HubLine>>) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let backlog = match after {
            None => Vec::new(),
            Some(after) => inner
                .recent
                .iter()
                .filter(|l| l.id > after)
                .cloned()
                .collect(),
        };
        (backlog, self.sender.subscribe())
    }

    /// The recent lines after `after`: how a subscriber that fell behind catches up.
    pub fn since(&self, after: u64) -> Vec<Arc<HubLine>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .recent
            .iter()
            .filter(|l| l.id > after)
            .cloned()
            .collect()
    }

    /// The id the next line will get.
    pub fn next_id(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).next_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(message: &str, level: LogLevel) -> LogEntry {
        LogEntry {
            timestamp: "t".into(),
            level,
            target: "x".into(),
            message: message.into(),
            fields: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_subscriber_gets_new_lines_and_a_reconnect_gets_what_it_missed() {
        let hub = LogHub::new();
        hub.publish(&entry("before", LogLevel::Info));
        let (backlog, mut rx) = hub.subscribe(None);
        assert!(backlog.is_empty(), "a new client starts from now");
        hub.publish(&entry("one", LogLevel::Warn));
        let got = rx.recv().await.expect("test set-up");
        assert_eq!(got.id, 2);
        assert_eq!(got.level, LogLevel::Warn);
        let frame = std::str::from_utf8(&got.frame).expect("utf-8");
        assert!(frame.starts_with("id: 2\ndata: {"), "{frame}");
        assert!(
            frame.contains("\"one\"") && frame.ends_with("}\n\n"),
            "{frame}"
        );
        drop(rx);

        hub.publish(&entry("two", LogLevel::Info));
        hub.publish(&entry("three", LogLevel::Info));
        let (backlog, _rx) = hub.subscribe(Some(2));
        let ids: Vec<u64> = backlog.iter().map(|l| l.id).collect();
        assert_eq!(ids, [3, 4]);
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_catches_up_without_losing_lines() {
        let hub = LogHub::new();
        let (_, mut rx) = hub.subscribe(None);
        for n in 0..(CHANNEL + 100) {
            hub.publish(&entry(&format!("l{n}"), LogLevel::Info));
        }
        let lagged = rx.recv().await;
        assert!(matches!(
            lagged,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
        let all = hub.since(0);
        assert_eq!(all.len(), CHANNEL + 100);
        assert_eq!(all.first().expect("test set-up").id, 1);
    }

    #[test]
    fn only_the_recent_lines_are_kept() {
        let hub = LogHub::new();
        for n in 0..(RECENT + 5) {
            hub.publish(&entry(&format!("l{n}"), LogLevel::Info));
        }
        let all = hub.since(0);
        assert_eq!(all.len(), RECENT);
        assert_eq!(all.first().expect("test set-up").id, 6);
        assert_eq!(hub.next_id(), RECENT as u64 + 6);
    }
}
