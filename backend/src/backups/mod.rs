//! Backups of the database and the key files, and restoring one.
//!
//! A backup is one `.tar.gz` in `data_dir/backups/`: `manifest.json` first (who made it, when, at
//! which schema), then `plexward.db` (a consistent copy made with `VACUUM INTO` while Plexward
//! runs), `secret.key` and `jwt.key`, and the certificate files of `tls/`. The key files are in it
//! on purpose: without `secret.key` the sealed Plex token in the database cannot be opened. So a
//! backup is as secret as the data directory itself (files are created 0600).
//!
//! [`archive`] makes and reads them, [`store`] lists, prunes and deletes them, [`restore`] checks
//! one (integrity, schema) and puts it in place, by the CLI (`plexward restore FILE`, Plexward
//! stopped) or staged from the UI and put in place by the serve loop before it starts again.

pub mod archive;
pub mod restore;
pub mod store;

use std::path::{Path, PathBuf};

/// `data_dir/backups/`.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// Why a backup could not be made, found, read or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no backup named `{0}`")]
    NotFound(String),
    /// The file is not a backup this Plexward can restore (damaged, not one at all, too new).
    #[error("{0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the database: {0}")]
    Database(String),
}

impl BackupError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

/// Makes a backup of the running database into `data_dir/backups/` and prunes to the newest
/// `keep`, off the async runtime.
pub async fn make(
    pool: &crate::db::DbPool,
    data_dir: &Path,
    trigger: plexward_shared::BackupTrigger,
    keep: usize,
) -> Result<plexward_shared::BackupReport, BackupError> {
    let (pool, data_dir) = (pool.clone(), data_dir.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool
            .get()
            .map_err(|e| BackupError::Database(format!("no connection: {e}")))?;
        let backup = archive::create(&mut conn, &data_dir, trigger, chrono::Utc::now())?;
        let pruned = store::prune(&data_dir, keep)?;
        Ok(plexward_shared::BackupReport { backup, pruned })
    })
    .await
    .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

/// Where backups go and how many are kept; the schedule.
#[derive(Debug, Clone)]
pub struct BackupPlan {
    pub data_dir: PathBuf,
    /// Hours between scheduled backups; 0 = none.
    pub interval_hours: u32,
    pub keep: usize,
}

impl BackupPlan {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            data_dir: config.data_dir.clone(),
            interval_hours: config.backup_interval_hours,
            keep: usize::try_from(config.backups_keep).unwrap_or(usize::MAX),
        }
    }
}

/// Why a restore from the UI did not start.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
}

/// Restores the backup at `source` from the UI: checks it (nothing changes if it fails), stages
/// it, keeps a backup of the database as it is now (`before_restore`), records who asked, and
/// restarts; the serve loop puts the staged backup in place before it starts again.
pub async fn start_restore(
    pool: &crate::db::DbPool,
    plan: &BackupPlan,
    control: &crate::settings::server::ServerControl,
    actor: &crate::audit::Actor,
    ip: Option<String>,
    source: &Path,
    host: &str,
) -> Result<plexward_shared::RestoreResponse, RestoreError> {
    use crate::audit::{Event, Outcome};
    let (data_dir, source_path) = (plan.data_dir.clone(), source.to_owned());
    let checked = tokio::task::spawn_blocking(move || {
        let checked = restore::check(&data_dir, &source_path)?;
        let info = archive::info(&source_path, &checked.manifest)?;
        Ok::<_, BackupError>((info, checked.pending_migrations))
    })
    .await
    .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()));
    let (backup, pending_migrations) = match checked {
        Ok(found) => found,
        Err(e) => {
            Event::new("system.restore", Outcome::Failure, actor)
                .ip(ip)
                .details(serde_json::json!({ "error": e.to_string() }))
                .record(pool)
                .await;
            return Err(e.into());
        }
    };
    // After the check, so a bad file is named as such wherever it is sent.
    if !control.restart.is_enabled() {
        return Err(crate::settings::SettingsError::RestartUnavailable.into());
    }
    let mut details = serde_json::json!({
        "backup": backup.name,
        "created_at": backup.created_at,
        "made_by": backup.app_version,
        "schema_version": backup.schema_version,
        "pending_migrations": pending_migrations,
    });
    // Staged before the backup of now is made: its pruning may delete `source`.
    let note = restore::StagedNote {
        actor_id: actor.id,
        actor: actor.name.clone(),
        ip: ip.clone(),
        details: details.clone(),
    };
    let (data_dir, source_path) = (plan.data_dir.clone(), source.to_owned());
    tokio::task::spawn_blocking(move || restore::stage(&data_dir, &source_path, &note))
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))?;
    let kept = match make(
        pool,
        &plan.data_dir,
        plexward_shared::BackupTrigger::BeforeRestore,
        plan.keep,
    )
    .await
    {
        Ok(kept) => kept,
        Err(e) => {
            restore::unstage(&plan.data_dir);
            return Err(e.into());
        }
    };
    details["kept_aside"] = kept.backup.name.clone().into();
    Event::new("system.restore", Outcome::Success, actor)
        .ip(ip.clone())
        .details(details)
        .record(pool)
        .await;
    let url = crate::settings::server_update::restart(pool, control, actor, ip, host).await?;
    Ok(plexward_shared::RestoreResponse {
        backup,
        url,
        kept_aside: kept.backup.name,
    })
}
