//! The Plex Media Server listener (spec §2.2, §7.3 "PMS").

use actix_web::HttpResponse;
use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine::{Req, Sim};
use crate::model::{Library, State, now};
use crate::xml::El;
use crate::{history, resp};

pub fn handle(sim: &Sim, r: &Req<'_>) -> HttpResponse {
    sim.with_state(|s| {
        s.tick();
        route(s, r)
    })
}

fn route(s: &mut State, r: &Req<'_>) -> HttpResponse {
    if r.segs == ["identity"] && r.method == Method::GET {
        return identity(s, r.json);
    }
    let authorised = r.token.as_ref().is_some_and(|t| s.valid_tokens.contains(t));
    if !authorised {
        return resp::pms_unauthorized();
    }
    if r.segs.first() == Some(&"status") {
        return history::route(s, r);
    }
    if r.method != Method::GET {
        return resp::html_status(StatusCode::NOT_FOUND);
    }
    match r.segs.as_slice() {
        [] => root(s, r.json),
        ["library"] => library(r.json),
        ["library", "sections"] => sections(s, r.json),
        ["library", "sections", key] => match key
            .parse::<u64>()
            .ok()
            .and_then(|k| s.pms_libraries().find(|l| l.key == k))
        {
            Some(l) => section(l, r.json),
            None => resp::html_status(StatusCode::NOT_FOUND),
        },
        _ => resp::html_status(StatusCode::NOT_FOUND),
    }
}

fn identity(s: &State, json_body: bool) -> HttpResponse {
    if json_body {
        return resp::json(
            StatusCode::OK,
            &json!({"MediaContainer": {"size": 0, "claimed": true,
                "machineIdentifier": s.server.machine_identifier, "version": s.server.version}}),
        );
    }
    resp::xml(
        StatusCode::OK,
        &El::new("MediaContainer")
            .a("size", 0)
            .b("claimed", true)
            .a("machineIdentifier", &s.server.machine_identifier)
            .a("version", &s.server.version),
    )
}

fn root(s: &State, json_body: bool) -> HttpResponse {
    let sv = &s.server;
    let updated = now();
    if json_body {
        return resp::json(
            StatusCode::OK,
            &json!({"MediaContainer": {
                "size": 1, "allowCameraUpload": true, "allowChannelAccess": true,
                "allowMediaDeletion": true, "allowSharing": true, "allowSync": true,
                "backgroundProcessing": true, "certificate": false, "companionProxy": true,
                "diagnostics": "logs,databases", "eventStream": true,
                "friendlyName": sv.friendly_name, "hubSearch": true,
                "machineIdentifier": sv.machine_identifier, "multiuser": true, "myPlex": true,
                "myPlexMappingState": "mapped", "myPlexSigninState": "ok",
                "myPlexSubscription": s.owner.plex_pass, "myPlexUsername": s.owner.email,
                "ownerFeatures": "", "photoAutoTag": true, "platform": "Linux",
                "platformVersion": "6.1.0", "pluginHost": true, "readOnlyLibraries": false,
                "requestParametersInCookie": true, "streamingBrainVersion": 2, "sync": true,
                "transcoderActiveVideoSessions": 0, "transcoderAudio": true,
                "transcoderLyrics": true, "transcoderPhoto": true, "transcoderSubtitles": true,
                "transcoderVideo": true, "updatedAt": updated, "updater": true,
                "version": sv.version, "voiceSearch": true,
                "Directory": [{"count": 1, "key": "library", "title": "library"}]
            }}),
        );
    }
    let el = El::new("MediaContainer")
        .a("size", 1)
        .b("allowCameraUpload", true)
        .b("allowChannelAccess", true)
        .b("allowMediaDeletion", true)
        .b("allowSharing", true)
        .b("allowSync", true)
        .b("backgroundProcessing", true)
        .b("certificate", false)
        .b("companionProxy", true)
        .a("diagnostics", "logs,databases")
        .b("eventStream", true)
        .a("friendlyName", &sv.friendly_name)
        .b("hubSearch", true)
        .a("machineIdentifier", &sv.machine_identifier)
        .b("multiuser", true)
        .b("myPlex", true)
        .a("myPlexMappingState", "mapped")
        .a("myPlexSigninState", "ok")
        .b("myPlexSubscription", s.owner.plex_pass)
        .a("myPlexUsername", &s.owner.email)
        .a("ownerFeatures", "")
        .b("photoAutoTag", true)
        .a("platform", "Linux")
        .a("platformVersion", "6.1.0")
        .b("pluginHost", true)
        .b("readOnlyLibraries", false)
        .b("requestParametersInCookie", true)
        .a("streamingBrainVersion", 2)
        .b("sync", true)
        .a("transcoderActiveVideoSessions", 0)
        .b("transcoderAudio", true)
        .b("transcoderLyrics", true)
        .b("transcoderPhoto", true)
        .b("transcoderSubtitles", true)
        .b("transcoderVideo", true)
        .a("updatedAt", updated)
        .b("updater", true)
        .a("version", &sv.version)
        .b("voiceSearch", true)
        .child(
            El::new("Directory")
                .a("count", 1)
                .a("key", "library")
                .a("title", "library"),
        );
    resp::xml(StatusCode::OK, &el)
}

