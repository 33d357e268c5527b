//! The friend portal's routes: `/api/v1/portal…` (public: is it on, signing in with Plex; a
//! friend's session: their own access, signing out) and the admin's switch,
//! `/api/v1/settings/portal`. The rules are `portal`'s; here the cookie.

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, delete, dev::Payload, get, post, put, web,
};
use plexward_shared::{
    AccessRequest, List, NewAccessRequest, Permission, PortalAccessResponse, PortalSettings,
    PortalSignInStarted, PortalSignInState, PortalSignInStatus,
};

use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::principal::cross_origin_refused;
use crate::http::{client_addr, cookies, csrf};
use crate::portal::{PortalError, requests, sessions, settings, sign_in, view};
use crate::state::AppState;

/// A friend's portal session: which friend (our `plex_users.id`). Any other caller is refused:
/// 401 without the portal cookie, 403 `portal_off` while the portal is off.
#[derive(Debug, Clone, Copy)]
pub struct FriendSession {
    pub friend: i64,
}

impl FromRequest for FriendSession {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?
                .clone();
            let token = cookies::read_portal(&req).ok_or(PortalError::Unauthenticated)?;
            if req.method() != actix_web::http::Method::GET && !csrf::same_origin(&req) {
                return Err(cross_origin_refused());
            }
            let friend = sessions::friend_of(&state.db, &token, crate::db::time::now_ms()).await?;
            Ok(Self { friend })
        })
    }
}

fn portal_client(req: &HttpRequest) -> sessions::Client {
    sessions::Client {
        ip: client_addr::of(req).ip.map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect()),
    }
}

/// Whether friends may sign in at `/portal` (the page asks before showing its button).
#[utoipa::path(
    operation_id = "getPortal",
    tag = "portal",
    responses((status = 200, description = "On or off", body = PortalSettings)),
)]
#[get("/portal")]
pub async fn info(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::get(&state.db).await?))
}

/// Start a friend's sign-in with Plex: a PIN, and Plex's page to approve it on (in a new tab).
/// Poll `GET /api/v1/portal/sign-in/{id}` until it is decided. Counts against this address's
/// sign-in limit.
#[utoipa::path(
    operation_id = "startPortalSignIn",
    tag = "portal",
    responses(
        (status = 201, description = "The PIN and Plex's page", body = PortalSignInStarted),
        (status = 403, description = "The portal is off (`portal_off`)", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many sign-in attempts from this address", body = plexward_shared::ErrorResponse),
        (status = 503, description = "plex.tv did not answer (`plex_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/portal/sign-in")]
pub async fn start_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(ip) = client_addr::of(&req).ip
        && let Err(refused) = state.auth.throttle.check_ip(ip)
    {
        return Err(PortalError::Throttled {
            retry_after_secs: crate::auth::throttle::retry_after_secs(refused.wait),
        }
        .into());
    }
    let started = sign_in::start(&state.portal_sign_ins, &state.plex, &state.db).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(started))
}

/// Where a portal sign-in stands: `waiting` (poll again in a second or two), `signed_in` (the
/// portal cookie is set), `not_a_friend` (that Plex account is not a friend of this server) or
/// `expired` (start again).
#[utoipa::path(
    operation_id = "getPortalSignIn",
    tag = "portal",
    params(("id" = String, Path, description = "The id `POST /api/v1/portal/sign-in` gave")),
    responses(
        (status = 200, description = "Where it stands; with `signed_in`, the session cookie", body = PortalSignInStatus),
        (status = 403, description = "The portal is off (`portal_off`)", body = plexward_shared::ErrorResponse),
        (status = 503, description = "plex.tv did not answer (`plex_unavailable`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/portal/sign-in/{id}")]
pub async fn sign_in_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (state_now, token) = sign_in::status(
        &state.portal_sign_ins,
        &state.plex,
        &state.db,
        &id,
        &portal_client(&req),
    )
    .await?;
    let mut answer = HttpResponse::Ok();
    answer.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    if let (PortalSignInState::SignedIn, Some(token)) = (state_now, token) {
        answer.cookie(cookies::portal(&req, &token, sessions::SESSION_MS / 1_000));
    }
    Ok(answer.json(PortalSignInStatus { state: state_now }))
}

/// Your own access on this server (a friend's portal session only): your libraries, when each
/// starts and ends, weekly windows and their next openings, a pending invite, and your sharing
/// settings in words.
#[utoipa::path(
    operation_id = "getMyPortalAccess",
    tag = "portal",
    responses(
        (status = 200, description = "Your access", body = PortalAccessResponse),
        (status = 401, description = "Not signed in to the portal (`portal_unauthenticated`)", body = plexward_shared::ErrorResponse),
        (status = 403, description = "The portal is off (`portal_off`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/portal/me")]
