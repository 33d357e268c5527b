//! Who watches. Each sync reads the PMS's watch history since the last read (paged, oldest
//! first; the first read looks back 90 days) and what plays now, and keeps per friend the plays
//! by library and when they last watched. The friends list sorts and filters by that (the read
//! model has it); a friend's page shows their plays in the last 30 and 90 days, per library.
//! Only friends' plays are kept (the owner's and strangers' are not), for a year.

use std::collections::{BTreeMap, HashMap};

use plexward_shared::{FriendActivity, LibraryActivity};
use serde::{Deserialize, Serialize};

use crate::access::friend::Catalog;
use crate::db::plays::{self as rows, NewPlay};
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::plex::{PlexClient, PlexError};

const DAY_MS: i64 = 24 * 3_600_000;
/// How far back the first read looks.
const FIRST_READ_DAYS: i64 = 90;
/// Plays are kept this long.
const KEEP_DAYS: i64 = 365;
/// Plays per history page, and pages per sync (the rest waits for the next sync).
const PAGE: u64 = 200;
const MAX_PAGES: u64 = 50;

/// Where the history was read to.
const READ_KEY: &str = "activity.history";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ReadMark {
    /// The newest `viewedAt` (seconds) read: the next read starts there (plays at that second
    /// are read again and counted once, by their history key).
    through: Option<i64>,
    /// When it was last read (ms).
    read_at: Option<i64>,
    /// How far back the first read looked (ms): since when a friend not seen watching has not
    /// watched, as far as Plexward can tell.
    #[serde(default)]
    started: Option<i64>,
}

/// Since when Plexward can see who watches (ms); none before the first read.
pub fn seen_since(conn: &mut diesel::SqliteConnection) -> diesel::QueryResult<Option<i64>> {
    let mark: ReadMark = db::settings::get(conn, READ_KEY)?;
    Ok(mark.started.filter(|_| mark.read_at.is_some()))
}

#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    #[error("{0}")]
    Plex(#[from] PlexError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What one read brought.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    pub plays: u64,
    pub watching_now: u64,
}

/// Reads the history since the last read and what plays now, and stores the friends' part.
/// `now` is the access clock (ms): when a session seen playing counts as watched.
pub async fn import(
    pool: &DbPool,
    client: &PlexClient,
    now: i64,
) -> Result<Imported, ActivityError> {
    let mark: ReadMark = db::run(pool, |conn| db::settings::get(conn, READ_KEY)).await?;
    let started = mark.started.unwrap_or(now - FIRST_READ_DAYS * DAY_MS);
    let since = mark.through.unwrap_or(started / 1_000);
    let mut plays = Vec::new();
    let mut start = 0;
    for _ in 0..MAX_PAGES {
        let page = client.history_page(since, start, PAGE).await?;
        let got = page.plays.len() as u64;
        plays.extend(page.plays);
        start += got;
        if got == 0 || start >= page.total {
            break;
        }
    }
    // A session without history yet (still playing) counts as watching now.
    let playing = client.sessions().await?;
    let through = plays.iter().map(|p| p.viewed_at).max().or(mark.through);
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let friends = rows::friends_by_account(conn)?;
            let libraries: HashMap<i64, i64> =
                db::libraries::ids_by_key(conn)?.into_iter().collect();
            let friend_of =
                |account: u64| i64::try_from(account).ok().and_then(|a| friends.get(&a));
            let new: Vec<NewPlay> = plays
                .iter()
                .filter_map(|p| {
                    Some(NewPlay {
                        history_key: p.history_key.clone(),
                        plex_user_id: *friend_of(p.account_id)?,
                        library_id: libraries.get(&(p.library.0 as i64)).copied(),
                        viewed_at: p.viewed_at * 1_000,
                        title: p.title.clone(),
                        kind: p.kind.clone(),
                    })
                })
                .collect();
            let added = rows::insert(conn, &new)?;
            // Each friend's newest play moves their last watched time (forward only).
            let mut newest: BTreeMap<i64, (i64, &str)> = BTreeMap::new();
            for p in &new {
                let slot = newest
                    .entry(p.plex_user_id)
                    .or_insert((p.viewed_at, &p.title));
                if p.viewed_at >= slot.0 {
                    *slot = (p.viewed_at, &p.title);
                }
            }
            for (friend, (at, title)) in &newest {
                rows::record_watched(conn, *friend, *at, title)?;
            }
            let mut now_playing: HashMap<i64, String> = HashMap::new();
            for session in &playing {
                if let Some(friend) = friend_of(session.account_id) {
                    rows::record_watched(conn, *friend, now, &session.title)?;
                    now_playing.insert(*friend, session.title.clone());
                }
            }
            rows::set_watching_now(conn, &now_playing)?;
            rows::forget_before(conn, now - KEEP_DAYS * DAY_MS)?;
            db::settings::put(
                conn,
                READ_KEY,
                &ReadMark {
                    through,
                    read_at: Some(now),
                    started: Some(started),
                },
            )?;
            Ok(Imported {
                plays: added as u64,
                watching_now: now_playing.len() as u64,
            })
        })
    })
    .await
    .map_err(ActivityError::from)
}

