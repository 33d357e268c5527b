//! Invites: bring a new friend in with a plan. Sending one shares the libraries the plan gives at
//! once (or the anchor library when it starts later) with an email or plex.tv username on Plex,
//! and records the friend at once ("Invited", with the plan's grants) and the invite (pending).
//! Windows given as a duration count from acceptance: they ride in the invite open-ended and are
//! fixed when a sync sees the invite accepted. A pending invite expires after its days (withdrawn
//! on Plex), and can be cancelled or sent again. The rules and transactions are here; handlers
//! only parse and map.

use std::collections::BTreeSet;

use plexward_shared::{
    CreateInviteRequest, CreateInviteResponse, EndPolicy, INVITE_EXPIRY_DAYS_DEFAULT,
    INVITE_EXPIRY_DAYS_MAX, INVITE_NOTE_MAX, InviteQuery, InviteResponse, InviteState, List,
    PlanGrant, Sharing,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::applier::{Applier, ApplyError, PlexSession};
use crate::access::friend::Catalog;
use crate::access::grants::{FieldErrors, NewGrant};
use crate::access::plan_grants::{self, RelativeGrant};
use crate::access::sharing_change::require_plex_pass;
use crate::access::{friend_limit, plans, sharing};
use crate::audit::{Actor, Event, Outcome};
use crate::db::invites::{InviteFilter, InviteRow, NewInvite};
use crate::db::plex_users::{GivenPlanRow, SeenFriend};
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::plex::{
    Invitee, MachineId, NonEmptySet, PlexClient, PlexError, PmsKey, SharingSettings, UserId,
};

const DAY_MS: i64 = 86_400_000;

/// What `invites.body` holds: the invite as asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InviteBody {
    pub grants: Vec<PlanGrant>,
    pub sharing: Option<Sharing>,
    pub end_policy: Option<EndPolicy>,
    pub plan_id: Option<i64>,
    pub plan_name: Option<String>,
    pub plan_version: Option<i64>,
    /// The plan's own reminder leads.
    pub plan_reminder_leads: Option<Vec<u32>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("no such invite")]
    NotFound,
    #[error("invalid invite")]
    Invalid(FieldErrors),
    #[error(
        "{title} is already a friend of this server: change their access on their page instead"
    )]
    AlreadyFriend { id: Option<i64>, title: String },
    #[error("an invite to {0} is already pending: send it again or cancel it")]
    AlreadyInvited(String),
    #[error(
        "this server is already shared with {shared_with} people and Plex allows about {limit}: \
         remove someone's access first (or raise `plex_friend_limit` if Plex allows more)"
    )]
    FriendLimit { shared_with: u64, limit: u32 },
    #[error("Plex refused: {0}")]
    PlexLimit(String),
    #[error("this invite is {0} (only a pending invite can be cancelled or sent again)")]
    NotPending(&'static str),
    #[error("Plex refused the invite: {0}")]
    PlexRefused(String),
    #[error("Plex could not be asked: {0}")]
    PlexUnavailable(String),
    #[error(transparent)]
    Plan(#[from] plans::PlanError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ApplyError> for InviteError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Db(e) => Self::Db(e),
            ApplyError::Plex(e) => e.into(),
            other => Self::PlexUnavailable(other.to_string()),
        }
    }
}

impl From<PlexError> for InviteError {
    fn from(e: PlexError) -> Self {
        match e {
            PlexError::AlreadyShared { message } => Self::AlreadyFriend {
                id: None,
                title: format!(
                    "Plex says so ({message}); sync to see them, then change their access"
                ),
            },
            PlexError::FriendLimit { message } => Self::PlexLimit(message),
            PlexError::Rejected { excerpt, .. } => Self::PlexRefused(reason_of(&excerpt)),
            other => Self::PlexUnavailable(other.to_string()),
        }
    }
}

