//! The plex.tv listener (spec §2.3–2.5, §7.3 "plex.tv").

use std::collections::BTreeSet;

use actix_web::HttpResponse;
use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine::{Req, Sim};
use crate::model::{
    Account, EmptyListOnPut, Share, ShareSettings, State, access_token, fill_account, now,
};
use crate::resp;
use crate::xml::El;

pub fn handle(sim: &Sim, r: &Req<'_>) -> HttpResponse {
    let pms = sim.pms_addr();
    sim.with_state(|s| {
        s.tick();
        route(s, r, pms)
    })
}

fn route(s: &mut State, r: &Req<'_>, pms: Option<std::net::SocketAddr>) -> HttpResponse {
    if let Some(answer) = crate::pins::route(s, r, chrono::Utc::now().timestamp_millis()) {
        return answer;
    }
    let v2 = r.segs.get(1) == Some(&"v2");
    let json_body = v2 && r.json;
    // Someone else's token (a friend who signed in to a portal): who they are, nothing more.
    if let Some(account) = r
        .token
        .as_deref()
        .and_then(|t| crate::pins::account_of_token(s, t))
    {
        return match r.segs.as_slice() {
            ["api", "v2", "user"] if r.method == Method::GET => other_user(s, account),
            _ => resp::plextv_unauthorized(json_body),
        };
    }
    match r.token.as_deref() {
        Some(t) if s.valid_tokens.contains(t) => {}
        Some(t) if s.deauthorized_tokens.contains(t) => return resp::invalid_token(json_body),
        _ => return resp::plextv_unauthorized(json_body),
    }
    let m = r.method;
    let mid = s.server.machine_identifier.clone();
    match r.segs.as_slice() {
        ["api", "v2", "user"] if m == Method::GET => user(s, r.json),
        ["api", "users"] if m == Method::GET => users(s),
        ["api", "servers", id] if m == Method::GET && *id == mid => server(s, pms),
        ["api", "servers", id, "shared_servers"] if *id == mid => match *m {
            Method::GET => {
                let all: Vec<El> = s.shares.iter().map(|sh| shared_server_el(s, sh)).collect();
                resp::xml(StatusCode::OK, &myplex(s, all.len()).children(all))
            }
            Method::POST => create_share(s, r.body),
            _ => resp::plextv_v1_not_found(),
        },
        ["api", "servers", id, "shared_servers", share] if *id == mid => {
            let Some(share_id) = share.parse::<u64>().ok().filter(|i| s.share(*i).is_some()) else {
                return resp::plextv_v1_not_found();
            };
            match *m {
                Method::GET => share_container(s, share_id, StatusCode::OK),
                Method::PUT => update_share(s, share_id, r.body),
                Method::DELETE => {
                    s.shares.retain(|x| x.id != share_id);
                    resp::empty(StatusCode::OK)
                }
                _ => resp::plextv_v1_not_found(),
            }
        }
        ["api", "servers", ..] => resp::plextv_v1_not_found(),
        ["api", "v2", "sharings", uid] => {
            let user_id = uid
                .parse::<u64>()
                .ok()
                .filter(|u| s.friends.contains(u) || s.share_of_user(*u).is_some());
            match (m, user_id) {
                (&Method::DELETE, Some(u)) => remove_friend(s, Some(u)),
                (&Method::PUT, Some(_)) if s.behaviour.sharings_put_404 => {
                    resp::plextv_v2_not_found()
                }
                (&Method::PUT, Some(u)) => {
                    if let Some(sh) = s.shares.iter_mut().find(|x| x.user_id == u) {
                        for (k, v) in &r.query {
                            apply_setting(&mut sh.settings, k, &Value::String(v.clone()));
                        }
                    }
                    resp::empty(StatusCode::OK)
                }
                _ => resp::plextv_v2_not_found(),
            }
        }
        ["api", "v2", "resources"] if m == Method::GET => {
            resources(s, r.token.as_deref().unwrap_or_default(), pms, r.json)
        }
        ["api", "friends", ..] | ["api", "invites", "requested" | "requests", ..] => resp::gone(),
        ["api", "v2", "servers", id] if m == Method::GET && *id == mid => v2_server(s, r.json),
        [
            "api",
            "v2",
            "shared_servers",
            "owned",
            which @ ("accepted" | "pending"),
        ] if m == Method::GET => {
            let pending = *which == "pending";
            let list: Vec<&Share> = s
                .shares
                .iter()
                .chain(&s.deleted_shares)
                .filter(|x| x.accepted_at.is_none() == pending)
                .collect();
            if r.json {
                let arr: Vec<Value> = list.iter().map(|sh| share_json(s, sh)).collect();
                resp::json(StatusCode::OK, &Value::Array(arr))
            } else {
                let els: Vec<El> = list.iter().map(|sh| share_v2_el(s, sh)).collect();
                resp::xml(
                    StatusCode::OK,
                    &El::new("sharedServers").a("size", els.len()).children(els),
                )
            }
        }
        ["api", "v2", "shared_servers"] if m == Method::POST => v2_create_share(s, r.body),
        // Only POST exists on the list route (GET answers 405 on plex.tv, spec §2.6).
        ["api", "v2", "shared_servers"] => resp::method_not_allowed(),
        ["api", "v2", "shared_servers", share] => {
            let id = share.parse::<u64>().ok().filter(|i| s.share(*i).is_some());
            match (m, id) {
                (&Method::POST, Some(id)) => v2_update_share(s, id, r.body),
                (&Method::DELETE, Some(id)) => {
                    s.shares.retain(|x| x.id != id);
                    resp::empty(StatusCode::OK)
                }
                _ => resp::plextv_v2_not_found(),
            }
        }
        // `GET /api/v2/friends` is retired (410 since about August 2026, spec §2.6); removing
        // one friend still works there.
        ["api", "v2", "friends"] => resp::gone(),
        ["api", "v2", "friends", uid] if m == Method::DELETE => {
            remove_friend(s, uid.parse::<u64>().ok())
        }
        ["api", "users", ..] => resp::plextv_v1_not_found(),
        _ => resp::plextv_v2_not_found(),
    }
}

