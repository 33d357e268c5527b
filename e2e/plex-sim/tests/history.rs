//! Watch history and sessions (`/status/sessions/history/all`, `/status/sessions`) over real
//! HTTP, with their seeding and admin controls.

use std::time::Duration;

use plex_sim::{
    DEFAULT_OWNER_TOKEN, MediaItem, Play, PlaySession, PlexSim, Seed, SimConfig, SimHandle,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const TOKEN: &str = DEFAULT_OWNER_TOKEN;
const ALICE: u64 = 2_100_001;
const DAVE: u64 = 2_100_005;
const ERIN: u64 = 2_100_006;
const T0: i64 = 1_750_000_000;

struct T {
    sim: SimHandle,
    http: Client,
}

/// A seed with no sessions and eight plays at `T0 + 100·i`: alice ×3 (Movies), dave ×3 (TV),
/// the owner ×2 (one given by the owner's plex.tv id).
fn seed() -> Seed {
    let mut seed = Seed::default();
    seed.sessions.clear();
    let who = [ALICE, DAVE, 1, ALICE, DAVE, 2_000_001, ALICE, DAVE];
    seed.plays = who
        .iter()
        .zip(0i64..)
        .map(|(&w, i)| {
            let lib = if w == ALICE { 1 } else { 2 };
            Play::new(w, lib, T0 + 100 * i)
        })
        .collect();
    seed
}

async fn start_with(seed: Seed) -> T {
    let sim = PlexSim::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let http = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds");
    T { sim, http }
}

impl T {
    fn pms(&self, path: &str) -> String {
        format!("{}{path}", self.sim.pms_url())
    }
    fn tv(&self, path: &str) -> String {
        format!("{}{path}", self.sim.plextv_url())
    }
    async fn xml(&self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
        let mut rb = self.http.get(self.pms(path)).header("X-Plex-Token", TOKEN);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let r = rb.send().await.expect("sent");
        let status = r.status();
        (status, r.text().await.expect("body"))
    }
    async fn json(&self, path: &str) -> Value {
        let r = self
            .http
            .get(self.pms(path))
            .header("X-Plex-Token", TOKEN)
            .header("Accept", "application/json")
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .is_ok_and(|c| c.starts_with("application/json"))
        );
        r.json().await.expect("json")
    }
    /// `name` of every element starting with `start` (e.g. `<Video`), in order.
    async fn attrs(&self, path: &str, start: &str, name: &str) -> Vec<String> {
        let (status, body) = self.xml(path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        all(&body, start, name)
    }
    async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.http.request(method, self.tv(&format!("/__sim{path}")));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("sent");
        let status = r.status();
        (status, r.json().await.expect("json"))
    }
}

/// Value of `name` in every element whose text starts with `start`.
fn all(xml: &str, start: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    xml.match_indices(start)
        .filter_map(|(at, _)| {
            let tag = &xml[at..at + xml[at..].find('>')?];
            let i = tag.find(&key)? + key.len();
            Some(tag[i..i + tag[i..].find('"')?].to_owned())
        })
        .collect()
}

fn one(xml: &str, start: &str, name: &str) -> Option<String> {
    all(xml, start, name).into_iter().next()
}

fn nums(v: &[String]) -> Vec<i64> {
    v.iter().map(|x| x.parse().expect("a number")).collect()
}

const HISTORY: &str = "/status/sessions/history/all";

