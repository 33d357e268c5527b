//! `plex.unreachable` and `plex.recovered`: a change in whether Plex answers (three failed
//! requests in a row, then the first answer; `plex::reachability`), told once each.

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use serde_json::json;

use crate::notify::{self, Notice, messages};
use crate::plex::PlexHost;
use crate::plex::reachability::Change;

fn host_name(host: PlexHost) -> (&'static str, &'static str) {
    match host {
        PlexHost::Pms => ("pms", "The Plex Media Server"),
        PlexHost::Plextv => ("plex.tv", "plex.tv"),
    }
}

/// Records each change as its event, in one transaction.
pub fn record(conn: &mut SqliteConnection, changes: &[Change]) -> QueryResult<()> {
    conn.immediate_transaction(|conn| {
        let zone = crate::settings::plex::time_zone(conn)?;
        for change in changes {
            let (host, name) = host_name(change.host);
            let minutes = ((change.at_ms - change.since_ms).max(0) / 60_000) as u64;
            let notice = if change.down {
                let mut n = Notice::new(
                    "plex.unreachable",
                    format!(
                        "{name} cannot be reached since {}: {}",
                        messages::when_in_words(change.since_ms, zone),
                        change.error
                    ),
                );
                n.details =
                    json!({"host": host, "error": change.error, "since_ms": change.since_ms});
                n
            } else {
                let after = if minutes == 0 {
                    "less than a minute".to_owned()
                } else {
                    messages::lead_in_words(minutes)
                };
                let mut n = Notice::new(
                    "plex.recovered",
                    format!("{name} answers again, after {after}."),
                );
                n.details = json!({"host": host, "down_ms": change.at_ms - change.since_ms});
                n
            };
            tracing::warn!(host, down = change.down, "{}", notice.summary);
            notify::record(conn, &notice, change.at_ms)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    notify::wake();
    Ok(())
}