/// Plex's reason from a refusal's body (`<Response code="400" status="No user named x"/>`, or
/// v2's `{"errors":[{"message": …}]}`), else the excerpt as it is.
fn reason_of(excerpt: &str) -> String {
    let attr = excerpt
        .split("status=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next());
    let message = excerpt
        .split("\"message\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next());
    attr.or(message).unwrap_or(excerpt).trim().to_owned()
}

/// Checks an email address or plex.tv username; the trimmed identifier.
pub fn check_identifier(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("give an email address or a plex.tv username".into());
    }
    if v.contains('@') {
        let (local, domain) = v.split_once('@').unwrap_or_default();
        let ok = v.len() <= 254
            && !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && v.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii());
        return if ok {
            Ok(v.to_owned())
        } else {
            Err(format!("`{v}` is not an email address"))
        };
    }
    let ok = v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "`{v}` is neither an email address nor a plex.tv username (letters, digits, `_`, `-` and `.`, up to 64)"
        ))
    }
}

/// An invite checked and ready to send.
struct Checked {
    identifier: String,
    relative: Vec<RelativeGrant>,
    body: InviteBody,
    sharing: Option<SharingSettings>,
    note: Option<String>,
    expires_in_days: u32,
}

async fn check(
    pool: &DbPool,
    applier: &Applier,
    request: &CreateInviteRequest,
    catalog: &Catalog,
) -> Result<Checked, InviteError> {
    let mut errors = FieldErrors::new();
    let identifier = check_identifier(&request.identifier)
        .map_err(|why| errors.insert("identifier".into(), why))
        .ok();
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note
        .as_deref()
        .is_some_and(|n| n.chars().count() > INVITE_NOTE_MAX)
    {
        errors.insert(
            "note".into(),
            format!("at most {INVITE_NOTE_MAX} characters"),
        );
    }
    let expires_in_days = request
        .expires_in_days
        .unwrap_or(INVITE_EXPIRY_DAYS_DEFAULT);
    if !(1..=INVITE_EXPIRY_DAYS_MAX).contains(&expires_in_days) {
        errors.insert(
            "expires_in_days".into(),
            format!("between 1 and {INVITE_EXPIRY_DAYS_MAX} days"),
        );
    }
    let body = match (&request.plan, request.plan_id) {
        (Some(plan), None) => Some(InviteBody {
            grants: plan.grants.clone(),
            sharing: plan.sharing.clone(),
            ..InviteBody::default()
        }),
        (None, Some(id)) => match plans::load(pool, id).await {
            Ok(plan) => Some(InviteBody {
                grants: plan.body.grants,
                sharing: plan.body.sharing,
                end_policy: plan.body.end_policy,
                plan_id: Some(id),
                plan_name: Some(plan.row.name),
                plan_version: Some(plan.row.version),
                plan_reminder_leads: plan.body.reminder_leads_minutes,
            }),
            Err(plans::PlanError::NotFound) => {
                errors.insert("plan_id".into(), "no such plan".into());
                None
            }
            Err(e) => return Err(e.into()),
        },
        _ => {
            errors.insert(
                "plan".into(),
                "give the libraries (`plan`) or an access plan (`plan_id`): one of the two".into(),
            );
            None
        }
    };
    let mut relative = Vec::new();
    let mut sharing_settings = None;
    if let Some(body) = &body {
        let prefix = if body.plan_id.is_some() {
            "plan_id"
        } else {
            "plan.grants"
        };
        match plan_grants::validate(&body.grants, catalog, "plan.grants", true) {
            Ok(r) => relative = r,
            Err(e) if body.plan_id.is_some() => {
                errors.insert(
                    prefix.into(),
                    format!(
                        "the plan cannot be given as it is: {}",
                        e.into_iter()
                            .map(|(f, w)| format!("{f}: {w}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                );
            }
            Err(e) => errors.extend(e),
        }
        match body.sharing.as_ref().map(sharing::from_api).transpose() {
            Ok(s) => sharing_settings = s,
            Err(e) => errors.extend(e.into_iter().map(|(f, w)| (format!("plan.sharing.{f}"), w))),
        }
    }
    if !errors.is_empty() {
        return Err(InviteError::Invalid(errors));
    }
    require_plex_pass(
        applier,
        sharing_settings.as_ref(),
        "plan.sharing.restrictions",
    )
    .await
    .map_err(|e| match e {
        crate::access::change::ChangeError::Invalid(f) => InviteError::Invalid(f),
        crate::access::change::ChangeError::Db(e) => InviteError::Db(e),
        other => InviteError::PlexUnavailable(other.to_string()),
    })?;
    Ok(Checked {
        identifier: identifier.unwrap_or_default(),
        relative,
        body: body.unwrap_or_default(),
        sharing: sharing_settings,
        note,
        expires_in_days,
    })
}

/// The PMS keys Plex's invite carries: what the provisional grants give at `now`, and the anchor.
fn sent_keys(provisional: &[NewGrant], catalog: &Catalog, now: i64) -> BTreeSet<PmsKey> {
    // (Provisional grants carry no weekly rule into the invite: those start at acceptance.)
    let mut keys: BTreeSet<PmsKey> = provisional
        .iter()
        .filter(|g| g.repeat.is_none())
        .filter_map(|g| {
            let library = catalog.key_of(g.library_id)?;
            crate::access::window::Grant {
                library,
                starts_at: g.starts_at,
                ends_at: g.ends_at,
                repeat: None,
            }
            .is_active(now)
            .then_some(library)
        })
        .collect();
    if let Some(anchor) = catalog.anchor_key() {
        keys.insert(anchor);
    }
    keys
}

/// Sends an invite (or with `dry_run` says what would be sent).
pub async fn create(
    pool: &DbPool,
    applier: &Applier,
    request: &CreateInviteRequest,
    actor: &Actor,
) -> Result<CreateInviteResponse, InviteError> {
    let catalog = db::run(pool, Catalog::load).await?;
    let checked = check(pool, applier, request, &catalog).await?;
    let now = applier.now();
    let identifier = checked.identifier.clone();
    let (known, pending) = db::run(pool, {
        let identifier = identifier.clone();
        move |conn| {
            Ok((
                db::plex_users::named(conn, &identifier)?,
                db::invites::pending_to(conn, &identifier)?,
            ))
        }
    })
    .await?;
    if pending.is_some() {
        return Err(InviteError::AlreadyInvited(identifier));
    }
    if let Some((id, title)) = known {
        return Err(InviteError::AlreadyFriend {
            id: Some(id),
            title,
        });
    }
    let provisional = plan_grants::provisional(&checked.relative, now);
    let keys = sent_keys(&provisional, &catalog, now);
    let sent_ids = catalog.ids_of(&keys);
    let Ok(keys) = NonEmptySet::new(keys) else {
        return Err(InviteError::Invalid(FieldErrors::from([(
            "plan".to_owned(),
            "nothing in it starts at once and there is no anchor library to invite with: set an \
             anchor library in Settings → Plex, or let a library start at once"
                .to_owned(),
        )])));
    };
    let limit = applier.friend_limit();
    if limit > 0 {
        let shared_with = db::run(pool, db::plex_users::count_sharing).await?;
        friend_limit::check_room(shared_with, 1, limit)
            .map_err(|(shared_with, limit)| InviteError::FriendLimit { shared_with, limit })?;
    }
    let titles: Vec<String> = sent_ids.iter().map(|id| catalog.title_of(*id)).collect();
    let summary = format!(
        "{}. Plex's invite to {identifier} carries {}.",
        plan_grants::summary(&checked.relative, &catalog, "acceptance"),
        crate::notify::and_list(&titles)
    );
    if request.dry_run == Some(true) {
        return Ok(CreateInviteResponse {
            dry_run: true,
            invite: None,
            sent_library_ids: sent_ids,
            summary,
        });
    }

    // No sync between Plex's answer and the record: it would not know this friend yet.
    let _one_sync = applier.one_sync_at_a_time().await;
    let _no_applies = applier.exclude_applies().await;
    let PlexSession {
        client,
        mid,
        mut sections,
    } = applier.plex_session().await?;
    let ids = client.resolve_sections(&mid, &mut sections, &keys).await?;
    let share = client
        .create_share(
            &mid,
            &Invitee::Email(identifier.clone()),
            &ids,
            checked.sharing.as_ref(),
        )
        .await?;

    let seen = SeenFriend {
        plex_user_id: share.user_id.0 as i64,
        title: share
            .username
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_default(),
        username: share.username.clone().filter(|u| !u.is_empty()),
        email: share
            .email
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| identifier.contains('@').then(|| identifier.clone())),
        thumb: None,
        home: false,
        share_id: Some(share.id.0 as i64),
        share_pending: share.is_pending(),
        actual_keys: keys.iter().map(|k| k.0 as i64).collect(),
        sharing: checked.sharing.clone(),
    };
    let body_json = serde_json::to_string(&checked.body).unwrap_or_default();
    let sent_json = serde_json::to_string(&sent_ids).unwrap_or_default();
    let grants: Vec<_> = provisional
        .iter()
        .map(|g| (g.library_id, g.starts_at, g.ends_at, g.repeat))
        .collect();
    let expires_at = now + i64::from(checked.expires_in_days) * DAY_MS;
    let (actor, note, body) = (actor.clone(), checked.note.clone(), checked.body.clone());
    let summary_saved = summary.clone();
    let sent_titles = titles.clone();
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let friend = db::plex_users::upsert(conn, &seen, now)?.id;
            db::apply_states::record_success(
                conn,
                friend,
                seen.share_pending,
                &seen.actual_keys,
                seen.sharing.as_ref(),
                now,
            )?;
            db::plex_users::replace_grants(conn, friend, &grants, now)?;
            crate::access::repeat_edges::refresh(conn, Some(&[friend]), now)?;
            db::plex_users::set_sharing(conn, friend, seen.sharing.as_ref())?;
            if body.end_policy.is_some() {
                db::plex_users::set_end_policy(conn, friend, body.end_policy)?;
            }
            if let (Some(plan_id), Some(name), Some(version)) =
                (body.plan_id, body.plan_name.clone(), body.plan_version)
            {
                db::plex_users::record_given_plan(
                    conn,
                    friend,
                    &GivenPlanRow {
                        plan_id,
                        name,
                        version,
                        given_at: now,
                        reminder_leads: body.plan_reminder_leads.clone(),
                    },
                )?;
            }
            db::plex_users::bump_version(conn, friend, None)?;
            let mut notice = crate::notify::Notice::new(
                "invite.sent",
                format!("Invited {identifier}: {summary_saved}"),
            );
            notice.friend = Some(crate::notify::NoticeFriend {
                id: friend,
                title: identifier.clone(),
                username: seen.username.clone(),
                email: seen.email.clone(),
            });
            notice.libraries = sent_titles.clone();
            crate::notify::record(conn, &notice, now)?;
            let row = db::invites::insert(
                conn,
                &NewInvite {
                    identifier: &identifier,
                    state: InviteState::Pending.as_str(),
                    plex_user_id: Some(friend),
                    plex_account_id: Some(seen.plex_user_id),
                    body: &body_json,
                    sent_library_ids: &sent_json,
                    note: note.as_deref(),
                    created_by: &actor.name,
                    created_at: now,
                    sent_at: now,
                    expires_at,
                },
            )?;
            Event::new("invite.create", Outcome::Success, &actor)
                .target("invite", row.id)
                .details(json!({
                    "identifier": identifier,
                    "friend_id": friend,
                    "plan": body.plan_id.map(|id| json!({"id": id, "name": body.plan_name, "version": body.plan_version})),
                    "grants": body.grants,
                    "sent_library_ids": serde_json::from_str::<serde_json::Value>(&sent_json).unwrap_or_default(),
                    "summary": summary_saved,
                    "expires_at": plexward_shared::time::format(&from_ms(expires_at)),
                }))
                .insert(conn)?;
            Ok(row)
        })
    })
    .await?;
    Ok(CreateInviteResponse {
        dry_run: false,
        invite: Some(response(&row, &catalog)),
        sent_library_ids: catalog.ids_of(keys.iter()),
        summary,
    })
}