/// `<MediaContainer friendlyName="myPlex" …>` used by the legacy endpoints.
fn myplex(s: &State, size: usize) -> El {
    El::new("MediaContainer")
        .a("friendlyName", "myPlex")
        .a("identifier", "com.plexapp.plugins.myplex")
        .a("machineIdentifier", &s.server.machine_identifier)
        .a("size", size)
}

/// `GET /api/v2/user` for a token of account `id` other than the owner (JSON, the fields plex.tv
/// gives every account): a known account's names, or a stranger made up from the id.
fn other_user(s: &State, id: u64) -> HttpResponse {
    let known = s.accounts.iter().find(|a| a.id == id);
    let username = known.map_or_else(|| format!("stranger{id}"), |a| a.username.clone());
    let title = known.map_or_else(|| username.clone(), |a| a.title.clone());
    let email = known.map_or_else(|| format!("{username}@example.com"), |a| a.email.clone());
    let uuid = known.map_or_else(|| format!("{id:016x}"), |a| a.uuid.clone());
    resp::json(
        StatusCode::OK,
        &json!({
            "id": id, "uuid": uuid, "username": username, "title": title, "email": email,
            "friendlyName": title, "locale": null, "confirmed": true, "emailOnlyAuth": false,
            "hasPassword": true, "protected": false,
            "thumb": format!("https://plex.tv/users/{uuid}/avatar"),
            "home": false, "guest": false, "restricted": false, "twoFactorEnabled": false,
            "subscription": {"active": false, "subscribedAt": null, "status": "Inactive",
                "paymentService": null, "plan": null, "features": []},
        }),
    )
}

