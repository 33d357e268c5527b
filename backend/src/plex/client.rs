//! [`PlexClient`]: the operations Plexward needs on the PMS and plex.tv (spec §2.1). Sharing
//! operations go through [`PlexClient::routed`], on the v1 or v2 route `routes.rs` chose.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};

use super::config::{PlexClientConfig, RetryPolicy};
use super::error::{PlexError, PlexHost};
use super::http::{Outgoing, Transport};
use super::json::SharedWith;
use super::models::{
    Account, Friend, FriendsSnapshot, HistoryPage, Identity, Invitee, Library, MachineId,
    NonEmptySet, NowPlaying, PlexSectionId, PmsKey, SectionMap, ServerInfo, Share, ShareId, UserId,
};
use super::routes::{Api, Operation, RouteTable, Routes};
use super::sharing::SharingSettings;
use super::{json, retry, xml};

/// An async client for one PMS and plex.tv, with one owner token.
///
/// Long-lived and shared behind an `Arc` (it keeps its connections open); the plex.tv limiter
/// comes from the configuration, so clients built from one
/// [`PlexConnection`](super::connection::PlexConnection) share it.
#[derive(Debug)]
pub struct PlexClient {
    pub(super) transport: Transport,
    pub(super) retry: RetryPolicy,
    /// Which sharing API each operation uses (shared through the configuration).
    routes: Arc<Routes>,
}

type Parser<T> = fn(&str) -> Result<T, String>;

impl PlexClient {
    /// Builds the client. Fails only on an unusable configuration (bad URL, empty token …).
    pub fn new(config: &PlexClientConfig) -> Result<Self, PlexError> {
        Ok(Self {
            transport: Transport::new(config)?,
            retry: config.retry,
            routes: config.routes.clone().unwrap_or_default(),
        })
    }

    /// A plex.tv-only client for signing in with Plex (`plex::sign_in`): `config`'s token may be
    /// empty (no `X-Plex-Token` sent) and its PMS URL is not used.
    pub fn for_sign_in(config: &PlexClientConfig) -> Result<Self, PlexError> {
        Ok(Self {
            transport: Transport::for_sign_in(config)?,
            retry: config.retry,
            routes: Arc::default(),
        })
    }

