//! Rows to wire DTOs: one function per resource, the only place each answer's shape is built
//! (db/ returns rows; services return rows or their own types).

use plexward_shared::{
    AccountResponse, ApiTokenResponse, AuditEventResponse, HttpsMode, JobResponse, JobState,
    PlexProblem, PlexServerDetails, PlexSettingsResponse, PlexTestResponse, Progress,
    RunningServer, Scheme, ServerSettingsResponse, SessionResponse, SignInMethod,
};

use crate::db::accounts::Account;
use crate::db::api_tokens::ApiToken;
use crate::db::audit::AuditEvent;
use crate::db::jobs::Job;
use crate::db::time::from_ms;
use crate::plex::connection::PlexConnection;
use crate::settings::plex::{PlexPreferences, effective_time_zone};
use crate::settings::plex_probe::{Problem, ServerDetails};
use crate::settings::server::{Effective, Running, ServerStatus};

pub fn account(a: &Account) -> AccountResponse {
    AccountResponse {
        id: a.id,
        username: a.username.clone(),
        role: a.role(),
        disabled: a.disabled,
        must_change_password: a.must_change_password,
        mfa_enabled: a.mfa_enabled,
        mfa_enrolment_required: false,
        created_at: from_ms(a.created_at),
        last_login_at: a.last_login_at.map(from_ms),
        version: a.version_tag(),
    }
}

/// The signed-in account as its own session sees it: with whether it must set up two-factor
/// sign-in first.
pub fn own_account(a: &Account, mfa_enrolment_required: bool) -> AccountResponse {
    AccountResponse {
        mfa_enrolment_required,
        ..account(a)
    }
}

/// A session (never its tokens), `current` when it is the caller's.
pub fn session(s: &crate::db::sessions::Session, current: Option<&str>) -> SessionResponse {
    SessionResponse {
        id: s.id.clone(),
        account_id: s.account_id,
        created_at: from_ms(s.created_at),
        last_seen_at: from_ms(s.last_seen_at),
        expires_at: from_ms(s.expires_at),
        ip: s.ip.clone(),
        device: crate::auth::device::describe(s.user_agent.as_deref()),
        user_agent: s.user_agent.clone(),
        method: s.method.parse().unwrap_or(SignInMethod::Password),
        current: current == Some(s.id.as_str()),
    }
}

/// A token (never its secret or hash) with its owner's username.
pub fn api_token(t: &ApiToken, account_username: &str) -> ApiTokenResponse {
    ApiTokenResponse {
        id: t.id,
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        role: t.role(),
        account_id: t.account_id,
        account_username: account_username.to_owned(),
        created_at: from_ms(t.created_at),
        expires_at: t.expires_at.map(from_ms),
        last_used_at: t.last_used_at.map(from_ms),
    }
}

/// An audit event; `details` is stored as JSON text and answered as JSON.
pub fn audit_event(e: AuditEvent) -> AuditEventResponse {
    AuditEventResponse {
        id: e.id,
        at: from_ms(e.at),
        actor: e.actor,
        actor_id: e.actor_id,
        action: e.action,
        outcome: e.outcome,
        target_type: e.target_type,
        target_id: e.target_id,
        ip: e.ip,
        details: e.details.and_then(|d| serde_json::from_str(&d).ok()),
        via_token: e.token_id.map(|id| plexward_shared::ViaToken {
            id,
            name: e.token_name.unwrap_or_default(),
        }),
        count: e.count.max(1) as u64,
    }
}

/// The Plex settings in effect: the connection as the live `plex` has it (never the token), and
/// the saved preferences.
pub fn plex_settings(
    plex: &PlexConnection,
    prefs: &PlexPreferences,
    plex_pass: Option<bool>,
    anchor_title: Option<&str>,
) -> PlexSettingsResponse {
    let view = plex.view();
    PlexSettingsResponse {
        server_url: view.server_url,
        token_set: view.token_set,
        plextv_url: view.plextv_url,
        server_url_source: view.server_url_source,
        token_source: view.token_source,
        anchor_library_id: prefs.anchor_library_id,
        time_zone: effective_time_zone(prefs),
        drift_policy: prefs.drift_policy,
        end_policy: prefs.end_policy,
        end_policy_words: prefs.end_policy.words("a friend", anchor_title),
        plex_pass,
        version: String::new(),
    }
}

/// The server settings for the next start, what runs now, and the certificate's status.
pub fn server_settings(
    effective: Effective,
    running: &Running,
    status: ServerStatus,
) -> ServerSettingsResponse {
    ServerSettingsResponse {
        port: effective.port,
        port_source: effective.port_source,
        https: effective.https,
        https_source: effective.https_source,
        hostnames: effective.hostnames,
        hostnames_source: effective.hostnames_source,
        restart_required: status.restart_required,
        running: RunningServer {
            port: running.port,
            scheme: running.scheme,
            https: match running.scheme {
                Scheme::Https => running.requested.https,
                Scheme::Http => HttpsMode::Off,
            },
        },
        certificate: status.certificate,
        tls_problem: status.tls_problem,
        version: String::new(),
    }
}

/// The outcome of a connection test: `ok` with the server, or the problem.
pub fn plex_test(result: Result<ServerDetails, Problem>) -> PlexTestResponse {
    match result {
        Ok(s) => PlexTestResponse {
            ok: true,
            server: Some(PlexServerDetails {
                server_name: s.server_name,
                version: s.version,
                machine_id: s.machine_id,
                owner: s.owner,
                plex_pass: s.plex_pass,
            }),
            problem: None,
        },
        Err(p) => PlexTestResponse {
            ok: false,
            server: None,
            problem: Some(PlexProblem {
                code: p.code.to_owned(),
                message: p.message,
            }),
        },
    }
}

pub fn job(job: &Job) -> JobResponse {
    JobResponse {
        id: job.id.clone(),
        kind: job.kind.clone(),
        state: match job.state.as_str() {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            _ => JobState::Failed,
        },
        progress: Progress {
            done: job.progress_done.max(0) as u64,
            total: job.progress_total.max(0) as u64,
        },
        // Stored as JSON text by the job lifecycle; unreadable text is shown as no result.
        result: job
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        error: job.error.clone(),
    }
}
