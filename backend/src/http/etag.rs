//! Entity tags on answers the read model serves ready-made: every 200 carries `ETag`, and a
//! request whose `If-None-Match` names it gets `304 Not Modified` with no body (pollers and
//! scripts skip downloading an unchanged list).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::access::read_model::Answer;

/// `answer` as JSON with its `ETag`, or 304 when the client already has it.
pub fn respond(req: &HttpRequest, answer: &Answer) -> HttpResponse {
    let unchanged = none_match(req, &answer.etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    if let Ok(etag) = HeaderValue::from_str(&answer.etag) {
        response.insert_header((header::ETAG, etag));
    }
    if unchanged {
        return response.finish();
    }
    response
        .content_type("application/json")
        .body(answer.body.clone())
}

/// Whether `If-None-Match` lists `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`.
fn none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || crate::db::same_tag(tag, etag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn answer() -> Answer {
        Answer::hashed(b"{\"items\":[],\"total\":0}".to_vec())
    }

    #[test]
    fn a_matching_tag_is_not_modified_and_others_get_the_body() {
        let a = answer();
        let plain = TestRequest::default().to_http_request();
        let ok = respond(&plain, &a);
        assert_eq!(ok.status(), 200);
        assert_eq!(
            ok.headers().get(header::ETAG).expect("tag"),
            a.etag.as_str()
        );
        for sent in [
            a.etag.clone(),
            a.etag.trim_start_matches("W/").to_owned(),
            format!("\"other\", {}", a.etag),
            "*".to_owned(),
        ] {
            let req = TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, sent.as_str()))
                .to_http_request();
            assert_eq!(respond(&req, &a).status(), 304, "{sent}");
        }
        let stale = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "W/\"0000000000000000\""))
            .to_http_request();
        assert_eq!(respond(&stale, &a).status(), 200);
    }
}
