//! Grant changes as pure functions: validating what a client sent (field by field, so the API can
//! answer 422 naming each bad value) and extending windows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Months, TimeDelta};
use plexward_shared::{ExtendPeriod, GrantChange, GrantRequest, GrantWindow, WEEKDAYS};

use crate::access::friend::Catalog;
use crate::access::recurrence::{Days, RuleError, Weekly};
use crate::db::plex_users::{GrantRow, Repeat};
use crate::db::time::{from_ms, to_ms};

/// Most grants one request may carry (far more than any server has libraries).
pub const MAX_GRANTS: usize = 1_000;

/// A validated grant: library id and window (Unix ms), or a weekly rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewGrant {
    pub library_id: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub repeat: Option<Repeat>,
}

impl NewGrant {
    /// One window (or none: always).
    pub fn window(library_id: i64, starts_at: Option<i64>, ends_at: Option<i64>) -> Self {
        Self {
            library_id,
            starts_at,
            ends_at,
            repeat: None,
        }
    }
}

/// Reads a weekly rule from the API (in `zone`, where it is checked); each bad part is named
/// under `field`.
pub(crate) fn parse_repeat(
    repeat: &plexward_shared::Repeat,
    zone: chrono_tz::Tz,
    field: &dyn Fn(&str) -> String,
    errors: &mut FieldErrors,
) -> Option<Repeat> {
    let before = errors.len();
    let mut days = 0_u8;
    for day in &repeat.days {
        match WEEKDAYS
            .iter()
            .position(|d| d.eq_ignore_ascii_case(day.trim()))
        {
            Some(i) => days |= 1 << i,
            None => {
                errors.insert(
                    field("repeat.days"),
                    format!("`{day}` is not a day: use {}", WEEKDAYS.join(", ")),
                );
            }
        }
    }
    let time = |value: &str, name: &str, errors: &mut FieldErrors| {
        match chrono::NaiveTime::parse_from_str(value.trim(), "%H:%M") {
            Ok(t) => Some((chrono::Timelike::hour(&t) * 60 + chrono::Timelike::minute(&t)) as u16),
            Err(_) => {
                errors.insert(
                    field(name),
                    "must be a time of day, HH:MM (00:00–23:59)".into(),
                );
                None
            }
        }
    };
    let from = time(&repeat.from, "repeat.from", errors);
    let to = time(&repeat.to, "repeat.to", errors);
    let date = |value: &Option<String>, name: &str, errors: &mut FieldErrors| {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.insert(field(name), "must be a date, YYYY-MM-DD".into());
                None
            }
        }
    };
    let first_date = date(&repeat.first_date, "repeat.first_date", errors);
    let last_date = date(&repeat.last_date, "repeat.last_date", errors);
    if errors.len() > before {
        return None;
    }
    let (from, to) = (from?, to?);
    match Weekly::new(Days(days), from, to, first_date, last_date, zone) {
        Ok(_) => Some(Repeat {
            days,
            from,
            to,
            first_date,
            last_date,
        }),
        Err(why) => {
            let part = match why {
                RuleError::NoDays => "repeat.days",
                RuleError::BadTime | RuleError::SameTimes => "repeat.to",
                RuleError::DatesReversed => "repeat.last_date",
            };
            errors.insert(field(part), why.to_string());
            None
        }
    }
}

/// A stored weekly rule as the API shows it.
pub fn repeat_to_api(repeat: &Repeat) -> plexward_shared::Repeat {
    let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    plexward_shared::Repeat {
        days: WEEKDAYS
            .iter()
            .enumerate()
            .filter(|(i, _)| repeat.days & (1 << i) != 0)
            .map(|(_, d)| (*d).to_owned())
            .collect(),
        from: hm(repeat.from),
        to: hm(repeat.to),
        first_date: repeat.first_date.map(|d| d.to_string()),
        last_date: repeat.last_date.map(|d| d.to_string()),
    }
}

/// Field name → what is wrong with it.
pub type FieldErrors = BTreeMap<String, String>;

/// Parses an RFC 3339 time (any offset), or a date alone (`2027-01-31`: midnight at the start of
/// that day in `zone`, the server's time zone), to Unix ms. A midnight that a DST change skips
/// is read as the first instant of the day that exists.
pub fn parse_time(value: &str, zone: chrono_tz::Tz) -> Result<i64, String> {
    let value = value.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && value.len() == 10
    {
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        let first = (0..=3)
            .find_map(|hours| {
                use chrono::TimeZone as _;
                zone.from_local_datetime(&(midnight + TimeDelta::hours(hours)))
                    .earliest()
            })
            .ok_or_else(|| format!("{value} has no start in {zone}"))?;
        return Ok(first.timestamp_millis());
    }
    let parsed = DateTime::parse_from_rfc3339(value).map_err(|_| {
        "must be an RFC 3339 date-time with an offset (2026-12-24T18:00:00+01:00) or a date \
         (2026-12-24: midnight in the server's time zone)"
            .to_owned()
    })?;
    Ok(parsed.timestamp_millis())
}