pub async fn me(
    session: FriendSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = state.friends.snapshot().await?;
    let server = view::server_name(&state.db).await?;
    let now = state.applier.now();
    let mut answer =
        view::of(&snapshot, session.friend, server, now).ok_or(PortalError::Unauthenticated)?;
    let friend = session.friend;
    answer.requests =
        crate::db::run(&state.db, move |conn| requests::of_friend(conn, friend)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// Your requests (a friend's portal session only): open ones first, then the latest decided,
/// up to 20, each with its outcome and the reason given.
#[utoipa::path(
    operation_id = "listMyRequests",
    tag = "portal",
    responses(
        (status = 200, description = "Your requests", body = List<AccessRequest>),
        (status = 401, description = "Not signed in to the portal (`portal_unauthenticated`)", body = plexward_shared::ErrorResponse),
        (status = 403, description = "The portal is off (`portal_off`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/portal/requests")]
pub async fn my_requests(
    session: FriendSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let friend = session.friend;
    let mine = crate::db::run(&state.db, move |conn| requests::of_friend(conn, friend)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(List::all(mine)))
}

/// Ask for more (a friend's portal session only): an extension of one of your libraries or of
/// all (`kind: extension`, optional `library_id` and `period`), or a library you do not have
/// (`kind: library`, one of `requestable` in `GET /api/v1/portal/me`), with a short note. At
/// most 3 open at once and 10 a day. The owner is told (`request.created`).
#[utoipa::path(
    operation_id = "createMyRequest",
    tag = "portal",
    request_body = NewAccessRequest,
    responses(
        (status = 201, description = "Asked", body = AccessRequest),
        (status = 401, description = "Not signed in to the portal (`portal_unauthenticated`)", body = plexward_shared::ErrorResponse),
        (status = 403, description = "The portal is off (`portal_off`), or from another site (`cross_origin_refused`)", body = plexward_shared::ErrorResponse),
        (status = 409, description = "3 requests open already (`too_many_open_requests`), the same one open (`request_exists`), or you left the server (`friend_departed`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Not a library you can ask for, a note too long, … (see `fields`)", body = plexward_shared::ErrorResponse),
        (status = 429, description = "10 requests in 24 hours (`too_many_requests`; `Retry-After`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/portal/requests")]
pub async fn create_request(
    req: HttpRequest,
    session: FriendSession,
    state: web::Data<AppState>,
    body: JsonBody<NewAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let asked = requests::ask(
        &state.db,
        session.friend,
        body?.into_inner(),
        portal_client(&req).ip,
        state.applier.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(asked))
}

/// Withdraw one of your open requests (a friend's portal session only).
#[utoipa::path(
    operation_id = "cancelMyRequest",
    tag = "portal",
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "Cancelled", body = AccessRequest),
        (status = 401, description = "Not signed in to the portal (`portal_unauthenticated`)", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Another friend's request (`not_your_request`), the portal is off, or from another site", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such request", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Decided already (`request_closed`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/portal/requests/{id}")]
pub async fn cancel_request(
    req: HttpRequest,
    session: FriendSession,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let cancelled = requests::cancel(
        &state.db,
        session.friend,
        id.into_inner(),
        portal_client(&req).ip,
        state.applier.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(cancelled))
}

/// Sign out of the portal.
#[utoipa::path(
    operation_id = "portalSignOut",
    tag = "portal",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, description = "Not signed in to the portal", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From another site (`cross_origin_refused`), or the portal is off", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/portal/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    _session: FriendSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = cookies::read_portal(&req) {
        sessions::end(&state.db, &token).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(cookies::portal_cleared(&req))
        .finish())
}

/// The portal's switch (every role that reads settings).
#[utoipa::path(
    operation_id = "getPortalSettings",
    tag = "settings",
    responses(
        (status = 200, description = "On or off", body = PortalSettings),
        (status = 403, description = "Your role may not read settings", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/settings/portal")]
pub async fn get_settings(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ViewSettings)?;
    Ok(HttpResponse::Ok().json(settings::get(&state.db).await?))
}

/// Switch the friend portal on or off (admins). Off ends every portal session. Audited
/// (`settings.portal_update`).
#[utoipa::path(
    operation_id = "putPortalSettings",
    tag = "settings",
    request_body = PortalSettings,
    responses(
        (status = 200, description = "Saved", body = PortalSettings),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 422, description = "A bad body", body = plexward_shared::ErrorResponse),
    ),
)]
#[put("/settings/portal")]
pub async fn put_settings(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<PortalSettings>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let saved = settings::save(&state.db, &principal.actor(), body?.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}
