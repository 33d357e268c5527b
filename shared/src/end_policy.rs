//! What happens when a friend's access ends (`end_policy`): a default in *Settings → Plex*, an
//! override per friend (`PUT /api/v1/plex-users/{id}/end-policy`) and per plan.

use serde::{Deserialize, Serialize};

/// What Plexward does with a friend on Plex once no window gives them a library any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndPolicy {
    /// Keep them as a friend: with an anchor library they keep only that one; without one, this
    /// server's share ends but the friendship stays.
    #[default]
    KeepFriend,
    /// End this server's share once the last window has ended and none is to come (the plex.tv
    /// friendship stays); even the anchor library goes.
    RemoveShare,
    /// Remove them from the owner's Plex friends entirely (`DELETE /api/v2/sharings/{user}`)
    /// once their last window has ended and none is still to come. Granting again sends a new
    /// invite, which they must accept.
    RemoveFriend,
}

impl EndPolicy {
    pub const ALL: [EndPolicy; 3] = [
        EndPolicy::KeepFriend,
        EndPolicy::RemoveShare,
        EndPolicy::RemoveFriend,
    ];

    /// The wire name (`keep_friend`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EndPolicy::KeepFriend => "keep_friend",
            EndPolicy::RemoveShare => "remove_share",
            EndPolicy::RemoveFriend => "remove_friend",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// A short label for pickers.
    pub fn label(self) -> &'static str {
        match self {
            EndPolicy::KeepFriend => "Keep the friend",
            EndPolicy::RemoveShare => "Remove this server's share",
            EndPolicy::RemoveFriend => "Remove the friend from Plex",
        }
    }

    /// What happens, in words, for a friend named `who` (`anchor`: the anchor library's title,
    /// when one is set). Shown before saving; the API returns the same sentence.
    pub fn words(self, who: &str, anchor: Option<&str>) -> String {
        match (self, anchor) {
            (EndPolicy::KeepFriend, Some(anchor)) => format!(
                "When {who}'s access ends, they stay your Plex friend and keep only {anchor}. \
                 Granting again gives the libraries back at once, with no new invite."
            ),
            (EndPolicy::KeepFriend, None) => format!(
                "When {who}'s access ends, this server's share ends but they stay your Plex \
                 friend. Granting again sends a new invite, which they must accept."
            ),
            (EndPolicy::RemoveShare, _) => format!(
                "When {who}'s last window has ended and none is still to come, this server's \
                 share ends (the anchor library too); they stay your Plex friend. Granting again sends a new invite, which they must \
                 accept."
            ),
            (EndPolicy::RemoveFriend, _) => format!(
                "When {who}'s last window has ended and none is still to come, they are removed \
                 from your Plex friends. Granting again sends a new invite, which they must \
                 accept."
            ),
        }
    }
}

/// Body of `PUT /api/v1/plex-users/{id}/end-policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetEndPolicyRequest {
    /// `null`: follow the default in *Settings → Plex*.
    pub end_policy: Option<EndPolicy>,
    /// `true`: answer with what would happen, saving nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// A friend's end policy as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EndPolicyView {
    /// The friend's own choice (`None`: the default applies).
    pub chosen: Option<EndPolicy>,
    /// The policy in effect: `chosen`, else the default.
    pub effective: EndPolicy,
    /// What happens at the end, in words.
    pub words: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in EndPolicy::ALL {
            assert_eq!(EndPolicy::parse(p.as_str()), Some(p));
            let json = serde_json::to_string(&p).expect("serialises");
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert_eq!(EndPolicy::parse("delete"), None);
    }

    #[test]
    fn words_say_whether_a_new_invite_is_needed() {
        assert!(
            EndPolicy::KeepFriend
                .words("Ann", Some("Trailers"))
                .contains("no new invite")
        );
        assert!(
            EndPolicy::KeepFriend
                .words("Ann", None)
                .contains("new invite")
        );
        assert!(
            EndPolicy::RemoveFriend
                .words("Ann", None)
                .contains("removed")
        );
    }
}