/// Parses an optional time; `None` and an empty string both mean "no bound".
pub(crate) fn parse_bound(
    value: Option<&str>,
    zone: chrono_tz::Tz,
    field: String,
    errors: &mut FieldErrors,
) -> Option<i64> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    match parse_time(value, zone) {
        Ok(ms) => Some(ms),
        Err(why) => {
            errors.insert(field, why);
            None
        }
    }
}

/// Checks a window: start before end.
fn check_window(
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    field: String,
    errors: &mut FieldErrors,
) {
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && s >= e
    {
        errors.insert(field, "must be after starts_at".into());
    }
}

/// Validates a friend's complete set of grants.
pub fn validate(
    requests: &[GrantRequest],
    catalog: &Catalog,
) -> Result<Vec<NewGrant>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if requests.len() > MAX_GRANTS {
        errors.insert("grants".into(), format!("at most {MAX_GRANTS} grants"));
        return Err(errors);
    }
    let mut seen = BTreeSet::new();
    let mut grants = Vec::with_capacity(requests.len());
    for (i, g) in requests.iter().enumerate() {
        let field = |name: &str| format!("grants[{i}].{name}");
        if !catalog.has_library(g.library_id) {
            errors.insert(field("library_id"), "no such library on the server".into());
        } else if !seen.insert(g.library_id) {
            errors.insert(field("library_id"), "this library is listed twice".into());
        }
        let zone = catalog.time_zone();
        let starts_at = parse_bound(
            g.starts_at.as_deref(),
            zone,
            field("starts_at"),
            &mut errors,
        );
        let ends_at = parse_bound(g.ends_at.as_deref(), zone, field("ends_at"), &mut errors);
        check_window(starts_at, ends_at, field("ends_at"), &mut errors);
        let repeat = g
            .repeat
            .as_ref()
            .and_then(|r| parse_repeat(r, zone, &field, &mut errors));
        if g.repeat.is_some() && (starts_at.is_some() || ends_at.is_some()) {
            errors.insert(
                field("repeat"),
                "a weekly window has no starts_at or ends_at: bound it with repeat.first_date                  and repeat.last_date"
                    .into(),
            );
        }
        grants.push(NewGrant {
            library_id: g.library_id,
            starts_at,
            ends_at,
            repeat,
        });
    }
    if errors.is_empty() {
        Ok(grants)
    } else {
        Err(errors)
    }
}

/// Validates one window for many libraries (bulk "set libraries"); fields are named `prefix.*`.
pub fn validate_set(
    library_ids: &[i64],
    starts_at: Option<&str>,
    ends_at: Option<&str>,
    catalog: &Catalog,
    prefix: &str,
) -> Result<Vec<NewGrant>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut seen = BTreeSet::new();
    for id in library_ids {
        if !catalog.has_library(*id) {
            errors.insert(
                format!("{prefix}.library_ids"),
                format!("no library {id} on the server"),
            );
        } else if !seen.insert(*id) {
            errors.insert(
                format!("{prefix}.library_ids"),
                format!("library {id} is listed twice"),
            );
        }
    }
    let zone = catalog.time_zone();
    let starts = parse_bound(starts_at, zone, format!("{prefix}.starts_at"), &mut errors);
    let ends = parse_bound(ends_at, zone, format!("{prefix}.ends_at"), &mut errors);
    check_window(starts, ends, format!("{prefix}.ends_at"), &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(library_ids
        .iter()
        .map(|&library_id| NewGrant::window(library_id, starts, ends))
        .collect())
}

/// Checks the libraries an extension names.
pub fn validate_extend_libraries(
    library_ids: Option<&[i64]>,
    catalog: &Catalog,
    field: &str,
) -> Result<(), FieldErrors> {
    let unknown: Vec<String> = library_ids
        .unwrap_or_default()
        .iter()
        .filter(|id| !catalog.has_library(**id))
        .map(ToString::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(FieldErrors::from([(
            field.to_owned(),
            format!("no such library on the server: {}", unknown.join(", ")),
        )]))
    }
}

