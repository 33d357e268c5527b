//! The sharing API each Plex operation uses (`plex::routes`), kept across restarts.
//!
//! - The stored table is loaded at start-up, before any Plex call.
//! - Every change is logged at once, then stored and audited (`plex.route_switched`) in order
//!   by one task, so the table in the database is always the latest one.
//! - The routes are probed at start-up and after the connection changes, so a retired route is
//!   found before a change needs it.

use std::sync::Arc;

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{PlexApiChoice, PlexApiRoutes, RetiredPlexRoute};
use serde_json::json;
use tokio::sync::mpsc;

use crate::audit::{Actor, Event, Outcome};
use crate::db::{self, DbPool};
use crate::plex::connection::PlexConnection;
use crate::plex::routes::{RouteChange, RouteObserver};
use crate::plex::{Api, MachineId, Operation, RouteTable};

const KEY: &str = "plex.routes";

pub fn load(conn: &mut SqliteConnection) -> QueryResult<RouteTable> {
    db::settings::get(conn, KEY)
}

/// Logs each change, and hands it to the task that stores and audits it.
#[derive(Debug)]
struct Recorder {
    changes: mpsc::UnboundedSender<RouteChange>,
}

impl RouteObserver for Recorder {
    fn changed(&self, change: &RouteChange) {
        let (operation, from) = (change.operation.as_str(), change.from.as_str());
        match change.to {
            None => tracing::error!(
                operation,
                status = change.status,
                "plex.tv has retired both routes of this operation; it fails until one answers \
                 again"
            ),
            Some(to) if change.recovered => tracing::info!(
                operation,
                api = to.as_str(),
                "a Plex route found retired answers again; using it"
            ),
            Some(to) => tracing::warn!(
                operation,
                from,
                to = to.as_str(),
                status = change.status,
                route = change.operation.route(change.from),
                "plex.tv retired a route; switched this operation to the other API"
            ),
        }
        // The receiver lives as long as the process; a send fails only while shutting down.
        let _ = self.changes.send(change.clone());
    }
}

/// Loads the stored table into `plex`'s routes and starts recording their changes.
pub fn start(pool: &DbPool, plex: &PlexConnection) -> anyhow::Result<()> {
    let table = load(&mut *pool.get()?)?;
    plex.routes().replace(table);
    let (changes, mut received) = mpsc::unbounded_channel();
    plex.routes().set_observer(Arc::new(Recorder { changes }));
    let pool = pool.clone();
    tokio::spawn(async move {
        while let Some(change) = received.recv().await {
            if let Err(e) = record(&pool, change).await {
                tracing::error!(error = %e, "cannot store a change of the Plex routes");
            }
        }
    });
    Ok(())
}

async fn record(pool: &DbPool, change: RouteChange) -> Result<(), db::DbError> {
    let outcome = if change.to.is_none() {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    let event = Event::new("plex.route_switched", outcome, &Actor::system())
        .target("plex_api", change.operation.as_str())
        .details(json!({
            "operation": change.operation,
            "from": change.from,
            "to": change.to,
            "status": change.status,
            "recovered": change.recovered,
            "retired_route": (!change.recovered).then(|| change.operation.route(change.from)),
        }));
    db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            db::settings::put(conn, KEY, &change.table)?;
            event.insert(conn)
        })
    })
    .await
}

/// Probes the sharing routes in the background (start-up, a new connection). Failures are
/// logged: the next call finds a retired route anyway.
pub fn probe_in_background(pool: &DbPool, plex: &Arc<PlexConnection>) {
    let (pool, plex) = (pool.clone(), plex.clone());
    tokio::spawn(async move {
        let Some(Ok(client)) = plex.client() else {
            return;
        };
        let stored = db::run(&pool, crate::settings::plex_server::load).await;
        let mid = match stored
            .ok()
            .and_then(|s| s.machine_id.and_then(MachineId::new))
        {
            Some(mid) => mid,
            None => match client.server_info().await {
                Ok(info) => info.machine_id,
                Err(e) => {
                    tracing::info!(error = %e, "Plex routes not probed: the server did not answer");
                    return;
                }
            },
        };
        match client.probe_routes(&mid).await {
            Ok(table) => tracing::info!(
                on_v2 = ?table.current.iter().filter(|(_, a)| **a == Api::V2).map(|(o, _)| o.as_str()).collect::<Vec<_>>(),
                retired = table.retired.len(),
                "Plex sharing routes probed"
            ),
            Err(e) => tracing::info!(error = %e, "Plex routes not fully probed"),
        }
    });
}

/// The table as the API shows it.
pub fn view(table: &RouteTable) -> PlexApiRoutes {
    let choice = |op: Operation| {
        if table.unusable(op) {
            PlexApiChoice::None
        } else {
            match table.api(op) {
                Api::V1 => PlexApiChoice::V1,
                Api::V2 => PlexApiChoice::V2,
            }
        }
    };
    PlexApiRoutes {
        list: choice(Operation::List),
        pending: choice(Operation::Pending),
        sections: choice(Operation::Sections),
        create: choice(Operation::Create),
        update: choice(Operation::Update),
        delete: choice(Operation::Delete),
        remove_friend: choice(Operation::RemoveFriend),
        retired: table
            .retired
            .iter()
            .map(|r| RetiredPlexRoute {
                operation: r.operation.as_str().to_owned(),
                api: r.api.as_str().to_owned(),
                route: r.operation.route(r.api).to_owned(),
                status: r.status,
                since: plexward_shared::time::format(&db::time::from_ms(r.at)),
            })
            .collect(),
    }
}
