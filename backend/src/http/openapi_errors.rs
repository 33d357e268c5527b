//! The error answers every operation shares, added to the OpenAPI document in one place.
//!
//! Handlers document the answers that are theirs (403 for a role, 404, 409, 422, …). Some come
//! from the layers in front of every handler instead: the credentials extractor (401, and 403 for
//! a pending password change or a cross-site cookie request), the query guard (400 for a query
//! parameter the operation does not take, see `query_guard`), the path/query/JSON extractors
//! (400, 413, 415, see `extractors`) and the database pool (503). Listing those by hand on ~40
//! operations drifts, so they are added here from each operation's shape, never replacing a
//! handler's own entry.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

/// Operations that answer without credentials (`method path`); every other one needs them.
pub const PUBLIC: &[&str] = &[
    "get /api/v1/health",
    "get /api/v1/openapi.json",
    "post /api/v1/auth/login",
    "post /api/v1/auth/mfa",
    "post /api/v1/auth/mfa/passkey/options",
    "post /api/v1/auth/passkey/options",
    "post /api/v1/auth/passkey",
    "post /api/v1/auth/refresh",
    "post /api/v1/auth/logout",
    "get /api/v1/auth/sso",
    "get /api/v1/auth/sso/start",
    "get /api/v1/auth/sso/callback",
    "get /api/v1/portal",
    "post /api/v1/portal/sign-in",
    "get /api/v1/portal/sign-in/{id}",
    "get /api/v1/portal/me",
    "post /api/v1/portal/sign-out",
    "get /api/v1/portal/requests",
    "post /api/v1/portal/requests",
    "delete /api/v1/portal/requests/{id}",
];

/// Served from memory: no database and no input (only an unknown query parameter is refused).
const STATIC: &[&str] = &["get /api/v1/openapi.json"];

/// Adds the shared error answers to every operation of `doc` that can give them.
pub fn add_shared_errors(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                let key = format!("{method} {path}");
                if STATIC.contains(&key.as_str()) {
                    add_unknown_parameter(operation);
                } else {
                    add_to(operation, !PUBLIC.contains(&key.as_str()));
                }
            }
        }
    }
}

const UNKNOWN_PARAMETER: &str = "An unknown query parameter (`invalid_query`, each named in \
    `fields`, with the nearest valid name when there is one)";

fn add_unknown_parameter(operation: &mut Operation) {
    operation
        .responses
        .responses
        .entry("400".to_owned())
        .or_insert_with(|| RefOr::T(error_response(UNKNOWN_PARAMETER)));
}

fn add_to(operation: &mut Operation, authenticated: bool) {
    let has_input = operation.request_body.is_some()
        || operation.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query),
            RefOr::Ref(_) => true,
        });
    let json_body = match &operation.request_body {
        Some(RefOr::T(body)) => body.content.contains_key("application/json"),
        Some(RefOr::Ref(_)) => true,
        None => false,
    };
    let mut shared = Vec::new();
    shared.push((
        "400",
        if has_input {
            "Malformed request: an unknown query parameter or a query value that does not fit \
             (`invalid_query`, each named in `fields`), a path value of the wrong type, or a \
             body that is not valid JSON, has the wrong shape or an unknown field"
        } else {
            UNKNOWN_PARAMETER
        },
    ));
    if authenticated {
        shared.push((
            "401",
            "Not signed in, the session or API token is no longer valid, or `Authorization` \
             and `X-Api-Key` carry different credentials",
        ));
        shared.push((
            "403",
            "Refused: the role does not allow it, the account must change its password first, \
             or a cookie-authenticated change did not come from Plexward's own pages",
        ));
    }
    if operation.request_body.is_some() {
        shared.push((
            "408",
            "The body did not arrive in time (`request_timeout`: `request_body_timeout_secs`, \
             then at least 4 KiB/s); the connection is closed",
        ));
    }
    if json_body {
        shared.push(("413", "The JSON body is larger than 64 KiB"));
        shared.push(("415", "The body is not sent as `application/json`"));
    }
    shared.push((
        "503",
        "The database is not answering; retry after `Retry-After` seconds",
    ));
    for (status, description) in shared {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(error_response(description)));
    }
}

fn error_response(description: &str) -> Response {
    let mut response = Response::new(description);
    response.content.insert(
        "application/json".to_owned(),
        RefOr::T(Content::new(Some(Ref::from_schema_name("ErrorResponse")))),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn responses_of(doc: &OpenApi, path: &str, method: &str) -> Vec<String> {
        let item = &doc.paths.paths[path];
        let operation = match method {
            "get" => item.get.as_ref(),
            "post" => item.post.as_ref(),
            "put" => item.put.as_ref(),
            "delete" => item.delete.as_ref(),
            _ => item.patch.as_ref(),
        };
        operation
            .expect("operation")
            .responses
            .responses
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn shared_errors_follow_each_operations_shape() {
        let doc = crate::http::openapi_document();
        let has = |path, method, status: &str| {
            responses_of(&doc, path, method).contains(&status.to_owned())
        };
        // A JSON body: malformed, too large, not JSON; plus credentials.
        for status in ["400", "401", "403", "413", "415", "503"] {
            assert!(has("/api/v1/scheduler", "put", status), "{status}");
        }
        // An id in the path, no body.
        assert!(has("/api/v1/accounts/{id}", "get", "400"));
        assert!(!has("/api/v1/accounts/{id}", "get", "415"));
        // Nothing to parse but the query string, whose unknown parameters are refused.
        assert!(has("/api/v1/me/tokens", "get", "400"));
        assert!(!has("/api/v1/me/tokens", "get", "415"));
        // Public: no 401 added (sign-in documents its own, for a wrong password).
        assert!(!has("/api/v1/health", "get", "401"));
        assert!(has("/api/v1/auth/login", "post", "415"));
        // The static document refuses only an unknown parameter.
        assert_eq!(
            responses_of(&doc, "/api/v1/openapi.json", "get"),
            ["200", "400"]
        );
    }

    #[test]
    fn a_handlers_own_description_is_kept() {
        let doc = crate::http::openapi_document();
        let item = &doc.paths.paths["/api/v1/tokens"];
        let RefOr::T(forbidden) = &item.get.as_ref().expect("get").responses.responses["403"]
        else {
            panic!("inline response");
        };
        assert_eq!(forbidden.description, "Admins only");
    }
}