#[tokio::test]
async fn history_pages_by_header_or_query_with_total_size_and_offset() {
    let t = start_with(seed()).await;
    let (status, body) = t.xml(HISTORY, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(one(&body, "<MediaContainer", "size").as_deref(), Some("8"));
    // Without paging PMS sends neither totalSize nor offset.
    assert_eq!(one(&body, "<MediaContainer", "totalSize"), None);
    assert_eq!(all(&body, "<Video", "historyKey").len(), 8);

    let page = |start: &'static str, size: &'static str| {
        [
            ("X-Plex-Container-Start", start),
            ("X-Plex-Container-Size", size),
        ]
    };
    let (_, body) = t
        .xml(&format!("{HISTORY}?sort=viewedAt:asc"), &page("0", "3"))
        .await;
    assert_eq!(one(&body, "<MediaContainer", "size").as_deref(), Some("3"));
    assert_eq!(
        one(&body, "<MediaContainer", "totalSize").as_deref(),
        Some("8")
    );
    assert_eq!(
        one(&body, "<MediaContainer", "offset").as_deref(),
        Some("0")
    );
    assert_eq!(
        nums(&all(&body, "<Video", "viewedAt")),
        [T0, T0 + 100, T0 + 200]
    );

    // The same paging as query parameters.
    let (_, body) = t
        .xml(
            &format!(
                "{HISTORY}?sort=viewedAt:asc&X-Plex-Container-Start=6&X-Plex-Container-Size=3"
            ),
            &[],
        )
        .await;
    assert_eq!(one(&body, "<MediaContainer", "size").as_deref(), Some("2"));
    assert_eq!(
        one(&body, "<MediaContainer", "offset").as_deref(),
        Some("6")
    );
    assert_eq!(
        nums(&all(&body, "<Video", "viewedAt")),
        [T0 + 600, T0 + 700]
    );

    // Past the end, and a count-only request (size 0).
    let (_, body) = t.xml(HISTORY, &page("20", "5")).await;
    assert_eq!(one(&body, "<MediaContainer", "size").as_deref(), Some("0"));
    assert_eq!(
        one(&body, "<MediaContainer", "totalSize").as_deref(),
        Some("8")
    );
    let (_, body) = t.xml(HISTORY, &page("0", "0")).await;
    assert_eq!(one(&body, "<MediaContainer", "size").as_deref(), Some("0"));
    assert_eq!(
        one(&body, "<MediaContainer", "totalSize").as_deref(),
        Some("8")
    );

    // Walking every page of 3 sees each play once.
    let mut seen = Vec::new();
    for start in ["0", "3", "6"] {
        let (_, body) = t
            .xml(&format!("{HISTORY}?sort=viewedAt:desc"), &page(start, "3"))
            .await;
        seen.extend(all(&body, "<Video", "historyKey"));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 8);
}

#[tokio::test]
async fn history_filters_by_viewed_at_account_library_and_item() {
    let t = start_with(seed()).await;
    let t = &t;
    let at = |q: String| async move {
        nums(
            &t.attrs(
                &format!("{HISTORY}?sort=viewedAt:asc&{q}"),
                "<Video",
                "viewedAt",
            )
            .await,
        )
    };
    // `viewedAt>=T` (raw) and `viewedAt%3E=T` (python-plexapi's mindate) are both ≥.
    assert_eq!(
        at(format!("viewedAt>={}", T0 + 500)).await,
        [T0 + 500, T0 + 600, T0 + 700]
    );
    assert_eq!(
        at(format!("viewedAt%3E={}", T0 + 500)).await,
        [T0 + 500, T0 + 600, T0 + 700]
    );
    assert_eq!(
        at(format!("viewedAt>>={}", T0 + 500)).await,
        [T0 + 600, T0 + 700]
    );
    assert_eq!(at(format!("viewedAt<={}", T0 + 100)).await, [T0, T0 + 100]);
    assert_eq!(at(format!("viewedAt<<={}", T0 + 100)).await, [T0]);
    assert_eq!(at(format!("viewedAt<{}", T0 + 100)).await, [T0]);
    assert_eq!(
        at(format!("viewedAt>={}&viewedAt<{}", T0 + 200, T0 + 400)).await,
        [T0 + 200, T0 + 300]
    );
    let (status, _) = t.xml(&format!("{HISTORY}?viewedAt>=soon"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let accounts = |q: &'static str| async move {
        t.attrs(&format!("{HISTORY}?{q}"), "<Video", "accountID")
            .await
    };
    assert_eq!(accounts("accountID=2100001").await, ["2100001"; 3]);
    // The owner is account 1 on the PMS, whichever id the seed used.
    assert_eq!(accounts("accountID=1").await, ["1", "1"]);
    assert_eq!(accounts("accountID=2100007").await, Vec::<String>::new());
    assert_eq!(accounts("accountID=2100001,1").await.len(), 5);

    let sections = t
        .attrs(
            &format!("{HISTORY}?librarySectionID=2"),
            "<Video",
            "librarySectionID",
        )
        .await;
    assert_eq!(sections, ["2"; 5]);
    let types = t
        .attrs(&format!("{HISTORY}?librarySectionID=1"), "<Video", "type")
        .await;
    assert_eq!(types, ["movie"; 3]);
    // python-plexapi's `history(ratingKey=show)`: every episode of the show.
    let shows = t
        .attrs(
            &format!("{HISTORY}?librarySectionID=2"),
            "<Video",
            "grandparentKey",
        )
        .await;
    let show = shows[0].rsplit('/').next().expect("key").to_owned();
    let of_show = t
        .attrs(
            &format!("{HISTORY}?metadataItemID={show}"),
            "<Video",
            "grandparentKey",
        )
        .await;
    assert_eq!(
        of_show.len(),
        shows.iter().filter(|k| **k == shows[0]).count()
    );
}

#[tokio::test]
async fn history_sorts_by_viewed_at_and_defaults_to_history_id() {
    let t = start_with(seed()).await;
    // A late scrobble: recorded last (highest id) but watched first.
    let late = t
        .sim
        .add_play(Play::new(ERIN, 2, T0 - 50))
        .expect("recorded");
    assert_eq!(late.id, 9);
    let desc = nums(
        &t.attrs(
            &format!("{HISTORY}?sort=viewedAt:desc"),
            "<Video",
            "viewedAt",
        )
        .await,
    );
    let mut want = desc.clone();
    want.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(desc, want);
    assert_eq!(desc.last(), Some(&(T0 - 50)));
    let asc = nums(
        &t.attrs(&format!("{HISTORY}?sort=viewedAt"), "<Video", "viewedAt")
            .await,
    );
    assert_eq!(asc.first(), Some(&(T0 - 50)));
    let ids = t.attrs(HISTORY, "<Video", "historyKey").await;
    assert_eq!(
        ids.last().map(String::as_str),
        Some("/status/sessions/history/9")
    );
    assert_eq!(
        ids.first().map(String::as_str),
        Some("/status/sessions/history/1")
    );
}

#[tokio::test]
async fn history_shapes_in_xml_and_json() {
    let t = start_with(seed()).await;
    let (_, xml) = t
        .xml(
            &format!("{HISTORY}?accountID=2100005&sort=viewedAt:asc"),
            &[],
        )
        .await;
    let ep = &xml[xml.find("<Video").expect("a video")..];
    for name in [
        "historyKey",
        "key",
        "ratingKey",
        "librarySectionID",
        "parentKey",
        "grandparentKey",
        "title",
        "grandparentTitle",
        "type",
        "thumb",
        "parentThumb",
        "grandparentThumb",
        "grandparentArt",
        "index",
        "parentIndex",
        "originallyAvailableAt",
        "viewedAt",
        "accountID",
        "deviceID",
    ] {
        assert!(
            one(ep, "<Video", name).is_some(),
            "episode lacks {name}: {ep}"
        );
    }
    assert_eq!(one(ep, "<Video", "type").as_deref(), Some("episode"));
    let rk = one(ep, "<Video", "ratingKey").expect("ratingKey");
    assert_eq!(
        one(ep, "<Video", "key"),
        Some(format!("/library/metadata/{rk}"))
    );

    let j = t.json(&format!("{HISTORY}?accountID=2100005&sort=viewedAt:asc&X-Plex-Container-Start=0&X-Plex-Container-Size=2")).await;
    let mc = &j["MediaContainer"];
    assert_eq!(
        (
            mc["size"].as_u64(),
            mc["totalSize"].as_u64(),
            mc["offset"].as_u64()
        ),
        (Some(2), Some(3), Some(0))
    );
    let m = &mc["Metadata"][0];
    assert_eq!(m["ratingKey"], json!(rk));
    assert_eq!(m["librarySectionID"], "2");
    assert_eq!(m["accountID"], DAVE);
    assert_eq!(m["viewedAt"], T0 + 100);
    assert!(
        m["historyKey"]
            .as_str()
            .is_some_and(|k| k.starts_with("/status/sessions/history/"))
    );
    // An empty answer has no Metadata at all, as PMS.
    let j = t.json(&format!("{HISTORY}?accountID=2100007")).await;
    assert_eq!(j, json!({"MediaContainer": {"size": 0}}));

    // A track names its album and artist.
    t.sim
        .add_play(Play::new(DAVE, 4, T0).with_rating_key(41_101))
        .expect("track");
    let (_, xml) = t.xml(&format!("{HISTORY}?librarySectionID=4"), &[]).await;
    assert_eq!(one(&xml, "<Track", "type").as_deref(), Some("track"));
    assert_eq!(
        one(&xml, "<Track", "parentKey").as_deref(),
        Some("/library/metadata/41100")
    );
    assert!(
        one(&xml, "<Track", "parentTitle").is_some()
            && one(&xml, "<Track", "grandparentTitle").is_some()
    );
}

#[tokio::test]
async fn a_removed_library_leaves_ghost_history_and_ends_its_sessions() {
    let t = start_with(seed()).await;
    t.sim
        .start_session(PlaySession::new(ALICE, 1))
        .expect("session");
    assert!(t.sim.remove_library(1));
    let (_, xml) = t.xml(&format!("{HISTORY}?librarySectionID=1"), &[]).await;
    assert_eq!(all(&xml, "<Video", "historyKey").len(), 3);
    assert!(all(&xml, "<Video", "title").iter().all(|x| !x.is_empty()));
    assert!(all(&xml, "<Video", "ratingKey").is_empty() && all(&xml, "<Video", "thumb").is_empty());
    let (_, xml) = t.xml("/status/sessions", &[]).await;
    assert_eq!(one(&xml, "<MediaContainer", "size").as_deref(), Some("0"));
}

#[tokio::test]
async fn sessions_in_xml_and_json_and_their_life() {
    let t = start_with(seed()).await;
    let (_, xml) = t.xml("/status/sessions", &[]).await;
    assert_eq!(one(&xml, "<MediaContainer", "size").as_deref(), Some("0"));
    let movie = t
        .sim
        .start_session(PlaySession::new(ALICE, 1))
        .expect("movie");
    let episode = t
        .sim
        .start_session(PlaySession::new(DAVE, 2).paused().remote())
        .expect("episode");
    assert_ne!(movie.session_key, episode.session_key);
    let (_, xml) = t.xml("/status/sessions", &[]).await;
    assert_eq!(one(&xml, "<MediaContainer", "size").as_deref(), Some("2"));
    assert_eq!(
        all(&xml, "<Video", "sessionKey"),
        [
            movie.session_key.to_string(),
            episode.session_key.to_string()
        ]
    );
    assert_eq!(all(&xml, "<User", "id"), ["2100001", "2100005"]);
    assert_eq!(all(&xml, "<User", "title"), ["alice", "dave"]);
    assert_eq!(all(&xml, "<Player", "state"), ["playing", "paused"]);
    assert_eq!(all(&xml, "<Player", "local"), ["1", "0"]);
    assert_eq!(all(&xml, "<Session", "location"), ["lan", "wan"]);
    assert_eq!(all(&xml, "<Video", "librarySectionID"), ["1", "2"]);
    let offset = nums(&all(&xml, "<Video", "viewOffset"))[0];
    let duration = nums(&all(&xml, "<Video", "duration"))[0];
    assert!(offset > 0 && offset < duration);
    for name in [
        "address",
        "device",
        "machineIdentifier",
        "platform",
        "product",
        "title",
    ] {
        assert_eq!(all(&xml, "<Player", name).len(), 2, "Player@{name}");
    }
    assert_eq!(all(&xml, "<Session", "bandwidth").len(), 2);

    let j = t.json("/status/sessions").await;
    let m = &j["MediaContainer"]["Metadata"][1];
    assert_eq!(j["MediaContainer"]["size"], 2);
    assert_eq!(m["sessionKey"], episode.session_key.to_string());
    assert_eq!(m["User"]["id"], "2100005");
    assert_eq!(m["Player"]["state"], "paused");
    assert_eq!(m["Session"]["location"], "wan");
    assert_eq!(m["type"], "episode");

    // Finishing records a play now; stopping records nothing.
    let before = t.sim.plays().len();
    let play = t.sim.finish_session(movie.session_key).expect("finished");
    assert_eq!(
        (play.account_id, play.item.rating_key),
        (ALICE, movie.item.rating_key)
    );
    assert!(t.sim.stop_session(episode.session_key));
    assert!(!t.sim.stop_session(episode.session_key));
    assert_eq!(t.sim.plays().len(), before + 1);
    assert!(t.sim.sessions().is_empty());
}

#[tokio::test]
async fn auth_request_log_delete_and_terminate() {
    let t = start_with(seed()).await;
    t.sim.clear_requests();
    for path in [HISTORY, "/status/sessions"] {
        let r = t.http.get(t.pms(path)).send().await.expect("sent");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.expect("body").contains("401 Unauthorized"));
    }
    let (status, _) = t
        .xml(
            &format!("{HISTORY}?sort=viewedAt:desc&accountID=1"),
            &[
                ("X-Plex-Container-Start", "0"),
                ("X-Plex-Container-Size", "50"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let log = t.sim.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [401, 401, 200]
    );
    let last = &log[2];
    assert!(last.is("GET", HISTORY));
    assert_eq!(last.query, "sort=viewedAt:desc&accountID=1");
    assert_eq!(last.headers["x-plex-container-size"], "50");

    // python-plexapi's `history()[0].delete()`.
    let r = t
        .http
        .delete(t.pms("/status/sessions/history/1"))
        .header("X-Plex-Token", TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(t.sim.plays().iter().all(|p| p.id != 1));
    let r = t
        .http
        .delete(t.pms("/status/sessions/history/1"))
        .header("X-Plex-Token", TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let x = t
        .sim
        .start_session(PlaySession::new(ALICE, 1))
        .expect("session");
    let (status, _) = t
        .xml(
            &format!(
                "/status/sessions/terminate?sessionId={}&reason=bye",
                x.session_id
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(t.sim.sessions().is_empty());
}

#[tokio::test]
async fn admin_api_adds_lists_and_clears_activity() {
    use reqwest::Method;
    let t = start_with(seed()).await;
    let (status, v) = t
        .admin(
            Method::POST,
            "/plays",
            Some(json!({"accountId": ERIN, "librarySectionId": 3, "viewedAt": T0 + 5})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v[0]["id"], 9);
    assert_eq!(v[0]["type"], "movie");
    assert_eq!(v[0]["librarySectionId"], 3);
    let (status, v) = t
        .admin(
            Method::POST,
            "/plays",
            Some(
                json!([{"accountId": 1, "ratingKey": 21101, "viewedAgo": 60},
                        {"accountId": ALICE, "ratingKey": 10001, "viewedAt": T0, "id": 500}]),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v[0]["type"], "episode");
    assert_eq!(v[1]["id"], 500);
    // Invalid: unknown account, unknown item, a photo library, a duplicate id; nothing recorded.
    for bad in [
        json!({"accountId": 9_999_999, "librarySectionId": 1, "viewedAt": T0}),
        json!({"accountId": ALICE, "ratingKey": 77, "viewedAt": T0}),
        json!({"accountId": ALICE, "librarySectionId": 5, "viewedAt": T0}),
        json!([{"accountId": ALICE, "librarySectionId": 1}, {"accountId": ALICE, "id": 500, "librarySectionId": 1}]),
    ] {
        let (status, v) = t.admin(Method::POST, "/plays", Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    }
    let (_, v) = t.admin(Method::GET, "/plays", None).await;
    assert_eq!(v.as_array().map(Vec::len), Some(11));
    let (status, _) = t.admin(Method::DELETE, "/plays/500", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, v) = t.admin(Method::DELETE, "/plays", None).await;
    assert_eq!(v["cleared"], 10);
    assert!(t.sim.plays().is_empty());

    let (status, v) = t
        .admin(
            Method::POST,
            "/sessions",
            Some(json!({"accountId": DAVE, "librarySectionId": 4, "state": "buffering"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let key = v[0]["sessionKey"].as_u64().expect("key");
    assert_eq!(v[0]["type"], "track");
    let (status, _) = t
        .admin(
            Method::POST,
            "/sessions",
            Some(json!({"accountId": DAVE, "librarySectionId": 4, "state": "dancing"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, xml) = t.xml("/status/sessions", &[]).await;
    assert_eq!(one(&xml, "<Track", "sessionKey"), Some(key.to_string()));
    let (status, v) = t
        .admin(Method::POST, &format!("/sessions/{key}/finish"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["accountId"], DAVE);
    assert_eq!(t.sim.plays().len(), 1);
    let (status, _) = t
        .admin(Method::DELETE, &format!("/sessions/{key}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, v) = t.admin(Method::GET, "/catalog?library=2", None).await;
    assert_eq!(v.as_array().map(Vec::len), Some(24));
    let items: Vec<MediaItem> = t.sim.catalog(4);
    assert_eq!(items.len(), 16);

    // Reset brings the seed's plays back.
    t.sim.reset();
    assert_eq!(t.sim.plays().len(), 8);
}

#[tokio::test]
async fn the_default_seed_has_a_realistic_history_and_two_sessions() {
    let t = start_with(Seed::default()).await;
    let now = chrono_now();
    let plays = t.sim.plays();
    assert!(plays.len() >= 12);
    let state = t.sim.state();
    let count = |id: u64| plays.iter().filter(|p| p.account_id == id).count();
    assert!(count(1) > 0 && count(ALICE) > 0 && count(DAVE) > 0 && count(ERIN) > 0);
    // Friends who never watch: bob (pending), carol (no share here), Kids, frank, the invitee.
    for id in [2_100_002, 2_100_003, 2_100_004, 2_100_007, 2_100_008] {
        assert_eq!(count(id), 0, "{id}");
    }
    for p in &plays {
        assert!(
            p.viewed_at <= now && p.viewed_at > now - 90 * 86_400,
            "{p:?}"
        );
        if p.account_id == 1 {
            continue;
        }
        // Each friend watched only libraries shared with them.
        let share = state.share_of_user(p.account_id).expect("a share");
        let lib = state
            .libraries
            .iter()
            .find(|l| l.key == p.item.library_section_id)
            .expect("library");
        assert!(
            share.all_libraries || share.section_ids.contains(&lib.plex_id),
            "{p:?}"
        );
    }
    // erin has stopped watching: nothing in the last 60 days.
    assert!(
        plays
            .iter()
            .filter(|p| p.account_id == ERIN)
            .all(|p| p.viewed_at < now - 60 * 86_400)
    );
    let ids: Vec<u64> = plays.iter().map(|p| p.id).collect();
    let mut by_time = plays.clone();
    by_time.sort_by_key(|p| p.viewed_at);
    assert_eq!(
        by_time.iter().map(|p| p.id).collect::<Vec<_>>(),
        ids,
        "ids follow time"
    );

    let sessions = t.sim.sessions();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].state, "playing");
    assert_eq!(
        (sessions[1].state.as_str(), sessions[1].location.as_str()),
        ("paused", "wan")
    );

    // The same seed twice names the same items.
    let again = start_with(Seed::default()).await;
    let titles = |v: Vec<Play>| v.into_iter().map(|p| p.item.title).collect::<Vec<_>>();
    assert_eq!(titles(again.sim.plays()), titles(plays));
    Seed::default()
        .with_generated_friends(50)
        .validate()
        .expect("generated seed valid");
}

#[tokio::test]
async fn seeds_with_bad_activity_are_refused() {
    let mut s = Seed::default();
    s.plays.push(Play::new(9_999_999, 1, T0));
    assert!(
        PlexSim::start(SimConfig {
            seed: s,
            ..SimConfig::default()
        })
        .await
        .is_err()
    );
    let mut s = Seed::default();
    s.sessions.push(PlaySession::new(ALICE, 5));
    assert!(s.validate().is_err());
    let mut s = Seed::default();
    s.plays
        .push(Play::new(ALICE, 0, T0).with_rating_key(10_001));
    assert!(s.validate().is_ok());
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}
