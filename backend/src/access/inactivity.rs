//! The inactivity policy: a friend who has not watched for the policy's days (by the watch
//! history the syncs read) is reminded some days before, then their access ends, or they are
//! removed from the owner's Plex friends as well. Unless the policy is automatic, the owner
//! confirms each due friend (`act`), after the same preview every bulk change has; automatic
//! actions run after a sync, as the system. Reminders and "due" notices go out once per stretch
//! of inactivity; a friend who watches again starts a new one.
//!
//! Only friends with access now or later count (not departed, not Home users). A friend never
//! seen watching counts from when Plexward could first see (the first read looked 90 days
//! back) or from when they became a friend, whichever is later.

use plexward_shared::{
    EndPolicy, INACTIVE_DAYS_MAX, INACTIVE_DAYS_MIN, InactiveFriend, InactivityAction,
    InactivityPolicy, InactivityReport, InactivityStage, RequestFriend,
};
use serde_json::json;

use crate::access::activity;
use crate::access::applier::Applier;
use crate::access::change::{self, Also, BulkOutcome, ChangeError};
use crate::access::friend::{Catalog, Friend};
use crate::access::grants::{self, FieldErrors};
use crate::audit::{Actor, Event, Outcome};
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::notify::{self, Notice, messages};

const DAY_MS: i64 = 24 * 3_600_000;
const POLICY_KEY: &str = "inactivity.policy";

#[derive(Debug, thiserror::Error)]
pub enum InactivityError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    Db(#[from] DbError),
}

pub fn load(conn: &mut diesel::SqliteConnection) -> diesel::QueryResult<InactivityPolicy> {
    db::settings::get(conn, POLICY_KEY)
}

pub async fn get(pool: &DbPool) -> Result<InactivityPolicy, DbError> {
    db::run(pool, load).await
}

/// Why a policy cannot be saved, per field.
fn check(policy: &InactivityPolicy) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if !(INACTIVE_DAYS_MIN..=INACTIVE_DAYS_MAX).contains(&policy.days) {
        errors.insert(
            "days".into(),
            format!("between {INACTIVE_DAYS_MIN} and {INACTIVE_DAYS_MAX}"),
        );
    } else if policy.remind_days_before >= policy.days {
        errors.insert(
            "remind_days_before".into(),
            format!("fewer than the {} days", policy.days),
        );
    }
    errors
}

/// Saves the policy (admins), audited as `settings.inactivity_update`.
pub async fn save(
    pool: &DbPool,
    actor: &Actor,
    policy: InactivityPolicy,
) -> Result<InactivityPolicy, InactivityError> {
    let errors = check(&policy);
    if !errors.is_empty() {
        return Err(InactivityError::Invalid(errors));
    }
    let actor = actor.clone();
    let saved = policy.clone();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let before = load(conn)?;
            db::settings::put(conn, POLICY_KEY, &saved)?;
            Event::new("settings.inactivity_update", Outcome::Success, &actor)
                .details(json!({"before": before, "after": saved}))
                .insert(conn)
        })
    })
    .await?;
    Ok(policy)
}

/// A friend the policy concerns at some instant.
#[derive(Debug, Clone)]
struct Concerned {
    friend: Friend,
    /// Since when they have not watched (ms).
    since: i64,
    stage: InactivityStage,
    acts_at: i64,
    reminded_at: Option<i64>,
    due_told_at: Option<i64>,
}

/// Whether `friend` has access now or later (a library other than the anchor).
fn has_access(friend: &Friend, catalog: &Catalog, now: i64) -> bool {
    grants::from_rows(&friend.grants).iter().any(|g| {
        Some(g.library_id) != catalog.anchor_id()
            && (g.repeat.is_some() || g.ends_at.is_none_or(|end| end > now))
    })
}

/// Where `friend` stands under `policy` at `now`, if it concerns them.
fn stage_of(
    policy: &InactivityPolicy,
    friend: &Friend,
    seen_since: i64,
    now: i64,
) -> Option<(i64, InactivityStage, i64)> {
    let u = &friend.user;
    let since = u
        .last_watched_at
        .unwrap_or_else(|| seen_since.max(u.first_seen_at));
    let acts_at = since + i64::from(policy.days) * DAY_MS;
    let remind_at = acts_at - i64::from(policy.remind_days_before) * DAY_MS;
    let stage = if now >= acts_at {
        InactivityStage::Due
    } else if policy.remind_days_before > 0 && now >= remind_at {
        InactivityStage::Reminder
    } else {
        return None;
    };
    Some((since, stage, acts_at))
}