fn user(s: &State, json_body: bool) -> HttpResponse {
    let o = &s.owner;
    let features = [
        "sync",
        "download_certificates",
        "federated-auth",
        "shared-radio",
        "hardware_transcoding",
    ];
    let joined = crate::model::SEED_EPOCH - 100_000_000;
    let thumb = format!("https://plex.tv/users/{}/avatar?c={}", o.uuid, joined);
    if json_body {
        let sub = if o.plex_pass {
            json!({"active": true, "subscribedAt": "2021-04-12T18:21:12Z", "status": "Active",
                "paymentService": "", "plan": "lifetime", "features": features})
        } else {
            json!({"active": false, "subscribedAt": null, "status": "Inactive",
                "paymentService": null, "plan": null, "features": []})
        };
        return resp::json(
            StatusCode::OK,
            &json!({
                "id": o.id, "uuid": o.uuid, "username": o.username, "title": o.title,
                "email": o.email, "friendlyName": o.title, "locale": null, "confirmed": true,
                "joinedAt": joined, "emailOnlyAuth": false, "hasPassword": true,
                "protected": false, "thumb": thumb, "authToken": o.token,
                "mailingListStatus": "active", "mailingListActive": false, "scrobbleTypes": "",
                "country": "US", "restricted": false, "anonymous": null, "home": true,
                "guest": false, "homeSize": 1, "homeAdmin": true, "maxHomeSize": 15,
                "rememberExpiresAt": now() + 30 * 86_400, "experimentalFeatures": false,
                "twoFactorEnabled": false, "backupCodesCreated": false,
                "subscription": sub,
                "roles": if o.plex_pass { vec!["plexpass"] } else { vec![] },
                "entitlements": if o.plex_pass { vec!["all"] } else { vec![] },
                "profile": {"autoSelectAudio": true, "defaultAudioLanguage": "en",
                    "defaultSubtitleLanguage": "en", "autoSelectSubtitle": 1,
                    "defaultSubtitleAccessibility": 0, "defaultSubtitleForces": 0},
                "services": []
            }),
        );
    }
    let subscription = if o.plex_pass {
        El::new("subscription")
            .b("active", true)
            .a("subscribedAt", "2021-04-12 18:21:12 UTC")
            .a("status", "Active")
            .a("paymentService", "")
            .a("plan", "lifetime")
            .child(
                El::new("features")
                    .children(features.iter().map(|f| El::new("feature").a("id", f))),
            )
    } else {
        El::new("subscription")
            .b("active", false)
            .a("status", "Inactive")
            .child(El::new("features"))
    };
    let mut el = El::new("user")
        .a("id", o.id)
        .a("uuid", &o.uuid)
        .a("username", &o.username)
        .a("title", &o.title)
        .a("email", &o.email)
        .a("friendlyName", &o.title)
        .a("locale", "")
        .b("confirmed", true)
        .a("joinedAt", joined)
        .b("emailOnlyAuth", false)
        .b("hasPassword", true)
        .b("protected", false)
        .a("thumb", &thumb)
        .a("authToken", &o.token)
        .a("mailingListStatus", "active")
        .b("mailingListActive", false)
        .a("scrobbleTypes", "")
        .a("country", "US")
        .a(
            "subscriptionDescription",
            if o.plex_pass { "Lifetime" } else { "" },
        )
        .b("restricted", false)
        .b("home", true)
        .b("guest", false)
        .a("homeSize", 1)
        .b("homeAdmin", true)
        .a("maxHomeSize", 15)
        .a("rememberExpiresAt", now() + 30 * 86_400)
        .b("experimentalFeatures", false)
        .b("twoFactorEnabled", false)
        .b("backupCodesCreated", false)
        .child(subscription)
        .child(
            El::new("profile")
                .b("autoSelectAudio", true)
                .a("defaultAudioLanguage", "en")
                .a("defaultSubtitleLanguage", "en")
                .a("autoSelectSubtitle", 1)
                .a("defaultSubtitleAccessibility", 0)
                .a("defaultSubtitleForces", 0),
        );
    if o.plex_pass {
        el = el
            .child(
                El::new("entitlements")
                    .b("all", true)
                    .child(El::new("entitlement").a("id", "all")),
            )
            .child(El::new("roles").child(El::new("role").a("id", "plexpass")));
    } else {
        el = el.child(El::new("entitlements")).child(El::new("roles"));
    }
    resp::xml(StatusCode::OK, &el.child(El::new("services")))
}