/// An invite in API terms.
pub fn response(row: &InviteRow, catalog: &Catalog) -> InviteResponse {
    let body: InviteBody = serde_json::from_str(&row.body).unwrap_or_default();
    let summary = plan_grants::validate(&body.grants, catalog, "grants", true)
        .map(|r| plan_grants::summary(&r, catalog, "acceptance"))
        .unwrap_or_else(|_| {
            let titles: Vec<String> = body
                .grants
                .iter()
                .map(|g| catalog.title_of(g.library_id))
                .collect();
            crate::notify::and_list(&titles)
        });
    InviteResponse {
        id: row.id,
        identifier: row.identifier.clone(),
        state: InviteState::parse(&row.state).unwrap_or(InviteState::Expired),
        friend_id: row.plex_user_id,
        plex_account_id: row.plex_account_id,
        grants: body.grants,
        sharing: body.sharing,
        plan_id: body.plan_id,
        plan_version: body.plan_version,
        sent_library_ids: serde_json::from_str(&row.sent_library_ids).unwrap_or_default(),
        summary,
        note: row.note.clone(),
        created_by: row.created_by.clone(),
        created_at: from_ms(row.created_at),
        sent_at: from_ms(row.sent_at),
        expires_at: from_ms(row.expires_at),
        accepted_at: row.accepted_at.map(from_ms),
        ended_at: row.ended_at.map(from_ms),
    }
}

