//! `GET /metrics`: Prometheus text. Open to a scraper on the same host or in the same container
//! (loopback, no proxy in between); through a reverse proxy — any forwarding header — or from
//! elsewhere it takes an admin's token (`Authorization: Bearer`). Outside `/api/v1` because
//! scrapers expect this path.

use actix_web::{HttpRequest, HttpResponse, web};
use plexward_shared::{EXPIRING_SOON_DAYS, FriendStatus, Permission};

use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::state::AppState;

pub async fn metrics(
    req: HttpRequest,
    principal: Option<Principal>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let direct_loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback())
        && !crate::http::client_addr::has_forwarding_headers(&req);
    if !direct_loopback {
        match principal {
            None => return Err(ApiError::unauthenticated()),
            Some(p) => p.require(Permission::ManageSettings)?,
        }
    }
    let snapshot = state.friends.snapshot().await?;
    let now = state.friends.now();
    let counts = FriendStatus::ALL.map(|status| {
        let n = snapshot
            .views()
            .filter(|v| v.has_status(status, EXPIRING_SOON_DAYS, now))
            .count() as i64;
        (status.as_str(), n)
    });
    let metrics = crate::metrics::global();
    metrics.set_friends(&counts);
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(metrics.render()))
}
