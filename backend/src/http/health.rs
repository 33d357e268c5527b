//! `GET /api/v1/health`: public liveness and readiness in one answer. 200 when the database
//! takes a write and the deadline tick runs, 503 (`degraded`) when either does not; used by Docker's
//! health check and monitoring.

use actix_web::{HttpResponse, get, web};
use plexward_shared::{HealthResponse, HealthStatus};

use crate::state::AppState;

/// Service health.
#[utoipa::path(
    operation_id = "getHealth",
    tag = "system",
    responses(
        (status = 200, description = "Plexward and its database work", body = HealthResponse),
        (status = 503, description = "The database cannot be written (locked, read-only) or the scheduler stalled", body = HealthResponse),
    ),
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.write_probe.probe(&state.db).await {
        Ok(()) => HealthStatus::Ok,
        Err(e) => {
            tracing::warn!(error = %e, "health check: the database cannot be written");
            HealthStatus::Degraded
        }
    };
    let scheduler = if state.scheduler.is_alive() {
        HealthStatus::Ok
    } else {
        tracing::error!(
            silent_for = ?state.scheduler.silence(),
            "health check: the deadline tick has stalled"
        );
        HealthStatus::Degraded
    };
    let status = if database == HealthStatus::Ok && scheduler == HealthStatus::Ok {
        HealthStatus::Ok
    } else {
        HealthStatus::Degraded
    };
    let body = HealthResponse {
        status,
        version: crate::VERSION.to_owned(),
        database,
        scheduler,
        uptime_seconds: state.started.elapsed().as_secs(),
        plex_api: crate::settings::plex_routes::view(&state.plex.routes().table()),
    };
    match status {
        HealthStatus::Ok => HttpResponse::Ok().json(body),
        HealthStatus::Degraded => HttpResponse::ServiceUnavailable().json(body),
    }
}