    /// Which sharing API each operation uses.
    pub fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }

    /// PMS `GET /identity`: machine id and version.
    pub async fn identity(&self) -> Result<Identity, PlexError> {
        self.get(PlexHost::Pms, "/identity", false, xml::identity)
            .await
    }

    /// PMS `GET /`: server name, machine id, version (checks the token against the PMS).
    pub async fn server_info(&self) -> Result<ServerInfo, PlexError> {
        self.get(PlexHost::Pms, "/", false, xml::server_info).await
    }

    /// PMS `GET /library/sections`: the server's libraries with their PMS keys.
    pub async fn libraries(&self) -> Result<Vec<Library>, PlexError> {
        self.get(PlexHost::Pms, "/library/sections", false, xml::libraries)
            .await
    }

    /// PMS `GET /status/sessions/history/all`: plays viewed at or after `since` (seconds), oldest
    /// first, `size` of them from `start`.
    pub async fn history_page(
        &self,
        since: i64,
        start: u64,
        size: u64,
    ) -> Result<HistoryPage, PlexError> {
        let path = format!(
            "/status/sessions/history/all?sort=viewedAt:asc&viewedAt>={since}\
             &X-Plex-Container-Start={start}&X-Plex-Container-Size={size}"
        );
        self.get(PlexHost::Pms, &path, false, xml::history).await
    }

    /// PMS `GET /status/sessions`: what plays now, and for whom.
    pub async fn sessions(&self) -> Result<Vec<NowPlaying>, PlexError> {
        self.get(PlexHost::Pms, "/status/sessions", false, xml::sessions)
            .await
    }

    /// plex.tv `GET /api/v2/user` (JSON): the owner's account and Plex Pass status.
    pub async fn account(&self) -> Result<Account, PlexError> {
        self.get(PlexHost::Plextv, "/api/v2/user", true, json::account)
            .await
    }

    /// plex.tv `GET /api/users/` (v1 only): every friend, managed user and invitee, each with
    /// the owner's servers shared with them (share id, pending flag).
    pub async fn friends(&self) -> Result<Vec<Friend>, PlexError> {
        self.get(PlexHost::Plextv, "/api/users/", false, xml::friends)
            .await
    }

    /// PMS key ↔ plex.tv section id, on the `sections` route in use.
    pub async fn section_map(&self, mid: &MachineId) -> Result<SectionMap, PlexError> {
        self.routed(Operation::Sections, |api| async move {
            match api {
                Api::V1 => {
                    let path = format!("/api/servers/{mid}");
                    self.get(PlexHost::Plextv, &path, false, xml::section_map)
                        .await
                }
                Api::V2 => {
                    let path = format!("/api/v2/servers/{mid}");
                    self.get(PlexHost::Plextv, &path, true, json::section_map_v2)
                        .await
                }
            }
        })
        .await
    }

    /// Every share of server `mid`, accepted and pending, on the routes in use.
    pub async fn shares(&self, mid: &MachineId) -> Result<Vec<Share>, PlexError> {
        Ok(self.listing(mid, false).await?.shares)
    }

    /// plex.tv `GET /api/servers/{mid}/shared_servers/{id}` (v1): one share.
    pub async fn share(&self, mid: &MachineId, id: ShareId) -> Result<Share, PlexError> {
        let path = format!("/api/servers/{mid}/shared_servers/{id}");
        let shares = self
            .get(PlexHost::Plextv, &path, false, xml::shares)
            .await?;
        shares.into_iter().next().ok_or(PlexError::NotFound {
            host: PlexHost::Plextv,
        })
    }

    /// Friends, section map and shares of server `mid` in three or four plex.tv calls, whatever
    /// the number of friends (python-plexapi needs one more call per friend).
    pub async fn snapshot(&self, mid: &MachineId) -> Result<FriendsSnapshot, PlexError> {
        let sections = self.section_map(mid).await?;
        let listing = self.listing(mid, true).await?;
        Ok(FriendsSnapshot {
            machine_id: mid.clone(),
            friends: listing.friends,
            friends_complete: listing.friends_complete,
            deleted_accounts: listing.deleted_accounts,
            sections,
            shares: listing.shares,
        })
    }

    /// Probes the sharing routes that read (list, pending, sections), so a retired one is found
    /// and left before anything needs it. Write routes are not probed: no request that could
    /// change anything is sent to find out; a retired one is found on its first use.
    pub async fn probe_routes(&self, mid: &MachineId) -> Result<RouteTable, PlexError> {
        self.snapshot(mid).await?;
        if self.routes.api(Operation::List) == Api::V1 {
            // A v1 listing holds the pending shares too; probe the pending route all the same.
            self.routed(Operation::Pending, |api| self.pending_via(api, mid))
                .await?;
        }
        Ok(self.routes.table())
    }

    /// Friends (when `with_friends`) and shares of `mid` on the `list` route, plus the pending
    /// shares on the `pending` route when the list comes from v2 (which lists accepted ones only).
    async fn listing(&self, mid: &MachineId, with_friends: bool) -> Result<Listing, PlexError> {
        let listing = self
            .routed(Operation::List, |api| async move {
                match api {
                    Api::V1 => {
                        let friends = if with_friends {
                            self.friends().await?
                        } else {
                            Vec::new()
                        };
                        let path = format!("/api/servers/{mid}/shared_servers");
                        let shares = self
                            .get(PlexHost::Plextv, &path, false, xml::shares)
                            .await?;
                        Ok(Listing {
                            friends,
                            friends_complete: true,
                            shares,
                            deleted_accounts: Vec::new(),
                            api,
                        })
                    }
                    Api::V2 => {
                        let accepted = self
                            .get_v2_shares("/api/v2/shared_servers/owned/accepted", mid)
                            .await?;
                        Ok(Listing::from_v2(accepted))
                    }
                }
            })
            .await?;
        if listing.api == Api::V1 {
            return Ok(listing);
        }
        let pending = self
            .routed(Operation::Pending, |api| self.pending_via(api, mid))
            .await?;
        Ok(listing.with(pending))
    }

    /// The pending shares of `mid`.
    async fn pending_via(&self, api: Api, mid: &MachineId) -> Result<Vec<SharedWith>, PlexError> {
        match api {
            Api::V1 => {
                let path = format!("/api/servers/{mid}/shared_servers");
                let shares = self
                    .get(PlexHost::Plextv, &path, false, xml::shares)
                    .await?;
                Ok(shares
                    .into_iter()
                    .filter(Share::is_pending)
                    .map(|share| SharedWith {
                        machine_id: mid.as_str().to_owned(),
                        friend: Friend::of_share(&share, mid),
                        share,
                        account_deleted: false,
                    })
                    .collect())
            }
            Api::V2 => {
                self.get_v2_shares("/api/v2/shared_servers/owned/pending", mid)
                    .await
            }
        }
    }

    /// A v2 share list (across all the owner's servers), cut to server `mid`.
    async fn get_v2_shares(
        &self,
        path: &str,
        mid: &MachineId,
    ) -> Result<Vec<SharedWith>, PlexError> {
        let all = retry::retry_idempotent(&self.retry, path, || {
            self.exchange_on(Method::GET, path, None, true, true, json::shares_v2)
        })
        .await?;
        Ok(all
            .into_iter()
            .filter(|s| s.machine_id == mid.as_str())
            .collect())
    }

    /// Converts PMS keys to plex.tv ids with `map`; when a key is missing (a library added on
    /// the PMS that plex.tv has not caught up with), `map` is fetched again once (spec §3).
    /// Still missing after that: [`PlexError::LibraryNotOnPlextv`].
    pub async fn resolve_sections(
        &self,
        mid: &MachineId,
        map: &mut SectionMap,
        keys: &NonEmptySet<PmsKey>,
    ) -> Result<NonEmptySet<PlexSectionId>, PlexError> {
        match map.to_plex_ids(keys) {
            Err(PlexError::LibraryNotOnPlextv(_)) => {
                *map = self.section_map(mid).await?;
                map.to_plex_ids(keys)
            }
            other => other,
        }
    }

    /// Shares `sections` (plex.tv ids, never empty: empty would mean ALL libraries) with
    /// `invitee` on the `create` route. The share stays pending until the invitee accepts.
    ///
    /// Never retried blindly: after an ambiguous failure (5xx, timeout, lost response) the
    /// shares are listed again, and an existing share for the invitee is the result. Only when
    /// none exists is the POST repeated (within the retry policy).
    pub async fn create_share(
        &self,
        mid: &MachineId,
        invitee: &Invitee,
        sections: &NonEmptySet<PlexSectionId>,
        sharing: Option<&SharingSettings>,
    ) -> Result<Share, PlexError> {
        let mut delays = retry::backoff(&self.retry);
        let mut maybe_created = false;
        loop {
            let err = match self
                .routed(Operation::Create, |api| {
                    self.create_once(api, mid, invitee, sections, sharing)
                })
                .await
            {
                Ok(share) => return Ok(share),
                Err(e) => e,
            };
            let recheck = err.is_ambiguous()
                || (maybe_created && matches!(err, PlexError::AlreadyShared { .. }));
            if recheck {
                maybe_created = true;
                tracing::warn!(error = %err, "share creation may have happened; re-listing shares");
                if let Some(existing) = self.find_share(mid, invitee).await? {
                    return Ok(existing);
                }
            }
            if !err.is_transient() {
                return Err(err);
            }
            let Some(delay) = retry::next_delay(&self.retry, &err, delays.next()) else {
                return Err(err);
            };
            tokio::time::sleep(delay).await;
        }
    }

    async fn create_once(
        &self,
        api: Api,
        mid: &MachineId,
        invitee: &Invitee,
        sections: &NonEmptySet<PlexSectionId>,
        sharing: Option<&SharingSettings>,
    ) -> Result<Share, PlexError> {
        let no_share = || PlexError::Unexpected {
            host: PlexHost::Plextv,
            status: 201,
            excerpt: "no share in the create response".to_owned(),
        };
        match api {
            Api::V1 => {
                let path = format!("/api/servers/{mid}/shared_servers");
                let body = create_body(mid, invitee, sections, sharing);
                let shares = self
                    .once(Method::POST, &path, Some(&body), xml::shares)
                    .await?;
                shares.into_iter().next().ok_or_else(no_share)
            }
            Api::V2 => {
                let body = create_body_v2(mid, invitee, sections, sharing);
                let made = self
                    .exchange(
                        Method::POST,
                        "/api/v2/shared_servers",
                        Some(&body),
                        true,
                        json::share_v2,
                    )
                    .await?;
                Ok(made.share)
            }
        }
    }

    /// Replaces the share's libraries with `sections` (plex.tv ids; non-empty by type), and
    /// with `sharing` its settings, in one request on the `update` route. Returns the updated
    /// share when plex.tv sends it back (it may not).
    pub async fn replace_share_libraries(
        &self,
        mid: &MachineId,
        id: ShareId,
        sections: &NonEmptySet<PlexSectionId>,
        sharing: Option<&SharingSettings>,
    ) -> Result<Option<Share>, PlexError> {
        self.routed(Operation::Update, |api| async move {
            let result = match api {
                Api::V1 => {
                    let path = format!("/api/servers/{mid}/shared_servers/{id}");
                    let mut body = json!({
                        "server_id": mid.as_str(),
                        "shared_server": { "library_section_ids": section_list(sections) },
                    });
                    if let Some(sharing) = sharing {
                        body["sharing_settings"] = sharing.v1_json();
                    }
                    retry::retry_idempotent(&self.retry, "replace share libraries", || {
                        self.once(Method::PUT, &path, Some(&body), parse_optional_shares)
                    })
                    .await
                    .map(|shares| shares.into_iter().next())
                }
                Api::V2 => {
                    let path = format!("/api/v2/shared_servers/{id}");
                    let mut body = json!({ "librarySectionIds": section_list(sections) });
                    if let Some(sharing) = sharing {
                        body["settings"] = sharing.v2_json();
                    }
                    retry::retry_idempotent(&self.retry, "replace share libraries", || {
                        self.exchange_on(
                            Method::POST,
                            &path,
                            Some(&body),
                            true,
                            true,
                            json::optional_share_v2,
                        )
                    })
                    .await
                    .map(|made| made.map(|m| m.share))
                }
            };
            match result {
                Err(e @ PlexError::UnknownEndpoint { .. }) => {
                    Err(self.route_or_object(e, self.share_listed(mid, id)).await)
                }
                other => other,
            }
        })
        .await
    }

    /// Removes this server's share (the friendship stays) on the `delete` route. A 404 on a
    /// *retry* means the earlier attempt worked.
    pub async fn delete_share(&self, mid: &MachineId, id: ShareId) -> Result<(), PlexError> {
        self.routed(Operation::Delete, |api| async move {
            let (path, clients) = match api {
                Api::V1 => (format!("/api/servers/{mid}/shared_servers/{id}"), false),
                Api::V2 => (format!("/api/v2/shared_servers/{id}"), true),
            };
            match self.delete(&path, api, clients, "delete share").await {
                Err(e @ PlexError::UnknownEndpoint { .. }) => {
                    Err(self.route_or_object(e, self.share_listed(mid, id)).await)
                }
                other => other,
            }
        })
        .await
    }

    /// Removes the friend and all their shares on the `remove_friend` route.
    pub async fn remove_friend(&self, mid: &MachineId, user: UserId) -> Result<(), PlexError> {
        self.routed(Operation::RemoveFriend, |api| async move {
            let path = match api {
                Api::V1 => format!("/api/v2/sharings/{user}"),
                Api::V2 => format!("/api/v2/friends/{user}"),
            };
            match self.delete(&path, api, false, "remove friend").await {
                Err(e @ PlexError::UnknownEndpoint { .. }) => {
                    let listed = async {
                        let listing = self.listing(mid, true).await?;
                        Ok(listing.friends.iter().any(|f| f.id == user))
                    };
                    Err(self.route_or_object(e, listed).await)
                }
                other => other,
            }
        })
        .await
    }

    /// [`PlexClient::remove_friend`], taking "no such friend" for done (they are gone either
    /// way: an earlier attempt, or they left).
    pub async fn remove_friend_if_present(
        &self,
        mid: &MachineId,
        user: UserId,
    ) -> Result<(), PlexError> {
        match self.remove_friend(mid, user).await {
            Err(PlexError::NotFound { .. }) => Ok(()),
            other => other,
        }
    }

    async fn delete(
        &self,
        path: &str,
        api: Api,
        clients: bool,
        what: &str,
    ) -> Result<(), PlexError> {
        let attempts = AtomicUsize::new(0);
        let result = retry::retry_idempotent(&self.retry, what, || {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.exchange_on(Method::DELETE, path, None, api == Api::V2, clients, |_| {
                Ok(())
            })
        })
        .await;
        match result {
            Err(PlexError::NotFound { .. } | PlexError::UnknownEndpoint { .. })
                if attempts.load(Ordering::Relaxed) > 1 =>
            {
                Ok(())
            }
            other => other,
        }
    }

    /// A 404 "unknown endpoint" from a route that names an object: the route is gone when the
    /// object still exists (`exists`), else only the object is.
    async fn route_or_object(
        &self,
        err: PlexError,
        exists: impl Future<Output = Result<bool, PlexError>>,
    ) -> PlexError {
        match exists.await {
            Ok(true) => PlexError::RouteGone {
                host: PlexHost::Plextv,
                status: 404,
            },
            Ok(false) => PlexError::NotFound {
                host: PlexHost::Plextv,
            },
            Err(_) => err,
        }
    }

    async fn share_listed(&self, mid: &MachineId, id: ShareId) -> Result<bool, PlexError> {
        Ok(self.shares(mid).await?.iter().any(|s| s.id == id))
    }

    /// The invitee's share on `mid`, if one exists (by user id, or by email/username).
    async fn find_share(
        &self,
        mid: &MachineId,
        invitee: &Invitee,
    ) -> Result<Option<Share>, PlexError> {
        let shares = self.shares(mid).await?;
        Ok(shares.into_iter().find(|s| match invitee {
            Invitee::User(id) => s.user_id == *id,
            Invitee::Email(e) => [&s.email, &s.username]
                .into_iter()
                .flatten()
                .any(|v| v.eq_ignore_ascii_case(e.trim())),
        }))
    }

    /// Runs `call` on the API `op` uses; when Plex says that route is gone, records it and runs
    /// `call` on the other API. Both gone: [`PlexError::Retired`].
    async fn routed<T, F, Fut>(&self, op: Operation, call: F) -> Result<T, PlexError>
    where
        F: Fn(Api) -> Fut,
        Fut: Future<Output = Result<T, PlexError>>,
    {
        let mut api = self.routes.api(op);
        for _ in 0..2 {
            match call(api).await {
                Ok(value) => {
                    self.routes.worked(op, api);
                    return Ok(value);
                }
                Err(PlexError::RouteGone { status, .. }) => self.routes.gone(op, api, status),
                Err(PlexError::UnknownEndpoint { .. }) if !op.names_object() => {
                    self.routes.gone(op, api, 404);
                }
                Err(PlexError::UnknownEndpoint { host }) => {
                    return Err(PlexError::NotFound { host });
                }
                Err(e) => return Err(e),
            }
            api = api.other();
        }
        Err(PlexError::Retired { operation: op })
    }

    /// A retried GET.
    async fn get<T>(
        &self,
        host: PlexHost,
        path: &str,
        want_json: bool,
        parse: Parser<T>,
    ) -> Result<T, PlexError> {
        retry::retry_idempotent(&self.retry, path, || async move {
            let got = self
                .transport
                .send(Outgoing {
                    host,
                    method: Method::GET,
                    path,
                    json: None,
                    want_json,
                    clients: false,
                })
                .await?;
            self.parse(host, got.status.as_u16(), &got.body, parse)
        })
        .await
    }

    /// One plex.tv exchange with a body, parsed; no retry.
    async fn once<T>(
        &self,
        method: Method,
        path: &str,
        json: Option<&Value>,
        parse: Parser<T>,
    ) -> Result<T, PlexError> {
        self.exchange(method, path, json, false, parse).await
    }

    /// One plex.tv exchange, XML or (`want_json`) JSON, parsed; no retry.
    pub(super) async fn exchange<T>(
        &self,
        method: Method,
        path: &str,
        json: Option<&Value>,
        want_json: bool,
        parse: Parser<T>,
    ) -> Result<T, PlexError> {
        self.exchange_on(method, path, json, want_json, false, parse)
            .await
    }

    /// [`PlexClient::exchange`] on plex.tv or (`clients`) clients.plex.tv.
    async fn exchange_on<T>(
        &self,
        method: Method,
        path: &str,
        json: Option<&Value>,
        want_json: bool,
        clients: bool,
        parse: Parser<T>,
    ) -> Result<T, PlexError> {
        let host = PlexHost::Plextv;
        let got = self
            .transport
            .send(Outgoing {
                host,
                method,
                path,
                json,
                want_json,
                clients,
            })
            .await?;
        self.parse(host, got.status.as_u16(), &got.body, parse)
    }

    fn parse<T>(
        &self,
        host: PlexHost,
        status: u16,
        body: &str,
        parse: Parser<T>,
    ) -> Result<T, PlexError> {
        parse(body).map_err(|why| PlexError::Unexpected {
            host,
            status,
            excerpt: format!("{why}; body: {}", self.transport.excerpt(body)),
        })
    }
}

