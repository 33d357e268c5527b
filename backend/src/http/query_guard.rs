//! Refuses query parameters an operation does not take, before any handler runs: 400
//! `invalid_query` naming each (with the nearest valid name), and nothing changed. A typo like
//! `?dryrun=true` or a filter the operation lacks (`?username=`) must never be ignored: the
//! script behind it would act for real, or on everyone.
//!
//! What each operation takes is read from the OpenAPI document, so the document is the one list
//! and cannot drift from what is accepted: a parameter a handler reads but the document lacks is
//! refused too (and tests/api/unknown_query.rs walks every operation).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::{OpenApi, RefOr};

use crate::http::error::ApiError;

/// The query parameters of every operation: per method, each path template (split in segments,
/// `None` for a `{parameter}`) and the names it takes.
#[derive(Debug, Default)]
pub struct QueryGuard {
    operations: HashMap<Method, Vec<Operation>>,
}

/// One operation's path template and the query parameters it takes.
type Operation = (Vec<Option<String>>, BTreeSet<String>);

fn segments(template: &str) -> Vec<Option<String>> {
    template
        .split('/')
        .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
        .collect()
}

/// How well `path` fits `template`: the number of literal segments, `None` if it does not fit.
/// (Not actix's `match_pattern`, which ignores the method: `POST /plex-users/bulk` would be
/// taken for `GET /plex-users/{id}`.)
fn fit(template: &[Option<String>], path: &str) -> Option<usize> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() != template.len() {
        return None;
    }
    let mut literal = 0;
    for (want, got) in template.iter().zip(parts) {
        match want {
            Some(want) if want == got => literal += 1,
            Some(_) => return None,
            None if got.is_empty() => return None,
            None => {}
        }
    }
    Some(literal)
}

impl QueryGuard {
    pub fn from_document(doc: &OpenApi) -> Self {
        let mut operations: HashMap<Method, Vec<_>> = HashMap::new();
        for (path, item) in doc.paths.paths.iter() {
            let methods = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation else { continue };
                let names = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        RefOr::T(p) if p.parameter_in == ParameterIn::Query => Some(p.name.clone()),
                        _ => None,
                    })
                    .collect();
                operations
                    .entry(method)
                    .or_default()
                    .push((segments(path), names));
            }
        }
        Self { operations }
    }

    /// Why `query` does not suit the operation `method path`, if it does not. Paths the
    /// document does not describe (the SPA, Swagger UI, unknown paths) are not this guard's
    /// business.
    pub fn check(&self, method: &Method, path: &str, query: &str) -> Result<(), ApiError> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let best = self
            .operations
            .get(method)
            .into_iter()
            .flatten()
            .filter_map(|(template, names)| Some((fit(template, path)?, names)))
            .max_by_key(|(literal, _)| *literal);
        let Some((_, allowed)) = best else {
            return Ok(());
        };
        let mut unknown = BTreeMap::new();
        for (name, _) in form_urlencoded::parse(query.as_bytes()) {
            if allowed.contains(name.as_ref()) || unknown.contains_key(name.as_ref()) {
                continue;
            }
            let why = match crate::suggest::nearest(&name, allowed.iter().map(String::as_str)) {
                Some(near) => format!("unknown parameter; did you mean `{near}`?"),
                None if allowed.is_empty() => {
                    "unknown parameter; this operation takes none".to_owned()
                }
                None => format!(
                    "unknown parameter; this operation takes {}",
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            unknown.insert(name.into_owned(), why);
        }
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidQuery(unknown))
        }
    }
}

/// Middleware around the whole app.
pub async fn middleware(
    guard: Arc<QueryGuard>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !req.query_string().is_empty()
        && let Err(refusal) = guard.check(
            req.method(),
            crate::http::base_path::inner_path(req.request()),
            req.query_string(),
        )
    {
        let response = refusal.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> QueryGuard {
        QueryGuard::from_document(&crate::http::openapi_document())
    }

    fn refused(method: Method, pattern: &str, query: &str) -> BTreeMap<String, String> {
        match guard().check(&method, pattern, query) {
            Err(ApiError::InvalidQuery(fields)) => fields,
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn documented_parameters_pass() {
        let g = guard();
        g.check(&Method::PUT, "/api/v1/plex-users/7/grants", "dry_run=true")
            .expect("dry_run is documented");
        g.check(
            &Method::GET,
            "/api/v1/plex-users",
            "q=a&status=active&limit=5",
        )
        .expect("filters are documented");
        g.check(&Method::HEAD, "/api/v1/plex-users", "limit=5")
            .expect("HEAD is GET");
        g.check(&Method::GET, "/not/an/operation", "anything=1")
            .expect("not the guard's business");
    }

    #[test]
    fn a_typo_names_the_nearest_valid_parameter() {
        let fields = refused(Method::POST, "/api/v1/plex-users/7/extend", "dryrun=true");
        assert_eq!(
            fields["dryrun"],
            "unknown parameter; did you mean `dry_run`?"
        );
    }

    #[test]
    fn the_operation_is_found_by_method_and_path() {
        // `bulk` also fits `/plex-users/{id}`, which has no POST; the literal segment wins.
        let fields = refused(Method::POST, "/api/v1/plex-users/bulk", "dryrun=true");
        assert!(fields["dryrun"].contains("`dry_run`"), "{fields:?}");
        // GET `/plex-users/{id}` takes no parameters, unlike the list.
        assert!(
            guard()
                .check(&Method::GET, "/api/v1/plex-users", "status=active")
                .is_ok()
        );
        refused(Method::GET, "/api/v1/plex-users/7", "status=active");
        // An empty id segment is no operation of the document.
        guard()
            .check(&Method::GET, "/api/v1/plex-users//history", "x=1")
            .expect("not an operation");
    }

    #[test]
    fn every_unknown_parameter_is_named_once() {
        let fields = refused(Method::GET, "/api/v1/me", "a=1&a=2&b=3");
        assert_eq!(fields.len(), 2);
        assert!(fields["a"].contains("takes none"), "{fields:?}");
    }
}
