//! Watch activity on the simulated PMS: the watch history (plays) and what is playing now
//! (sessions), their seed format, and how a partial description is completed from the catalog.
//!
//! # Seed format (JSON, inside the seed's `plays` and `sessions`)
//!
//! ```json
//! "plays": [
//!   { "accountId": 2100001, "librarySectionId": 1, "viewedAt": 1700000000 },
//!   { "accountId": 1, "ratingKey": 21101, "viewedAgo": 86400, "deviceId": 3 }
//! ],
//! "sessions": [
//!   { "accountId": 2100005, "librarySectionId": 2, "state": "paused", "location": "wan" }
//! ]
//! ```
//!
//! * `accountId`: the viewer's plex.tv account id; `1` (or the owner's plex.tv id) is the owner,
//!   shown as `accountID="1"` as PMS does. It must be the owner or a known account.
//! * The item: `ratingKey` of a catalog item (see `catalog.rs`), or `librarySectionId` alone (an
//!   item of that library is picked), or a whole item (`type` and `title` given, plus `ratingKey`
//!   and `librarySectionId`; optional `grandparentTitle`, `parentTitle`, `index`, …).
//! * Plays: `viewedAt` (Unix seconds) or `viewedAgo` (seconds before the simulator started or was
//!   reset); optional `id` (the history id; assigned in `viewedAt` order when 0) and `deviceId`.
//! * Sessions: optional `sessionKey`, `state` (`playing`, `paused`, `buffering`), `viewOffset`
//!   (ms; default a third of the duration), `location` (`lan` or `wan`), `bandwidth` (kbps),
//!   `sessionId`, `player` (`address`, `device`, `machineIdentifier`, `platform`,
//!   `platformVersion`, `product`, `title`, `version`); the rest is filled in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::catalog::{self, MediaItem, is_zero};
use crate::model::{Library, SeedError, State, now};

/// One entry of the PMS watch history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Play {
    /// History id: `historyKey` is `/status/sessions/history/{id}` (0 = assign one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub id: u64,
    /// PMS account id of the viewer: the plex.tv account id, `1` for the owner.
    pub account_id: u64,
    /// When it was watched (Unix seconds).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub viewed_at: i64,
    /// Seed only: watched this many seconds before the simulator started (sets `viewed_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewed_ago: Option<u64>,
    /// PMS device id (0 = one per account).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub device_id: u64,
    #[serde(flatten)]
    pub item: MediaItem,
}

impl Play {
    /// `account_id` watched an item of library `library_key` at `viewed_at` (Unix seconds).
    pub fn new(account_id: u64, library_key: u64, viewed_at: i64) -> Self {
        Self {
            account_id,
            viewed_at,
            item: MediaItem {
                library_section_id: library_key,
                ..MediaItem::default()
            },
            ..Self::default()
        }
    }

    /// Watched the catalog item `rating_key` (its library is the item's).
    #[must_use]
    pub fn with_rating_key(mut self, rating_key: u64) -> Self {
        self.item.rating_key = rating_key;
        self
    }

    #[must_use]
    pub fn with_device(mut self, device_id: u64) -> Self {
        self.device_id = device_id;
        self
    }

    /// Watched this many seconds before the simulator starts (seeds).
    #[must_use]
    pub fn ago(mut self, secs: u64) -> Self {
        self.viewed_ago = Some(secs);
        self
    }
}

/// The client a session plays on (`<Player>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Player {
    pub address: String,
    pub device: String,
    pub machine_identifier: String,
    pub platform: String,
    pub platform_version: String,
    pub product: String,
    pub title: String,
    pub version: String,
}

