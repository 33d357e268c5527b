//! The append-only `audit_events` table: writes, the viewer's filtered reads, and retention.
//! (Triggers in the schema refuse updates but a larger `count`, and deletes but of events past
//! the retention floors; see [`prune`].)

use diesel::prelude::*;
use diesel::sqlite::Sqlite;

use crate::db::schema::audit_events;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub details: Option<String>,
    /// The API token the change was made with (its id and name then), if any.
    pub token_id: Option<i64>,
    pub token_name: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub details: Option<String>,
    /// The API token the change was made with (its id and name then), if any.
    pub token_id: Option<i64>,
    pub token_name: Option<String>,
    /// How many refusals this row stands for (repeats from one address within its minute are
    /// folded into it; see [`fold`]).
    pub count: i64,
}

/// Counts `event` (a refusal) on the row of the same action, outcome and address written in the
/// same minute, if there is one; false when there is none (insert it then). Keeps a flood of
/// refusals to one row per address and minute.
pub fn fold(conn: &mut SqliteConnection, event: &NewAuditEvent) -> QueryResult<bool> {
    let Some(ip) = &event.ip else {
        return Ok(false);
    };
    let minute = event.at - event.at.rem_euclid(60_000);
    let row: Option<i64> = audit_events::table
        .filter(audit_events::action.eq(&event.action))
        .filter(audit_events::outcome.eq(&event.outcome))
        .filter(audit_events::ip.eq(ip))
        .filter(audit_events::at.ge(minute))
        .order(audit_events::id.desc())
        .select(audit_events::id)
        .first(conn)
        .optional()?;
    let Some(id) = row else {
        return Ok(false);
    };
    diesel::update(audit_events::table.find(id))
        .set(audit_events::count.eq(audit_events::count + 1))
        .execute(conn)?;
    Ok(true)
}

/// Action families about access (grants, sharing, what was sent to Plex, syncs, reconciles): never
/// pruned. The schema's delete trigger holds to the same list.
pub const KEPT_FOREVER: [&str; 4] = ["grants.", "sharing.", "plex.", "scheduler."];

/// Deletes refusals (`denied`) older than `denied_before` and, when given, every other event
/// older than `others_before` (Unix ms), never one of [`KEPT_FOREVER`]; how many of each.
pub fn prune(
    conn: &mut SqliteConnection,
    denied_before: i64,
    others_before: Option<i64>,
) -> QueryResult<(usize, usize)> {
    conn.immediate_transaction(|conn| {
        let prunable = || {
            let mut query = audit_events::table.into_boxed::<Sqlite>();
            for family in KEPT_FOREVER {
                query = query.filter(audit_events::action.not_like(format!("{family}%")));
            }
            query.select(audit_events::id)
        };
        let denied = diesel::delete(
            audit_events::table.filter(
                audit_events::id.eq_any(
                    prunable()
                        .filter(audit_events::outcome.eq("denied"))
                        .filter(audit_events::at.lt(denied_before)),
                ),
            ),
        )
        .execute(conn)?;
        let others = match others_before {
            None => 0,
            Some(before) => diesel::delete(
                audit_events::table.filter(
                    audit_events::id.eq_any(
                        prunable()
                            .filter(audit_events::outcome.ne("denied"))
                            .filter(audit_events::at.lt(before)),
                    ),
                ),
            )
            .execute(conn)?,
        };
        Ok((denied, others))
    })
}

pub fn insert(conn: &mut SqliteConnection, event: &NewAuditEvent) -> QueryResult<usize> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .execute(conn)
}

/// The newest events first, optionally for one action (tests and, later, the viewer).
pub fn recent(
    conn: &mut SqliteConnection,
    action: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_events::action.eq(action));
    }
    query.load(conn)
}

/// The newest events about one thing (`target_type`, `target_id`), e.g. a friend's history.
pub fn for_target(
    conn: &mut SqliteConnection,
    target_type: &str,
    target_id: &str,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::target_type.eq(target_type))
        .filter(audit_events::target_id.eq(target_id))
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// What the audit viewer asks for. All parts optional; together they narrow.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An action exactly, or a family: `grants` also matches `grants.set`.
    pub action: Option<String>,
    pub target: Option<(String, String)>,
    pub outcome: Option<String>,
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
}

fn filtered(filter: &AuditFilter) -> audit_events::BoxedQuery<'static, Sqlite> {
    let mut query = audit_events::table.into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_events::actor.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        // Callers allow only [a-z0-9_.] in actions; `_` is a LIKE wildcard, hence the escape.
        let family = format!("{}.%", action.replace('_', "\\_"));
        query = query.filter(
            audit_events::action
                .eq(action.clone())
                .or(audit_events::action.like(family).escape('\\')),
        );
    }
    if let Some((kind, id)) = &filter.target {
        query = query
            .filter(audit_events::target_type.eq(kind.clone()))
            .filter(audit_events::target_id.eq(id.clone()));
    }
    if let Some(outcome) = &filter.outcome {
        query = query.filter(audit_events::outcome.eq(outcome.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::at.lt(to));
    }
    query
}

/// One page of matching events, newest first, and how many match in all.
pub fn page(
    conn: &mut SqliteConnection,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let events = filtered(filter)
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((events, total))
}

/// Up to `limit` matching events with an id below `before` (all when `None`), newest first: the
/// export reads the trail in such batches, so it never holds all of it.
pub fn batch_before(
    conn: &mut SqliteConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = filtered(filter);
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before));
    }
    query
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// Events of `filter` written after event `after`, oldest first (the live stream's next batch).
pub fn after(
    conn: &mut SqliteConnection,
    filter: &AuditFilter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    filtered(filter)
        .filter(audit_events::id.gt(after))
        .order(audit_events::id.asc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The newest event's id (0 when there is none).
pub fn last_id(conn: &mut SqliteConnection) -> QueryResult<i64> {
    audit_events::table
        .select(diesel::dsl::max(audit_events::id))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// Every action recorded so far, for the viewer's filter.
pub fn actions(conn: &mut SqliteConnection) -> QueryResult<Vec<String>> {
    audit_events::table
        .select(audit_events::action)
        .distinct()
        .order(audit_events::action.asc())
        .load(conn)
}
