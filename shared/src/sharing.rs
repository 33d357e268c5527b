//! A friend's sharing settings (`sharing` on the friend, `PUT /api/v1/plex-users/{id}/sharing`):
//! downloads, Live TV, camera upload, and content restrictions per kind of library.

use serde::{Deserialize, Serialize};

/// What a friend may do on this server besides watching their libraries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// Downloads for offline use (Plex's `allowSync`).
    #[serde(default)]
    pub allow_downloads: bool,
    /// Live TV and DVR channels (Plex's `allowChannels`).
    #[serde(default)]
    pub allow_live_tv: bool,
    /// Uploading photos from their phone (Plex's `allowCameraUpload`).
    #[serde(default)]
    pub allow_camera_upload: bool,
    /// Content restrictions (they need the owner's Plex Pass).
    #[serde(default)]
    pub restrictions: Restrictions,
}

/// Restrictions per kind of library.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    #[serde(default)]
    pub movies: Restriction,
    #[serde(default)]
    pub television: Restriction,
    #[serde(default)]
    pub music: Restriction,
}

impl Restrictions {
    pub fn is_empty(&self) -> bool {
        self.movies.is_empty() && self.television.is_empty() && self.music.is_empty()
    }
}

/// Content ratings (`PG-13`, `TV-Y`) and labels a friend may see (`allow_…`: only these) or not
/// (`deny_…`: never these).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Restriction {
    #[serde(default)]
    pub allow_ratings: Vec<String>,
    #[serde(default)]
    pub deny_ratings: Vec<String>,
    #[serde(default)]
    pub allow_labels: Vec<String>,
    #[serde(default)]
    pub deny_labels: Vec<String>,
}

impl Restriction {
    pub fn is_empty(&self) -> bool {
        self.allow_ratings.is_empty()
            && self.deny_ratings.is_empty()
            && self.allow_labels.is_empty()
            && self.deny_labels.is_empty()
    }
}

/// Body of `PUT /api/v1/plex-users/{id}/sharing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetSharingRequest {
    /// The settings Plexward makes Plex have; `null` stops managing them (Plex's own stay).
    pub sharing: Option<Sharing>,
    /// `true`: answer with the plan, saving and sending nothing. May also be given as the
    /// `dry_run` query parameter; when both are given they must agree (else 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// A short mark of a friend's sharing, for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SharingBadge {
    Downloads,
    LiveTv,
    CameraUpload,
    Restricted,
}

impl Sharing {
    /// Its badges, in a fixed order.
    pub fn badges(&self) -> Vec<SharingBadge> {
        [
            (self.allow_downloads, SharingBadge::Downloads),
            (self.allow_live_tv, SharingBadge::LiveTv),
            (self.allow_camera_upload, SharingBadge::CameraUpload),
            (!self.restrictions.is_empty(), SharingBadge::Restricted),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, badge)| badge)
        .collect()
    }
}
