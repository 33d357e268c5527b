//! Changing one friend's end policy (`PUT /api/v1/plex-users/{id}/end-policy`): show what it
//! would do (dry run), or save it with an audit event in one transaction and apply (their access
//! may have ended already, so the new policy can act at once).

use std::future::Future;

use plexward_shared::{ChangeResponse, EndPolicy};
use serde_json::json;

use crate::access::applier::{Applier, retired_operation};
use crate::access::change::{Applied, ChangeError, load, require_version};
use crate::access::friend::Friend;
use crate::audit::{Actor, Event, Outcome};
use crate::db::time::now_ms;
use crate::db::{self, DbError, DbPool};

/// Sets friend `id`'s own end policy (`None`: follow the default); `apply` carries out the apply
/// of the saved change (the job path). `expected`: the version the change is based on.
#[allow(clippy::too_many_arguments)]
pub async fn change_end_policy<F, Fut>(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    actor: &Actor,
    dry_run: bool,
    expected: Option<i64>,
    wanted: Option<EndPolicy>,
    apply: F,
) -> Result<ChangeResponse, ChangeError>
where
    F: FnOnce(i64) -> Fut,
    Fut: Future<Output = Result<Applied, DbError>>,
{
    let (friend, catalog) = load(pool, id).await?;
    require_version(&friend, expected)?;
    let now = applier.now();
    let mut after = friend.clone();
    after.user.end_policy = wanted;
    let planned = after.plan(&catalog, now);
    let plan = after.plan_response(&catalog, now);
    if dry_run {
        return Ok(ChangeResponse {
            dry_run: true,
            plan,
            plex_matches: false,
            apply: friend.apply_status(&catalog, now),
            friend: after.detail(&catalog, now),
            job_id: None,
            changes: Vec::new(),
        });
    }
    if let Some(op) = retired_operation(applier.routes(), &planned) {
        return Err(ChangeError::PlexRetired(op));
    }
    let words = after.end_policy_view(&catalog).words;
    if !save(pool, &friend, wanted, &words, expected, actor).await? {
        return Err(ChangeError::Stale);
    }
    let applied = apply(id).await?;
    let (friend, catalog) = load(pool, id).await?;
    let now = applier.now();
    Ok(ChangeResponse {
        dry_run: false,
        plan,
        plex_matches: applied.matched,
        apply: friend.apply_status(&catalog, now),
        friend: friend.detail(&catalog, now),
        job_id: applied.job_id,
        changes: Vec::new(),
    })
}

async fn save(
    pool: &DbPool,
    friend: &Friend,
    to: Option<EndPolicy>,
    words: &str,
    expected: Option<i64>,
    actor: &Actor,
) -> Result<bool, DbError> {
    let id = friend.user.id;
    let event = Event::new("end_policy.set", Outcome::Success, actor)
        .target("plex_user", id)
        .details(json!({
            "friend": friend.user.title,
            "before": friend.user.end_policy.map(EndPolicy::as_str),
            "after": to.map(EndPolicy::as_str),
            "words": words,
        }));
    let now = now_ms();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if !db::plex_users::bump_version(conn, id, expected)? {
                return Ok(false);
            }
            db::plex_users::set_end_policy(conn, id, to)?;
            event.insert(conn)?;
            db::apply_states::mark_queued(conn, &[id], now)?;
            Ok(true)
        })
    })
    .await
}
