//! When the next reconcile runs: pure functions of the settings, the last run and the time zone.
//!
//! Daily mode follows the wall clock of the configured zone across DST: a time that does not
//! exist that day (spring forward) runs at the first valid instant after the gap; a time that
//! exists twice (fall back) runs once, at its first occurrence.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use plexward_shared::{ScheduleMode, ScheduleSettings, ScheduleUpdate};

use crate::access::grants::FieldErrors;

pub const MIN_INTERVAL: u32 = 5;
pub const MAX_INTERVAL: u32 = 1_440;

/// Validates settings, naming each bad field.
pub fn validate(settings: &ScheduleSettings) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if settings.mode == ScheduleMode::Interval
        && !(MIN_INTERVAL..=MAX_INTERVAL).contains(&settings.interval_minutes)
    {
        errors.insert(
            "interval_minutes".into(),
            format!("must be between {MIN_INTERVAL} and {MAX_INTERVAL} minutes"),
        );
    }
    if settings.mode == ScheduleMode::Daily && parse_hh_mm(&settings.daily_at).is_none() {
        errors.insert(
            "daily_at".into(),
            "must be a time as HH:MM (00:00–23:59)".into(),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The settings after `update` of `saved`: the mode's own field is required; the other mode's,
/// when left out, keeps its saved value. Every field given is checked, each bad one named.
pub fn updated(
    saved: &ScheduleSettings,
    update: &ScheduleUpdate,
) -> Result<ScheduleSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let (required, missing) = match update.mode {
        ScheduleMode::Interval => ("interval_minutes", update.interval_minutes.is_none()),
        ScheduleMode::Daily => ("daily_at", update.daily_at.is_none()),
    };
    if missing {
        errors.insert(
            required.into(),
            format!("required in {} mode", mode_name(update.mode)),
        );
    }
    let new = ScheduleSettings {
        mode: update.mode,
        interval_minutes: update.interval_minutes.unwrap_or(saved.interval_minutes),
        daily_at: update
            .daily_at
            .clone()
            .unwrap_or_else(|| saved.daily_at.clone()),
    };
    if update.interval_minutes.is_some()
        && !(MIN_INTERVAL..=MAX_INTERVAL).contains(&new.interval_minutes)
    {
        errors.insert(
            "interval_minutes".into(),
            format!("must be between {MIN_INTERVAL} and {MAX_INTERVAL} minutes"),
        );
    }
    if update.daily_at.is_some() && parse_hh_mm(&new.daily_at).is_none() {
        errors.insert(
            "daily_at".into(),
            "must be a time as HH:MM (00:00–23:59)".into(),
        );
    }
    if errors.is_empty() {
        validate(&new)?;
        Ok(new)
    } else {
        Err(errors)
    }
}

fn mode_name(mode: ScheduleMode) -> &'static str {
    match mode {
        ScheduleMode::Interval => "interval",
        ScheduleMode::Daily => "daily",
    }
}

