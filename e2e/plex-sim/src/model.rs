//! The simulator's data: the seed file format and the live in-memory state.
//!
//! # Seed file format (JSON)
//!
//! A seed file replaces the built-in default seed (`plex-sim --seed FILE`). Every field is
//! camelCase; optional fields may be left out. `GET /__sim/state` returns a superset of this
//! format, so a state dump can be fed back in as a seed.
//!
//! ```json
//! {
//!   "owner":   { "id": 2000001, "username": "owner", "email": "owner@example.com",
//!                "token": "plex-sim-owner-token", "plexPass": true },
//!   "server":  { "machineIdentifier": "0123…", "friendlyName": "SimServer",
//!                "version": "1.41.3.9314-a0bfb8370", "plexServerId": 7771234 },
//!   "libraries": [ { "key": 1, "plexId": 118181361, "title": "Movies", "type": "movie" } ],
//!   "accounts":  [ { "id": 2100001, "username": "alice", "email": "alice@example.com" },
//!                  { "id": 2100004, "title": "Kids", "home": true, "restricted": true } ],
//!   "friends":   [ 2100001, 2100004 ],
//!   "shares":    [ { "id": 41000001, "userId": 2100001, "sectionIds": [118181361],
//!                    "invitedAt": 1700000000, "acceptedAt": 1700003600 } ],
//!   "foreignShares": [ { "id": 42000001, "userId": 2100003, "machineIdentifier": "ffff…",
//!                        "name": "CabinServer", "numLibraries": 2 } ],
//!   "extraTokens": [ "another-owner-token" ],
//!   "plays":     [ { "accountId": 2100001, "librarySectionId": 1, "viewedAt": 1700000000 } ],
//!   "sessions":  [ { "accountId": 2100001, "ratingKey": 10002, "state": "paused" } ]
//! }
//! ```
//!
//! * `libraries[].type` is `movie`, `show`, `artist` or `photo`; `key` is the PMS key (small int),
//!   `plexId` the plex.tv section id (must differ from every key, e.g. ≥ 100000). Optional:
//!   `uuid`, `agent`, `scanner`, `language`, `locations`, `createdAt`, `updatedAt`, `onPlextv`
//!   (default `true`; `false` hides it from plex.tv until published, to simulate drift).
//! * `accounts[]` optional: `uuid`, `username`, `email`, `title` (defaults to username, then
//!   email), `thumb`, `home`, `restricted`, `protected`. Managed users have no username/email.
//! * `shares[]` optional: `allLibraries` (default false), `sectionIds` (plex ids), `settings`
//!   (`allowSync`, `allowCameraUpload`, `allowChannels` booleans; `filterMovies`,
//!   `filterTelevision`, `filterMusic`, `filterPhotos`, `filterAll` strings), `invitedAt`,
//!   `acceptedAt` (`null` = pending invite), `accessToken`.
//! * `foreignShares[]`: shares of the owner's *other* servers; they appear only as extra
//!   `<Server>` children in `/api/users/`.
//! * `extraTokens`: more tokens accepted as the owner's.
//! * `plays` (watch history) and `sessions` (playing now): see `activity.rs`. Left out, a seed
//!   has none; the built-in seed has some.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::activity::{Play, PlaySession, default_plays, default_sessions};

/// The owner's plex.tv account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub title: String,
    pub token: String,
    #[serde(default = "yes")]
    pub plex_pass: bool,
}

/// The simulated Plex Media Server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    pub machine_identifier: String,
    pub friendly_name: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// plex.tv's internal id for the server (`Server@serverId` in `/api/users/`).
    pub plex_server_id: u64,
}

/// A library section on the PMS.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Library {
    /// PMS key (small int, never reused).
    pub key: u64,
    /// plex.tv section id (disjoint from every PMS key).
    pub plex_id: u64,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub agent: String,
    #[serde(default)]
    pub scanner: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
    /// Whether plex.tv knows the library yet (drift simulation).
    #[serde(default = "yes")]
    pub on_plextv: bool,
    /// Whether the PMS still has it (`false` = deleted on the PMS, plex.tv not caught up yet).
    #[serde(default = "yes")]
    pub on_pms: bool,
    /// Scheduled plex.tv catch-up: at this epoch-ms time `on_plextv` becomes `on_pms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plextv_sync_at_ms: Option<i64>,
}

