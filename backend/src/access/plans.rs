//! Access plans: named, reusable sets of libraries with relative windows, sharing settings and an
//! end policy. The rules (names, limits, what a plan may hold) and their transactions live here;
//! giving a plan to friends goes through the one bulk change path (`change::bulk`), so it is
//! previewed, audited (`plan.apply`, naming the plan and its version) and applied like any other
//! change. Editing a plan changes nobody already given it.

use std::collections::BTreeMap;

use plexward_shared::{AccessPlanRequest, AccessPlanResponse, EndPolicy, PlanGrant, Sharing};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::applier::Applier;
use crate::access::change::{self, Also, BulkOutcome, ChangeError};
use crate::access::friend::Catalog;
use crate::access::grants::FieldErrors;
use crate::access::plan_grants::{self, RelativeGrant};
use crate::access::sharing;
use crate::access::sharing_change::require_plex_pass;
use crate::audit::{Actor, Event, Outcome};
use crate::db::plans::PlanRow;
use crate::db::plex_users::GivenPlanRow;
use crate::db::time::{from_ms, now_ms};
use crate::db::{self, DbError, DbPool};

/// What `access_plans.body` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanBody {
    pub grants: Vec<PlanGrant>,
    pub sharing: Option<Sharing>,
    pub end_policy: Option<EndPolicy>,
    /// Its own reminder leads (`None`: the notification settings').
    pub reminder_leads_minutes: Option<Vec<u32>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no such plan")]
    NotFound,
    #[error("invalid plan")]
    Invalid(FieldErrors),
    #[error("a plan with this name exists")]
    NameTaken,
    /// `If-Match` named an older version.
    #[error("the plan was changed since that version")]
    Stale,
    /// A preview was of an older version than the plan has now.
    #[error(
        "the plan was edited since it was previewed (version {previewed}, now {now}): preview again"
    )]
    Changed { previewed: i64, now: i64 },
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A plan as stored, read.
#[derive(Debug, Clone)]
pub struct Plan {
    pub row: PlanRow,
    pub body: PlanBody,
}

impl Plan {
    fn of(row: PlanRow) -> Self {
        let body = serde_json::from_str(&row.body).unwrap_or_default();
        Self { row, body }
    }

    /// The plan's windows, checked against the server's libraries now (one removed since makes
    /// the plan unusable until it is edited).
    fn relative(&self, catalog: &Catalog) -> Result<Vec<RelativeGrant>, FieldErrors> {
        plan_grants::validate(&self.body.grants, catalog, "grants", false)
    }

    pub fn response(&self, catalog: &Catalog, friends: u64) -> AccessPlanResponse {
        let summary = match self.relative(catalog) {
            Ok(relative) => plan_grants::summary(&relative, catalog, "when given"),
            Err(_) => "names a library that is no longer on the server: edit it".to_owned(),
        };
        AccessPlanResponse {
            id: self.row.id,
            name: self.row.name.clone(),
            description: self.row.description.clone(),
            grants: self.body.grants.clone(),
            sharing: self.body.sharing.clone(),
            end_policy: self.body.end_policy,
            reminder_leads_minutes: self.body.reminder_leads_minutes.clone(),
            version: self.row.version,
            summary,
            friends,
            created_at: from_ms(self.row.created_at),
            updated_at: from_ms(self.row.updated_at),
        }
    }
}

/// Every plan, by name.
pub async fn list(pool: &DbPool) -> Result<Vec<AccessPlanResponse>, DbError> {
    db::run(pool, |conn| {
        let catalog = Catalog::load(conn)?;
        let counts = db::plans::friend_counts(conn)?;
        Ok(db::plans::list(conn)?
            .into_iter()
            .map(|row| {
                let n = counts.get(&row.id).copied().unwrap_or(0);
                Plan::of(row).response(&catalog, n)
            })
            .collect())
    })
    .await
}