/// Everyone the policy concerns at `now`, longest inactive first.
fn concerned(
    conn: &mut diesel::SqliteConnection,
    policy: &InactivityPolicy,
    now: i64,
) -> diesel::QueryResult<Vec<Concerned>> {
    let Some(seen_since) = activity::seen_since(conn)? else {
        return Ok(Vec::new());
    };
    let catalog = Catalog::load(conn)?;
    let mut found = Vec::new();
    for friend in Friend::load_all(conn)? {
        if friend.departed() || friend.user.home || !has_access(&friend, &catalog, now) {
            continue;
        }
        let Some((since, stage, acts_at)) = stage_of(policy, &friend, seen_since, now) else {
            continue;
        };
        let (reminded_at, due_told_at) = db::plays::notices(conn, friend.user.id, since)?;
        found.push(Concerned {
            friend,
            since,
            stage,
            acts_at,
            reminded_at,
            due_told_at,
        });
    }
    found.sort_by_key(|c| (c.since, c.friend.user.id));
    Ok(found)
}

fn report_row(c: &Concerned, now: i64) -> InactiveFriend {
    let u = &c.friend.user;
    InactiveFriend {
        friend: RequestFriend {
            id: u.id,
            title: plexward_shared::display_name(
                &u.title,
                u.username.as_deref(),
                u.email.as_deref(),
            )
            .to_owned(),
            username: u.username.clone(),
        },
        last_watched_at: u.last_watched_at.map(from_ms),
        inactive_days: ((now - c.since).max(0) / DAY_MS) as u32,
        stage: c.stage,
        acts_at: from_ms(c.acts_at),
        reminded_at: c.reminded_at.map(from_ms),
    }
}

/// The policy and who it concerns at `now` (computed whether it is on or not: a preview).
pub async fn report(pool: &DbPool, now: i64) -> Result<InactivityReport, DbError> {
    db::run(pool, move |conn| {
        let policy = load(conn)?;
        let friends = concerned(conn, &policy, now)?
            .iter()
            .map(|c| report_row(c, now))
            .collect();
        Ok(InactivityReport { policy, friends })
    })
    .await
}

/// What the action does, in words ("their access ends").
fn action_words(action: InactivityAction) -> &'static str {
    match action {
        InactivityAction::RemindOnly => "nothing changes",
        InactivityAction::EndAccess => "their access ends",
        InactivityAction::RemoveFriend => {
            "their access ends and they are removed from your Plex friends"
        }
    }
}

/// Tells the owner (event `access.inactive`) and, for a reminder, the friend by email.
fn tell(
    conn: &mut diesel::SqliteConnection,
    c: &Concerned,
    policy: &InactivityPolicy,
    catalog: &Catalog,
    now: i64,
) -> diesel::QueryResult<()> {
    let user = &c.friend.user;
    let who =
        plexward_shared::display_name(&user.title, user.username.as_deref(), user.email.as_deref())
            .to_owned();
    let days = (now - c.since).max(0) / DAY_MS;
    let when = messages::when_in_words(c.acts_at, catalog.time_zone());
    let summary = match (c.stage, policy.automatic) {
        (InactivityStage::Reminder, _) => format!(
            "{who} has not watched anything for {days} days; on {when} {}.",
            action_words(policy.action)
        ),
        (InactivityStage::Due, true) => format!(
            "{who} has not watched anything for {days} days: {}.",
            action_words(policy.action)
        ),
        (InactivityStage::Due, false) => format!(
            "{who} has not watched anything for {days} days: confirm in Plexward \
             (Friends → Inactive) and {}.",
            action_words(policy.action)
        ),
    };
    let mut notice = Notice::about("access.inactive", user, Vec::new(), summary);
    notice.ends_at = Some(c.acts_at);
    notice.details = json!({
        "inactive_days": days, "stage": c.stage, "action": policy.action,
        "automatic": policy.automatic,
    });
    notify::record(conn, &notice, now)?;
    let to_friend =
        c.stage == InactivityStage::Reminder || policy.action == InactivityAction::RemindOnly;
    if to_friend {
        remind_friend(conn, c, policy, notice, catalog, now)?;
    }
    Ok(())
}

/// The friend's own reminder, in their zone, unless they opted out or have no email.
fn remind_friend(
    conn: &mut diesel::SqliteConnection,
    c: &Concerned,
    policy: &InactivityPolicy,
    mut notice: Notice,
    catalog: &Catalog,
    now: i64,
) -> diesel::QueryResult<()> {
    let settings = crate::settings::notifications::load_settings(conn)?;
    let channel =
        crate::settings::notifications::friends_channel(conn, settings.friend_email_channel_id)?;
    let email = c
        .friend
        .user
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty());
    let (Some(channel), Some(email)) = (channel, email) else {
        return Ok(());
    };
    let (wanted, zone) =
        crate::settings::notifications::friend_wants_email(conn, c.friend.user.id)?;
    if !wanted {
        return Ok(());
    }
    let zone: chrono_tz::Tz = zone
        .and_then(|z| z.parse().ok())
        .unwrap_or(catalog.time_zone());
    let days = (now - c.since).max(0) / DAY_MS;
    notice.summary = match policy.action {
        InactivityAction::RemindOnly => {
            format!("You have not watched anything on this server for {days} days.")
        }
        _ => format!(
            "You have not watched anything on this server for {days} days. Unless you watch \
             something before {}, your access will end.",
            messages::when_in_words(c.acts_at, zone)
        ),
    };
    notice.details["audience"] = json!("friend");
    notice.details["time_zone"] = json!(zone.name());
    notify::record_to(conn, &notice, channel, email, now)?;
    Ok(())
}