/// `end + period` (calendar months and years; the end of a month clamps, e.g. Jan 31 + 1 month
/// = Feb 28/29; then days, then hours to seconds). `None`: no end (`unlimited`).
/// `from + duration` (calendar months, then days, then seconds), `None` past the calendar's end.
pub fn add_duration(from: i64, d: &plexward_shared::duration::IsoDuration) -> Option<i64> {
    add_period(from, &ExtendPeriod::Duration(*d))
}

fn add_period(from: i64, period: &ExtendPeriod) -> Option<i64> {
    let at = from_ms(from);
    let moved = match period {
        ExtendPeriod::Week => at.checked_add_signed(TimeDelta::weeks(1)),
        ExtendPeriod::Month => at.checked_add_months(Months::new(1)),
        ExtendPeriod::Year => at.checked_add_months(Months::new(12)),
        ExtendPeriod::Unlimited => return None,
        ExtendPeriod::Duration(d) => at
            .checked_add_months(Months::new(d.months))
            .and_then(|t| t.checked_add_days(chrono::Days::new(u64::from(d.days))))
            .and_then(|t| t.checked_add_signed(TimeDelta::seconds(i64::try_from(d.seconds).ok()?))),
    };
    moved.map(to_ms)
}

/// The grants after extending: each chosen library's end moves by `period` from its current end
/// when that is in the future, else from `now`; `Unlimited` removes the end. A chosen library
/// without a grant gets one from now. `library_ids` `None` = every library with a grant.
pub fn extend(
    current: &[NewGrant],
    period: &ExtendPeriod,
    library_ids: Option<&[i64]>,
    now: i64,
) -> Vec<NewGrant> {
    let chosen = |id: i64| library_ids.is_none_or(|ids| ids.contains(&id));
    let new_end = |end: Option<i64>| -> Option<i64> {
        match end {
            // Open-ended already: nothing to extend, unless the period removes the end anyway.
            None => None,
            Some(end) => add_period(end.max(now), period),
        }
    };
    let mut out: Vec<NewGrant> = current
        .iter()
        .map(|g| {
            if !chosen(g.library_id) {
                return *g;
            }
            let ends_at = new_end(g.ends_at);
            // A window that had ended restarts now rather than leaving a gap.
            let starts_at = match (g.starts_at, g.ends_at) {
                (Some(_), Some(end)) if end <= now => Some(now),
                (starts, _) => starts,
            };
            NewGrant {
                library_id: g.library_id,
                starts_at: starts_at.filter(|s| ends_at.is_none_or(|e| *s < e)),
                ends_at,
                repeat: g.repeat,
            }
        })
        .collect();
    for id in library_ids.unwrap_or_default() {
        if !current.iter().any(|g| g.library_id == *id) {
            out.push(NewGrant::window(*id, None, add_period(now, period)));
        }
    }
    out
}

/// The grants after adding `added` (each with its window): a library the friend already has
/// takes the new window; every other grant stays as it is.
pub fn add_libraries(current: &[NewGrant], added: &[NewGrant]) -> Vec<NewGrant> {
    let mut out: Vec<NewGrant> = current
        .iter()
        .filter(|g| !added.iter().any(|a| a.library_id == g.library_id))
        .copied()
        .collect();
    out.extend_from_slice(added);
    out
}

/// The grants after removing `library_ids`; every other grant stays as it is.
pub fn remove_libraries(current: &[NewGrant], library_ids: &[i64]) -> Vec<NewGrant> {
    current
        .iter()
        .filter(|g| !library_ids.contains(&g.library_id))
        .copied()
        .collect()
}

/// Checks a list of library ids: known on the server, none twice, at least one.
pub fn validate_library_ids(
    library_ids: &[i64],
    catalog: &Catalog,
    field: &str,
) -> Result<(), FieldErrors> {
    let mut seen = BTreeSet::new();
    let why = if library_ids.is_empty() {
        Some("name at least one library".to_owned())
    } else if let Some(id) = library_ids.iter().find(|id| !catalog.has_library(**id)) {
        Some(format!("no library {id} on the server"))
    } else {
        library_ids
            .iter()
            .find(|id| !seen.insert(**id))
            .map(|id| format!("library {id} is listed twice"))
    };
    match why {
        Some(why) => Err(FieldErrors::from([(field.to_owned(), why)])),
        None => Ok(()),
    }
}

