//! `/api/v1/notifications/…`: channels (read with `ViewSettings`, change with `ManageSettings`)
//! and deliveries (read with `ViewAudit`, resend with `ManageSettings`). The rules are
//! `settings::notifications`'.

use actix_web::{HttpResponse, delete, get, post, put, web};
use plexward_shared::{
    ChannelRequest, ChannelResponse, ChannelTestResponse, DeliveryQuery, DeliveryResponse, List,
    Permission, SavedChannelResponse,
};

use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, QueryParams, paged};
use crate::settings::notifications::{self, ChannelError};
use crate::state::AppState;

impl From<ChannelError> for ApiError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::NotFound => ApiError::NotFound,
            ChannelError::Invalid(fields) => ApiError::Validation(fields),
            ChannelError::NameTaken => {
                ApiError::conflict("channel_name_taken", "A channel with this name exists.")
            }
            ChannelError::Sealing(why) => ApiError::StorageUnavailable(why),
            ChannelError::Db(e) => e.into(),
        }
    }
}

/// Every notification channel (never a secret).
#[utoipa::path(
    operation_id = "listNotificationChannels",
    tag = "settings",
    params(plexward_shared::Paging),
    responses(
        (status = 200, description = "The channels", body = List<ChannelResponse>),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/notifications/channels")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let all = notifications::list(&state.db).await?;
    Ok(HttpResponse::Ok().json(paged(all, paging)?))
}

/// One channel.
#[utoipa::path(
    operation_id = "getNotificationChannel",
    tag = "settings",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 200, description = "The channel", body = ChannelResponse),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such channel", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/notifications/channels/{id}")]
pub async fn get_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    Ok(HttpResponse::Ok().json(notifications::get(&state.db, id.into_inner()).await?))
}

/// Add a channel: a webhook (its signing secret is generated and shown this once), a Discord
/// webhook, or an ntfy topic.
#[utoipa::path(
    operation_id = "createNotificationChannel",
    tag = "settings",
    request_body = ChannelRequest,
    responses(
        (status = 201, description = "Created (with the webhook's secret, shown once)", body = SavedChannelResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 409, description = "A channel with this name exists (`channel_name_taken`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid channel (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/notifications/channels")]
pub async fn create(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<ChannelRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let saved = notifications::create(
        &state.db,
        state.plex.data_dir(),
        &body?.into_inner(),
        &principal.actor(),
    )
    .await?;
    Ok(HttpResponse::Created().json(saved))
}

/// Replace a channel (its kind stays); `rotate_secret` gives a webhook a new signing secret,
/// shown once.
#[utoipa::path(
    operation_id = "updateNotificationChannel",
    tag = "settings",
    params(("id" = i64, Path, description = "Channel id")),
    request_body = ChannelRequest,
    responses(
        (status = 200, description = "Saved", body = SavedChannelResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such channel", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Another channel has this name", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid channel (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/notifications/channels/{id}")]
pub async fn update(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<ChannelRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let saved = notifications::update(
        &state.db,
        state.plex.data_dir(),
        id.into_inner(),
        &body?.into_inner(),
        &principal.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Delete a channel and its deliveries.
#[utoipa::path(
    operation_id = "deleteNotificationChannel",
    tag = "settings",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such channel", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/notifications/channels/{id}")]
pub async fn delete_one(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    notifications::delete(&state.db, id.into_inner(), &principal.actor()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test event (`X-Plexward-Event: test`) to a channel now: always 200, `ok` says whether
/// the receiver took it, `error` exactly why not.
#[utoipa::path(
    operation_id = "testNotificationChannel",
    tag = "settings",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 200, description = "What the receiver said", body = ChannelTestResponse),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such channel", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/notifications/channels/{id}/test")]
pub async fn test(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let answer = notifications::test(
        &state.db,
        state.plex.data_dir(),
        id.into_inner(),
        state.delivery_timeout,
        &principal.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Deliveries, newest first: filter by `state` or `channel_id`; page with `limit` and `offset`.
#[utoipa::path(
    operation_id = "listDeliveries",
    tag = "settings",
    params(DeliveryQuery),
    responses(
        (status = 200, description = "The deliveries", body = List<DeliveryResponse>),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
        (status = 422, description = "A filter has a bad value (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/notifications/deliveries")]
pub async fn deliveries(
    principal: Principal,
    state: web::Data<AppState>,
    query: QueryParams<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewAudit)?;
    let query = query?.into_inner();
    Ok(HttpResponse::Ok().json(notifications::deliveries(&state.db, &query).await?))
}

/// Send a delivery again from its first attempt, with the same delivery id.
#[utoipa::path(
    operation_id = "resendDelivery",
    tag = "settings",
    params(("id" = i64, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued again"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such delivery", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/notifications/deliveries/{id}/resend")]
pub async fn resend(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    notifications::resend(&state.db, id.into_inner(), &principal.actor()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// The notification settings: the reminder leads.
#[utoipa::path(
    operation_id = "getNotificationSettings",
    tag = "settings",
    responses(
        (status = 200, description = "The settings", body = plexward_shared::NotificationSettings),
        (status = 403, description = "Not allowed for this role", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/notifications/settings")]
pub async fn get_settings(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    let settings = crate::db::run(&state.db, notifications::load_settings).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Set the reminder leads (`access.ending` this many minutes before a window ends; e.g.
/// `[10080, 1440]`, a week and a day).
#[utoipa::path(
    operation_id = "setNotificationSettings",
    tag = "settings",
    request_body = plexward_shared::NotificationSettings,
    responses(
        (status = 200, description = "Saved", body = plexward_shared::NotificationSettings),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Invalid leads (see `fields`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/notifications/settings")]
pub async fn put_settings(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<plexward_shared::NotificationSettings>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let saved =
        notifications::save_settings(&state.db, body?.into_inner(), &principal.actor()).await?;
    Ok(HttpResponse::Ok().json(saved))
}