/// A plex.tv account other than the owner (friend, managed user, invitee placeholder).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub thumb: String,
    #[serde(default)]
    pub home: bool,
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub protected: bool,
}

/// Per-share settings (`sharing_settings`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct ShareSettings {
    pub allow_sync: bool,
    pub allow_camera_upload: bool,
    pub allow_channels: bool,
    pub filter_movies: String,
    pub filter_television: String,
    pub filter_music: String,
    pub filter_photos: String,
    pub filter_all: String,
}

/// A share of this server with one user (at most one per user).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    pub id: u64,
    pub user_id: u64,
    #[serde(default)]
    pub all_libraries: bool,
    /// plex.tv section ids.
    #[serde(default)]
    pub section_ids: BTreeSet<u64>,
    #[serde(default)]
    pub settings: ShareSettings,
    #[serde(default)]
    pub invited_at: i64,
    /// `None` while the invite is pending.
    #[serde(default)]
    pub accepted_at: Option<i64>,
    #[serde(default)]
    pub access_token: String,
    /// When the invited account was deleted on plex.tv (only in `State::deleted_shares`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
}

/// A share of one of the owner's *other* servers (shown in `/api/users/` only).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ForeignShare {
    pub id: u64,
    pub user_id: u64,
    pub machine_identifier: String,
    pub name: String,
    #[serde(default)]
    pub num_libraries: u64,
    #[serde(default)]
    pub all_libraries: bool,
    #[serde(default)]
    pub pending: bool,
}

/// The seed: everything the simulator starts from (and returns to on reset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Seed {
    pub owner: Owner,
    pub server: Server,
    pub libraries: Vec<Library>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub friends: BTreeSet<u64>,
    #[serde(default)]
    pub shares: Vec<Share>,
    #[serde(default)]
    pub foreign_shares: Vec<ForeignShare>,
    #[serde(default)]
    pub extra_tokens: Vec<String>,
    /// Watch history (`/status/sessions/history/all`).
    #[serde(default)]
    pub plays: Vec<Play>,
    /// Playing now (`/status/sessions`).
    #[serde(default)]
    pub sessions: Vec<PlaySession>,
}

/// Errors loading or validating a seed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("seed file {path} is not valid JSON: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("invalid seed: {0}")]
    Invalid(String),
}

fn yes() -> bool {
    true
}

fn default_version() -> String {
    "1.41.3.9314-a0bfb8370".to_owned()
}

/// Fixed epoch used by the default seed, so dumps are reproducible.
pub const SEED_EPOCH: i64 = 1_700_000_000;
/// The default owner token.
pub const DEFAULT_OWNER_TOKEN: &str = "plex-sim-owner-token";
/// The default server's machine identifier.
pub const DEFAULT_MACHINE_ID: &str = "5f3c1a9e2b7d4c6e8a0b1c2d3e4f5a6b7c8d9e0f";

fn lib(key: u64, plex_id: u64, title: &str, kind: &str) -> Library {
    Library {
        key,
        plex_id,
        title: title.to_owned(),
        kind: kind.to_owned(),
        uuid: String::new(),
        agent: String::new(),
        scanner: String::new(),
        language: String::new(),
        locations: Vec::new(),
        created_at: 0,
        updated_at: 0,
        on_plextv: true,
        on_pms: true,
        plextv_sync_at_ms: None,
    }
}

fn account(id: u64, username: &str, email: &str, title: &str) -> Account {
    Account {
        id,
        uuid: String::new(),
        username: username.to_owned(),
        email: email.to_owned(),
        title: title.to_owned(),
        thumb: String::new(),
        home: false,
        restricted: false,
        protected: false,
    }
}

fn share(id: u64, user_id: u64, sections: &[u64], accepted: bool) -> Share {
    Share {
        id,
        user_id,
        all_libraries: false,
        section_ids: sections.iter().copied().collect(),
        settings: ShareSettings::default(),
        invited_at: SEED_EPOCH - 86_400,
        accepted_at: accepted.then_some(SEED_EPOCH - 3_600),
        access_token: String::new(),
        deleted_at: None,
    }
}