/// A page of invites.
pub async fn list(pool: &DbPool, query: &InviteQuery) -> Result<List<InviteResponse>, InviteError> {
    let mut errors = FieldErrors::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let state = match text(&query.state) {
        None => None,
        Some(s) => match InviteState::parse(&s) {
            Some(state) => Some(state.as_str()),
            None => {
                errors.insert(
                    "state".into(),
                    "one of pending, accepted, expired, cancelled".into(),
                );
                None
            }
        },
    };
    let friend_id = match text(&query.friend_id) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert("friend_id".into(), "must be a friend id (a number)".into());
                None
            }
        },
    };
    let q = text(&query.q);
    if q.as_deref().is_some_and(|q| q.chars().count() > 254) {
        errors.insert("q".into(), "at most 254 characters".into());
    }
    let paging = plexward_shared::Paging {
        limit: query.limit.clone(),
        offset: query.offset.clone(),
    };
    let (offset, limit) = match paging.parse() {
        Ok(p) => p,
        Err(e) => {
            errors.extend(e);
            (0, None)
        }
    };
    if !errors.is_empty() {
        return Err(InviteError::Invalid(errors));
    }
    let filter = InviteFilter {
        state,
        q,
        friend_id,
    };
    db::run(pool, move |conn| {
        let catalog = Catalog::load(conn)?;
        let (rows, total) =
            db::invites::list(conn, &filter, offset as u64, limit.map(|l| l as u64))?;
        Ok(List {
            items: rows.iter().map(|r| response(r, &catalog)).collect(),
            total,
        })
    })
    .await
    .map_err(Into::into)
}