/// Something playing now (`/status/sessions`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PlaySession {
    /// `sessionKey` (0 = assign one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub session_key: u64,
    /// Viewer, as for [`Play::account_id`].
    pub account_id: u64,
    /// `playing`, `paused` or `buffering` (default `playing`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub state: String,
    /// Position in milliseconds (default a third of the duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_offset: Option<u64>,
    /// `lan` or `wan` (default `lan`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub location: String,
    /// Kbps reserved by the streaming brain (default by type).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bandwidth: u64,
    /// `<Session id>` (default derived from the session key).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub session_id: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub player: Player,
    /// When it started (Unix seconds; default now).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub started_at: i64,
    #[serde(flatten)]
    pub item: MediaItem,
}

impl PlaySession {
    /// `account_id` is playing an item of library `library_key`, on the LAN.
    pub fn new(account_id: u64, library_key: u64) -> Self {
        Self {
            account_id,
            item: MediaItem {
                library_section_id: library_key,
                ..MediaItem::default()
            },
            ..Self::default()
        }
    }

    #[must_use]
    pub fn with_rating_key(mut self, rating_key: u64) -> Self {
        self.item.rating_key = rating_key;
        self
    }

    #[must_use]
    pub fn paused(mut self) -> Self {
        "paused".clone_into(&mut self.state);
        self
    }

    /// Streams from outside the server's network.
    #[must_use]
    pub fn remote(mut self) -> Self {
        "wan".clone_into(&mut self.location);
        self
    }
}

/// Completes `item` from the catalog of `libs`; `pick` varies which item a bare library gets.
fn resolve(libs: &[Library], item: &mut MediaItem, pick: u64) -> Result<(), String> {
    if item.is_explicit() {
        if !matches!(item.kind.as_str(), "movie" | "episode" | "track") {
            return Err(format!(
                "type {:?} must be movie, episode or track",
                item.kind
            ));
        }
        if item.rating_key == 0 || item.library_section_id == 0 {
            return Err("a whole item needs ratingKey and librarySectionId".into());
        }
        return Ok(());
    }
    if item.rating_key != 0 {
        let found = catalog::find(libs, item.rating_key)
            .ok_or_else(|| format!("no item has ratingKey {}", item.rating_key))?;
        *item = found;
        return Ok(());
    }
    if item.library_section_id == 0 {
        return Err("give ratingKey, librarySectionId or a whole item".into());
    }
    let lib = libs
        .iter()
        .find(|l| l.key == item.library_section_id)
        .ok_or_else(|| format!("no library has key {}", item.library_section_id))?;
    let all = catalog::items(lib);
    if all.is_empty() {
        return Err(format!("library {} has nothing to play", lib.key));
    }
    let n = usize::try_from(pick % all.len() as u64).unwrap_or(0);
    *item = all[n].clone();
    Ok(())
}

/// The PMS account id for a plex.tv id: the owner is `1`.
fn pms_account(owner_id: u64, known: impl Fn(u64) -> bool, id: u64) -> Result<u64, String> {
    if id == 1 || id == owner_id {
        Ok(1)
    } else if known(id) {
        Ok(id)
    } else {
        Err(format!(
            "account {id} is neither the owner (1) nor a known account"
        ))
    }
}

/// Which catalog item a bare library gets: stable for the same seed entry.
fn pick(account_id: u64, salt: u64) -> u64 {
    account_id
        .wrapping_mul(0x9e37_79b9)
        .wrapping_add(salt.wrapping_mul(0x85eb_ca6b))
        >> 7
}

fn fill_play(s: &State, mut p: Play, now: i64) -> Result<Play, String> {
    p.account_id = pms_account(s.owner.id, |id| s.account(id).is_some(), p.account_id)?;
    let salt = p.viewed_ago.unwrap_or(p.viewed_at.unsigned_abs());
    if let Some(ago) = p.viewed_ago.take() {
        p.viewed_at = now - i64::try_from(ago).unwrap_or(i64::MAX / 2);
    }
    resolve(&s.libraries, &mut p.item, pick(p.account_id, salt))?;
    if p.device_id == 0 {
        p.device_id = 2 + p.account_id % 97;
    }
    Ok(p)
}

