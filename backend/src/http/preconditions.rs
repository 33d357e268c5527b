//! `If-Match` on writes (optimistic concurrency). A friend's ETag names their edit version
//! (`W/"v7-…"`: the version, then a hash of the answer for `If-None-Match`); a write that sends
//! `If-Match` with an older version gets 412 `precondition_failed` with the friend as they are
//! now and who changed them, and changes nothing. No `If-Match` (or `*`): last write wins, as
//! before.

use actix_web::HttpRequest;
use actix_web::http::header;
use plexward_shared::ChangedBy;

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

/// Audit actions that edit a friend (what a stale `If-Match` lost against).
const FRIEND_EDITS: [&str; 2] = ["grants", "sharing"];

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
    let last = db::run(&state.db, move |conn| db::audit::page(conn, &filter, 50, 0))
        .await
        .ok()
        .and_then(|(events, _)| {
            events.into_iter().find(|e| {
                FRIEND_EDITS
                    .iter()
                    .any(|family| e.action.starts_with(&format!("{family}.")))
            })
        })
        .map(|e| ChangedBy {
            actor: e.actor,
            at: from_ms(e.at),
            action: e.action,
        });
    let who = last.as_ref().map_or_else(
        || " by someone".to_owned(),
        |c| format!(" by {} at {}", c.actor, c.at.format("%Y-%m-%d %H:%M UTC")),
    );
    ApiError::PreconditionFailed {
        message: format!(
            "This friend was changed{who} since you loaded them; nothing was saved. Look at \
             `current`, then send your change again with its ETag (If-Match)."
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
