//! `/api/v1/auth`: sign in, refresh, sign out.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use plexward_shared::{LoginRequest, LoginResponse};

use crate::audit::{Actor, Event, Outcome};
use crate::auth::principal::client_ip;
use crate::auth::sessions::{self, NewIds, Refresh};
use crate::auth::throttle::retry_after_secs;
use crate::auth::{PendingPrincipal, cookies, csrf, password};
use crate::db::accounts::Account;
use crate::db::time::now_ms;
use crate::db::{self, accounts};
use crate::http::error::ApiError;
use crate::state::AppState;

/// Longest password we will even hash (the policy allows 128 characters).
const MAX_PASSWORD_BYTES: usize = 1024;

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_credentials",
        message: "Wrong username or password.".into(),
    }
}

fn throttled(wait: std::time::Duration) -> ApiError {
    let secs = retry_after_secs(wait);
    ApiError::TooManyRequests {
        message: format!("Too many sign-in attempts; try again in {secs} s."),
        retry_after_secs: secs,
    }
}

/// The answer to a successful sign-in or refresh: the token in the body for scripts, and the
/// same token plus the refresh token in HttpOnly cookies for the SPA.
fn signed_in(
    req: &HttpRequest,
    state: &AppState,
    account: &Account,
    ids: &NewIds,
) -> Result<HttpResponse, ApiError> {
    let (token, expires_at) = state
        .auth
        .jwt
        .issue(account.id, &ids.session_id, Utc::now())?;
    let access_age = (expires_at - Utc::now()).num_seconds();
    Ok(HttpResponse::Ok()
        .cookie(cookies::access(req, &token, access_age))
        .cookie(cookies::refresh(
            req,
            &ids.refresh_token,
            ids.refresh_max_age_secs,
        ))
        .json(LoginResponse {
            token,
            expires_at,
            account: account.to_response(),
        }))
}

fn signed_out(req: &HttpRequest, mut response: actix_web::HttpResponseBuilder) -> HttpResponse {
    for cookie in cookies::cleared(req) {
        response.cookie(cookie);
    }
    response.finish()
}

/// 401 in the error envelope, clearing the cookies of a session that is over.
fn session_over(req: &HttpRequest) -> HttpResponse {
    let mut response = actix_web::ResponseError::error_response(&ApiError::Unauthorized {
        code: "session_expired",
        message: "The session is over; sign in again.".into(),
    });
    for cookie in cookies::cleared(req) {
        // Setting a cookie only fails for invalid names/values, which ours never are.
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// Sign in with a username and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; cookies set", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Account disabled", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Missing fields", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many attempts (see Retry-After)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    let username = username.trim().to_owned();
    if username.is_empty() || password.is_empty() {
        let field = if username.is_empty() {
            "username"
        } else {
            "password"
        };
        return Err(ApiError::field(field, "is required"));
    }
    let ip = client_ip(&req);
    let attempt = Actor::anonymous(Some(&username));
    let limited = req
        .peer_addr()
        .map(|a| state.auth.throttle.check_ip(a.ip()))
        .unwrap_or(Ok(()))
        .and_then(|()| state.auth.throttle.check_name(&username));
    if let Err(wait) = limited {
        Event::new("auth.login", Outcome::Denied, &attempt)
            .ip(ip)
            .details(serde_json::json!({"reason": "throttled", "retry_after_secs": retry_after_secs(wait)}))
            .record(&state.db)
            .await;
        return Err(throttled(wait));
    }

    let lookup = username.clone();
    let account = db::run(&state.db, move |conn| {
        accounts::find_by_username(conn, &lookup)
    })
    .await?;
    let password_ok = password.len() <= MAX_PASSWORD_BYTES
        && password::verify(password, account.as_ref().map(|a| a.password_hash.clone())).await;
    let account = match account {
        Some(account) if password_ok => account,
        _ => {
            let lock = state.auth.throttle.record_failure(&username);
            Event::new("auth.login", Outcome::Failure, &attempt)
                .ip(ip)
                .details(serde_json::json!({
                    "reason": "invalid credentials",
                    "locked_for_secs": lock.map(|d| d.as_secs()),
                }))
                .record(&state.db)
                .await;
            return Err(invalid_credentials());
        }
    };
    if account.disabled {
        Event::new(
            "auth.login",
            Outcome::Denied,
            &Actor::account(account.id, &account.username),
        )
        .ip(ip)
        .details(serde_json::json!({"reason": "account disabled"}))
        .record(&state.db)
        .await;
        return Err(ApiError::Forbidden {
            code: "account_disabled",
            message: "This account is disabled; ask an administrator.".into(),
        });
    }
    state.auth.throttle.record_success(&username);

    let now = now_ms();
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let account_id = account.id;
    let actor = Actor::account(account.id, &account.username);
    let (ids, account) = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            // Sign-ins are rare and already write: a good moment to forget long-ended sessions.
            db::sessions::purge_ended(conn, now)?;
            let ids = sessions::start(conn, account_id, ip.as_deref(), user_agent.as_deref(), now)?;
            accounts::touch_login(conn, account_id, now)?;
            Event::new("auth.login", Outcome::Success, &actor)
                .ip(ip.clone())
                .insert(conn)?;
            let account =
                accounts::find(conn, account_id)?.ok_or(diesel::result::Error::NotFound)?;
            Ok((ids, account))
        })
    })
    .await?;
    signed_in(&req, &state, &account, &ids)
}

