//! Weekly recurring windows: "Fridays and Saturdays, 18:00 to 23:30", in the server's time zone,
//! optionally between a first and a last date. Pure: the rule, whether it is on at an instant,
//! and its next edge (the next instant the answer changes), never a calendar expanded ahead.
//!
//! One occurrence per chosen day: it starts at `from` on that day and ends at `to` the same day,
//! or the next day when `to` is not after `from` (crossing midnight). Local times that the clock
//! skips (a spring-forward 02:30) start at the first instant after the gap (03:00); local times
//! the clock shows twice (an autumn 02:30) count once, at the first. First and last dates bound
//! the days an occurrence may *start* on.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// Minutes after local midnight, 0–1439.
pub type Minute = u16;

/// Days of the week as bits, Monday = bit 0 … Sunday = bit 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Days(pub u8);

impl Days {
    pub const ALL: Days = Days(0b111_1111);

    pub fn contains(self, day: chrono::Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 & 0b111_1111 == 0
    }
}

/// A weekly rule. Build it with [`Weekly::new`], which refuses rules that could never be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekly {
    days: Days,
    from: Minute,
    to: Minute,
    first_date: Option<NaiveDate>,
    last_date: Option<NaiveDate>,
    zone: Tz,
}

/// Why a rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("choose at least one day of the week")]
    NoDays,
    #[error("a time of day is between 00:00 and 23:59")]
    BadTime,
    #[error("the start and end times are the same (a window needs some length)")]
    SameTimes,
    #[error("the last date is before the first date")]
    DatesReversed,
}

/// Searched ahead for the next edge before giving up (a rule whose days all fall outside its
/// dates has none). Two years: far more than any rule with an edge needs.
const HORIZON_DAYS: i64 = 800;

impl Weekly {
    pub fn new(
        days: Days,
        from: Minute,
        to: Minute,
        first_date: Option<NaiveDate>,
        last_date: Option<NaiveDate>,
        zone: Tz,
    ) -> Result<Self, RuleError> {
        if days.is_empty() {
            return Err(RuleError::NoDays);
        }
        if from >= 24 * 60 || to >= 24 * 60 {
            return Err(RuleError::BadTime);
        }
        if from == to {
            return Err(RuleError::SameTimes);
        }
        if let (Some(first), Some(last)) = (first_date, last_date)
            && last < first
        {
            return Err(RuleError::DatesReversed);
        }
        Ok(Self {
            days,
            from,
            to,
            first_date,
            last_date,
            zone,
        })
    }

    /// Whether an occurrence may start on `date`.
    fn starts_on(&self, date: NaiveDate) -> bool {
        self.days.contains(date.weekday())
            && self.first_date.is_none_or(|f| date >= f)
            && self.last_date.is_none_or(|l| date <= l)
    }

    /// The occurrence starting on `date` as `[start, end)` in Unix ms, if there is one (none
    /// when the day is not chosen, or the clock skips the whole window).
    pub fn occurrence_on(&self, date: NaiveDate) -> Option<(i64, i64)> {
        if !self.starts_on(date) {
            return None;
        }
        let end_date = if self.to > self.from {
            date
        } else {
            date.succ_opt()?
        };
        let start = instant(self.zone, date, self.from)?;
        let end = instant(self.zone, end_date, self.to)?;
        (start < end).then_some((start, end))
    }

    /// Whether the rule is on at `t` (Unix ms): inside an occurrence (start inclusive, end
    /// exclusive).
    pub fn is_on(&self, t: i64) -> bool {
        let Some(today) = local_date(self.zone, t) else {
            return false;
        };
        // An occurrence lasts under 25 hours: only one starting today or in the two days
        // before can hold `t`.
        (0..=2).any(|back| {
            today
                .checked_sub_signed(Duration::days(back))
                .and_then(|d| self.occurrence_on(d))
                .is_some_and(|(start, end)| start <= t && t < end)
        })
    }

