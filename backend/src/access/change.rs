//! Changing friends' grants: compute the new grants, show the plan (dry run) or save them with an
//! audit event in one transaction and apply. Shared by `PUT …/grants`, `POST …/extend` and bulk.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use plexward_shared::{BulkFriendPlan, BulkSkipped, ChangeResponse};
use serde_json::json;

use crate::access::applier::{Applier, retired_operation};
use crate::access::friend::{Catalog, Friend};
use crate::access::friend_limit;
use crate::access::grants::{self, FieldErrors, NewGrant};
use crate::access::planner::Plan;
use crate::access::sharing;
use crate::audit::{Actor, Event, Outcome};
use crate::db::plex_users::GivenPlanRow;
use crate::db::time::now_ms;
use crate::db::{self, DbError, DbPool};
use crate::plex::{Operation, Routes, SharingSettings};
use plexward_shared::EndPolicy;

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such friend")]
    NotFound,
    #[error("{0} left the Plex server; their access can no longer be changed")]
    Departed(String),
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Inviting would share the server with more people than Plex allows.
    #[error(
        "this server is already shared with {shared_with} people and Plex allows about {limit}: \
         remove someone's access first (or raise `plex_friend_limit` if Plex allows more)"
    )]
    FriendLimit { shared_with: u64, limit: u32 },
    /// `If-Match` named an older version: someone changed the friend since (nothing saved).
    #[error("the friend was changed since that version")]
    Stale,
    /// The change needs a Plex operation whose routes plex.tv has both retired.
    #[error("{}", crate::plex::PlexError::Retired { operation: *.0 })]
    PlexRetired(Operation),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// How to compute a friend's new grants from their current ones.
pub type Compute<'a> =
    dyn Fn(&Friend, &Catalog, i64) -> Result<Vec<NewGrant>, FieldErrors> + Send + Sync + 'a;

/// The friend as they would be with `new` grants.
fn with_grants(friend: &Friend, new: &[NewGrant], catalog: &Catalog) -> Friend {
    Friend {
        grants: grants::to_rows(new, catalog),
        ..friend.clone()
    }
}

/// The friend to change and the catalog; a missing or departed friend is refused.
pub(crate) async fn load(pool: &DbPool, id: i64) -> Result<(Friend, Catalog), ChangeError> {
    let (friend, catalog) = db::run(pool, move |conn| {
        Ok((Friend::load(conn, id)?, Catalog::load(conn)?))
    })
    .await?;
    let friend = friend.ok_or(ChangeError::NotFound)?;
    if friend.user.departed_at.is_some() {
        return Err(ChangeError::Departed(friend.user.title));
    }
    Ok((friend, catalog))
}

/// Refuses plans that would invite more people than Plex's friend limit leaves room for (Home
/// users aside), before Plex is asked.
async fn require_room(
    pool: &DbPool,
    plans: &[(&Friend, Plan)],
    limit: u32,
) -> Result<(), ChangeError> {
    let new = plans
        .iter()
        .filter(|(f, plan)| matches!(plan, Plan::Create { .. }) && !f.user.home)
        .count() as u64;
    if new == 0 || limit == 0 {
        return Ok(());
    }
    let shared_with = db::run(pool, db::plex_users::count_sharing).await?;
    friend_limit::check_room(shared_with, new, limit)
        .map_err(|(shared_with, limit)| ChangeError::FriendLimit { shared_with, limit })
}

/// How the apply of a saved change went, as far as the caller waited for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Plex matches the grants.
    pub matched: bool,
    /// The job that applies it (watch it at `/api/v1/jobs/{id}`).
    pub job_id: Option<String>,
}

