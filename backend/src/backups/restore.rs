//! Restoring a backup: [`check`] unpacks it aside and proves it sound (the archive's layout,
//! SQLite's integrity check, a schema this version knows), [`install`] moves the current database
//! and key files aside and puts the backup's in their place, then migrates it forward. The CLI
//! (`plexward restore FILE`) does both while Plexward is stopped; the UI [`stage`]s a checked
//! backup and restarts, and the serve loop calls [`apply_staged`] before it starts again.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

use super::BackupError;
use super::archive::{self, DATABASE, Manifest};
use crate::db;

/// The restore the UI staged, put in place at the next start.
pub const STAGED: &str = "restore-staged.tar.gz";
/// Who staged it and what for: the restored database gets the audit event too (the one written
/// before the restart is in the database the restore replaces).
pub const STAGED_NOTE: &str = "restore-staged.json";
/// A staged restore that failed at start is renamed to this, and the start goes on.
pub const FAILED: &str = "restore-failed.tar.gz";

/// A backup unpacked into a scratch directory, found sound.
#[derive(Debug)]
pub struct Checked {
    pub manifest: Manifest,
    /// Migrations this version will apply to it.
    pub pending_migrations: usize,
    scratch: PathBuf,
}

impl Drop for Checked {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.scratch);
    }
}

/// What [`install`] did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Where the replaced database and key files were moved.
    pub replaced: PathBuf,
    pub migrated: usize,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// The newest migration applied to the database `conn` is open on.
pub fn latest_migration(conn: &mut SqliteConnection) -> Result<String, BackupError> {
    diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
        .get_result::<Version>(conn)
        .map(|v| v.version.unwrap_or_default())
        .map_err(|e| BackupError::Database(e.to_string()))
}

fn known_migrations() -> Result<BTreeSet<String>, BackupError> {
    MigrationSource::<Sqlite>::migrations(&db::MIGRATIONS)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .map_err(|e| BackupError::Database(format!("this build's migrations: {e}")))
}

/// Unpacks the backup at `path` under `data_dir/backups/` and checks it.
pub fn check(data_dir: &Path, path: &Path) -> Result<Checked, BackupError> {
    let scratch = super::dir(data_dir).join(format!(".restore-{}", uuid::Uuid::new_v4().simple()));
    crate::data_dir::ensure(&scratch)
        .map_err(BackupError::io("cannot create a scratch directory"))?;
    // From here, dropping `checked` removes the scratch directory, on every path.
    let mut checked = Checked {
        manifest: archive::unpack(path, &scratch).inspect_err(|_| {
            let _ = fs::remove_dir_all(&scratch);
        })?,
        pending_migrations: 0,
        scratch,
    };
    checked.pending_migrations = check_database(&checked.scratch.join(DATABASE))?;
    Ok(checked)
}

/// SQLite's integrity check, and a schema this version knows all of; answers how many of this
/// version's migrations it lacks.
fn check_database(path: &Path) -> Result<usize, BackupError> {
    let damaged = |why: String| {
        BackupError::Invalid(format!(
            "the database in this backup is damaged or not a Plexward database ({why})"
        ))
    };
    let url = path
        .to_str()
        .ok_or_else(|| BackupError::Database("the data directory's path is not UTF-8".into()))?;
    let mut conn = SqliteConnection::establish(url).map_err(|e| damaged(e.to_string()))?;
    let rows = diesel::sql_query("PRAGMA integrity_check")
        .load::<IntegrityRow>(&mut conn)
        .map_err(|e| damaged(e.to_string()))?;
    if rows.len() != 1 || rows[0].integrity_check != "ok" {
        let found: Vec<_> = rows
            .into_iter()
            .take(3)
            .map(|r| r.integrity_check)
            .collect();
        return Err(damaged(format!("integrity check: {}", found.join("; "))));
    }
    let applied: BTreeSet<String> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Version>(&mut conn)
            .map_err(|e| damaged(e.to_string()))?
            .into_iter()
            .filter_map(|v| v.version)
            .collect();
    let known = known_migrations()?;
    if let Some(unknown) = applied.difference(&known).last() {
        return Err(BackupError::Invalid(format!(
            "this backup was made by a newer Plexward: its database has migration {unknown}, \
             which Plexward {} does not know; upgrade Plexward, then restore it",
            crate::VERSION
        )));
    }
    // Leaves no journal beside it: it is moved as one file.
    conn.batch_execute("PRAGMA journal_mode = DELETE")
        .map_err(|e| damaged(e.to_string()))?;
    Ok(known.difference(&applied).count())
}

/// The database's files and the key files, as paths under the data directory.
fn replaced_files() -> Vec<String> {
    let mut files = vec![
        DATABASE.to_owned(),
        format!("{DATABASE}-wal"),
        format!("{DATABASE}-shm"),
    ];
    files.extend(archive::key_files());
    files
}