fn users(s: &State) -> HttpResponse {
    let last_seen = now();
    let mut list = Vec::new();
    for a in s.accounts.iter().filter(|a| s.friends.contains(&a.id)) {
        let share = s.share_of_user(a.id);
        let st = share.map(|x| x.settings.clone()).unwrap_or_default();
        let mut el = El::new("User")
            .a("id", a.id)
            .a("title", &a.title)
            .opt("username", &a.username)
            .opt("email", &a.email)
            .a("recommendationsPlaylistId", "")
            .a("thumb", &a.thumb)
            .b("protected", a.protected)
            .b("home", a.home)
            .b("allowTuners", false)
            .b("allowSync", st.allow_sync)
            .b("allowCameraUpload", st.allow_camera_upload)
            .b("allowChannels", st.allow_channels)
            .b("allowSubtitleAdmin", false)
            .a("filterAll", &st.filter_all)
            .a("filterMovies", &st.filter_movies)
            .a("filterMusic", &st.filter_music)
            .a("filterPhotos", &st.filter_photos)
            .a("filterTelevision", &st.filter_television)
            .b("restricted", a.restricted);
        if let Some(sh) = share {
            el = el.child(
                El::new("Server")
                    .a("id", sh.id)
                    .a("serverId", s.server.plex_server_id)
                    .a("machineIdentifier", &s.server.machine_identifier)
                    .a("name", &s.server.friendly_name)
                    .a("lastSeenAt", last_seen)
                    .a("numLibraries", s.num_libraries(sh))
                    .b("allLibraries", sh.all_libraries)
                    .b("owned", true)
                    .b("pending", sh.accepted_at.is_none()),
            );
        }
        for f in s.foreign_shares.iter().filter(|f| f.user_id == a.id) {
            el = el.child(
                El::new("Server")
                    .a("id", f.id)
                    .a("serverId", f.id / 7 + 1)
                    .a("machineIdentifier", &f.machine_identifier)
                    .a("name", &f.name)
                    .a("lastSeenAt", last_seen)
                    .a("numLibraries", f.num_libraries)
                    .b("allLibraries", f.all_libraries)
                    .b("owned", true)
                    .b("pending", f.pending),
            );
        }
        list.push(el);
    }
    resp::xml(
        StatusCode::OK,
        &El::new("MediaContainer")
            .a("friendlyName", "myPlex")
            .a("identifier", "com.plexapp.plugins.myplex")
            .a("machineIdentifier", &s.owner.uuid)
            .a("totalSize", list.len())
            .a("size", list.len())
            .children(list),
    )
}

fn server(s: &State, pms: Option<std::net::SocketAddr>) -> HttpResponse {
    let (address, port) = pms.map_or(("127.0.0.1".to_owned(), 32400), |a| {
        (a.ip().to_string(), a.port())
    });
    let sections = s.plextv_libraries().map(|l| {
        El::new("Section")
            .a("id", l.plex_id)
            .a("key", l.key)
            .a("type", &l.kind)
            .a("title", &l.title)
    });
    let el = El::new("Server")
        .a("name", &s.server.friendly_name)
        .a("address", &address)
        .a("port", port)
        .a("version", &s.server.version)
        .a("scheme", "http")
        .a("host", &address)
        .a("localAddresses", &address)
        .a("machineIdentifier", &s.server.machine_identifier)
        .a("createdAt", crate::model::SEED_EPOCH - 50_000_000)
        .a("updatedAt", now())
        .b("owned", true)
        .b("synced", false)
        .children(sections);
    resp::xml(StatusCode::OK, &myplex(s, 1).child(el))
}

fn shared_server_el(s: &State, sh: &Share) -> El {
    let acc = s.account(sh.user_id);
    let (username, email) = acc.map_or((String::new(), String::new()), |a| {
        let u = if a.username.is_empty() {
            a.title.clone()
        } else {
            a.username.clone()
        };
        (u, a.email.clone())
    });
    let sections = s.plextv_libraries().map(|l| {
        El::new("Section")
            .a("id", l.plex_id)
            .a("key", l.key)
            .a("title", &l.title)
            .a("type", &l.kind)
            .b(
                "shared",
                sh.all_libraries || sh.section_ids.contains(&l.plex_id),
            )
    });
    El::new("SharedServer")
        .a("id", sh.id)
        .a("username", username)
        .opt("email", &email)
        .a("userID", sh.user_id)
        .a("accessToken", &sh.access_token)
        .a("name", &s.server.friendly_name)
        .a("acceptedAt", sh.accepted_at.unwrap_or(0))
        .a("invitedAt", sh.invited_at)
        .b("allowSync", sh.settings.allow_sync)
        .b("allowCameraUpload", sh.settings.allow_camera_upload)
        .b("allowChannels", sh.settings.allow_channels)
        .b("allLibraries", sh.all_libraries)
        .b("owned", false)
        .children(sections)
}

fn share_container(s: &State, share_id: u64, status: StatusCode) -> HttpResponse {
    match s.share(share_id) {
        Some(sh) => resp::xml(status, &myplex(s, 1).child(shared_server_el(s, sh))),
        None => resp::plextv_v1_not_found(),
    }
}

fn bad_request(message: &str) -> HttpResponse {
    resp::response_el(StatusCode::BAD_REQUEST, message)
}

