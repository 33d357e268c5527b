//! `Idempotency-Key` on POSTs that start work or create things (bulk, extend, run now, sync,
//! tokens, accounts, …): the same key from the same account within 24 hours gets the first
//! answer again (`Idempotent-Replayed: true`) and nothing is done twice. A key still being worked
//! on answers 409 `idempotency_in_progress`; a key first used on another route, 422
//! `idempotency_key_reused`. Answers of 5xx are not kept, so a retry after a failure runs again.
//! Sign-in routes and requests without a signed-in caller pass through untouched.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpResponse, ResponseError, web};

use crate::auth::Principal;
use crate::db;
use crate::db::time::now_ms;
use crate::http::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// Set on an answer that is a replay of the first one.
pub const REPLAYED: &str = "idempotent-replayed";
/// Longest key accepted.
const MAX_KEY: usize = 255;
/// Largest answer kept for a replay (bigger ones are answered but not kept).
const MAX_KEPT_BODY: usize = 1024 * 1024;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(raw) = req.headers().get(HEADER).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() != Method::POST
        || crate::http::base_path::inner_path(req.request()).starts_with("/api/v1/auth/")
    {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = match raw.to_str().map(str::trim) {
        Ok(k) if !k.is_empty() && k.len() <= MAX_KEY && k.chars().all(|c| c.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            let refusal = ApiError::bad_request(
                "invalid_idempotency_key",
                format!("Idempotency-Key must be 1–{MAX_KEY} visible ASCII characters"),
            );
            return Ok(req.into_response(refusal.error_response()));
        }
    };
    let Ok(principal) = Principal::from_request(req.request(), &mut Payload::None).await else {
        // The handler answers 401/403 itself; nothing to remember.
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let account = principal.account.id;
    let (method, path) = (req.method().to_string(), req.path().to_owned());
    let claimed = {
        let (key, method, path) = (key.clone(), method.clone(), path.clone());
        db::run(&state.db, move |conn| {
            let free = db::idempotency_keys::claim(conn, account, &key, &method, &path, now_ms())?;
            let stored = if free {
                None
            } else {
                db::idempotency_keys::find(conn, account, &key)?
            };
            Ok((free, stored))
        })
        .await
    };
    let (free, stored) = match claimed {
        Ok(found) => found,
        Err(e) => return Ok(req.into_response(ApiError::from(e).error_response())),
    };
    if !free {
        let answer = match stored {
            Some(s) if s.method != method || s.path != path => ApiError::Validation(
                [(
                    "Idempotency-Key".to_owned(),
                    format!("was first used for {} {}; use a new key for this request", s.method, s.path),
                )]
                .into(),
            )
            .error_response(),
            Some(db::idempotency_keys::Stored {
                status: Some(status),
                content_type,
                body,
                ..
            }) => replay(status, content_type, body.unwrap_or_default()),
            _ => ApiError::conflict(
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still being carried out; ask again shortly.",
            )
            .error_response(),
        };
        return Ok(req.into_response(answer));
    }

    let response = next.call(req).await;
    let forget = |state: web::Data<AppState>, key: String| async move {
        let _ = db::run(&state.db, move |conn| {
            db::idempotency_keys::release(conn, account, &key)
        })
        .await;
    };
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            forget(state, key).await;
            return Err(e);
        }
    };
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (request, answer) = response.into_parts();
    let (head, body) = answer.into_parts();
    let Ok(bytes) = to_bytes(body).await else {
        forget(state, key).await;
        return Ok(ServiceResponse::new(
            request,
            HttpResponse::InternalServerError().finish(),
        ));
    };
    if status.is_server_error() || bytes.len() > MAX_KEPT_BODY {
        forget(state, key).await;
    } else {
        let kept = bytes.to_vec();
        let _ = db::run(&state.db, move |conn| {
            db::idempotency_keys::complete(
                conn,
                account,
                &key,
                status.as_u16(),
                content_type.as_deref(),
                &kept,
            )
        })
        .await;
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// The first answer, again.
fn replay(status: i32, content_type: Option<String>, body: Vec<u8>) -> HttpResponse {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut answer = HttpResponse::build(status);
    if let Some(ct) = content_type.and_then(|ct| HeaderValue::from_str(&ct).ok()) {
        answer.insert_header((header::CONTENT_TYPE, ct));
    }
    answer.insert_header((
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("true"),
    ));
    answer.body(body)
}
