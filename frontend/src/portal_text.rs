//! The friend portal in words: a library's kind, when it starts and ends ("Ends on Sat 26 Dec,
//! 18:00 — in 19 days"), its weekly window ("Fri and Sat, 19:00–23:00 (Europe/Berlin)") and next
//! openings, all on the browser's clock (a friend thinks in their own zone, not the server's).
//! Pure: the browser's wall clock comes in as a function, so it is tested on the host. (Months
//! and days are named by hand: chrono's format machinery would add tens of kilobytes to the WASM,
//! and the page is English anyway.)

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use plexward_shared::{Occurrence, PortalLibrary, Repeat, WEEKDAYS};

use crate::format::plural;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// What a library holds, as the Plex apps call it (`movie` → `Movies`).
pub fn kind_words(kind: &str) -> String {
    match kind {
        "movie" => "Movies".to_owned(),
        "show" => "TV shows".to_owned(),
        "artist" => "Music".to_owned(),
        "photo" => "Photos".to_owned(),
        other => other.to_owned(),
    }
}

fn month(m: u32) -> &'static str {
    MONTHS[(m.clamp(1, 12) - 1) as usize]
}

/// `Sat 26 Dec` (`Sat 26 Dec 2027` when it is not in `this_year`).
fn day_words(date: NaiveDate, this_year: i32) -> String {
    let weekday = DAYS[date.weekday().num_days_from_monday() as usize];
    let mut words = format!("{weekday} {} {}", date.day(), month(date.month()));
    if date.year() != this_year {
        words.push_str(&format!(" {}", date.year()));
    }
    words
}

/// `18:00`.
fn clock_words(wall: &NaiveDateTime) -> String {
    format!("{:02}:{:02}", wall.hour(), wall.minute())
}

/// `Sat 26 Dec, 18:00` (the year too when it is not `this_year`).
pub fn moment_words(wall: &NaiveDateTime, this_year: i32) -> String {
    format!(
        "{}, {}",
        day_words(wall.date(), this_year),
        clock_words(wall)
    )
}

/// How far off a moment is, in its largest unit: `in 19 days`, `in 3 hours`, `in 5 minutes`,
/// `in less than a minute`; past moments count back: `2 days ago`.
pub fn until_words(seconds: i64) -> String {
    if seconds < 0 {
        return crate::format::ago_words(-seconds);
    }
    let (n, one, many) = match seconds {
        0..60 => return "in less than a minute".to_owned(),
        60..3_600 => (seconds / 60, "minute", "minutes"),
        3_600..86_400 => (seconds / 3_600, "hour", "hours"),
        _ => (seconds / 86_400, "day", "days"),
    };
    format!("in {n} {}", plural(n.unsigned_abs(), one, many))
}

/// Now, and the browser's wall clock at any instant: what every time on the page is read with.
pub struct Clock<'a> {
    pub now: DateTime<Utc>,
    pub wall: &'a dyn Fn(&DateTime<Utc>) -> NaiveDateTime,
}

impl Clock<'_> {
    fn this_year(&self) -> i32 {
        (self.wall)(&self.now).year()
    }

    /// `Sat 26 Dec, 18:00` on the browser's clock.
    pub fn moment(&self, at: &DateTime<Utc>) -> String {
        moment_words(&(self.wall)(at), self.this_year())
    }

    fn seconds_until(&self, at: &DateTime<Utc>) -> i64 {
        (*at - self.now).num_seconds()
    }

    /// `Sat 26 Dec, 18:00 — in 19 days`.
    fn moment_and_distance(&self, at: &DateTime<Utc>) -> String {
        format!(
            "{} — {}",
            self.moment(at),
            until_words(self.seconds_until(at))
        )
    }
}

