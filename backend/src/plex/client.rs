//! [`PlexClient`]: the operations Plexward needs on the PMS and plex.tv (spec §2.1), on the
//! legacy v1 endpoints that python-plexapi uses.

use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};

use super::config::{PlexClientConfig, RetryPolicy};
use super::error::{PlexError, PlexHost};
use super::http::{Outgoing, Transport};
use super::models::{
    Account, Friend, FriendsSnapshot, Identity, Invitee, Library, MachineId, NonEmptySet,
    PlexSectionId, PmsKey, SectionMap, ServerInfo, Share, ShareId, UserId,
};
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
}

type Parser<T> = fn(&str) -> Result<T, String>;

impl PlexClient {
    /// Builds the client. Fails only on an unusable configuration (bad URL, empty token …).
    pub fn new(config: &PlexClientConfig) -> Result<Self, PlexError> {
        Ok(Self {
            transport: Transport::new(config)?,
            retry: config.retry,
        })
    }

    /// A plex.tv-only client for signing in with Plex (`plex::sign_in`): `config`'s token may be
    /// empty (no `X-Plex-Token` sent) and its PMS URL is not used.
    pub fn for_sign_in(config: &PlexClientConfig) -> Result<Self, PlexError> {
        Ok(Self {
            transport: Transport::for_sign_in(config)?,
            retry: config.retry,
        })
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

    /// plex.tv `GET /api/v2/user` (JSON): the owner's account and Plex Pass status.
    pub async fn account(&self) -> Result<Account, PlexError> {
        self.get(PlexHost::Plextv, "/api/v2/user", true, json::account)
            .await
    }

    /// plex.tv `GET /api/users/`: every friend, managed user and invitee, each with the owner's
    /// servers shared with them (share id, pending flag).
    pub async fn friends(&self) -> Result<Vec<Friend>, PlexError> {
        self.get(PlexHost::Plextv, "/api/users/", false, xml::friends)
            .await
    }

    /// plex.tv `GET /api/servers/{mid}`: PMS key ↔ plex.tv section id.
    pub async fn section_map(&self, mid: &MachineId) -> Result<SectionMap, PlexError> {
        let path = format!("/api/servers/{mid}");
        self.get(PlexHost::Plextv, &path, false, xml::section_map)
            .await
    }

    /// plex.tv `GET /api/servers/{mid}/shared_servers`: every share of the server.
    pub async fn shares(&self, mid: &MachineId) -> Result<Vec<Share>, PlexError> {
        let path = format!("/api/servers/{mid}/shared_servers");
        self.get(PlexHost::Plextv, &path, false, xml::shares).await
    }

    /// plex.tv `GET /api/servers/{mid}/shared_servers/{id}`: one share.
    pub async fn share(&self, mid: &MachineId, id: ShareId) -> Result<Share, PlexError> {
        let path = format!("/api/servers/{mid}/shared_servers/{id}");
        let shares = self
            .get(PlexHost::Plextv, &path, false, xml::shares)
            .await?;
        shares.into_iter().next().ok_or(PlexError::NotFound {
            host: PlexHost::Plextv,
        })
    }

    /// Friends, section map and shares of server `mid` in three plex.tv calls, whatever the
    /// number of friends (python-plexapi needs one more call per friend).
    pub async fn snapshot(&self, mid: &MachineId) -> Result<FriendsSnapshot, PlexError> {
        Ok(FriendsSnapshot {
            machine_id: mid.clone(),
            friends: self.friends().await?,
            sections: self.section_map(mid).await?,
            shares: self.shares(mid).await?,
        })
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

    /// plex.tv `POST /api/servers/{mid}/shared_servers`: shares `sections` (plex.tv ids, never
    /// empty: empty would mean ALL libraries) with `invitee`. The share stays pending until the
    /// invitee accepts.
    ///
    /// Never retried blindly: after an ambiguous failure (5xx, timeout, lost response) the
    /// shares are listed again, and an existing share for the invitee is the result. Only when
    /// none exists is the POST repeated (within the retry policy).
    pub async fn create_share(
        &self,
        mid: &MachineId,
        invitee: &Invitee,
        sections: &NonEmptySet<PlexSectionId>,
    ) -> Result<Share, PlexError> {
        let path = format!("/api/servers/{mid}/shared_servers");
        let body = create_body(mid, invitee, sections);
        let mut delays = retry::backoff(&self.retry);
        let mut maybe_created = false;
        loop {
            let err = match self
                .once(Method::POST, &path, Some(&body), xml::shares)
                .await
            {
                Ok(shares) => {
                    return shares
                        .into_iter()
                        .next()
                        .ok_or_else(|| PlexError::Unexpected {
                            host: PlexHost::Plextv,
                            status: 201,
                            excerpt: "no <SharedServer> in the create response".to_owned(),
                        });
                }
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

    /// plex.tv `PUT /api/servers/{mid}/shared_servers/{id}`: replaces the share's libraries
    /// with `sections` (plex.tv ids; non-empty by type). Returns the updated share when plex.tv
    /// sends it back (it may answer 204).
    pub async fn replace_share_libraries(
        &self,
        mid: &MachineId,
        id: ShareId,
        sections: &NonEmptySet<PlexSectionId>,
    ) -> Result<Option<Share>, PlexError> {
        let path = format!("/api/servers/{mid}/shared_servers/{id}");
        let body = json!({
            "server_id": mid.as_str(),
            "shared_server": { "library_section_ids": section_list(sections) },
        });
        let shares = retry::retry_idempotent(&self.retry, "replace share libraries", || {
            self.once(Method::PUT, &path, Some(&body), parse_optional_shares)
        })
        .await?;
        Ok(shares.into_iter().next())
    }

    /// plex.tv `DELETE /api/servers/{mid}/shared_servers/{id}`: removes this server's share
    /// (the friendship stays). A 404 on a *retry* means the earlier attempt worked.
    pub async fn delete_share(&self, mid: &MachineId, id: ShareId) -> Result<(), PlexError> {
        let path = format!("/api/servers/{mid}/shared_servers/{id}");
        self.delete(&path, "delete share").await
    }

    /// plex.tv `DELETE /api/v2/sharings/{userId}`: removes the friend and all their shares.
    pub async fn remove_friend(&self, user: UserId) -> Result<(), PlexError> {
        let path = format!("/api/v2/sharings/{user}");
        self.delete(&path, "remove friend").await
    }

    async fn delete(&self, path: &str, what: &str) -> Result<(), PlexError> {
        let attempts = AtomicUsize::new(0);
        let result = retry::retry_idempotent(&self.retry, what, || {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.once(Method::DELETE, path, None, |_| Ok(()))
        })
        .await;
        match result {
            Err(PlexError::NotFound { .. }) if attempts.load(Ordering::Relaxed) > 1 => Ok(()),
            other => other,
        }
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
        let host = PlexHost::Plextv;
        let got = self
            .transport
            .send(Outgoing {
                host,
                method,
                path,
                json,
                want_json,
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

/// The create body exactly as python-plexapi sends it (spec §2.4.4): `invited_id` for a known
/// user, `invited_email` plus default `sharing_settings` for an email invite.
fn create_body(mid: &MachineId, invitee: &Invitee, sections: &NonEmptySet<PlexSectionId>) -> Value {
    let ids = section_list(sections);
    match invitee {
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
    }
}