/// Moves `data_dir`'s database and key files into `data_dir/backups/replaced-<time>/`, puts the
/// checked backup's in their place and migrates the database to this version. Plexward must not
/// be running on `data_dir`.
pub fn install(data_dir: &Path, checked: Checked) -> Result<Installed, BackupError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let replaced = unused_dir(&super::dir(data_dir), &format!("replaced-{stamp}"));
    crate::data_dir::ensure(&replaced).map_err(BackupError::io(
        "cannot create the directory for the replaced files",
    ))?;
    let mut moved_aside = Vec::new();
    let mut put_in = Vec::new();
    let result = (|| {
        for file in replaced_files() {
            if data_dir.join(&file).exists() {
                move_file(&data_dir.join(&file), &replaced.join(&file))?;
                moved_aside.push(file);
            }
        }
        let incoming = std::iter::once(DATABASE.to_owned()).chain(checked.manifest.files.clone());
        for file in incoming {
            move_file(&checked.scratch.join(&file), &data_dir.join(&file))?;
            put_in.push(file);
        }
        Ok::<_, BackupError>(())
    })();
    if let Err(e) = result {
        // Put back what was there, so a failed restore leaves Plexward as it was.
        for file in put_in {
            let _ = fs::remove_file(data_dir.join(file));
        }
        for file in moved_aside {
            let _ = move_file(&replaced.join(&file), &data_dir.join(&file));
        }
        return Err(e);
    }
    let migrated = checked.pending_migrations;
    drop(checked);
    // Migrates the restored database forward (and sets WAL again).
    let pool = db::connect(&data_dir.join(DATABASE))
        .map_err(|e| BackupError::Database(format!("migrating the restored database: {e:#}")))?;
    drop(pool);
    Ok(Installed { replaced, migrated })
}

fn unused_dir(parent: &Path, base: &str) -> PathBuf {
    let mut n = 1;
    loop {
        let path = match n {
            1 => parent.join(base),
            n => parent.join(format!("{base}-{n}")),
        };
        if !path.exists() {
            return path;
        }
        n += 1;
    }
}

fn move_file(from: &Path, to: &Path) -> Result<(), BackupError> {
    if let Some(parent) = to.parent() {
        crate::data_dir::ensure(parent).map_err(BackupError::io("cannot create a directory"))?;
    }
    fs::rename(from, to).map_err(BackupError::io(format!("cannot move {}", from.display())))
}

/// Who asked for a staged restore, for the audit event written into the restored database.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StagedNote {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

/// Copies the checked backup at `path` to where the next start finds it ([`STAGED`]), with
/// `note` beside it.
pub fn stage(data_dir: &Path, path: &Path, note: &StagedNote) -> Result<(), BackupError> {
    let json = serde_json::to_vec(note).map_err(|e| BackupError::Database(e.to_string()))?;
    crate::tls::write_atomically(&data_dir.join(STAGED_NOTE), &json, true)
        .map_err(BackupError::io("cannot stage the backup"))?;
    let partial = data_dir.join(format!(".{STAGED}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let copy = || -> std::io::Result<()> {
        let mut out = archive::private_file(&partial)?;
        std::io::copy(&mut fs::File::open(path)?, &mut out)?;
        out.sync_all()?;
        fs::rename(&partial, data_dir.join(STAGED))
    };
    copy().map_err(|e| {
        let _ = fs::remove_file(&partial);
        BackupError::io("cannot stage the backup")(e)
    })
}

/// Drops a staged restore (its start failed before the restart).
pub fn unstage(data_dir: &Path) {
    let _ = fs::remove_file(data_dir.join(STAGED));
    let _ = fs::remove_file(data_dir.join(STAGED_NOTE));
}

/// Puts a staged restore in place, if there is one. Never stops the start: a staged backup that
/// fails now (it was checked when staged) is kept as [`FAILED`] and logged, and Plexward starts
/// on the database it has.
pub fn apply_staged(data_dir: &Path) {
    let staged = data_dir.join(STAGED);
    if !staged.is_file() {
        return;
    }
    let done = check(data_dir, &staged).and_then(|checked| {
        let manifest = checked.manifest.clone();
        install(data_dir, checked).map(|installed| (manifest, installed))
    });
    let note = fs::read(data_dir.join(STAGED_NOTE))
        .ok()
        .and_then(|json| serde_json::from_slice::<StagedNote>(&json).ok());
    let _ = fs::remove_file(data_dir.join(STAGED_NOTE));
    match done {
        Ok((manifest, installed)) => {
            let _ = fs::remove_file(&staged);
            if let Some(note) = note {
                record_in_restored(data_dir, note);
            }
            tracing::warn!(
                created_at = manifest.created_at,
                made_by = manifest.app_version,
                migrated = installed.migrated,
                replaced = %installed.replaced.display(),
                "restored the staged backup"
            );
        }
        Err(e) => {
            let _ = fs::rename(&staged, data_dir.join(FAILED));
            tracing::error!(error = %e, kept = FAILED, "the staged backup could not be restored; starting with the current database");
        }
    }
}

/// Writes the restore's audit event into the database just restored.
fn record_in_restored(data_dir: &Path, note: StagedNote) {
    use crate::audit::{Actor, Event, Outcome};
    let written = data_dir
        .join(DATABASE)
        .to_str()
        .ok_or_else(|| "the data directory's path is not UTF-8".to_owned())
        .and_then(|url| SqliteConnection::establish(url).map_err(|e| e.to_string()))
        .and_then(|mut conn| {
            let actor = Actor {
                id: note.actor_id,
                name: note.actor,
                ip: note.ip,
                via_token: None,
            };
            Event::new("system.restore", Outcome::Success, &actor)
                .details(note.details)
                .insert(&mut conn)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not write the restore into the restored audit trail");
    }
}
