//! Changing one friend's sharing settings (`PUT /api/v1/plex-users/{id}/sharing`): show the plan
//! (dry run) or save the settings with an audit event in one transaction and apply them with the
//! friend's libraries (one write to Plex).

use std::future::Future;

use plexward_shared::ChangeResponse;
use serde_json::json;

use crate::access::applier::{Applier, retired_operation};
use crate::access::change::{Applied, ChangeError, load, require_version};
use crate::access::friend::Friend;
use crate::access::sharing;
use crate::audit::{Actor, Event, Outcome};
use crate::db::time::now_ms;
use crate::db::{self, DbError, DbPool};
use crate::plex::SharingSettings;

/// The field a refusal for restrictions names.
const RESTRICTIONS: &str = "sharing.restrictions";

/// Sets (or with `None` stops managing) friend `id`'s sharing settings; `apply` carries out the
/// apply of the saved change (the job path). `expected`: the version the change is based on.
#[allow(clippy::too_many_arguments)]
pub async fn change_sharing<F, Fut>(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    actor: &Actor,
    dry_run: bool,
    expected: Option<i64>,
    wanted: Option<SharingSettings>,
    apply: F,
) -> Result<ChangeResponse, ChangeError>
where
    F: FnOnce(i64) -> Fut,
    Fut: Future<Output = Result<Applied, DbError>>,
{
    let (friend, catalog) = load(pool, id).await?;
    require_version(&friend, expected)?;
    require_plex_pass(applier, wanted.as_ref(), RESTRICTIONS).await?;
    let now = applier.now();
    let after = Friend {
        user: db::plex_users::PlexUser {
            sharing: wanted.clone(),
            ..friend.user.clone()
        },
        ..friend.clone()
    };
    let planned = after.plan(&catalog, now);
    let plan = after.plan_response(&catalog, now);
    if dry_run {
        return Ok(ChangeResponse {
            dry_run: true,
            plan,
            plex_matches: false,
            apply: friend.apply_status(&catalog, now),
            friend: friend.detail(&catalog, now),
            job_id: None,
            changes: Vec::new(),
        });
    }
    if let Some(op) = retired_operation(applier.routes(), &planned) {
        return Err(ChangeError::PlexRetired(op));
    }
    if !save(
        pool,
        &friend,
        wanted.as_ref(),
        expected,
        actor,
        "sharing.set",
    )
    .await?
    {
        return Err(ChangeError::Stale);
    }
    let applied = apply(id).await?;
    if !applied.matched
        && let Some(op) = retired_operation(applier.routes(), &planned)
    {
        // Plex has retired every route this needs: undo it, so nothing changed here either.
        save(
            pool,
            &after,
            friend.user.sharing.as_ref(),
            None,
            actor,
            "sharing.reverted",
        )
        .await?;
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
        changes: Vec::new(),
    })
}

/// Refuses content restrictions (naming `field`) when the owner has no Plex Pass; an unknown
/// status lets them through (Plex then has the last word).
pub async fn require_plex_pass(
    applier: &Applier,
    wanted: Option<&SharingSettings>,
    field: &str,
) -> Result<(), ChangeError> {
    if wanted.is_some_and(SharingSettings::has_restrictions)
        && applier.owner_plex_pass().await == Some(false)
    {
        return Err(ChangeError::Invalid(
            [(
                field.to_owned(),
                "content restrictions need the server owner's Plex Pass, which this Plex \
                 account does not have"
                    .to_owned(),
            )]
            .into(),
        ));
    }
    Ok(())
}

/// Saves `to` as `friend`'s managed settings with an audit event (before and after), and marks
/// the friend queued for the applier, in one transaction. False (nothing saved): the friend's
/// version is no longer `expected`.
async fn save(
    pool: &DbPool,
    friend: &Friend,
    to: Option<&SharingSettings>,
    expected: Option<i64>,
    actor: &Actor,
    action: &'static str,
) -> Result<bool, DbError> {
    let id = friend.user.id;
    let event = Event::new(action, Outcome::Success, actor)
        .target("plex_user", id)
        .details(json!({
            "friend": friend.user.title,
            "before": friend.user.sharing.as_ref().map(sharing::to_api),
            "after": to.map(sharing::to_api),
        }));
    let to = to.cloned();
    let now = now_ms();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if !db::plex_users::bump_version(conn, id, expected)? {
                return Ok(false);
            }
            db::plex_users::set_sharing(conn, id, to.as_ref())?;
            event.insert(conn)?;
            db::apply_states::mark_queued(conn, &[id], now)?;
            Ok(true)
        })
    })
    .await
}
