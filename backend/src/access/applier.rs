//! The applier: makes Plex match one friend's plan, records what Plex now has and the outcome, and
//! schedules a retry when it fails. Never two applies for one friend at once (a per-friend lock),
//! and the database is the truth: an apply recomputes the plan from the grants at the moment it
//! runs, so a repeated or late apply is harmless.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use rand::Rng;
use serde_json::json;

use crate::access::friend::{Catalog, Friend, describe_plan};
use crate::access::planner::{ActualShare, Plan, plan_ending};
use crate::audit::{Actor, Event, Outcome};
use crate::clock::SharedClock;
use crate::db::time::from_ms;
use crate::db::{self, DbError, DbPool};
use crate::notify;
use crate::plex::connection::PlexConnection;
use crate::plex::{
    Invitee, LibraryKind, MachineId, NonEmptySet, Operation, PlexClient, PlexError, PlexSection,
    PlexSectionId, PmsKey, Routes, SectionMap, Share, SharingSettings, UserId,
};
use crate::settings::plex_server::{self, ServerIdentity};
use plexward_shared::PlanAction;

/// First retry after this long; doubles per failure up to [`RETRY_CAP_MS`].
const RETRY_BASE_MS: i64 = 30_000;
const RETRY_CAP_MS: i64 = 60 * 60 * 1000;

/// When to retry after the `attempts`-th failure in a row: exponential backoff with ±20 %
/// jitter (so many friends failing together do not retry in lockstep), capped. Revokes and
/// grants alike are retried forever: a failure is never dropped.
pub fn retry_delay_ms(attempts: i64, jitter: f64) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    let base = RETRY_BASE_MS.saturating_mul(1_i64 << exp).min(RETRY_CAP_MS);
    (base as f64 * (1.0 + 0.2 * jitter.clamp(-1.0, 1.0))) as i64
}

/// The Plex operation `plan` needs that plex.tv offers no route for any more, if any: a change
/// needing it is refused before anything is saved.
pub fn retired_operation(routes: &Routes, plan: &Plan) -> Option<Operation> {
    let needs: &[Operation] = match plan {
        Plan::Nothing => &[],
        Plan::Create { .. } => &[Operation::Sections, Operation::Create],
        Plan::Update { .. } => &[Operation::Sections, Operation::Update],
        Plan::Delete { .. } => &[Operation::Delete],
        Plan::RemoveFriend => &[Operation::RemoveFriend],
    };
    needs.iter().copied().find(|op| routes.unusable(*op))
}

/// How one apply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// Plex matches the grants (nothing was needed, or the change went through).
    Matched,
    /// The attempt failed; retried at `next_retry_at` (Unix ms).
    Failed { error: String, next_retry_at: i64 },
    /// The friend left Plex: nothing is applied any more.
    Departed,
    /// No such friend.
    Missing,
}

