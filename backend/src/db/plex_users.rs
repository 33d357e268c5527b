//! Queries on `plex_users` and `grants`.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{
    actual_libraries, friend_activity, friend_end, friend_plans, grants, libraries, plex_users,
};
use crate::plex::SharingSettings;
use plexward_shared::EndPolicy;

/// A friend's row of `plex_users`, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plex_users)]
struct PlexUserRow {
    id: i64,
    plex_user_id: i64,
    title: String,
    username: Option<String>,
    email: Option<String>,
    thumb: Option<String>,
    home: bool,
    share_id: Option<i64>,
    share_pending: bool,
    departed_at: Option<i64>,
    first_seen_at: i64,
    last_synced_at: i64,
    actual_sharing: Option<String>,
    sharing: Option<String>,
    version: i64,
}

/// A friend's row with their `friend_end` and `friend_plans` columns (left-joined: none
/// without a row).
type JoinedRow = (
    PlexUserRow,
    Option<String>,
    Option<i64>,
    Option<(i64, String, i64, i64)>,
    Option<String>,
    Option<i64>,
);

/// `plex_users` with `friend_end` and `friend_plans`, as [`JoinedRow`]s.
macro_rules! joined {
    () => {
        plex_users::table
            .left_join(friend_end::table)
            .left_join(friend_plans::table)
            .left_join(friend_activity::table)
            .select((
                PlexUserRow::as_select(),
                friend_end::end_policy.nullable(),
                friend_end::removed_at.nullable(),
                (
                    friend_plans::plan_id,
                    friend_plans::plan_name,
                    friend_plans::plan_version,
                    friend_plans::given_at,
                )
                    .nullable(),
                friend_plans::reminder_leads.nullable(),
                friend_activity::last_watched_at.nullable(),
            ))
    };
}

/// The access plan a friend was given last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenPlanRow {
    pub plan_id: i64,
    pub name: String,
    pub version: i64,
    pub given_at: i64,
    /// The plan's own reminder leads when given (`None`: the notification settings').
    pub reminder_leads: Option<Vec<u32>>,
}

/// Sharing settings as stored (JSON).
pub(crate) fn sharing_json(settings: Option<&SharingSettings>) -> Option<String> {
    settings.and_then(|s| serde_json::to_string(s).ok())
}

/// Stored sharing settings; a value that no longer parses counts as unknown.
pub(crate) fn parse_sharing(raw: Option<&str>) -> Option<SharingSettings> {
    raw.and_then(|r| serde_json::from_str(r).ok())
}

/// A friend as Plex last showed them (a sync, or Plexward's own apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlexUser {
    pub id: i64,
    pub plex_user_id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub thumb: Option<String>,
    pub home: bool,
    pub share_id: Option<i64>,
    pub share_pending: bool,
    /// PMS keys Plex shares with them (rows of `actual_libraries`), ascending.
    pub actual: Vec<i64>,
    pub departed_at: Option<i64>,
    pub first_seen_at: i64,
    pub last_synced_at: i64,
    /// Their sharing settings on Plex (`None`: not known yet).
    pub actual_sharing: Option<SharingSettings>,
    /// The sharing settings Plexward makes Plex have (`None`: not managed).
    pub sharing: Option<SharingSettings>,
    /// Edit version: one more with every saved change of grants or sharing settings (the
    /// friend's ETag names it; `If-Match` compares it).
    pub version: i64,
    /// What happens when their access ends (`None`: the default in *Settings → Plex*).
    pub end_policy: Option<EndPolicy>,
    /// When Plexward removed them from the owner's Plex friends (`remove_friend`); cleared when
    /// Plex lists them again.
    pub removed_at: Option<i64>,
    /// The access plan they were given last.
    pub given_plan: Option<GivenPlanRow>,
    /// When they last watched something on this server (a play in the history, or a session
    /// seen playing), as far as syncs read it.
    pub last_watched_at: Option<i64>,
}

