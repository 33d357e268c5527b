//! Old names still accepted for a while, and how an answer says one was used: a `Deprecation`
//! header (RFC 9745: the date the name was deprecated) and a `Link` to the docs naming its
//! replacement. The README's "Deprecated names" lists each and its replacement.

use actix_web::HttpResponseBuilder;
use actix_web::http::header::{HeaderName, HeaderValue};

/// 2026-12-03T00:00:00Z, when `plex_user_id(s)` gave way to `friend_id(s)` and
/// `plex_account_id`.
const DEPRECATED_AT: &str = "@1796256000";

pub static DEPRECATION: HeaderName = HeaderName::from_static("deprecation");

/// Marks `response` as having used a deprecated name.
pub fn mark(response: &mut HttpResponseBuilder) {
    response.insert_header((DEPRECATION.clone(), HeaderValue::from_static(DEPRECATED_AT)));
    response.append_header((
        actix_web::http::header::LINK,
        HeaderValue::from_static("</api/docs/>; rel=\"deprecation\"; type=\"text/html\""),
    ));
}

/// Query parameters kept under an old name; the document marks them `deprecated`.
const DEPRECATED_PARAMETERS: &[&str] = &["plex_user_id", "lines"];

/// Marks the deprecated query parameters of every operation in `doc`.
pub fn mark_in_document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Deprecated, RefOr};
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter
                    && DEPRECATED_PARAMETERS.contains(&parameter.name.as_str())
                {
                    parameter.deprecated = Some(Deprecated::True);
                }
            }
        }
    }
}