/// `HH:MM`, 24 h, two digits each.
pub fn parse_hh_mm(value: &str) -> Option<NaiveTime> {
    let (h, m) = value.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// The next run strictly after `after` (the last run's start, or the scheduler's start).
pub fn next_run(settings: &ScheduleSettings, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
    match settings.mode {
        ScheduleMode::Interval => {
            let minutes = settings.interval_minutes.clamp(MIN_INTERVAL, MAX_INTERVAL);
            after + Duration::minutes(i64::from(minutes))
        }
        ScheduleMode::Daily => {
            let at = parse_hh_mm(&settings.daily_at).unwrap_or(NaiveTime::MIN);
            let first_day = after.with_timezone(&tz).date_naive();
            (0..3)
                .filter_map(|d| first_day.checked_add_days(chrono::Days::new(d)))
                .map(|day| occurrence(tz, day, at))
                .find(|t| *t > after)
                .unwrap_or(after + Duration::days(1))
        }
    }
}

/// The instant `at` on `day` in `tz`: the first of two in a repeated hour, the end of the gap in
/// a skipped one.
fn occurrence(tz: Tz, day: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(at);
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return t.with_timezone(&Utc);
    }
    // In a gap: the first minute that exists after it (gaps are at most a few hours).
    (1..=24 * 60)
        .filter_map(|m| {
            tz.from_local_datetime(&(local + Duration::minutes(m)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .next()
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(at: &str) -> ScheduleSettings {
        ScheduleSettings {
            mode: ScheduleMode::Daily,
            interval_minutes: 60,
            daily_at: at.into(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    const BERLIN: Tz = chrono_tz::Europe::Berlin;

    #[test]
    fn interval_runs_count_from_the_last_run() {
        let s = ScheduleSettings {
            mode: ScheduleMode::Interval,
            interval_minutes: 90,
            daily_at: "04:00".into(),
        };
        assert_eq!(
            next_run(&s, BERLIN, utc("2026-11-24T10:00:00Z")),
            utc("2026-11-24T11:30:00Z")
        );
    }

    #[test]
    fn daily_runs_at_the_wall_clock_time_of_the_zone() {
        // 04:00 in Berlin in winter is 03:00 UTC.
        assert_eq!(
            next_run(&daily("04:00"), BERLIN, utc("2026-11-24T10:00:00Z")),
            utc("2026-11-25T03:00:00Z")
        );
        assert_eq!(
            next_run(&daily("04:00"), BERLIN, utc("2026-11-24T02:59:00Z")),
            utc("2026-11-24T03:00:00Z")
        );
    }

    #[test]
    fn a_time_skipped_by_spring_forward_runs_at_the_end_of_the_gap() {
        // 2027-03-28: Berlin jumps from 02:00 to 03:00; 02:30 does not exist.
        assert_eq!(
            next_run(&daily("02:30"), BERLIN, utc("2027-03-27T12:00:00Z")),
            utc("2027-03-28T01:00:00Z"),
            "03:00 CEST"
        );
        // The next day is normal again.
        assert_eq!(
            next_run(&daily("02:30"), BERLIN, utc("2027-03-28T01:00:00Z")),
            utc("2027-03-29T00:30:00Z")
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_runs_once() {
        // 2026-10-25: Berlin goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
        let first = next_run(&daily("02:30"), BERLIN, utc("2026-10-24T12:00:00Z"));
        assert_eq!(first, utc("2026-10-25T00:30:00Z"), "the first 02:30 (CEST)");
        let after_it = next_run(&daily("02:30"), BERLIN, first);
        assert_eq!(
            after_it,
            utc("2026-10-26T01:30:00Z"),
            "not the second 02:30, but tomorrow's"
        );
    }

    #[test]
    fn settings_are_validated_field_by_field() {
        let mut s = ScheduleSettings {
            mode: ScheduleMode::Interval,
            interval_minutes: 4,
            daily_at: "25:00".into(),
        };
        assert!(
            validate(&s)
                .expect_err("bad")
                .contains_key("interval_minutes")
        );
        s.interval_minutes = 1_441;
        assert!(validate(&s).is_err());
        s.interval_minutes = 1_440;
        assert!(
            validate(&s).is_ok(),
            "daily_at is not checked in interval mode"
        );
        s.mode = ScheduleMode::Daily;
        assert!(validate(&s).expect_err("bad").contains_key("daily_at"));
        for bad in ["4:00", "04:60", "0400", "04:00:00", ""] {
            s.daily_at = bad.into();
            assert!(validate(&s).is_err(), "{bad}");
        }
        s.daily_at = "23:59".into();
        assert!(validate(&s).is_ok());
    }

    #[test]
    fn an_update_needs_only_the_fields_of_its_mode() {
        let saved = ScheduleSettings::default();
        let update = |json: serde_json::Value| -> ScheduleUpdate {
            serde_json::from_value(json).expect("update")
        };
        let daily = updated(
            &saved,
            &update(serde_json::json!({"mode":"daily","daily_at":"03:30"})),
        )
        .expect("daily without interval_minutes");
        assert_eq!(daily.daily_at, "03:30");
        assert_eq!(daily.interval_minutes, saved.interval_minutes, "kept");
        let interval = updated(
            &daily,
            &update(serde_json::json!({"mode":"interval","interval_minutes":15})),
        )
        .expect("interval without daily_at");
        assert_eq!(
            (interval.interval_minutes, interval.daily_at.as_str()),
            (15, "03:30")
        );
        let missing =
            updated(&saved, &update(serde_json::json!({"mode":"daily"}))).expect_err("no time");
        assert!(missing["daily_at"].contains("required"), "{missing:?}");
        let bad_other = updated(
            &saved,
            &update(serde_json::json!({"mode":"daily","daily_at":"04:00","interval_minutes":1})),
        )
        .expect_err("a given field is checked");
        assert!(bad_other.contains_key("interval_minutes"));
    }
}