/// One plan.
pub async fn get(pool: &DbPool, id: i64) -> Result<AccessPlanResponse, PlanError> {
    db::run(pool, move |conn| {
        let catalog = Catalog::load(conn)?;
        let n = db::plans::friend_counts(conn)?
            .get(&id)
            .copied()
            .unwrap_or(0);
        Ok(db::plans::find(conn, id)?.map(|row| Plan::of(row).response(&catalog, n)))
    })
    .await?
    .ok_or(PlanError::NotFound)
}

/// A plan by id, as stored.
pub async fn load(pool: &DbPool, id: i64) -> Result<Plan, PlanError> {
    db::run(pool, move |conn| db::plans::find(conn, id))
        .await?
        .map(Plan::of)
        .ok_or(PlanError::NotFound)
}

/// Checks a plan as sent; `(name, description, body)` to store.
async fn check(
    pool: &DbPool,
    applier: &Applier,
    request: &AccessPlanRequest,
) -> Result<(String, Option<String>, PlanBody), PlanError> {
    let catalog = db::run(pool, Catalog::load).await?;
    let mut errors = FieldErrors::new();
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > plexward_shared::PLAN_NAME_MAX {
        errors.insert(
            "name".into(),
            format!("1–{} characters", plexward_shared::PLAN_NAME_MAX),
        );
    } else if name.chars().any(char::is_control) {
        errors.insert("name".into(), "no control characters".into());
    }
    let description = request
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if description
        .as_deref()
        .is_some_and(|d| d.chars().count() > plexward_shared::PLAN_DESCRIPTION_MAX)
    {
        errors.insert(
            "description".into(),
            format!(
                "at most {} characters",
                plexward_shared::PLAN_DESCRIPTION_MAX
            ),
        );
    }
    if let Err(e) = plan_grants::validate(&request.grants, &catalog, "grants", false) {
        errors.extend(e);
    }
    let leads = match request
        .reminder_leads_minutes
        .as_deref()
        .map(crate::notify::reminder_leads)
    {
        None => None,
        Some(Ok(leads)) => Some(leads),
        Some(Err(why)) => {
            errors.insert("reminder_leads_minutes".into(), why);
            None
        }
    };
    let sharing = match request.sharing.as_ref().map(sharing::from_api).transpose() {
        Ok(s) => s,
        Err(e) => {
            errors.extend(e.into_iter().map(|(f, why)| (format!("sharing.{f}"), why)));
            None
        }
    };
    if !errors.is_empty() {
        return Err(PlanError::Invalid(errors));
    }
    require_plex_pass(applier, sharing.as_ref(), "sharing.restrictions").await?;
    Ok((
        name,
        description,
        PlanBody {
            grants: request.grants.clone(),
            sharing: request.sharing.clone(),
            end_policy: request.end_policy,
            reminder_leads_minutes: leads,
        },
    ))
}

fn audit_view(plan: &Plan) -> serde_json::Value {
    json!({
        "name": plan.row.name,
        "version": plan.row.version,
        "grants": plan.body.grants,
        "sharing": plan.body.sharing,
        "end_policy": plan.body.end_policy.map(EndPolicy::as_str),
        "reminder_leads_minutes": plan.body.reminder_leads_minutes,
    })
}

pub async fn create(
    pool: &DbPool,
    applier: &Applier,
    request: &AccessPlanRequest,
    actor: &Actor,
) -> Result<AccessPlanResponse, PlanError> {
    let (name, description, body) = check(pool, applier, request).await?;
    let json = serde_json::to_string(&body).unwrap_or_default();
    let actor = actor.clone();
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if db::plans::name_taken(conn, &name, None)? {
                return Ok(None);
            }
            let row = db::plans::insert(conn, &name, description.as_deref(), &json, now_ms())?;
            let plan = Plan::of(row.clone());
            Event::new("plan.create", Outcome::Success, &actor)
                .target("plan", row.id)
                .details(json!({ "after": audit_view(&plan) }))
                .insert(conn)?;
            Ok(Some(row))
        })
    })
    .await?
    .ok_or(PlanError::NameTaken)?;
    get(pool, row.id).await
}