/// Validates `library_section_ids` (list of known plex.tv ids).
#[expect(
    clippy::result_large_err,
    reason = "the error is the ready HTTP response, built once per request"
)]
fn section_ids(s: &State, v: Option<&Value>) -> Result<BTreeSet<u64>, HttpResponse> {
    let Some(arr) = v.and_then(Value::as_array) else {
        return Err(bad_request("library_section_ids must be a list of ids"));
    };
    let known: BTreeSet<u64> = s.plextv_libraries().map(|l| l.plex_id).collect();
    let mut out = BTreeSet::new();
    for item in arr {
        let Some(id) = item.as_u64() else {
            return Err(bad_request(&format!("Invalid library section id {item}")));
        };
        if !known.contains(&id) {
            return Err(bad_request(&format!(
                "Library section {id} does not belong to this server"
            )));
        }
        out.insert(id);
    }
    Ok(out)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(s.as_str(), "1" | "true" | "True"),
        _ => false,
    }
}

fn apply_setting(st: &mut ShareSettings, key: &str, v: &Value) {
    let text = || match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match key {
        "allowSync" => st.allow_sync = truthy(v),
        "allowCameraUpload" => st.allow_camera_upload = truthy(v),
        "allowChannels" => st.allow_channels = truthy(v),
        "filterMovies" => st.filter_movies = text(),
        "filterTelevision" => st.filter_television = text(),
        "filterMusic" => st.filter_music = text(),
        "filterPhotos" => st.filter_photos = text(),
        "filterAll" => st.filter_all = text(),
        _ => {}
    }
}

fn apply_settings(st: &mut ShareSettings, v: Option<&Value>) {
    if let Some(obj) = v.and_then(Value::as_object) {
        for (k, val) in obj {
            apply_setting(st, k, val);
        }
    }
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the ready HTTP response, built once per request"
)]
fn parse_body(body: &[u8]) -> Result<Value, HttpResponse> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| bad_request("Bad Request"))
}