/// Why a call to Plex could not be made or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the Plex connection is not configured (server URL and token)")]
    NotConfigured,
    #[error("Plex: {0}")]
    Plex(#[from] PlexError),
    #[error("database: {0}")]
    Db(#[from] DbError),
}

/// A Plex client with the server's machine id and section map: what operations other than an
/// apply (invites) need, built the way an apply builds it.
#[derive(Debug)]
pub struct PlexSession {
    pub client: Arc<PlexClient>,
    pub mid: MachineId,
    pub sections: SectionMap,
}

/// What Plex has for the friend after a successful operation.
struct Done {
    share: Option<ActualShare>,
}

#[derive(Debug)]
pub struct Applier {
    pool: DbPool,
    plex: Arc<PlexConnection>,
    clock: SharedClock,
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Applies hold this shared, a sync exclusively (see [`Applier::exclude_applies`]).
    plex_state: tokio::sync::RwLock<()>,
    /// Held by a sync while it runs (see [`Applier::one_sync_at_a_time`]).
    syncs: tokio::sync::Mutex<()>,
    /// Plex's friend limit as configured (0 = not checked).
    friend_limit: u32,
}

impl Applier {
    pub fn new(pool: DbPool, plex: Arc<PlexConnection>, clock: SharedClock) -> Self {
        Self {
            pool,
            plex,
            clock,
            locks: Mutex::new(HashMap::new()),
            plex_state: tokio::sync::RwLock::new(()),
            syncs: tokio::sync::Mutex::new(()),
            friend_limit: crate::access::friend_limit::DEFAULT_LIMIT,
        }
    }

    /// The friend limit invites are checked against (0 = not checked).
    #[must_use]
    pub fn with_friend_limit(self, limit: u32) -> Self {
        Self {
            friend_limit: limit,
            ..self
        }
    }

    pub fn friend_limit(&self) -> u32 {
        self.friend_limit
    }

    /// Held by a sync from before it lists the shares on Plex until it has stored them: an apply
    /// recorded in between would be overwritten by the older listing, and the next apply would
    /// send the same change again. Applies wait meanwhile (a sync is three requests).
    pub async fn exclude_applies(&self) -> tokio::sync::RwLockWriteGuard<'_, ()> {
        self.plex_state.write().await
    }

    /// Held by a sync while it runs: a sync and a reconcile (which starts with a sync) never run
    /// at once; the second waits for the first. Per application, not per process: two
    /// applications in one process (the tests) never wait on each other.
    pub async fn one_sync_at_a_time(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.syncs.lock().await
    }

    /// Which sharing API each Plex operation uses.
    pub fn routes(&self) -> &Routes {
        self.plex.routes()
    }

    /// The time the access logic runs on.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The clock behind [`Applier::now`] (the deadline worker sleeps on it).
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    fn lock_of(&self, id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        // Forget locks nobody holds, so the map stays as small as the work in flight.
        locks.retain(|_, l| Arc::strong_count(l) > 1);
        locks.entry(id).or_default().clone()
    }

    /// Makes Plex match friend `id`'s grants now. `actor` is who caused it (audited).
    pub async fn apply(&self, id: i64, actor: &Actor) -> Result<ApplyOutcome, DbError> {
        let outcome = self.apply_locked(id, actor).await;
        if let Ok(outcome) = &outcome {
            let (label, matched) = match outcome {
                ApplyOutcome::Matched => ("matched", true),
                ApplyOutcome::Failed { .. } => ("failed", false),
                ApplyOutcome::Departed => ("departed", false),
                ApplyOutcome::Missing => ("missing", false),
            };
            crate::metrics::global().applied(id, label, matched, self.now());
        }
        outcome
    }

    async fn apply_locked(&self, id: i64, actor: &Actor) -> Result<ApplyOutcome, DbError> {
        let _no_sync = self.plex_state.read().await;
        let lock = self.lock_of(id);
        let _guard = lock.lock().await;
        let (friend, catalog) = db::run(&self.pool, move |conn| {
            Ok((Friend::load(conn, id)?, Catalog::load(conn)?))
        })
        .await?;
        let Some(friend) = friend else {
            return Ok(ApplyOutcome::Missing);
        };
        if friend.user.departed_at.is_some() {
            return Ok(ApplyOutcome::Departed);
        }
        let now = self.now();
        let planned = friend.plan(&catalog, now);
        if planned == Plan::Nothing {
            self.record_nothing_to_do(&friend, &catalog, now, actor)
                .await?;
            return Ok(ApplyOutcome::Matched);
        }
        let before = friend.actual_share();
        match self.execute(&friend, &catalog, now).await {
            Ok(done) => {
                self.record_success(&friend, &catalog, &planned, before.as_ref(), done, actor)
                    .await?;
                Ok(ApplyOutcome::Matched)
            }
            Err(ApplyError::Db(e)) => Err(e),
            Err(e) => {
                self.record_failure(&friend, &catalog, &planned, &e, actor)
                    .await
            }
        }
    }

    /// Plex already matches: clear a failure or a queued mark, and take what Plex has as the
    /// applied baseline (it differs when a crash cut off an apply plex.tv had carried out; not
    /// drift, since it is what the grants say), without writing when nothing changes (the
    /// scheduler calls this often). A baseline that moves is a change Plex made that was never
    /// audited (the crash came between plex.tv's answer and the record): it gets its one
    /// `plex.apply` event now, marked `recovered`.
    async fn record_nothing_to_do(
        &self,
        friend: &Friend,
        catalog: &Catalog,
        now: i64,
        actor: &Actor,
    ) -> Result<(), DbError> {
        let keys = friend.user.actual_keys();
        let pending = friend.user.share_pending;
        let wanted = if pending { "pending_invite" } else { "applied" };
        let moved = friend.drift();
        if friend.apply.as_ref().is_some_and(|a| a.state == wanted) && !moved {
            return Ok(());
        }
        let event = moved.then(|| {
            let before: BTreeSet<PmsKey> = applied_baseline(friend);
            let after: BTreeSet<PmsKey> = keys.iter().map(|k| PmsKey(*k as u64)).collect();
            let action = if friend.user.share_id.is_none() {
                PlanAction::Revoke
            } else if before.is_empty() {
                PlanAction::Invite
            } else {
                PlanAction::Update
            };
            Event::new("plex.apply", Outcome::Success, actor)
                .target("plex_user", friend.user.id)
                .details(json!({
                    "friend": friend.user.title,
                    "action": action,
                    "library_ids": catalog.ids_of(&after),
                    "added_library_ids": catalog.ids_of(after.difference(&before)),
                    "removed_library_ids": catalog.ids_of(before.difference(&after)),
                    "pending_invite": pending,
                    "recovered": true,
                }))
        });
        let id = friend.user.id;
        // Plex matches the plan, so managed settings are what Plex has: the new baseline.
        let sharing = friend.user.sharing.clone();
        db::run(&self.pool, move |conn| {
            conn.immediate_transaction(|conn| {
                db::apply_states::record_success(conn, id, pending, &keys, sharing.as_ref(), now)?;
                match event {
                    Some(event) => event.insert(conn),
                    None => Ok(()),
                }
            })
        })
        .await
    }

    async fn execute(
        &self,
        friend: &Friend,
        catalog: &Catalog,
        now: i64,
    ) -> Result<Done, ApplyError> {
        let client = match self.plex.client() {
            None => return Err(ApplyError::NotConfigured),
            Some(client) => client?,
        };
        let mid = self.machine_id(&client).await?;
        let mut sections = self.section_map().await?;
        let desired = friend.desired_keys(catalog, now);
        let anchor = catalog.anchor_key();
        let user = UserId(friend.user.plex_user_id as u64);
        let mut actual = friend.actual_share();
        // At most one re-list: Plex may have changed behind our back (a share deleted or created
        // on plex.tv directly). Replanning against the fresh listing fixes that once; a second
        // surprise is an error for the retry to handle.
        let managed = friend.user.sharing.as_ref();
        let end = friend.end_rule(catalog, now);
        for relisted in [false, true] {
            let step = plan_ending(&desired, managed, actual.as_ref(), anchor, end);
            // What Plex has for settings afterwards: what was sent, else what it had.
            let known = actual.as_ref().and_then(|a| a.sharing.clone());
            let result = match &step {
                Plan::Nothing => return Ok(Done { share: actual }),
                Plan::Create { libraries, sharing } => {
                    let ids = client
                        .resolve_sections(&mid, &mut sections, libraries)
                        .await?;
                    client
                        .create_share(&mid, &Invitee::User(user), &ids, sharing.as_ref())
                        .await
                        .map(|share| Done {
                            share: Some(observed(&share, libraries, sharing.clone().or(known))),
                        })
                }
                Plan::Update {
                    share_id,
                    libraries,
                    sharing,
                } => {
                    let ids = client
                        .resolve_sections(&mid, &mut sections, libraries)
                        .await?;
                    let after = sharing.clone().or(known);
                    client
                        .replace_share_libraries(&mid, *share_id, &ids, sharing.as_ref())
                        .await
                        .map(|share| Done {
                            share: Some(match share {
                                Some(share) => observed(&share, libraries, after),
                                None => ActualShare {
                                    share_id: *share_id,
                                    libraries: libraries.as_set().clone(),
                                    pending: actual.as_ref().is_some_and(|a| a.pending),
                                    sharing: after,
                                },
                            }),
                        })
                }
                Plan::Delete { share_id } => client
                    .delete_share(&mid, *share_id)
                    .await
                    .map(|()| Done { share: None }),
                // Not a friend any more either way: gone already is done.
                Plan::RemoveFriend => client
                    .remove_friend_if_present(&mid, user)
                    .await
                    .map(|()| Done { share: None }),
            };
            match result {
                Ok(done) => return Ok(done),
                Err(PlexError::NotFound { .. } | PlexError::AlreadyShared { .. }) if !relisted => {
                    tracing::warn!(
                        friend = friend.user.id,
                        "Plex's share differs from what Plexward knew; re-listing"
                    );
                    let known = actual.as_ref().and_then(|a| a.sharing.clone());
                    actual = client
                        .shares(&mid)
                        .await?
                        .iter()
                        .find(|s| s.user_id == user)
                        .map(|s| observed_all(s, known));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApplyError::Plex(PlexError::Unexpected {
            host: crate::plex::PlexHost::Plextv,
            status: 0,
            excerpt: "the share kept changing while it was being applied".into(),
        }))
    }

    /// A client for this server, with its machine id and section map.
    pub async fn plex_session(&self) -> Result<PlexSession, ApplyError> {
        let client = match self.plex.client() {
            None => return Err(ApplyError::NotConfigured),
            Some(client) => client?,
        };
        let mid = self.machine_id(&client).await?;
        let sections = self.section_map().await?;
        Ok(PlexSession {
            client,
            mid,
            sections,
        })
    }

    /// The server's machine id, from the last sync or (first time) from the server itself.
    async fn machine_id(&self, client: &PlexClient) -> Result<MachineId, ApplyError> {
        let stored = db::run(&self.pool, plex_server::load).await?;
        if let Some(mid) = stored.machine_id.as_deref().and_then(MachineId::new) {
            return Ok(mid);
        }
        let info = client.server_info().await?;
        let identity = ServerIdentity {
            machine_id: Some(info.machine_id.as_str().to_owned()),
            name: Some(info.name.clone()),
            plex_pass: stored.plex_pass,
        };
        db::run(&self.pool, move |conn| plex_server::save(conn, &identity)).await?;
        Ok(info.machine_id)
    }

    /// Whether the owner has Plex Pass: as the last sync found it, else asked of plex.tv now
    /// (`None`: not known, plex.tv did not answer).
    pub async fn owner_plex_pass(&self) -> Option<bool> {
        let stored = db::run(&self.pool, plex_server::load).await.ok()?;
        if stored.plex_pass.is_some() {
            return stored.plex_pass;
        }
        let client = self.plex.client()?.ok()?;
        let pass = client.account().await.ok()?.plex_pass;
        let identity = ServerIdentity {
            plex_pass: Some(pass),
            ..stored
        };
        if let Err(e) = db::run(&self.pool, move |conn| plex_server::save(conn, &identity)).await {
            tracing::warn!(error = %e, "cannot store the owner's Plex Pass status");
        }
        Some(pass)
    }

    /// PMS key ↔ plex.tv id as the last sync stored them; the client refetches on a miss.
    async fn section_map(&self) -> Result<SectionMap, ApplyError> {
        let libraries = db::run(&self.pool, db::libraries::list).await?;
        Ok(SectionMap {
            sections: libraries
                .into_iter()
                .filter(|l| l.removed_at.is_none())
                .filter_map(|l| {
                    Some(PlexSection {
                        id: PlexSectionId(u64::try_from(l.plextv_id?).ok()?),
                        key: PmsKey(l.pms_key as u64),
                        title: l.title,
                        kind: LibraryKind::parse(&l.kind),
                    })
                })
                .collect(),
        })
    }

    async fn record_success(
        &self,
        friend: &Friend,
        catalog: &Catalog,
        planned: &Plan,
        before: Option<&ActualShare>,
        done: Done,
        actor: &Actor,
    ) -> Result<(), DbError> {
        let id = friend.user.id;
        let now = self.now();
        let (share_id, pending, keys, sharing) = match &done.share {
            Some(s) => (
                Some(s.share_id.0 as i64),
                s.pending,
                s.libraries.iter().map(|k| k.0 as i64).collect::<Vec<_>>(),
                s.sharing.clone(),
            ),
            None => (None, false, Vec::new(), None),
        };
        // The baseline for drift: managed settings as Plex now has them.
        let baseline = sharing.clone().filter(|_| friend.user.sharing.is_some());
        let description = describe_plan(planned, before, catalog);
        // What the friend gained and lost on Plex, told in the same transaction.
        let titles = |ids: &[i64]| {
            ids.iter()
                .map(|id| catalog.title_of(*id))
                .collect::<Vec<_>>()
        };
        let who = plexward_shared::display_name(
            &friend.user.title,
            friend.user.username.as_deref(),
            friend.user.email.as_deref(),
        )
        .to_owned();
        let mut notices = Vec::new();
        let gained = titles(&description.added_library_ids);
        if !gained.is_empty() && !pending {
            let words = format!("{who} can now use {}.", notify::and_list(&gained));
            notices.push(notify::Notice::about(
                "access.started",
                &friend.user,
                gained,
                words,
            ));
        }
        let lost = titles(&description.removed_library_ids);
        if !lost.is_empty() {
            let words = format!("{who} can no longer use {}.", notify::and_list(&lost));
            notices.push(notify::Notice::about(
                "access.ended",
                &friend.user,
                lost,
                words,
            ));
        }
        let event = Event::new("plex.apply", Outcome::Success, actor)
            .target("plex_user", id)
            .details(json!({
                "friend": friend.user.title,
                "action": description.action,
                "library_ids": description.library_ids,
                "added_library_ids": description.added_library_ids,
                "removed_library_ids": description.removed_library_ids,
                "pending_invite": pending,
            }));
        // Removed from Plex's friends now, or a friend again after the new invite.
        let removed = match planned {
            Plan::RemoveFriend => Some(Some(now)),
            Plan::Create { .. } if friend.user.removed_at.is_some() => Some(None),
            _ => None,
        };
        db::run(&self.pool, move |conn| {
            conn.immediate_transaction(|conn| {
                db::plex_users::record_share(conn, id, share_id, pending, &keys, sharing.as_ref())?;
                db::apply_states::record_success(conn, id, pending, &keys, baseline.as_ref(), now)?;
                if let Some(at) = removed {
                    db::plex_users::record_removed(conn, id, at)?;
                }
                for notice in &notices {
                    notify::record(conn, notice, now)?;
                }
                event.insert(conn)
            })
        })
        .await
    }

    async fn record_failure(
        &self,
        friend: &Friend,
        catalog: &Catalog,
        planned: &Plan,
        error: &ApplyError,
        actor: &Actor,
    ) -> Result<ApplyOutcome, DbError> {
        let id = friend.user.id;
        let now = self.now();
        let message = error.to_string();
        let jitter: f64 = rand::rng().random_range(-1.0..=1.0);
        let description = describe_plan(planned, friend.actual_share().as_ref(), catalog);
        let stored = message.clone();
        let title = friend.user.title.clone();
        let user = friend.user.clone();
        let actor = actor.clone();
        let (attempts, next_retry_at) = db::run(&self.pool, move |conn| {
            conn.immediate_transaction(|conn| {
                let (attempts, retry_at) = db::apply_states::record_failure(
                    conn,
                    id,
                    &stored,
                    |n| now + retry_delay_ms(n, jitter),
                    now,
                )?;
                Event::new("plex.apply", Outcome::Failure, &actor)
                    .target("plex_user", id)
                    .details(json!({
                        "friend": title,
                        "action": description.action,
                        "library_ids": description.library_ids,
                        "error": stored,
                        "attempts": attempts,
                        "next_retry_at": plexward_shared::time::format(&from_ms(retry_at)),
                    }))
                    .insert(conn)?;
                // After the third failure in a row, then about daily (retries are hourly by then).
                if attempts == 3 || (attempts > 3 && (attempts - 3) % 24 == 0) {
                    let mut notice = notify::Notice::about(
                        "apply.failed",
                        &user,
                        Vec::new(),
                        format!("Plex has refused {title}'s change {attempts} times: {stored}"),
                    );
                    notice.details = json!({"attempts": attempts, "error": stored});
                    notify::record(conn, &notice, now)?;
                }
                Ok((attempts, retry_at))
            })
        })
        .await?;
        tracing::warn!(friend = id, attempts, error = %message, "apply failed; will retry");
        Ok(ApplyOutcome::Failed {
            error: message,
            next_retry_at,
        })
    }
}

/// What a share Plex returned says, trusting the libraries we sent when it lists none.
/// The libraries Plexward last recorded as applied for `friend` (none when never applied).
fn applied_baseline(friend: &Friend) -> BTreeSet<PmsKey> {
    friend
        .apply
        .as_ref()
        .and_then(|a| a.applied_keys())
        .unwrap_or_default()
        .into_iter()
        .map(|k| PmsKey(k as u64))
        .collect()
}

fn observed(
    share: &Share,
    sent: &NonEmptySet<PmsKey>,
    sharing: Option<SharingSettings>,
) -> ActualShare {
    let listed = share.shared_keys();
    ActualShare {
        share_id: share.id,
        libraries: if listed.is_empty() {
            sent.as_set().clone()
        } else {
            listed
        },
        pending: share.is_pending(),
        sharing,
    }
}

/// What a share in a listing says (settings are listed with friends, so `sharing` is what was
/// known).
fn observed_all(share: &Share, sharing: Option<SharingSettings>) -> ActualShare {
    ActualShare {
        share_id: share.id,
        libraries: share.shared_keys(),
        pending: share.is_pending(),
        sharing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        assert_eq!(retry_delay_ms(1, 0.0), 30_000);
        assert_eq!(retry_delay_ms(2, 0.0), 60_000);
        assert_eq!(retry_delay_ms(3, 0.0), 120_000);
        assert_eq!(retry_delay_ms(8, 0.0), RETRY_CAP_MS);
        assert_eq!(retry_delay_ms(1_000, 0.0), RETRY_CAP_MS);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        assert_eq!(retry_delay_ms(1, 1.0), 36_000);
        assert_eq!(retry_delay_ms(1, -1.0), 24_000);
        assert_eq!(retry_delay_ms(1, 5.0), 36_000);
    }
}