pub async fn get(pool: &DbPool, id: i64) -> Result<InviteResponse, InviteError> {
    db::run(pool, move |conn| {
        let catalog = Catalog::load(conn)?;
        Ok(db::invites::find(conn, id)?.map(|row| response(&row, &catalog)))
    })
    .await?
    .ok_or(InviteError::NotFound)
}

async fn load_pending(pool: &DbPool, id: i64) -> Result<InviteRow, InviteError> {
    let row = db::run(pool, move |conn| db::invites::find(conn, id))
        .await?
        .ok_or(InviteError::NotFound)?;
    match InviteState::parse(&row.state) {
        Some(InviteState::Pending) => Ok(row),
        Some(state) => Err(InviteError::NotPending(state.as_str())),
        None => Err(InviteError::NotPending("unknown")),
    }
}

/// Whether Plex still has the invite's share pending (`Some(false)`: accepted meanwhile; `None`:
/// gone).
async fn still_pending(
    client: &PlexClient,
    mid: &MachineId,
    row: &InviteRow,
) -> Result<Option<bool>, InviteError> {
    let user = row.plex_account_id.map(|u| UserId(u as u64));
    let shares = client.shares(mid).await?;
    Ok(shares
        .iter()
        .find(|s| Some(s.user_id) == user)
        .map(|s| s.is_pending()))
}

/// Withdraws a pending invite on Plex and records it `state` (cancelled by `actor`, or expired):
/// the friend row it made goes (they never accepted).
async fn withdraw(
    pool: &DbPool,
    applier: &Applier,
    row: InviteRow,
    state: InviteState,
    actor: &Actor,
    reason: &str,
) -> Result<InviteResponse, InviteError> {
    let _one_sync = applier.one_sync_at_a_time().await;
    let _no_applies = applier.exclude_applies().await;
    let session = applier.plex_session().await?;
    if still_pending(&session.client, &session.mid, &row).await? == Some(false) {
        // Accepted meanwhile: it is theirs now; the next sync records it.
        return Err(InviteError::NotPending(
            "accepted on Plex already (a sync will show it)",
        ));
    }
    if let Some(user) = row.plex_account_id {
        session
            .client
            .remove_friend_if_present(&session.mid, UserId(user as u64))
            .await?;
    }
    let now = applier.now();
    let (id, friend, identifier) = (row.id, row.plex_user_id, row.identifier.clone());
    let (actor, reason) = (actor.clone(), reason.to_owned());
    let action = match state {
        InviteState::Cancelled => "invite.cancel",
        _ => "invite.expired",
    };
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            if db::invites::finish(conn, id, state.as_str(), now)? {
                if let Some(friend) = friend {
                    db::plex_users::delete(conn, friend)?;
                }
                Event::new(action, Outcome::Success, &actor)
                    .target("invite", id)
                    .details(
                        json!({"identifier": identifier, "friend_id": friend, "reason": reason}),
                    )
                    .insert(conn)?;
            }
            Ok(())
        })
    })
    .await?;
    get(pool, row.id).await
}