/// (product, device, platform, platform version, title, version) of the players sessions get.
const PLAYERS: [[&str; 6]; 4] = [
    [
        "Plex Web", "Windows", "Chrome", "131.0", "Chrome", "4.145.0",
    ],
    [
        "Plex for Android (TV)",
        "SHIELD Android TV",
        "Android",
        "11",
        "Living Room",
        "10.26.0",
    ],
    ["Plex for iOS", "iPhone", "iOS", "18.1", "iPhone", "8.42"],
    [
        "Plex for Roku",
        "Roku Ultra",
        "Roku",
        "14.0.4",
        "Bedroom",
        "8.6.1",
    ],
];

/// `len` lowercase letters and digits derived from `seed` (PMS session ids look like this).
fn token36(seed: u64, len: usize) -> String {
    const ABC: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed ^ 0x5851_f42d_4c95_7f2d;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ABC[usize::try_from(x % 36).unwrap_or(0)])
        })
        .collect()
}

fn fill_session(s: &State, mut x: PlaySession, key: u64, now: i64) -> Result<PlaySession, String> {
    x.account_id = pms_account(s.owner.id, |id| s.account(id).is_some(), x.account_id)?;
    resolve(&s.libraries, &mut x.item, pick(x.account_id, key))?;
    x.session_key = key;
    if x.state.is_empty() {
        "playing".clone_into(&mut x.state);
    }
    if !matches!(x.state.as_str(), "playing" | "paused" | "buffering") {
        return Err(format!(
            "state {:?} must be playing, paused or buffering",
            x.state
        ));
    }
    if x.location.is_empty() {
        "lan".clone_into(&mut x.location);
    }
    if !matches!(x.location.as_str(), "lan" | "wan") {
        return Err(format!("location {:?} must be lan or wan", x.location));
    }
    let offset = x.view_offset.unwrap_or(x.item.duration / 3);
    x.view_offset = Some(offset.min(x.item.duration));
    if x.bandwidth == 0 {
        x.bandwidth = match x.item.kind.as_str() {
            "track" => 1_411,
            "episode" => 6_174,
            _ => 10_386,
        };
    }
    if x.session_id.is_empty() {
        x.session_id = token36(key, 24);
    }
    let [product, device, platform, platform_version, title, version] =
        PLAYERS[usize::try_from(key % PLAYERS.len() as u64).unwrap_or(0)];
    let p = &mut x.player;
    for (field, value) in [
        (&mut p.product, product),
        (&mut p.device, device),
        (&mut p.platform, platform),
        (&mut p.platform_version, platform_version),
        (&mut p.title, title),
        (&mut p.version, version),
    ] {
        if field.is_empty() {
            value.clone_into(field);
        }
    }
    if p.machine_identifier.is_empty() {
        p.machine_identifier = token36(key.wrapping_mul(0x2545_f491), 24);
    }
    if p.address.is_empty() {
        p.address = if x.location == "wan" {
            format!("203.0.113.{}", 10 + key % 200)
        } else {
            format!("192.168.1.{}", 20 + key % 200)
        };
    }
    if x.started_at == 0 {
        x.started_at = now;
    }
    Ok(x)
}