/// plex.tv ids of the default seed's libraries.
pub mod ids {
    pub const MOVIES: u64 = 118_181_361;
    pub const TV: u64 = 118_251_661;
    pub const DEFAULT: u64 = 118_278_994;
    pub const MUSIC: u64 = 118_300_417;
    pub const PHOTOS: u64 = 118_312_358;
}

impl Default for Seed {
    /// The built-in seed: 5 libraries (one titled `Default`) and 8 friends covering every case:
    ///
    /// | id | who | share on this server |
    /// |---|---|---|
    /// | 2100001 | alice | accepted, Movies + Default |
    /// | 2100002 | bob | pending invite, TV Shows |
    /// | 2100003 | carol | none here (shared on another server, "CabinServer") |
    /// | 2100004 | Kids (managed, no username/email) | accepted, Default |
    /// | 2100005 | dave | accepted, allLibraries |
    /// | 2100006 | erin | accepted, TV Shows + Music + Default, allowSync |
    /// | 2100007 | frank | none at all |
    /// | 2100008 | pending@example.com (invitee placeholder) | pending, Default |
    ///
    /// Plus a watch history over the last 90 days (the owner, alice, dave and erin, who stopped
    /// watching 75 days ago; nobody else) and two sessions playing now (alice on the LAN, dave
    /// paused from outside): see `activity.rs` and the README.
    fn default() -> Self {
        use ids::*;
        let mut kids = account(2_100_004, "", "", "Kids");
        kids.home = true;
        kids.restricted = true;
        let mut erin_share = share(41_000_006, 2_100_006, &[TV, MUSIC, DEFAULT], true);
        erin_share.settings.allow_sync = true;
        let mut dave_share = share(41_000_005, 2_100_005, &[], true);
        dave_share.all_libraries = true;
        Seed {
            owner: Owner {
                id: 2_000_001,
                uuid: String::new(),
                username: "plexward-owner".to_owned(),
                email: "owner@example.com".to_owned(),
                title: "plexward-owner".to_owned(),
                token: DEFAULT_OWNER_TOKEN.to_owned(),
                plex_pass: true,
            },
            server: Server {
                machine_identifier: DEFAULT_MACHINE_ID.to_owned(),
                friendly_name: "SimServer".to_owned(),
                version: default_version(),
                plex_server_id: 7_771_234,
            },
            libraries: vec![
                lib(1, MOVIES, "Movies", "movie"),
                lib(2, TV, "TV Shows", "show"),
                lib(3, DEFAULT, "Default", "movie"),
                lib(4, MUSIC, "Music", "artist"),
                lib(5, PHOTOS, "Photos", "photo"),
            ],
            accounts: vec![
                account(2_100_001, "alice", "alice@example.com", ""),
                account(2_100_002, "bob", "bob@example.com", ""),
                account(2_100_003, "carol", "carol@example.com", ""),
                kids,
                account(2_100_005, "dave", "dave@example.com", ""),
                account(2_100_006, "erin", "erin@example.com", ""),
                account(2_100_007, "frank", "frank@example.com", ""),
                account(2_100_008, "", "pending@example.com", ""),
            ],
            friends: (2_100_001..=2_100_008).collect(),
            shares: vec![
                share(41_000_001, 2_100_001, &[MOVIES, DEFAULT], true),
                share(41_000_002, 2_100_002, &[TV], false),
                share(41_000_004, 2_100_004, &[DEFAULT], true),
                dave_share,
                erin_share,
                share(41_000_008, 2_100_008, &[DEFAULT], false),
            ],
            foreign_shares: vec![ForeignShare {
                id: 42_000_001,
                user_id: 2_100_003,
                machine_identifier: "c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff".to_owned(),
                name: "CabinServer".to_owned(),
                num_libraries: 2,
                all_libraries: false,
                pending: false,
            }],
            extra_tokens: Vec::new(),
            plays: default_plays(),
            sessions: default_sessions(),
        }
    }
}

