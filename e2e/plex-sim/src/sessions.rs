//! PMS `GET /status/sessions` (what is playing now) and `/status/sessions/terminate`: one
//! `Video`/`Track` per session with `Media`/`Part`, `User`, `Player` and `Session` children, or
//! the same as JSON `Metadata` objects. Routed from `history.rs`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::activity::PlaySession;
use crate::engine::Req;
use crate::history::{Attrs, V, meta, num, on_pms, to_el, to_json, txt};
use crate::model::State;
use crate::resp;
use crate::xml::El;

/// `plex://movie/5d776…`-like: 24 hex digits derived from the rating key.
fn guid(rk: u64, kind: &str) -> String {
    let a = rk.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let b = a.rotate_left(29) ^ 0x94d0_49bb_1331_11eb;
    format!("plex://{kind}/{:012x}{:012x}", a >> 16, b >> 16)
}

/// The `User` of a session: PMS names friends by username, managed users by title.
fn user_attrs(s: &State, account_id: u64) -> Attrs {
    let (title, thumb) = if account_id == 1 {
        (
            s.owner.username.clone(),
            format!(
                "https://plex.tv/users/{}/avatar?c={}",
                s.owner.uuid,
                crate::SEED_EPOCH
            ),
        )
    } else {
        s.account(account_id).map_or_else(
            || (String::new(), String::new()),
            |a| {
                let name = if a.username.is_empty() {
                    &a.title
                } else {
                    &a.username
                };
                (name.clone(), a.thumb.clone())
            },
        )
    };
    vec![
        ("id", txt(account_id)),
        ("thumb", V::S(thumb)),
        ("title", V::S(title)),
    ]
}

fn session_item_attrs(s: &State, x: &PlaySession) -> Attrs {
    let i = &x.item;
    let t = i.added_at;
    let lib = s.pms_libraries().find(|l| l.key == i.library_section_id);
    let mut a: Attrs = vec![
        ("addedAt", num(t)),
        (
            "art",
            txt(format!(
                "{}/art/{t}",
                meta(i.grandparent_rating_key.unwrap_or(i.rating_key))
            )),
        ),
        ("duration", num(i.duration)),
        ("guid", txt(guid(i.rating_key, &i.kind))),
        ("key", txt(meta(i.rating_key))),
        ("librarySectionID", txt(i.library_section_id)),
        (
            "librarySectionKey",
            txt(format!("/library/sections/{}", i.library_section_id)),
        ),
        (
            "librarySectionTitle",
            txt(lib.map(|l| l.title.as_str()).unwrap_or_default()),
        ),
    ];
    if let Some(gk) = i.grandparent_rating_key {
        a.push(("grandparentKey", txt(meta(gk))));
        a.push(("grandparentRatingKey", txt(gk)));
        a.push(("grandparentThumb", txt(format!("{}/thumb/{t}", meta(gk)))));
        a.push(("grandparentTitle", txt(&i.grandparent_title)));
    }
    if let Some(x) = i.index {
        a.push(("index", num(x)));
    }
    if !i.originally_available_at.is_empty() {
        a.push(("originallyAvailableAt", txt(&i.originally_available_at)));
    }
    if let Some(pk) = i.parent_rating_key {
        a.push(("parentIndex", num(i.parent_index.unwrap_or(1))));
        a.push(("parentKey", txt(meta(pk))));
        a.push(("parentRatingKey", txt(pk)));
        a.push(("parentThumb", txt(format!("{}/thumb/{t}", meta(pk)))));
        a.push(("parentTitle", txt(&i.parent_title)));
    }
    a.push(("ratingKey", txt(i.rating_key)));
    a.push(("sessionKey", txt(x.session_key)));
    let thumb_of = if i.kind == "track" {
        i.parent_rating_key.unwrap_or(i.rating_key)
    } else {
        i.rating_key
    };
    a.push(("thumb", txt(format!("{}/thumb/{t}", meta(thumb_of)))));
    a.push(("title", txt(&i.title)));
    a.push(("type", txt(&i.kind)));
    a.push(("updatedAt", num(t)));
    a.push(("viewOffset", num(x.view_offset.unwrap_or(0))));
    if let Some(y) = i.year {
        a.push(("year", num(y)));
    }
    a
}

