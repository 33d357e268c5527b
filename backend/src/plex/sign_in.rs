//! Signing in with Plex (spec §2.6): a PIN from plex.tv, approved by the owner on Plex's own
//! page, gives Plexward a token of its own; `GET /api/v2/resources` then lists the servers that
//! token may use, with the addresses each can be reached at.

use chrono::{DateTime, Utc};
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;

use super::client::PlexClient;
use super::error::PlexError;
use super::models::MachineId;

/// A sign-in PIN as plex.tv answers it.
#[derive(Debug)]
pub struct Pin {
    pub id: u64,
    /// What the owner's browser carries to Plex's page (`code=` in the auth URL).
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// Set once the owner approved the PIN; Plexward's own token from then on.
    pub auth_token: Option<SecretString>,
}

/// A server (or other device) the token can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub name: String,
    pub machine_id: MachineId,
    pub product_version: String,
    /// The signed-in account owns it (only owners can share it).
    pub owned: bool,
    /// `provides` names `server`.
    pub is_server: bool,
    /// plex.tv has seen it online recently.
    pub presence: bool,
    pub connections: Vec<ResourceConnection>,
}

/// One address a server answers at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceConnection {
    pub uri: String,
    pub protocol: String,
    /// On the server's own network.
    pub local: bool,
    /// Through Plex's relay (slow, size-limited).
    pub relay: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PinJson {
    id: u64,
    code: String,
    expires_at: String,
    #[serde(default)]
    auth_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceJson {
    #[serde(default)]
    name: String,
    client_identifier: String,
    #[serde(default)]
    product_version: Option<String>,
    #[serde(default)]
    provides: String,
    #[serde(default)]
    owned: bool,
    #[serde(default)]
    presence: bool,
    #[serde(default)]
    connections: Vec<ConnectionJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionJson {
    uri: String,
    #[serde(default)]
    protocol: String,
    #[serde(default)]
    local: bool,
    #[serde(default)]
    relay: bool,
}

/// Parses a PIN; the message names the problem, never the body (it may hold the token).
pub(super) fn pin(body: &str) -> Result<Pin, String> {
    let p: PinJson = serde_json::from_str(body).map_err(|e| format!("PIN JSON: {e}"))?;
    let expires_at = DateTime::parse_from_rfc3339(&p.expires_at)
        .map_err(|e| format!("PIN expiresAt {:?}: {e}", p.expires_at))?
        .with_timezone(&Utc);
    Ok(Pin {
        id: p.id,
        code: p.code,
        expires_at,
        auth_token: p
            .auth_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
    })
}

/// Parses the resources list (a JSON array); entries without a usable client identifier are
/// skipped.
pub(super) fn resources(body: &str) -> Result<Vec<Resource>, String> {
    let list: Vec<ResourceJson> =
        serde_json::from_str(body).map_err(|e| format!("resources JSON: {e}"))?;
    Ok(list
        .into_iter()
        .filter_map(|r| {
            Some(Resource {
                machine_id: MachineId::new(r.client_identifier)?,
                is_server: r.provides.split(',').any(|p| p.trim() == "server"),
                name: r.name,
                product_version: r.product_version.unwrap_or_default(),
                owned: r.owned,
                presence: r.presence,
                connections: r
                    .connections
                    .into_iter()
                    .map(|c| ResourceConnection {
                        uri: c.uri,
                        protocol: c.protocol,
                        local: c.local,
                        relay: c.relay,
                    })
                    .collect(),
            })
        })
        .collect())
}

impl PlexClient {
    /// plex.tv `POST /api/v2/pins?strong=true`: a new PIN for this install's client id.
    pub async fn create_pin(&self) -> Result<Pin, PlexError> {
        self.exchange(Method::POST, "/api/v2/pins?strong=true", None, true, pin)
            .await
    }

    /// plex.tv `GET /api/v2/pins/{id}`: the PIN, with its token once approved. A PIN that
    /// expired (or another client's) is [`PlexError::NotFound`].
    pub async fn pin(&self, id: u64) -> Result<Pin, PlexError> {
        self.exchange(Method::GET, &format!("/api/v2/pins/{id}"), None, true, pin)
            .await
    }

    /// plex.tv `GET /api/v2/resources`: every device the token may use, with their addresses.
    pub async fn resources(&self) -> Result<Vec<Resource>, PlexError> {
        // No retry here or in the two above: a person is waiting, and polling is the retry.
        self.exchange(
            Method::GET,
            "/api/v2/resources?includeHttps=1&includeRelay=1",
            None,
            true,
            resources,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn reads_a_pin_before_and_after_approval() {
        let waiting = pin(r#"{"id":7,"code":"abcd","expiresAt":"2026-12-03T15:00:00Z","authToken":null,"product":"Plexward"}"#).expect("pin");
        assert_eq!((waiting.id, waiting.code.as_str()), (7, "abcd"));
        assert!(waiting.auth_token.is_none());
        assert_eq!(waiting.expires_at.to_rfc3339(), "2026-12-03T15:00:00+00:00");
        let done =
            pin(r#"{"id":7,"code":"abcd","expiresAt":"2026-12-03T15:00:00Z","authToken":"tok"}"#)
                .expect("pin");
        assert_eq!(
            done.auth_token
                .map(|t| t.expose_secret().to_owned())
                .as_deref(),
            Some("tok")
        );
        let err = pin(r#"{"id":7,"code":"abcd","expiresAt":"soon","authToken":"tok"}"#)
            .expect_err("bad time");
        assert!(!err.contains("tok\""), "{err}");
    }

    #[test]
    fn reads_servers_and_their_connections() {
        let body = r#"[
          {"name":"Home","clientIdentifier":"mid1","productVersion":"1.41","provides":"server","owned":true,"presence":true,
           "accessToken":"secret","connections":[
             {"protocol":"https","address":"10.0.0.2","port":32400,"uri":"https://10-0-0-2.x.plex.direct:32400","local":true,"relay":false},
             {"protocol":"https","address":"1.2.3.4","port":443,"uri":"https://relay.plex.direct:443","local":false,"relay":true}]},
          {"name":"Phone","clientIdentifier":"c2","provides":"client,player","owned":true},
          {"name":"","clientIdentifier":"","provides":"server"}
        ]"#;
        let list = resources(body).expect("resources");
        assert_eq!(list.len(), 2);
        assert!(list[0].is_server && list[0].owned && list[0].presence);
        assert_eq!(list[0].machine_id.as_str(), "mid1");
        assert_eq!(list[0].connections.len(), 2);
        assert!(list[0].connections[0].local && list[0].connections[1].relay);
        assert!(!list[1].is_server);
    }
}