impl PlexUser {
    fn from_row(
        (row, end_policy, removed_at, plan, leads, last_watched_at): JoinedRow,
        actual: Vec<i64>,
    ) -> Self {
        Self {
            id: row.id,
            plex_user_id: row.plex_user_id,
            title: row.title,
            username: row.username,
            email: row.email,
            thumb: row.thumb,
            home: row.home,
            share_id: row.share_id,
            share_pending: row.share_pending,
            actual,
            departed_at: row.departed_at,
            first_seen_at: row.first_seen_at,
            last_synced_at: row.last_synced_at,
            actual_sharing: parse_sharing(row.actual_sharing.as_deref()),
            sharing: parse_sharing(row.sharing.as_deref()),
            version: row.version,
            end_policy: end_policy.as_deref().and_then(EndPolicy::parse),
            removed_at,
            given_plan: plan.map(|(plan_id, name, version, given_at)| GivenPlanRow {
                plan_id,
                name,
                version,
                given_at,
                reminder_leads: leads.and_then(|l| serde_json::from_str(&l).ok()),
            }),
            last_watched_at,
        }
    }

    /// PMS keys Plex says the friend has.
    pub fn actual_keys(&self) -> Vec<i64> {
        self.actual.clone()
    }
}

/// A friend as a sync sees them on Plex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenFriend {
    pub plex_user_id: i64,
    pub title: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub thumb: Option<String>,
    pub home: bool,
    pub share_id: Option<i64>,
    pub share_pending: bool,
    /// PMS keys actually shared.
    pub actual_keys: Vec<i64>,
    /// Their sharing settings (`None`: Plex did not say; the stored ones stay).
    pub sharing: Option<SharingSettings>,
}

/// Every friend, departed ones last, by title.
pub fn list(conn: &mut SqliteConnection) -> QueryResult<Vec<PlexUser>> {
    let rows: Vec<JoinedRow> = joined!()
        .order((
            plex_users::departed_at.is_not_null(),
            plex_users::title.asc(),
        ))
        .load(conn)?;
    let mut actual = actual_by_friend(conn, None)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let keys = actual.remove(&row.0.id).unwrap_or_default();
            PlexUser::from_row(row, keys)
        })
        .collect())
}

/// The friends with these ids (those that exist), in no particular order.
pub fn list_some(conn: &mut SqliteConnection, ids: &[i64]) -> QueryResult<Vec<PlexUser>> {
    let rows: Vec<JoinedRow> = joined!().filter(plex_users::id.eq_any(ids)).load(conn)?;
    let mut actual = actual_by_friend(conn, Some(ids))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let keys = actual.remove(&row.0.id).unwrap_or_default();
            PlexUser::from_row(row, keys)
        })
        .collect())
}

/// PMS keys Plex shares, by friend (all friends, or those in `only`), each ascending.
fn actual_by_friend(
    conn: &mut SqliteConnection,
    only: Option<&[i64]>,
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut query = actual_libraries::table
        .select((actual_libraries::plex_user_id, actual_libraries::pms_key))
        .order((actual_libraries::plex_user_id, actual_libraries::pms_key))
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(actual_libraries::plex_user_id.eq_any(ids));
    }
    let mut by_friend: HashMap<i64, Vec<i64>> = HashMap::new();
    for (friend, key) in query.load::<(i64, i64)>(conn)? {
        by_friend.entry(friend).or_default().push(key);
    }
    Ok(by_friend)
}

