//! Friends' requests for more access. A friend asks in the portal for an extension (of one
//! library or of all theirs) or for a library they do not have, with a short note; a few may be
//! open at once and a few made a day. A moderator or admin lists them, approves one (the same
//! preview, save, audit and apply as `PUT …/grants`, through `access::change`) or declines it
//! with a reason. The owner hears of a new one (`request.created`); the friend sees the outcome
//! in the portal, and by email when friends' emails are set up.

use plexward_shared::{
    AccessRequest, AccessRequestKind, AccessRequestState, ApproveRequest, ApproveResponse,
    ExtendPeriod, List, NewAccessRequest, REQUEST_MESSAGE_MAX, REQUESTS_OPEN_MAX, REQUESTS_PER_DAY,
    RequestFriend,
};
use serde_json::json;

use crate::access::applier::Applier;
use crate::access::change::{self, Applied, ChangeError};
use crate::access::friend::{Catalog, Friend};
use crate::access::grants::{self, FieldErrors, NewGrant};
use crate::audit::{Actor, Event, Outcome};
use crate::db::access_requests::{self as rows, Filter, NewRequest, RequestRow};
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::notify::{self, Notice};

const DAY_MS: i64 = 24 * 3_600_000;
/// Requests the portal shows a friend: every open one and the latest decided.
const PORTAL_SHOWN: i64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no such request")]
    NotFound,
    /// Another friend's request, asked for from a portal session.
    #[error("that request is not yours")]
    NotYours,
    /// Approved, declined or cancelled already.
    #[error("this request was {0} already")]
    Closed(&'static str),
    #[error("you have {REQUESTS_OPEN_MAX} requests open: wait for an answer, or cancel one")]
    TooManyOpen,
    #[error("you already asked for that; it is still open")]
    Duplicate,
    #[error("you made {REQUESTS_PER_DAY} requests today")]
    Throttled { retry_after_secs: u64 },
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The change an approval makes was refused (departed friend, invalid grants, Plex).
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RequestError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

fn field(name: &str, why: impl Into<String>) -> RequestError {
    RequestError::Invalid(FieldErrors::from([(name.to_owned(), why.into())]))
}

/// The request as the API shows it; the portal does not see who decided (`staff` false).
pub fn to_api(row: &RequestRow, staff: bool) -> AccessRequest {
    AccessRequest {
        id: row.id,
        friend: RequestFriend {
            id: row.plex_user_id,
            title: plexward_shared::display_name(
                &row.friend_title,
                row.friend_username.as_deref(),
                row.friend_email.as_deref(),
            )
            .to_owned(),
            username: row.friend_username.clone(),
        },
        kind: AccessRequestKind::parse(&row.kind).unwrap_or(AccessRequestKind::Extension),
        state: AccessRequestState::parse(&row.state).unwrap_or(AccessRequestState::Open),
        library_id: row.library_id,
        library_title: row.library_title.clone(),
        period: row
            .period
            .as_deref()
            .and_then(|p| ExtendPeriod::parse(p).ok()),
        message: row.message.clone(),
        created_at: from_ms(row.created_at),
        decided_at: row.decided_at.map(from_ms),
        decided_by: row.decided_by.clone().filter(|_| staff),
        reason: row.reason.clone(),
    }
}

/// What was asked, in words: "more time for Movies", "more time", "the library Movies".
fn asked_in_words(kind: AccessRequestKind, library: Option<&str>) -> String {
    match (kind, library) {
        (AccessRequestKind::Extension, Some(title)) => format!("more time for {title}"),
        (AccessRequestKind::Extension, None) => "more time".to_owned(),
        (AccessRequestKind::Library, Some(title)) => format!("the library {title}"),
        (AccessRequestKind::Library, None) => "a library".to_owned(),
    }
}

/// A note as stored: trimmed, none when empty, at most [`REQUEST_MESSAGE_MAX`] characters.
fn note(value: Option<String>, name: &str) -> Result<Option<String>, RequestError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > REQUEST_MESSAGE_MAX => Err(field(
            name,
            format!("at most {REQUEST_MESSAGE_MAX} characters"),
        )),
        Some(v) if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            Err(field(name, "control characters are not allowed"))
        }
        other => Ok(other),
    }
}

/// Libraries friend `friend` has now or later (a window not yet over, or no end).
fn held(friend: &Friend, now: i64) -> Vec<NewGrant> {
    grants::from_rows(&friend.grants)
        .into_iter()
        .filter(|g| g.repeat.is_some() || g.ends_at.is_none_or(|end| end > now))
        .collect()
}

