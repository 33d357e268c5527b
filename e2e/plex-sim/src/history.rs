//! PMS watch history and sessions: `/status/sessions/history/all` and `/status/sessions` (the
//! sessions' shapes are in `sessions.rs`).
//!
//! | Method | Path | Notes |
//! |---|---|---|
//! | GET | `/status/sessions/history/all` | plays; filters `accountID`, `librarySectionID`, `metadataItemID` (a list with `,`), `viewedAt` with `>=` (≥), `>>=` (>), `<=` (≤), `<<=` (<), `=`, `!=`; `sort=viewedAt:desc` or `viewedAt[:asc]` (default: history id); paging by `X-Plex-Container-Start` / `-Size` (header or query), which adds `totalSize` and `offset` |
//! | DELETE | `/status/sessions/history/{id}` | forget one play (python-plexapi `history.delete()`) |
//! | GET | `/status/sessions` | what is playing now, with `User`, `Player`, `Session` children |
//! | GET | `/status/sessions/terminate?sessionId=…&reason=…` | stop a session (Plex Pass) |
//!
//! XML by default, JSON (`Metadata` arrays, as PMS) with `Accept: application/json`. A play whose
//! library is gone is listed as PMS lists it: no `key`, `ratingKey` or thumbs.

use actix_web::HttpResponse;
use actix_web::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::activity::Play;
use crate::catalog::MediaItem;
use crate::engine::Req;
use crate::model::State;
use crate::xml::El;
use crate::{resp, sessions};

/// One attribute value, written as XML text or as a typed JSON value.
pub(crate) enum V {
    S(String),
    N(i64),
    B(bool),
}

pub(crate) type Attrs = Vec<(&'static str, V)>;

pub(crate) fn txt(v: impl ToString) -> V {
    V::S(v.to_string())
}

pub(crate) fn num(v: impl TryInto<i64>) -> V {
    V::N(v.try_into().unwrap_or(i64::MAX))
}

pub(crate) fn to_el(name: &str, attrs: &Attrs) -> El {
    attrs.iter().fold(El::new(name), |el, (k, v)| match v {
        V::S(t) => el.a(k, t),
        V::N(x) => el.a(k, x),
        V::B(b) => el.b(k, *b),
    })
}

pub(crate) fn to_json(attrs: &Attrs) -> Map<String, Value> {
    attrs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                V::S(t) => json!(t),
                V::N(x) => json!(x),
                V::B(b) => json!(b),
            };
            ((*k).to_owned(), v)
        })
        .collect()
}

pub fn route(s: &mut State, r: &Req<'_>) -> HttpResponse {
    match (r.method, &r.segs[1..]) {
        (&Method::GET, ["sessions", "history", "all"]) => history(s, r),
        (&Method::DELETE, ["sessions", "history", id]) => {
            let before = s.plays.len();
            if let Ok(id) = id.parse::<u64>() {
                s.plays.retain(|p| p.id != id);
            }
            if s.plays.len() < before {
                resp::empty(StatusCode::OK)
            } else {
                resp::html_status(StatusCode::NOT_FOUND)
            }
        }
        (&Method::GET, ["sessions"]) => sessions::list(s, r.json),
        (&Method::GET, ["sessions", "terminate"]) => sessions::terminate(s, r),
        _ => resp::html_status(StatusCode::NOT_FOUND),
    }
}

#[derive(Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

impl Op {
    fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Le => a <= b,
            Op::Lt => a < b,
        }
    }
}

/// A `viewedAt…` query pair as PMS filters read it: the key keeps the operator's first part
/// (`viewedAt>=N` arrives as key `viewedAt>`, value `N`). `viewedAt>N` without `=` is strict.
fn viewed_at_filter(key: &str, value: &str) -> Option<Result<(Op, i64), ()>> {
    let rest = key.strip_prefix("viewedAt")?;
    let (op, num) = match rest {
        "" => (Op::Eq, value),
        "!" => (Op::Ne, value),
        ">" => (Op::Ge, value),
        ">>" => (Op::Gt, value),
        "<" => (Op::Le, value),
        "<<" => (Op::Lt, value),
        _ if value.is_empty() => match rest.split_at_checked(1) {
            Some((">", v)) => (Op::Gt, v),
            Some(("<", v)) => (Op::Lt, v),
            _ => return Some(Err(())),
        },
        _ => return Some(Err(())),
    };
    Some(num.trim().parse::<i64>().map(|t| (op, t)).map_err(|_| ()))
}

fn id_list(value: &str) -> Result<Vec<u64>, ()> {
    value
        .split(',')
        .map(|v| v.trim().parse::<u64>().map_err(|_| ()))
        .collect()
}

struct Query {
    accounts: Option<Vec<u64>>,
    sections: Option<Vec<u64>>,
    items: Option<Vec<u64>>,
    times: Vec<(Op, i64)>,
    desc: Option<bool>,
}

fn parse_query(pairs: &[(String, String)]) -> Result<Query, ()> {
    let mut q = Query {
        accounts: None,
        sections: None,
        items: None,
        times: Vec::new(),
        desc: None,
    };
    for (k, v) in pairs {
        match k.as_str() {
            "accountID" => q.accounts = Some(id_list(v)?),
            "librarySectionID" => q.sections = Some(id_list(v)?),
            "metadataItemID" => q.items = Some(id_list(v)?),
            "sort" => {
                let first = v.split(',').next().unwrap_or_default();
                let (field, dir) = first.split_once(':').unwrap_or((first, "asc"));
                if field == "viewedAt" {
                    q.desc = Some(dir.eq_ignore_ascii_case("desc"));
                }
            }
            _ => {
                if let Some(f) = viewed_at_filter(k, v) {
                    q.times.push(f?);
                }
            }
        }
    }
    Ok(q)
}

