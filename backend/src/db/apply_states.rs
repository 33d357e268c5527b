//! Queries on `apply_states`: where applying each friend's plan stands.

use diesel::prelude::*;

use crate::db::schema::apply_states;
use crate::plex::SharingSettings;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = apply_states)]
pub struct ApplyRow {
    pub plex_user_id: i64,
    /// `applied`, `pending_invite`, `failed` or `queued`.
    pub state: String,
    pub error: Option<String>,
    pub attempts: i64,
    pub next_retry_at: Option<i64>,
    pub applied_at: Option<i64>,
    pub applied_libraries: Option<String>,
    pub updated_at: i64,
    pub applied_sharing: Option<String>,
}

impl ApplyRow {
    /// PMS keys Plexward last made Plex share (`None`: never succeeded).
    pub fn applied_keys(&self) -> Option<Vec<i64>> {
        self.applied_libraries
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// The sharing settings Plex had when Plexward last applied (`None`: not known).
    pub fn applied_sharing(&self) -> Option<SharingSettings> {
        crate::db::plex_users::parse_sharing(self.applied_sharing.as_deref())
    }
}

pub fn find(conn: &mut SqliteConnection, plex_user: i64) -> QueryResult<Option<ApplyRow>> {
    apply_states::table
        .find(plex_user)
        .select(ApplyRow::as_select())
        .first(conn)
        .optional()
}

pub fn all(conn: &mut SqliteConnection) -> QueryResult<Vec<ApplyRow>> {
    apply_states::table.select(ApplyRow::as_select()).load(conn)
}

/// The apply states of the friends in `ids` (those that have one).
pub fn some(conn: &mut SqliteConnection, ids: &[i64]) -> QueryResult<Vec<ApplyRow>> {
    apply_states::table
        .filter(apply_states::plex_user_id.eq_any(ids))
        .select(ApplyRow::as_select())
        .load(conn)
}

/// Plex was made to match: `keys` are the PMS keys it now shares, `sharing` its settings
/// (`None`: not known; the stored baseline stays).
pub fn record_success(
    conn: &mut SqliteConnection,
    plex_user: i64,
    pending_invite: bool,
    keys: &[i64],
    sharing: Option<&SharingSettings>,
    now: i64,
) -> QueryResult<()> {
    let state = if pending_invite {
        "pending_invite"
    } else {
        "applied"
    };
    let applied = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
    let values = (
        apply_states::state.eq(state),
        apply_states::error.eq(None::<String>),
        apply_states::attempts.eq(0),
        apply_states::next_retry_at.eq(None::<i64>),
        apply_states::applied_at.eq(Some(now)),
        apply_states::applied_libraries.eq(Some(applied)),
        apply_states::updated_at.eq(now),
    );
    diesel::insert_into(apply_states::table)
        .values((apply_states::plex_user_id.eq(plex_user), values.clone()))
        .on_conflict(apply_states::plex_user_id)
        .do_update()
        .set(values)
        .execute(conn)?;
    if let Some(sharing) = crate::db::plex_users::sharing_json(sharing) {
        diesel::update(apply_states::table.find(plex_user))
            .set(apply_states::applied_sharing.eq(Some(sharing)))
            .execute(conn)?;
    }
    Ok(())
}

/// The attempt failed; it is retried at `next_retry_at(failures in a row)`. Returns the number
/// of failures in a row and the retry time.
pub fn record_failure(
    conn: &mut SqliteConnection,
    plex_user: i64,
    error: &str,
    next_retry_at: impl FnOnce(i64) -> i64,
    now: i64,
) -> QueryResult<(i64, i64)> {
    let previous = find(conn, plex_user)?;
    let attempts = previous.as_ref().map_or(0, |p| p.attempts) + 1;
    let retry_at = next_retry_at(attempts);
    let values = (
        apply_states::state.eq("failed"),
        apply_states::error.eq(Some(error)),
        apply_states::attempts.eq(attempts),
        apply_states::next_retry_at.eq(Some(retry_at)),
        apply_states::updated_at.eq(now),
    );
    diesel::insert_into(apply_states::table)
        .values((apply_states::plex_user_id.eq(plex_user), values))
        .on_conflict(apply_states::plex_user_id)
        .do_update()
        .set(values)
        .execute(conn)?;
    Ok((attempts, retry_at))
}

/// Marks friends as waiting for an apply (a change was saved; the applier will pick it up).
pub fn mark_queued(conn: &mut SqliteConnection, plex_users: &[i64], now: i64) -> QueryResult<()> {
    for id in plex_users {
        diesel::insert_into(apply_states::table)
            .values((
                apply_states::plex_user_id.eq(id),
                apply_states::state.eq("queued"),
                apply_states::updated_at.eq(now),
            ))
            .on_conflict(apply_states::plex_user_id)
            .do_update()
            .set((
                apply_states::state.eq("queued"),
                apply_states::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Friends whose retry is due at `now`.
pub fn due_retries(conn: &mut SqliteConnection, now: i64) -> QueryResult<Vec<i64>> {
    apply_states::table
        .filter(apply_states::next_retry_at.le(now))
        .order(apply_states::next_retry_at.asc())
        .select(apply_states::plex_user_id)
        .load(conn)
}

/// Friends whose retry is due at `now`, with their retry moved to `lease_until` (one
/// transaction), so they are handed out once per lease.
pub fn claim_due_retries(
    conn: &mut SqliteConnection,
    now: i64,
    lease_until: i64,
) -> QueryResult<Vec<i64>> {
    conn.immediate_transaction(|conn| {
        let due = due_retries(conn, now)?;
        if !due.is_empty() {
            diesel::update(apply_states::table.filter(apply_states::plex_user_id.eq_any(&due)))
                .set(apply_states::next_retry_at.eq(lease_until))
                .execute(conn)?;
        }
        Ok(due)
    })
}