/// PUT may answer 200 with the share or 204 with nothing (spec §2.4.5).
fn parse_optional_shares(body: &str) -> Result<Vec<Share>, String> {
    if body.trim().is_empty() {
        Ok(Vec::new())
    } else {
        xml::shares(body)
    }
}

fn section_list(sections: &NonEmptySet<PlexSectionId>) -> Vec<u64> {
    sections.iter().map(|s| s.0).collect()
}

/// The create body as python-plexapi sends it (spec §2.4.4): `invited_id` for a known user,
/// `invited_email` plus default `sharing_settings` for an email invite; `sharing`, when given,
/// is sent as the `sharing_settings` in both.
fn create_body(
    mid: &MachineId,
    invitee: &Invitee,
    sections: &NonEmptySet<PlexSectionId>,
    sharing: Option<&SharingSettings>,
) -> Value {
    let ids = section_list(sections);
    let mut body = match invitee {
        Invitee::User(id) => json!({
            "server_id": mid.as_str(),
            "shared_server": { "library_section_ids": ids, "invited_id": id.0 },
        }),
        Invitee::Email(email) => json!({
            "server_id": mid.as_str(),
            "shared_server": { "library_section_ids": ids, "invited_email": email.trim() },
            "sharing_settings": {
                "allowSync": "0", "allowCameraUpload": "0", "allowChannels": "0",
                "filterMovies": "", "filterTelevision": "", "filterMusic": "",
            },
        }),
    };
    if let Some(sharing) = sharing {
        body["sharing_settings"] = sharing.v1_json();
    }
    body
}