impl State {
    /// Records plays (ids assigned in `viewedAt` order); the completed plays, or why one is
    /// invalid (then none is recorded).
    pub fn add_plays(&mut self, plays: Vec<Play>) -> Result<Vec<Play>, SeedError> {
        let now = now();
        let mut done = plays
            .into_iter()
            .map(|p| fill_play(self, p, now))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SeedError::Invalid(format!("play: {e}")))?;
        let mut taken: BTreeSet<u64> = self.plays.iter().map(|p| p.id).collect();
        for p in done.iter().filter(|p| p.id != 0) {
            if !taken.insert(p.id) {
                return Err(SeedError::Invalid(format!("duplicate play id {}", p.id)));
            }
        }
        let mut next = taken
            .last()
            .map_or(self.next_history_id, |m| self.next_history_id.max(m + 1));
        let mut fresh: Vec<&mut Play> = done.iter_mut().filter(|p| p.id == 0).collect();
        fresh.sort_by_key(|p| p.viewed_at);
        for p in fresh {
            p.id = next;
            next += 1;
        }
        self.next_history_id = next;
        self.plays.extend(done.iter().cloned());
        Ok(done)
    }

    /// Starts sessions (keys assigned); the completed sessions, or why one is invalid.
    pub fn add_sessions(
        &mut self,
        sessions: Vec<PlaySession>,
    ) -> Result<Vec<PlaySession>, SeedError> {
        let now = now();
        let mut next = self.next_session_key;
        let mut done = Vec::new();
        for x in sessions {
            let key = if x.session_key == 0 {
                next += 1;
                next - 1
            } else {
                x.session_key
            };
            if self
                .sessions
                .iter()
                .chain(&done)
                .any(|o: &PlaySession| o.session_key == key)
            {
                return Err(SeedError::Invalid(format!("duplicate sessionKey {key}")));
            }
            next = next.max(key + 1);
            done.push(
                fill_session(self, x, key, now)
                    .map_err(|e| SeedError::Invalid(format!("session: {e}")))?,
            );
        }
        self.next_session_key = next;
        self.sessions.extend(done.iter().cloned());
        Ok(done)
    }

    /// Ends session `key`; with `record`, it goes into the history as watched now (what PMS does
    /// once playback passes ~90 %). The recorded play, if any; `None` for an unknown session.
    pub fn end_session(&mut self, key: u64, record: bool) -> Option<Option<Play>> {
        let pos = self.sessions.iter().position(|x| x.session_key == key)?;
        let x = self.sessions.remove(pos);
        if !record {
            return Some(None);
        }
        let play = Play {
            account_id: x.account_id,
            viewed_at: now(),
            item: x.item,
            ..Play::default()
        };
        Some(self.add_plays(vec![play]).ok().and_then(|mut v| v.pop()))
    }
}

/// The built-in seed's history: a few plays per friend who watches, over the last 90 days.
///
/// | viewer | plays |
/// |---|---|
/// | owner (1) | 3, TV Shows |
/// | alice | 6, Movies + Default, the newest a day ago |
/// | dave (allLibraries) | 5, Movies, TV Shows and Music |
/// | erin | 2, long ago (75 and 88 days): she has stopped watching |
/// | Kids, bob (pending), carol, frank, pending@ | none |
pub fn default_plays() -> Vec<Play> {
    const DAY: u64 = 86_400;
    let (alice, dave, erin) = (2_100_001, 2_100_005, 2_100_006);
    let plays = [
        (1, 2, 2),
        (1, 2, 9),
        (1, 2, 40),
        (alice, 1, 1),
        (alice, 3, 4),
        (alice, 1, 12),
        (alice, 1, 27),
        (alice, 3, 51),
        (alice, 1, 83),
        (dave, 2, 3),
        (dave, 2, 3),
        (dave, 1, 16),
        (dave, 4, 33),
        (dave, 4, 61),
        (erin, 2, 75),
        (erin, 4, 88),
    ];
    plays
        .iter()
        .enumerate()
        .map(|(i, &(who, lib, days))| {
            let hours = (i as u64 * 5) % 14;
            Play::new(who, lib, 0).ago(days * DAY + hours * 3600 + 1_200)
        })
        .collect()
}

/// The built-in seed's sessions: alice watching a movie on the LAN, dave paused on an episode
/// from outside.
pub fn default_sessions() -> Vec<PlaySession> {
    vec![
        PlaySession::new(2_100_001, 1),
        PlaySession::new(2_100_005, 2).paused().remote(),
    ]
}
