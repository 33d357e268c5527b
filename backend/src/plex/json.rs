//! The JSON bodies the client reads. The account: plex.tv `GET /api/v2/user` with
//! `Accept: application/json` (spec §2.3.1 recommends JSON for the token check). `authToken`
//! is in that body too; it is simply not a field here, so it is never kept. And the v2 sharing
//! routes' shares and sections (spec §2.5), whose `inviteToken` is likewise never read.

use serde::Deserialize;

use super::models::{
    Account, Friend, FriendServer, LibraryKind, PlexSection, PlexSectionId, PmsKey, SectionMap,
    Share, ShareId, ShareSection, UserId,
};
use super::sharing::SharingSettings;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserJson {
    id: u64,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    subscription: Option<SubscriptionJson>,
}

#[derive(Deserialize)]
struct SubscriptionJson {
    #[serde(default)]
    active: bool,
    #[serde(default)]
    status: Option<String>,
}

/// Parses the account; the error message names the problem, never the body.
pub fn account(body: &str) -> Result<Account, String> {
    let u: UserJson = serde_json::from_str(body).map_err(|e| format!("account JSON: {e}"))?;
    Ok(Account {
        id: UserId(u.id),
        uuid: u.uuid.unwrap_or_default(),
        username: u.username.unwrap_or_default(),
        email: u.email.unwrap_or_default(),
        title: u.title.unwrap_or_default(),
        plex_pass: u.subscription.as_ref().is_some_and(|s| s.active),
        subscription_status: u.subscription.and_then(|s| s.status),
    })
}

// ---- v2 sharing (spec §2.5): shares as JSON, with the invited user and their libraries ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareJson {
    id: u64,
    invited_id: Option<u64>,
    #[serde(default)]
    invited_email: Option<String>,
    #[serde(default)]
    machine_identifier: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    accepted: Option<bool>,
    #[serde(default)]
    accepted_at: Option<serde_json::Value>,
    #[serde(default)]
    invited_at: Option<serde_json::Value>,
    #[serde(default)]
    all_libraries: bool,
    #[serde(default)]
    invited: Option<InvitedJson>,
    #[serde(default)]
    libraries: Vec<SectionJson>,
    #[serde(default)]
    sharing_settings: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    deleted_at: Option<serde_json::Value>,
    #[serde(default)]
    left_at: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct InvitedJson {
    id: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    thumb: Option<String>,
    #[serde(default)]
    home: bool,
    #[serde(default)]
    restricted: bool,
}

#[derive(Deserialize)]
struct SectionJson {
    id: u64,
    key: serde_json::Value,
    #[serde(default)]
    title: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// A v2 share with the friend it was given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWith {
    pub machine_id: String,
    pub share: Share,
    pub friend: Friend,
    /// `deletedAt` is set: the friend's plex.tv account is gone, and the share with it.
    pub account_deleted: bool,
}

/// Epoch seconds from a number, a numeric string or an RFC 3339 string; 0 and null are none.
fn epoch(v: Option<&serde_json::Value>) -> Option<i64> {
    let v = v?;
    let secs = match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.parse::<i64>().ok().or_else(|| {
            chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| d.timestamp())
        }),
        _ => None,
    }?;
    (secs > 0).then_some(secs)
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

fn pms_key(v: &serde_json::Value) -> Option<PmsKey> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .map(PmsKey)
}

