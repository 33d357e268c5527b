//! The apply job: makes Plex match each friend in turn (a bulk change, or the one friend a save
//! changed), with progress. The grants are already saved; a friend that fails here is retried by
//! the retry loop like any other failure, so the job's end is a report, not the last chance.
//!
//! Stopping (shutdown or restart) cuts the job short between two friends: the apply in flight
//! finishes, and the friends left are handed to the durable apply queue, which applies them
//! after the start. Every apply recomputes the plan, so none is applied twice.

use serde::Serialize;

use super::lifecycle::{Job, JobContext, Running};
use crate::access::applier::ApplyOutcome;

pub const KIND: &str = "apply";

#[derive(Debug, Clone)]
pub struct ApplyJob {
    pub friends: Vec<i64>,
}

/// What the job did, in `/api/v1/jobs/{id}`'s `result`.
#[derive(Debug, Default, Serialize)]
pub struct ApplyReport {
    pub friends: u64,
    /// Plex now matches.
    pub applied: u64,
    /// Failed; each is retried in the background.
    pub failed: u64,
    /// Left for the apply queue by a stop or restart (applied after it).
    #[serde(skip_serializing_if = "is_zero")]
    pub deferred: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Job for ApplyJob {
    const KIND: &'static str = KIND;
    const AUDIT: Option<&'static str> = None;
    type Report = ApplyReport;
    type Error = crate::jobs::apply_friend::QueueError;

    async fn run(self, ctx: JobContext, job: Running) -> Result<ApplyReport, Self::Error> {
        let total = self.friends.len() as i64;
        let mut report = ApplyReport {
            friends: self.friends.len() as u64,
            ..ApplyReport::default()
        };
        for (done, id) in self.friends.iter().enumerate() {
            if ctx.is_stopping() {
                let rest = &self.friends[done..];
                ctx.queue.push_many(rest).await?;
                report.deferred = rest.len() as u64;
                tracing::info!(
                    job = %job.id,
                    friends = rest.len(),
                    "stopping: the rest of the apply job is queued for after the start"
                );
                break;
            }
            match ctx.applier.apply(*id, &job.actor).await {
                Ok(ApplyOutcome::Matched) => report.applied += 1,
                Ok(ApplyOutcome::Failed { .. }) => report.failed += 1,
                Ok(ApplyOutcome::Departed | ApplyOutcome::Missing) => {}
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(friend = id, error = %e, "apply could not be recorded");
                }
            }
            job.progress(done as i64 + 1, total).await;
        }
        Ok(report)
    }
}
