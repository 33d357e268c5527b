//! OpenAPI links: which answer's field feeds which operation's path `id` (an account created, a
//! job started, a friend listed, …). Clients and the API fuzzer's stateful phase follow them to
//! chain calls on real resources instead of guessing ids.

use utoipa::openapi::link::Link;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// (from `method path`, its status, link name, to `method path`, where the `id` comes from).
#[rustfmt::skip] // a table: one link a line reads better than five
const LINKS: &[(&str, &str, &str, &str, &str)] = &[
    ("post /api/v1/accounts", "201", "GetAccount", "get /api/v1/accounts/{id}", "$response.body#/id"),
    ("post /api/v1/accounts", "201", "UpdateAccount", "patch /api/v1/accounts/{id}", "$response.body#/id"),
    ("post /api/v1/accounts", "201", "DeleteAccount", "delete /api/v1/accounts/{id}", "$response.body#/id"),
    ("get /api/v1/accounts", "200", "GetAccount", "get /api/v1/accounts/{id}", "$response.body#/items/0/id"),
    ("post /api/v1/me/tokens", "201", "RevokeToken", "delete /api/v1/me/tokens/{id}", "$response.body#/token/id"),
    ("post /api/v1/me/tokens", "201", "RevokeAnyToken", "delete /api/v1/tokens/{id}", "$response.body#/token/id"),
    ("post /api/v1/sync", "202", "GetJob", "get /api/v1/jobs/{id}", "$response.body#/job_id"),
    ("post /api/v1/scheduler/run", "202", "GetJob", "get /api/v1/jobs/{id}", "$response.body#/job_id"),
    ("post /api/v1/plex-users/bulk", "202", "GetJob", "get /api/v1/jobs/{id}", "$response.body#/job_id"),
    ("get /api/v1/plex-users", "200", "GetFriend", "get /api/v1/plex-users/{id}", "$response.body#/items/0/id"),
    ("get /api/v1/plex-users", "200", "SetGrants", "put /api/v1/plex-users/{id}/grants", "$response.body#/items/0/id"),
    ("get /api/v1/plex-users", "200", "Extend", "post /api/v1/plex-users/{id}/extend", "$response.body#/items/0/id"),
    ("get /api/v1/plex-users", "200", "History", "get /api/v1/plex-users/{id}/history", "$response.body#/items/0/id"),
];

/// Adds [`LINKS`] to `doc`. A link whose source or target is missing is a bug: it panics, and the
/// document test catches it.
pub fn add_links(doc: &mut OpenApi) {
    for (from, status, name, to, id) in LINKS {
        let (to_method, to_path) = split(to);
        assert!(
            operation(doc, to_method, to_path).is_some(),
            "link target {to} is not an operation"
        );
        let (method, path) = split(from);
        let response = operation(doc, method, path)
            .and_then(|op| op.responses.responses.get_mut(*status))
            .unwrap_or_else(|| panic!("link source {from} {status} is not documented"));
        let RefOr::T(response) = response else {
            panic!("link source {from} {status} is a reference");
        };
        let link = Link::builder()
            .operation_ref(operation_ref(to_method, to_path))
            .parameter("id", *id)
            .build();
        response.links.insert((*name).to_owned(), RefOr::T(link));
    }
}

fn split(key: &str) -> (&str, &str) {
    key.split_once(' ').unwrap_or((key, ""))
}

fn operation<'a>(doc: &'a mut OpenApi, method: &str, path: &str) -> Option<&'a mut Operation> {
    let item = doc.paths.paths.get_mut(path)?;
    match method {
        "get" => item.get.as_mut(),
        "put" => item.put.as_mut(),
        "post" => item.post.as_mut(),
        "delete" => item.delete.as_mut(),
        "patch" => item.patch.as_mut(),
        _ => None,
    }
}

/// A JSON pointer to the operation (`~1` escapes `/`): unlike operation ids, always unique.
fn operation_ref(method: &str, path: &str) -> String {
    format!(
        "#/paths/{}/{method}",
        path.replace('~', "~0").replace('/', "~1")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_is_in_the_document() {
        let doc = crate::http::openapi_document();
        let json = serde_json::to_value(&doc).expect("serialises");
        let link = &json["paths"]["/api/v1/accounts"]["post"]["responses"]["201"]["links"]["DeleteAccount"];
        assert_eq!(
            link["operationRef"],
            "#/paths/~1api~1v1~1accounts~1{id}/delete"
        );
        assert_eq!(link["parameters"]["id"], "$response.body#/id");
        let count: usize = json["paths"]
            .as_object()
            .expect("paths")
            .values()
            .flat_map(|item| item.as_object().expect("item").values())
            .flat_map(|op| {
                op["responses"]
                    .as_object()
                    .into_iter()
                    .flat_map(|r| r.values())
            })
            .map(|response| response["links"].as_object().map_or(0, |l| l.len()))
            .sum();
        assert_eq!(count, LINKS.len());
    }
}