fn create_share(s: &mut State, body: &[u8]) -> HttpResponse {
    let v = match parse_body(body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if let Some(sid) = v.get("server_id")
        && sid.as_str() != Some(s.server.machine_identifier.as_str())
    {
        return bad_request("server_id does not match this server");
    }
    let Some(ss) = v.get("shared_server").filter(|x| x.is_object()) else {
        return bad_request("shared_server is required");
    };
    let ids = match section_ids(s, ss.get("library_section_ids")) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let invitee = (
        ss.get("invited_email").and_then(Value::as_str),
        ss.get("invited_id"),
    );
    match new_share(s, invitee, ids, v.get("sharing_settings")) {
        Ok(id) => share_container(s, id, StatusCode::CREATED),
        Err(
            Refusal::AlreadySharing(message)
            | Refusal::Invalid(message)
            | Refusal::FriendLimit(message),
        ) => bad_request(&message),
    }
}

/// Why a share could not be created.
enum Refusal {
    /// The user already has a share (v1 400, v2 422).
    AlreadySharing(String),
    /// Anything else wrong with the request (400).
    Invalid(String),
    /// The server is shared with as many people as Plex allows (v1 400, v2 422).
    FriendLimit(String),
}

/// The invitee (email or username, or an account id) as an account id: an unknown email gets a
/// placeholder account, as plex.tv invites people without one.
fn invitee_account(
    s: &mut State,
    email: Option<&str>,
    invited_id: Option<&Value>,
) -> Result<u64, String> {
    match (email, invited_id) {
        (Some(e), None) if !e.trim().is_empty() => {
            let e = e.trim();
            let found = s.accounts.iter().find(|a| {
                a.email.eq_ignore_ascii_case(e)
                    || (!a.username.is_empty() && a.username.eq_ignore_ascii_case(e))
            });
            match found {
                Some(a) => Ok(a.id),
                None if e.eq_ignore_ascii_case(&s.owner.email)
                    || e.eq_ignore_ascii_case(&s.owner.username) =>
                {
                    Ok(s.owner.id)
                }
                None if e.contains('@') => {
                    let id = s.next_account_id;
                    s.next_account_id += 1;
                    let mut a = Account {
                        id,
                        uuid: String::new(),
                        username: String::new(),
                        email: e.to_owned(),
                        title: String::new(),
                        thumb: String::new(),
                        home: false,
                        restricted: false,
                        protected: false,
                    };
                    fill_account(&mut a);
                    s.accounts.push(a);
                    Ok(id)
                }
                None => Err(format!("No user named {e}")),
            }
        }
        (None, Some(id)) => {
            let id = id
                .as_u64()
                .or_else(|| id.as_str().and_then(|x| x.parse().ok()));
            match id {
                Some(id) if s.account(id).is_some() || id == s.owner.id => Ok(id),
                _ => Err("Invalid invited_id".to_owned()),
            }
        }
        _ => Err("Exactly one of invited_email or invited_id is required".to_owned()),
    }
}

/// Creates a pending share (both APIs): the invitee resolved, the duplicate and friend-limit
/// rules checked, `settings` applied.
fn new_share(
    s: &mut State,
    (email, invited_id): (Option<&str>, Option<&Value>),
    ids: BTreeSet<u64>,
    settings: Option<&Value>,
) -> Result<u64, Refusal> {
    let user_id = invitee_account(s, email, invited_id).map_err(Refusal::Invalid)?;
    if user_id == s.owner.id {
        return Err(Refusal::Invalid(
            "You cannot share a server with yourself".to_owned(),
        ));
    }
    if s.share_of_user(user_id).is_some() {
        let name = s
            .account(user_id)
            .map(|a| {
                if a.username.is_empty() {
                    a.title.clone()
                } else {
                    a.username.clone()
                }
            })
            .unwrap_or_default();
        return Err(Refusal::AlreadySharing(format!(
            "You're already sharing this server with {name}. Please edit your existing share."
        )));
    }
    let home = s.account(user_id).is_some_and(|a| a.home);
    if let Some(limit) = s.behaviour.friend_limit
        && !home
    {
        let sharing = s
            .shares
            .iter()
            .filter(|sh| s.account(sh.user_id).is_none_or(|a| !a.home))
            .count();
        if sharing >= limit {
            return Err(Refusal::FriendLimit(format!(
                "You have reached the maximum number of users ({limit}) you can share with."
            )));
        }
    }
    let id = s.next_share_id;
    s.next_share_id += 1;
    let mut share_settings = ShareSettings::default();
    apply_settings(&mut share_settings, settings);
    let all = ids.is_empty();
    s.shares.push(Share {
        id,
        user_id,
        all_libraries: all,
        section_ids: ids,
        settings: share_settings,
        invited_at: now(),
        accepted_at: None,
        access_token: access_token(id),
        deleted_at: None,
    });
    s.friends.insert(user_id);
    Ok(id)
}

/// `POST /api/v2/shared_servers` (spec §2.5): `{machineIdentifier, librarySectionIds,
/// invitedEmail | invitedId, settings?}` → 201 with the share's JSON.
fn v2_create_share(s: &mut State, body: &[u8]) -> HttpResponse {
    let Some(v) = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
    else {
        return v2_bad_request("Invalid JSON body");
    };
    if v.get("machineIdentifier").and_then(Value::as_str)
        != Some(s.server.machine_identifier.as_str())
    {
        return v2_bad_request("machineIdentifier does not name a server of yours");
    }
    let Ok(ids) = section_ids(s, v.get("librarySectionIds")) else {
        return v2_bad_request("Invalid librarySectionIds");
    };
    let invitee = (
        v.get("invitedEmail").and_then(Value::as_str),
        v.get("invitedId"),
    );
    match new_share(s, invitee, ids, v.get("settings")) {
        Ok(id) => match s.share(id) {
            Some(sh) => resp::json(StatusCode::CREATED, &share_json(s, sh)),
            None => resp::plextv_v2_not_found(),
        },
        Err(Refusal::AlreadySharing(message) | Refusal::FriendLimit(message)) => resp::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"errors":[{"code":1000,"message":message,"status":422}]}),
        ),
        Err(Refusal::Invalid(message)) => v2_bad_request(&message),
    }
}

/// Removes `user`'s shares and friendship (v1 `DELETE /api/v2/sharings/{id}`, v2
/// `DELETE /api/v2/friends/{id}`).
fn remove_friend(s: &mut State, user: Option<u64>) -> HttpResponse {
    let Some(u) = user.filter(|u| s.friends.contains(u) || s.share_of_user(*u).is_some()) else {
        return resp::plextv_v2_not_found();
    };
    s.shares.retain(|x| x.user_id != u);
    s.foreign_shares.retain(|x| x.user_id != u);
    s.friends.remove(&u);
    resp::empty(StatusCode::NO_CONTENT)
}

fn set_sections(s: &mut State, share_id: u64, ids: BTreeSet<u64>) -> Result<(), &'static str> {
    if ids.is_empty() && s.behaviour.empty_list_on_put == EmptyListOnPut::Reject400 {
        return Err("library_section_ids must not be empty");
    }
    if let Some(sh) = s.shares.iter_mut().find(|x| x.id == share_id) {
        sh.all_libraries = ids.is_empty();
        sh.section_ids = ids;
    }
    Ok(())
}