/// After a sync: reminds and tells once per stretch, and with an automatic policy carries out
/// the due actions (as the system) and applies them. Returns how many friends it acted on.
pub async fn pass(pool: &DbPool, applier: &Applier, now: i64) -> Result<usize, InactivityError> {
    let (policy, due) = db::run(pool, move |conn| {
        let policy = load(conn)?;
        if !policy.enabled {
            return Ok((policy, Vec::new()));
        }
        conn.immediate_transaction(|conn| {
            let catalog = Catalog::load(conn)?;
            let mut due = Vec::new();
            for c in concerned(conn, &policy, now)? {
                let id = c.friend.user.id;
                match c.stage {
                    InactivityStage::Reminder if c.reminded_at.is_none() => {
                        tell(conn, &c, &policy, &catalog, now)?;
                        db::plays::record_notice(conn, id, c.since, false, now)?;
                    }
                    InactivityStage::Due if c.due_told_at.is_none() => {
                        tell(conn, &c, &policy, &catalog, now)?;
                        db::plays::record_notice(conn, id, c.since, true, now)?;
                        due.push(id);
                    }
                    InactivityStage::Due => due.push(id),
                    InactivityStage::Reminder => {}
                }
            }
            Ok((policy, due))
        })
    })
    .await?;
    notify::wake();
    if !policy.automatic || policy.action == InactivityAction::RemindOnly || due.is_empty() {
        return Ok(0);
    }
    let outcome = act(pool, applier, now, &due, &Actor::system(), false).await?;
    for id in &outcome.to_apply {
        if let Err(e) = applier.apply(*id, &Actor::system()).await {
            tracing::warn!(friend = id, error = %e, "cannot apply an inactivity action yet");
        }
    }
    Ok(outcome.to_apply.len())
}

/// Friend's grants with their access ended at `now`: running windows end now, later ones and
/// weekly windows go. (Ending rather than deleting keeps what they had: the end policy then acts
/// on an end of access, as at any window's end.)
fn end_now(friend: &Friend, now: i64) -> Vec<grants::NewGrant> {
    grants::from_rows(&friend.grants)
        .into_iter()
        .filter(|g| g.repeat.is_none() && g.starts_at.is_none_or(|s| s < now))
        .map(|g| grants::NewGrant {
            ends_at: Some(g.ends_at.map_or(now, |end| end.min(now))),
            ..g
        })
        .collect()
}

/// Carries out the policy's action for `ids` (each due now): a bulk change that ends every
/// window now, with end policy "remove friend" when the action says so; previewed with
/// `dry_run`.
/// The saved friends are for the caller to apply (`to_apply`).
pub async fn act(
    pool: &DbPool,
    applier: &Applier,
    now: i64,
    ids: &[i64],
    actor: &Actor,
    dry_run: bool,
) -> Result<BulkOutcome, InactivityError> {
    let wanted = ids.to_vec();
    let (policy, not_due) = db::run(pool, move |conn| {
        let policy = load(conn)?;
        let due: Vec<i64> = concerned(conn, &policy, now)?
            .into_iter()
            .filter(|c| c.stage == InactivityStage::Due)
            .map(|c| c.friend.user.id)
            .collect();
        let not_due: Vec<i64> = wanted.into_iter().filter(|id| !due.contains(id)).collect();
        Ok((policy, not_due))
    })
    .await?;
    let field =
        |why: String| InactivityError::Invalid(FieldErrors::from([("friend_ids".to_owned(), why)]));
    if policy.action == InactivityAction::RemindOnly {
        return Err(field(
            "the policy only reminds: choose an action in Settings → Inactivity".into(),
        ));
    }
    if !not_due.is_empty() {
        let list: Vec<String> = not_due.iter().map(ToString::to_string).collect();
        return Err(field(format!(
            "not due under the inactivity policy: {}",
            list.join(", ")
        )));
    }
    let (end_policy, action) = match policy.action {
        InactivityAction::RemoveFriend => {
            (Some(EndPolicy::RemoveFriend), "inactivity.remove_friend")
        }
        _ => (None, "inactivity.end_access"),
    };
    let compute = |friend: &Friend, _: &Catalog, now: i64| Ok(end_now(friend, now));
    Ok(change::bulk(
        pool,
        applier.routes(),
        now,
        ids,
        actor,
        dry_run,
        &compute,
        &Also {
            end_policy,
            action: Some(action),
            ..Also::default()
        },
        applier.friend_limit(),
        None,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_needs_sane_days() {
        let fine = InactivityPolicy::default();
        assert!(check(&fine).is_empty());
        let short = InactivityPolicy {
            days: 3,
            ..fine.clone()
        };
        assert!(check(&short).contains_key("days"));
        let late = InactivityPolicy {
            days: 30,
            remind_days_before: 30,
            ..fine
        };
        assert!(check(&late).contains_key("remind_days_before"));
    }
}
