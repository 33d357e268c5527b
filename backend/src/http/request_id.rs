//! A random id per request: in the `X-Request-Id` response header, in every log line of the
//! request (tracing span) and in error bodies, so a user can quote it and an operator find it.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub static HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Middleware: assigns the id, wraps the request in a span and logs its outcome (4xx at INFO,
/// 5xx at ERROR, the rest at DEBUG so health checks do not flood the log).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("request", request_id = %id);
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(id.clone(), next.call(req))
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    let mut response = result?;
    let status = response.status();
    let took = started.elapsed();
    let millis = took.as_millis() as u64;
    // Timed here anyway, so the metrics are recorded here too: by the route's pattern, never the
    // raw path (ids would make a series each); the SPA pages and unknown paths count as one.
    let route = response.request().match_pattern();
    crate::metrics::global().http_request(
        method.as_str(),
        route.as_deref().unwrap_or("(unmatched)"),
        status.as_u16(),
        took,
    );
    if status.is_server_error() {
        tracing::error!(%method, path, status = status.as_u16(), millis, "request failed");
    } else if status.is_client_error() {
        tracing::info!(%method, path, status = status.as_u16(), millis, "request refused");
    } else {
        tracing::debug!(%method, path, status = status.as_u16(), millis, "request served");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER.clone(), value);
    }
    Ok(response)
}
