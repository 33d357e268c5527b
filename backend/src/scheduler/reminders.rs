//! Reminders before access ends (`access.ending`): each pass finds the windows that have begun
//! and end within a lead (one indexed range query per lead), and tells each friend's channels
//! once per (friend, window end, lead) — recorded in the same transaction as the event, so a
//! restart, a reconcile, a clock jump or an edit never sends one twice. A window extended past
//! the lead has a new end (a new reminder later); a window shorter than the lead is reminded of
//! at its start.

use std::collections::{BTreeMap, BTreeSet};

use diesel::SqliteConnection;
use diesel::result::QueryResult;

use crate::access::friend::Catalog;
use crate::db;
use crate::notify::{self, Notice, messages};

/// Sends the reminders due at `now` (access clock); how many.
pub fn pass(conn: &mut SqliteConnection, now: i64) -> QueryResult<usize> {
    let settings = crate::settings::notifications::load_settings(conn)?;
    // A friend given a plan with its own leads is reminded at those instead.
    let own_leads = db::plex_users::plan_reminder_leads(conn)?;
    let leads: BTreeSet<u32> = settings
        .reminder_leads_minutes
        .iter()
        .chain(own_leads.values().flatten())
        .copied()
        .collect();
    let mut sent = 0;
    let mut catalog = None;
    let mut friends_channel = None;
    for lead in leads.into_iter().rev() {
        let rows = db::notifications::ending_within(conn, now, i64::from(lead) * 60_000)?;
        let mut windows: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
        for (friend, library, ends_at) in rows {
            let leads = own_leads
                .get(&friend)
                .unwrap_or(&settings.reminder_leads_minutes);
            if leads.contains(&lead) {
                windows.entry((friend, ends_at)).or_default().push(library);
            }
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
                    friends_channel = crate::settings::notifications::friends_channel(
                        conn,
                        settings.friend_email_channel_id,
                    )?;
                }
                let catalog = catalog.as_ref().expect("loaded");
                let titles: Vec<String> = libraries.iter().map(|l| catalog.title_of(*l)).collect();
                let who = plexward_shared::display_name(
                    &user.title,
                    user.username.as_deref(),
                    user.email.as_deref(),
                )
                .to_owned();
                let words = format!(
                    "{who}'s access to {} ends on {}.",
                    notify::and_list(&titles),
                    messages::when_in_words(ends_at, catalog.time_zone())
                );
                let mut notice = Notice::about("access.ending", &user, titles.clone(), words);
                notice.ends_at = Some(ends_at);
                notice.details = serde_json::json!({"lead_minutes": lead});
                notify::record(conn, &notice, now)?;
                if let (Some(channel), Some(email)) = (friends_channel, user.email.as_deref())
                    && !email.trim().is_empty()
                {
                    remind_friend(conn, &user, email, channel, notice, catalog, now)?;
                }
                sent += 1;
                Ok::<_, diesel::result::Error>(())
            })?;
        }
    }
    Ok(sent)
}

/// The friend's own reminder, in their zone, unless they opted out.
fn remind_friend(
    conn: &mut SqliteConnection,
    user: &db::plex_users::PlexUser,
    email: &str,
    channel: i64,
    mut notice: Notice,
    catalog: &Catalog,
    now: i64,
) -> QueryResult<()> {
    let (wanted, zone) = crate::settings::notifications::friend_wants_email(conn, user.id)?;
    if !wanted {
        return Ok(());
    }
    let zone: chrono_tz::Tz = zone
        .and_then(|z| z.parse().ok())
        .unwrap_or(catalog.time_zone());
    let ends_at = notice.ends_at.unwrap_or(now);
    notice.summary = format!(
        "Your access to {} ends on {}.",
        notify::and_list(&notice.libraries),
        messages::when_in_words(ends_at, zone)
    );
    notice.details["time_zone"] = serde_json::json!(zone.name());
    notice.details["audience"] = serde_json::json!("friend");
    notify::record_to(conn, &notice, channel, email, now)?;
    Ok(())
}
