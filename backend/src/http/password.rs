//! `/api/v1/password/strength`: the password policy's verdict on a candidate, for the SPA's
//! strength meter. The same scorer the password-setting endpoints enforce
//! (`plexward_shared::password::check_password`), so the meter and the 422 can never disagree, and
//! the SPA no longer carries zxcvbn's word lists. Open to every signed-in caller, including a
//! session that must change its password first (the forced change shows the meter). The password
//! travels in a POST body, which is never logged; the answer is not cached.

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use plexward_shared::password::{PasswordCheck, PasswordStrengthRequest, check_password};

use crate::auth::PendingPrincipal;
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;

/// Score a candidate password by the policy every password change enforces. Nothing is stored;
/// the account named (a new account's, say; yours when left out) is context for the check.
#[utoipa::path(
    operation_id = "checkPasswordStrength",
    tag = "me",
    request_body = PasswordStrengthRequest,
    responses(
        (status = 200, description = "The policy's verdict: score 0–4, whether it is accepted, and why not", body = PasswordCheck),
        (status = 401, description = "Not signed in", body = plexward_shared::ErrorResponse),
    ),
)]
#[post("/password/strength")]
pub async fn strength(
    principal: PendingPrincipal,
    body: JsonBody<PasswordStrengthRequest>,
) -> Result<HttpResponse, ApiError> {
    let PasswordStrengthRequest { password, username } = body?.into_inner();
    let username = username
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| principal.0.account.username.clone());
    // zxcvbn takes milliseconds on a 128-character candidate: off the async worker.
    let check = web::block(move || check_password(&password, &username))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("password scoring failed: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(check))
}
