//! `GET /metrics`: Prometheus text. Open to loopback (a scraper on the same host or in the same
//! container); from elsewhere it takes an admin's token (`Authorization: Bearer`). Outside
//! `/api/v1` because scrapers expect this path.

use actix_web::{HttpRequest, HttpResponse, web};
use plexward_shared::{FriendStatus, Permission};

use crate::access::friend::{Catalog, Friend};
use crate::auth::Principal;
use crate::db;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Days ahead that count as "expiring" for the gauge (the dashboard's default).
const EXPIRING_WITHIN_DAYS: u32 = 7;

pub async fn metrics(
    req: HttpRequest,
    principal: Option<Principal>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    if !loopback {
        match principal {
            None => return Err(ApiError::unauthenticated()),
            Some(p) => p.require(Permission::ManageSettings)?,
        }
    }
    let now = state.applier.now();
    let counts = db::run(&state.db, move |conn| {
        let friends = Friend::load_all(conn)?;
        let catalog = Catalog::load(conn)?;
        Ok(FriendStatus::ALL.map(|status| {
            let n = friends
                .iter()
                .filter(|f| f.has_status(status, EXPIRING_WITHIN_DAYS, &catalog, now))
                .count() as i64;
            (status.as_str(), n)
        }))
    })
    .await?;
    let metrics = crate::metrics::global();
    metrics.set_friends(&counts);
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(metrics.render()))
}
