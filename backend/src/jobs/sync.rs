//! Sync: import the server's libraries and friends, and what each friend actually has, from Plex.
//! A sync never changes Plex: on a friend's first import, the libraries they already have become
//! undated grants, so the plan for them is "nothing to do".

use std::collections::BTreeMap;

use plexward_shared::SyncReport;

use super::lifecycle::{Job, JobContext, Running};
use crate::access::applier::Applier;
use crate::db::plex_users::SeenFriend;
use crate::db::time::now_ms;
use crate::db::{self, DbPool};
use crate::plex::{Operation, PlexClient, PlexError, Routes};

pub const KIND: &str = "sync";

/// Why a sync failed, in words for the job's `error`.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the Plex connection is not configured (server URL and token)")]
    NotConfigured,
    #[error("Plex: {0}")]
    Plex(#[from] PlexError),
    #[error("database: {0}")]
    Db(#[from] db::DbError),
}

/// The Plex operation a sync needs that plex.tv offers no route for any more, if any (a sync
/// then is refused with 503 rather than started to fail).
pub fn retired_operation(routes: &Routes) -> Option<Operation> {
    [Operation::Sections, Operation::List]
        .into_iter()
        .find(|op| routes.unusable(*op))
}

/// A sync from Plex, as a job ("Sync now").
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncJob;

impl Job for SyncJob {
    const KIND: &'static str = KIND;
    const AUDIT: Option<&'static str> = Some("plex.sync");
    type Report = SyncReport;
    type Error = SyncError;

    async fn run(self, ctx: JobContext, job: Running) -> Result<SyncReport, SyncError> {
        let client = match ctx.plex.client() {
            None => return Err(SyncError::NotConfigured),
            Some(client) => client?,
        };
        let (mut report, accepted) = sync(&ctx.pool, &client, &ctx.applier, &job.id).await?;
        follow_invites(&ctx.pool, &ctx.applier, accepted, &mut report).await;
        read_activity(&ctx.pool, &client, &ctx.applier, &mut report).await;
        Ok(report)
    }
}

/// After a sync: applies the friends whose invite was just accepted (their windows were fixed,
/// and one may start later), and withdraws the invites whose days ran out. Failures are logged:
/// the apply retries, the next sync or reconcile withdraws again.
pub async fn follow_invites(
    pool: &DbPool,
    applier: &Applier,
    accepted: Vec<i64>,
    report: &mut SyncReport,
) {
    for id in accepted {
        if let Err(e) = applier.apply(id, &crate::audit::Actor::system()).await {
            tracing::warn!(friend = id, error = %e, "cannot apply an accepted invite's windows");
        }
    }
    match crate::access::invites::expire_due(pool, applier).await {
        Ok(n) => report.invites_ended += n,
        Err(e) => tracing::warn!(error = %e, "cannot withdraw the invites that ran out of days"),
    }
}

/// After a sync: who watched since the last one, then the inactivity policy on what that shows.
/// A PMS that does not answer fails only this part (said in the report); the friends are synced
/// either way.
pub(crate) async fn read_activity(
    pool: &DbPool,
    client: &PlexClient,
    applier: &Applier,
    report: &mut SyncReport,
) {
    match crate::access::activity::import(pool, client, applier.now()).await {
        Ok(imported) => {
            report.plays_imported = imported.plays;
            report.watching_now = imported.watching_now;
            match crate::access::inactivity::pass(pool, applier, applier.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(friends = n, "the inactivity policy acted"),
                Err(e) => tracing::warn!(error = %e, "the inactivity policy could not act"),
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the watch history this sync");
            report.activity_error = Some(e.to_string());
        }
    }
}

/// The sync itself: three steps (server, libraries, friends with shares), then one transaction.
pub async fn sync(
    pool: &DbPool,
    client: &PlexClient,
    applier: &Applier,
    job_id: &str,
) -> Result<(SyncReport, Vec<i64>), SyncError> {
    // (The friends whose invite was accepted come back too: they are to be applied.)
    let _running = applier.one_sync_at_a_time().await;
    let _no_applies = applier.exclude_applies().await;
    const STEPS: i64 = 4;
    let server = client.server_info().await?;
    super::report_progress(pool, job_id, 1, STEPS).await;
    let libraries = client.libraries().await?;
    super::report_progress(pool, job_id, 2, STEPS).await;
    let snapshot = client.snapshot(&server.machine_id).await?;
    super::report_progress(pool, job_id, 3, STEPS).await;

    let now = now_ms();
    // Invites count their windows from acceptance on the clock the access logic runs on.
    let access_now = applier.now();
    let mut report = SyncReport {
        server_name: server.name.clone(),
        ..SyncReport::default()
    };
    let library_rows: Vec<(i64, Option<i64>, String, String)> = libraries
        .iter()
        .map(|l| {
            let key = l.key.0 as i64;
            let plextv = snapshot.sections.plex_id(l.key).map(|id| id.0 as i64);
            (key, plextv, l.title.clone(), l.kind.as_str().to_owned())
        })
        .collect();
    let friend_rows: Vec<SeenFriend> = snapshot
        .friends_with_shares()
        .into_iter()
        .map(|fa| SeenFriend {
            plex_user_id: fa.friend.id.0 as i64,
            title: fa.friend.title.clone(),
            username: fa.friend.username.clone(),
            email: fa.friend.email.clone(),
            thumb: fa.friend.thumb.clone(),
            home: fa.friend.home,
            share_id: fa.share.map(|s| s.id.0 as i64),
            share_pending: fa.share.is_some_and(|s| s.is_pending()),
            actual_keys: fa
                .share
                .map(|s| s.shared_keys().into_iter().map(|k| k.0 as i64).collect())
                .unwrap_or_default(),
            sharing: fa.friend.sharing.clone(),
        })
        .collect();

    let friends_complete = snapshot.friends_complete;
    let deleted_accounts: Vec<i64> = snapshot
        .deleted_accounts
        .iter()
        .map(|u| u.0 as i64)
        .collect();
    // Content restrictions need Plex Pass: the UI says so before anyone tries. Not knowing it
    // (plex.tv did not answer) keeps what was known.
    let plex_pass = match client.account().await {
        Ok(account) => Some(account.plex_pass),
        Err(e) => {
            tracing::info!(error = %e, "the owner's Plex Pass status is unknown this sync");
            None
        }
    };
    let identity = crate::settings::plex_server::ServerIdentity {
        machine_id: Some(server.machine_id.as_str().to_owned()),
        name: Some(server.name.clone()),
        plex_pass,
    };
    let report = db::run(pool, move |conn| {
        conn.immediate_transaction(|conn| {
            let known = crate::settings::plex_server::load(conn)?.plex_pass;
            let identity = crate::settings::plex_server::ServerIdentity {
                plex_pass: identity.plex_pass.or(known),
                ..identity
            };
            crate::settings::plex_server::save(conn, &identity)?;
            report.libraries = library_rows.len() as u64;
            for (key, plextv, title, kind) in &library_rows {
                if db::libraries::upsert(conn, *key, *plextv, title, kind, now)? {
                    report.libraries_added += 1;
                }
            }
            let seen_keys: Vec<i64> = library_rows.iter().map(|r| r.0).collect();
            report.libraries_removed =
                db::libraries::mark_removed_except(conn, &seen_keys, now)? as u64;
            let ids: BTreeMap<i64, i64> = db::libraries::ids_by_key(conn)?.into_iter().collect();

            report.friends = friend_rows.len() as u64;
            for seen in &friend_rows {
                let upserted = db::plex_users::upsert(conn, seen, now)?;
                let (row, new) = (upserted.id, upserted.new);
                if upserted.actual_changed {
                    crate::access::drift::tell_if_drifted(conn, row, access_now)?;
                }
                if new {
                    report.friends_added += 1;
                    // What they have now is the baseline Plexward keeps: a later difference
                    // on Plex is drift.
                    db::apply_states::record_success(
                        conn,
                        row,
                        seen.share_pending,
                        &seen.actual_keys,
                        None,
                        now,
                    )?;
                    for key in &seen.actual_keys {
                        if let Some(library) = ids.get(key) {
                            report.grants_imported +=
                                db::plex_users::insert_undated_grant(conn, row, *library, now)?
                                    as u64;
                        }
                    }
                }
            }
            let seen_friends: Vec<i64> = friend_rows.iter().map(|f| f.plex_user_id).collect();

            // A deleted plex.tv account is gone for good, whichever API listed it.
            report.friends_departed =
                db::plex_users::mark_departed(conn, &deleted_accounts, now)? as u64;
            if friends_complete {
                report.friends_departed +=
                    db::plex_users::mark_departed_except(conn, &seen_friends, now)? as u64;
            } else {
                // A share listing (plex.tv v2) names only friends with a share here: the
                // others lost it, or left Plex; either way they are not taken as gone.
                db::plex_users::clear_shares_except(conn, &seen_friends, now)?;
            }
            let settled = crate::access::invites::settle(conn, access_now)?;
            report.invites_accepted = settled.accepted.len() as u64;
            report.invites_ended = settled.withdrawn;
            Ok((report, settled.accepted))
        })
    })
    .await?;
    super::report_progress(pool, job_id, STEPS, STEPS).await;
    Ok(report)
}
