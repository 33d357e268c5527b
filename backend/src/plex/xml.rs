//! Parsing of the XML bodies of spec §2 with `roxmltree` (a small read-only DOM: the documents
//! are tiny and we only read attributes, so a tree is simpler than serde mappings).
//!
//! Every function returns a plain `Result<_, String>`; the client turns the message into
//! [`PlexError::Unexpected`](super::PlexError::Unexpected) with an excerpt of the body.

use roxmltree::{Document, Node};

use super::sharing::SharingSettings;

use super::models::{
    Friend, FriendServer, HistoryPage, Identity, Library, LibraryKind, MachineId, NowPlaying, Play,
    PlexSection, PlexSectionId, PmsKey, SectionMap, ServerInfo, Share, ShareId, ShareSection,
    UserId,
};

type Parsed<T> = Result<T, String>;

fn doc(body: &str) -> Parsed<Document<'_>> {
    Document::parse(body).map_err(|e| format!("not XML: {e}"))
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.has_tag_name(name))
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name)
}

fn req<'a>(node: Node<'a, '_>, name: &str) -> Parsed<&'a str> {
    attr(node, name)
        .ok_or_else(|| format!("<{}> lacks the {name} attribute", node.tag_name().name()))
}

fn req_u64(node: Node<'_, '_>, name: &str) -> Parsed<u64> {
    let v = req(node, name)?;
    v.parse()
        .map_err(|_| format!("<{}> {name}={v:?} is not a number", node.tag_name().name()))
}

fn opt_i64(node: Node<'_, '_>, name: &str) -> Option<i64> {
    attr(node, name).and_then(|v| v.parse().ok())
}

/// Plex booleans are `0`/`1` (spec §1); `true`/`false` are accepted too.
fn flag(node: Node<'_, '_>, name: &str) -> bool {
    matches!(attr(node, name), Some("1" | "true"))
}

fn opt_flag(node: Node<'_, '_>, name: &str) -> Option<bool> {
    attr(node, name).map(|v| matches!(v, "1" | "true"))
}

fn non_empty(node: Node<'_, '_>, name: &str) -> Option<String> {
    attr(node, name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn machine_id(node: Node<'_, '_>) -> Parsed<MachineId> {
    let v = req(node, "machineIdentifier")?;
    MachineId::new(v).ok_or_else(|| format!("machineIdentifier {v:?} is not a valid id"))
}

fn root_named<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Parsed<Node<'a, 'i>> {
    let root = doc.root_element();
    if root.has_tag_name(name) {
        Ok(root)
    } else {
        Err(format!(
            "expected <{name}>, got <{}>",
            root.tag_name().name()
        ))
    }
}

/// PMS `GET /identity`.
pub fn identity(body: &str) -> Parsed<Identity> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    Ok(Identity {
        machine_id: machine_id(root)?,
        version: attr(root, "version").unwrap_or_default().to_owned(),
        claimed: flag(root, "claimed"),
    })
}

/// PMS `GET /`.
pub fn server_info(body: &str) -> Parsed<ServerInfo> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    Ok(ServerInfo {
        name: attr(root, "friendlyName").unwrap_or_default().to_owned(),
        machine_id: machine_id(root)?,
        version: attr(root, "version").unwrap_or_default().to_owned(),
        my_plex_username: non_empty(root, "myPlexUsername"),
        my_plex_subscription: opt_flag(root, "myPlexSubscription"),
    })
}

/// PMS `GET /library/sections`.
pub fn libraries(body: &str) -> Parsed<Vec<Library>> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    children(root, "Directory")
        .map(|d| {
            Ok(Library {
                key: PmsKey(req_u64(d, "key")?),
                title: req(d, "title")?.to_owned(),
                kind: LibraryKind::parse(req(d, "type")?),
                uuid: non_empty(d, "uuid"),
            })
        })
        .collect()
}

/// What a history row or session is called: the show or artist when there is one.
fn play_title(node: Node<'_, '_>) -> String {
    non_empty(node, "grandparentTitle")
        .or_else(|| non_empty(node, "title"))
        .unwrap_or_default()
}

/// PMS `GET /status/sessions/history/all` (paged: `totalSize` says how many match).
pub fn history(body: &str) -> Parsed<HistoryPage> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    let plays = root
        .children()
        .filter(|c| c.is_element())
        .map(|row| {
            Ok(Play {
                history_key: req(row, "historyKey")?.to_owned(),
                account_id: req_u64(row, "accountID")?,
                library: PmsKey(req_u64(row, "librarySectionID")?),
                title: play_title(row),
                kind: attr(row, "type").unwrap_or_default().to_owned(),
                viewed_at: opt_i64(row, "viewedAt")
                    .ok_or_else(|| "a history row lacks viewedAt".to_owned())?,
            })
        })
        .collect::<Parsed<Vec<Play>>>()?;
    let total = opt_i64(root, "totalSize").map_or(plays.len() as u64, |t| t.max(0) as u64);
    Ok(HistoryPage { plays, total })
}