fn media_attrs(x: &PlaySession) -> (Attrs, Attrs) {
    let i = &x.item;
    let id = x.item.rating_key * 3 + 7;
    let track = i.kind == "track";
    let container = if track { "flac" } else { "mkv" };
    let mut media: Attrs = vec![("id", num(id)), ("duration", num(i.duration))];
    if track {
        media.extend([
            ("audioChannels", num(2)),
            ("audioCodec", txt("flac")),
            ("bitrate", num(1_014)),
        ]);
    } else {
        media.extend([
            ("audioChannels", num(6)),
            ("audioCodec", txt("eac3")),
            (
                "bitrate",
                num(if i.kind == "episode" { 5_800 } else { 9_800 }),
            ),
            ("height", num(1080)),
            ("videoCodec", txt("h264")),
            ("videoResolution", txt("1080")),
            ("width", num(1920)),
        ]);
    }
    media.extend([("container", txt(container)), ("selected", V::B(true))]);
    let part: Attrs = vec![
        ("id", num(id + 1)),
        (
            "key",
            txt(format!(
                "/library/parts/{}/{}/file.{container}",
                id + 1,
                i.added_at
            )),
        ),
        ("duration", num(i.duration)),
        (
            "file",
            txt(format!(
                "/data/{}/{}.{container}",
                i.library_section_id, i.rating_key
            )),
        ),
        ("container", txt(container)),
        ("selected", V::B(true)),
    ];
    (media, part)
}

fn player_attrs(x: &PlaySession) -> Attrs {
    let p = &x.player;
    let lan = x.location == "lan";
    let mut a: Attrs = vec![
        ("address", txt(&p.address)),
        ("device", txt(&p.device)),
        ("machineIdentifier", txt(&p.machine_identifier)),
        ("model", txt("")),
        ("platform", txt(&p.platform)),
        ("platformVersion", txt(&p.platform_version)),
        ("product", txt(&p.product)),
        ("profile", txt(&p.platform)),
    ];
    if !lan {
        a.push(("remotePublicAddress", txt(&p.address)));
    }
    a.extend([
        ("state", txt(&x.state)),
        ("title", txt(&p.title)),
        ("vendor", txt("")),
        ("version", txt(&p.version)),
        ("local", V::B(lan)),
        ("relayed", V::B(false)),
        ("secure", V::B(true)),
        ("userID", num(x.account_id)),
    ]);
    a
}

pub fn list(s: &State, json_body: bool) -> HttpResponse {
    let live: Vec<&PlaySession> = s.sessions.iter().filter(|x| on_pms(s, &x.item)).collect();
    let parts: Vec<_> = live
        .iter()
        .map(|x| {
            let session: Attrs = vec![
                ("id", txt(&x.session_id)),
                ("bandwidth", num(x.bandwidth)),
                ("location", txt(&x.location)),
            ];
            (
                x.item.tag(),
                session_item_attrs(s, x),
                media_attrs(x),
                user_attrs(s, x.account_id),
                player_attrs(x),
                session,
            )
        })
        .collect();
    if json_body {
        let md: Vec<Value> = parts
            .iter()
            .map(|(_, item, (media, part), user, player, session)| {
                let mut o = to_json(item);
                let mut m = to_json(media);
                m.insert("Part".into(), json!([to_json(part)]));
                o.insert("Media".into(), json!([m]));
                o.insert("User".into(), Value::Object(to_json(user)));
                o.insert("Player".into(), Value::Object(to_json(player)));
                o.insert("Session".into(), Value::Object(to_json(session)));
                Value::Object(o)
            })
            .collect();
        let mut mc = Map::new();
        mc.insert("size".into(), json!(md.len()));
        if !md.is_empty() {
            mc.insert("Metadata".into(), Value::Array(md));
        }
        return resp::json(StatusCode::OK, &json!({ "MediaContainer": mc }));
    }
    let els = parts
        .iter()
        .map(|(tag, item, (media, part), user, player, session)| {
            to_el(tag, item)
                .child(to_el("Media", media).child(to_el("Part", part)))
                .child(to_el("User", user))
                .child(to_el("Player", player))
                .child(to_el("Session", session))
        });
    resp::xml(
        StatusCode::OK,
        &El::new("MediaContainer")
            .a("size", parts.len())
            .children(els),
    )
}

pub fn terminate(s: &mut State, r: &Req<'_>) -> HttpResponse {
    if !s.owner.plex_pass {
        return resp::html_status(StatusCode::FORBIDDEN);
    }
    let Some(id) = r
        .query
        .iter()
        .find(|(k, _)| k == "sessionId")
        .map(|(_, v)| v)
    else {
        return resp::html_status(StatusCode::BAD_REQUEST);
    };
    let before = s.sessions.len();
    s.sessions.retain(|x| &x.session_id != id);
    if s.sessions.len() < before {
        resp::empty(StatusCode::OK)
    } else {
        resp::html_status(StatusCode::NOT_FOUND)
    }
}
