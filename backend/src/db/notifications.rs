//! Queries on `notification_channels`, `outbox_events` and `deliveries`.

use diesel::prelude::*;

use crate::db::schema::{deliveries, notification_channels, outbox_events};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = notification_channels)]
pub struct ChannelRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    /// JSON, no secrets.
    pub config: String,
    pub secret_sealed: Option<String>,
    /// JSON array of event names.
    pub events: String,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ChannelRow {
    pub fn event_names(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub channel_id: i64,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub last_status: Option<i64>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    /// A friend's own address (their reminder) instead of the channel's recipients.
    pub recipient: Option<String>,
}

pub fn channels(conn: &mut SqliteConnection) -> QueryResult<Vec<ChannelRow>> {
    notification_channels::table
        .order(notification_channels::name.asc())
        .select(ChannelRow::as_select())
        .load(conn)
}

pub fn channel(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<ChannelRow>> {
    notification_channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}

pub fn name_taken(
    conn: &mut SqliteConnection,
    name: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = notification_channels::table
        .filter(notification_channels::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(notification_channels::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// A channel's columns to write.
#[derive(Debug, Clone)]
pub struct ChannelValues<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub config: &'a str,
    pub secret_sealed: Option<&'a str>,
    pub events: &'a str,
    pub enabled: bool,
}

pub fn insert_channel(
    conn: &mut SqliteConnection,
    v: &ChannelValues<'_>,
    now: i64,
) -> QueryResult<ChannelRow> {
    diesel::insert_into(notification_channels::table)
        .values((
            notification_channels::kind.eq(v.kind),
            notification_channels::name.eq(v.name),
            notification_channels::config.eq(v.config),
            notification_channels::secret_sealed.eq(v.secret_sealed),
            notification_channels::events.eq(v.events),
            notification_channels::enabled.eq(v.enabled),
            notification_channels::created_at.eq(now),
            notification_channels::updated_at.eq(now),
        ))
        .returning(ChannelRow::as_returning())
        .get_result(conn)
}

pub fn update_channel(
    conn: &mut SqliteConnection,
    id: i64,
    v: &ChannelValues<'_>,
    now: i64,
) -> QueryResult<Option<ChannelRow>> {
    diesel::update(notification_channels::table.find(id))
        .set((
            notification_channels::name.eq(v.name),
            notification_channels::config.eq(v.config),
            notification_channels::secret_sealed.eq(v.secret_sealed),
            notification_channels::events.eq(v.events),
            notification_channels::enabled.eq(v.enabled),
            notification_channels::updated_at.eq(now),
        ))
        .returning(ChannelRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn delete_channel(conn: &mut SqliteConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(notification_channels::table.find(id)).execute(conn)? == 1)
}

/// Records event `id` (which happened at `occurred_at` on the access clock) and one pending
/// delivery per channel in `channels` (to `recipient` instead of the channel's own, when given),
/// due now (wall-clock time: delivery is operational).
pub fn insert_event(
    conn: &mut SqliteConnection,
    id: &str,
    event: &str,
    occurred_at: i64,
    payload: &str,
    channels: &[i64],
    recipient: Option<&str>,
) -> QueryResult<()> {
    let now = crate::db::time::now_ms();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::id.eq(id),
            outbox_events::event.eq(event),
            outbox_events::occurred_at.eq(occurred_at),
            outbox_events::payload.eq(payload),
        ))
        .execute(conn)?;
    for channel in channels {
        diesel::insert_into(deliveries::table)
            .values((
                deliveries::event_id.eq(id),
                deliveries::channel_id.eq(channel),
                deliveries::state.eq("pending"),
                deliveries::next_attempt_at.eq(now),
                deliveries::created_at.eq(now),
                deliveries::recipient.eq(recipient),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Pending deliveries due at `now`, oldest first (at most `limit`).
pub fn due(conn: &mut SqliteConnection, now: i64, limit: i64) -> QueryResult<Vec<DeliveryRow>> {
    deliveries::table
        .filter(deliveries::state.eq("pending"))
        .filter(deliveries::next_attempt_at.le(now))
        .order((deliveries::next_attempt_at.asc(), deliveries::id.asc()))
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// The soonest pending attempt, if any.
pub fn next_due(conn: &mut SqliteConnection) -> QueryResult<Option<i64>> {
    deliveries::table
        .filter(deliveries::state.eq("pending"))
        .select(diesel::dsl::min(deliveries::next_attempt_at))
        .first(conn)
}

pub fn event_payload(
    conn: &mut SqliteConnection,
    id: &str,
) -> QueryResult<Option<(String, String)>> {
    outbox_events::table
        .find(id)
        .select((outbox_events::event, outbox_events::payload))
        .first(conn)
        .optional()
}

/// The outcome of one attempt: delivered, retried at `next`, or dead.
pub fn record_attempt(
    conn: &mut SqliteConnection,
    id: i64,
    state: &str,
    next: i64,
    status: Option<i64>,
    error: Option<&str>,
    now: i64,
) -> QueryResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::state.eq(state),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::next_attempt_at.eq(next),
            deliveries::last_status.eq(status),
            deliveries::last_error.eq(error),
            deliveries::delivered_at.eq((state == "delivered").then_some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sends a delivery again from the start (a dead one, or a delivered one on request).
pub fn resend(conn: &mut SqliteConnection, id: i64, now: i64) -> QueryResult<bool> {
    let n = diesel::update(deliveries::table.find(id))
        .set((
            deliveries::state.eq("pending"),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::last_error.eq(None::<String>),
            deliveries::last_status.eq(None::<i64>),
            deliveries::delivered_at.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// A delivery with its event's name and when it happened.
pub type ListedDelivery = (DeliveryRow, String, i64);

/// A page of deliveries (newest first) with their event name, and how many match.
pub fn list(
    conn: &mut SqliteConnection,
    state: Option<&str>,
    channel: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ListedDelivery>, u64)> {
    let query = || {
        let mut q = deliveries::table
            .inner_join(outbox_events::table)
            .into_boxed();
        if let Some(state) = state {
            q = q.filter(deliveries::state.eq(state));
        }
        if let Some(channel) = channel {
            q = q.filter(deliveries::channel_id.eq(channel));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order((deliveries::created_at.desc(), deliveries::id.desc()))
        .limit(limit)
        .offset(offset)
        .select((
            DeliveryRow::as_select(),
            outbox_events::event,
            outbox_events::occurred_at,
        ))
        .load(conn)?;
    Ok((rows, total as u64))
}

pub fn delivery(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<DeliveryRow>> {
    deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// How many deliveries are still to be made.
pub fn undelivered(conn: &mut SqliteConnection) -> QueryResult<i64> {
    deliveries::table
        .filter(deliveries::state.eq("pending"))
        .count()
        .get_result(conn)
}

/// Windows that have begun and end in `(now, now + lead]`, of friends still here: `(friend,
/// library, ends_at)`.
pub fn ending_within(
    conn: &mut SqliteConnection,
    now: i64,
    lead_ms: i64,
) -> QueryResult<Vec<(i64, i64, i64)>> {
    use crate::db::schema::{grants, plex_users};
    grants::table
        .inner_join(plex_users::table)
        .filter(plex_users::departed_at.is_null())
        .filter(grants::ends_at.gt(now))
        .filter(grants::ends_at.le(now.saturating_add(lead_ms)))
        .filter(grants::starts_at.is_null().or(grants::starts_at.le(now)))
        .select((
            grants::plex_user_id,
            grants::library_id,
            grants::ends_at.assume_not_null(),
        ))
        .load(conn)
}

/// Marks the reminder for (friend, window end, lead) sent; false when it already was.
pub fn mark_reminded(
    conn: &mut SqliteConnection,
    friend: i64,
    ends_at: i64,
    lead_minutes: i64,
    now: i64,
) -> QueryResult<bool> {
    use crate::db::schema::reminders_sent;
    let n = diesel::insert_or_ignore_into(reminders_sent::table)
        .values((
            reminders_sent::plex_user_id.eq(friend),
            reminders_sent::ends_at.eq(ends_at),
            reminders_sent::lead_minutes.eq(lead_minutes),
            reminders_sent::sent_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// How many deliveries are failing: dead, or pending after a failed attempt.
pub fn failing(conn: &mut SqliteConnection) -> QueryResult<i64> {
    deliveries::table
        .filter(
            deliveries::state.eq("dead").or(deliveries::state
                .eq("pending")
                .and(deliveries::attempts.gt(0))),
        )
        .count()
        .get_result(conn)
}

/// Friend `id`'s own notification choices (`None`: the defaults).
pub fn friend_choices(
    conn: &mut SqliteConnection,
    id: i64,
) -> QueryResult<Option<(bool, Option<String>)>> {
    use crate::db::schema::friend_notifications as f;
    f::table
        .find(id)
        .select((f::reminder_emails, f::time_zone))
        .first(conn)
        .optional()
}

pub fn set_friend_choices(
    conn: &mut SqliteConnection,
    id: i64,
    reminder_emails: bool,
    time_zone: Option<&str>,
) -> QueryResult<()> {
    use crate::db::schema::friend_notifications as f;
    let values = (
        f::reminder_emails.eq(reminder_emails),
        f::time_zone.eq(time_zone),
    );
    diesel::insert_into(f::table)
        .values((f::plex_user_id.eq(id), values))
        .on_conflict(f::plex_user_id)
        .do_update()
        .set(values)
        .execute(conn)?;
    Ok(())
}