impl Seed {
    /// Reads a JSON seed file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, SeedError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: name.clone(),
            source,
        })?;
        let seed: Seed = serde_json::from_str(&text)
            .map_err(|source| SeedError::Parse { path: name, source })?;
        seed.validate()?;
        Ok(seed)
    }

    /// Replaces the friends with `n` generated ones (for load tests), keeping owner, server and
    /// libraries. Friend `i` cycles through: accepted share with some libraries, pending invite,
    /// no share, managed user with a share, all-libraries share.
    #[must_use]
    pub fn with_generated_friends(mut self, n: usize) -> Self {
        self.accounts.clear();
        self.friends.clear();
        self.shares.clear();
        self.foreign_shares.clear();
        self.plays
            .retain(|p| p.account_id == 1 || p.account_id == self.owner.id);
        self.sessions.clear();
        let plex_ids: Vec<u64> = self.libraries.iter().map(|l| l.plex_id).collect();
        for i in 0..n {
            let idx = i as u64;
            let id = 3_000_000 + idx;
            let share_id = 50_000_000 + idx;
            let mut acc = account(
                id,
                &format!("user{i:05}"),
                &format!("user{i:05}@example.com"),
                "",
            );
            let subset: Vec<u64> = plex_ids
                .iter()
                .enumerate()
                .filter(|(j, _)| (i + j) % 2 == 0)
                .map(|(_, p)| *p)
                .collect();
            match i % 5 {
                0 => self.shares.push(share(share_id, id, &subset, true)),
                1 => self.shares.push(share(share_id, id, &subset, false)),
                2 => {}
                3 => {
                    acc.username.clear();
                    acc.email.clear();
                    acc.title = format!("Managed {i:05}");
                    acc.home = true;
                    acc.restricted = true;
                    self.shares.push(share(share_id, id, &subset, true));
                }
                _ => {
                    let mut s = share(share_id, id, &[], true);
                    s.all_libraries = true;
                    self.shares.push(s);
                }
            }
            // Every other friend with an accepted share watches a little.
            if i % 10 == 0 || i % 10 == 4 {
                let day = 86_400 * (1 + idx % 60);
                let watched = self
                    .libraries
                    .iter()
                    .filter(|l| l.kind != "photo" && (i % 5 == 4 || subset.contains(&l.plex_id)))
                    .take(2);
                let plays: Vec<Play> = watched
                    .zip(0u64..)
                    .map(|(l, n)| Play::new(id, l.key, 0).ago(day + 3_600 * n))
                    .collect();
                self.plays.extend(plays);
            }
            self.accounts.push(acc);
            self.friends.insert(id);
        }
        self
    }

    /// Checks ids are consistent (keys disjoint from plex ids, references resolve).
    pub fn validate(&self) -> Result<(), SeedError> {
        let keys: BTreeSet<u64> = self.libraries.iter().map(|l| l.key).collect();
        let plex: BTreeSet<u64> = self.libraries.iter().map(|l| l.plex_id).collect();
        if keys.len() != self.libraries.len() || plex.len() != self.libraries.len() {
            return Err(SeedError::Invalid("duplicate library key or plexId".into()));
        }
        if let Some(k) = keys.intersection(&plex).next() {
            return Err(SeedError::Invalid(format!(
                "plexId {k} equals a PMS key: plex.tv ids must be disjoint from keys"
            )));
        }
        let accounts: BTreeSet<u64> = self.accounts.iter().map(|a| a.id).collect();
        if accounts.len() != self.accounts.len() {
            return Err(SeedError::Invalid("duplicate account id".into()));
        }
        if let Some(f) = self.friends.iter().find(|f| !accounts.contains(f)) {
            return Err(SeedError::Invalid(format!("friend {f} has no account")));
        }
        let mut users = BTreeSet::new();
        let mut share_ids = BTreeSet::new();
        for s in &self.shares {
            if !accounts.contains(&s.user_id) {
                return Err(SeedError::Invalid(format!(
                    "share {} has unknown user",
                    s.id
                )));
            }
            if !users.insert(s.user_id) {
                return Err(SeedError::Invalid(format!(
                    "user {} has two shares on this server",
                    s.user_id
                )));
            }
            if !share_ids.insert(s.id) {
                return Err(SeedError::Invalid(format!("duplicate share id {}", s.id)));
            }
            if let Some(bad) = s.section_ids.iter().find(|p| !plex.contains(p)) {
                return Err(SeedError::Invalid(format!(
                    "share {} names unknown plexId {bad}",
                    s.id
                )));
            }
        }
        let mut st = State::from_seed(
            &Seed {
                plays: Vec::new(),
                sessions: Vec::new(),
                ..self.clone()
            },
            &Behaviour::default(),
        );
        st.add_plays(self.plays.clone())?;
        st.add_sessions(self.sessions.clone())?;
        Ok(())
    }
}