/// Cancels a pending invite (withdrawn on Plex too).
pub async fn cancel(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    actor: &Actor,
) -> Result<InviteResponse, InviteError> {
    let row = load_pending(pool, id).await?;
    withdraw(
        pool,
        applier,
        row,
        InviteState::Cancelled,
        actor,
        "cancelled",
    )
    .await
}

/// Sends a pending invite again: Plex has no "resend", so the pending share is withdrawn and
/// made anew with the same libraries and settings (Plex emails the person again).
pub async fn resend(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    actor: &Actor,
) -> Result<InviteResponse, InviteError> {
    let row = load_pending(pool, id).await?;
    let friend_id = row
        .plex_user_id
        .ok_or(InviteError::NotPending("without a friend"))?;
    let friend = db::run(pool, move |conn| {
        crate::access::friend::Friend::load(conn, friend_id)
    })
    .await?
    .ok_or(InviteError::NotFound)?;
    let _one_sync = applier.one_sync_at_a_time().await;
    let _no_applies = applier.exclude_applies().await;
    let PlexSession {
        client,
        mid,
        mut sections,
    } = applier.plex_session().await?;
    if still_pending(&client, &mid, &row).await? == Some(false) {
        return Err(InviteError::NotPending(
            "accepted on Plex already (a sync will show it)",
        ));
    }
    let keys = NonEmptySet::new(friend.actual_set())
        .map_err(|_| InviteError::NotPending("without libraries on Plex (sync first)"))?;
    let user = UserId(friend.user.plex_user_id as u64);
    client.remove_friend_if_present(&mid, user).await?;
    let ids = client.resolve_sections(&mid, &mut sections, &keys).await?;
    let share = client
        .create_share(
            &mid,
            &Invitee::Email(row.identifier.clone()),
            &ids,
            friend.user.sharing.as_ref(),
        )
        .await?;
    let now = applier.now();
    let actual: Vec<i64> = keys.iter().map(|k| k.0 as i64).collect();
    let actor = actor.clone();
    let identifier = row.identifier.clone();
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            db::plex_users::record_share(
                conn,
                friend_id,
                Some(share.id.0 as i64),
                share.is_pending(),
                &actual,
                None,
            )?;
            db::invites::resent(conn, id, now)?;
            Event::new("invite.resend", Outcome::Success, &actor)
                .target("invite", id)
                .details(json!({"identifier": identifier, "friend_id": friend_id}))
                .insert(conn)?;
            Ok(())
        })
    })
    .await?;
    get(pool, id).await
}

/// What [`settle`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settled {
    /// Friends whose invite was accepted (their windows were fixed: apply them).
    pub accepted: Vec<i64>,
    pub withdrawn: u64,
}