fn shared_with(s: ShareJson) -> Result<SharedWith, String> {
    let invited = s.invited;
    let user = invited
        .as_ref()
        .map(|i| i.id)
        .or(s.invited_id)
        .ok_or_else(|| format!("share {} names no invited user", s.id))?;
    let accepted_at = match s.accepted {
        Some(false) => None,
        _ => epoch(s.accepted_at.as_ref()),
    };
    let sections = s
        .libraries
        .iter()
        .map(|l| {
            Ok(ShareSection {
                id: PlexSectionId(l.id),
                key: pms_key(&l.key).ok_or_else(|| format!("library {} has no key", l.id))?,
                title: l.title.clone().unwrap_or_default(),
                shared: true,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let email = non_empty(invited.as_ref().and_then(|i| i.email.clone()))
        .or_else(|| non_empty(s.invited_email.clone()));
    let username = non_empty(invited.as_ref().and_then(|i| i.username.clone()));
    let machine_id = s.machine_identifier.unwrap_or_default();
    let share = Share {
        id: ShareId(s.id),
        user_id: UserId(user),
        username: username.clone(),
        email: email.clone(),
        invited_at: epoch(s.invited_at.as_ref()),
        accepted_at,
        all_libraries: s.all_libraries,
        sections,
    };
    let friend = Friend {
        id: UserId(user),
        title: non_empty(invited.as_ref().and_then(|i| i.title.clone()))
            .or_else(|| username.clone())
            .or_else(|| email.clone())
            .unwrap_or_default(),
        username,
        email,
        thumb: non_empty(invited.as_ref().and_then(|i| i.thumb.clone())),
        home: invited.as_ref().is_some_and(|i| i.home),
        restricted: invited.as_ref().is_some_and(|i| i.restricted),
        sharing: s.sharing_settings.as_ref().and_then(|fields| {
            SharingSettings::from_plex(|name| match fields.get(name)? {
                serde_json::Value::String(v) => Some(v.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
            .inspect_err(|why| tracing::warn!(share = s.id, why, "sharing settings do not parse"))
            .ok()
        }),
        servers: vec![FriendServer {
            share_id: ShareId(s.id),
            machine_id: machine_id.clone(),
            name: s.name.unwrap_or_default(),
            num_libraries: share.sections.len() as u64,
            all_libraries: s.all_libraries,
            pending: accepted_at.is_none(),
        }],
    };
    Ok(SharedWith {
        machine_id,
        share,
        friend,
        account_deleted: epoch(s.deleted_at.as_ref()).is_some(),
    })
}

/// `GET …/api/v2/shared_servers/owned/accepted|pending`: a JSON array of shares. A share the
/// friend left (`leftAt`) is no share.
pub fn shares_v2(body: &str) -> Result<Vec<SharedWith>, String> {
    let list: Vec<ShareJson> =
        serde_json::from_str(body).map_err(|e| format!("shares JSON: {e}"))?;
    list.into_iter()
        .filter(|s| epoch(s.left_at.as_ref()).is_none())
        .map(shared_with)
        .collect()
}

/// One v2 share (the answer to a create or an update).
pub fn share_v2(body: &str) -> Result<SharedWith, String> {
    let one: ShareJson = serde_json::from_str(body).map_err(|e| format!("share JSON: {e}"))?;
    shared_with(one)
}

/// An update may answer with the share or with nothing.
pub fn optional_share_v2(body: &str) -> Result<Option<SharedWith>, String> {
    if body.trim().is_empty() {
        Ok(None)
    } else {
        share_v2(body).map(Some)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerJson {
    library_sections: Vec<SectionJson>,
}

/// `GET plex.tv/api/v2/servers/{mid}`: `librarySections`, PMS key ↔ plex.tv id.
pub fn section_map_v2(body: &str) -> Result<SectionMap, String> {
    let server: ServerJson = serde_json::from_str(body).map_err(|e| format!("server JSON: {e}"))?;
    let sections = server
        .library_sections
        .into_iter()
        .map(|l| {
            Ok(PlexSection {
                id: PlexSectionId(l.id),
                key: pms_key(&l.key).ok_or_else(|| format!("library {} has no key", l.id))?,
                title: l.title.unwrap_or_default(),
                kind: LibraryKind::parse(l.kind.as_deref().unwrap_or_default()),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(SectionMap { sections })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARE: &str = r#"{"id":5001,"name":"HomeServer","ownerId":1,"invitedId":1002,
        "invitedEmail":"bob@example.com","serverId":777,"machineIdentifier":"MID",
        "accepted":true,"acceptedAt":1700000000,"allLibraries":false,"inviteToken":"secret",
        "invited":{"id":1002,"uuid":"u","title":"Bob","username":"bob","email":"bob@example.com",
        "restricted":false,"home":false,"thumb":"https://plex.tv/t","status":"accepted"},
        "sharingSettings":{"allowSync":true},
        "libraries":[{"id":118181361,"key":1,"title":"Movies","type":"movie"}]}"#;

    #[test]
    fn a_v2_share_becomes_a_share_and_its_friend() {
        let got = shares_v2(&format!("[{SHARE}]")).expect("parses");
        let one = &got[0];
        assert_eq!(one.machine_id, "MID");
        assert_eq!(one.share.id, ShareId(5001));
        assert_eq!(one.share.user_id, UserId(1002));
        assert_eq!(one.share.accepted_at, Some(1_700_000_000));
        assert_eq!(
            one.share.shared_keys().into_iter().collect::<Vec<_>>(),
            [PmsKey(1)]
        );
        assert_eq!(one.friend.title, "Bob");
        assert_eq!(one.friend.username.as_deref(), Some("bob"));
        assert!(!one.friend.servers[0].pending);
    }

    #[test]
    fn a_pending_v2_share_has_no_acceptance() {
        let pending = SHARE
            .replace(r#""accepted":true"#, r#""accepted":false"#)
            .replace(r#""acceptedAt":1700000000"#, r#""acceptedAt":null"#);
        let one = share_v2(&pending).expect("parses");
        assert!(one.share.is_pending());
        assert!(one.friend.servers[0].pending);
    }

    #[test]
    fn a_deleted_account_is_flagged_and_a_left_share_is_no_share() {
        let deleted = SHARE.replace(r#""id":5001,"#, r#""id":5001,"deletedAt":1800000000,"#);
        let left = SHARE
            .replace(
                r#""id":5001,"#,
                r#""id":5002,"leftAt":"2026-11-01T10:00:00Z","#,
            )
            .replace("1002", "1003");
        let got = shares_v2(&format!("[{SHARE},{deleted},{left}]")).expect("parses");
        assert_eq!(got.len(), 2, "the left share is dropped");
        assert!(!got[0].account_deleted);
        assert!(got[1].account_deleted);
    }

    #[test]
    fn v2_sections_map_keys_to_ids() {
        let map = section_map_v2(
            r#"{"librarySections":[{"id":118181361,"key":1,"title":"Movies","type":"movie"},
                {"id":118251661,"key":"2","title":"TV","type":"show"}]}"#,
        )
        .expect("parses");
        assert_eq!(map.plex_id(PmsKey(2)), Some(PlexSectionId(118_251_661)));
        assert!(section_map_v2("[]").is_err());
    }
}