/// The library's state in a few words, for its badge: `Active now`, `Starts in 3 days`, `Opens
/// in 2 hours` (a weekly window now closed), `Ended`, or `Not active now`.
pub fn status_words(library: &PortalLibrary, clock: &Clock<'_>) -> String {
    if library.active {
        return "Active now".to_owned();
    }
    if library
        .ends_at
        .is_some_and(|end| clock.seconds_until(&end) <= 0)
    {
        return "Ended".to_owned();
    }
    if let Some(start) = library
        .starts_at
        .filter(|start| clock.seconds_until(start) > 0)
    {
        return format!("Starts {}", until_words(clock.seconds_until(&start)));
    }
    match library.next_occurrences.first() {
        Some(next) => format!(
            "Opens {}",
            until_words(clock.seconds_until(&next.starts_at))
        ),
        None => "Not active now".to_owned(),
    }
}

/// `Starts on Sat 26 Dec, 18:00 — in 19 days`, or `Started on …` once it has (none: from the
/// start, nothing to say).
pub fn start_words(starts_at: Option<&DateTime<Utc>>, clock: &Clock<'_>) -> Option<String> {
    let start = starts_at?;
    Some(if clock.seconds_until(start) > 0 {
        format!("Starts on {}", clock.moment_and_distance(start))
    } else {
        format!("Started on {}", clock.moment(start))
    })
}

/// `Ends on Sat 26 Dec, 18:00 — in 19 days`, `Ended on …`, or `No end date`.
pub fn end_words(ends_at: Option<&DateTime<Utc>>, clock: &Clock<'_>) -> String {
    match ends_at {
        None => "No end date".to_owned(),
        Some(end) if clock.seconds_until(end) > 0 => {
            format!("Ends on {}", clock.moment_and_distance(end))
        }
        Some(end) => format!("Ended on {}", clock.moment(end)),
    }
}

/// The days of a weekly window in week order and in words: `Fri and Sat`, `Mon–Fri`, `Mon, Wed
/// and Fri`, `Mon–Wed and Sat`, `Every day`. Runs of three days or more read as a range.
pub fn days_words(days: &[String]) -> String {
    let on: Vec<usize> = (0..7)
        .filter(|&i| days.iter().any(|d| d.eq_ignore_ascii_case(WEEKDAYS[i])))
        .collect();
    if on.len() == 7 {
        return "Every day".to_owned();
    }
    // Consecutive days as (first, last) runs.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &i in &on {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == i => *last = i,
            _ => runs.push((i, i)),
        }
    }
    let mut parts: Vec<String> = Vec::new();
    for (first, last) in runs {
        match last - first {
            0 => parts.push(DAYS[first].to_owned()),
            1 => {
                parts.push(DAYS[first].to_owned());
                parts.push(DAYS[last].to_owned());
            }
            _ => parts.push(format!("{}–{}", DAYS[first], DAYS[last])),
        }
    }
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `2026-12-01` → `1 Dec 2026` (as it is, when it is not such a date).
fn date_words(iso: &str) -> String {
    let mut parts = iso.splitn(3, '-').map(str::parse::<u32>);
    let date = match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
        _ => None,
    };
    date.map_or_else(
        || iso.to_owned(),
        |date| format!("{} {} {}", date.day(), month(date.month()), date.year()),
    )
}

/// A weekly window in words, on the server's clock (`zone`), which is how it is kept: `Fri and
/// Sat, 19:00–23:00 (Europe/Berlin)`, `…, 22:00–02:00 the next day (…)`, with its first and last
/// dates when it has them (`, from 1 Dec 2026 until 31 Jan 2027`).
pub fn weekly_words(repeat: &Repeat, zone: &str) -> String {
    let next_day = if repeat.to <= repeat.from {
        " the next day"
    } else {
        ""
    };
    let mut words = format!(
        "{}, {}–{}{next_day} ({zone})",
        days_words(&repeat.days),
        repeat.from,
        repeat.to
    );
    match (&repeat.first_date, &repeat.last_date) {
        (Some(first), Some(last)) => words.push_str(&format!(
            ", from {} until {}",
            date_words(first),
            date_words(last)
        )),
        (Some(first), None) => words.push_str(&format!(", from {}", date_words(first))),
        (None, Some(last)) => words.push_str(&format!(", until {}", date_words(last))),
        (None, None) => {}
    }
    words
}