/// Trade the refresh cookie for a new access token (and a new refresh cookie).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Session extended; cookies replaced", body = LoginResponse),
        (status = 401, description = "No valid session", body = plexward_shared::ErrorResponse),
        (status = 403, description = "Not from Plexward's own pages", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(presented) = cookies::read_refresh(&req) else {
        return Err(ApiError::unauthenticated());
    };
    if !csrf::same_origin(&req) {
        return Err(ApiError::Forbidden {
            code: "cross_origin_refused",
            message: "This request must come from Plexward's own pages.".into(),
        });
    }
    let now = now_ms();
    let outcome = db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| sessions::rotate(conn, &presented, now))
    })
    .await?;
    match outcome {
        Refresh::Rotated { ids, account } => signed_in(&req, &state, &account, &ids),
        Refresh::Race => Err(ApiError::Unauthorized {
            code: "refresh_conflict",
            message: "The session was refreshed by another request a moment ago.".into(),
        }),
        Refresh::Reused {
            account,
            session_id,
        } => {
            let actor = account
                .map(|a| Actor::account(a.id, &a.username))
                .unwrap_or_else(|| Actor::anonymous(None));
            Event::new("auth.refresh_reuse", Outcome::Denied, &actor)
                .target("session", &session_id[..8])
                .ip(client_ip(&req))
                .details(serde_json::json!({"reason": "a used refresh token was presented again; session revoked"}))
                .record(&state.db)
                .await;
            tracing::warn!("refresh token reuse detected: session revoked");
            Ok(session_over(&req))
        }
        Refresh::Invalid => Ok(session_over(&req)),
    }
}

/// Sign out: ends the session and clears the cookies. Always answers 204.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Not from Plexward's own pages", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Option<PendingPrincipal>,
) -> Result<HttpResponse, ApiError> {
    if principal.is_none() && cookies::read_refresh(&req).is_some() && !csrf::same_origin(&req) {
        return Err(ApiError::Forbidden {
            code: "cross_origin_refused",
            message: "This request must come from Plexward's own pages.".into(),
        });
    }
    let now = now_ms();
    let ip = client_ip(&req);
    // The access token may have expired already; the refresh cookie still names the session.
    let refresh_hash = cookies::read_refresh(&req).map(|t| crate::auth::secrets::token_hash(&t));
    let session = principal
        .as_ref()
        .and_then(|p| p.0.session_id().map(str::to_owned));
    let actor = principal.as_ref().map(|p| p.0.actor());
    db::run(&state.db, move |conn| {
        conn.immediate_transaction(|conn| {
            let session_id = match session {
                Some(id) => Some(id),
                None => match refresh_hash {
                    Some(hash) => db::sessions::find_refresh(conn, &hash)?.map(|t| t.session_id),
                    None => None,
                },
            };
            if let Some(id) = session_id
                && db::sessions::revoke(conn, &id, now, "signed out")? > 0
            {
                {
                    let actor = match actor {
                        Some(a) => a,
                        None => match db::sessions::find(conn, &id)? {
                            Some(s) => accounts::find(conn, s.account_id)?
                                .map(|a| Actor::account(a.id, &a.username))
                                .unwrap_or_else(|| Actor::anonymous(None)),
                            None => Actor::anonymous(None),
                        },
                    };
                    Event::new("auth.logout", Outcome::Success, &actor)
                        .ip(ip)
                        .insert(conn)?;
                }
            }
            Ok(())
        })
    })
    .await?;
    Ok(signed_out(&req, HttpResponse::NoContent()))
}
