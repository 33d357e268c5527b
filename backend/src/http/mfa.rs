//! Two-factor sign-in: `POST /api/v1/auth/mfa` (the second step of a sign-in) and
//! `/api/v1/me/mfa…` (your own TOTP: set up, confirm, turn off). The rules are `auth::mfa`'s.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use plexward_shared::{
    MfaRequest, MfaStatusResponse, Permission, RecoveryCodesResponse, TotpConfirmRequest,
    TotpDisableRequest, TotpEnrolmentResponse,
};

use crate::auth::mfa::{self, Factor};
use crate::auth::sessions::EndOthers;
use crate::auth::{PendingPrincipal, Principal, tokens};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::state::AppState;

/// Complete a sign-in with two-factor sign-in on: the `mfa_token` from `POST
/// /api/v1/auth/login` and a `code` from the app, one `recovery_code`, or a `passkey` (its
/// ceremony from `POST /api/v1/auth/mfa/passkey/options`).
#[utoipa::path(
    operation_id = "completeSignIn",
    tag = "auth",
    request_body = MfaRequest,
    responses(
        (status = 200, description = "Signed in; cookies set", body = plexward_shared::LoginResponse),
        (status = 401, description = "A wrong or already used code (`invalid_code`), a passkey not accepted (`invalid_passkey`), or the sign-in expired (`mfa_expired`: 5 minutes, or 5 wrong codes)", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Passkeys cannot work at this address (`passkeys_unavailable`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Not exactly one of `code`, `recovery_code` and `passkey`, or a code for an account without TOTP", body = plexward_shared::ErrorResponse),
        (status = 429, description = "Too many attempts from this address", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/auth/mfa")]
pub async fn complete(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<MfaRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body?.into_inner();
    let rp = match body.passkey {
        Some(_) => Some(crate::http::passkeys::relying_party(&req, &state).await?),
        None => None,
    };
    let factor = match (
        body.code.as_deref(),
        body.recovery_code.as_deref(),
        body.passkey.as_ref().zip(rp.as_ref()),
    ) {
        (Some(code), None, None) => Factor::Code(code),
        (None, Some(code), None) => Factor::RecoveryCode(code),
        (None, None, Some((assertion, rp))) => Factor::Passkey(assertion, rp),
        _ => {
            return Err(ApiError::field(
                "code",
                "give one of `code`, `recovery_code` and `passkey`",
            ));
        }
    };
    let client = crate::http::auth::sign_in_client(&req);
    let (account, ids) = mfa::complete(&state.auth, &body.mfa_token, factor, &client).await?;
    crate::http::auth::signed_in(&req, &state, &account, &ids)
}

/// What protects your sign-in.
#[utoipa::path(
    operation_id = "getMyMfa",
    tag = "me",
    responses(
        (status = 200, description = "Two-factor sign-in: on or off, recovery codes left", body = MfaStatusResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[get("/me/mfa")]
pub async fn status(
    principal: PendingPrincipal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let account = &principal.0.account;
    Ok(HttpResponse::Ok().json(mfa::status(&state.auth, account.id, account.role()).await?))
}

/// Start setting up codes from an authenticator app: the secret and its QR code. It is on once
/// `POST /api/v1/me/mfa/totp/confirm` gets a code from it. Signed-in sessions only (not tokens).
#[utoipa::path(
    operation_id = "enrolMyTotp",
    tag = "me",
    responses(
        (status = 200, description = "The secret to add to the app (shown while setting up)", body = TotpEnrolmentResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Already on (`mfa_already_on`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/me/mfa/totp")]
pub async fn enrol(
    PendingPrincipal(principal): PendingPrincipal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    let answer = mfa::enrol(&state.auth, &principal.account).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// Turn codes on with a current one from the app; the 10 recovery codes, shown this once.
/// `end_other_sessions` and `revoke_tokens` (both default `false`) also end your other sessions
/// (signed in without it) and API tokens.
#[utoipa::path(
    operation_id = "confirmMyTotp",
    tag = "me",
    request_body = TotpConfirmRequest,
    responses(
        (status = 200, description = "On; the recovery codes (each works once)", body = RecoveryCodesResponse),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Not the app's current code, or nothing set up (`fields.code`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/me/mfa/totp/confirm")]
pub async fn confirm(
    PendingPrincipal(principal): PendingPrincipal,
    state: web::Data<AppState>,
    body: JsonBody<TotpConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    let body = body?.into_inner();
    let ends = EndOthers {
        sessions: body.end_other_sessions.unwrap_or(false),
        tokens: body.revoke_tokens.unwrap_or(false),
    };
    let recovery_codes = mfa::confirm(&state.auth, &principal, &body.code, ends).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodesResponse { recovery_codes }))
}

/// Turn two-factor sign-in off, with your password. `end_other_sessions` and `revoke_tokens`
/// (both default `false`) also end your other sessions and API tokens.
#[utoipa::path(
    operation_id = "disableMyTotp",
    tag = "me",
    request_body = TotpDisableRequest,
    responses(
        (status = 204, description = "Off"),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
        (status = 403, description = "From an API token", body = plexward_shared::ErrorResponse),
        (status = 404, description = "It was not on", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Your role requires two-factor sign-in (`mfa_required`)", body = plexward_shared::ErrorResponse),
        (status = 422, description = "Not your password (`fields.password`)", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/me/mfa/totp")]
pub async fn disable(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<TotpDisableRequest>,
) -> Result<HttpResponse, ApiError> {
    tokens::require_session(&principal)?;
    let body = body?.into_inner();
    let ends = EndOthers {
        sessions: body.end_other_sessions.unwrap_or(false),
        tokens: body.revoke_tokens.unwrap_or(false),
    };
    mfa::disable(&state.auth, &principal, body.password, ends).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove another account's two-factor sign-in (it lost its phone and its recovery codes). Every
/// session of that account ends; it signs in with its password next (and, if its role requires
/// two-factor sign-in, sets it up again first). Audited. Admins only; not your own account.
#[utoipa::path(
    operation_id = "resetAccountMfa",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 204, description = "Removed (or it had none)"),
        (status = 403, description = "Admins only", body = plexward_shared::ErrorResponse),
        (status = 404, description = "No such account", body = plexward_shared::ErrorResponse),
        (status = 409, description = "Your own account (`self_change_refused`): turn it off under My account", body = plexward_shared::ErrorResponse),
    ),
)]
#[delete("/accounts/{id}/mfa")]
pub async fn reset(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageAccounts)?;
    mfa::reset(&state.auth, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
