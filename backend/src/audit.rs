//! The audit trail: who did what, when, from where, with what outcome. Events are written in the
//! same transaction as the change they describe when there is one ([`Event::insert`]), so a change
//! and its record land together or not at all. Details never hold secrets.

use diesel::SqliteConnection;
use diesel::result::QueryResult;
use serde_json::Value;

use crate::db::audit::NewAuditEvent;
use crate::db::time::now_ms;
use crate::db::{self, DbPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Refused by a rule (permission, throttling, a guard).
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who acted: an account, or the system itself; for a request, also from where and, when it
/// came with an API token, with which one. Every event made for this actor carries those
/// (see [`Event::new`]), so a service that is handed the actor records them without knowing about
/// requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    /// The client's address, as the HTTP layer determined it.
    pub ip: Option<String>,
    /// The API token the request was made with, if any.
    pub via_token: Option<TokenRef>,
}

/// An API token as the audit trail names it: its id (tokens are deleted when revoked, and a
/// name can be reused after that) and its name at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRef {
    pub id: i64,
    pub name: String,
}

impl Actor {
    pub fn account(id: i64, username: &str) -> Self {
        Self {
            id: Some(id),
            name: username.to_owned(),
            ip: None,
            via_token: None,
        }
    }

    /// The same actor, acting from `ip`.
    pub fn from_ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    /// The same actor, acting with the API token `token`.
    pub fn with_token(mut self, token: Option<TokenRef>) -> Self {
        self.via_token = token;
        self
    }

    pub fn system() -> Self {
        Self {
            id: None,
            name: "system".into(),
            ip: None,
            via_token: None,
        }
    }

    /// A friend in their portal session, named as Plex names them (capped in length).
    pub fn friend(title: &str) -> Self {
        Self {
            id: None,
            name: format!("friend ({})", title.chars().take(64).collect::<String>()),
            ip: None,
            via_token: None,
        }
    }

    /// Someone not signed in; `claimed` is the username they typed, if any (capped in length).
    pub fn anonymous(claimed: Option<&str>) -> Self {
        let name = match claimed {
            Some(c) if !c.is_empty() => {
                format!("anonymous ({})", c.chars().take(64).collect::<String>())
            }
            _ => "anonymous".into(),
        };
        Self {
            id: None,
            name,
            ip: None,
            via_token: None,
        }
    }
}

/// Woken whenever an event is written (`GET /api/v1/audit/stream` waits on it; it also looks
/// every second, for a write whose transaction had not committed yet when it woke).
pub static WRITTEN: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Families of actions that are security events: written to the log (and so to its live stream,
/// where an auditor sees them at once) as well as to the audit trail.
const SECURITY_FAMILIES: [&str; 4] = ["auth.", "authz.", "token.", "account."];

/// One structured line for a security event: refusals and failures at `warn`, the rest at `info`.
/// Names are written with `?` (quoted, control characters escaped), so a username typed with a
/// newline cannot forge a line; details other than the reason are left to the audit trail.
fn log_security(row: &NewAuditEvent) {
    if !SECURITY_FAMILIES.iter().any(|f| row.action.starts_with(f)) {
        return;
    }
    let reason = row
        .details
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|d| d.get("reason").and_then(Value::as_str).map(str::to_owned));
    // A token used from a new address after its first: not a failure, but worth a look.
    let notable = row.action == "token.new_address"
        && row
            .details
            .as_deref()
            .is_some_and(|d| d.contains("\"first_use\":false"));
    let (action, outcome, actor, ip) = (&row.action, &row.outcome, &row.actor, &row.ip);
    let target = row.target_id.as_deref();
    if outcome == "success" && !notable {
        tracing::info!(target: "plexward::security", %action, %outcome, ?actor, ?ip, ?target, ?reason, "security event");
    } else {
        tracing::warn!(target: "plexward::security", %action, %outcome, ?actor, ?ip, ?target, ?reason, "security event");
    }
}

/// One audit event, built fluently and then inserted or recorded.
#[derive(Debug, Clone)]
pub struct Event {
    row: NewAuditEvent,
}

impl Event {
    /// An event by `actor`, from the actor's address and token (if any).
    pub fn new(action: &str, outcome: Outcome, actor: &Actor) -> Self {
        // The documented list (the OpenAPI `AuditAction` enum) must be complete: tests record
        // every kind of event, so a new action missing from it fails them.
        debug_assert!(
            plexward_shared::AUDIT_ACTIONS.contains(&action),
            "audit action `{action}` is missing from plexward_shared::AUDIT_ACTIONS"
        );
        Self {
            row: NewAuditEvent {
                at: now_ms(),
                actor_id: actor.id,
                actor: actor.name.clone(),
                action: action.to_owned(),
                outcome: outcome.as_str().to_owned(),
                target_type: None,
                target_id: None,
                ip: actor.ip.clone(),
                details: None,
                token_id: actor.via_token.as_ref().map(|t| t.id),
                token_name: actor.via_token.as_ref().map(|t| t.name.clone()),
            },
        }
    }

    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.row.target_type = Some(kind.to_owned());
        self.row.target_id = Some(id.to_string());
        self
    }

    /// Where the request came from (when the actor does not say already, e.g. a sign-in).
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.row.ip = ip;
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.row.details = Some(details.to_string());
        self
    }

    /// Inserts inside the caller's transaction. A security event is logged too.
    pub fn insert(&self, conn: &mut SqliteConnection) -> QueryResult<()> {
        db::audit::insert(conn, &self.row)?;
        log_security(&self.row);
        WRITTEN.notify_waiters();
        Ok(())
    }

    /// Writes on its own, for events without a change to join (failed sign-ins, refusals). A
    /// refusal repeated from one address within a minute is counted on that minute's row
    /// instead of adding one (and logged at `debug`), so a flood cannot grow the trail without
    /// bound. A failure to write is logged, never hidden and never turned into the request's
    /// failure.
    pub async fn record(self, pool: &DbPool) {
        let action = self.row.action.clone();
        let written = db::run(pool, move |conn| {
            if self.row.outcome == Outcome::Denied.as_str() && db::audit::fold(conn, &self.row)? {
                tracing::debug!(target: "plexward::security", action = %self.row.action,
                    ip = ?self.row.ip, "security event (counted on this minute's row)");
                return Ok(());
            }
            self.insert(conn)
        })
        .await;
        if let Err(e) = written {
            tracing::error!(action, error = %e, "could not write audit event");
        }
    }
}
