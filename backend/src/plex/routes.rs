//! Which of plex.tv's two sharing APIs each operation goes to (spec §2.6).
//!
//! Every sharing operation has a route in the legacy v1 XML API (§2.4, what python-plexapi uses)
//! and one in the v2 JSON API (§2.5, what Plex Web uses). Plex retires routes without notice and
//! answers 410 Gone, so each operation starts on v1 and, when its route answers 410, 405 or a
//! 404 that names the route rather than an object, moves to the other API and stays there. The
//! choice is one [`Routes`] per process (shared by every client, like the limiter); an
//! [`RouteObserver`] (the settings layer) stores each change, audits it and logs it.
//!
//! When both routes of an operation are gone the operation is unusable: calls fail with
//! [`PlexError::Retired`](super::PlexError::Retired) and are tried again on both routes next
//! time, so an operation heals by itself if Plex brings a route back.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

/// A sharing operation Plexward performs on plex.tv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Friends and their accepted shares on this server.
    List,
    /// Shares not yet accepted (needed on v2, whose share list holds accepted ones only).
    Pending,
    /// PMS key ↔ plex.tv section id.
    Sections,
    /// Share libraries with someone (an invite).
    Create,
    /// Replace a share's libraries.
    Update,
    /// Remove this server's share (the friendship stays).
    Delete,
    /// Remove the friend and all their shares.
    RemoveFriend,
}

impl Operation {
    pub const ALL: [Self; 7] = [
        Self::List,
        Self::Pending,
        Self::Sections,
        Self::Create,
        Self::Update,
        Self::Delete,
        Self::RemoveFriend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Pending => "pending",
            Self::Sections => "sections",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::RemoveFriend => "remove_friend",
        }
    }

    /// Whether the route names an object (a share or a user id): a 404 from it may mean the
    /// object is gone, not the route, so it is checked against a listing first.
    pub fn names_object(self) -> bool {
        matches!(self, Self::Update | Self::Delete | Self::RemoveFriend)
    }

    /// The route of this operation in `api`, for messages and the README.
    pub fn route(self, api: Api) -> &'static str {
        match (self, api) {
            (Self::List, Api::V1) => {
                "GET plex.tv/api/users + GET plex.tv/api/servers/{mid}/shared_servers"
            }
            (Self::List, Api::V2) => "GET clients.plex.tv/api/v2/shared_servers/owned/accepted",
            (Self::Pending, Api::V1) => "GET plex.tv/api/servers/{mid}/shared_servers",
            (Self::Pending, Api::V2) => "GET clients.plex.tv/api/v2/shared_servers/owned/pending",
            (Self::Sections, Api::V1) => "GET plex.tv/api/servers/{mid}",
            (Self::Sections, Api::V2) => "GET plex.tv/api/v2/servers/{mid}",
            (Self::Create, Api::V1) => "POST plex.tv/api/servers/{mid}/shared_servers",
            (Self::Create, Api::V2) => "POST plex.tv/api/v2/shared_servers",
            (Self::Update, Api::V1) => "PUT plex.tv/api/servers/{mid}/shared_servers/{id}",
            (Self::Update, Api::V2) => "POST clients.plex.tv/api/v2/shared_servers/{id}",
            (Self::Delete, Api::V1) => "DELETE plex.tv/api/servers/{mid}/shared_servers/{id}",
            (Self::Delete, Api::V2) => "DELETE clients.plex.tv/api/v2/shared_servers/{id}",
            (Self::RemoveFriend, Api::V1) => "DELETE plex.tv/api/v2/sharings/{user}",
            (Self::RemoveFriend, Api::V2) => "DELETE plex.tv/api/v2/friends/{user}",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of plex.tv's two sharing APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// The legacy XML routes of spec §2.4.
    V1,
    /// The JSON routes of spec §2.5.
    V2,
}

impl Api {
    pub fn other(self) -> Self {
        match self {
            Self::V1 => Self::V2,
            Self::V2 => Self::V1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }
}

/// A route Plex answered as gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredRoute {
    pub operation: Operation,
    pub api: Api,
    /// The status that said so (410, 405 or 404).
    pub status: u16,
    /// When (Unix ms).
    pub at: i64,
}

/// The API each operation uses and the routes found gone: what is stored and shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    /// Operations not listed use v1.
    #[serde(default)]
    pub current: BTreeMap<Operation, Api>,
    #[serde(default)]
    pub retired: Vec<RetiredRoute>,
}

impl RouteTable {
    pub fn api(&self, op: Operation) -> Api {
        self.current.get(&op).copied().unwrap_or(Api::V1)
    }

    pub fn is_retired(&self, op: Operation, api: Api) -> bool {
        self.retired
            .iter()
            .any(|r| r.operation == op && r.api == api)
    }

    /// Both routes gone: nothing can carry the operation out.
    pub fn unusable(&self, op: Operation) -> bool {
        self.is_retired(op, Api::V1) && self.is_retired(op, Api::V2)
    }
}

/// A change of the table: `operation` left `from` (gone, with `status`) for `to`, or (`to` is
/// `None`) has no usable route left; or (`recovered`) a route found gone answered again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteChange {
    pub operation: Operation,
    pub from: Api,
    pub to: Option<Api>,
    pub status: u16,
    pub recovered: bool,
    /// The whole table after the change (what to store).
    pub table: RouteTable,
}