/// Makes the stored shared keys of friend `id` exactly `keys`, touching only the rows that
/// differ (so an unchanged share writes nothing, and the read model sees no change).
/// Sets friend `id`'s libraries on Plex; whether they changed.
fn set_actual(conn: &mut SqliteConnection, id: i64, keys: &[i64]) -> QueryResult<bool> {
    let mut changed = diesel::delete(
        actual_libraries::table
            .filter(actual_libraries::plex_user_id.eq(id))
            .filter(actual_libraries::pms_key.ne_all(keys)),
    )
    .execute(conn)?;
    for key in keys {
        changed += diesel::insert_or_ignore_into(actual_libraries::table)
            .values((
                actual_libraries::plex_user_id.eq(id),
                actual_libraries::pms_key.eq(key),
            ))
            .execute(conn)?;
    }
    Ok(changed > 0)
}

/// What [`upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    pub id: i64,
    pub new: bool,
    /// An existing friend's libraries on Plex differ from the last sync's.
    pub actual_changed: bool,
}

/// Inserts or refreshes a friend.
pub fn upsert(conn: &mut SqliteConnection, seen: &SeenFriend, now: i64) -> QueryResult<Upserted> {
    let existing: Option<i64> = plex_users::table
        .filter(plex_users::plex_user_id.eq(seen.plex_user_id))
        .select(plex_users::id)
        .first(conn)
        .optional()?;
    let values = (
        plex_users::title.eq(&seen.title),
        plex_users::username.eq(seen.username.as_deref()),
        plex_users::email.eq(seen.email.as_deref()),
        plex_users::thumb.eq(seen.thumb.as_deref()),
        plex_users::home.eq(seen.home),
        plex_users::share_id.eq(seen.share_id),
        plex_users::share_pending.eq(seen.share_pending),
        plex_users::departed_at.eq(None::<i64>),
        plex_users::last_synced_at.eq(now),
    );
    let sharing = sharing_json(seen.sharing.as_ref());
    if let Some(id) = existing {
        diesel::update(plex_users::table.find(id))
            .set(values)
            .execute(conn)?;
        if sharing.is_some() {
            diesel::update(plex_users::table.find(id))
                .set(plex_users::actual_sharing.eq(&sharing))
                .execute(conn)?;
        }
        let actual_changed = set_actual(conn, id, &seen.actual_keys)?;
        // Listed again (re-invited after `remove_friend`): a friend like any other.
        record_removed(conn, id, None)?;
        return Ok(Upserted {
            id,
            new: false,
            actual_changed,
        });
    }
    let id = diesel::insert_into(plex_users::table)
        .values((
            values,
            plex_users::plex_user_id.eq(seen.plex_user_id),
            plex_users::first_seen_at.eq(now),
            plex_users::actual_sharing.eq(&sharing),
        ))
        .returning(plex_users::id)
        .get_result(conn)?;
    set_actual(conn, id, &seen.actual_keys)?;
    Ok(Upserted {
        id,
        new: true,
        actual_changed: false,
    })
}

/// Marks friends not in `seen` (plex.tv user ids) as departed; returns how many newly were.
/// Friends Plexward itself removed (`removed_at`) are expected to be missing: not departed.
pub fn mark_departed_except(
    conn: &mut SqliteConnection,
    seen: &[i64],
    now: i64,
) -> QueryResult<usize> {
    let removed = friend_end::table
        .filter(friend_end::removed_at.is_not_null())
        .select(friend_end::plex_user_id);
    diesel::update(
        plex_users::table
            .filter(plex_users::plex_user_id.ne_all(seen))
            .filter(plex_users::departed_at.is_null())
            .filter(plex_users::id.ne_all(removed)),
    )
    .set(plex_users::departed_at.eq(now))
    .execute(conn)
}

/// Friends whose plex.tv account is gone (`plex_user_ids`), marked departed. Returns how many
/// were not already.
pub fn mark_departed(
    conn: &mut SqliteConnection,
    plex_user_ids: &[i64],
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        plex_users::table
            .filter(plex_users::plex_user_id.eq_any(plex_user_ids))
            .filter(plex_users::departed_at.is_null()),
    )
    .set(plex_users::departed_at.eq(now))
    .execute(conn)
}

