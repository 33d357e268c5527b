//! `GET /api/v1/summary`: everything the dashboard shows in one small answer, from the friend
//! read model, with an `ETag`.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use plexward_shared::{
    EXPIRING_DAYS_MAX, EXPIRING_SOON_DAYS, Permission, SummaryQuery, SummaryResponse,
    UPCOMING_DAYS_DEFAULT,
};

use crate::access::read_model::Answer;
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::etag;
use crate::http::extractors::QueryParams;
use crate::state::AppState;

/// Counts by status, access expiring soon, friends needing attention (failed applies, drift)
/// and the window edges of the next `upcoming_days` days.
#[utoipa::path(
    operation_id = "getSummary",
    tag = "plex",
    params(SummaryQuery),
    responses(
        (status = 200, description = "The dashboard's summary", body = SummaryResponse,
            headers(("ETag" = String, description = "Tag of this answer, for If-None-Match"))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/summary")]
pub async fn summary(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewPlexData)?;
    let query = query?.into_inner();
    let mut errors = BTreeMap::new();
    let mut days = |name: &str, value: &Option<String>, default: u32| -> u32 {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => default,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=EXPIRING_DAYS_MAX).contains(&n) => n,
                _ => {
                    errors.insert(
                        name.to_owned(),
                        format!("must be a number of days from 1 to {EXPIRING_DAYS_MAX}"),
                    );
                    default
                }
            },
        }
    };
    let expiring_days = days("expiring_days", &query.expiring_days, EXPIRING_SOON_DAYS);
    let upcoming_days = days("upcoming_days", &query.upcoming_days, UPCOMING_DAYS_DEFAULT);
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let snapshot = state.friends.snapshot().await?;
    let mut body = crate::access::summary::summary(
        &snapshot,
        state.friends.now(),
        expiring_days,
        upcoming_days,
        state.applier.friend_limit(),
    );
    let connection = state.plex.view();
    body.plex_connected = connection.token_set && connection.server_url.is_some();
    body.deliveries_failing = crate::settings::notifications::failing(&state.db).await?;
    if principal.allows(Permission::ManageAccess) {
        body.open_requests = crate::portal::requests::open_count(&state.db).await?;
    }
    let json = serde_json::to_vec(&body).map_err(anyhow::Error::from)?;
    Ok(etag::respond(&req, &Answer::hashed(json)))
}