/// What a change does to each library's grant: the window before and after, for every library
/// whose grant is added, removed or moved (libraries left as they were are not listed).
pub fn changes(before: &[NewGrant], after: &[NewGrant], catalog: &Catalog) -> Vec<GrantChange> {
    let window = |g: &NewGrant| GrantWindow {
        starts_at: g.starts_at.map(from_ms),
        ends_at: g.ends_at.map(from_ms),
    };
    let ids: BTreeSet<i64> = before.iter().chain(after).map(|g| g.library_id).collect();
    ids.into_iter()
        .filter_map(|id| {
            let old = before.iter().find(|g| g.library_id == id);
            let new = after.iter().find(|g| g.library_id == id);
            (old != new).then(|| GrantChange {
                library_id: id,
                library: catalog.title_of(id),
                before: old.map(window),
                after: new.map(window),
            })
        })
        .collect()
}

/// The stored grants of a friend as [`NewGrant`]s.
pub fn from_rows(rows: &[GrantRow]) -> Vec<NewGrant> {
    rows.iter()
        .map(|&(library_id, _, starts_at, ends_at, repeat)| NewGrant {
            library_id,
            starts_at,
            ends_at,
            repeat,
        })
        .collect()
}

/// [`NewGrant`]s as rows (with the PMS key from `catalog`), to plan with them before saving.
pub fn to_rows(grants: &[NewGrant], catalog: &Catalog) -> Vec<GrantRow> {
    grants
        .iter()
        .filter_map(|g| {
            let key = catalog.key_of(g.library_id)?;
            Some((g.library_id, key.0 as i64, g.starts_at, g.ends_at, g.repeat))
        })
        .collect()
}