/// Changes one friend: `action` names the audit event (`grants.set`, `grants.extend`); `apply`
/// carries out the apply of the saved change (the job path) and says how far it got.
#[allow(clippy::too_many_arguments)]
pub async fn change_friend<F, Fut>(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    actor: &Actor,
    action: &'static str,
    dry_run: bool,
    expected: Option<i64>,
    compute: &Compute<'_>,
    apply: F,
) -> Result<ChangeResponse, ChangeError>
where
    F: FnOnce(i64) -> Fut,
    Fut: Future<Output = Result<Applied, DbError>>,
{
    let (friend, catalog) = load(pool, id).await?;
    require_version(&friend, expected)?;
    let now = applier.now();
    let new = compute(&friend, &catalog, now).map_err(ChangeError::Invalid)?;
    let after = with_grants(&friend, &new, &catalog);
    let plan = after.plan_response(&catalog, now);
    let changes = grants::changes(&grants::from_rows(&friend.grants), &new, &catalog);
    let planned = after.plan(&catalog, now);
    if !dry_run && let Some(op) = retired_operation(applier.routes(), &planned) {
        return Err(ChangeError::PlexRetired(op));
    }
    require_room(pool, &[(&after, planned.clone())], applier.friend_limit()).await?;
    if dry_run {
        return Ok(ChangeResponse {
            dry_run: true,
            plan,
            plex_matches: false,
            apply: friend.apply_status(&catalog, now),
            friend: friend.detail(&catalog, now),
            job_id: None,
            changes,
        });
    }
    if !save(pool, &[(&friend, new.clone(), expected)], actor, action)
        .await?
        .is_empty()
    {
        return Err(ChangeError::Stale);
    }
    let applied = apply(id).await?;
    if !applied.matched
        && let Some(op) = retired_operation(applier.routes(), &planned)
    {
        // This apply found that Plex has retired every route the change needs: undo it, so
        // nothing changed here either (a later edit since is left alone).
        revert_if_unchanged(pool, id, &new, grants::from_rows(&friend.grants), actor).await?;
        applier.apply(id, actor).await?;
        return Err(ChangeError::PlexRetired(op));
    }
    let (friend, catalog) = load(pool, id).await?;
    let now = applier.now();
    Ok(ChangeResponse {
        dry_run: false,
        plan,
        plex_matches: applied.matched,
        apply: friend.apply_status(&catalog, now),
        friend: friend.detail(&catalog, now),
        job_id: applied.job_id,
        changes,
    })
}

/// Puts `before` back as friend `id`'s grants if they are still `saved` (audited as
/// `grants.reverted`).
async fn revert_if_unchanged(
    pool: &DbPool,
    id: i64,
    saved: &[NewGrant],
    before: Vec<NewGrant>,
    actor: &Actor,
) -> Result<(), ChangeError> {
    let (friend, _) = load(pool, id).await?;
    let key = |g: &NewGrant| (g.library_id, g.starts_at, g.ends_at);
    let mut now: Vec<_> = grants::from_rows(&friend.grants).iter().map(key).collect();
    let mut ours: Vec<_> = saved.iter().map(key).collect();
    now.sort_unstable();
    ours.sort_unstable();
    if now == ours {
        save(pool, &[(&friend, before, None)], actor, "grants.reverted").await?;
    }
    Ok(())
}

/// Refuses a change based on an older version of the friend than the stored one.
pub(crate) fn require_version(friend: &Friend, expected: Option<i64>) -> Result<(), ChangeError> {
    match expected {
        Some(v) if v != friend.user.version => Err(ChangeError::Stale),
        _ => Ok(()),
    }
}

/// A friend, their new grants, and the version the change was based on (`None`: any).
type Change<'a> = (&'a Friend, Vec<NewGrant>, Option<i64>);

/// Saves new grants for friends in one transaction, one audit event each with the grants before
/// and after, and marks them queued for the applier. A friend whose version is no longer the
/// expected one is left as they are; their ids are returned.
async fn save(
    pool: &DbPool,
    changes: &[Change<'_>],
    actor: &Actor,
    action: &'static str,
) -> Result<Vec<i64>, DbError> {
    save_with_sharing(pool, changes, &Also::default(), actor, action).await
}

/// What a bulk change gives besides grants.
#[derive(Debug, Clone, Copy, Default)]
pub struct Also<'a> {
    /// Sharing settings every friend gets (already checked).
    pub sharing: Option<&'a SharingSettings>,
    /// An access plan being given: recorded per friend, its end policy set when it has one.
    pub plan: Option<(&'a GivenPlanRow, Option<EndPolicy>)>,
    /// An end policy every friend gets (a plan's wins).
    pub end_policy: Option<EndPolicy>,
    /// The audit action, when not the bulk change's own (`grants.bulk`, `sharing.bulk`, …).
    pub action: Option<&'static str>,
}

impl Also<'_> {
    /// The end policy each friend gets, if any.
    fn end(&self) -> Option<EndPolicy> {
        self.plan.and_then(|(_, end)| end).or(self.end_policy)
    }
}

