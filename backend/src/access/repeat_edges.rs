//! The stored next edge of every weekly grant (`grant_next_edges`), which the deadline worker
//! wakes for and advances: one row per grant, never a calendar. Recomputed for a friend when
//! their grants are saved, for the friends a deadline pass handled, and for everyone at start,
//! when the clock went backwards, or when the server's time zone changed.

use diesel::prelude::*;

use crate::access::recurrence::{Days, Weekly};
use crate::db;
use crate::db::plex_users::Repeat;

/// The rule of a stored weekly grant, read in `zone` (`None` for a rule the database holds
/// but this version refuses: it is then never on).
pub fn weekly(repeat: &Repeat, zone: chrono_tz::Tz) -> Option<Weekly> {
    Weekly::new(
        Days(repeat.days),
        repeat.from,
        repeat.to,
        repeat.first_date,
        repeat.last_date,
        zone,
    )
    .ok()
}

/// Recomputes the next edges after `now` of the weekly grants of `friends` (`None`: everyone).
pub fn refresh(conn: &mut SqliteConnection, friends: Option<&[i64]>, now: i64) -> QueryResult<()> {
    let zone = crate::settings::plex::time_zone(conn)?;
    let edges: Vec<(i64, i64, i64)> = db::plex_users::repeating_grants(conn, friends)?
        .into_iter()
        .filter_map(|(grant, friend, repeat)| {
            let at = weekly(&repeat, zone)?.next_edge_after(now)?;
            Some((grant, friend, at))
        })
        .collect();
    db::grant_edges::replace_weekly(conn, friends, &edges)
}