fn matches(q: &Query, p: &Play) -> bool {
    let i = &p.item;
    q.accounts
        .as_ref()
        .is_none_or(|a| a.contains(&p.account_id))
        && q.sections
            .as_ref()
            .is_none_or(|l| l.contains(&i.library_section_id))
        && q.items.as_ref().is_none_or(|m| {
            m.iter().any(|k| {
                *k == i.rating_key
                    || Some(*k) == i.parent_rating_key
                    || Some(*k) == i.grandparent_rating_key
            })
        })
        && q.times.iter().all(|(op, t)| op.holds(p.viewed_at, *t))
}

/// `X-Plex-Container-Start` / `-Size`, when the request pages.
fn paging(r: &Req<'_>) -> Option<(usize, Option<usize>)> {
    let parse = |v: &Option<String>| v.as_deref().and_then(|x| x.trim().parse::<usize>().ok());
    if r.container_start.is_none() && r.container_size.is_none() {
        return None;
    }
    Some((
        parse(&r.container_start).unwrap_or(0),
        parse(&r.container_size),
    ))
}

fn history(s: &State, r: &Req<'_>) -> HttpResponse {
    let Ok(q) = parse_query(&r.query) else {
        return resp::html_status(StatusCode::BAD_REQUEST);
    };
    let mut rows: Vec<&Play> = s.plays.iter().filter(|p| matches(&q, p)).collect();
    match q.desc {
        Some(true) => rows.sort_by_key(|p| std::cmp::Reverse((p.viewed_at, p.id))),
        Some(false) => rows.sort_by_key(|p| (p.viewed_at, p.id)),
        None => rows.sort_by_key(|p| p.id),
    }
    let total = rows.len();
    let page = paging(r);
    let (start, size) = page.unwrap_or((0, None));
    let rows: Vec<&Play> = rows
        .into_iter()
        .skip(start)
        .take(size.unwrap_or(usize::MAX))
        .collect();
    let mut container: Attrs = vec![("size", num(rows.len()))];
    if page.is_some() {
        container.push(("totalSize", num(total)));
        container.push(("offset", num(start)));
    }
    let items: Vec<(&'static str, Attrs)> = rows
        .iter()
        .map(|p| (p.item.tag(), play_attrs(s, p)))
        .collect();
    if r.json {
        let mut mc = to_json(&container);
        if !items.is_empty() {
            let md: Vec<Value> = items
                .iter()
                .map(|(_, a)| Value::Object(to_json(a)))
                .collect();
            mc.insert("Metadata".into(), Value::Array(md));
        }
        return resp::json(StatusCode::OK, &json!({ "MediaContainer": mc }));
    }
    resp::xml(
        StatusCode::OK,
        &to_el("MediaContainer", &container).children(items.iter().map(|(tag, a)| to_el(tag, a))),
    )
}

pub(crate) fn meta(rk: u64) -> String {
    format!("/library/metadata/{rk}")
}

pub(crate) fn on_pms(s: &State, i: &MediaItem) -> bool {
    s.pms_libraries().any(|l| l.key == i.library_section_id)
}

/// A history row, attribute for attribute as PMS writes it.
fn play_attrs(s: &State, p: &Play) -> Attrs {
    let i = &p.item;
    let mut a: Attrs = vec![(
        "historyKey",
        txt(format!("/status/sessions/history/{}", p.id)),
    )];
    let live = on_pms(s, i);
    if live {
        a.push(("key", txt(meta(i.rating_key))));
        a.push(("ratingKey", txt(i.rating_key)));
    }
    a.push(("librarySectionID", txt(i.library_section_id)));
    if live {
        if let Some(pk) = i.parent_rating_key {
            a.push(("parentKey", txt(meta(pk))));
        }
        if let Some(gk) = i.grandparent_rating_key {
            a.push(("grandparentKey", txt(meta(gk))));
        }
    }
    a.push(("title", txt(&i.title)));
    if live {
        if i.kind == "track" && !i.parent_title.is_empty() {
            a.push(("parentTitle", txt(&i.parent_title)));
        }
        if !i.grandparent_title.is_empty() {
            a.push(("grandparentTitle", txt(&i.grandparent_title)));
        }
    }
    a.push(("type", txt(&i.kind)));
    if live {
        let t = i.added_at;
        let own = i.parent_rating_key.filter(|_| i.kind == "track");
        a.push((
            "thumb",
            txt(format!(
                "{}/thumb/{}",
                meta(own.unwrap_or(i.rating_key)),
                if own.is_some() { t } else { -1 }
            )),
        ));
        if let Some(pk) = i.parent_rating_key {
            a.push(("parentThumb", txt(format!("{}/thumb/{t}", meta(pk)))));
        }
        if let Some(gk) = i.grandparent_rating_key {
            a.push(("grandparentThumb", txt(format!("{}/thumb/{t}", meta(gk)))));
            a.push(("grandparentArt", txt(format!("{}/art/{t}", meta(gk)))));
        }
        if let Some(x) = i.index {
            a.push(("index", num(x)));
        }
        if let Some(x) = i.parent_index {
            a.push(("parentIndex", num(x)));
        }
        if !i.originally_available_at.is_empty() {
            a.push(("originallyAvailableAt", txt(&i.originally_available_at)));
        }
    }
    a.push(("viewedAt", num(p.viewed_at)));
    a.push(("accountID", num(p.account_id)));
    a.push(("deviceID", num(p.device_id)));
    a
}
