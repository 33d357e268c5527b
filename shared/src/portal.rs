//! The friend portal (`/portal`, `/api/v1/portal…`): a friend of the server signs in with their
//! own Plex account (the PIN flow) and sees their own access. Its switch is an admin setting
//! (`/api/v1/settings/portal`), off by default.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{AccessRequest, Occurrence, Repeat, RequestableLibrary, Sharing};

/// `GET/PUT /api/v1/settings/portal`, and the public `GET /api/v1/portal`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortalSettings {
    /// Friends may sign in at `/portal` (default off).
    pub enabled: bool,
    /// Plexward's address as friends reach it (`https://plex.example.com/plexward`): friends'
    /// emails link to the portal there while it is on. Absent: no link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

impl PortalSettings {
    /// The portal's address for friends' emails, while the portal is on and an address is set.
    pub fn link(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .filter(|_| self.enabled)
            .map(|u| format!("{}/portal", u.trim_end_matches('/')))
    }
}

/// Answer of `POST /api/v1/portal/sign-in`: the Plex page the friend approves the PIN on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalSignInStarted {
    /// Poll `GET /api/v1/portal/sign-in/{id}` with it (random; not plex.tv's PIN id).
    pub id: String,
    /// The PIN's code, shown in case the friend opens Plex's page by hand.
    pub code: String,
    /// Plex's page (open it in a new tab or pop-up).
    pub auth_url: String,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub expires_at: DateTime<Utc>,
}

/// Where a portal sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PortalSignInState {
    /// Not approved on Plex's page yet: poll again in a second or two.
    Waiting,
    /// Approved by a friend of this server: the portal cookie is set.
    SignedIn,
    /// Approved by a Plex account that is not a friend of this server: nothing else is shown.
    NotAFriend,
    /// The PIN ran out (or was never ours): start again.
    Expired,
}

/// Answer of `GET /api/v1/portal/sign-in/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalSignInStatus {
    pub state: PortalSignInState,
}

/// One library of the friend's on this server, with when they have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalLibrary {
    pub id: i64,
    pub title: String,
    /// `movie`, `show`, `artist`, `photo`.
    pub kind: String,
    /// They have it now.
    pub active: bool,
    /// When it starts (none: from the start).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub starts_at: Option<DateTime<Utc>>,
    /// When it ends (none: no end).
    #[serde(default, with = "crate::time::rfc3339_ms_opt")]
    pub ends_at: Option<DateTime<Utc>>,
    /// A weekly window (in `time_zone`), when it repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    /// The next times a weekly window is open.
    #[serde(default)]
    pub next_occurrences: Vec<Occurrence>,
}

/// Answer of `GET /api/v1/portal/me`: a friend's own access, and nothing of anyone else's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalAccessResponse {
    /// Their Plex name.
    pub title: String,
    #[serde(default)]
    pub username: Option<String>,
    /// The server's name.
    pub server_name: String,
    /// The zone weekly windows follow (the server's planning zone), e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Their libraries: granted ones (now or later), in title order.
    pub libraries: Vec<PortalLibrary>,
    /// An invite to this server is waiting for them to accept it on Plex.
    pub pending_invite: bool,
    /// Their sharing settings in plain words ("Downloads are allowed.").
    pub restrictions: Vec<String>,
    /// The libraries they may ask for (this server's, less the ones they have).
    #[serde(default)]
    pub requestable: Vec<RequestableLibrary>,
    /// Their requests, newest first: open ones and the last decided ones (up to 20).
    #[serde(default)]
    pub requests: Vec<AccessRequest>,
}

/// A friend's sharing settings, a sentence each (the portal's "your restrictions").
pub fn sharing_sentences(sharing: Option<&Sharing>) -> Vec<String> {
    let Some(sharing) = sharing else {
        return vec!["No restrictions are set by this server.".to_owned()];
    };
    let yes_no = |on: bool, yes: &str, no: &str| if on { yes } else { no }.to_owned();
    let mut out = vec![
        yes_no(
            sharing.allow_downloads,
            "You may download media to watch offline.",
            "Downloads for offline viewing are off.",
        ),
        yes_no(
            sharing.allow_live_tv,
            "You may watch Live TV and DVR recordings.",
            "Live TV and DVR are not shared with you.",
        ),
        yes_no(
            sharing.allow_camera_upload,
            "You may upload photos from your phone.",
            "Uploading photos from your phone is off.",
        ),
    ];
    let kinds = [
        ("Movies", &sharing.restrictions.movies),
        ("TV shows", &sharing.restrictions.television),
        ("Music", &sharing.restrictions.music),
    ];
    for (kind, r) in kinds {
        let list = |v: &[String]| v.join(", ");
        if !r.allow_ratings.is_empty() {
            out.push(format!("{kind}: only ratings {}.", list(&r.allow_ratings)));
        }
        if !r.deny_ratings.is_empty() {
            out.push(format!("{kind}: never ratings {}.", list(&r.deny_ratings)));
        }
        if !r.allow_labels.is_empty() {
            out.push(format!(
                "{kind}: only titles labelled {}.",
                list(&r.allow_labels)
            ));
        }
        if !r.deny_labels.is_empty() {
            out.push(format!(
                "{kind}: never titles labelled {}.",
                list(&r.deny_labels)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sharing::{Restriction, Restrictions};

    #[test]
    fn sharing_reads_as_sentences() {
        assert_eq!(sharing_sentences(None).len(), 1);
        let sharing = Sharing {
            allow_downloads: true,
            restrictions: Restrictions {
                movies: Restriction {
                    allow_ratings: vec!["PG".into(), "PG-13".into()],
                    ..Restriction::default()
                },
                ..Restrictions::default()
            },
            ..Sharing::default()
        };
        let words = sharing_sentences(Some(&sharing));
        assert_eq!(words[0], "You may download media to watch offline.");
        assert_eq!(words[1], "Live TV and DVR are not shared with you.");
        assert!(words.contains(&"Movies: only ratings PG, PG-13.".to_owned()));
    }
}
