//! Limits and error answers for actix's body, JSON and path extractors, and the API's own query
//! extractor, so malformed input gets the API's JSON envelope (400/413/415) instead of actix's
//! plain-text errors.

use actix_web::error::{JsonPayloadError, PathError};
use actix_web::web;

use crate::http::error::ApiError;

/// Largest JSON body the API accepts. Every request DTO is small; certificates (multipart) have
/// their own limit.
pub const JSON_LIMIT: usize = 64 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge { limit: JSON_LIMIT }
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Send the body as application/json.".into())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::bad_request("invalid_body", format!("The JSON body does not fit: {e}"))
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request("malformed_json", format!("The body is not valid JSON: {e}"))
        }
        other => ApiError::bad_request("invalid_body", format!("The body cannot be read: {other}")),
    }
}

/// A JSON body whose errors surface only when the handler asks for it, so authentication and
/// permission checks answer first (a forbidden caller gets 403, not a body error). Actix extracts
/// a handler's arguments concurrently, so the order of parameters alone does not ensure this.
pub type JsonBody<T> = Result<web::Json<T>, actix_web::Error>;

/// A query string whose errors surface when the handler asks for it (see [`JsonBody`]).
pub type QueryParams<T> = Result<Query<T>, ApiError>;

/// A query string read into `T`. Unlike `web::Query`, a value that does not fit names its
/// parameter: 400 `invalid_query` with `fields: {"status": "unknown variant …"}`. (Unknown
/// parameters are refused before any handler runs, by [`crate::http::query_guard`].)
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned> actix_web::FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// `T` from a query string, or the parameter that does not fit and why.
pub fn parse_query<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let name = err.path().to_string();
        // The path of a value that failed at the top (a duplicated parameter, say) is ".".
        let name = if name == "." {
            "query".to_owned()
        } else {
            name
        };
        ApiError::query_param(&name, err.into_inner().to_string())
    })
}

/// A page of a list held whole (`limit`/`offset` of [`plexward_shared::Paging`]), or the 400
/// naming the bad parameters.
pub fn paged<T>(
    items: Vec<T>,
    paging: QueryParams<plexward_shared::Paging>,
) -> Result<plexward_shared::List<T>, ApiError> {
    let (offset, limit) = paging?.parse().map_err(ApiError::InvalidQuery)?;
    Ok(plexward_shared::List::page(items, offset, limit))
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let message = match &err {
            PathError::Deserialize(e) => format!("Invalid path parameter: {e}"),
            other => format!("Invalid path parameter: {other}"),
        };
        ApiError::bad_request("invalid_path", message).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::{App, HttpResponse, test};

    #[derive(serde::Deserialize)]
    struct Probe {
        #[expect(dead_code, reason = "only deserialised")]
        name: String,
    }

    async fn probe(_body: web::Json<Probe>) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    async fn post(body: &'static [u8], content_type: &str) -> (StatusCode, serde_json::Value) {
        let app = test::init_service(
            App::new()
                .app_data(json_config())
                .route("/probe", web::post().to(probe)),
        )
        .await;
        let req = test::TestRequest::post()
            .uri("/probe")
            .insert_header(("content-type", content_type))
            .set_payload(body)
            .to_request();
        let res = test::call_service(&app, req).await;
        let status = res.status();
        let bytes = test::read_body(res).await;
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, json)
    }

    #[actix_web::test]
    async fn malformed_json_is_a_json_400() {
        let (status, body) = post(b"{\"name\": ", "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "malformed_json");
    }

    #[actix_web::test]
    async fn wrong_shape_is_a_json_400() {
        let (status, body) = post(b"{\"name\": 5}", "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_body");
    }

    #[actix_web::test]
    async fn wrong_content_type_is_a_json_415() {
        let (status, body) = post(b"name=x", "application/x-www-form-urlencoded").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["error"]["code"], "unsupported_media_type");
    }

    #[derive(Debug, serde::Deserialize)]
    struct Paging {
        #[serde(default)]
        limit: Option<u32>,
        #[serde(default)]
        dry_run: bool,
    }

    #[::core::prelude::v1::test]
    fn a_bad_query_value_names_its_parameter() {
        let err = parse_query::<Paging>("limit=ten").expect_err("not a number");
        let ApiError::InvalidQuery(fields) = err else {
            panic!("{err:?}")
        };
        assert!(fields["limit"].contains("invalid digit"), "{fields:?}");
        let err = parse_query::<Paging>("dry_run=yes").expect_err("not a bool");
        assert!(matches!(err, ApiError::InvalidQuery(f) if f.contains_key("dry_run")));
        let ok = parse_query::<Paging>("limit=5&dry_run=true").expect("fits");
        assert_eq!((ok.limit, ok.dry_run), (Some(5), true));
    }

    #[actix_web::test]
    async fn oversized_body_is_a_json_413() {
        static BIG: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
            let mut v = b"{\"name\":\"".to_vec();
            v.extend(std::iter::repeat_n(b'a', JSON_LIMIT + 1));
            v.extend(b"\"}");
            v
        });
        let (status, body) = post(BIG.as_slice(), "application/json").await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], "payload_too_large");
    }
}