/// One opening of a weekly window on the browser's clock: `Fri 11 Dec, 19:00–23:00`, or with
/// both days when it ends on another one: `Fri 11 Dec, 22:00 – Sat 12 Dec, 02:00`.
pub fn occurrence_words(occurrence: &Occurrence, clock: &Clock<'_>) -> String {
    let start = (clock.wall)(&occurrence.starts_at);
    let end = (clock.wall)(&occurrence.ends_at);
    if start.date() == end.date() {
        format!(
            "{}, {}–{}",
            day_words(start.date(), clock.this_year()),
            clock_words(&start),
            clock_words(&end)
        )
    } else {
        format!(
            "{} – {}",
            moment_words(&start, clock.this_year()),
            moment_words(&end, clock.this_year())
        )
    }
}

/// Where friends find the portal: `https://plex.example/plexward/portal` for `origin` and the
/// base path Plexward is served under.
pub fn portal_address(origin: &str, base_path: &str) -> String {
    format!(
        "{}{}/portal",
        origin.trim_end_matches('/'),
        base_path.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a time")
    }

    /// A browser on UTC+1 (no DST: the arithmetic, not the zone, is under test).
    fn plus_one(t: &DateTime<Utc>) -> NaiveDateTime {
        (*t + Duration::hours(1)).naive_utc()
    }

    fn clock(now: DateTime<Utc>) -> Clock<'static> {
        Clock {
            now,
            wall: &plus_one,
        }
    }

    fn library() -> PortalLibrary {
        PortalLibrary {
            id: 1,
            title: "Movies".into(),
            kind: "movie".into(),
            active: false,
            starts_at: None,
            ends_at: None,
            repeat: None,
            next_occurrences: Vec::new(),
        }
    }

    #[test]
    fn kinds_read_as_plex_names_them() {
        assert_eq!(kind_words("movie"), "Movies");
        assert_eq!(kind_words("show"), "TV shows");
        assert_eq!(kind_words("artist"), "Music");
        assert_eq!(kind_words("photo"), "Photos");
        assert_eq!(kind_words("other"), "other");
    }

    #[test]
    fn distances_use_the_largest_unit() {
        assert_eq!(until_words(0), "in less than a minute");
        assert_eq!(until_words(59), "in less than a minute");
        assert_eq!(until_words(60), "in 1 minute");
        assert_eq!(until_words(5 * 60 + 30), "in 5 minutes");
        assert_eq!(until_words(3_600), "in 1 hour");
        assert_eq!(until_words(23 * 3_600 + 3_599), "in 23 hours");
        assert_eq!(until_words(86_400), "in 1 day");
        assert_eq!(until_words(19 * 86_400 + 7_200), "in 19 days");
        assert_eq!(until_words(-2 * 86_400), "2 days ago");
    }

    #[test]
    fn ends_read_on_the_browsers_clock_with_the_distance() {
        let now = at(2026, 12, 7, 9, 0);
        let end = at(2026, 12, 26, 17, 0);
        assert_eq!(
            end_words(Some(&end), &clock(now)),
            "Ends on Sat 26 Dec, 18:00 — in 19 days"
        );
        assert_eq!(end_words(None, &clock(now)), "No end date");
        assert_eq!(
            end_words(Some(&at(2026, 12, 1, 8, 5)), &clock(now)),
            "Ended on Tue 1 Dec, 09:05"
        );
        // Another year says which.
        assert_eq!(
            end_words(Some(&at(2027, 1, 3, 23, 30)), &clock(now)),
            "Ends on Mon 4 Jan 2027, 00:30 — in 27 days"
        );
    }

    #[test]
    fn starts_say_whether_they_have_come() {
        let now = at(2026, 12, 7, 9, 0);
        assert_eq!(start_words(None, &clock(now)), None);
        assert_eq!(
            start_words(Some(&at(2026, 12, 7, 12, 0)), &clock(now)).as_deref(),
            Some("Starts on Mon 7 Dec, 13:00 — in 3 hours")
        );
        assert_eq!(
            start_words(Some(&at(2026, 11, 30, 12, 0)), &clock(now)).as_deref(),
            Some("Started on Mon 30 Nov, 13:00")
        );
    }

    #[test]
    fn the_badge_says_where_the_library_stands() {
        let now = at(2026, 12, 7, 9, 0);
        let c = clock(now);
        let mut lib = library();
        assert_eq!(status_words(&lib, &c), "Not active now");
        lib.active = true;
        assert_eq!(status_words(&lib, &c), "Active now");
        lib.active = false;
        lib.starts_at = Some(now + Duration::days(3));
        assert_eq!(status_words(&lib, &c), "Starts in 3 days");
        lib.starts_at = None;
        lib.next_occurrences = vec![Occurrence {
            starts_at: now + Duration::hours(2),
            ends_at: now + Duration::hours(6),
        }];
        assert_eq!(status_words(&lib, &c), "Opens in 2 hours");
        lib.ends_at = Some(now - Duration::hours(1));
        assert_eq!(status_words(&lib, &c), "Ended");
    }

    #[test]
    fn weekdays_read_as_lists_and_ranges() {
        let days = |d: &[&str]| d.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(days_words(&days(&["sat", "fri"])), "Fri and Sat");
        assert_eq!(days_words(&days(&["mon"])), "Mon");
        assert_eq!(
            days_words(&days(&["mon", "tue", "wed", "thu", "fri"])),
            "Mon–Fri"
        );
        assert_eq!(
            days_words(&days(&["mon", "wed", "fri"])),
            "Mon, Wed and Fri"
        );
        assert_eq!(
            days_words(&days(&["mon", "tue", "wed", "sat"])),
            "Mon–Wed and Sat"
        );
        assert_eq!(
            days_words(&days(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"])),
            "Every day"
        );
        assert_eq!(days_words(&[]), "");
    }

    #[test]
    fn weekly_windows_read_in_the_servers_zone() {
        let mut repeat = Repeat {
            days: vec!["fri".into(), "sat".into()],
            from: "19:00".into(),
            to: "23:00".into(),
            first_date: None,
            last_date: None,
        };
        assert_eq!(
            weekly_words(&repeat, "Europe/Berlin"),
            "Fri and Sat, 19:00–23:00 (Europe/Berlin)"
        );
        repeat.to = "02:00".into();
        repeat.first_date = Some("2026-12-01".into());
        repeat.last_date = Some("2027-01-31".into());
        assert_eq!(
            weekly_words(&repeat, "UTC"),
            "Fri and Sat, 19:00–02:00 the next day (UTC), from 1 Dec 2026 until 31 Jan 2027"
        );
        repeat.first_date = None;
        repeat.last_date = Some("not a date".into());
        assert!(weekly_words(&repeat, "UTC").ends_with(", until not a date"));
    }

    #[test]
    fn openings_read_on_the_browsers_clock() {
        let c = clock(at(2026, 12, 7, 9, 0));
        let evening = Occurrence {
            starts_at: at(2026, 12, 11, 18, 0),
            ends_at: at(2026, 12, 11, 22, 0),
        };
        assert_eq!(occurrence_words(&evening, &c), "Fri 11 Dec, 19:00–23:00");
        let late = Occurrence {
            starts_at: at(2026, 12, 11, 21, 0),
            ends_at: at(2026, 12, 12, 1, 0),
        };
        assert_eq!(
            occurrence_words(&late, &c),
            "Fri 11 Dec, 22:00 – Sat 12 Dec, 02:00"
        );
    }

    #[test]
    fn the_address_sits_under_the_base_path() {
        assert_eq!(
            portal_address("https://plex.example", ""),
            "https://plex.example/portal"
        );
        assert_eq!(
            portal_address("http://127.0.0.1:8080/", "/plexward/"),
            "http://127.0.0.1:8080/plexward/portal"
        );
    }
}