pub async fn update(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    request: &AccessPlanRequest,
    expected: Option<i64>,
    actor: &Actor,
) -> Result<AccessPlanResponse, PlanError> {
    let before = load(pool, id).await?;
    let (name, description, body) = check(pool, applier, request).await?;
    let json = serde_json::to_string(&body).unwrap_or_default();
    let actor = actor.clone();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if db::plans::name_taken(conn, &name, Some(id))? {
                return Ok(Err(PlanError::NameTaken));
            }
            let Some(row) = db::plans::update(
                conn,
                id,
                expected,
                &name,
                description.as_deref(),
                &json,
                now_ms(),
            )?
            else {
                return Ok(Err(PlanError::Stale));
            };
            Event::new("plan.update", Outcome::Success, &actor)
                .target("plan", id)
                .details(json!({
                    "before": audit_view(&before),
                    "after": audit_view(&Plan::of(row)),
                    "note": "friends given an earlier version keep it",
                }))
                .insert(conn)?;
            Ok(Ok(()))
        })
    })
    .await??;
    get(pool, id).await
}

pub async fn delete(pool: &DbPool, id: i64, actor: &Actor) -> Result<(), PlanError> {
    let plan = load(pool, id).await?;
    let actor = actor.clone();
    let deleted = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if !db::plans::delete(conn, id)? {
                return Ok(false);
            }
            Event::new("plan.delete", Outcome::Success, &actor)
                .target("plan", id)
                .details(json!({ "before": audit_view(&plan) }))
                .insert(conn)?;
            Ok(true)
        })
    })
    .await?;
    if deleted {
        Ok(())
    } else {
        Err(PlanError::NotFound)
    }
}

/// Gives plan `plan_id` to `ids` (one bulk change: previewed with `dry_run`, else saved and
/// returned for the apply job). `version`: the version the preview showed; a plan edited since is
/// refused. `versions`: each friend's version as previewed (changed ones are skipped).
#[allow(clippy::too_many_arguments)]
pub async fn give(
    pool: &DbPool,
    applier: &Applier,
    plan_id: i64,
    version: Option<i64>,
    ids: &[i64],
    actor: &Actor,
    dry_run: bool,
    versions: Option<&BTreeMap<i64, i64>>,
) -> Result<BulkOutcome, PlanError> {
    let plan = load(pool, plan_id).await.map_err(|e| match e {
        PlanError::NotFound => PlanError::Invalid(FieldErrors::from([(
            "action.plan_id".to_owned(),
            "no such plan".to_owned(),
        )])),
        other => other,
    })?;
    if let Some(previewed) = version
        && previewed != plan.row.version
    {
        return Err(PlanError::Changed {
            previewed,
            now: plan.row.version,
        });
    }
    let catalog = db::run(pool, Catalog::load).await?;
    let relative = plan.relative(&catalog).map_err(|errors| {
        PlanError::Invalid(
            errors
                .into_iter()
                .map(|(f, why)| {
                    (
                        "action.plan_id".to_owned(),
                        format!("the plan's {f}: {why}"),
                    )
                })
                .collect(),
        )
    })?;
    let sharing = plan
        .body
        .sharing
        .as_ref()
        .map(sharing::from_api)
        .transpose()
        .map_err(|_| {
            PlanError::Invalid(FieldErrors::from([(
                "action.plan_id".to_owned(),
                "the plan's sharing settings are invalid: edit it".to_owned(),
            )]))
        })?;
    require_plex_pass(applier, sharing.as_ref(), "action.plan_id").await?;
    let given = GivenPlanRow {
        plan_id,
        name: plan.row.name.clone(),
        version: plan.row.version,
        given_at: 0,
        reminder_leads: plan.body.reminder_leads_minutes.clone(),
    };
    let compute = move |_: &crate::access::friend::Friend, _: &Catalog, now: i64| {
        Ok(plan_grants::resolve(&relative, now))
    };
    Ok(change::bulk(
        pool,
        applier.routes(),
        applier.now(),
        ids,
        actor,
        dry_run,
        &compute,
        &Also {
            sharing: sharing.as_ref(),
            plan: Some((&given, plan.body.end_policy)),
            ..Also::default()
        },
        applier.friend_limit(),
        versions,
    )
    .await?)
}
