//! Response builders: content types and the error bodies of spec §5.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, web};

use crate::xml::El;

/// Content type of every XML answer.
pub const XML: &str = "text/xml;charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

pub fn xml(status: StatusCode, root: &El) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(XML)
        .body(root.document())
}

pub fn json(status: StatusCode, value: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(JSON)
        .body(value.to_string())
}

/// An empty body with no `Content-Type`.
pub fn empty(status: StatusCode) -> HttpResponse {
    HttpResponse::build(status).finish()
}

/// `<Response code="…" status="…"/>` (plex.tv v1 errors).
pub fn response_el(status: StatusCode, message: &str) -> HttpResponse {
    xml(
        status,
        &El::new("Response")
            .a("code", status.as_u16())
            .a("status", message),
    )
}

/// PMS 401 (real PMS answers HTML).
pub fn pms_unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized().content_type(HTML).body(
        "<html><head><script>window.location = window.location.href.match(/(^.+\\/)[^\\/]*$/)[1] + 'web/index.html';</script><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>",
    )
}

/// plex.tv 401 for a missing or unknown token.
pub fn plextv_unauthorized(json_body: bool) -> HttpResponse {
    if json_body {
        json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"errors":[{"code":1001,"message":"User could not be authenticated","status":401}]}),
        )
    } else {
        HttpResponse::Unauthorized()
            .content_type(XML)
            .body("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n  <error>Invalid authentication token.</error>\n</errors>\n")
    }
}

/// plex.tv 422 for a deauthorized token (python-plexapi #1138).
pub fn invalid_token(json_body: bool) -> HttpResponse {
    if json_body {
        json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!({"errors":[{"code":1001,"message":"Invalid token","status":422}]}),
        )
    } else {
        HttpResponse::UnprocessableEntity()
            .content_type(XML)
            .body("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors> <error>Invalid token</error> </errors>\n")
    }
}

/// 429 with the v2 error body and an optional `Retry-After`.
pub fn rate_limited(retry_after: Option<u64>) -> HttpResponse {
    let mut r = json(
        StatusCode::TOO_MANY_REQUESTS,
        &serde_json::json!({"errors":[{"code":1003,"message":"API rate limit exceeded","status":429}]}),
    );
    if let Some(secs) = retry_after {
        r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

/// plex.tv v1 404 page (JBOPS #226).
pub fn plextv_v1_not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type(HTML).body(
        "<!DOCTYPE html>\n<html>\n<head>\n  <title>The page you were looking for doesn't exist (404)</title>\n</head>\n<body>\n  <div class=\"dialog\">\n    <h1>The page you were looking for doesn't exist.</h1>\n    <p>You may have mistyped the address or the page may have moved.</p>\n  </div>\n</body>\n</html>\n",
    )
}

/// plex.tv v2 404 (JSON, code 1002).
pub fn plextv_v2_not_found() -> HttpResponse {
    json(
        StatusCode::NOT_FOUND,
        &serde_json::json!({"errors":[{"code":1002,"message":"The requested resource or endpoint could not be found","status":404}]}),
    )
}

/// 405 for a method a route does not take.
pub fn method_not_allowed() -> HttpResponse {
    HttpResponse::build(StatusCode::METHOD_NOT_ALLOWED).finish()
}

/// 410 for the deprecated endpoints.
pub fn gone() -> HttpResponse {
    response_el(StatusCode::GONE, "This endpoint was deprecated and removed")
}

/// A generic HTML status page (PMS 404, injected 5xx, …).
pub fn html_status(status: StatusCode) -> HttpResponse {
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    HttpResponse::build(status).content_type(HTML).body(format!(
        "<html><head><title>{line}</title></head><body><h1>{line}</h1></body></html>"
    ))
}

/// A response that closes the connection before anything is written: actix drops the
/// connection when the body stream fails on its first poll.
pub fn dropped() -> HttpResponse {
    let stream = futures_util::stream::once(async {
        Err::<web::Bytes, std::io::Error>(std::io::Error::other(
            "plex-sim: connection dropped on purpose",
        ))
    });
    HttpResponse::Ok().streaming(stream)
}
