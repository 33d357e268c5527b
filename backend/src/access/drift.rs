//! Telling `drift.detected`: a sync found a friend's libraries on Plex changed to something
//! Plexward did not apply (someone changed the share on Plex directly). Told once, when the sync
//! sees the change, in the sync's transaction; not again while Plex stays as it is.

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::DriftPolicy;
use serde_json::json;

use crate::access::friend::{Catalog, Friend};
use crate::db::apply_states::ApplyRow;
use crate::notify::{self, Notice};

/// Friend `id`'s libraries on Plex just changed: tells it if they now differ from what
/// Plexward applied.
pub fn tell_if_drifted(conn: &mut SqliteConnection, id: i64, now: i64) -> QueryResult<()> {
    let Some(friend) = Friend::load(conn, id)? else {
        return Ok(());
    };
    if !friend.library_drift() {
        return Ok(());
    }
    let catalog = Catalog::load(conn)?;
    let titles =
        |keys: &[i64]| -> Vec<String> { keys.iter().map(|k| catalog.title_of_key(*k)).collect() };
    let on_plex = titles(&friend.user.actual);
    let applied = titles(
        &friend
            .apply
            .as_ref()
            .and_then(ApplyRow::applied_keys)
            .unwrap_or_default(),
    );
    let policy = crate::settings::plex::load(conn)?.drift_policy;
    let who = plexward_shared::display_name(
        &friend.user.title,
        friend.user.username.as_deref(),
        friend.user.email.as_deref(),
    );
    let listed = |t: &[String]| {
        if t.is_empty() {
            "no library".to_owned()
        } else {
            notify::and_list(t)
        }
    };
    let next = match policy {
        DriftPolicy::Enforce => "Plexward puts it back at the next reconcile.",
        DriftPolicy::Report => "Plexward leaves it as it is (the drift policy is to report).",
    };
    let words = format!(
        "{who}'s libraries were changed on Plex, not by Plexward: Plex has {}, Plexward gave {}. {next}",
        listed(&on_plex),
        listed(&applied),
    );
    let mut notice = Notice::about("drift.detected", &friend.user, on_plex.clone(), words);
    notice.details = json!({"on_plex": on_plex, "applied": applied, "policy": policy});
    notify::record(conn, &notice, now)?;
    Ok(())
}