/// Friend `id`'s activity as of `now` (access clock, ms).
pub async fn of_friend(pool: &DbPool, id: i64, now: i64) -> Result<FriendActivity, DbError> {
    db::run(pool, move |conn| {
        let catalog = Catalog::load(conn)?;
        let (last_watched_at, last_title, watching_now) = rows::activity_of(conn, id)?
            .map_or((None, None, None), |(at, title, now)| {
                (Some(at), title, now)
            });
        let recent = rows::plays_since(conn, id, now - 90 * DAY_MS)?;
        let mut by_library: BTreeMap<Option<i64>, LibraryActivity> = BTreeMap::new();
        let entry = |library: Option<i64>| LibraryActivity {
            library_id: library,
            title: library.map_or_else(
                || "A library no longer on the server".to_owned(),
                |l| catalog.title_of(l),
            ),
            plays_30_days: 0,
            plays_90_days: 0,
            last_watched_at: None,
        };
        let month_ago = now - 30 * DAY_MS;
        for (library, at) in &recent {
            let row = by_library
                .entry(*library)
                .or_insert_with(|| entry(*library));
            row.plays_90_days += 1;
            if *at >= month_ago {
                row.plays_30_days += 1;
            }
        }
        for (library, last) in rows::last_by_library(conn, id)? {
            by_library
                .entry(library)
                .or_insert_with(|| entry(library))
                .last_watched_at = last.map(from_ms);
        }
        let mut libraries: Vec<LibraryActivity> = by_library.into_values().collect();
        libraries.sort_by(|a, b| {
            (b.plays_90_days, b.last_watched_at).cmp(&(a.plays_90_days, a.last_watched_at))
        });
        let mark: ReadMark = db::settings::get(conn, READ_KEY)?;
        Ok(FriendActivity {
            last_watched_at: last_watched_at.map(from_ms),
            last_title,
            watching_now,
            plays_30_days: recent.iter().filter(|(_, at)| *at >= month_ago).count() as u64,
            plays_90_days: recent.len() as u64,
            libraries,
            read_at: mark.read_at.map(from_ms),
        })
    })
    .await
}

/// Whether a friend last seen watching at `last` (ms; none: never) has been inactive for
/// `days` at `now`.
pub fn inactive_for(last: Option<i64>, days: u32, now: i64) -> bool {
    last.is_none_or(|at| now - at >= i64::from(days) * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inactive_means_not_seen_for_the_days_or_never() {
        let now = 100 * DAY_MS;
        assert!(inactive_for(None, 30, now));
        assert!(inactive_for(Some(now - 30 * DAY_MS), 30, now));
        assert!(!inactive_for(Some(now - 30 * DAY_MS + 1), 30, now));
        assert!(!inactive_for(Some(now), 1, now));
    }
}
