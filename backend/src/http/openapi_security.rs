//! How the OpenAPI document says who may call: two security schemes, and on every operation
//! that needs credentials a requirement of either one (the SPA's HttpOnly cookie is for
//! Plexward's own pages, not for clients, and is not declared).
//!
//! - `bearerAuth`: `Authorization: Bearer <token>`, an API token (`pwt_…`) or the JWT that
//!   `POST /auth/login` returns.
//! - `apiKeyAuth`: `X-Api-Key: <token>`, API tokens only (what Wizarr and Seerr scripts send).
//!
//! The schemes go in through [`SecuritySchemes`] (a `Modify` on the `ApiDoc`); the requirements
//! per operation are added by [`require_credentials`] once the paths are collected from the
//! handlers, with the same list of public operations as the shared error answers.

use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

use crate::http::openapi_errors::PUBLIC;

pub const BEARER: &str = "bearerAuth";
pub const API_KEY: &str = "apiKeyAuth";

/// Declares [`BEARER`] and [`API_KEY`] under `components.securitySchemes`.
#[derive(Debug)]
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`pwt_…`, made under Settings → API tokens or with \
                         `POST /api/v1/me/tokens`) or the JWT that `POST /api/v1/auth/login` \
                         returns.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "An API token (`pwt_…`) as an alternative to `Authorization: Bearer`; sign-in \
                 JWTs are refused here. If both headers are sent they must carry the same \
                 token (otherwise 401 `conflicting_credentials`).",
            ))),
        );
    }
}

/// Adds "either scheme" as the requirement of every operation that needs credentials.
pub fn require_credentials(doc: &mut OpenApi) {
    let either = || {
        vec![
            SecurityRequirement::new(BEARER, Vec::<String>::new()),
            SecurityRequirement::new(API_KEY, Vec::<String>::new()),
        ]
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation
                && !PUBLIC.contains(&format!("{method} {path}").as_str())
            {
                operation.security = Some(either());
            }
        }
    }
}