/// Friends not in `seen` keep their place but lose their share on this server: what a listing
/// of shares alone (plex.tv v2) says about them, which cannot tell "no share here" from "left
/// Plex". Returns how many had one.
pub fn clear_shares_except(
    conn: &mut SqliteConnection,
    seen: &[i64],
    now: i64,
) -> QueryResult<usize> {
    let unseen: Vec<i64> = plex_users::table
        .filter(plex_users::plex_user_id.ne_all(seen))
        .filter(plex_users::departed_at.is_null())
        .filter(plex_users::share_id.is_not_null())
        .select(plex_users::id)
        .load(conn)?;
    for id in &unseen {
        diesel::update(plex_users::table.find(id))
            .set((
                plex_users::share_id.eq(None::<i64>),
                plex_users::share_pending.eq(false),
                plex_users::last_synced_at.eq(now),
            ))
            .execute(conn)?;
        set_actual(conn, *id, &[])?;
    }
    Ok(unseen.len())
}

/// An undated grant (always active), unless one exists for that library.
pub fn insert_undated_grant(
    conn: &mut SqliteConnection,
    plex_user: i64,
    library: i64,
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_or_ignore_into(grants::table)
        .values((
            grants::plex_user_id.eq(plex_user),
            grants::library_id.eq(library),
            grants::created_at.eq(now),
            grants::updated_at.eq(now),
        ))
        .execute(conn)
}

/// How many people the server is shared with, accepted or pending (not departed, Home users
/// aside): what Plex's friend limit counts (see `access::friend_limit`).
pub fn count_sharing(conn: &mut SqliteConnection) -> QueryResult<u64> {
    let n: i64 = plex_users::table
        .filter(plex_users::departed_at.is_null())
        .filter(plex_users::home.eq(false))
        .filter(plex_users::share_id.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(n.max(0) as u64)
}

pub fn find(conn: &mut SqliteConnection, id: i64) -> QueryResult<Option<PlexUser>> {
    let Some(row) = joined!()
        .filter(plex_users::id.eq(id))
        .first::<JoinedRow>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let actual = actual_libraries::table
        .filter(actual_libraries::plex_user_id.eq(id))
        .order(actual_libraries::pms_key)
        .select(actual_libraries::pms_key)
        .load(conn)?;
    Ok(Some(PlexUser::from_row(row, actual)))
}

/// A friend's grants: `(library id, library PMS key, starts_at, ends_at, weekly rule)`, by
/// library title.
pub type GrantRow = (i64, i64, Option<i64>, Option<i64>, Option<Repeat>);

/// A weekly rule as the `grants.repeat_*` columns hold it (no time zone: the server's applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// Days of the week as bits, Monday = 1 … Sunday = 64.
    pub days: u8,
    /// Minutes after local midnight.
    pub from: u16,
    pub to: u16,
    pub first_date: Option<chrono::NaiveDate>,
    pub last_date: Option<chrono::NaiveDate>,
}

/// The `repeat_*` columns as read.
type RepeatColumns = (
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<String>,
);

fn repeat_of((days, from, to, first, last): RepeatColumns) -> Option<Repeat> {
    let date = |d: Option<String>| d.and_then(|d| d.parse().ok());
    Some(Repeat {
        days: u8::try_from(days?).ok()?,
        from: u16::try_from(from?).ok()?,
        to: u16::try_from(to?).ok()?,
        first_date: date(first),
        last_date: date(last),
    })
}

fn row_of(
    (library_id, pms_key, starts_at, ends_at, repeat): (
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        RepeatColumns,
    ),
) -> GrantRow {
    (library_id, pms_key, starts_at, ends_at, repeat_of(repeat))
}

/// The columns [`row_of`] reads.
macro_rules! grant_columns {
    () => {
        (
            grants::library_id,
            libraries::pms_key,
            grants::starts_at,
            grants::ends_at,
            (
                grants::repeat_days,
                grants::repeat_from,
                grants::repeat_to,
                grants::repeat_first_date,
                grants::repeat_last_date,
            ),
        )
    };
}