/// Follows pending invites through what a sync just stored (same transaction): accepted ones get
/// their windows fixed from `now`; ones Plex no longer has (withdrawn there, or expired) end.
pub fn settle(conn: &mut diesel::SqliteConnection, now: i64) -> diesel::QueryResult<Settled> {
    let mut out = Settled::default();
    for row in db::invites::pending(conn)? {
        let user = match row.plex_user_id {
            Some(id) => db::plex_users::find(conn, id)?,
            None => None,
        };
        let gone = user
            .as_ref()
            .is_none_or(|u| u.departed_at.is_some() || u.share_id.is_none());
        if gone {
            if db::invites::finish(conn, row.id, InviteState::Expired.as_str(), now)? {
                if let Some(u) = &user {
                    db::plex_users::delete(conn, u.id)?;
                }
                Event::new("invite.expired", Outcome::Success, &Actor::system())
                    .target("invite", row.id)
                    .details(json!({"identifier": row.identifier, "reason": "withdrawn on Plex"}))
                    .insert(conn)?;
                out.withdrawn += 1;
            }
            continue;
        }
        let Some(user) = user else { continue };
        if user.share_pending {
            continue;
        }
        // Accepted: windows given as durations count from now.
        let body: InviteBody = serde_json::from_str(&row.body).unwrap_or_default();
        let catalog = Catalog::load(conn)?;
        let fixed = match plan_grants::validate(&body.grants, &catalog, "grants", true) {
            Ok(relative) => plan_grants::resolve(&relative, now)
                .into_iter()
                .zip(relative.iter())
                .filter(|(_, r)| r.relative())
                .map(|(g, _)| g)
                .collect(),
            Err(_) => Vec::new(),
        };
        let current = db::plex_users::grants_of(conn, user.id)?;
        let mut grants: Vec<_> = current
            .iter()
            .map(|&(library_id, _, starts_at, ends_at, repeat)| {
                match fixed
                    .iter()
                    .find(|g: &&NewGrant| g.library_id == library_id)
                {
                    // Only windows still as the invite left them (open): an edit since stays.
                    Some(g)
                        if starts_at.is_none_or(|s| s <= now)
                            && ends_at.is_none()
                            && repeat.is_none() =>
                    {
                        (library_id, g.starts_at, g.ends_at, None)
                    }
                    _ => (library_id, starts_at, ends_at, repeat),
                }
            })
            .collect();
        for g in &fixed {
            if !current.iter().any(|c| c.0 == g.library_id) {
                grants.push((g.library_id, g.starts_at, g.ends_at, None));
            }
        }
        db::plex_users::replace_grants(conn, user.id, &grants, now)?;
        db::plex_users::bump_version(conn, user.id, None)?;
        db::apply_states::mark_queued(conn, &[user.id], now)?;
        db::invites::finish(conn, row.id, InviteState::Accepted.as_str(), now)?;
        let mut notice = crate::notify::Notice::about(
            "invite.accepted",
            &user,
            fixed
                .iter()
                .map(|g| catalog.title_of(g.library_id))
                .collect(),
            format!("{} accepted the invite.", row.identifier),
        );
        notice.ends_at = fixed.iter().filter_map(|g| g.ends_at).min();
        crate::notify::record(conn, &notice, now)?;
        Event::new("invite.accepted", Outcome::Success, &Actor::system())
            .target("invite", row.id)
            .details(json!({
                "identifier": row.identifier,
                "friend_id": user.id,
                "grants": crate::access::grants::audit_view(&fixed),
            }))
            .insert(conn)?;
        out.accepted.push(user.id);
    }
    Ok(out)
}

/// Withdraws pending invites whose days ran out (on Plex too). Returns how many.
pub async fn expire_due(pool: &DbPool, applier: &Applier) -> Result<u64, InviteError> {
    let now = applier.now();
    let due: Vec<InviteRow> = db::run(pool, db::invites::pending)
        .await?
        .into_iter()
        .filter(|r| r.expires_at <= now)
        .collect();
    let mut n = 0;
    for row in due {
        let days = (row.expires_at - row.created_at) / DAY_MS;
        withdraw(
            pool,
            applier,
            row,
            InviteState::Expired,
            &Actor::system(),
            &format!("not accepted within {days} days"),
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_emails_or_usernames() {
        assert_eq!(
            check_identifier(" new@example.com ").as_deref(),
            Ok("new@example.com")
        );
        assert_eq!(check_identifier("cousin_ann").as_deref(), Ok("cousin_ann"));
        for bad in [
            "",
            "a@b",
            "a@@b.com",
            "@b.com",
            "a b@c.com",
            "not a name",
            "x@.com",
        ] {
            assert!(check_identifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plex_reasons_are_read_from_its_bodies() {
        assert_eq!(
            reason_of(r#"<Response code="400" status="No user named ghost"/>"#),
            "No user named ghost"
        );
        assert_eq!(
            reason_of(r#"{"errors":[{"code":1001,"message":"Invalid email","status":400}]}"#),
            "Invalid email"
        );
    }
}
