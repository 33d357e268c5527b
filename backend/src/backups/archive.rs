//! Making a backup archive ([`create`]) and reading one ([`read_manifest`], [`unpack`]).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::SqliteConnection;
use diesel::connection::SimpleConnection;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use plexward_shared::{BackupResponse, BackupTrigger};
use serde::{Deserialize, Serialize};

use super::BackupError;
use crate::{auth, settings, tls};

pub const MANIFEST: &str = "manifest.json";
/// The database's name, in the archive and in the data directory.
pub const DATABASE: &str = "plexward.db";
/// The archive layout [`create`] writes; [`unpack`] refuses others.
const FORMAT: u32 = 1;
/// A manifest or key file bigger than this is not one Plexward wrote.
const SMALL_FILE_MAX: u64 = 1 << 20;

/// What `manifest.json` says about a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub trigger: BackupTrigger,
    pub app_version: String,
    /// The newest migration applied to the database in it.
    pub schema_version: String,
    /// The key files in it besides the database, as paths under the data directory.
    pub files: Vec<String>,
}

/// The data directory's files a backup carries besides the database: the key that seals the Plex
/// token, the JWT key (sessions stay valid) and the certificates.
pub fn key_files() -> Vec<String> {
    let mut files = vec![
        settings::secret_box::KEY_FILE.to_owned(),
        auth::JWT_KEY_FILE.to_owned(),
    ];
    for name in [
        tls::SELF_SIGNED_CERT,
        tls::SELF_SIGNED_KEY,
        tls::CUSTOM_CERT,
        tls::CUSTOM_KEY,
    ] {
        files.push(format!("{}/{name}", tls::TLS_DIR));
    }
    files
}

/// Backs up the database `conn` is open on and the key files of `data_dir` into
/// `data_dir/backups/`, as one archive named after `now` and `trigger`. The copy is consistent
/// while Plexward runs: `VACUUM INTO` reads one snapshot.
pub fn create(
    conn: &mut SqliteConnection,
    data_dir: &Path,
    trigger: BackupTrigger,
    now: DateTime<Utc>,
) -> Result<BackupResponse, BackupError> {
    let dir = super::dir(data_dir);
    crate::data_dir::ensure(&dir)
        .map_err(BackupError::io("cannot create the backups directory"))?;
    let scratch = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    crate::data_dir::ensure(&scratch)
        .map_err(BackupError::io("cannot create a scratch directory"))?;
    let made = (|| {
        let copy = scratch.join(DATABASE);
        vacuum_into(conn, &copy)?;
        let manifest = Manifest {
            format: FORMAT,
            created_at: now.to_rfc3339_opts(SecondsFormat::Micros, true),
            trigger,
            app_version: crate::VERSION.to_owned(),
            schema_version: super::restore::latest_migration(conn)?,
            files: key_files()
                .into_iter()
                .filter(|f| data_dir.join(f).is_file())
                .collect(),
        };
        let path = unused_name(&dir, now, trigger);
        let partial = scratch.join("archive.tar.gz");
        write_archive(&partial, &manifest, data_dir, &copy)?;
        fs::rename(&partial, &path).map_err(BackupError::io("cannot move the backup in place"))?;
        info(&path, &manifest)
    })();
    let _ = fs::remove_dir_all(&scratch);
    made
}

/// `plexward-20261204T225500Z-manual.tar.gz`, with `-2`, `-3` … when one of that second exists.
fn unused_name(dir: &Path, now: DateTime<Utc>, trigger: BackupTrigger) -> PathBuf {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let trigger = trigger_name(trigger);
    let mut n = 1;
    loop {
        let name = match n {
            1 => format!("plexward-{stamp}-{trigger}.tar.gz"),
            n => format!("plexward-{stamp}-{trigger}-{n}.tar.gz"),
        };
        let path = dir.join(name);
        if !path.exists() {
            return path;
        }
        n += 1;
    }
}

fn trigger_name(trigger: BackupTrigger) -> &'static str {
    match trigger {
        BackupTrigger::Manual => "manual",
        BackupTrigger::Scheduled => "scheduled",
        BackupTrigger::BeforeRestore => "before-restore",
    }
}

fn vacuum_into(conn: &mut SqliteConnection, target: &Path) -> Result<(), BackupError> {
    let target = target
        .to_str()
        .ok_or_else(|| BackupError::Database("the data directory's path is not UTF-8".into()))?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .map_err(|e| BackupError::Database(format!("copying it failed: {e}")))
}

