//! `/api/v1/audit`: the audit trail, filtered and paged, and the same as CSV. Read-only by
//! design: there is no route that changes or deletes an event.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use plexward_shared::{
    AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AuditEventResponse, AuditQuery, List, Permission,
};
use serde_json::json;

use crate::access::grants::parse_time;
use crate::audit::{Event, Outcome};
use crate::auth::Principal;
use crate::db::audit::{AuditEvent, AuditFilter};
use crate::db::time::from_ms;
use crate::db::{self, DbPool};
use crate::http::deprecation;
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::extractors::{QueryParams, paged};
use crate::http::live_streams::{self, HEARTBEAT, STREAM_LIFETIME};
use crate::state::AppState;

/// Audit events, newest first.
#[utoipa::path(
    operation_id = "listAuditEvents",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of events; `total` counts all matches", body = List<AuditEventResponse>),
        (status = 403, description = "Admins, moderators and auditors only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/audit")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewAudit)?;
    let query = query?.into_inner();
    let zone = db::run(&state.db, crate::settings::plex::time_zone).await?;
    let (filter, limit, offset) = parse(&query, zone)?;
    let (events, total) = db::run(&state.db, move |conn| {
        db::audit::page(conn, &filter, limit, offset)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    if text(&query.plex_user_id).is_some() {
        deprecation::mark(&mut response);
    }
    Ok(response.json(List {
        items: events.into_iter().map(dto::audit_event).collect(),
        total: total as u64,
    }))
}

/// Every action recorded so far (for a filter's choices).
#[utoipa::path(
    operation_id = "listAuditActions",
    tag = "audit",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "Action names, sorted", body = List<String>),
        (status = 403, description = "Admins, moderators and auditors only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/audit/actions")]
pub async fn actions(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewAudit)?;
    let actions = db::run(&state.db, db::audit::actions).await?;
    Ok(HttpResponse::Ok().json(paged(actions, paging)?))
}

/// Matching events as CSV (`text/csv`), newest first, all of them (no paging). Cells that a
/// spreadsheet would run as a formula are prefixed with `'`.
#[utoipa::path(
    operation_id = "exportAuditEvents",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "CSV: id, at, actor, action, outcome, target_type, target_id, ip, details, via_token_id, via_token (the last two: the API token's id and name, empty for sessions and the system)"),
        (status = 403, description = "Admins and auditors only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/audit/export")]
pub async fn export(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ExportAudit)?;
    let query = query?.into_inner();
    let zone = db::run(&state.db, crate::settings::plex::time_zone).await?;
    let (filter, _, _) = parse(&query, zone)?;
    // Recorded first: the export then contains its own event, and a failed export still shows.
    Event::new("audit.export", Outcome::Success, &principal.actor())
        .ip(principal.ip.clone())
        .details(json!({ "filters": query_summary(&query) }))
        .record(&state.db)
        .await;
    let rows = csv_rows(state.db.clone(), filter);
    let mut response = HttpResponse::Ok();
    if text(&query.plex_user_id).is_some() {
        deprecation::mark(&mut response);
    }
    Ok(response
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"plexward-audit.csv\"",
        ))
        .streaming(rows))
}

/// Events read from the database at a time.
const STREAM_BATCH: i64 = 100;

