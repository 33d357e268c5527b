//! Plexward's Plex client: the PMS and plex.tv calls that library sharing needs.
//!
//! The wire protocol is `shared/plex-api.md` (the project's reference docs). Every sharing
//! operation has two routes, the legacy v1 XML one (§2.4, what python-plexapi uses) and the v2
//! JSON one (§2.5); [`routes`] picks one per operation and moves to the other when Plex retires
//! a route (§2.6). The simulator (`e2e/plex-sim`) serves both.
//!
//! Safety rules built in here, because getting them wrong costs users access or privacy:
//! - the token travels only in the `X-Plex-Token` header, never in a URL, log or error;
//! - library sets sent to plex.tv are [`NonEmptySet`]s: an empty list means "ALL libraries";
//! - creates are never retried blindly (a lost response must not make a second invite);
//! - one plex.tv request at a time by default, through one limiter per process, and [`PlexClient::snapshot`] lists all friends
//!   with their shares in three plex.tv calls, however many friends there are.

mod client;
mod config;
pub mod connection;
mod error;
mod http;
mod json;
pub mod limiter;
mod models;
pub mod reachability;
mod retry;
pub mod routes;
pub mod sharing;
pub mod sign_in;
mod xml;

pub use client::PlexClient;
pub use config::{DEFAULT_PLEXTV_URL, PlexClientConfig, RetryPolicy};
pub use error::{PlexError, PlexHost};
pub use routes::{Api, Operation, RouteTable, Routes};
pub use sharing::{ContentFilter, SharingSettings};

/// Where Plex Web's v2 sharing routes live (spec §2.5) when plex.tv is the real one.
pub const CLIENTS_PLEXTV_URL: &str = "https://clients.plex.tv";
pub use models::{
    Account, EmptySet, Friend, FriendAccess, FriendServer, FriendsSnapshot, HistoryPage, Identity,
    Invitee, Library, LibraryKind, MachineId, NonEmptySet, NowPlaying, Play, PlexSection,
    PlexSectionId, PmsKey, SectionMap, ServerInfo, Share, ShareId, ShareSection, UserId,
};