/// The libraries a friend may ask for: present ones, not the anchor, not held.
pub fn requestable(friend: &Friend, catalog: &Catalog, now: i64) -> impl Fn(i64) -> bool {
    let held: Vec<i64> = held(friend, now).iter().map(|g| g.library_id).collect();
    let anchor = catalog.anchor_id();
    let present: Vec<i64> = catalog.library_ids().collect();
    move |id| present.contains(&id) && Some(id) != anchor && !held.contains(&id)
}

/// Checks what a friend asks for against their access now.
fn check_new(
    new: &NewAccessRequest,
    friend: &Friend,
    catalog: &Catalog,
    now: i64,
) -> Result<(), RequestError> {
    match new.kind {
        AccessRequestKind::Library => {
            let Some(id) = new.library_id else {
                return Err(field("library_id", "say which library you would like"));
            };
            if new.period.is_some() {
                return Err(field("period", "only an extension has a period"));
            }
            if !requestable(friend, catalog, now)(id) {
                return Err(field(
                    "library_id",
                    "not a library you can ask for (you have it already, or it is not on this \
                     server)",
                ));
            }
        }
        AccessRequestKind::Extension => {
            let ends: Vec<NewGrant> = grants::from_rows(&friend.grants)
                .into_iter()
                .filter(|g| Some(g.library_id) != catalog.anchor_id() && g.repeat.is_none())
                .filter(|g| new.library_id.is_none_or(|id| id == g.library_id))
                .collect();
            if new.library_id.is_some() && ends.is_empty() {
                return Err(field("library_id", "not one of your libraries"));
            }
            if !ends.iter().any(|g| g.ends_at.is_some()) {
                return Err(field(
                    if new.library_id.is_some() {
                        "library_id"
                    } else {
                        "kind"
                    },
                    "your access there has no end to extend",
                ));
            }
        }
    }
    Ok(())
}

/// Friend `friend` asks for more (from their portal session at `ip`).
pub async fn ask(
    pool: &DbPool,
    friend_id: i64,
    new: NewAccessRequest,
    ip: Option<String>,
    now: i64,
) -> Result<AccessRequest, RequestError> {
    let (friend, catalog) = change::load(pool, friend_id).await?;
    let message = note(new.message.clone(), "message")?;
    check_new(&new, &friend, &catalog, now)?;
    let actor = Actor::friend(&friend.user.title).from_ip(ip);
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let (open, today) = rows::counts(conn, friend_id, now - DAY_MS)?;
            if open >= REQUESTS_OPEN_MAX as i64 {
                return Ok(Err(RequestError::TooManyOpen));
            }
            if today >= REQUESTS_PER_DAY as i64 {
                let oldest = rows::oldest_since(conn, friend_id, now - DAY_MS)?.unwrap_or(now);
                let wait = (oldest + DAY_MS - now).max(1_000);
                return Ok(Err(RequestError::Throttled {
                    retry_after_secs: (wait as u64).div_ceil(1_000),
                }));
            }
            if rows::open_alike(conn, friend_id, new.kind.as_str(), new.library_id)? {
                return Ok(Err(RequestError::Duplicate));
            }
            let period = new.period.as_ref().map(ToString::to_string);
            let id = rows::insert(
                conn,
                &NewRequest {
                    plex_user_id: friend_id,
                    kind: new.kind.as_str(),
                    library_id: new.library_id,
                    period: period.as_deref(),
                    message: message.as_deref(),
                    created_at: now,
                },
            )?;
            let row = rows::find(conn, id)?.expect("just inserted");
            Event::new("request.create", Outcome::Success, &actor)
                .target("access_request", id)
                .details(json!({
                    "friend": friend_id, "kind": row.kind, "library_id": row.library_id,
                    "period": row.period,
                }))
                .insert(conn)?;
            let asked = asked_in_words(new.kind, row.library_title.as_deref());
            let mut notice = Notice::about(
                "request.created",
                &friend.user,
                row.library_title.iter().cloned().collect(),
                format!("{} asks for {asked}.", to_api(&row, true).friend.title),
            );
            notice.details = json!({
                "request_id": id, "kind": row.kind, "request": asked,
                "message": row.message, "period": row.period,
            });
            notify::record(conn, &notice, now)?;
            Ok(Ok(row))
        })
    })
    .await??;
    notify::wake();
    Ok(to_api(&row, false))
}

