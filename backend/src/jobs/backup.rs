//! Backup: a consistent copy of the database and the key files into `data_dir/backups/`, then the
//! oldest beyond `backups_keep` deleted. Started by `POST /api/v1/system/backups` or the backup
//! schedule; two never run at once.

use std::path::PathBuf;

use plexward_shared::{BackupReport, BackupTrigger};

use super::lifecycle::{Job, JobContext, Running};
use crate::backups::{self, BackupError};

pub const KIND: &str = "backup";

#[derive(Debug, Clone)]
pub struct BackupJob {
    pub trigger: BackupTrigger,
    pub data_dir: PathBuf,
    pub keep: usize,
}

impl Job for BackupJob {
    const KIND: &'static str = KIND;
    const AUDIT: Option<&'static str> = Some("system.backup");
    type Report = BackupReport;
    type Error = BackupError;

    async fn run(self, ctx: JobContext, job: Running) -> Result<BackupReport, BackupError> {
        job.progress(0, 1).await;
        let report = backups::make(&ctx.pool, &self.data_dir, self.trigger, self.keep).await?;
        job.progress(1, 1).await;
        Ok(report)
    }
}