/// The v2 create body (spec §2.5): the same libraries and, for an email invite, the same default
/// settings as the v1 body.
fn create_body_v2(
    mid: &MachineId,
    invitee: &Invitee,
    sections: &NonEmptySet<PlexSectionId>,
    sharing: Option<&SharingSettings>,
) -> Value {
    let mut body = json!({
        "machineIdentifier": mid.as_str(),
        "librarySectionIds": section_list(sections),
    });
    match invitee {
        Invitee::User(id) => body["invitedId"] = json!(id.0),
        Invitee::Email(email) => body["invitedEmail"] = json!(email.trim()),
    }
    body["settings"] = sharing.cloned().unwrap_or_default().v2_json();
    body
}

/// Friends and shares as one listing gave them.
struct Listing {
    friends: Vec<Friend>,
    /// Whether `friends` holds every friend (v1's `/api/users`), or only those with a share
    /// here (v2 lists shares, not friends).
    friends_complete: bool,
    shares: Vec<Share>,
    /// Friends whose plex.tv account is deleted (v2 `deletedAt`; v1 just stops listing them).
    deleted_accounts: Vec<UserId>,
    /// The API that answered.
    api: Api,
}

impl Listing {
    fn from_v2(list: Vec<SharedWith>) -> Self {
        Self {
            friends: Vec::new(),
            friends_complete: false,
            shares: Vec::new(),
            deleted_accounts: Vec::new(),
            api: Api::V2,
        }
        .with(list)
    }

    /// Adds shares (and their friends, once each).
    fn with(mut self, list: Vec<SharedWith>) -> Self {
        for one in list {
            if one.account_deleted {
                if !self.deleted_accounts.contains(&one.friend.id) {
                    self.deleted_accounts.push(one.friend.id);
                }
                continue;
            }
            if !self.friends.iter().any(|f| f.id == one.friend.id) {
                self.friends.push(one.friend);
            }
            if !self.shares.iter().any(|s| s.id == one.share.id) {
                self.shares.push(one.share);
            }
        }
        self
    }
}