fn update_share(s: &mut State, share_id: u64, body: &[u8]) -> HttpResponse {
    let v = match parse_body(body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(ss) = v.get("shared_server").filter(|x| x.is_object()) else {
        return bad_request("shared_server is required");
    };
    let ids = match section_ids(s, ss.get("library_section_ids")) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    if let Err(msg) = set_sections(s, share_id, ids) {
        return bad_request(msg);
    }
    if let Some(sh) = s.shares.iter_mut().find(|x| x.id == share_id) {
        apply_settings(&mut sh.settings, v.get("sharing_settings"));
    }
    share_container(s, share_id, StatusCode::OK)
}

fn v2_bad_request(message: &str) -> HttpResponse {
    resp::json(
        StatusCode::BAD_REQUEST,
        &json!({"errors":[{"code":1000,"message":message,"status":400}]}),
    )
}

fn v2_update_share(s: &mut State, share_id: u64, body: &[u8]) -> HttpResponse {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return v2_bad_request("Invalid JSON body");
    };
    if v.get("librarySectionIds").is_some() {
        let ids = match section_ids(s, v.get("librarySectionIds")) {
            Ok(ids) => ids,
            Err(_) => return v2_bad_request("Invalid librarySectionIds"),
        };
        if let Err(msg) = set_sections(s, share_id, ids) {
            return v2_bad_request(msg);
        }
    }
    if let Some(sh) = s.shares.iter_mut().find(|x| x.id == share_id) {
        apply_settings(&mut sh.settings, v.get("settings"));
    }
    match s.share(share_id) {
        Some(sh) => resp::json(StatusCode::OK, &share_json(s, sh)),
        None => resp::plextv_v2_not_found(),
    }
}

fn share_json(s: &State, sh: &Share) -> Value {
    let acc = s.account(sh.user_id);
    let libs: Vec<Value> = s
        .plextv_libraries()
        .filter(|l| sh.all_libraries || sh.section_ids.contains(&l.plex_id))
        .map(|l| json!({"id": l.plex_id, "key": l.key, "title": l.title, "type": l.kind}))
        .collect();
    let st = &sh.settings;
    json!({
        "id": sh.id, "name": s.server.friendly_name, "ownerId": s.owner.id,
        "invitedId": sh.user_id, "invitedEmail": acc.map(|a| a.email.clone()),
        "serverId": s.server.plex_server_id, "machineIdentifier": s.server.machine_identifier,
        "accepted": sh.accepted_at.is_some(), "acceptedAt": sh.accepted_at,
        "deletedAt": sh.deleted_at, "leftAt": null, "owned": true,
        "inviteToken": sh.access_token, "lastSeenAt": now(),
        "numLibraries": s.num_libraries(sh), "allLibraries": sh.all_libraries,
        "invited": acc.map(|a| json!({"id": a.id, "uuid": a.uuid, "title": a.title,
            "username": a.username, "email": a.email, "restricted": a.restricted,
            "home": a.home, "thumb": a.thumb,
            "status": if sh.accepted_at.is_some() { "accepted" } else { "pending" }})),
        "sharingSettings": {"allowSync": st.allow_sync, "allowCameraUpload": st.allow_camera_upload,
            "allowChannels": st.allow_channels, "allowSubtitleAdmin": false, "allowTuners": 0,
            "filterAll": st.filter_all, "filterMovies": st.filter_movies,
            "filterMusic": st.filter_music, "filterPhotos": st.filter_photos,
            "filterTelevision": st.filter_television},
        "libraries": libs,
    })
}