pub fn grants_of(conn: &mut SqliteConnection, plex_user: i64) -> QueryResult<Vec<GrantRow>> {
    Ok(grants::table
        .inner_join(libraries::table)
        .filter(grants::plex_user_id.eq(plex_user))
        .order(libraries::title.asc())
        .select(grant_columns!())
        .load(conn)?
        .into_iter()
        .map(row_of)
        .collect())
}

/// Every friend's grants, grouped by friend id.
pub fn all_grants(conn: &mut SqliteConnection) -> QueryResult<HashMap<i64, Vec<GrantRow>>> {
    grants_by_friend(conn, None)
}

/// The grants of the friends in `ids`, grouped by friend id.
pub fn grants_of_some(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<GrantRow>>> {
    grants_by_friend(conn, Some(ids))
}

fn grants_by_friend(
    conn: &mut SqliteConnection,
    only: Option<&[i64]>,
) -> QueryResult<HashMap<i64, Vec<GrantRow>>> {
    let mut query = grants::table
        .inner_join(libraries::table)
        .order(libraries::title.asc())
        .select((grants::plex_user_id, grant_columns!()))
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(grants::plex_user_id.eq_any(ids));
    }
    let rows: Vec<(i64, _)> = query.load(conn)?;
    let mut by_user: HashMap<i64, Vec<GrantRow>> = HashMap::new();
    for (user, grant) in rows {
        by_user.entry(user).or_default().push(row_of(grant));
    }
    Ok(by_user)
}

/// What Plex now has for the friend after Plexward changed it (`share_id` `None`: no share;
/// `sharing` `None`: the settings were not changed).
pub fn record_share(
    conn: &mut SqliteConnection,
    id: i64,
    share_id: Option<i64>,
    pending: bool,
    keys: &[i64],
    sharing: Option<&SharingSettings>,
) -> QueryResult<()> {
    diesel::update(plex_users::table.find(id))
        .set((
            plex_users::share_id.eq(share_id),
            plex_users::share_pending.eq(pending && share_id.is_some()),
        ))
        .execute(conn)?;
    if let Some(sharing) = sharing_json(sharing) {
        diesel::update(plex_users::table.find(id))
            .set(plex_users::actual_sharing.eq(Some(sharing)))
            .execute(conn)?;
    }
    set_actual(conn, id, keys).map(drop)
}