/// Told about every change (stores, audits and logs it).
pub trait RouteObserver: Send + Sync + std::fmt::Debug {
    fn changed(&self, change: &RouteChange);
}

/// The process' route choice, shared by every client.
#[derive(Debug, Default)]
pub struct Routes {
    table: RwLock<RouteTable>,
    observer: RwLock<Option<Arc<dyn RouteObserver>>>,
}

impl Routes {
    pub fn new(table: RouteTable) -> Self {
        Self {
            table: RwLock::new(table),
            observer: RwLock::default(),
        }
    }

    /// Who hears about changes from now on.
    pub fn set_observer(&self, observer: Arc<dyn RouteObserver>) {
        *self.observer.write().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }

    pub fn table(&self) -> RouteTable {
        self.table.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the table (the stored one at start-up; a fresh one when the owner reconnects).
    pub fn replace(&self, table: RouteTable) {
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = table;
    }

    pub fn api(&self, op: Operation) -> Api {
        self.table.read().unwrap_or_else(|p| p.into_inner()).api(op)
    }

    pub fn unusable(&self, op: Operation) -> bool {
        self.table
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .unusable(op)
    }

    /// `api`'s route of `op` is gone: move to the other API (unless it is gone too).
    pub(crate) fn gone(&self, op: Operation, api: Api, status: u16) {
        let change = {
            let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
            if table.is_retired(op, api) {
                return;
            }
            table.retired.push(RetiredRoute {
                operation: op,
                api,
                status,
                at: chrono::Utc::now().timestamp_millis(),
            });
            let to = (!table.is_retired(op, api.other())).then(|| api.other());
            if let Some(to) = to {
                table.current.insert(op, to);
            }
            RouteChange {
                operation: op,
                from: api,
                to,
                status,
                recovered: false,
                table: table.clone(),
            }
        };
        self.notify(&change);
    }

    /// `api`'s route of `op` answered: use it, and forget that it was gone if it was.
    pub(crate) fn worked(&self, op: Operation, api: Api) {
        let change = {
            let table = self.table.read().unwrap_or_else(|p| p.into_inner());
            if table.api(op) == api && !table.is_retired(op, api) {
                return;
            }
            drop(table);
            let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
            let from = table.api(op);
            let recovered = table.is_retired(op, api);
            table
                .retired
                .retain(|r| !(r.operation == op && r.api == api));
            table.current.insert(op, api);
            RouteChange {
                operation: op,
                from,
                to: Some(api),
                status: 200,
                recovered,
                table: table.clone(),
            }
        };
        self.notify(&change);
    }

    fn notify(&self, change: &RouteChange) {
        let observer = self
            .observer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(observer) = observer {
            observer.changed(change);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Heard(Mutex<Vec<RouteChange>>);

    impl RouteObserver for Heard {
        fn changed(&self, change: &RouteChange) {
            self.0.lock().expect("lock").push(change.clone());
        }
    }

    fn routes() -> (Routes, Arc<Heard>) {
        let routes = Routes::default();
        let heard = Arc::new(Heard::default());
        routes.set_observer(heard.clone());
        (routes, heard)
    }

    #[test]
    fn a_gone_route_moves_the_operation_to_the_other_api_once() {
        let (routes, heard) = routes();
        assert_eq!(routes.api(Operation::Update), Api::V1);
        routes.gone(Operation::Update, Api::V1, 410);
        routes.gone(Operation::Update, Api::V1, 410);
        assert_eq!(routes.api(Operation::Update), Api::V2);
        assert_eq!(routes.api(Operation::List), Api::V1);
        let heard = heard.0.lock().expect("lock");
        assert_eq!(heard.len(), 1, "{heard:?}");
        assert_eq!(heard[0].to, Some(Api::V2));
        assert!(heard[0].table.is_retired(Operation::Update, Api::V1));
    }

    #[test]
    fn both_routes_gone_is_unusable_until_one_answers_again() {
        let (routes, heard) = routes();
        routes.gone(Operation::Create, Api::V1, 410);
        routes.gone(Operation::Create, Api::V2, 404);
        assert!(routes.unusable(Operation::Create));
        assert_eq!(heard.0.lock().expect("lock")[1].to, None);
        routes.worked(Operation::Create, Api::V1);
        assert!(!routes.unusable(Operation::Create));
        assert_eq!(routes.api(Operation::Create), Api::V1);
        let last = heard.0.lock().expect("lock").last().cloned().expect("one");
        assert!(last.recovered);
        assert!(last.table.is_retired(Operation::Create, Api::V2));
    }

    #[test]
    fn a_working_route_in_use_changes_nothing() {
        let (routes, heard) = routes();
        routes.worked(Operation::List, Api::V1);
        assert!(heard.0.lock().expect("lock").is_empty());
    }

    #[test]
    fn the_table_round_trips_as_json() {
        let mut table = RouteTable::default();
        table.current.insert(Operation::RemoveFriend, Api::V2);
        table.retired.push(RetiredRoute {
            operation: Operation::RemoveFriend,
            api: Api::V1,
            status: 410,
            at: 1,
        });
        let json = serde_json::to_string(&table).expect("json");
        assert!(json.contains(r#""remove_friend":"v2""#), "{json}");
        assert_eq!(
            serde_json::from_str::<RouteTable>(&json).expect("back"),
            table
        );
    }
}