/// About how many people plex.tv lets one server be shared with (spec: "widely reported").
pub const DEFAULT_FRIEND_LIMIT: usize = 100;

/// Behaviour switches for the open questions of the spec (§8).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", default)]
pub struct Behaviour {
    /// What `PUT …/shared_servers/{id}` does with an empty `library_section_ids`.
    pub empty_list_on_put: EmptyListOnPut,
    /// Make `PUT /api/v2/sharings/{id}` answer 404 (as reported in the wild).
    pub sharings_put_404: bool,
    /// Plex's friend limit: creating a share is refused once this many non-Home users have one
    /// (`null` = no limit). Seeds may hold more; only new shares are refused.
    pub friend_limit: Option<usize>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            empty_list_on_put: EmptyListOnPut::All,
            sharings_put_404: false,
            friend_limit: Some(DEFAULT_FRIEND_LIMIT),
        }
    }
}

/// See [`Behaviour::empty_list_on_put`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum EmptyListOnPut {
    /// Empty list = share all libraries (`allLibraries=1`).
    #[default]
    All,
    /// Empty list = 400.
    Reject400,
}

/// The live state. Its JSON (`GET /__sim/state`) is a superset of the seed format.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub owner: Owner,
    pub server: Server,
    pub libraries: Vec<Library>,
    pub accounts: Vec<Account>,
    pub friends: BTreeSet<u64>,
    pub shares: Vec<Share>,
    pub foreign_shares: Vec<ForeignShare>,
    pub extra_tokens: Vec<String>,
    /// Tokens accepted as the owner's (owner token + extra tokens, minus revoked).
    pub valid_tokens: BTreeSet<String>,
    /// Tokens that get 422 "Invalid token" on plex.tv (and 401 on the PMS).
    pub deauthorized_tokens: BTreeSet<String>,
    pub next_library_key: u64,
    pub next_plex_id: u64,
    pub next_share_id: u64,
    pub next_account_id: u64,
    /// Sign-in PINs (spec §2.6), newest last.
    #[serde(default)]
    pub pins: Vec<crate::pins::Pin>,
    #[serde(default)]
    pub next_pin_id: u64,
    /// Shares of accounts deleted on plex.tv: gone from v1 and from every write, still listed
    /// by v2 with `deletedAt` set (`POST /__sim/accounts/{id}/delete`).
    #[serde(default)]
    pub deleted_shares: Vec<Share>,
    /// Watch history, in no particular order (`id` is the history id).
    #[serde(default)]
    pub plays: Vec<Play>,
    /// Playing now.
    #[serde(default)]
    pub sessions: Vec<PlaySession>,
    #[serde(default)]
    pub next_history_id: u64,
    #[serde(default)]
    pub next_session_key: u64,
    pub behaviour: Behaviour,
}

