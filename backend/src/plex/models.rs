//! Typed views of what Plex returns, and the id newtypes that keep the four kinds of Plex ids
//! apart (spec §3): a PMS section key, a plex.tv section id, a user id and a share id are all
//! integers, and mixing them up is the classic way to share the wrong library.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::error::PlexError;
use super::sharing::SharingSettings;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A library's key on the PMS (`Directory@key`, `Section@key`): small, local to one server.
    PmsKey
);
id_type!(
    /// A library's id on plex.tv (`Section@id`): the only id the sharing endpoints accept.
    PlexSectionId
);
id_type!(
    /// A plex.tv account id (`User@id`, `SharedServer@userID`).
    UserId
);
id_type!(
    /// A share of one server with one user (`SharedServer@id`, `User/Server@id`).
    ShareId
);

/// The PMS `machineIdentifier`. It goes into plex.tv paths, so only URL-safe characters are
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MachineId(String);

impl MachineId {
    /// Accepts a non-empty id made of ASCII letters, digits, `-`, `_` and `.`.
    pub fn new(id: impl Into<String>) -> Option<Self> {
        let id = id.into();
        let ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        ok.then_some(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MachineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A set with at least one element. On plex.tv an empty `library_section_ids` means "share
/// ALL libraries", so the write operations take this type and an empty list cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonEmptySet<T: Ord>(BTreeSet<T>);

/// The error of [`NonEmptySet::new`]: the input had no elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the set must not be empty")]
pub struct EmptySet;

impl<T: Ord> NonEmptySet<T> {
    /// Collects `items`, refusing an empty input.
    pub fn new(items: impl IntoIterator<Item = T>) -> Result<Self, EmptySet> {
        let set: BTreeSet<T> = items.into_iter().collect();
        if set.is_empty() {
            Err(EmptySet)
        } else {
            Ok(Self(set))
        }
    }

    /// A set of exactly one element.
    pub fn one(item: T) -> Self {
        Self(BTreeSet::from([item]))
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false; here because clippy expects it next to `len`.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn as_set(&self) -> &BTreeSet<T> {
        &self.0
    }
}

/// PMS `GET /identity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub machine_id: MachineId,
    pub version: String,
    pub claimed: bool,
}

/// PMS `GET /` (server root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub name: String,
    pub machine_id: MachineId,
    pub version: String,
    /// `myPlexUsername`: the account the server is signed in with.
    pub my_plex_username: Option<String>,
    /// `myPlexSubscription`: whether the server sees an active Plex Pass.
    pub my_plex_subscription: Option<bool>,
}

/// The kind of a library (`type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LibraryKind {
    Movie,
    Show,
    /// Music (`artist`).
    Artist,
    Photo,
    /// A kind this client does not know; kept so a new Plex kind is not an error.
    Other(String),
}

impl LibraryKind {
    pub fn parse(s: &str) -> Self {
        match s {
            "movie" => Self::Movie,
            "show" => Self::Show,
            "artist" => Self::Artist,
            "photo" => Self::Photo,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The name Plex uses (`type`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Movie => "movie",
            Self::Show => "show",
            Self::Artist => "artist",
            Self::Photo => "photo",
            Self::Other(other) => other,
        }
    }
}

/// A library on the PMS (`/library/sections`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Library {
    pub key: PmsKey,
    pub title: String,
    pub kind: LibraryKind,
    pub uuid: Option<String>,
}

/// One play in the PMS's watch history (`/status/sessions/history/all`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Play {
    /// The PMS's own key of the row (`/status/sessions/history/123`): the same play read twice
    /// is one play.
    pub history_key: String,
    /// Who watched: a friend's plex.tv account id (1 is the owner).
    pub account_id: u64,
    pub library: PmsKey,
    /// The show for an episode, the album's artist for a track, else the title.
    pub title: String,
    /// `movie`, `episode`, `track`, `photo`, …
    pub kind: String,
    /// When, in seconds since the epoch (as PMS counts).
    pub viewed_at: i64,
}

/// A page of the watch history: its plays and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub plays: Vec<Play>,
    pub total: u64,
}

/// Something playing now (`/status/sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NowPlaying {
    pub account_id: u64,
    pub library: PmsKey,
    pub title: String,
}

/// The owner's plex.tv account (`/api/v2/user`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: UserId,
    pub uuid: String,
    pub username: String,
    pub email: String,
    pub title: String,
    /// `subscription.active`: Plex Pass, which sharing requires.
    pub plex_pass: bool,
    pub subscription_status: Option<String>,
}

/// One of the owner's servers shared with a friend (`/api/users/` `User/Server`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FriendServer {
    pub share_id: ShareId,
    pub machine_id: String,
    pub name: String,
    pub num_libraries: u64,
    pub all_libraries: bool,
    /// The invite has not been accepted yet.
    pub pending: bool,
}

/// A friend, managed (Home) user or invitee (`/api/users/` `User`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Friend {
    pub id: UserId,
    pub title: String,
    /// Absent for managed Home users and invitees without a plex.tv account yet.
    pub username: Option<String>,
    /// Absent for managed Home users.
    pub email: Option<String>,
    pub thumb: Option<String>,
    pub home: bool,
    pub restricted: bool,
    /// Their sharing settings (downloads, Live TV, restrictions); `None` when Plex sent none or
    /// sent ones that do not parse.
    pub sharing: Option<SharingSettings>,
    pub servers: Vec<FriendServer>,
}