/// Friend `friend` withdraws their open request `id`.
pub async fn cancel(
    pool: &DbPool,
    friend_id: i64,
    id: i64,
    ip: Option<String>,
    now: i64,
) -> Result<AccessRequest, RequestError> {
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(row) = rows::find(conn, id)? else {
                return Ok(Err(RequestError::NotFound));
            };
            if row.plex_user_id != friend_id {
                return Ok(Err(RequestError::NotYours));
            }
            if !rows::close(conn, id, "cancelled", "friend", None, now)? {
                return Ok(Err(closed(&row)));
            }
            Event::new(
                "request.cancel",
                Outcome::Success,
                &Actor::friend(&row.friend_title).from_ip(ip),
            )
            .target("access_request", id)
            .details(json!({"friend": friend_id}))
            .insert(conn)?;
            Ok(Ok(rows::find(conn, id)?.expect("still there")))
        })
    })
    .await??;
    Ok(to_api(&row, false))
}

fn closed(row: &RequestRow) -> RequestError {
    RequestError::Closed(
        AccessRequestState::parse(&row.state)
            .unwrap_or(AccessRequestState::Cancelled)
            .as_str(),
    )
}

/// Friend `friend`'s requests for the portal, newest first (open ones first).
pub fn of_friend(
    conn: &mut diesel::SqliteConnection,
    friend: i64,
) -> diesel::QueryResult<Vec<AccessRequest>> {
    Ok(rows::of_friend(conn, friend, PORTAL_SHOWN)?
        .iter()
        .map(|r| to_api(r, false))
        .collect())
}

/// A page of requests for moderators and admins, newest first.
pub async fn list(
    pool: &DbPool,
    filter: Filter,
    offset: i64,
    limit: i64,
) -> Result<List<AccessRequest>, DbError> {
    let (found, total) =
        db::run(pool, move |conn| rows::list(conn, &filter, offset, limit)).await?;
    Ok(List {
        items: found.iter().map(|r| to_api(r, true)).collect(),
        total,
    })
}

/// How many requests wait for an answer (the dashboard's line).
pub async fn open_count(pool: &DbPool) -> Result<u64, DbError> {
    Ok(db::run(pool, rows::open_total).await?.max(0) as u64)
}

/// The open request `id`, or why it cannot be decided.
async fn open_request(pool: &DbPool, id: i64) -> Result<RequestRow, RequestError> {
    let row = db::run(pool, move |conn| rows::find(conn, id))
        .await?
        .ok_or(RequestError::NotFound)?;
    if row.state != "open" {
        return Err(closed(&row));
    }
    Ok(row)
}

/// Declines open request `id`, with an optional reason for the friend.
pub async fn decline(
    pool: &DbPool,
    id: i64,
    actor: &Actor,
    reason: Option<String>,
    now: i64,
) -> Result<AccessRequest, RequestError> {
    let reason = note(reason, "reason")?;
    let actor = actor.clone();
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let Some(row) = rows::find(conn, id)? else {
                return Ok(Err(RequestError::NotFound));
            };
            if !rows::close(conn, id, "declined", &actor.name, reason.as_deref(), now)? {
                return Ok(Err(closed(&row)));
            }
            Event::new("request.decline", Outcome::Success, &actor)
                .target("access_request", id)
                .details(json!({"friend": row.plex_user_id, "reason": reason}))
                .insert(conn)?;
            let row = rows::find(conn, id)?.expect("still there");
            tell_friend(conn, &row, now)?;
            Ok(Ok(row))
        })
    })
    .await??;
    notify::wake();
    Ok(to_api(&row, true))
}