/// New audit events as they are written (Server-Sent Events, `text/event-stream`), with the same
/// filters as the list: each event has the audit event's id as its `id` and the event as JSON
/// `data` (like the list's items). It starts with what is written from now on; a client that
/// reconnects with `Last-Event-ID` (or `after`) gets everything after that event first. A stream lasts five
/// minutes (the browser reconnects by itself); a comment every 15 s keeps it open.
#[utoipa::path(
    operation_id = "streamAuditEvents",
    tag = "audit",
    params(AuditQuery,
        ("after" = Option<i64>, Query, description = "Resume after this event (as `Last-Event-ID` does, for a client that reconnects by itself)"),
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event (what a browser sends on reconnect)")),
    responses(
        (status = 200, description = "An event stream of `AuditEventResponse` JSON"),
        (status = 400, description = "A filter or `Last-Event-ID` that cannot be read", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Admins, moderators and auditors only", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many live streams open (`too_many_streams`): this account holds `live_streams_per_account` (5), or the server `live_streams_total` (200); retry after `Retry-After`", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/audit/stream")]
pub async fn stream(
    req: actix_web::HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewAudit)?;
    let slot = state.live_streams.open(principal.account.id)?;
    let query = query?.into_inner();
    let zone = db::run(&state.db, crate::settings::plex::time_zone).await?;
    let (filter, _, _) = parse(&query, zone)?;
    let invalid = |what: &str| {
        ApiError::bad_request(
            "invalid_last_event_id",
            format!("{what} must be an event id"),
        )
    };
    let header = match req.headers().get("last-event-id").map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => Some(v.trim().to_owned()),
        Some(Err(_)) => return Err(invalid("Last-Event-ID")),
    };
    let param = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "after")
        .map(|(_, v)| v.trim().to_owned());
    let resume = match (
        header.filter(|v| !v.is_empty()),
        param.filter(|v| !v.is_empty()),
    ) {
        (Some(v), _) => Some(v.parse::<i64>().map_err(|_| invalid("Last-Event-ID"))?),
        (None, Some(v)) => Some(v.parse::<i64>().map_err(|_| invalid("after"))?),
        (None, None) => None,
    };
    let after = match resume {
        Some(id) => id,
        None => db::run(&state.db, db::audit::last_id).await?,
    };
    let live = LiveEvents {
        pool: state.db.clone(),
        filter,
        after,
        pending: std::collections::VecDeque::new(),
        heartbeat: tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT),
        ends_at: tokio::time::Instant::now() + STREAM_LIFETIME,
        greeted: false,
    };
    Ok(live_streams::response(
        slot,
        futures_util::stream::unfold(live, |mut live| async move {
            let frame = live.next_frame().await?;
            Some((frame, live))
        }),
    ))
}

/// One client's audit stream.
struct LiveEvents {
    pool: DbPool,
    filter: AuditFilter,
    /// The last event sent (or the newest when the stream began).
    after: i64,
    pending: std::collections::VecDeque<AuditEvent>,
    heartbeat: tokio::time::Interval,
    ends_at: tokio::time::Instant,
    greeted: bool,
}

impl LiveEvents {
    /// The next bytes to send; `None` ends the stream.
    async fn next_frame(&mut self) -> Option<Bytes> {
        if !self.greeted {
            self.greeted = true;
            return Some(Bytes::from_static(b"retry: 2000\n: connected\n\n"));
        }
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.after = event.id;
                let id = event.id;
                let json = serde_json::to_string(&dto::audit_event(event)).unwrap_or_default();
                return Some(Bytes::from(format!("id: {id}\ndata: {json}\n\n")));
            }
            // Registered before looking, so a write in between still wakes this stream.
            let written = crate::audit::WRITTEN.notified();
            let (filter, after) = (self.filter.clone(), self.after);
            match db::run(&self.pool, move |conn| {
                db::audit::after(conn, &filter, after, STREAM_BATCH)
            })
            .await
            {
                Ok(events) if !events.is_empty() => {
                    self.pending.extend(events);
                    continue;
                }
                Ok(_) => {}
                // The database is away: end; the client reconnects and resumes.
                Err(_) => return None,
            }
            tokio::select! {
                () = written => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = self.heartbeat.tick() => return Some(Bytes::from_static(b": keep-alive\n\n")),
                () = tokio::time::sleep_until(self.ends_at) => return None,
            }
        }
    }
}

/// Rows in batches of [`EXPORT_BATCH`] (keyset paging by id), so memory stays flat however long
/// the trail is.
const EXPORT_BATCH: i64 = 1_000;

fn csv_rows(
    pool: DbPool,
    filter: AuditFilter,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    enum Next {
        Header,
        Before(Option<i64>),
        Done,
    }
    futures_util::stream::unfold(Next::Header, move |next| {
        let pool = pool.clone();
        let filter = filter.clone();
        async move {
            match next {
                Next::Done => None,
                Next::Header => Some((
                    Ok(Bytes::from_static(
                        b"id,at,actor,action,outcome,target_type,target_id,ip,details,via_token_id,via_token,count\r\n",
                    )),
                    Next::Before(None),
                )),
                Next::Before(before) => {
                    let batch = db::run(&pool, move |conn| {
                        db::audit::batch_before(conn, &filter, before, EXPORT_BATCH)
                    })
                    .await;
                    match batch {
                        Err(e) => Some((
                            Err(actix_web::error::ErrorServiceUnavailable(e.to_string())),
                            Next::Done,
                        )),
                        Ok(events) if events.is_empty() => None,
                        Ok(events) => {
                            let last = events.last().map(|e| e.id);
                            let full = events.len() as i64 == EXPORT_BATCH;
                            let text: String = events.iter().map(csv_line).collect();
                            Some((
                                Ok(Bytes::from(text)),
                                if full { Next::Before(last) } else { Next::Done },
                            ))
                        }
                    }
                }
            }
        }
    })
}

