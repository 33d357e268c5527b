//! Queries on `settings`: one JSON value per key. Typed settings live with their users; this file
//! only reads and writes the rows.

use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::schema::settings;

/// The value stored under `key`, or `T::default()` when there is none (or it no longer parses:
/// a setting whose shape changed falls back to defaults instead of stopping the app).
pub fn get<T: DeserializeOwned + Default>(
    conn: &mut SqliteConnection,
    key: &str,
) -> QueryResult<T> {
    let raw: Option<String> = settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?;
    Ok(raw
        .and_then(|raw| match serde_json::from_str(&raw) {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::warn!(key, error = %e, "stored setting does not parse; using defaults");
                None
            }
        })
        .unwrap_or_default())
}

/// The entity tag of what is stored under `keys` (`W/"s…"`): it changes whenever one of them is
/// saved with a new value, and is what `If-Match` on a settings write is compared with.
pub fn tag(conn: &mut SqliteConnection, keys: &[&str]) -> QueryResult<String> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let rows: Vec<(String, String)> = settings::table
        .filter(settings::key.eq_any(keys))
        .select((settings::key, settings::value))
        .order(settings::key)
        .load(conn)?;
    let mut hasher = DefaultHasher::new();
    rows.hash(&mut hasher);
    Ok(format!("W/\"s{:016x}\"", hasher.finish()))
}

/// Whether `expected` (an `If-Match` tag; `None`: no condition) still names what is stored under
/// `keys`. Call it inside the transaction that saves them.
pub fn still(
    conn: &mut SqliteConnection,
    keys: &[&str],
    expected: Option<&str>,
) -> QueryResult<bool> {
    let Some(expected) = expected else {
        return Ok(true);
    };
    Ok(crate::db::same_tag(&tag(conn, keys)?, expected))
}

pub fn put<T: Serialize>(conn: &mut SqliteConnection, key: &str, value: &T) -> QueryResult<()> {
    let raw = serde_json::to_string(value)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(settings::table)
        .values((settings::key.eq(key), settings::value.eq(&raw)))
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(&raw),
            settings::updated_at
                .eq(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        ))
        .execute(conn)?;
    Ok(())
}
