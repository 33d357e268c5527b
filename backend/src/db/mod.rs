//! SQLite through diesel: the connection pool, per-connection pragmas, embedded migrations and the
//! one helper that runs blocking queries off the async executor. Queries live in one file per
//! table under this module, never in handlers.

pub mod access_requests;
pub mod accounts;
pub mod api_tokens;
pub mod apply_states;
pub mod audit;
pub mod friend_changes;
pub mod grant_edges;
pub mod idempotency_keys;
pub mod invites;
pub mod jobs;
pub mod libraries;
pub mod mfa;
pub mod notifications;
pub mod passkeys;
pub mod plans;
pub mod plays;
pub mod plex_users;
pub mod portal_sessions;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod sso;
pub mod time;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The migrations of `migrations/`, compiled into the binary and run at every start.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// How long a writer waits for SQLite's lock before giving up (another writer, a backup, …).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub type DbPool = Pool<ConnectionManager<SqliteConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// Why a database operation failed, split by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had, or SQLite is locked/read-only: retry later (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query failed for another reason (a bug or a constraint): HTTP 500 unless mapped.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Sets the pragmas every connection needs. WAL lets readers run beside the one writer;
/// `busy_timeout` makes writers wait instead of failing at once; foreign keys are off by default
/// in SQLite.
#[derive(Debug, Clone, Copy)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;",
            BUSY_TIMEOUT.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens (creating if needed) the database at `path`, switches it to WAL and runs pending
/// migrations.
pub fn connect(path: &Path) -> anyhow::Result<DbPool> {
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("database path {} is not UTF-8", path.display()))?;
    // Up to 8 connections when busy, but only 1 kept open when idle: r2d2 otherwise opens all 8
    // at start and keeps them, each with its own SQLite page cache and parsed schema.
    let pool = Pool::builder()
        .max_size(8)
        .min_idle(Some(1))
        .connection_timeout(BUSY_TIMEOUT)
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<SqliteConnection>::new(url))?;
    let mut conn = pool.get()?;
    // journal_mode is a property of the file, so once is enough.
    conn.batch_execute("PRAGMA journal_mode = WAL;")?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("running database migrations failed: {e}"))?;
    for migration in applied {
        tracing::info!(%migration, "applied database migration");
    }
    Ok(pool)
}

/// Runs blocking diesel work on the blocking thread pool, carrying the current tracing span.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, DbError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, diesel::result::Error> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(|e| unavailable(e.to_string()))?;
        work(&mut conn).map_err(classify)
    })
    .await
    .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

/// Whether two entity tags name the same version (weak comparison, RFC 9110 §8.8.3.2: `W/`
/// aside). Every `If-Match` Plexward checks against a stored version compares with this.
pub fn same_tag(a: &str, b: &str) -> bool {
    let opaque = |t: &str| {
        let t = t.trim();
        t.strip_prefix("W/").unwrap_or(t).to_owned()
    };
    opaque(a) == opaque(b)
}

/// How many times a query has found the database unavailable (locked, read-only, full), in this
/// process: a write probe older than the latest such failure is not trusted.
static UNAVAILABLE_SEEN: AtomicU64 = AtomicU64::new(0);

fn unavailable(message: String) -> DbError {
    UNAVAILABLE_SEEN.fetch_add(1, Ordering::Relaxed);
    DbError::Unavailable(message)
}

/// SQLite reports a locked, busy or read-only file as a generic error; those are outages, not bugs.
fn classify(err: diesel::result::Error) -> DbError {
    use diesel::result::Error;
    if let Error::DatabaseError(_, info) = &err {
        let msg = info.message().to_ascii_lowercase();
        if msg.contains("locked")
            || msg.contains("busy")
            || msg.contains("readonly")
            || msg.contains("read-only")
            || msg.contains("disk")
        {
            return unavailable(info.message().to_owned());
        }
    }
    DbError::Query(err)
}

/// How long the health check waits for SQLite's write lock: short, so a database locked by
/// another process shows as down at once instead of stalling the check for [`BUSY_TIMEOUT`].
const PROBE_BUSY_TIMEOUT: Duration = Duration::from_millis(500);

/// How long a good write probe is trusted: health may be polled many times a second, and each
/// probe is a committed write.
const PROBE_REUSED_FOR: Duration = Duration::from_secs(5);

/// The last good write probe, reused for [`PROBE_REUSED_FOR`] unless a query has found the
/// database unavailable since (then the next check probes at once).
#[derive(Debug, Default)]
pub struct ProbeCache {
    last_good: std::sync::Mutex<Option<(std::time::Instant, u64)>>,
}

impl ProbeCache {
    /// [`probe`], at most once every few seconds while it succeeds.
    pub async fn probe(&self, pool: &DbPool) -> Result<(), DbError> {
        let failures = UNAVAILABLE_SEEN.load(Ordering::Relaxed);
        let fresh = self
            .last_good
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some_and(|(at, seen)| seen == failures && at.elapsed() < PROBE_REUSED_FOR);
        if fresh {
            return Ok(());
        }
        let result = probe(pool).await;
        let mut last = self
            .last_good
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *last = result.is_ok().then(|| {
            (
                std::time::Instant::now(),
                UNAVAILABLE_SEEN.load(Ordering::Relaxed),
            )
        });
        result
    }
}

/// Whether the database answers *and takes a write*: commits the one row of `storage_probe`.
/// A `SELECT` passes while another process holds the write lock or the files are read-only,
/// which is when most requests fail.
pub async fn probe(pool: &DbPool) -> Result<(), DbError> {
    run(pool, |conn| {
        use diesel::prelude::*;
        use schema::storage_probe::dsl;
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};",
            PROBE_BUSY_TIMEOUT.as_millis()
        ))?;
        let now = time::now_ms();
        let written = diesel::insert_into(dsl::storage_probe)
            .values((dsl::id.eq(1), dsl::checked_at.eq(now)))
            .on_conflict(dsl::id)
            .do_update()
            .set(dsl::checked_at.eq(now))
            .execute(conn);
        // The connection goes back to the pool: it must wait as long as every other one.
        let restored = conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};",
            BUSY_TIMEOUT.as_millis()
        ));
        written?;
        restored
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};

    #[derive(QueryableByName)]
    struct Pragma {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
    }

    #[tokio::test]
    async fn connect_enables_wal_foreign_keys_and_migrates() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let pool = connect(&tmp.path().join("t.db")).expect("connects");
        let (mode, fk, tables) = run(&pool, |conn| {
            let mode = diesel::sql_query("PRAGMA journal_mode").get_result::<Pragma>(conn)?;
            let fk = diesel::sql_query("PRAGMA foreign_keys").get_result::<Flag>(conn)?;
            let tables = schema::settings::table.count().get_result::<i64>(conn)?;
            Ok((mode.journal_mode, fk.foreign_keys, tables))
        })
        .await
        .expect("queries run");
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert_eq!(tables, 0, "the settings table exists and is empty");
        // A second start finds nothing to migrate and keeps working.
        drop(pool);
        connect(&tmp.path().join("t.db")).expect("reopens");
    }
}