fn csv_line(e: &AuditEvent) -> String {
    let at = plexward_shared::time::format(&from_ms(e.at));
    let cells = [
        e.id.to_string(),
        at,
        e.actor.clone(),
        e.action.clone(),
        e.outcome.clone(),
        e.target_type.clone().unwrap_or_default(),
        e.target_id.clone().unwrap_or_default(),
        e.ip.clone().unwrap_or_default(),
        e.details.clone().unwrap_or_default(),
        e.token_id.map(|id| id.to_string()).unwrap_or_default(),
        e.token_name.clone().unwrap_or_default(),
        e.count.to_string(),
    ];
    crate::csv::line(&cells)
}

fn query_summary(q: &AuditQuery) -> serde_json::Value {
    json!({
        "actor": q.actor, "action": q.action,
        "friend_id": q.friend_id.as_ref().or(q.plex_user_id.as_ref()),
        "outcome": q.outcome, "from": q.from, "to": q.to,
    })
}

/// A parameter's text, trimmed; empty counts as absent.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The filters, page size and offset, or every bad field at once.
fn parse(q: &AuditQuery, zone: chrono_tz::Tz) -> Result<(AuditFilter, i64, i64), ApiError> {
    let mut errors = BTreeMap::new();
    let mut filter = AuditFilter::default();
    if let Some(actor) = text(&q.actor) {
        if actor.chars().count() > 100 {
            errors.insert("actor".into(), "must be at most 100 characters".into());
        }
        filter.actor = Some(actor.to_owned());
    }
    if let Some(action) = text(&q.action) {
        // `grants.*` is the family `grants` (what the Audit page's filter offers).
        let action = action.strip_suffix(".*").unwrap_or(action);
        let valid = !action.is_empty()
            && action.len() <= 64
            && action
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
        if !valid {
            errors.insert(
                "action".into(),
                "must be an action name like `grants.set`, or a family like `grants.*` (a–z, 0–9, `_`, `.`)"
                    .into(),
            );
        }
        filter.action = Some(action.trim_end_matches('.').to_owned());
    }
    let friend = match (text(&q.friend_id), text(&q.plex_user_id)) {
        (Some(_), Some(_)) => {
            errors.insert(
                "friend_id".into(),
                "give `friend_id` only (`plex_user_id` is its deprecated name)".into(),
            );
            None
        }
        (Some(id), None) => Some(("friend_id", id)),
        (None, Some(id)) => Some(("plex_user_id", id)),
        (None, None) => None,
    };
    if let Some((name, id)) = friend {
        match id.parse::<i64>() {
            Ok(id) => filter.target = Some(("plex_user".into(), id.to_string())),
            Err(_) => {
                errors.insert(
                    name.into(),
                    "must be a friend's id (Plexward's, a number)".into(),
                );
            }
        }
    }
    if let Some(outcome) = text(&q.outcome) {
        if ["success", "failure", "denied"].contains(&outcome) {
            filter.outcome = Some(outcome.to_owned());
        } else {
            errors.insert(
                "outcome".into(),
                "must be `success`, `failure` or `denied`".into(),
            );
        }
    }
    let mut instant = |name: &str, value: Option<&str>| {
        value.and_then(|v| match parse_time(v, zone) {
            Ok(ms) => Some(ms),
            Err(_) => {
                errors.insert(
                    name.into(),
                    "must be a date and time like 2026-11-24T09:00:00Z, or a date (midnight in \
                     the server's time zone)"
                        .into(),
                );
                None
            }
        })
    };
    filter.from = instant("from", text(&q.from));
    filter.to = instant("to", text(&q.to));
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from >= to
    {
        errors.insert("to".into(), "must be after `from`".into());
    }
    let limit = match text(&q.limit) {
        None => i64::from(AUDIT_PAGE_DEFAULT),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=AUDIT_PAGE_MAX).contains(&n) => i64::from(n),
            _ => {
                errors.insert(
                    "limit".into(),
                    format!("must be a number from 1 to {AUDIT_PAGE_MAX}"),
                );
                0
            }
        },
    };
    let offset = match text(&q.offset) {
        None => 0,
        Some(v) => match v.parse::<u32>() {
            Ok(n) => i64::from(n),
            Err(_) => {
                errors.insert("offset".into(), "must be a whole number ≥ 0".into());
                0
            }
        },
    };
    if errors.is_empty() {
        Ok((filter, limit, offset))
    } else {
        Err(ApiError::InvalidQuery(errors))
    }
}