impl State {
    /// Builds the live state from a seed, filling derived defaults.
    pub fn from_seed(seed: &Seed, behaviour: &Behaviour) -> Self {
        let mut s = seed.clone();
        if s.owner.uuid.is_empty() {
            s.owner.uuid = format!("{:016x}", s.owner.id.wrapping_mul(0x9e37_79b9));
        }
        if s.owner.title.is_empty() {
            s.owner.title.clone_from(&s.owner.username);
        }
        for l in &mut s.libraries {
            fill_library(l);
        }
        for a in &mut s.accounts {
            fill_account(a);
        }
        for sh in &mut s.shares {
            if sh.access_token.is_empty() {
                sh.access_token = access_token(sh.id);
            }
            if sh.all_libraries {
                sh.section_ids.clear();
            }
        }
        let mut valid: BTreeSet<String> = s.extra_tokens.iter().cloned().collect();
        valid.insert(s.owner.token.clone());
        let next_library_key = s.libraries.iter().map(|l| l.key).max().unwrap_or(0) + 1;
        let next_plex_id = s
            .libraries
            .iter()
            .map(|l| l.plex_id)
            .max()
            .unwrap_or(118_000_000)
            .max(118_000_000)
            + 10_007;
        let next_share_id = s
            .shares
            .iter()
            .map(|x| x.id)
            .chain(s.foreign_shares.iter().map(|x| x.id))
            .max()
            .unwrap_or(41_000_000)
            + 1;
        let next_account_id = s
            .accounts
            .iter()
            .map(|a| a.id)
            .chain(std::iter::once(s.owner.id))
            .max()
            .unwrap_or(2_100_000)
            + 1;
        let mut state = State {
            owner: s.owner,
            server: s.server,
            libraries: s.libraries,
            accounts: s.accounts,
            friends: s.friends,
            shares: s.shares,
            foreign_shares: s.foreign_shares,
            extra_tokens: s.extra_tokens,
            valid_tokens: valid,
            deauthorized_tokens: BTreeSet::new(),
            next_library_key,
            next_plex_id,
            next_share_id,
            next_account_id,
            pins: Vec::new(),
            next_pin_id: 7_300_000,
            deleted_shares: Vec::new(),
            plays: Vec::new(),
            sessions: Vec::new(),
            next_history_id: 1,
            next_session_key: 1,
            behaviour: behaviour.clone(),
        };
        // A seed that fails here was refused by `Seed::validate` already.
        let _ = state.add_plays(s.plays);
        let _ = state.add_sessions(s.sessions);
        state
    }

    /// Deletes account `id` on plex.tv, as its person would: no longer a friend, its shares
    /// kept only as v2's `deletedAt` records. False when there is no such account.
    pub fn delete_account(&mut self, id: u64) -> bool {
        if self.account(id).is_none() {
            return false;
        }
        self.friends.remove(&id);
        self.foreign_shares.retain(|x| x.user_id != id);
        let deleted_at = now();
        let (gone, kept): (Vec<Share>, Vec<Share>) = std::mem::take(&mut self.shares)
            .into_iter()
            .partition(|x| x.user_id == id);
        self.shares = kept;
        self.deleted_shares.extend(gone.into_iter().map(|x| Share {
            deleted_at: Some(deleted_at),
            ..x
        }));
        true
    }

    /// Libraries plex.tv knows about.
    pub fn plextv_libraries(&self) -> impl Iterator<Item = &Library> {
        self.libraries.iter().filter(|l| l.on_plextv)
    }

    /// Libraries the PMS has.
    pub fn pms_libraries(&self) -> impl Iterator<Item = &Library> {
        self.libraries.iter().filter(|l| l.on_pms)
    }

    /// Applies scheduled plex.tv catch-ups that are due (called before every request).
    pub fn tick(&mut self) {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let mut gone = Vec::new();
        for l in &mut self.libraries {
            if l.plextv_sync_at_ms.is_some_and(|t| now_ms >= t) {
                l.plextv_sync_at_ms = None;
                l.on_plextv = l.on_pms;
                if !l.on_pms {
                    gone.push(l.key);
                }
            }
        }
        for key in gone {
            self.remove_library(key);
        }
    }

    pub fn account(&self, id: u64) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn share(&self, id: u64) -> Option<&Share> {
        self.shares.iter().find(|s| s.id == id)
    }

    pub fn share_of_user(&self, user_id: u64) -> Option<&Share> {
        self.shares.iter().find(|s| s.user_id == user_id)
    }

    /// Number of libraries a share grants.
    pub fn num_libraries(&self, share: &Share) -> usize {
        if share.all_libraries {
            self.plextv_libraries().count()
        } else {
            self.plextv_libraries()
                .filter(|l| share.section_ids.contains(&l.plex_id))
                .count()
        }
    }