/// Grants as the audit log records them.
pub fn audit_view(grants: &[NewGrant]) -> serde_json::Value {
    serde_json::Value::Array(
        grants
            .iter()
            .map(|g| {
                serde_json::json!({
                    "library_id": g.library_id,
                    "starts_at": g.starts_at.map(|t| plexward_shared::time::format(&from_ms(t))),
                    "ends_at": g.ends_at.map(|t| plexward_shared::time::format(&from_ms(t))),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::libraries::Library;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_800_000_000_000;

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("time")
            .timestamp_millis()
    }

    #[test]
    fn a_date_alone_is_midnight_in_the_servers_zone() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().expect("zone");
        assert_eq!(
            parse_time("2027-01-31", berlin),
            Ok(ms("2027-01-31T00:00:00+01:00"))
        );
        assert_eq!(
            parse_time("2027-07-31", berlin),
            Ok(ms("2027-07-31T00:00:00+02:00")),
            "summer time"
        );
        assert_eq!(
            parse_time(" 2027-01-31 ", chrono_tz::Tz::UTC),
            Ok(ms("2027-01-31T00:00:00Z"))
        );
        // Santiago's clocks jump from 00:00 to 01:00 on 2026-09-06: the day starts at 01:00.
        let santiago: chrono_tz::Tz = "America/Santiago".parse().expect("zone");
        assert_eq!(
            parse_time("2026-09-06", santiago),
            Ok(ms("2026-09-06T01:00:00-03:00"))
        );
        // A full date-time keeps its own offset, whatever the zone.
        assert_eq!(
            parse_time("2027-01-31T12:00:00Z", berlin),
            Ok(ms("2027-01-31T12:00:00Z"))
        );
        for bad in ["2027-02-30", "2027-1-31", "31.01.2027", "2027-01-31T12:00"] {
            assert!(parse_time(bad, berlin).is_err(), "{bad}");
        }
    }

    fn catalog() -> Catalog {
        let lib = |id: i64, removed: bool| Library {
            id,
            pms_key: id,
            plextv_id: Some(100 + id),
            title: format!("L{id}"),
            kind: "movie".into(),
            removed_at: removed.then_some(1),
            created_at: 0,
            updated_at: 0,
        };
        Catalog::new(&[lib(1, false), lib(2, false), lib(9, true)], None)
    }

    fn req(library_id: i64, starts: Option<&str>, ends: Option<&str>) -> GrantRequest {
        GrantRequest {
            library_id,
            starts_at: starts.map(Into::into),
            ends_at: ends.map(Into::into),
            repeat: None,
        }
    }

    #[test]
    fn valid_grants_parse_with_any_offset() {
        let grants = validate(
            &[
                req(
                    1,
                    Some("2026-12-24T18:00:00+01:00"),
                    Some("2026-12-24T18:00:00Z"),
                ),
                req(2, None, Some("")),
            ],
            &catalog(),
        )
        .expect("valid");
        assert_eq!(
            grants[0]
                .ends_at
                .zip(grants[0].starts_at)
                .map(|(e, s)| e - s),
            Some(3_600_000)
        );
        assert_eq!(grants[1].starts_at, None);
        assert_eq!(grants[1].ends_at, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = validate(
            &[
                req(7, None, None),
                req(9, None, None),
                req(1, Some("tomorrow"), None),
                req(1, None, None),
                req(
                    2,
                    Some("2026-12-24T18:00:00Z"),
                    Some("2026-12-24T17:00:00Z"),
                ),
            ],
            &catalog(),
        )
        .expect_err("invalid");
        assert!(errors.contains_key("grants[0].library_id"));
        assert!(
            errors.contains_key("grants[1].library_id"),
            "a removed library is refused"
        );
        assert!(errors.contains_key("grants[2].starts_at"));
        assert!(errors["grants[3].library_id"].contains("twice"));
        assert!(errors["grants[4].ends_at"].contains("after"));
    }

    #[test]
    fn an_empty_window_is_refused() {
        let t = "2026-12-24T18:00:00Z";
        let errors = validate(&[req(1, Some(t), Some(t))], &catalog()).expect_err("invalid");
        assert!(errors.contains_key("grants[0].ends_at"));
    }

    fn grant(library_id: i64, starts_at: Option<i64>, ends_at: Option<i64>) -> NewGrant {
        NewGrant::window(library_id, starts_at, ends_at)
    }

    #[test]
    fn extending_counts_from_a_future_end_or_from_now() {
        let current = [
            grant(1, None, Some(NOW + 2 * DAY)),
            grant(2, Some(NOW - 30 * DAY), Some(NOW - DAY)),
        ];
        let out = extend(&current, &ExtendPeriod::Week, None, NOW);
        assert_eq!(out[0].ends_at, Some(NOW + 9 * DAY));
        assert_eq!(out[1].ends_at, Some(NOW + 7 * DAY));
        assert_eq!(out[1].starts_at, Some(NOW), "an ended window restarts now");
    }

    #[test]
    fn extending_only_chosen_libraries_and_adding_missing_ones() {
        let current = [grant(1, None, Some(NOW + DAY))];
        let out = extend(&current, &ExtendPeriod::Month, Some(&[2]), NOW);
        assert_eq!(out[0], current[0]);
        assert_eq!(out[1].library_id, 2);
        assert!(
            out[1]
                .ends_at
                .is_some_and(|e| (NOW + 28 * DAY..=NOW + 31 * DAY).contains(&e))
        );
    }

    #[test]
    fn unlimited_removes_the_end_and_open_ends_stay_open() {
        let current = [grant(1, None, Some(NOW + DAY)), grant(2, None, None)];
        let out = extend(&current, &ExtendPeriod::Unlimited, None, NOW);
        assert!(out.iter().all(|g| g.ends_at.is_none()));
        let out = extend(&current, &ExtendPeriod::Year, None, NOW);
        assert_eq!(out[1].ends_at, None);
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        let jan31 = to_ms(
            DateTime::parse_from_rfc3339("2027-01-31T12:00:00Z")
                .expect("date")
                .to_utc(),
        );
        let out = extend(
            &[grant(1, None, Some(jan31))],
            &ExtendPeriod::Month,
            None,
            jan31 - DAY,
        );
        assert_eq!(
            out[0].ends_at.map(from_ms).map(|d| d.to_rfc3339()),
            Some("2027-02-28T12:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn a_duration_moves_the_end_by_months_then_days_then_time() {
        let jan31 = to_ms(
            DateTime::parse_from_rfc3339("2027-01-31T12:00:00Z")
                .expect("date")
                .to_utc(),
        );
        let end = |period: &str| {
            let out = extend(
                &[grant(1, None, Some(jan31))],
                &serde_json::from_value(serde_json::json!(period)).expect(period),
                None,
                jan31 - DAY,
            );
            out[0].ends_at.map(from_ms).map(|d| d.to_rfc3339())
        };
        assert_eq!(end("P10D"), Some("2027-02-10T12:00:00+00:00".to_owned()));
        assert_eq!(end("P1M1D"), Some("2027-03-01T12:00:00+00:00".to_owned()));
        assert_eq!(end("PT36H"), Some("2027-02-02T00:00:00+00:00".to_owned()));
        assert_eq!(end("month"), end("P1M"));
    }

    #[test]
    fn adding_and_removing_libraries_keeps_the_other_windows() {
        let current = [grant(1, Some(NOW), Some(NOW + DAY)), grant(2, None, None)];
        let added = [
            grant(2, None, Some(NOW + 2 * DAY)),
            grant(3, None, Some(NOW + 3 * DAY)),
        ];
        let out = add_libraries(&current, &added);
        assert_eq!(
            out,
            vec![current[0], added[0], added[1]],
            "library 1 untouched; 2 takes the new window; 3 added"
        );
        assert_eq!(remove_libraries(&out, &[2, 9]), vec![current[0], added[1]]);
    }
}
