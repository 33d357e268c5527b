//! `base_path`: Plexward served under a sub-path (`/plexward`) behind a reverse proxy that does
//! not strip it. Every route is mounted under it, the SPA's page names it in `<base href>` (its
//! assets, API calls and routes are relative to that), and what the server writes with a path in
//! it (redirects, cookie paths) carries it.

use actix_web::{HttpRequest, HttpResponse, web};

/// The configured sub-path: `""` (the root) or `/plexward` (no trailing slash).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BasePath(pub String);

/// The base path `req` is served under.
pub fn of(req: &HttpRequest) -> &str {
    req.app_data::<web::Data<BasePath>>()
        .map_or("", |b| b.get_ref().0.as_str())
}

/// `req`'s path inside the base path (`/plexward/api/v1/me` → `/api/v1/me`).
pub fn inner_path(req: &HttpRequest) -> &str {
    let base = of(req);
    let path = req.path();
    match path.strip_prefix(base) {
        Some("") => "/",
        Some(rest) if !base.is_empty() => rest,
        _ => path,
    }
}

/// Outside the base path: its root is sent there, everything else is not ours.
pub async fn outside(req: HttpRequest) -> HttpResponse {
    let base = of(&req);
    if req.path() == "/" {
        return HttpResponse::Found()
            .insert_header((actix_web::http::header::LOCATION, format!("{base}/")))
            .finish();
    }
    actix_web::ResponseError::error_response(&crate::http::error::ApiError::NotFound)
}
