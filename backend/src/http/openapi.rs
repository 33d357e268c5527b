//! The OpenAPI 3.1 document (`/api/v1/openapi.json`) and Swagger UI (`/api/docs/`). Paths are
//! collected from the handlers' `#[utoipa::path]` attributes as they are mounted (utoipa-actix-web),
//! so an endpoint cannot exist without being documented.

use actix_web::{HttpResponse, get, web};
use utoipa::OpenApi;

use crate::http::openapi_security::SecuritySchemes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plexward API",
        description = "Schedules which Plex libraries each friend may use, and when. \
            Errors are always `{\"error\":{\"code\",\"message\",\"fields\"?}}`; \
            times are RFC 3339 UTC; lists are `{\"items\":[…],\"total\":N}`.",
        license(name = "MIT"),
    ),
    // Schemas that only query parameters refer to: utoipa-actix-web collects the schemas of
    // bodies and responses, not these, and a dangling `$ref` makes the whole operation unusable
    // to clients and fuzzers (checked by tests/api/openapi.rs).
    components(schemas(
        plexward_shared::ErrorResponse,
        plexward_shared::ErrorBody,
        plexward_shared::LogFile,
        plexward_shared::FriendStatus,
        plexward_shared::FriendSort,
    )),
    tags((name = "system", description = "Health, documentation and operations")),
    // Same origin as the document: Swagger UI and generated clients call the Plexward that
    // served it (the paths carry `/api/v1`).
    servers((url = "/", description = "The Plexward serving this document")),
    // `bearerAuth` and `apiKeyAuth`; each operation's requirement is added once the paths are
    // known (`openapi_security::require_credentials`).
    modifiers(&SecuritySchemes),
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// The document, serialised once at startup.
#[derive(Debug, Clone)]
pub struct Document(pub web::Bytes);

/// This API's OpenAPI document.
#[utoipa::path(
    operation_id = "getOpenApiDocument",
    tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")),
)]
#[get("/openapi.json")]
pub async fn document(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// `/api/docs` → `/api/docs/` (Swagger UI's relative links need the slash).
pub async fn docs_redirect(req: actix_web::HttpRequest) -> HttpResponse {
    let base = crate::http::base_path::of(&req);
    HttpResponse::PermanentRedirect()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{base}/api/docs/"),
        ))
        .finish()
}

/// Swagger UI reading the document above.
pub fn swagger_ui(base_path: &str) -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}").config(utoipa_swagger_ui::Config::new([
        format!("{base_path}{DOCUMENT_PATH}"),
    ]))
}