impl Friend {
    /// The friend a share names, when no friend list says more (v1 pending shares on v2).
    pub fn of_share(share: &Share, mid: &MachineId) -> Self {
        Self {
            id: share.user_id,
            title: share
                .username
                .clone()
                .or_else(|| share.email.clone())
                .unwrap_or_default(),
            username: share.username.clone(),
            email: share.email.clone(),
            thumb: None,
            home: false,
            restricted: false,
            sharing: None,
            servers: vec![FriendServer {
                share_id: share.id,
                machine_id: mid.as_str().to_owned(),
                name: String::new(),
                num_libraries: share.shared_keys().len() as u64,
                all_libraries: share.all_libraries,
                pending: share.is_pending(),
            }],
        }
    }

    /// The friend's share on server `mid`, if any.
    pub fn server(&self, mid: &MachineId) -> Option<&FriendServer> {
        self.servers.iter().find(|s| s.machine_id == mid.as_str())
    }

    /// A name to show: username, else title, else email.
    pub fn display_name(&self) -> &str {
        self.username
            .as_deref()
            .filter(|u| !u.is_empty())
            .or(Some(self.title.as_str()).filter(|t| !t.is_empty()))
            .or(self.email.as_deref())
            .unwrap_or_default()
    }
}

/// One library as plex.tv knows it (`/api/servers/{mid}` `Section`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlexSection {
    pub id: PlexSectionId,
    pub key: PmsKey,
    pub title: String,
    pub kind: LibraryKind,
}

/// The join between PMS keys and plex.tv section ids for one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionMap {
    pub sections: Vec<PlexSection>,
}

impl SectionMap {
    pub fn plex_id(&self, key: PmsKey) -> Option<PlexSectionId> {
        self.sections.iter().find(|s| s.key == key).map(|s| s.id)
    }

    pub fn pms_key(&self, id: PlexSectionId) -> Option<PmsKey> {
        self.sections.iter().find(|s| s.id == id).map(|s| s.key)
    }

    /// Converts PMS keys to plex.tv ids; a key plex.tv does not list is an error, never dropped
    /// (dropping could empty the set, and empty means "all libraries").
    pub fn to_plex_ids(
        &self,
        keys: &NonEmptySet<PmsKey>,
    ) -> Result<NonEmptySet<PlexSectionId>, PlexError> {
        let ids = keys
            .iter()
            .map(|k| self.plex_id(*k).ok_or(PlexError::LibraryNotOnPlextv(*k)))
            .collect::<Result<Vec<_>, _>>()?;
        NonEmptySet::new(ids).map_err(|_| PlexError::Config("empty section set".to_owned()))
    }
}

/// A library inside a share listing, with its `shared` flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShareSection {
    pub id: PlexSectionId,
    pub key: PmsKey,
    pub title: String,
    pub shared: bool,
}

/// A share of the server with one user (`SharedServer`). The friend's `accessToken` is
/// deliberately not read: it is a secret we have no use for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub id: ShareId,
    pub user_id: UserId,
    pub username: Option<String>,
    pub email: Option<String>,
    pub invited_at: Option<i64>,
    /// `None` while the invite is pending (`acceptedAt` empty or `0`).
    pub accepted_at: Option<i64>,
    pub all_libraries: bool,
    pub sections: Vec<ShareSection>,
}

impl Share {
    /// PMS keys of the libraries this share grants (every listed one when `allLibraries`).
    pub fn shared_keys(&self) -> BTreeSet<PmsKey> {
        self.sections
            .iter()
            .filter(|s| s.shared || self.all_libraries)
            .map(|s| s.key)
            .collect()
    }

    pub fn is_pending(&self) -> bool {
        self.accepted_at.is_none()
    }
}

/// Who a new share is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    /// An existing friend or account (`invited_id`).
    User(UserId),
    /// An email address or plex.tv username (`invited_email`).
    Email(String),
}

/// Everything needed to list all friends with their access to one server, fetched with a
/// constant number of plex.tv calls (users, section map, shares) instead of one per friend.
/// Hold it for one sync run; take a new one for the next.
#[derive(Debug, Clone, Serialize)]
pub struct FriendsSnapshot {
    pub machine_id: MachineId,
    pub friends: Vec<Friend>,
    /// `friends` holds every friend of the account (v1 `/api/users`). When false (the list came
    /// from v2, which lists shares only), a friend missing from it may simply have no share
    /// here: they must not be taken as gone.
    pub friends_complete: bool,
    /// Friends plex.tv says deleted their account (v2 `deletedAt`): gone, whatever the listing.
    pub deleted_accounts: Vec<UserId>,
    pub sections: SectionMap,
    pub shares: Vec<Share>,
}

/// One friend joined with their share on the snapshot's server.
#[derive(Debug, Clone, Serialize)]
pub struct FriendAccess<'a> {
    pub friend: &'a Friend,
    pub share: Option<&'a Share>,
}

impl FriendsSnapshot {
    /// Every friend with their share on this server (`None`: no access here).
    pub fn friends_with_shares(&self) -> Vec<FriendAccess<'_>> {
        let by_user: BTreeMap<UserId, &Share> =
            self.shares.iter().map(|s| (s.user_id, s)).collect();
        self.friends
            .iter()
            .map(|friend| FriendAccess {
                friend,
                share: by_user.get(&friend.id).copied(),
            })
            .collect()
    }

    /// The share of `user`, if any.
    pub fn share_of(&self, user: UserId) -> Option<&Share> {
        self.shares.iter().find(|s| s.user_id == user)
    }
}