/// The grants an approval gives: `body.grants` as sent, else the request's own change.
fn approved_grants(
    row: &RequestRow,
    body: &ApproveRequest,
    friend: &Friend,
    catalog: &Catalog,
    now: i64,
) -> Result<Vec<NewGrant>, FieldErrors> {
    if let Some(requested) = &body.grants {
        return grants::validate(requested, catalog);
    }
    let current = grants::from_rows(&friend.grants);
    let unknown = |id: i64| {
        FieldErrors::from([(
            "grants".to_owned(),
            format!(
                "the library the request names ({}) is no longer on the server: give `grants`",
                catalog.title_of(id)
            ),
        )])
    };
    match AccessRequestKind::parse(&row.kind) {
        Some(AccessRequestKind::Library) => {
            let id = row.library_id.ok_or_else(|| unknown(0))?;
            if !catalog.has_library(id) {
                return Err(unknown(id));
            }
            // Until the friend's other access ends: one end for all, when every window has one.
            let ends: Vec<Option<i64>> = held(friend, now)
                .iter()
                .filter(|g| Some(g.library_id) != catalog.anchor_id() && g.repeat.is_none())
                .map(|g| g.ends_at)
                .collect();
            let end = if !ends.is_empty() && ends.iter().all(Option::is_some) {
                ends.into_iter().flatten().max()
            } else {
                None
            };
            Ok(grants::add_libraries(
                &current,
                &[NewGrant::window(id, None, end)],
            ))
        }
        _ => {
            let period = body
                .period
                .clone()
                .or_else(|| {
                    row.period
                        .as_deref()
                        .and_then(|p| ExtendPeriod::parse(p).ok())
                })
                .unwrap_or(ExtendPeriod::Month);
            let only = row.library_id.map(|id| vec![id]);
            if let Some(id) = row.library_id
                && !catalog.has_library(id)
            {
                return Err(unknown(id));
            }
            Ok(grants::extend(&current, &period, only.as_deref(), now))
        }
    }
}

/// Approves open request `id`: previews the change (`dry_run`, the request stays open) or saves
/// and applies it as `PUT …/grants` would, then marks the request approved and tells the friend.
/// Two moderators approving at once: one wins, the other gets `Closed`.
#[allow(clippy::too_many_arguments)]
pub async fn approve<F, Fut>(
    pool: &DbPool,
    applier: &Applier,
    id: i64,
    actor: &Actor,
    body: ApproveRequest,
    dry_run: bool,
    apply: F,
) -> Result<ApproveResponse, RequestError>
where
    F: FnOnce(i64) -> Fut,
    Fut: Future<Output = Result<Applied, DbError>>,
{
    if body.grants.is_some() && body.period.is_some() {
        return Err(field("period", "give `grants` or `period`, not both"));
    }
    let row = open_request(pool, id).await?;
    let friend_id = row.plex_user_id;
    let action = match (&body.grants, row.kind.as_str()) {
        (None, "extension") => "grants.extend",
        _ => "grants.set",
    };
    let compute = {
        let (row, body) = (row.clone(), body.clone());
        move |friend: &Friend, catalog: &Catalog, now: i64| {
            approved_grants(&row, &body, friend, catalog, now)
        }
    };
    if dry_run {
        let change = change::change_friend(
            pool, applier, friend_id, actor, action, true, None, &compute, apply,
        )
        .await?;
        return Ok(ApproveResponse {
            request: to_api(&row, true),
            change,
        });
    }
    // Claim it first, so a second approver cannot apply the change again; give it back when
    // the change is refused.
    let now = applier.now();
    let by = actor.name.clone();
    let claimed = db::run(pool, move |conn| {
        rows::close(conn, id, "approved", &by, None, now)
    })
    .await?;
    if !claimed {
        return Err(open_request(pool, id)
            .await
            .err()
            .unwrap_or(RequestError::Closed("approved")));
    }
    let change = match change::change_friend(
        pool, applier, friend_id, actor, action, false, None, &compute, apply,
    )
    .await
    {
        Ok(change) => change,
        Err(e) => {
            db::run(pool, move |conn| rows::reopen(conn, id)).await?;
            return Err(e.into());
        }
    };
    let actor = actor.clone();
    let job = change.job_id.clone();
    let row = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            Event::new("request.approve", Outcome::Success, &actor)
                .target("access_request", id)
                .details(json!({"friend": friend_id, "job_id": job}))
                .insert(conn)?;
            let row = rows::find(conn, id)?.expect("still there");
            tell_friend(conn, &row, now)?;
            Ok::<_, diesel::result::Error>(row)
        })
    })
    .await?;
    notify::wake();
    Ok(ApproveResponse {
        request: to_api(&row, true),
        change,
    })
}

