//! `If-Match` on writes (optimistic concurrency). A friend's ETag names their edit version
//! (`W/"v7-…"`: the version, then a hash of the answer for `If-None-Match`); a settings resource's
//! names what is stored (`W/"s…"`, also its `version` field). A write that sends `If-Match` with
//! an older one gets 412 `precondition_failed` with the resource as it is now and who changed it,
//! and changes nothing. No `If-Match` (or `*`): last write wins, as before.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use plexward_shared::ChangedBy;
use serde::Serialize;

use crate::db;
use crate::db::time::from_ms;
use crate::http::error::ApiError;
use crate::state::AppState;

/// The edit version `If-Match` names, if it names one (`None`: absent or `*`).
pub fn expected_version(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.split(',')
        .next()
        .and_then(version_of)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be the ETag this resource was read with (like W/\"v7-…\"), or *",
            )
        })
}

/// `7` from `W/"v7-1a2b…"`, `"v7-1a2b…"` or `"v7"`.
fn version_of(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    let digits = inner.strip_prefix('v')?;
    let digits = digits.split('-').next()?;
    digits.parse().ok().filter(|v| *v > 0)
}

/// The tag `If-Match` names for a settings write (`None`: absent or `*`).
pub fn expected_tag(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    match text {
        "*" => Ok(None),
        tag if tag.trim_start_matches("W/").starts_with('"') && tag.ends_with('"') => {
            Ok(Some(tag.to_owned()))
        }
        _ => Err(ApiError::bad_request(
            "invalid_if_match",
            "If-Match must be the ETag this resource was read with (like W/\"s1a2b…\"), or *",
        )),
    }
}

/// The version of the settings stored under `keys` (see `db::settings::tag`).
pub async fn settings_tag(
    state: &AppState,
    keys: &'static [&'static str],
) -> Result<String, ApiError> {
    Ok(db::run(&state.db, move |conn| db::settings::tag(conn, keys)).await?)
}

/// `body` (whose `version` is `tag`) with `tag` as its `ETag`.
pub fn tagged<T: Serialize>(body: &T, tag: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag.to_owned()))
        .json(body)
}

/// Audit actions that edit a friend (what a stale `If-Match` lost against).
const FRIEND_EDITS: [&str; 4] = ["grants.", "sharing.", "end_policy.", "plan."];

/// The 412 for friend `id`: the friend as they are now and the last edit made to them.
pub async fn friend_changed(state: &AppState, id: i64) -> ApiError {
    let current = match state.friends.snapshot().await {
        Ok(snapshot) => snapshot
            .detail(id)
            .and_then(|answer| serde_json::from_slice(&answer.body).ok()),
        Err(_) => None,
    };
    let filter = db::audit::AuditFilter {
        target: Some(("plex_user".into(), id.to_string())),
        ..Default::default()
    };
    let last = last_change(state, filter, |action| {
        FRIEND_EDITS.iter().any(|family| action.starts_with(family))
    })
    .await;
    refused("This friend was changed", current, last)
}

/// The 412 for a settings resource: `current` as a GET answers now, and the last `action`.
pub async fn settings_changed(
    state: &AppState,
    action: &'static str,
    current: impl Serialize,
) -> ApiError {
    let filter = db::audit::AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    let last = last_change(state, filter, |a| a == action).await;
    refused(
        "These settings were changed",
        serde_json::to_value(current).ok(),
        last,
    )
}

/// The 412 for account `id`: `current` (the account now) and its last change.
pub async fn account_changed(state: &AppState, id: i64, current: impl Serialize) -> ApiError {
    let filter = db::audit::AuditFilter {
        target: Some(("account".into(), id.to_string())),
        ..Default::default()
    };
    let last = last_change(state, filter, |a| a.starts_with("account.")).await;
    refused(
        "This account was changed",
        serde_json::to_value(current).ok(),
        last,
    )
}

/// The newest audit event of `filter` whose action `counts`, as a [`ChangedBy`].
async fn last_change(
    state: &AppState,
    filter: db::audit::AuditFilter,
    counts: impl Fn(&str) -> bool,
) -> Option<ChangedBy> {
    db::run(&state.db, move |conn| db::audit::page(conn, &filter, 50, 0))
        .await
        .ok()
        .and_then(|(events, _)| events.into_iter().find(|e| counts(&e.action)))
        .map(|e| ChangedBy {
            actor: e.actor,
            at: from_ms(e.at),
            action: e.action,
        })
}

fn refused(what: &str, current: Option<serde_json::Value>, last: Option<ChangedBy>) -> ApiError {
    let who = last.as_ref().map_or_else(
        || " by someone".to_owned(),
        |c| format!(" by {} at {}", c.actor, c.at.format("%Y-%m-%d %H:%M UTC")),
    );
    ApiError::PreconditionFailed {
        message: format!(
            "{what}{who} since you read them; nothing was saved. Look at `current`, then send \
             your change again with its ETag (If-Match)."
        ),
        current: current.map(Box::new),
        changed_by: last,
    }
}

#[cfg(test)]
mod tests {
    use super::version_of;

    #[test]
    fn the_version_is_read_from_any_form_of_the_tag() {
        assert_eq!(version_of(r#"W/"v7-00ff00ff00ff00ff""#), Some(7));
        assert_eq!(version_of(r#""v12-abc""#), Some(12));
        assert_eq!(version_of(r#" "v3" "#), Some(3));
        for bad in [r#""7""#, "v7", r#""vx-1""#, r#""v0""#, r#""v-1""#, ""] {
            assert_eq!(version_of(bad), None, "{bad}");
        }
    }
}