fn share_v2_el(s: &State, sh: &Share) -> El {
    let acc = s.account(sh.user_id);
    let st = &sh.settings;
    let mut el = El::new("sharedServer")
        .a("id", sh.id)
        .a("name", &s.server.friendly_name)
        .a("ownerId", s.owner.id)
        .a("invitedId", sh.user_id)
        .a(
            "invitedEmail",
            acc.map(|a| a.email.as_str()).unwrap_or_default(),
        )
        .a("serverId", s.server.plex_server_id)
        .a("machineIdentifier", &s.server.machine_identifier)
        .b("accepted", sh.accepted_at.is_some())
        .a("acceptedAt", sh.accepted_at.unwrap_or(0))
        .b("owned", true)
        .a("numLibraries", s.num_libraries(sh))
        .b("allLibraries", sh.all_libraries);
    if let Some(a) = acc {
        el = el.child(
            El::new("invited")
                .a("id", a.id)
                .a("uuid", &a.uuid)
                .a("title", &a.title)
                .a("username", &a.username)
                .b("restricted", a.restricted)
                .b("home", a.home)
                .a("thumb", &a.thumb),
        );
    }
    el.child(
        El::new("sharingSettings")
            .b("allowSync", st.allow_sync)
            .b("allowCameraUpload", st.allow_camera_upload)
            .b("allowChannels", st.allow_channels)
            .a("filterMovies", &st.filter_movies)
            .a("filterMusic", &st.filter_music)
            .a("filterTelevision", &st.filter_television),
    )
    .child(
        El::new("libraries").children(
            s.plextv_libraries()
                .filter(|l| sh.all_libraries || sh.section_ids.contains(&l.plex_id))
                .map(|l| {
                    El::new("library")
                        .a("id", l.plex_id)
                        .a("key", l.key)
                        .a("title", &l.title)
                        .a("type", &l.kind)
                }),
        ),
    )
}

fn v2_server(s: &State, json_body: bool) -> HttpResponse {
    if json_body {
        let libs: Vec<Value> = s
            .plextv_libraries()
            .map(|l| json!({"id": l.plex_id, "key": l.key, "title": l.title, "type": l.kind}))
            .collect();
        return resp::json(
            StatusCode::OK,
            &json!({"name": s.server.friendly_name, "machineIdentifier": s.server.machine_identifier,
                "id": s.server.plex_server_id, "librarySections": libs}),
        );
    }
    resp::xml(
        StatusCode::OK,
        &El::new("server")
            .a("name", &s.server.friendly_name)
            .a("machineIdentifier", &s.server.machine_identifier)
            .a("id", s.server.plex_server_id)
            .child(
                El::new("librarySections").children(s.plextv_libraries().map(|l| {
                    El::new("librarySection")
                        .a("id", l.plex_id)
                        .a("key", l.key)
                        .a("title", &l.title)
                        .a("type", &l.kind)
                })),
            ),
    )
}

fn iso(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn resources(
    s: &State,
    token: &str,
    pms: Option<std::net::SocketAddr>,
    json_body: bool,
) -> HttpResponse {
    let (address, port) = pms.map_or(("127.0.0.1".to_owned(), 32400), |a| {
        (a.ip().to_string(), a.port())
    });
    let uri = format!("http://{address}:{port}");
    let created = iso(crate::model::SEED_EPOCH - 50_000_000);
    let seen = iso(now());
    if json_body {
        return resp::json(
            StatusCode::OK,
            &json!([{
                "name": s.server.friendly_name, "product": "Plex Media Server",
                "productVersion": s.server.version, "platform": "Linux",
                "platformVersion": "6.1.0", "device": "PC",
                "clientIdentifier": s.server.machine_identifier, "createdAt": created,
                "lastSeenAt": seen, "provides": "server", "ownerId": null, "sourceTitle": null,
                "publicAddress": address, "accessToken": token, "owned": true, "home": false,
                "synced": false, "relay": false, "presence": true, "httpsRequired": false,
                "publicAddressMatches": true, "dnsRebindingProtection": false,
                "natLoopbackSupported": false,
                "connections": [{"protocol": "http", "address": address, "port": port,
                    "uri": uri, "local": true, "relay": false, "IPv6": false}]
            }]),
        );
    }
    let res = El::new("resource")
        .a("name", &s.server.friendly_name)
        .a("product", "Plex Media Server")
        .a("productVersion", &s.server.version)
        .a("platform", "Linux")
        .a("platformVersion", "6.1.0")
        .a("device", "PC")
        .a("clientIdentifier", &s.server.machine_identifier)
        .a("createdAt", created)
        .a("lastSeenAt", seen)
        .a("provides", "server")
        .a("publicAddress", &address)
        .a("accessToken", token)
        .b("owned", true)
        .b("home", false)
        .b("synced", false)
        .b("relay", false)
        .b("presence", true)
        .b("httpsRequired", false)
        .b("publicAddressMatches", true)
        .b("dnsRebindingProtection", false)
        .b("natLoopbackSupported", false)
        .child(
            El::new("connections").child(
                El::new("connection")
                    .a("protocol", "http")
                    .a("address", &address)
                    .a("port", port)
                    .a("uri", &uri)
                    .b("local", true)
                    .b("relay", false)
                    .b("IPv6", false),
            ),
        );
    resp::xml(
        StatusCode::OK,
        &El::new("resources").a("size", 1).child(res),
    )
}
