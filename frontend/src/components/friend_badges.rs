//! A friend's status as small badges: Home, Pending invite, Failed — retrying at …, Drift,
//! Departed, Expiring, and their sharing (Downloads, Live TV, Camera upload, Restricted).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use plexward_shared::{ApplyState, PlexUserResponse, SharingBadge, expires_soon};

use crate::time_zone::Zone;

/// The badges of `friend` at `now`: (CSS class, text, hover text). Pure, apart from the retry
/// time, which `retry_text` formats.
pub fn badges(
    friend: &PlexUserResponse,
    now: DateTime<Utc>,
    retry_text: &dyn Fn(&DateTime<Utc>) -> String,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if friend.home {
        out.push(("pill role", "Home".to_owned()));
    }
    if friend.pending {
        out.push(("pill warn", "Pending invite".to_owned()));
    }
    if friend.apply.state == ApplyState::Failed {
        let text = friend.apply.next_retry_at.as_ref().map_or_else(
            || "Failed".to_owned(),
            |at| format!("Failed — retrying at {}", retry_text(at)),
        );
        out.push(("pill bad", text));
    }
    if friend.drift {
        out.push(("pill warn", "Drift".to_owned()));
    }
    if friend.departed {
        out.push(("pill bad", "Departed".to_owned()));
    }
    if let Some(expires) = friend.expires_at
        && expires_soon(expires.timestamp_millis(), now.timestamp_millis())
    {
        out.push(("pill warn", "Expiring".to_owned()));
    }
    for badge in &friend.sharing_badges {
        let text = match badge {
            SharingBadge::Downloads => "Downloads",
            SharingBadge::LiveTv => "Live TV",
            SharingBadge::CameraUpload => "Camera upload",
            SharingBadge::Restricted => "Restricted",
        };
        out.push(("pill role", text.to_owned()));
    }
    out
}

#[component]
pub fn FriendBadges(friend: PlexUserResponse, zone: Zone, now: DateTime<Utc>) -> impl IntoView {
    badges(&friend, now, &|at| zone.format(at))
        .into_iter()
        .map(|(class, text)| view! { <span class=class>{text}</span> })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::badges;
    use chrono::{DateTime, Duration, Utc};
    use plexward_shared::{ApplyState, ApplyStatus, PlexUserResponse};

    fn friend() -> PlexUserResponse {
        PlexUserResponse {
            id: 1,
            plex_account_id: 1,
            plex_user_id: 1,
            title: "alice".into(),
            username: Some("alice".into()),
            email: None,
            home: false,
            shared: true,
            pending: false,
            actual_library_ids: vec![],
            departed: false,
            thumb: None,
            granted_library_ids: vec![],
            next_change: None,
            expires_at: None,
            drift: false,
            apply: ApplyStatus {
                state: ApplyState::Applied,
                error: None,
                attempts: 0,
                next_retry_at: None,
                applied_at: None,
            },
            sharing_badges: vec![],
            removed_from_plex_at: None,
            last_watched_at: None,
        }
    }

    fn texts(f: &PlexUserResponse, now: DateTime<Utc>) -> Vec<String> {
        badges(f, now, &|_| "later".into())
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn each_state_has_its_badge() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 12, 0, 0).unwrap();
        assert!(texts(&friend(), now).is_empty());
        let mut f = friend();
        f.home = true;
        f.pending = true;
        f.drift = true;
        f.departed = true;
        f.apply.state = ApplyState::Failed;
        f.apply.next_retry_at = Some(now);
        f.expires_at = Some(now + Duration::days(2));
        assert_eq!(
            texts(&f, now),
            [
                "Home",
                "Pending invite",
                "Failed — retrying at later",
                "Drift",
                "Departed",
                "Expiring"
            ]
        );
        f.expires_at = Some(now + Duration::days(30));
        assert!(!texts(&f, now).contains(&"Expiring".to_owned()));
        f.sharing_badges = vec![
            plexward_shared::SharingBadge::Downloads,
            plexward_shared::SharingBadge::Restricted,
        ];
        let t = texts(&f, now);
        assert!(
            t.ends_with(&["Downloads".to_owned(), "Restricted".to_owned()]),
            "{t:?}"
        );
    }
}
