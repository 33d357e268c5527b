//! `/api/v1/notifications/templates…`: each event's message (read with `ViewSettings`, change
//! with `ManageSettings`), and a preview of one being edited. The rules are
//! `settings::notification_templates`'.

use actix_web::{HttpResponse, delete, get, post, put, web};
use plexward_shared::{
    List, Permission, TemplatePreviewRequest, TemplatePreviewResponse, TemplateRequest,
    TemplateResponse,
};

use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::settings::notification_templates::{self as templates, TemplateError};
use crate::state::AppState;

impl From<TemplateError> for ApiError {
    fn from(e: TemplateError) -> Self {
        match e {
            TemplateError::NotFound => ApiError::NotFound,
            TemplateError::Invalid(fields) => ApiError::Validation(fields),
            TemplateError::Db(e) => e.into(),
        }
    }
}

/// Every message template: one per event, then `friend.access.ending` (a friend's own
/// reminder), each with its default and the variables it may use.
#[utoipa::path(
    operation_id = "listNotificationTemplates",
    tag = "settings",
    responses(
        (status = 200, description = "The templates", body = List<TemplateResponse>),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/notifications/templates")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let items = templates::list(&state.db).await?;
    Ok(HttpResponse::Ok().json(List::all(items)))
}

/// Set an event's subject and body. The language: `{{name}}` and `{{#if name}}…{{else}}…{{/if}}`
/// only; an unknown variable or an unclosed tag is refused with its line.
#[utoipa::path(
    operation_id = "setNotificationTemplate",
    tag = "settings",
    params(("event" = String, Path, description = "An event name, or `friend.access.ending`")),
    request_body = TemplateRequest,
    responses(
        (status = 200, description = "Saved", body = TemplateResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such event", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid template (`fields.subject` or `fields.body` says where)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/notifications/templates/{event}")]
pub async fn put_one(
    principal: Principal,
    state: web::Data<AppState>,
    event: web::Path<String>,
    body: JsonBody<TemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let saved = templates::save(&state.db, &event, &body?.into_inner(), &principal.actor()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Put an event's template back to its default.
#[utoipa::path(
    operation_id = "resetNotificationTemplate",
    tag = "settings",
    params(("event" = String, Path, description = "An event name, or `friend.access.ending`")),
    responses(
        (status = 204, description = "Back to the default"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such event", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/notifications/templates/{event}")]
pub async fn delete_one(
    principal: Principal,
    state: web::Data<AppState>,
    event: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    templates::reset(&state.db, &event, &principal.actor()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A template as being edited, filled with a sample event (nothing is saved or sent).
#[utoipa::path(
    operation_id = "previewNotificationTemplate",
    tag = "settings",
    request_body = TemplatePreviewRequest,
    responses(
        (status = 200, description = "The sample message", body = TemplatePreviewResponse),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such event", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid template (`fields.subject` or `fields.body` says where)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/notifications/templates/preview")]
pub async fn preview(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<TemplatePreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let answer = templates::preview(&state.db, &body?.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}