/// [`save`], and with `also.sharing` also the sharing settings every friend gets from now on
/// (the audit events then carry the settings before and after instead of the unchanged grants),
/// with `also.plan` the plan given (the events name it and its version).
async fn save_with_sharing(
    pool: &DbPool,
    changes: &[Change<'_>],
    also: &Also<'_>,
    actor: &Actor,
    action: &'static str,
) -> Result<Vec<i64>, DbError> {
    let now = now_ms();
    let sharing = also.sharing;
    // Libraries each friend is newly granted (told as `access.granted`).
    let granted: BTreeMap<i64, (db::plex_users::PlexUser, Vec<i64>)> = changes
        .iter()
        .filter_map(|(friend, new, _)| {
            let before: BTreeSet<i64> = friend.grants.iter().map(|g| g.0).collect();
            let gained: Vec<i64> = new
                .iter()
                .map(|g| g.library_id)
                .filter(|id| !before.contains(id))
                .collect();
            (!gained.is_empty()).then(|| (friend.user.id, (friend.user.clone(), gained)))
        })
        .collect();
    let rows: Vec<(i64, Vec<NewGrant>, Option<i64>, Event)> = changes
        .iter()
        .map(|(friend, new, expected)| {
            let mut details = match sharing {
                None => json!({
                    "friend": friend.user.title,
                    "before": grants::audit_view(&grants::from_rows(&friend.grants)),
                    "after": grants::audit_view(new),
                }),
                Some(to) => json!({
                    "friend": friend.user.title,
                    "before": friend.user.sharing.as_ref().map(sharing::to_api),
                    "after": sharing::to_api(to),
                }),
            };
            if let Some((plan, _)) = also.plan {
                details["plan"] = json!({
                    "id": plan.plan_id,
                    "name": plan.name,
                    "version": plan.version,
                });
                details["sharing"] = json!(sharing.map(sharing::to_api));
            }
            let event = Event::new(action, Outcome::Success, actor)
                .target("plex_user", friend.user.id)
                .details(details);
            (friend.user.id, new.clone(), *expected, event)
        })
        .collect();
    let sharing = sharing.cloned();
    let plan = also.plan.map(|(p, _)| p.clone());
    let end = also.end();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let mut stale = Vec::new();
            let mut saved = Vec::with_capacity(rows.len());
            for (id, new, expected, event) in &rows {
                if !db::plex_users::bump_version(conn, *id, *expected)? {
                    stale.push(*id);
                    continue;
                }
                saved.push(*id);
                let values: Vec<_> = new
                    .iter()
                    .map(|g| (g.library_id, g.starts_at, g.ends_at, g.repeat))
                    .collect();
                db::plex_users::replace_grants(conn, *id, &values, now)?;
                if let Some(to) = &sharing {
                    db::plex_users::set_sharing(conn, *id, Some(to))?;
                }
                if let Some(given) = &plan {
                    let given = GivenPlanRow {
                        given_at: now,
                        ..given.clone()
                    };
                    db::plex_users::record_given_plan(conn, *id, &given)?;
                }
                if end.is_some() {
                    db::plex_users::set_end_policy(conn, *id, end)?;
                }
                event.insert(conn)?;
                if let Some((user, gained)) = granted.get(id) {
                    let catalog = Catalog::load(conn)?;
                    let titles: Vec<String> = gained.iter().map(|l| catalog.title_of(*l)).collect();
                    let who = plexward_shared::display_name(
                        &user.title,
                        user.username.as_deref(),
                        user.email.as_deref(),
                    )
                    .to_owned();
                    let words = format!("{who} was given {}.", crate::notify::and_list(&titles));
                    let notice =
                        crate::notify::Notice::about("access.granted", user, titles, words);
                    crate::notify::record(conn, &notice, now)?;
                }
            }
            crate::access::repeat_edges::refresh(conn, Some(&saved), now)?;
            db::apply_states::mark_queued(conn, &saved, now)?;
            Ok(stale)
        })
    })
    .await
}

/// Most friends one bulk change may name.
pub const MAX_BULK: usize = 1_000;

