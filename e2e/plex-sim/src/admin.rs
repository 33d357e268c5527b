//! The admin/test API under `/__sim/` (served on both listeners; never logged).
//!
//! | Method | Path | Body / effect |
//! |---|---|---|
//! | GET | `/__sim/health` | `{"pms": url, "plextv": url}` |
//! | GET | `/__sim/state` | the whole state (a superset of the seed format) |
//! | GET | `/__sim/requests[?host=pms\|plextv]` | request log, tokens redacted |
//! | DELETE | `/__sim/requests` | clear the log |
//! | POST | `/__sim/reset` | back to the seed; clears log, faults, chaos, rate limit, latency |
//! | POST | `/__sim/fault` | a [`FaultSpec`] or a list of them |
//! | GET/DELETE | `/__sim/faults` | list / clear pending faults |
//! | POST/GET/DELETE | `/__sim/chaos` | a [`Chaos`]: a random share of requests fail |
//! | POST | `/__sim/ratelimit` | a [`RateLimit`] (token bucket); DELETE turns it off |
//! | POST | `/__sim/latency` | `{"ms": N}` added to every request |
//! | POST | `/__sim/accept/{shareId}` | mark an invite accepted |
//! | POST | `/__sim/expire/{shareId}` | let a pending invite lapse (the share goes; the invitee is no friend any more) |
//! | POST | `/__sim/accounts/{id}/delete` | the account deleted on plex.tv: no longer a friend; v2 lists its share with `deletedAt` |
//! | POST | `/__sim/tokens/{revoke\|deauthorize\|restore}` | `{"token": "…"}` |
//! | POST | `/__sim/libraries` | `{"title", "type", "onPlextv": bool, "plextvDelayMs": N}` → the new library |
//! | DELETE | `/__sim/libraries/{key}[?plextv_delay_ms=N]` | remove a library (drift) |
//! | POST | `/__sim/libraries/{key}/publish` | make it visible on plex.tv |
//! | GET/POST | `/__sim/config` | [`Behaviour`] switches |
//! | GET | `/__sim/pins` | the sign-in PINs asked for |
//! | POST | `/__sim/pins/approve` | `{"code": "…"}` or `{"id": N}`: approve it as its person would on plex.tv |
//! | GET/POST/DELETE | `/__sim/plays` | watch history: list / add one [`Play`] or a list (201, completed) / clear |
//! | DELETE | `/__sim/plays/{id}` | forget one play |
//! | GET/POST/DELETE | `/__sim/sessions` | playing now: list / start one [`PlaySession`] or a list (201) / stop all |
//! | DELETE | `/__sim/sessions/{sessionKey}` | stop one (nothing recorded) |
//! | POST | `/__sim/sessions/{sessionKey}/finish` | stop it and record it as watched now → the play |
//! | GET | `/__sim/catalog[?library=KEY]` | the items plays and sessions can name |
//!
//! [`Play`]: crate::Play
//! [`PlaySession`]: crate::PlaySession

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::chaos::Chaos;
use crate::engine::{FaultSpec, Host, RateLimit, Sim, accept, expire};
use crate::model::Behaviour;
use crate::resp;

pub(crate) fn ok(v: &Value) -> HttpResponse {
    resp::json(StatusCode::OK, v)
}

pub(crate) fn err(status: StatusCode, message: &str) -> HttpResponse {
    resp::json(status, &json!({"error": message}))
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the ready HTTP response, built once per request"
)]
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, HttpResponse> {
    serde_json::from_slice(body)
        .map_err(|e| err(StatusCode::BAD_REQUEST, &format!("invalid body: {e}")))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<FaultSpec>),
    One(Box<FaultSpec>),
}