fn library(json_body: bool) -> HttpResponse {
    let dirs = [
        ("sections", "Library Sections"),
        ("recentlyAdded", "Recently Added Content"),
        ("onDeck", "On Deck Content"),
    ];
    if json_body {
        let d: Vec<Value> = dirs
            .iter()
            .map(|(k, t)| json!({"key": k, "title": t}))
            .collect();
        return resp::json(
            StatusCode::OK,
            &json!({"MediaContainer": {"size": 3, "allowSync": false,
                "identifier": "com.plexapp.plugins.library",
                "mediaTagPrefix": "/system/bundle/media/flags/", "mediaTagVersion": 1_700_000_000,
                "title1": "Plex Library", "title2": "", "Directory": d}}),
        );
    }
    resp::xml(
        StatusCode::OK,
        &El::new("MediaContainer")
            .a("size", 3)
            .b("allowSync", false)
            .a("identifier", "com.plexapp.plugins.library")
            .a("mediaTagPrefix", "/system/bundle/media/flags/")
            .a("mediaTagVersion", 1_700_000_000)
            .a("title1", "Plex Library")
            .a("title2", "")
            .children(
                dirs.iter()
                    .map(|(k, t)| El::new("Directory").a("key", k).a("title", t)),
            ),
    )
}

fn thumb_base(kind: &str) -> &'static str {
    match kind {
        "show" => "show",
        "artist" => "artist",
        "photo" => "photo",
        _ => "movie",
    }
}

fn sections(s: &State, json_body: bool) -> HttpResponse {
    if json_body {
        let dirs: Vec<Value> = s
            .pms_libraries()
            .map(|l| {
                let t = thumb_base(&l.kind);
                json!({
                    "allowSync": true, "art": format!("/:/resources/{t}-fanart.jpg"),
                    "composite": format!("/library/sections/{}/composite/{}", l.key, l.updated_at),
                    "filters": true, "refreshing": false, "thumb": format!("/:/resources/{t}.png"),
                    "key": l.key.to_string(), "type": l.kind, "title": l.title, "agent": l.agent,
                    "scanner": l.scanner, "language": l.language, "uuid": l.uuid,
                    "updatedAt": l.updated_at, "createdAt": l.created_at, "scannedAt": l.updated_at,
                    "content": true, "directory": true, "contentChangedAt": 4677, "hidden": 0,
                    "Location": l.locations.iter().enumerate()
                        .map(|(i, p)| json!({"id": l.key * 100 + i as u64, "path": p}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        return resp::json(
            StatusCode::OK,
            &json!({"MediaContainer": {"size": dirs.len(), "allowSync": false,
                "title1": "Plex Library", "Directory": dirs}}),
        );
    }
    let count = s.pms_libraries().count();
    let dirs = s.pms_libraries().map(|l| {
        let t = thumb_base(&l.kind);
        El::new("Directory")
            .b("allowSync", true)
            .a("art", format!("/:/resources/{t}-fanart.jpg"))
            .a(
                "composite",
                format!("/library/sections/{}/composite/{}", l.key, l.updated_at),
            )
            .b("filters", true)
            .b("refreshing", false)
            .a("thumb", format!("/:/resources/{t}.png"))
            .a("key", l.key)
            .a("type", &l.kind)
            .a("title", &l.title)
            .a("agent", &l.agent)
            .a("scanner", &l.scanner)
            .a("language", &l.language)
            .a("uuid", &l.uuid)
            .a("updatedAt", l.updated_at)
            .a("createdAt", l.created_at)
            .a("scannedAt", l.updated_at)
            .b("content", true)
            .b("directory", true)
            .a("contentChangedAt", 4677)
            .b("hidden", false)
            .children(l.locations.iter().enumerate().map(|(i, p)| {
                El::new("Location")
                    .a("id", l.key * 100 + i as u64)
                    .a("path", p)
            }))
    });
    resp::xml(
        StatusCode::OK,
        &El::new("MediaContainer")
            .a("size", count)
            .b("allowSync", false)
            .a("title1", "Plex Library")
            .children(dirs),
    )
}

fn section(l: &Library, json_body: bool) -> HttpResponse {
    let dirs = [
        ("all", "All"),
        ("unwatched", "Unwatched"),
        ("newest", "Recently Released"),
    ];
    if json_body {
        let d: Vec<Value> = dirs
            .iter()
            .map(|(k, t)| json!({"key": k, "title": t}))
            .collect();
        return resp::json(
            StatusCode::OK,
            &json!({"MediaContainer": {"size": 3, "allowSync": false, "content": "secondary",
                "identifier": "com.plexapp.plugins.library", "librarySectionID": l.key,
                "title1": l.title, "viewGroup": "secondary", "Directory": d}}),
        );
    }
    resp::xml(
        StatusCode::OK,
        &El::new("MediaContainer")
            .a("size", 3)
            .b("allowSync", false)
            .a("content", "secondary")
            .a("identifier", "com.plexapp.plugins.library")
            .a("librarySectionID", l.key)
            .a("title1", &l.title)
            .a("viewGroup", "secondary")
            .children(
                dirs.iter()
                    .map(|(k, t)| El::new("Directory").a("key", k).a("title", t)),
            ),
    )
}