/// Emails the friend the outcome of decided request `row`, when friends' emails are set up,
/// the friend has an address and has not opted out.
fn tell_friend(
    conn: &mut diesel::SqliteConnection,
    row: &RequestRow,
    now: i64,
) -> diesel::QueryResult<()> {
    let settings = crate::settings::notifications::load_settings(conn)?;
    let Some(channel) =
        crate::settings::notifications::friends_channel(conn, settings.friend_email_channel_id)?
    else {
        return Ok(());
    };
    let Some(email) = row.friend_email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Ok(());
    };
    let (wanted, _) = crate::settings::notifications::friend_wants_email(conn, row.plex_user_id)?;
    let Some(user) = db::plex_users::find(conn, row.plex_user_id)?.filter(|_| wanted) else {
        return Ok(());
    };
    let kind = AccessRequestKind::parse(&row.kind).unwrap_or(AccessRequestKind::Extension);
    let asked = asked_in_words(kind, row.library_title.as_deref());
    let outcome = row.state.as_str();
    let mut notice = Notice::about(
        "request.decided",
        &user,
        row.library_title.iter().cloned().collect(),
        format!("Your request for {asked} was {outcome}."),
    );
    notice.details = json!({
        "request_id": row.id, "request": asked, "outcome": outcome, "reason": row.reason,
        "audience": "friend",
    });
    notify::record_to(conn, &notice, channel, email, now)?;
    Ok(())
}

/// The staff list's filters and paging from its query, or the reason per bad parameter.
pub fn filter_of(query: &plexward_shared::RequestQuery) -> Result<(Filter, i64, i64), FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let state = text(&query.state).and_then(|s| {
        let parsed = AccessRequestState::parse(&s).map(AccessRequestState::as_str);
        if parsed.is_none() {
            errors.insert(
                "state".into(),
                "one of open, approved, declined, cancelled".into(),
            );
        }
        parsed
    });
    let kind = text(&query.kind).and_then(|k| {
        let parsed = AccessRequestKind::parse(&k).map(AccessRequestKind::as_str);
        if parsed.is_none() {
            errors.insert("kind".into(), "one of extension, library".into());
        }
        parsed
    });
    let friend = text(&query.friend_id).and_then(|v| {
        let parsed = v.parse::<i64>().ok();
        if parsed.is_none() {
            errors.insert("friend_id".into(), "must be a friend id".into());
        }
        parsed
    });
    let paging = plexward_shared::Paging {
        limit: query.limit.clone(),
        offset: query.offset.clone(),
    };
    let (offset, limit) = paging.parse().unwrap_or_else(|e| {
        errors.extend(e);
        (0, None)
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Filter {
            state,
            kind,
            friend,
        },
        offset as i64,
        limit.unwrap_or(100) as i64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_capped_and_free_of_control_characters() {
        assert_eq!(
            note(Some("  hi  ".into()), "m").ok(),
            Some(Some("hi".into()))
        );
        assert_eq!(note(Some("   ".into()), "m").ok(), Some(None));
        assert!(note(Some("line one\nline two\tend".into()), "m").is_ok());
        assert!(note(Some("é".repeat(REQUEST_MESSAGE_MAX)), "m").is_ok());
        let long = note(Some("é".repeat(REQUEST_MESSAGE_MAX + 1)), "message");
        assert!(matches!(long, Err(RequestError::Invalid(f)) if f.contains_key("message")));
        let bell = note(Some("ring\u{7}".into()), "reason");
        assert!(matches!(bell, Err(RequestError::Invalid(f)) if f.contains_key("reason")));
    }

    #[test]
    fn what_was_asked_reads_as_words() {
        use AccessRequestKind::{Extension, Library};
        assert_eq!(
            asked_in_words(Extension, Some("Movies")),
            "more time for Movies"
        );
        assert_eq!(asked_in_words(Extension, None), "more time");
        assert_eq!(
            asked_in_words(Library, Some("TV Shows")),
            "the library TV Shows"
        );
    }

    #[test]
    fn bad_filters_are_named() {
        let query = plexward_shared::RequestQuery {
            state: Some("maybe".into()),
            kind: Some("library".into()),
            friend_id: Some("x".into()),
            limit: Some("0".into()),
            offset: None,
        };
        let errors = filter_of(&query).expect_err("refused");
        assert!(errors.contains_key("state") && errors.contains_key("friend_id"));
        assert!(errors.contains_key("limit"), "{errors:?}");
        assert!(!errors.contains_key("kind"));
        let fine = plexward_shared::RequestQuery {
            state: Some("open".into()),
            ..Default::default()
        };
        let (filter, offset, limit) = filter_of(&fine).expect("fine");
        assert_eq!((filter.state, offset, limit), (Some("open"), 0, 100));
    }
}
