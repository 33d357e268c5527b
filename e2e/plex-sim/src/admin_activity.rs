//! Admin routes for watch activity: `/__sim/plays`, `/__sim/sessions`, `/__sim/catalog` (the
//! table is in `admin.rs`).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::activity::{Play, PlaySession};
use crate::admin::{err, ok, parse};
use crate::catalog;
use crate::engine::Sim;
use crate::resp;

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(Box<T>),
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the ready HTTP response, built once per request"
)]
fn list<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, HttpResponse> {
    Ok(match parse::<OneOrMany<T>>(body)? {
        OneOrMany::Many(v) => v,
        OneOrMany::One(x) => vec![*x],
    })
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the ready HTTP response, built once per request"
)]
fn id(v: &str, what: &str) -> Result<u64, HttpResponse> {
    v.parse().map_err(|_| {
        err(
            StatusCode::BAD_REQUEST,
            &format!("{what} must be an integer"),
        )
    })
}

/// The answer for an activity admin route, or `None` when `segs` is not one.
pub fn route(
    sim: &Sim,
    req: &HttpRequest,
    segs: &[&str],
    body: &[u8],
) -> Option<Result<HttpResponse, HttpResponse>> {
    let r = match (req.method(), segs) {
        (&Method::GET, ["plays"]) => Ok(sim.with_state(|s| ok(&json!(s.plays)))),
        (&Method::POST, ["plays"]) => {
            list::<Play>(body).map(|plays| match sim.with_state(|s| s.add_plays(plays)) {
                Ok(done) => resp::json(StatusCode::CREATED, &json!(done)),
                Err(e) => err(StatusCode::BAD_REQUEST, &e.to_string()),
            })
        }
        (&Method::DELETE, ["plays"]) => Ok(sim.with_state(|s| {
            let n = s.plays.len();
            s.plays.clear();
            ok(&json!({ "cleared": n }))
        })),
        (&Method::DELETE, ["plays", key]) => id(key, "play id").map(|key| {
            let gone = sim.with_state(|s| {
                let before = s.plays.len();
                s.plays.retain(|p| p.id != key);
                s.plays.len() < before
            });
            if gone {
                ok(&json!({ "removed": key }))
            } else {
                err(StatusCode::NOT_FOUND, "no such play")
            }
        }),
        (&Method::GET, ["sessions"]) => Ok(sim.with_state(|s| ok(&json!(s.sessions)))),
        (&Method::POST, ["sessions"]) => {
            list::<PlaySession>(body).map(|xs| match sim.with_state(|s| s.add_sessions(xs)) {
                Ok(done) => resp::json(StatusCode::CREATED, &json!(done)),
                Err(e) => err(StatusCode::BAD_REQUEST, &e.to_string()),
            })
        }
        (&Method::DELETE, ["sessions"]) => Ok(sim.with_state(|s| {
            let n = s.sessions.len();
            s.sessions.clear();
            ok(&json!({ "cleared": n }))
        })),
        (&Method::DELETE, ["sessions", key]) => {
            id(key, "sessionKey").map(|key| match sim.with_state(|s| s.end_session(key, false)) {
                Some(_) => ok(&json!({ "stopped": key })),
                None => err(StatusCode::NOT_FOUND, "no such session"),
            })
        }
        (&Method::POST, ["sessions", key, "finish"]) => {
            id(key, "sessionKey").map(|key| match sim.with_state(|s| s.end_session(key, true)) {
                Some(play) => ok(&json!(play)),
                None => err(StatusCode::NOT_FOUND, "no such session"),
            })
        }
        (&Method::GET, ["catalog"]) => {
            let library = req
                .query_string()
                .split('&')
                .find_map(|p| p.strip_prefix("library="))
                .and_then(|v| v.parse::<u64>().ok());
            Ok(sim.with_state(|s| {
                let items: Vec<_> = s
                    .pms_libraries()
                    .filter(|l| library.is_none_or(|k| k == l.key))
                    .flat_map(catalog::items)
                    .collect();
                ok(&json!(items))
            }))
        }
        _ => return None,
    };
    Some(r)
}
