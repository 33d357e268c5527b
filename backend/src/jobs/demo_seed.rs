//! Demo mode's first-run content, so a newcomer sees the timeline move instead of "Nobody gains
//! or loses a library in the next 30 days": a sync, three access plans, scheduled and weekly
//! windows for a few of the simulator's friends, and a pending invite with a plan. Through the
//! same services as the API (validated, audited, applied), once per data directory.

use plexward_shared::{AccessPlanRequest, CreateInviteRequest, EndPolicy, PlanGrant, Repeat};
use serde::Serialize;

use super::lifecycle::{Job, JobContext, Running};
use crate::access::change::{self, Applied};
use crate::access::friend::{Catalog, Friend};
use crate::access::grants::NewGrant;
use crate::access::{invites, plans};
use crate::audit::Actor;
use crate::db;

pub const KIND: &str = "demo_seed";

/// Set once seeded: a restart of demo mode keeps what the user did.
const SEEDED_KEY: &str = "demo.seeded";

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

#[derive(Debug, Clone, Copy, Default)]
pub struct DemoSeedJob;

#[derive(Debug, Default, Serialize)]
pub struct DemoSeedReport {
    pub seeded: bool,
    pub plans: u64,
    pub friends: u64,
    pub invites: u64,
}

impl Job for DemoSeedJob {
    const KIND: &'static str = KIND;
    const AUDIT: Option<&'static str> = None;
    type Report = DemoSeedReport;
    type Error = String;

    async fn run(self, ctx: JobContext, job: Running) -> Result<DemoSeedReport, String> {
        let pool = &ctx.pool;
        let applier = &*ctx.applier;
        let seeded: bool = db::run(pool, |conn| db::settings::get(conn, SEEDED_KEY))
            .await
            .map_err(|e| e.to_string())?;
        if seeded {
            return Ok(DemoSeedReport::default());
        }
        let client = match ctx.plex.client() {
            Some(Ok(client)) => client,
            _ => {
                tracing::info!("demo content not seeded: no Plex connection (the simulator)");
                return Ok(DemoSeedReport::default());
            }
        };
        super::sync::sync(pool, &client, applier, &job.id)
            .await
            .map_err(|e| e.to_string())?;
        let (friends, catalog) = db::run(pool, |conn| {
            Ok((Friend::load_all(conn)?, Catalog::load(conn)?))
        })
        .await
        .map_err(|e| e.to_string())?;
        let library = |title: &str| catalog.id_titled(title).ok();
        let friend = |username: &str| {
            friends
                .iter()
                .find(|f| f.user.username.as_deref() == Some(username))
                .map(|f| f.user.id)
        };
        let actor = Actor::system();
        let mut report = DemoSeedReport {
            seeded: true,
            ..DemoSeedReport::default()
        };
        let (Some(movies), Some(tv)) = (library("Movies"), library("TV Shows")) else {
            return Err("the simulator has no Movies and TV Shows libraries".into());
        };
        let music = library("Music");

        // Plans.
        let weekly = |days: &[&str], from: &str, to: &str| Repeat {
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            from: from.into(),
            to: to.into(),
            first_date: None,
            last_date: None,
        };
        let relative = |library_id, duration: Option<&str>| PlanGrant {
            library_id,
            duration: duration.map(Into::into),
            ..PlanGrant::default()
        };
        let demo_plans = [
            AccessPlanRequest {
                reminder_leads_minutes: None,
                name: "Trial — Movies + TV, 14 days".into(),
                description: Some(
                    "For new friends: two weeks, then this server's share ends.".into(),
                ),
                grants: vec![relative(movies, Some("P14D")), relative(tv, Some("P14D"))],
                sharing: None,
                end_policy: Some(EndPolicy::RemoveShare),
            },
            AccessPlanRequest {
                reminder_leads_minutes: None,
                name: "Weekend movie nights".into(),
                description: Some("Movies on Friday and Saturday evenings.".into()),
                grants: vec![PlanGrant {
                    library_id: movies,
                    repeat: Some(weekly(&["fri", "sat"], "18:00", "23:30")),
                    ..PlanGrant::default()
                }],
                sharing: None,
                end_policy: None,
            },
            AccessPlanRequest {
                reminder_leads_minutes: None,
                name: "Family — no end".into(),
                description: None,
                grants: [Some(movies), Some(tv), music]
                    .into_iter()
                    .flatten()
                    .map(|id| relative(id, None))
                    .collect(),
                sharing: None,
                end_policy: Some(EndPolicy::KeepFriend),
            },
        ];
        let mut trial = None;
        for plan in &demo_plans {
            match plans::create(pool, applier, plan, &actor).await {
                Ok(made) => {
                    report.plans += 1;
                    trial.get_or_insert(made.id);
                }
                Err(e) => tracing::warn!(plan = %plan.name, error = %e, "demo plan not created"),
            }
        }

        // Windows that move: one ending in three days with a weekly extra, one starting
        // tomorrow, one ending this evening.
        let now = applier.now();
        let weekend_tv = db::plex_users::Repeat {
            days: 32 | 64,
            from: 10 * 60,
            to: 22 * 60,
            first_date: None,
            last_date: None,
        };
        let mut changes: Vec<(i64, Vec<NewGrant>)> = Vec::new();
        if let Some(alice) = friend("alice") {
            changes.push((
                alice,
                vec![
                    NewGrant::window(movies, None, Some(now + 3 * DAY)),
                    NewGrant {
                        library_id: tv,
                        starts_at: None,
                        ends_at: None,
                        repeat: Some(weekend_tv),
                    },
                ],
            ));
        }
        if let Some(erin) = friend("erin") {
            let mut grants = vec![NewGrant::window(tv, None, None)];
            if let Some(music) = music {
                grants.push(NewGrant::window(music, None, Some(now + 6 * HOUR)));
            }
            changes.push((erin, grants));
        }
        if let Some(carol) = friend("carol") {
            changes.push((
                carol,
                vec![NewGrant::window(
                    movies,
                    Some(now + DAY),
                    Some(now + 15 * DAY),
                )],
            ));
        }
        for (id, grants) in changes {
            let compute = move |_: &Friend, _: &Catalog, _: i64| Ok(grants.clone());
            let applied = change::change_friend(
                pool,
                applier,
                id,
                &actor,
                "grants.set",
                false,
                None,
                &compute,
                |id| async move {
                    let outcome = applier.apply(id, &Actor::system()).await?;
                    Ok(Applied {
                        matched: outcome == crate::access::applier::ApplyOutcome::Matched,
                        job_id: None,
                    })
                },
            )
            .await;
            match applied {
                Ok(_) => report.friends += 1,
                Err(e) => tracing::warn!(friend = id, error = %e, "demo windows not set"),
            }
        }

        // An invite waiting to be accepted (accept it on the simulator: `POST /__sim/accept/…`).
        let invite = CreateInviteRequest {
            identifier: "cousin@example.com".into(),
            plan_id: trial,
            note: Some("Demo: accept it on the simulator to start its 14 days".into()),
            ..CreateInviteRequest::default()
        };
        match invites::create(pool, applier, &invite, &actor).await {
            Ok(_) => report.invites += 1,
            Err(e) => tracing::warn!(error = %e, "demo invite not sent"),
        }
        db::run(pool, |conn| db::settings::put(conn, SEEDED_KEY, &true))
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            plans = report.plans,
            friends = report.friends,
            invites = report.invites,
            "demo content seeded"
        );
        Ok(report)
    }
}
