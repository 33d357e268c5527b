//! What a friend sees of their own access: their granted libraries with when each starts and
//! ends (or its weekly window and next openings), a pending invite, and their sharing settings
//! in words. Built from the read model's view of that one friend; no other friend's data and no
//! anchor library (the server's own bookkeeping) is in it.

use plexward_shared::{PortalAccessResponse, PortalLibrary, RequestableLibrary, sharing_sentences};

use crate::access::friend_dto;
use crate::access::read_model::Snapshot;

/// Friend `id`'s portal view, or `None` when the read model does not know them.
pub fn of(
    snapshot: &Snapshot,
    id: i64,
    server_name: String,
    now: i64,
) -> Option<PortalAccessResponse> {
    let view = snapshot.view(id)?;
    let may_ask = crate::portal::requests::requestable(&view.friend, &snapshot.catalog, now);
    let mut requestable: Vec<RequestableLibrary> = snapshot
        .libraries
        .iter()
        .filter(|l| l.removed_at.is_none() && may_ask(l.id))
        .map(|l| RequestableLibrary {
            id: l.id,
            title: l.title.clone(),
            kind: l.kind.clone(),
        })
        .collect();
    requestable.sort_by_key(|l| l.title.to_lowercase());
    let detail = friend_dto::detail(view, &snapshot.catalog);
    let mut libraries: Vec<PortalLibrary> = detail
        .grants
        .iter()
        .filter(|g| !g.anchor)
        .filter_map(|g| {
            let library = snapshot
                .libraries
                .iter()
                .find(|l| l.id == g.library_id && l.removed_at.is_none())?;
            Some(PortalLibrary {
                id: g.library_id,
                title: library.title.clone(),
                kind: library.kind.clone(),
                active: g.active,
                starts_at: g.starts_at,
                ends_at: g.ends_at,
                repeat: g.repeat.clone(),
                next_occurrences: g.next_occurrences.clone(),
            })
        })
        .collect();
    libraries.sort_by_key(|l| l.title.to_lowercase());
    Some(PortalAccessResponse {
        title: detail.user.title.clone(),
        username: detail.user.username.clone(),
        server_name,
        time_zone: snapshot.time_zone.clone(),
        libraries,
        pending_invite: detail.user.pending,
        restrictions: sharing_sentences(detail.sharing.as_ref()),
        requestable,
        requests: Vec::new(),
    })
}

/// The server's name as the last sync found it ("this Plex server" before any).
pub async fn server_name(pool: &crate::db::DbPool) -> Result<String, crate::portal::PortalError> {
    let job = crate::db::run(pool, |conn| crate::db::jobs::latest_of_kind(conn, "sync")).await?;
    Ok(job
        .and_then(|j| j.result)
        .and_then(|r| serde_json::from_str::<serde_json::Value>(&r).ok())
        .and_then(|v| v["server_name"].as_str().map(str::to_owned))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "this Plex server".to_owned()))
}
