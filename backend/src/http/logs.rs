//! `/api/v1/logs`: the newest lines of the application log (filtered, parsed), the files as a
//! download, and a live stream (Server-Sent Events). File names come from [`LogFile`], never from
//! the request, so no parameter can reach another path.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use plexward_shared::{
    LOG_LINES_DEFAULT, LOG_LINES_MAX, LOG_LINES_MIN, LOG_QUERY_MAX_CHARS, List, LogDownloadQuery,
    LogEntry, LogFile, LogLevel, LogQuery, LogStreamQuery, Permission,
};
use serde_json::json;
use tokio::sync::broadcast;

use crate::audit::{Event, Outcome};
use crate::auth::Principal;
use crate::http::deprecation;
use crate::http::error::ApiError;
use crate::http::extractors::QueryParams;
use crate::http::live_streams::{self, HEARTBEAT, STREAM_LIFETIME};
use crate::logs::hub::{HubLine, LogHub};
use crate::logs::{archive, line::Filter, tail};
use crate::state::AppState;

/// A page of a log file's matching lines counted from the newest (`offset` skipped, then `limit`),
/// oldest first; `total` counts every matching line of the file and its rotated copies.
#[utoipa::path(
    operation_id = "readLogs",
    tag = "logs",
    params(LogQuery),
    responses(
        (status = 200, description = "The lines", body = List<LogEntry>),
        (status = 403, description = "Admins, moderators and auditors only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/logs")]
