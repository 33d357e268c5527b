//! Reminders before access ends (`access.ending`): each pass finds the windows that have begun
//! and end within a lead (one indexed range query per lead), and tells each friend's channels
//! once per (friend, window end, lead) — recorded in the same transaction as the event, so a
//! restart, a reconcile, a clock jump or an edit never sends one twice. A window extended past
//! the lead has a new end (a new reminder later); a window shorter than the lead is reminded of
//! at its start.

use std::collections::BTreeMap;

use diesel::SqliteConnection;
use diesel::result::QueryResult;

use crate::access::friend::Catalog;
use crate::db;
use crate::notify::{self, Notice};

/// Sends the reminders due at `now` (access clock); how many.
pub fn pass(conn: &mut SqliteConnection, now: i64) -> QueryResult<usize> {
    let leads = crate::settings::notifications::load_settings(conn)?.reminder_leads_minutes;
    if leads.is_empty() {
        return Ok(0);
    }
    let mut sent = 0;
    let mut catalog = None;
    for lead in leads {
        let rows = db::notifications::ending_within(conn, now, i64::from(lead) * 60_000)?;
        if rows.is_empty() {
            continue;
        }
        let mut windows: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
        for (friend, library, ends_at) in rows {
            windows.entry((friend, ends_at)).or_default().push(library);
        }
        for ((friend, ends_at), libraries) in windows {
            conn.immediate_transaction(|conn| {
                if !db::notifications::mark_reminded(conn, friend, ends_at, i64::from(lead), now)? {
                    return Ok(());
                }
                let Some(user) = db::plex_users::find(conn, friend)? else {
                    return Ok(());
                };
                if catalog.is_none() {
                    catalog = Some(Catalog::load(conn)?);
                }
                let catalog = catalog.as_ref().expect("loaded");
                let titles: Vec<String> = libraries.iter().map(|l| catalog.title_of(*l)).collect();
                let when = db::time::from_ms(ends_at)
                    .with_timezone(&catalog.time_zone())
                    .format("%A %-d %B at %H:%M")
                    .to_string();
                let who = plexward_shared::display_name(
                    &user.title,
                    user.username.as_deref(),
                    user.email.as_deref(),
                )
                .to_owned();
                let words = format!(
                    "{who}'s access to {} ends on {when}.",
                    notify::and_list(&titles)
                );
                let mut notice = Notice::about("access.ending", &user, titles, words);
                notice.ends_at = Some(ends_at);
                notice.details = serde_json::json!({"lead_minutes": lead});
                notify::record(conn, &notice, now)?;
                sent += 1;
                Ok::<_, diesel::result::Error>(())
            })?;
        }
    }
    Ok(sent)
}
