//! An event committed with its change but not yet delivered when the process dies (SIGKILL while
//! its webhook request is in flight) is delivered after the restart, with the same delivery id:
//! the outbox is in the database, not in memory.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use plex_sim::{PlexSim, Seed, SimConfig};
use reqwest::Method;
use serde_json::json;

use crate::harness::*;

/// The deliveries the receiver got; the first one is never answered.
#[derive(Default)]
struct Hits(Mutex<Vec<String>>);

async fn receive(req: HttpRequest, hits: web::Data<Hits>) -> HttpResponse {
    let delivery = req
        .headers()
        .get("x-plexward-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let first = {
        let mut hits = hits.0.lock().expect("hits");
        hits.push(delivery);
        hits.len() == 1
    };
    if first {
        // Cut off by the kill: the answer never comes.
        tokio::time::sleep(Duration::from_secs(120)).await;
    }
    HttpResponse::Ok().finish()
}

async fn until_hits(hits: &Hits, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = hits.0.lock().expect("hits").clone();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} requests: {got:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_event_cut_off_by_sigkill_is_delivered_after_the_restart_with_its_delivery_id() {
    let sim = PlexSim::start(SimConfig {
        seed: Seed::default(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let hits = Arc::new(Hits::default());
    let data = web::Data::from(hits.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(2)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let url = format!("http://{}/hook", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);

    let mut h = Harness::new(&sim);
    let app = h.start_synced().await;
    let (status, channel) = h
        .call(
            &app,
            Method::POST,
            "/api/v1/notifications/channels",
            Some(
                json!({"kind": "webhook", "name": "Scripts", "config": {"url": url},
                        "events": ["access.granted"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{channel}");
    let alice = h
        .friends(&app)
        .await
        .into_iter()
        .find(|f| f["username"] == "alice")
        .and_then(|f| f["id"].as_i64())
        .expect("alice");
    let (_, libraries) = h.call(&app, Method::GET, "/api/v1/libraries", None).await;
    let tv = libraries["items"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["title"] == "TV Shows"))
        .and_then(|l| l["id"].as_i64())
        .expect("TV Shows");
    let (status, saved) = h
        .call(
            &app,
            Method::PUT,
            &format!("/api/v1/plex-users/{alice}/grants"),
            Some(json!({"grants": [{"library_id": tv}]})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");

    // The event is committed and its webhook request is on its way: killed now.
    let first = until_hits(&hits, 1).await;
    app.kill();

    let app = h.start().await;
    let got = until_hits(&hits, 2).await;
    assert_eq!(
        got[1], first[0],
        "the same delivery id after the restart: {got:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, list) = h
            .call(&app, Method::GET, "/api/v1/notifications/deliveries", None)
            .await;
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if items.len() == 1 && items[0]["state"] == "delivered" {
            assert_eq!(items[0]["event_id"], first[0].as_str(), "{list}");
            assert_eq!(items[0]["event"], "access.granted");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not delivered: {list}\n{}",
            h.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        hits.0.lock().expect("hits").len(),
        2,
        "delivered once more, not twice more"
    );
    app.terminate().await;
    handle.stop(false).await;
}