fn write_archive(
    path: &Path,
    manifest: &Manifest,
    data_dir: &Path,
    database: &Path,
) -> Result<(), BackupError> {
    let write = || -> std::io::Result<()> {
        let file = private_file(path)?;
        let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
        let json = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(u64::try_from(Utc::now().timestamp()).unwrap_or(0));
        header.set_cksum();
        tar.append_data(&mut header, MANIFEST, json.as_slice())?;
        tar.append_path_with_name(database, DATABASE)?;
        for file in &manifest.files {
            tar.append_path_with_name(data_dir.join(file), file)?;
        }
        let file = tar.into_inner()?.finish()?;
        file.sync_all()
    };
    write().map_err(BackupError::io("cannot write the backup archive"))
}

/// A new file readable by its owner only.
pub fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The listing entry of the archive at `path`.
pub fn info(path: &Path, manifest: &Manifest) -> Result<BackupResponse, BackupError> {
    let size_bytes = fs::metadata(path)
        .map_err(BackupError::io("cannot read the backup's size"))?
        .len();
    Ok(BackupResponse {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        size_bytes,
        created_at: manifest.created_at.clone(),
        trigger: manifest.trigger,
        app_version: manifest.app_version.clone(),
        schema_version: manifest.schema_version.clone(),
    })
}

fn not_a_backup(why: impl std::fmt::Display) -> BackupError {
    BackupError::Invalid(format!("this is not a Plexward backup ({why})"))
}

/// Reads `manifest.json`, the archive's first entry, without unpacking the rest.
pub fn read_manifest(path: &Path) -> Result<Manifest, BackupError> {
    let file = File::open(path).map_err(BackupError::io("cannot open the backup"))?;
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut entries = archive.entries().map_err(not_a_backup)?;
    let first = entries
        .next()
        .ok_or_else(|| not_a_backup("it is empty"))?
        .map_err(not_a_backup)?;
    manifest_of(first)
}

fn manifest_of(entry: tar::Entry<'_, impl Read>) -> Result<Manifest, BackupError> {
    let name = entry
        .path()
        .map_err(not_a_backup)?
        .to_string_lossy()
        .into_owned();
    if name != MANIFEST {
        return Err(not_a_backup(format!(
            "it starts with `{name}`, not {MANIFEST}"
        )));
    }
    let mut json = Vec::new();
    entry
        .take(SMALL_FILE_MAX)
        .read_to_end(&mut json)
        .map_err(not_a_backup)?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| not_a_backup(format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Invalid(format!(
            "this backup's layout ({}) is not one this Plexward ({}) reads; restore it with the \
             version that made it ({})",
            manifest.format,
            crate::VERSION,
            manifest.app_version
        )));
    }
    Ok(manifest)
}

/// Unpacks the archive at `path` into the empty directory `into`: its manifest, the database and
/// the key files it names. Any other entry (a path outside, a link, an unknown file) refuses it.
pub fn unpack(path: &Path, into: &Path) -> Result<Manifest, BackupError> {
    let file = File::open(path).map_err(BackupError::io("cannot open the backup"))?;
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut entries = archive.entries().map_err(not_a_backup)?;
    let manifest = manifest_of(
        entries
            .next()
            .ok_or_else(|| not_a_backup("it is empty"))?
            .map_err(not_a_backup)?,
    )?;
    let mut seen_database = false;
    for entry in entries {
        let mut entry = entry.map_err(not_a_backup)?;
        let name = entry
            .path()
            .map_err(not_a_backup)?
            .to_string_lossy()
            .into_owned();
        let is_database = name == DATABASE;
        if !(is_database || manifest.files.contains(&name) && key_files().contains(&name))
            || !entry.header().entry_type().is_file()
        {
            return Err(not_a_backup(format!(
                "it holds an unexpected entry `{name}`"
            )));
        }
        if !is_database && entry.header().size().unwrap_or(u64::MAX) > SMALL_FILE_MAX {
            return Err(not_a_backup(format!("`{name}` is too big for a key file")));
        }
        let target = into.join(&name);
        if let Some(parent) = target.parent() {
            crate::data_dir::ensure(parent).map_err(BackupError::io("cannot unpack the backup"))?;
        }
        let mut out = private_file(&target).map_err(BackupError::io("cannot unpack the backup"))?;
        std::io::copy(&mut entry, &mut out)
            .and_then(|_| out.flush())
            .map_err(|e| not_a_backup(format!("`{name}` cannot be read: {e}")))?;
        seen_database |= is_database;
    }
    if !seen_database {
        return Err(not_a_backup(format!("it holds no {DATABASE}")));
    }
    for file in &manifest.files {
        if !into.join(file).is_file() {
            return Err(not_a_backup(format!(
                "{file}, named in its manifest, is missing"
            )));
        }
    }
    Ok(manifest)
}