/// PMS `GET /status/sessions`: what plays now, and for whom (a session without a user or a
/// library, such as Live TV, is left out).
pub fn sessions(body: &str) -> Parsed<Vec<NowPlaying>> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    Ok(root
        .children()
        .filter(|c| c.is_element())
        .filter_map(|item| {
            let user = children(item, "User").next()?;
            Some(NowPlaying {
                account_id: attr(user, "id")?.parse().ok()?,
                library: PmsKey(attr(item, "librarySectionID")?.parse().ok()?),
                title: play_title(item),
            })
        })
        .collect())
}

/// plex.tv `GET /api/users/`.
pub fn friends(body: &str) -> Parsed<Vec<Friend>> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    children(root, "User")
        .map(|u| {
            let servers = children(u, "Server")
                .map(|s| {
                    Ok(FriendServer {
                        share_id: ShareId(req_u64(s, "id")?),
                        machine_id: req(s, "machineIdentifier")?.to_owned(),
                        name: attr(s, "name").unwrap_or_default().to_owned(),
                        num_libraries: attr(s, "numLibraries")
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(0),
                        all_libraries: flag(s, "allLibraries"),
                        pending: flag(s, "pending"),
                    })
                })
                .collect::<Parsed<Vec<_>>>()?;
            Ok(Friend {
                id: UserId(req_u64(u, "id")?),
                title: attr(u, "title").unwrap_or_default().to_owned(),
                username: non_empty(u, "username"),
                email: non_empty(u, "email"),
                thumb: non_empty(u, "thumb"),
                home: flag(u, "home"),
                restricted: flag(u, "restricted"),
                sharing: sharing_of(u),
                servers,
            })
        })
        .collect()
}

/// A `<User>`'s sharing attributes (spec §2.3.2); unparseable ones are logged and unknown.
fn sharing_of(user: Node<'_, '_>) -> Option<SharingSettings> {
    match SharingSettings::from_plex(|name| attr(user, name).map(str::to_owned)) {
        Ok(settings) => Some(settings),
        Err(why) => {
            tracing::warn!(
                user = attr(user, "id"),
                why,
                "a friend's sharing settings do not parse"
            );
            None
        }
    }
}

/// plex.tv `GET /api/servers/{mid}`: the first `<Server>` child's `<Section>`s.
pub fn section_map(body: &str) -> Parsed<SectionMap> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    let server = children(root, "Server")
        .next()
        .ok_or("no <Server> in the server listing")?;
    let sections = children(server, "Section")
        .map(|s| {
            Ok(PlexSection {
                id: PlexSectionId(req_u64(s, "id")?),
                key: PmsKey(req_u64(s, "key")?),
                title: attr(s, "title").unwrap_or_default().to_owned(),
                kind: LibraryKind::parse(attr(s, "type").unwrap_or_default()),
            })
        })
        .collect::<Parsed<Vec<_>>>()?;
    Ok(SectionMap { sections })
}

/// plex.tv `GET|POST|PUT /api/servers/{mid}/shared_servers[/{id}]`: every `<SharedServer>`.
pub fn shares(body: &str) -> Parsed<Vec<Share>> {
    let doc = doc(body)?;
    let root = root_named(&doc, "MediaContainer")?;
    children(root, "SharedServer").map(share).collect()
}

fn share(node: Node<'_, '_>) -> Parsed<Share> {
    let sections = children(node, "Section")
        .map(|s| {
            Ok(ShareSection {
                id: PlexSectionId(req_u64(s, "id")?),
                key: PmsKey(req_u64(s, "key")?),
                title: attr(s, "title").unwrap_or_default().to_owned(),
                shared: flag(s, "shared"),
            })
        })
        .collect::<Parsed<Vec<_>>>()?;
    Ok(Share {
        id: ShareId(req_u64(node, "id")?),
        user_id: UserId(req_u64(node, "userID")?),
        username: non_empty(node, "username"),
        email: non_empty(node, "email"),
        invited_at: opt_i64(node, "invitedAt"),
        // Empty or 0 means the invite is still pending (spec §4.1).
        accepted_at: opt_i64(node, "acceptedAt").filter(|t| *t > 0),
        all_libraries: flag(node, "allLibraries"),
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_share_listing() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer friendlyName="myPlex" machineIdentifier="MID" size="1">
  <SharedServer id="5001" username="alice" email="alice@example.com" userID="1001" accessToken="x" name="HomeServer" acceptedAt="0" invitedAt="1465691504" allowSync="0">
    <Section id="118181361" key="1" title="Movies" type="movie" shared="1"/>
    <Section id="118251661" key="2" title="TV Shows" type="show" shared="0"/>
  </SharedServer>
</MediaContainer>"#;
        let shares = shares(body).expect("parses");
        assert_eq!(shares.len(), 1);
        let s = &shares[0];
        assert_eq!((s.id, s.user_id), (ShareId(5001), UserId(1001)));
        assert!(s.is_pending());
        assert_eq!(
            s.shared_keys().into_iter().collect::<Vec<_>>(),
            vec![PmsKey(1)]
        );
    }

    #[test]
    fn section_map_needs_a_server_child() {
        assert!(section_map("<MediaContainer size=\"0\"/>").is_err());
    }
}