#[derive(Deserialize)]
struct ApprovePin {
    id: Option<u64>,
    code: Option<String>,
    /// Approve as this plex.tv account (a friend) instead of the owner.
    #[serde(default)]
    account_id: Option<u64>,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewLibrary {
    title: String,
    #[serde(rename = "type", default = "movie")]
    kind: String,
    #[serde(default = "yes", alias = "on_plextv")]
    on_plextv: bool,
    /// plex.tv lists it only after this many milliseconds.
    #[serde(default, alias = "plextv_delay_ms")]
    plextv_delay_ms: Option<u64>,
}

fn movie() -> String {
    "movie".to_owned()
}

fn yes() -> bool {
    true
}

pub fn handle(sim: &Sim, req: &HttpRequest, path: &str, body: &[u8]) -> HttpResponse {
    match admin(sim, req, path, body) {
        Ok(r) | Err(r) => r,
    }
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the ready HTTP response, built once per request"
)]
fn admin(
    sim: &Sim,
    req: &HttpRequest,
    path: &str,
    body: &[u8],
) -> Result<HttpResponse, HttpResponse> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    let m = req.method();
    if let Some(r) = crate::admin_activity::route(sim, req, &segs, body) {
        return r;
    }
    let url = |a: Option<std::net::SocketAddr>| a.map(|a| format!("http://{a}"));
    Ok(match (m, segs.as_slice()) {
        (&Method::GET, ["health"] | []) => {
            ok(&json!({"pms": url(sim.pms_addr()), "plextv": url(sim.plextv_addr())}))
        }
        (&Method::GET, ["state"]) => ok(&sim.with_state(|s| {
            s.tick();
            json!(s)
        })),
        (&Method::GET, ["requests"]) => {
            let host: Option<Host> = req
                .query_string()
                .split('&')
                .find_map(|p| p.strip_prefix("host="))
                .and_then(|h| serde_json::from_value(json!(h)).ok());
            let list: Vec<_> = sim
                .requests()
                .into_iter()
                .filter(|r| host.is_none_or(|h| h == r.host))
                .collect();
            ok(&json!(list))
        }
        (&Method::DELETE, ["requests"]) => {
            sim.clear_requests();
            ok(&json!({"cleared": true}))
        }
        (&Method::POST, ["reset"]) => {
            sim.reset();
            ok(&json!({"reset": true}))
        }
        (&Method::POST, ["fault" | "faults"]) => {
            let faults = match parse::<OneOrMany>(body)? {
                OneOrMany::Many(v) => v,
                OneOrMany::One(f) => vec![*f],
            };
            for f in &faults {
                if let Some(st) = f.status
                    && StatusCode::from_u16(st)
                        .ok()
                        .and_then(|c| c.canonical_reason())
                        .is_none()
                {
                    return Err(err(
                        StatusCode::BAD_REQUEST,
                        &format!("status {st} is not a standard HTTP status"),
                    ));
                }
            }
            let n = faults.len();
            for f in faults {
                sim.add_fault(f);
            }
            ok(&json!({"added": n}))
        }
        (&Method::GET, ["faults"]) => ok(&json!(sim.faults())),
        (&Method::DELETE, ["fault" | "faults"]) => {
            sim.clear_faults();
            ok(&json!({"cleared": true}))
        }
        (&Method::POST, ["chaos"]) => {
            let chaos: Chaos = parse(body)?;
            if !(0.0..=1.0).contains(&chaos.rate) {
                return Err(err(StatusCode::BAD_REQUEST, "rate must be within 0.0–1.0"));
            }
            sim.set_chaos(Some(chaos));
            ok(&json!(sim.chaos()))
        }
        (&Method::GET, ["chaos"]) => ok(&json!(sim.chaos())),
        (&Method::DELETE, ["chaos"]) => {
            sim.set_chaos(None);
            ok(&json!({"cleared": true}))
        }
        (&Method::POST, ["ratelimit"]) => {
            let limit: RateLimit = parse(body)?;
            sim.set_rate_limit(Some(limit));
            ok(&json!(sim.rate_limit()))
        }
        (&Method::DELETE, ["ratelimit"]) => {
            sim.set_rate_limit(None);
            ok(&json!({"cleared": true}))
        }
        (&Method::GET, ["ratelimit"]) => ok(&json!(sim.rate_limit())),
        (&Method::POST, ["latency"]) => {
            let l: LatencyBody = parse(body)?;
            sim.set_latency(std::time::Duration::from_millis(l.ms));
            ok(&json!({"ms": l.ms}))
        }
        (&Method::POST, ["accept", id]) => {
            let id: u64 = id
                .parse()
                .map_err(|_| err(StatusCode::BAD_REQUEST, "share id must be an integer"))?;
            if sim.with_state(|s| accept(s, id)) {
                ok(&json!({"accepted": id}))
            } else {
                err(StatusCode::NOT_FOUND, "no such share")
            }
        }
        (&Method::POST, ["expire", id]) => {
            let id: u64 = id
                .parse()
                .map_err(|_| err(StatusCode::BAD_REQUEST, "share id must be an integer"))?;
            if sim.with_state(|s| expire(s, id)) {
                ok(&json!({"expired": id}))
            } else {
                err(StatusCode::NOT_FOUND, "no such pending invite")
            }
        }
        (&Method::POST, ["accounts", id, "delete"]) => {
            let id: u64 = id
                .parse()
                .map_err(|_| err(StatusCode::BAD_REQUEST, "account id must be an integer"))?;
            if sim.with_state(|s| s.delete_account(id)) {
                ok(&json!({"deleted": id}))
            } else {
                err(StatusCode::NOT_FOUND, "no such account")
            }
        }
        (&Method::POST, ["tokens", action]) => {
            let t: TokenBody = parse(body)?;
            match *action {
                "revoke" => sim.with_state(|s| {
                    s.valid_tokens.remove(&t.token);
                }),
                "deauthorize" => sim.with_state(|s| {
                    s.valid_tokens.remove(&t.token);
                    s.deauthorized_tokens.insert(t.token.clone());
                }),
                "restore" => sim.with_state(|s| {
                    s.deauthorized_tokens.remove(&t.token);
                    s.valid_tokens.insert(t.token.clone());
                }),
                _ => return Err(err(StatusCode::NOT_FOUND, "unknown token action")),
            }
            ok(&json!({"ok": true}))
        }
        (&Method::POST, ["libraries"]) => {
            let l: NewLibrary = parse(body)?;
            if !matches!(l.kind.as_str(), "movie" | "show" | "artist" | "photo") {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    "type must be movie, show, artist or photo",
                ));
            }
            let delay = l.plextv_delay_ms.map(std::time::Duration::from_millis);
            let lib = sim.with_state(|s| s.add_library(&l.title, &l.kind, l.on_plextv, delay));
            resp::json(StatusCode::CREATED, &json!(lib))
        }
        (&Method::DELETE, ["libraries", key]) => {
            let key: u64 = key
                .parse()
                .map_err(|_| err(StatusCode::BAD_REQUEST, "key must be an integer"))?;
            let delay = req
                .query_string()
                .split('&')
                .find_map(|p| p.strip_prefix("plextv_delay_ms="))
                .and_then(|v| v.parse::<u64>().ok());
            let removed = sim.with_state(|s| match delay {
                Some(ms) => s.remove_library_later(key, std::time::Duration::from_millis(ms)),
                None => s.remove_library(key),
            });
            if removed {
                ok(&json!({"removed": key}))
            } else {
                err(StatusCode::NOT_FOUND, "no such library")
            }
        }
        (&Method::POST, ["libraries", key, "publish"]) => {
            let key: u64 = key
                .parse()
                .map_err(|_| err(StatusCode::BAD_REQUEST, "key must be an integer"))?;
            let found = sim.with_state(|s| {
                s.libraries
                    .iter_mut()
                    .find(|l| l.key == key)
                    .map(|l| {
                        l.on_plextv = true;
                        l.plextv_sync_at_ms = None;
                    })
                    .is_some()
            });
            if found {
                ok(&json!({"published": key}))
            } else {
                err(StatusCode::NOT_FOUND, "no such library")
            }
        }
        (&Method::GET, ["pins"]) => ok(&sim.with_state(|s| json!(s.pins))),
        (&Method::POST, ["pins", "approve"]) => {
            let b: ApprovePin = parse(body)?;
            let now = chrono::Utc::now().timestamp_millis();
            let approved = sim.with_state(|s| match b.account_id {
                Some(account) => {
                    let id = b.id.or_else(|| {
                        let code = b.code.as_deref()?;
                        s.pins
                            .iter()
                            .find(|p| p.code.eq_ignore_ascii_case(code))
                            .map(|p| p.id)
                    })?;
                    crate::pins::approve_as(s, id, account, now)
                }
                None => crate::pins::approve(s, b.id, b.code.as_deref(), now),
            });
            match approved {
                Some(pin) => ok(&json!(pin)),
                None => err(StatusCode::NOT_FOUND, "no live PIN with that id or code"),
            }
        }
        (&Method::GET, ["config"]) => ok(&sim.with_state(|s| json!(s.behaviour))),
        (&Method::POST, ["config"]) => {
            let b: Behaviour = parse(body)?;
            sim.with_state(|s| s.behaviour = b.clone());
            ok(&json!(b))
        }
        _ => err(StatusCode::NOT_FOUND, "unknown admin route"),
    })
}