    /// The first instant after `t` at which [`is_on`](Self::is_on) changes, if any.
    pub fn next_edge_after(&self, t: i64) -> Option<i64> {
        let today = local_date(self.zone, t)?;
        // Nothing can start before the first date: jump there rather than walk to it.
        let mut date = match self.first_date {
            Some(first) if first > today => first,
            _ => today,
        }
        .checked_sub_signed(Duration::days(2))?;
        let last_start = today.checked_add_signed(Duration::days(HORIZON_DAYS))?;
        while date <= last_start {
            if self.last_date.is_some_and(|l| date > l) {
                // The last occurrence's start and end were looked at already.
                return None;
            }
            if let Some((start, end)) = self.occurrence_on(date) {
                // Occurrences come in order and never overlap; one may touch the next (the
                // clock skipped the gap between them), which is no edge.
                for edge in [start, end] {
                    if edge > t && self.is_on(edge) != self.is_on(edge - 1) {
                        return Some(edge);
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The next `n` occurrences that end after `t`, as `[start, end)` (for previews).
    pub fn next_occurrences(&self, t: i64, n: usize) -> Vec<(i64, i64)> {
        let Some(today) = local_date(self.zone, t) else {
            return Vec::new();
        };
        let mut date = match self.first_date {
            Some(first) if first > today => first,
            _ => today,
        }
        .checked_sub_signed(Duration::days(2));
        let mut found = Vec::new();
        let mut steps = 0;
        while let Some(d) = date
            && found.len() < n
            && steps < HORIZON_DAYS
        {
            if self.last_date.is_some_and(|l| d > l) {
                break;
            }
            if let Some((start, end)) = self.occurrence_on(d)
                && end > t
            {
                found.push((start, end));
            }
            date = d.succ_opt();
            steps += 1;
        }
        found
    }
}

/// The local date at `t` in `zone`.
fn local_date(zone: Tz, t: i64) -> Option<NaiveDate> {
    Some(
        chrono::DateTime::from_timestamp_millis(t)?
            .with_timezone(&zone)
            .date_naive(),
    )
}

/// The instant of local `date` at `minute` in `zone`: the earlier one when the clock shows it
/// twice, the end of the gap when the clock skips it.
fn instant(zone: Tz, date: NaiveDate, minute: Minute) -> Option<i64> {
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
    let mut local = NaiveDateTime::new(date, time);
    // Gaps are at most a few hours (usually one); walk to their end a minute at a time.
    for _ in 0..(4 * 60) {
        match zone.from_local_datetime(&local) {
            LocalResult::Single(t) => return Some(t.timestamp_millis()),
            LocalResult::Ambiguous(first, _) => return Some(first.timestamp_millis()),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn days(list: &[Weekday]) -> Days {
        Days(
            list.iter()
                .fold(0, |m, d| m | 1 << d.num_days_from_monday()),
        )
    }

    fn hm(h: u16, m: u16) -> Minute {
        h * 60 + m
    }

    fn at(zone: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        zone.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .earliest()
            .expect("a real local time")
            .timestamp_millis()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        at(Tz::UTC, y, mo, d, h, mi)
    }

    fn rule(zone: Tz, list: &[Weekday], from: Minute, to: Minute) -> Weekly {
        Weekly::new(days(list), from, to, None, None, zone).expect("valid")
    }

    #[test]
    fn refuses_rules_that_could_never_be_on() {
        let z = Tz::UTC;
        assert_eq!(
            Weekly::new(Days(0), 0, 60, None, None, z),
            Err(RuleError::NoDays)
        );
        assert_eq!(
            Weekly::new(Days::ALL, 60, 60, None, None, z),
            Err(RuleError::SameTimes)
        );
        assert_eq!(
            Weekly::new(Days::ALL, 0, 1440, None, None, z),
            Err(RuleError::BadTime)
        );
        let (a, b) = (
            NaiveDate::from_ymd_opt(2026, 5, 2).expect("date"),
            NaiveDate::from_ymd_opt(2026, 5, 1).expect("date"),
        );
        assert_eq!(
            Weekly::new(Days::ALL, 0, 60, Some(a), Some(b), z),
            Err(RuleError::DatesReversed)
        );
    }

    #[test]
    fn a_weekend_evening_in_berlin() {
        let z = chrono_tz::Europe::Berlin;
        let r = rule(z, &[Weekday::Fri, Weekday::Sat], hm(18, 0), hm(23, 30));
        // Friday 4 December 2026.
        assert!(!r.is_on(at(z, 2026, 12, 4, 17, 59)));
        assert!(r.is_on(at(z, 2026, 12, 4, 18, 0)));
        assert!(r.is_on(at(z, 2026, 12, 4, 23, 29)));
        assert!(!r.is_on(at(z, 2026, 12, 4, 23, 30)));
        assert!(!r.is_on(at(z, 2026, 12, 6, 19, 0)), "not on Sunday");
        assert_eq!(
            r.next_edge_after(at(z, 2026, 12, 4, 12, 0)),
            Some(at(z, 2026, 12, 4, 18, 0))
        );
        assert_eq!(
            r.next_edge_after(at(z, 2026, 12, 4, 18, 0)),
            Some(at(z, 2026, 12, 4, 23, 30))
        );
        assert_eq!(
            r.next_edge_after(at(z, 2026, 12, 5, 23, 30)),
            Some(at(z, 2026, 12, 11, 18, 0)),
            "after Saturday, next Friday"
        );
    }

    #[test]
    fn crossing_midnight_ends_the_next_day() {
        let z = chrono_tz::America::New_York;
        let r = rule(z, &[Weekday::Sat], hm(22, 0), hm(2, 0));
        // Saturday 5 December 2026 22:00 → Sunday 02:00.
        assert!(r.is_on(at(z, 2026, 12, 5, 23, 0)));
        assert!(r.is_on(at(z, 2026, 12, 6, 1, 59)));
        assert!(!r.is_on(at(z, 2026, 12, 6, 2, 0)));
        assert!(!r.is_on(at(z, 2026, 12, 5, 1, 0)), "not the night before");
        assert_eq!(
            r.next_edge_after(at(z, 2026, 12, 6, 0, 0)),
            Some(at(z, 2026, 12, 6, 2, 0))
        );
    }

    /// DST in both zones: (zone, the day, rule from, rule to, expected [start, end) in UTC; none
    /// when the clock skips the whole window).
    #[test]
    fn daylight_saving_cases() {
        use chrono_tz::{America::New_York, Europe::Berlin};
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        type Case = (Tz, NaiveDate, Minute, Minute, Option<(i64, i64)>);
        let cases: [Case; 6] = [
            // Berlin springs forward on Sunday 29 March 2026 at 02:00 → 03:00 (01:00 UTC).
            // 02:30 does not exist: it starts at 03:00 local = 01:00 UTC.
            (
                Berlin,
                date(2026, 3, 29),
                hm(2, 30),
                hm(5, 0),
                Some((utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 3, 0))),
            ),
            // A window wholly in the gap never happens.
            (Berlin, date(2026, 3, 29), hm(2, 0), hm(2, 45), None),
            // Berlin falls back on Sunday 25 October 2026 at 03:00 → 02:00: 02:30 happens twice,
            // counted at the first (00:30 UTC); the end 04:00 CET is 03:00 UTC.
            (
                Berlin,
                date(2026, 10, 25),
                hm(2, 30),
                hm(4, 0),
                Some((utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3, 0))),
            ),
            // New York springs forward on Sunday 8 March 2026 at 02:00 → 03:00 (07:00 UTC).
            (
                New_York,
                date(2026, 3, 8),
                hm(2, 30),
                hm(4, 0),
                Some((utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0))),
            ),
            // New York falls back on Sunday 1 November 2026 at 02:00 → 01:00: 01:30 twice, the
            // first is 05:30 UTC; 03:00 EST is 08:00 UTC.
            (
                New_York,
                date(2026, 11, 1),
                hm(1, 30),
                hm(3, 0),
                Some((utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8, 0))),
            ),
            // Crossing midnight into the spring-forward night: Saturday 23:00 → Sunday 02:30
            // (skipped) ends at 03:00 EDT = 07:00 UTC.
            (
                New_York,
                date(2026, 3, 7),
                hm(23, 0),
                hm(2, 30),
                Some((utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 7, 0))),
            ),
        ];
        for (zone, day, from, to, expected) in cases {
            let r = rule(zone, &[day.weekday()], from, to);
            assert_eq!(
                r.occurrence_on(day),
                expected,
                "{zone} {from}–{to} on {day}"
            );
            let Some((start, end)) = expected else {
                continue;
            };
            assert!(!r.is_on(start - 1) && r.is_on(start) && r.is_on(end - 1) && !r.is_on(end));
            assert_eq!(r.next_edge_after(start - MIN), Some(start));
            assert_eq!(r.next_edge_after(start), Some(end));
        }
    }

    #[test]
    fn first_and_last_dates_bound_the_starts() {
        let z = Tz::UTC;
        let first = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        let last = NaiveDate::from_ymd_opt(2027, 3, 14).expect("date");
        let r = Weekly::new(
            days(&[Weekday::Mon]),
            hm(9, 0),
            hm(10, 0),
            Some(first),
            Some(last),
            z,
        )
        .expect("valid");
        // Months ahead of the first date, the next edge is its first Monday, found at once.
        assert_eq!(
            r.next_edge_after(utc(2026, 12, 6, 0, 0)),
            Some(utc(2027, 3, 1, 9, 0))
        );
        assert_eq!(
            r.next_edge_after(utc(2027, 3, 8, 10, 0)),
            None,
            "the last Monday is over"
        );
        assert_eq!(
            r.next_occurrences(utc(2026, 12, 6, 0, 0), 5),
            vec![
                (utc(2027, 3, 1, 9, 0), utc(2027, 3, 1, 10, 0)),
                (utc(2027, 3, 8, 9, 0), utc(2027, 3, 8, 10, 0)),
            ]
        );
    }

    fn zone_of(i: u8) -> Tz {
        [chrono_tz::Europe::Berlin, chrono_tz::America::New_York][usize::from(i % 2)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Walking the edges from a start agrees, over a year, with a minute-by-minute scan of
        /// `is_on` (every edge falls on a whole minute: rule times and DST changes do).
        #[test]
        fn next_edge_agrees_with_a_minute_scan_over_a_year(
            mask in 1u8..128,
            from in 0u16..1440,
            to in 0u16..1440,
            zone in 0u8..2,
            start_day in 0i64..365,
        ) {
            prop_assume!(from != to);
            let r = Weekly::new(Days(mask), from, to, None, None, zone_of(zone)).expect("valid");
            let t0 = utc(2026, 1, 1, 0, 0) + start_day * 1440 * MIN;
            let year = 366 * 1440;
            let mut scanned = Vec::new();
            let mut on = r.is_on(t0);
            for m in 1..=year {
                let t = t0 + m * MIN;
                let now_on = r.is_on(t);
                if now_on != on {
                    scanned.push(t);
                    on = now_on;
                }
            }
            let mut walked = Vec::new();
            let mut t = t0;
            while let Some(edge) = r.next_edge_after(t) {
                if edge > t0 + year * MIN {
                    break;
                }
                walked.push(edge);
                t = edge;
            }
            prop_assert_eq!(walked, scanned);
        }
    }
}