    /// Adds a library (drift); returns a copy of it. With `plextv_delay`, plex.tv lists it only
    /// after that delay; with `on_plextv = false` and no delay, only once published.
    pub fn add_library(
        &mut self,
        title: &str,
        kind: &str,
        on_plextv: bool,
        plextv_delay: Option<std::time::Duration>,
    ) -> Library {
        let mut l = lib(self.next_library_key, self.next_plex_id, title, kind);
        self.next_library_key += 1;
        self.next_plex_id += 10_007;
        l.on_plextv = on_plextv && plextv_delay.is_none();
        l.plextv_sync_at_ms = plextv_delay.map(due_at);
        let now = now();
        l.created_at = now;
        l.updated_at = now;
        fill_library(&mut l);
        self.libraries.push(l.clone());
        l
    }

    /// Deletes a library on the PMS; plex.tv forgets it only after `plextv_delay`.
    pub fn remove_library_later(&mut self, key: u64, plextv_delay: std::time::Duration) -> bool {
        match self.libraries.iter_mut().find(|l| l.key == key) {
            Some(l) => {
                l.on_pms = false;
                l.plextv_sync_at_ms = Some(due_at(plextv_delay));
                true
            }
            None => false,
        }
    }

    /// Removes a library by PMS key everywhere at once, also from every share. Returns whether
    /// it existed.
    pub fn remove_library(&mut self, key: u64) -> bool {
        let Some(pos) = self.libraries.iter().position(|l| l.key == key) else {
            return false;
        };
        let removed = self.libraries.remove(pos);
        for s in &mut self.shares {
            s.section_ids.remove(&removed.plex_id);
        }
        true
    }
}

fn due_at(delay: std::time::Duration) -> i64 {
    chrono::Utc::now().timestamp_millis() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Current Unix time in seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn access_token(share_id: u64) -> String {
    format!("sim-share-token-{share_id:x}")
}

fn fill_library(l: &mut Library) {
    let (agent, scanner) = match l.kind.as_str() {
        "show" => ("tv.plex.agents.series", "Plex TV Series"),
        "artist" => ("tv.plex.agents.music", "Plex Music"),
        "photo" => ("com.plexapp.agents.none", "Plex Photo Scanner"),
        _ => ("tv.plex.agents.movie", "Plex Movie"),
    };
    if l.agent.is_empty() {
        agent.clone_into(&mut l.agent);
    }
    if l.scanner.is_empty() {
        scanner.clone_into(&mut l.scanner);
    }
    if l.language.is_empty() {
        "en-US".clone_into(&mut l.language);
    }
    if l.uuid.is_empty() {
        l.uuid = format!(
            "{:08x}-5151-4000-8000-{:012x}",
            l.key,
            l.plex_id & 0xffff_ffff_ffff
        );
    }
    if l.locations.is_empty() {
        let slug: String = l
            .title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        l.locations.push(format!("/data/{slug}"));
    }
    if l.created_at == 0 {
        l.created_at = SEED_EPOCH - 10_000_000;
    }
    if l.updated_at == 0 {
        l.updated_at = SEED_EPOCH;
    }
}

pub(crate) fn fill_account(a: &mut Account) {
    if a.uuid.is_empty() {
        a.uuid = format!("{:016x}", a.id.wrapping_mul(0x9e37_79b9_7f4a));
    }
    if a.title.is_empty() {
        a.title = if a.username.is_empty() {
            a.email.clone()
        } else {
            a.username.clone()
        };
    }
    if a.thumb.is_empty() {
        a.thumb = format!("https://plex.tv/users/{}/avatar?c={SEED_EPOCH}", a.uuid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_seed_is_valid() {
        Seed::default().validate().expect("default seed valid");
    }

    #[test]
    fn generated_seed_is_valid() {
        let s = Seed::default().with_generated_friends(1000);
        s.validate().expect("generated seed valid");
        assert_eq!(s.friends.len(), 1000);
    }

    #[test]
    fn seed_roundtrips_through_state_json() {
        let st = State::from_seed(&Seed::default(), &Behaviour::default());
        let json = serde_json::to_string(&st).expect("serialise");
        let back: Seed = serde_json::from_str(&json).expect("state json is a seed");
        back.validate().expect("valid");
    }
}