pub async fn read(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewLogs)?;
    let query = query?.into_inner();
    let mut errors = BTreeMap::new();
    let file = parse_file(query.file.as_deref(), &mut errors);
    let level = parse_level(query.level.as_deref(), &mut errors);
    let number = |name: &str,
                  value: &str,
                  range: std::ops::RangeInclusive<u32>,
                  errors: &mut BTreeMap<String, String>| match value.parse::<u32>()
    {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errors.insert(
                name.into(),
                format!("must be a number from {} to {}", range.start(), range.end()),
            );
            None
        }
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let deprecated_lines = text(&query.lines).is_some();
    let limit = match (text(&query.limit), text(&query.lines)) {
        (Some(_), Some(_)) => {
            errors.insert(
                "limit".into(),
                "give `limit` only (`lines` is its deprecated name)".into(),
            );
            None
        }
        (Some(v), None) => number("limit", &v, LOG_LINES_MIN..=LOG_LINES_MAX, &mut errors),
        (None, Some(v)) => number("lines", &v, LOG_LINES_MIN..=LOG_LINES_MAX, &mut errors),
        (None, None) => None,
    }
    .unwrap_or(LOG_LINES_DEFAULT);
    let offset = match text(&query.offset) {
        None => 0,
        Some(v) => match v.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                errors.insert("offset".into(), "must be a whole number ≥ 0".into());
                0
            }
        },
    };
    if query
        .q
        .as_ref()
        .is_some_and(|q| q.chars().count() > LOG_QUERY_MAX_CHARS)
    {
        errors.insert(
            "q".into(),
            format!("must be at most {LOG_QUERY_MAX_CHARS} characters"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let filter = Filter::new(level, query.q.as_deref());
    let dir = state.logs_dir.clone();
    let (entries, total) =
        web::block(move || tail::page(&dir, file, &filter, offset as usize, limit as usize))
            .await
            .map_err(|e| anyhow::anyhow!("log reader stopped: {e}"))?
            .map_err(|e| ApiError::Unavailable(format!("the log files cannot be read: {e}")))?;
    let mut response = HttpResponse::Ok();
    if deprecated_lines {
        deprecation::mark(&mut response);
    }
    Ok(response.json(List {
        items: entries,
        total,
    }))
}

/// A log file as text, or with `all=true` the current and rotated files as one `.tar.gz`.
#[utoipa::path(
    operation_id = "downloadLogs",
    tag = "logs",
    params(LogDownloadQuery),
    responses(
        (status = 200, description = "The file (`text/plain`) or archive (`application/gzip`)"),
        (status = 403, description = "Admins and auditors only", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/logs/download")]
pub async fn download(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<LogDownloadQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::DownloadLogs)?;
    let query = query?.into_inner();
    let mut errors = BTreeMap::new();
    let file = parse_file(query.file.as_deref(), &mut errors);
    let all = match query.all.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.insert("all".into(), "must be `true` or `false`".into());
            false
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let dir = state.logs_dir.clone();
    let body = web::block(move || archive::download(&dir, file, all))
        .await
        .map_err(|e| anyhow::anyhow!("log reader stopped: {e}"))?
        .map_err(|e| ApiError::Unavailable(format!("the log files cannot be read: {e}")))?;
    Event::new("logs.download", Outcome::Success, &principal.actor())
        .ip(principal.ip.clone())
        .details(json!({ "file": file.as_str(), "all": all, "bytes": body.len() }))
        .record(&state.db)
        .await;
    let (name, content_type) = if all {
        (
            format!("plexward-{}-logs.tar.gz", file.as_str()),
            "application/gzip",
        )
    } else {
        (
            format!("plexward-{}.log", file.as_str()),
            "text/plain; charset=utf-8",
        )
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

/// New lines of `app.log` as they are written (Server-Sent Events, `text/event-stream`): each
/// event has the line's sequence number as its `id` and the parsed line as JSON `data`. A client
/// reconnecting with `Last-Event-ID` (or `after`) first gets the lines it missed that are still
/// in memory. Streams end after five minutes; clients reconnect.
#[utoipa::path(
    operation_id = "streamLogs",
    tag = "logs",
    params(LogStreamQuery),
    responses(
        (status = 200, description = "An event stream of `LogEntry` JSON"),
        (status = 403, description = "Admins, moderators and auditors only", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many live streams open (`too_many_streams`): this account holds `live_streams_per_account` (5), or the server `live_streams_total` (200); retry after `Retry-After`", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/logs/stream")]
pub async fn stream(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<LogStreamQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewLogs)?;
    let slot = state.live_streams.open(principal.account.id)?;
    let query = query?.into_inner();
    let mut errors = BTreeMap::new();
    let level = parse_level(query.level.as_deref(), &mut errors);
    let after = match resume_point(&req, query.after.as_deref()) {
        Ok(after) => after,
        Err(why) => {
            errors.insert("after".into(), why);
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let events = LiveLines::new(state.log_hub.clone(), after, level);
    Ok(live_streams::response(slot, events.into_stream()))
}

/// `Last-Event-ID` (what browsers send on reconnect) or `?after=`.
fn resume_point(req: &HttpRequest, from_query: Option<&str>) -> Result<Option<u64>, String> {
    let from_header = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = from_query.map(str::to_owned);
    match from_header.or(from_query).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| "must be an event id (a whole number)".to_owned()),
    }
}

/// One client's stream: the backlog first, then live lines, catching up from the hub's recent
/// lines if it fell behind.
struct LiveLines {
    hub: Arc<LogHub>,
    pending: VecDeque<Arc<HubLine>>,
    receiver: broadcast::Receiver<Arc<HubLine>>,
    last_id: u64,
    min_level: Option<LogLevel>,
    heartbeat: tokio::time::Interval,
    ends_at: tokio::time::Instant,
    greeted: bool,
}

impl LiveLines {
    fn new(hub: Arc<LogHub>, after: Option<u64>, min_level: Option<LogLevel>) -> Self {
        let (backlog, receiver) = hub.subscribe(after);
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.reset();
        Self {
            hub,
            pending: backlog.into(),
            receiver,
            last_id: after.unwrap_or(0),
            min_level,
            heartbeat,
            ends_at: tokio::time::Instant::now() + STREAM_LIFETIME,
            greeted: false,
        }
    }

    fn into_stream(self) -> impl futures_util::Stream<Item = Bytes> {
        futures_util::stream::unfold(self, |mut lines| async move {
            let frame = lines.next_frame().await?;
            Some((frame, lines))
        })
    }

    /// The next bytes to send; `None` ends the stream.
    async fn next_frame(&mut self) -> Option<Bytes> {
        if !self.greeted {
            self.greeted = true;
            // Reconnect after 2 s; a comment so the client sees the stream is open.
            return Some(Bytes::from_static(b"retry: 2000\n: connected\n\n"));
        }
        loop {
            while let Some(line) = self.pending.pop_front() {
                if line.id <= self.last_id && self.last_id != 0 {
                    continue;
                }
                self.last_id = line.id;
                if self.min_level.is_some_and(|min| line.level < min) {
                    continue;
                }
                return Some(line.frame.clone());
            }
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(line) => self.pending.push_back(line),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.pending.extend(self.hub.since(self.last_id));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.heartbeat.tick() => return Some(Bytes::from_static(b": keep-alive\n\n")),
                _ = tokio::time::sleep_until(self.ends_at) => return None,
            }
        }
    }
}

fn parse_file(value: Option<&str>, errors: &mut BTreeMap<String, String>) -> LogFile {
    match value {
        None | Some("") => LogFile::App,
        Some(v) => v.parse().unwrap_or_else(|why| {
            errors.insert("file".into(), why);
            LogFile::App
        }),
    }
}

fn parse_level(value: Option<&str>, errors: &mut BTreeMap<String, String>) -> Option<LogLevel> {
    match value {
        None | Some("") => None,
        Some(v) => match v.parse() {
            Ok(level) => Some(level),
            Err(why) => {
                errors.insert("level".into(), why);
                None
            }
        },
    }
}