/// Counts an edit of friend `id`: one more on their version, if it is still `expected` (`None`:
/// whatever it is). False when it is not (someone saved a change since): write nothing then.
pub fn bump_version(
    conn: &mut SqliteConnection,
    id: i64,
    expected: Option<i64>,
) -> QueryResult<bool> {
    let bump = plex_users::version.eq(plex_users::version + 1);
    let n = match expected {
        Some(v) => diesel::update(plex_users::table.find(id).filter(plex_users::version.eq(v)))
            .set(bump)
            .execute(conn)?,
        None => diesel::update(plex_users::table.find(id))
            .set(bump)
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Friend `id` was given `plan` at `at`.
pub fn record_given_plan(
    conn: &mut SqliteConnection,
    id: i64,
    plan: &GivenPlanRow,
) -> QueryResult<()> {
    let leads = plan
        .reminder_leads
        .as_ref()
        .and_then(|l| serde_json::to_string(l).ok());
    let values = (
        friend_plans::plan_id.eq(plan.plan_id),
        friend_plans::plan_name.eq(&plan.name),
        friend_plans::plan_version.eq(plan.version),
        friend_plans::given_at.eq(plan.given_at),
        friend_plans::reminder_leads.eq(leads.as_deref()),
    );
    diesel::insert_into(friend_plans::table)
        .values((friend_plans::plex_user_id.eq(id), values))
        .on_conflict(friend_plans::plex_user_id)
        .do_update()
        .set(values)
        .execute(conn)?;
    Ok(())
}

/// Friend `id`'s own end policy (`None`: the default).
pub fn set_end_policy(
    conn: &mut SqliteConnection,
    id: i64,
    policy: Option<EndPolicy>,
) -> QueryResult<()> {
    let policy = policy.map(EndPolicy::as_str);
    diesel::insert_into(friend_end::table)
        .values((
            friend_end::plex_user_id.eq(id),
            friend_end::end_policy.eq(policy),
        ))
        .on_conflict(friend_end::plex_user_id)
        .do_update()
        .set(friend_end::end_policy.eq(policy))
        .execute(conn)?;
    Ok(())
}

/// Plexward removed friend `id` from the owner's Plex friends at `at` (`None`: they are a
/// friend again, re-invited): no share, no libraries.
pub fn record_removed(conn: &mut SqliteConnection, id: i64, at: Option<i64>) -> QueryResult<()> {
    if at.is_none() {
        diesel::update(friend_end::table.find(id))
            .set(friend_end::removed_at.eq(None::<i64>))
            .execute(conn)?;
        return Ok(());
    }
    diesel::insert_into(friend_end::table)
        .values((
            friend_end::plex_user_id.eq(id),
            friend_end::removed_at.eq(at),
        ))
        .on_conflict(friend_end::plex_user_id)
        .do_update()
        .set(friend_end::removed_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// The sharing settings Plexward makes Plex have for friend `id` (`None`: stop managing them).
pub fn set_sharing(
    conn: &mut SqliteConnection,
    id: i64,
    sharing: Option<&SharingSettings>,
) -> QueryResult<()> {
    diesel::update(plex_users::table.find(id))
        .set(plex_users::sharing.eq(sharing_json(sharing)))
        .execute(conn)?;
    Ok(())
}

/// One grant to save: `(library id, starts_at, ends_at, weekly rule)`.
pub type NewGrantRow = (i64, Option<i64>, Option<i64>, Option<Repeat>);

/// Replaces a friend's grants.
pub fn replace_grants(
    conn: &mut SqliteConnection,
    plex_user: i64,
    new: &[NewGrantRow],
    now: i64,
) -> QueryResult<()> {
    let keep: Vec<i64> = new.iter().map(|g| g.0).collect();
    diesel::delete(
        grants::table
            .filter(grants::plex_user_id.eq(plex_user))
            .filter(grants::library_id.ne_all(&keep)),
    )
    .execute(conn)?;
    for &(library, starts_at, ends_at, repeat) in new {
        let rule = (
            grants::repeat_days.eq(repeat.map(|r| i32::from(r.days))),
            grants::repeat_from.eq(repeat.map(|r| i32::from(r.from))),
            grants::repeat_to.eq(repeat.map(|r| i32::from(r.to))),
            grants::repeat_first_date.eq(repeat.and_then(|r| r.first_date).map(|d| d.to_string())),
            grants::repeat_last_date.eq(repeat.and_then(|r| r.last_date).map(|d| d.to_string())),
        );
        diesel::insert_into(grants::table)
            .values((
                grants::plex_user_id.eq(plex_user),
                grants::library_id.eq(library),
                grants::starts_at.eq(starts_at),
                grants::ends_at.eq(ends_at),
                grants::created_at.eq(now),
                grants::updated_at.eq(now),
                rule.clone(),
            ))
            .on_conflict((grants::plex_user_id, grants::library_id))
            .do_update()
            .set((
                grants::starts_at.eq(starts_at),
                grants::ends_at.eq(ends_at),
                grants::updated_at.eq(now),
                rule,
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The weekly grants of the friends in `only` (every friend when `None`; departed ones never):
/// `(grant id, friend id, rule)`.
pub fn repeating_grants(
    conn: &mut SqliteConnection,
    only: Option<&[i64]>,
) -> QueryResult<Vec<(i64, i64, Repeat)>> {
    let mut query = grants::table
        .inner_join(plex_users::table)
        .filter(grants::repeat_days.is_not_null())
        .filter(plex_users::departed_at.is_null())
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(grants::plex_user_id.eq_any(ids));
    }
    let rows: Vec<(i64, i64, RepeatColumns)> = query
        .select((
            grants::id,
            grants::plex_user_id,
            (
                grants::repeat_days,
                grants::repeat_from,
                grants::repeat_to,
                grants::repeat_first_date,
                grants::repeat_last_date,
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, user, cols)| repeat_of(cols).map(|r| (id, user, r)))
        .collect())
}

/// Friends (not departed) with a window starting or ending in `(after, upto]`: whose desired set
/// changed since the last tick, each with its earliest edge in the interval (Unix ms). Two range
/// scans on the `grants_starts_at`/`grants_ends_at` indexes, whatever the number of friends.
pub fn with_edges_between(
    conn: &mut SqliteConnection,
    after: i64,
    upto: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    let starting = grants::table
        .filter(grants::starts_at.gt(after))
        .filter(grants::starts_at.le(upto))
        .select((grants::plex_user_id, grants::starts_at.assume_not_null()));
    let ending = grants::table
        .filter(grants::ends_at.gt(after))
        .filter(grants::ends_at.le(upto))
        .select((grants::plex_user_id, grants::ends_at.assume_not_null()));
    let mut edges: Vec<(i64, i64)> = starting.union(ending).load(conn)?;
    edges.extend(crate::db::grant_edges::weekly_between(conn, after, upto)?);
    let mut earliest: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for (id, at) in edges {
        earliest
            .entry(id)
            .and_modify(|e| *e = (*e).min(at))
            .or_insert(at);
    }
    let ids: Vec<i64> = earliest.keys().copied().collect();
    let departed: Vec<i64> = plex_users::table
        .filter(plex_users::id.eq_any(&ids))
        .filter(plex_users::departed_at.is_not_null())
        .select(plex_users::id)
        .load(conn)?;
    earliest.retain(|id, _| !departed.contains(id));
    Ok(earliest.into_iter().collect())
}

/// The friend (not departed) whose plex.tv email or username is `identifier` (case aside):
/// `(id, title)`.
pub fn named(conn: &mut SqliteConnection, identifier: &str) -> QueryResult<Option<(i64, String)>> {
    let wanted = identifier.trim().to_lowercase();
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = plex_users::table
        .filter(plex_users::departed_at.is_null())
        .select((
            plex_users::id,
            plex_users::title,
            plex_users::username,
            plex_users::email,
        ))
        .load(conn)?;
    Ok(rows.into_iter().find_map(|(id, title, username, email)| {
        let hit = [username, email]
            .into_iter()
            .flatten()
            .any(|v| v.to_lowercase() == wanted);
        hit.then(|| {
            (
                id,
                if title.is_empty() {
                    wanted.clone()
                } else {
                    title
                },
            )
        })
    }))
}

/// Forgets friend `id` (their grants, apply state, plan and end policy go with them): an invite
/// that was never accepted leaves nobody behind.
pub fn delete(conn: &mut SqliteConnection, id: i64) -> QueryResult<()> {
    diesel::delete(plex_users::table.find(id)).execute(conn)?;
    Ok(())
}

/// The reminder leads of friends given a plan with its own, by friend.
pub fn plan_reminder_leads(
    conn: &mut SqliteConnection,
) -> QueryResult<std::collections::BTreeMap<i64, Vec<u32>>> {
    let rows: Vec<(i64, Option<String>)> = friend_plans::table
        .filter(friend_plans::reminder_leads.is_not_null())
        .select((friend_plans::plex_user_id, friend_plans::reminder_leads))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, l)| Some((id, serde_json::from_str(&l?).ok()?)))
        .collect())
}
