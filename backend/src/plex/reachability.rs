//! Whether Plex answers: every request's outcome, per host, so that a Plex that stops answering
//! (three failures in a row: no connection, no answer in time, or a 5xx) and answers again can be
//! told once each (`plex.unreachable`, `plex.recovered`). One per connection, shared by every
//! client built from it, like the limiter; the notification worker takes the changes.

use std::sync::Mutex;

use super::error::{PlexError, PlexHost};

/// Failures in a row before a host counts as unreachable.
pub const FAILURES_TO_BE_DOWN: u32 = 3;

/// A host went down or came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub host: PlexHost,
    /// `true`: it stopped answering; `false`: it answers again.
    pub down: bool,
    /// When the failures began (Unix ms).
    pub since_ms: i64,
    pub at_ms: i64,
    /// The last failure, in words.
    pub error: String,
}

#[derive(Debug, Default)]
struct HostState {
    failures: u32,
    since_ms: i64,
    down: bool,
    error: String,
}

#[derive(Debug, Default)]
struct State {
    pms: HostState,
    plextv: HostState,
    changes: Vec<Change>,
}

#[derive(Debug, Default)]
pub struct Reachability {
    state: Mutex<State>,
}

/// Whether an error means the host did not answer (not that it refused).
fn unreachable(e: &PlexError) -> bool {
    match e {
        PlexError::Transport { .. } | PlexError::Timeout { .. } => true,
        PlexError::Server { status, .. } => *status >= 500,
        _ => false,
    }
}

impl Reachability {
    /// Records one request's outcome at `now` (Unix ms).
    pub fn record(&self, host: PlexHost, outcome: Result<(), &PlexError>, now: i64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let State {
            pms,
            plextv,
            changes,
        } = &mut *state;
        let h = match host {
            PlexHost::Pms => pms,
            PlexHost::Plextv => plextv,
        };
        match outcome {
            Err(e) if unreachable(e) => {
                if h.failures == 0 {
                    h.since_ms = now;
                }
                h.failures += 1;
                h.error = e.to_string();
                if h.failures >= FAILURES_TO_BE_DOWN && !h.down {
                    h.down = true;
                    changes.push(Change {
                        host,
                        down: true,
                        since_ms: h.since_ms,
                        at_ms: now,
                        error: h.error.clone(),
                    });
                }
            }
            // A refusal is an answer: the host is there.
            _ => {
                if h.down {
                    changes.push(Change {
                        host,
                        down: false,
                        since_ms: h.since_ms,
                        at_ms: now,
                        error: std::mem::take(&mut h.error),
                    });
                }
                *h = HostState::default();
            }
        }
    }

    /// The changes since the last call, oldest first.
    pub fn take_changes(&self) -> Vec<Change> {
        std::mem::take(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()).changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down() -> PlexError {
        PlexError::Timeout {
            host: PlexHost::Pms,
        }
    }

    #[test]
    fn three_failures_in_a_row_are_down_once_and_one_answer_is_back() {
        let r = Reachability::default();
        r.record(PlexHost::Pms, Err(&down()), 1);
        r.record(PlexHost::Pms, Err(&down()), 2);
        r.record(PlexHost::Pms, Ok(()), 3);
        assert!(
            r.take_changes().is_empty(),
            "two failures then an answer: nothing"
        );
        for t in 10..15 {
            r.record(PlexHost::Pms, Err(&down()), t);
        }
        let changes = r.take_changes();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].down && changes[0].since_ms == 10 && changes[0].at_ms == 12);
        // plex.tv answering says nothing about the PMS.
        r.record(PlexHost::Plextv, Ok(()), 20);
        assert!(r.take_changes().is_empty());
        let refused = PlexError::Unauthorized {
            host: PlexHost::Pms,
        };
        r.record(PlexHost::Pms, Err(&refused), 30);
        let changes = r.take_changes();
        assert_eq!(changes.len(), 1);
        assert!(!changes[0].down && changes[0].since_ms == 10 && changes[0].at_ms == 30);
        assert!(changes[0].error.contains("did not answer in time"));
    }

    #[test]
    fn a_4xx_is_an_answer_and_a_5xx_is_not() {
        let r = Reachability::default();
        let e = PlexError::Server {
            host: PlexHost::Plextv,
            status: 503,
        };
        for t in 0..3 {
            r.record(PlexHost::Plextv, Err(&e), t);
        }
        assert_eq!(r.take_changes().len(), 1);
    }
}
