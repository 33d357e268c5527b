//! Testing the Plex connection (`POST /settings/plex/test`): the server's identity and the
//! token's account, or why it does not work — including a token of an account that does not own
//! the server (friends can only be shared by the owner). Every test is audited.

use crate::audit::{Actor, Event, Outcome};
use crate::db::DbPool;
use crate::plex::connection::PlexConnection;
use crate::plex::{PlexClient, PlexError};

/// What a working connection reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDetails {
    pub server_name: String,
    pub version: String,
    pub machine_id: String,
    /// The plex.tv account the token belongs to.
    pub owner: String,
    pub plex_pass: bool,
}

/// Why the connection does not work: a stable code (`not_configured`, `unreachable`,
/// `bad_token`, `token_deauthorized`, `not_owner`, `plex_error`) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

fn problem(code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        code,
        message: message.into(),
    }
}

/// Tries the connection as configured now and audits the outcome.
pub async fn test(
    pool: &DbPool,
    plex: &PlexConnection,
    actor: &Actor,
    ip: Option<String>,
) -> Result<ServerDetails, Problem> {
    let result = match plex.probe_client() {
        None => Err(problem(
            "not_configured",
            "Set the Plex server URL and token first.",
        )),
        Some(Err(e)) => Err(problem("plex_error", e.to_string())),
        Some(Ok(client)) => probe(&client).await,
    };
    Event::new(
        "settings.plex_test",
        if result.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        },
        actor,
    )
    .ip(ip)
    .details(serde_json::json!({
        "server": result.as_ref().ok().map(|s| &s.server_name),
        "problem": result.as_ref().err().map(|p| p.code),
    }))
    .record(pool)
    .await;
    result
}

async fn probe(client: &PlexClient) -> Result<ServerDetails, Problem> {
    let server = client.server_info().await.map_err(explain)?;
    let account = client.account().await.map_err(explain)?;
    if let Some(owner) = &server.my_plex_username
        && !owner.eq_ignore_ascii_case(&account.username)
        && !owner.eq_ignore_ascii_case(&account.email)
    {
        return Err(problem(
            "not_owner",
            format!(
                "The token belongs to {} but the server is owned by {owner}: use the owner's token.",
                account.username
            ),
        ));
    }
    Ok(ServerDetails {
        server_name: server.name,
        version: server.version,
        machine_id: server.machine_id.to_string(),
        owner: account.username,
        plex_pass: account.plex_pass,
    })
}

fn explain(e: PlexError) -> Problem {
    match e {
        PlexError::Unauthorized { .. } => {
            problem("bad_token", "Plex refused the token (401): check it.")
        }
        PlexError::InvalidToken => problem(
            "token_deauthorized",
            "plex.tv says the token was deauthorized or expired: get a new one.",
        ),
        PlexError::Timeout { .. } | PlexError::Transport { .. } => problem(
            "unreachable",
            format!("{e}. Check the server URL and that Plex is running."),
        ),
        other => problem("plex_error", other.to_string()),
    }
}
