//! `/api/v1/scheduler`: the reconcile schedule (read by every role, changed by admins) and
//! "Run now" (moderators and admins).

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use plexward_shared::{JobStarted, LastRun, Permission, ScheduleUpdate, SchedulerResponse};

use crate::auth::Principal;
use crate::db;
use crate::db::time::from_ms;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::preconditions::{self, expected_tag, settings_tag, tagged};
use crate::jobs::reconcile;
use crate::scheduler::{settings, worker};
use crate::state::AppState;

async fn current(state: &AppState) -> Result<SchedulerResponse, ApiError> {
    let (settings, tz, last) = db::run(&state.db, worker::load_schedule).await?;
    let now = state.applier.now();
    let next_run_at = worker::next_run_after(&settings, tz, last.as_ref(), now);
    let version = settings_tag(state, &settings::TAGGED_KEYS).await?;
    Ok(SchedulerResponse {
        version,
        settings,
        time_zone: tz.name().to_owned(),
        next_run_at,
        last_run: last.map(|job| {
            let r = crate::http::dto::job(&job);
            LastRun {
                job_id: r.id,
                state: r.state,
                started_at: job.started_at.map(from_ms),
                finished_at: job.finished_at.map(from_ms),
                result: r.result,
                error: r.error,
            }
        }),
        now: from_ms(now),
    })
}

/// The reconcile schedule, the next run and the last one.
#[utoipa::path(
    operation_id = "getScheduler",
    tag = "scheduler",
    responses(
        (status = 200, description = "The schedule", body = SchedulerResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/scheduler")]
pub async fn get_scheduler(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let body = current(&state).await?;
    Ok(tagged(&body, &body.version))
}

/// Change the schedule: every N minutes (5–1440) or daily at HH:MM in the Plex settings' time
/// zone. Only the chosen mode's field is needed. Takes effect at once.
#[utoipa::path(
    operation_id = "setScheduler",
    tag = "scheduler",
    params(("If-Match" = Option<String>, Header, description = "The `ETag` (or `version`) these settings were read with: refused with 412 if someone changed them since. Without it, the last write wins.")),
    request_body = ScheduleUpdate,
    responses(
        (status = 200, description = "Saved", body = SchedulerResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 412, description = "`If-Match` names older settings (`precondition_failed`): nothing saved; `current` is what a GET answers now", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid settings (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/scheduler")]
pub async fn put_scheduler(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<ScheduleUpdate>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let expected = expected_tag(&req)?;
    let update = body?.into_inner();
    match settings::update(&state.db, &update, expected, &principal.actor()).await {
        Err(crate::settings::SettingsError::Stale) => {
            let now = current(&state).await?;
            return Err(preconditions::settings_changed(&state, "scheduler.update", now).await);
        }
        other => other?,
    };
    let body = current(&state).await?;
    Ok(tagged(&body, &body.version))
}

/// Run a reconcile now (sync from Plex, apply what differs). A second request while one runs
/// returns the running job.
#[utoipa::path(
    operation_id = "runSchedulerNow",
    tag = "scheduler",
    responses(
        (status = 202, description = "Started, or already running", body = JobStarted),
        (status = 403, description = "Moderators and admins only", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/scheduler/run")]
pub async fn run_now(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::RunSync)?;
    let job_id = state
        .jobs
        .submit_unique(reconcile::ReconcileJob, principal.actor())
        .await?;
    Ok(HttpResponse::Accepted().json(JobStarted { job_id }))
}