/// Plans (and without `dry_run` saves) a bulk change; returns each friend's plan and the ids to
/// apply. Every friend is validated before anything is saved. `sharing`: the sharing settings
/// every friend gets as well (already checked).
#[allow(clippy::too_many_arguments)]
pub async fn bulk(
    pool: &DbPool,
    routes: &Routes,
    now: i64,
    ids: &[i64],
    actor: &Actor,
    dry_run: bool,
    compute: &Compute<'_>,
    also: &Also<'_>,
    friend_limit: u32,
    versions: Option<&BTreeMap<i64, i64>>,
) -> Result<BulkOutcome, ChangeError> {
    let sharing = also.sharing;
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    let field = |why: String| ChangeError::Invalid(FieldErrors::from([("friend_ids".into(), why)]));
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(field(format!("between 1 and {MAX_BULK} friends")));
    }
    if unique.len() != ids.len() {
        return Err(field("a friend is listed twice".into()));
    }
    let wanted = unique.clone();
    let (friends, catalog) = db::run(pool, move |conn| {
        Ok((Friend::load_all(conn)?, Catalog::load(conn)?))
    })
    .await?;
    let selected: Vec<&Friend> = friends
        .iter()
        .filter(|f| wanted.contains(&f.user.id))
        .collect();
    if selected.len() != unique.len() {
        let found: BTreeSet<i64> = selected.iter().map(|f| f.user.id).collect();
        let missing: Vec<String> = unique.difference(&found).map(ToString::to_string).collect();
        return Err(field(format!("no such friend: {}", missing.join(", "))));
    }
    if let Some(gone) = selected.iter().find(|f| f.user.departed_at.is_some()) {
        return Err(field(format!(
            "{} left the Plex server; their access can no longer be changed",
            gone.user.title
        )));
    }
    let mut changes: Vec<Change<'_>> = Vec::with_capacity(selected.len());
    let mut plans = Vec::with_capacity(selected.len());
    let mut planned = Vec::with_capacity(selected.len());
    let mut skipped = Vec::new();
    let expected = |friend: &Friend| versions.and_then(|v| v.get(&friend.user.id).copied());
    for friend in selected {
        if require_version(friend, expected(friend)).is_err() {
            skipped.push(friend);
            continue;
        }
        let new = compute(friend, &catalog, now).map_err(ChangeError::Invalid)?;
        let mut after = with_grants(friend, &new, &catalog);
        if let Some(to) = sharing {
            after.user.sharing = Some(to.clone());
        }
        if let Some(end) = also.end() {
            after.user.end_policy = Some(end);
        }
        let plan = after.plan(&catalog, now);
        if !dry_run && let Some(op) = retired_operation(routes, &plan) {
            return Err(ChangeError::PlexRetired(op));
        }
        plans.push(BulkFriendPlan {
            friend_id: friend.user.id,
            plex_user_id: friend.user.id,
            title: friend.user.title.clone(),
            plan: after.plan_response(&catalog, now),
            changes: grants::changes(&grants::from_rows(&friend.grants), &new, &catalog),
            version: friend.user.version,
        });
        changes.push((friend, new, expected(friend)));
        planned.push((after, plan));
    }
    let planned: Vec<(&Friend, Plan)> = planned.iter().map(|(f, p)| (f, p.clone())).collect();
    require_room(pool, &planned, friend_limit).await?;
    let mut outcome = BulkOutcome {
        plans,
        to_apply: Vec::new(),
        skipped: Vec::new(),
    };
    if !dry_run {
        let action = if let Some(action) = also.action {
            action
        } else if also.plan.is_some() {
            "plan.apply"
        } else if sharing.is_some() {
            "sharing.bulk"
        } else {
            "grants.bulk"
        };
        let stale = save_with_sharing(pool, &changes, also, actor, action).await?;
        outcome.plans.retain(|p| !stale.contains(&p.friend_id));
        outcome.to_apply = outcome.plans.iter().map(|p| p.friend_id).collect();
        skipped.extend(
            changes
                .iter()
                .map(|c| c.0)
                .filter(|f| stale.contains(&f.user.id)),
        );
    }
    outcome.skipped = skipped
        .into_iter()
        .map(|f| BulkSkipped {
            friend_id: f.user.id,
            title: f.user.title.clone(),
            reason: "changed by someone else since the preview: nothing was changed for them; \
                     preview again to include them"
                .into(),
        })
        .collect();
    Ok(outcome)
}

/// What a bulk change planned (and without `dry_run` saved).
#[derive(Debug)]
pub struct BulkOutcome {
    /// Each friend's plan (the skipped ones aside).
    pub plans: Vec<BulkFriendPlan>,
    /// The friends saved, for the apply job (none on a dry run).
    pub to_apply: Vec<i64>,
    /// Friends changed since the versions the request named, left alone.
    pub skipped: Vec<BulkSkipped>,
}
