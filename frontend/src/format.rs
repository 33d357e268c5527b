//! Showing things in words: times in the browser's own language and zone (account pages),
//! durations, plans and apply states. Times in the *server's* zone are in `time_zone.rs`.

use chrono::{DateTime, Utc};
use plexward_shared::{
    ApplyState, ApplyStatus, PlanAction, PlanResponse, ReconcileReport, ScheduleMode,
    ScheduleSettings,
};
use wasm_bindgen::JsValue;

/// `24 Nov 2026, 10:31` in the user's locale and time zone.
pub fn local_time(at: &DateTime<Utc>) -> String {
    #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit an f64 exactly until 2255
    let millis = at.timestamp_millis() as f64;
    let date = js_sys::Date::new(&JsValue::from_f64(millis));
    let options = js_sys::Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    let locale = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".to_owned());
    date.to_locale_string(&locale, &options).into()
}

/// What the browser's clock shows at `at` (its own time zone), to the second.
pub fn browser_wall(at: &DateTime<Utc>) -> chrono::NaiveDateTime {
    #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit an f64 exactly until 2255
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    chrono::NaiveDate::from_ymd_opt(
        i32::try_from(date.get_full_year()).unwrap_or(1970),
        date.get_month() + 1,
        date.get_date(),
    )
    .and_then(|day| day.and_hms_opt(date.get_hours(), date.get_minutes(), date.get_seconds()))
    // Only a browser without a clock gets here: UTC is the best guess then.
    .unwrap_or_else(|| at.naive_utc())
}

/// The browser's time zone by its IANA name (`Europe/Berlin`), when it tells.
pub fn browser_zone() -> Option<String> {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()?
        .as_string()
        .filter(|zone| !zone.is_empty())
}

/// `—` for a time that never happened, e.g. a token never used.
pub fn local_time_or_dash(at: Option<&DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), local_time)
}

/// A file size in words: `812 B`, `4.2 KB`, `13.7 MB`, `1.2 GB` (powers of 1000, like browsers).
pub fn size_words(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // one decimal is all that is shown
    let value = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} KB", value / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", value / 1e6),
        _ => format!("{:.1} GB", value / 1e9),
    }
}

/// Now, from the browser's clock.
pub fn now() -> DateTime<Utc> {
    #[allow(clippy::cast_possible_truncation)] // whole milliseconds are all we need
    let millis = js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// How long ago, in its largest unit: `just now`, `5 minutes ago`, `3 hours ago`, `2 days ago`.
/// A browser clock a little behind the server's (a negative span) counts as `just now`.
pub fn ago_words(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, one, many) = match s {
        0..60 => return "just now".to_owned(),
        60..3_600 => (s / 60, "minute", "minutes"),
        3_600..86_400 => (s / 3_600, "hour", "hours"),
        _ => (s / 86_400, "day", "days"),
    };
    format!("{n} {} ago", plural(n.unsigned_abs(), one, many))
}

/// A span of time in its two largest units: `3 d 4 h`, `2 h 5 m`, `5 m 3 s`, `45 s` (negative
/// spans count as `0 s`).
pub fn duration_words(seconds: i64) -> String {
    let total = seconds.max(0);
    let (days, hours, minutes, secs) = (
        total / 86_400,
        total / 3_600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} m")
    } else if minutes > 0 {
        format!("{minutes} m {secs} s")
    } else {
        format!("{secs} s")
    }
}

/// The time left before a countdown's moment, to the second: `1 d 05 h 03 m 12 s`,
/// `3 h 00 m 09 s`, `4 m 07 s`, `59 s`; `due now` once nothing is left. Days appear from one day
/// on, hours from one hour on and are never left out after days (the old UI's "1 d 03 m" hid
/// them); the units after the first are two digits wide so the text does not jump as it ticks.
pub fn countdown_words(seconds_left: i64) -> String {
    if seconds_left <= 0 {
        return "due now".to_owned();
    }
    let (days, hours, minutes, secs) = (
        seconds_left / 86_400,
        seconds_left / 3_600 % 24,
        seconds_left / 60 % 60,
        seconds_left % 60,
    );
    if days > 0 {
        format!("{days} d {hours:02} h {minutes:02} m {secs:02} s")
    } else if hours > 0 {
        format!("{hours} h {minutes:02} m {secs:02} s")
    } else if minutes > 0 {
        format!("{minutes} m {secs:02} s")
    } else {
        format!("{secs} s")
    }
}

/// Whole seconds from `now_ms` until `target_ms`, rounded up: a countdown shows `1 s` until the
/// very moment, and `due now` only once it has come.
pub fn seconds_until(target_ms: i64, now_ms: i64) -> i64 {
    (target_ms - now_ms).div_euclid(1000) + i64::from((target_ms - now_ms).rem_euclid(1000) > 0)
}

/// `Movies ends in 3 d 4 h` / `TV starts in 2 h 5 m` (`… now` once the moment has come).
pub fn change_words(library: &str, starts: bool, seconds_left: i64) -> String {
    let verb = if starts { "starts" } else { "ends" };
    if seconds_left <= 0 {
        format!("{library} {verb} now")
    } else {
        format!("{library} {verb} in {}", duration_words(seconds_left))
    }
}

/// `one` or `many`, as `n` asks.
pub fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The reconcile schedule in words: `every 60 minutes`, `daily at 04:00 Europe/Berlin`.
pub fn schedule_words(settings: &ScheduleSettings, time_zone: &str) -> String {
    match settings.mode {
        ScheduleMode::Interval => {
            let n = settings.interval_minutes;
            format!("every {n} {}", plural(n.into(), "minute", "minutes"))
        }
        ScheduleMode::Daily => format!("daily at {} {time_zone}", settings.daily_at),
    }
}

/// What a reconcile did: `Synced SimServer: 5 libraries, 8 friends — 2 applied, 0 failed, drift:
/// 1 found, 1 corrected.`
pub fn reconcile_words(report: &ReconcileReport) -> String {
    let sync = &report.sync;
    format!(
        "Synced {}: {} {}, {} {} — {} applied, {} failed, drift: {} found, {} corrected.",
        sync.server_name,
        sync.libraries,
        plural(sync.libraries, "library", "libraries"),
        sync.friends,
        plural(sync.friends, "friend", "friends"),
        report.applied,
        report.failed,
        report.drift,
        report.drift_corrected,
    )
}

/// A list of library titles in words: `Movies, TV`.
fn titles(ids: &[i64], title_of: &dyn Fn(i64) -> String) -> String {
    ids.iter()
        .map(|&id| title_of(id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a plan does, in words: `Invite with Movies, TV`, `Add TV, remove Movies`, `No change`.
pub fn plan_words(plan: &PlanResponse, title_of: &dyn Fn(i64) -> String) -> String {
    match plan.action {
        PlanAction::Nothing => "No change".to_owned(),
        PlanAction::Invite => format!("Invite with {}", titles(&plan.library_ids, title_of)),
        PlanAction::Revoke => {
            "Remove the share on this server (a later grant sends a new invite)".to_owned()
        }
        PlanAction::RemoveFriend => {
            "Remove them from your Plex friends (a later grant sends a new invite)".to_owned()
        }
        PlanAction::Update => {
            let mut parts = Vec::new();
            if !plan.added_library_ids.is_empty() {
                parts.push(format!("add {}", titles(&plan.added_library_ids, title_of)));
            }
            if !plan.removed_library_ids.is_empty() {
                parts.push(format!(
                    "remove {}",
                    titles(&plan.removed_library_ids, title_of)
                ));
            }
            if plan.sharing.is_some() {
                parts.push("set the sharing settings".to_owned());
            }
            let text = if parts.is_empty() {
                format!("update to {}", titles(&plan.library_ids, title_of))
            } else {
                parts.join(", ")
            };
            capitalise(&text)
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Where applying stands, in words; `retry_at` is the retry time already formatted for the
/// reader.
pub fn apply_words(status: &ApplyStatus, retry_at: Option<&str>) -> String {
    match status.state {
        ApplyState::Applied => "Applied on Plex ✓".to_owned(),
        ApplyState::PendingInvite => {
            "Invite pending: applied on Plex, waiting for the friend to accept".to_owned()
        }
        ApplyState::Queued => "Waiting to be applied on Plex…".to_owned(),
        ApplyState::Departed => "Departed from Plex: nothing is applied".to_owned(),
        ApplyState::Failed => {
            let reason = status.error.as_deref().unwrap_or("unknown reason");
            match retry_at {
                Some(at) => format!("Failed: {reason} — retrying at {at}"),
                None => format!("Failed: {reason}"),
            }
        }
    }
}

/// Up to two initials of a name, for an avatar without a picture: `Alice Smith` → `AS`.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == '.' || c == '@' || c == '_')
        .filter(|w| !w.is_empty())
        .collect();
    let picked: Vec<&str> = match words.as_slice() {
        [] => return "?".to_owned(),
        [one] => vec![one],
        [first, .., last] if name.contains(' ') => vec![first, last],
        [first, ..] => vec![first],
    };
    picked
        .iter()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_the_largest_fitting_unit() {
        assert_eq!(size_words(812), "812 B");
        assert_eq!(size_words(4_200), "4.2 KB");
        assert_eq!(size_words(13_700_000), "13.7 MB");
        assert_eq!(size_words(1_234_000_000), "1.2 GB");
    }

    #[test]
    fn ago_in_the_largest_unit() {
        assert_eq!(ago_words(-30), "just now");
        assert_eq!(ago_words(59), "just now");
        assert_eq!(ago_words(60), "1 minute ago");
        assert_eq!(ago_words(59 * 60 + 59), "59 minutes ago");
        assert_eq!(ago_words(3_600), "1 hour ago");
        assert_eq!(ago_words(5 * 3_600 + 1), "5 hours ago");
        assert_eq!(ago_words(86_400), "1 day ago");
        assert_eq!(ago_words(30 * 86_400), "30 days ago");
    }

    #[test]
    fn durations_show_the_two_largest_units() {
        assert_eq!(duration_words(45), "45 s");
        assert_eq!(duration_words(0), "0 s");
        assert_eq!(duration_words(-5), "0 s");
        assert_eq!(duration_words(5 * 60 + 3), "5 m 3 s");
        assert_eq!(duration_words(2 * 3600 + 5 * 60 + 59), "2 h 5 m");
        assert_eq!(duration_words(3 * 86_400 + 4 * 3600 + 120), "3 d 4 h");
        assert_eq!(duration_words(86_400), "1 d 0 h");
    }

    #[test]
    fn countdowns_keep_days_and_hours() {
        assert_eq!(countdown_words(0), "due now");
        assert_eq!(countdown_words(-30), "due now");
        assert_eq!(countdown_words(1), "1 s");
        assert_eq!(countdown_words(59), "59 s");
        assert_eq!(countdown_words(60), "1 m 00 s");
        assert_eq!(countdown_words(3_599), "59 m 59 s");
        assert_eq!(countdown_words(3_600), "1 h 00 m 00 s");
        assert_eq!(countdown_words(86_399), "23 h 59 m 59 s");
        assert_eq!(countdown_words(86_400), "1 d 00 h 00 m 00 s");
        assert_eq!(countdown_words(25 * 3_600), "1 d 01 h 00 m 00 s");
        assert_eq!(
            countdown_words(86_400 + 5 * 3_600 + 3 * 60 + 12),
            "1 d 05 h 03 m 12 s"
        );
        assert_eq!(countdown_words(3 * 86_400), "3 d 00 h 00 m 00 s");
        assert_eq!(countdown_words(3 * 86_400 + 7), "3 d 00 h 00 m 07 s");
    }

    #[test]
    fn countdowns_round_up_to_the_second() {
        assert_eq!(seconds_until(10_000, 10_000), 0);
        assert_eq!(seconds_until(10_000, 9_999), 1);
        assert_eq!(seconds_until(10_000, 9_000), 1);
        assert_eq!(seconds_until(10_000, 8_999), 2);
        assert_eq!(seconds_until(10_000, 10_001), 0);
        assert_eq!(seconds_until(10_000, 11_000), -1);
        assert_eq!(seconds_until(10_000, 11_500), -1);
    }

    #[test]
    fn schedules_read_as_words() {
        let mut settings = ScheduleSettings::default();
        assert_eq!(schedule_words(&settings, "UTC"), "every 60 minutes");
        settings.interval_minutes = 1_440;
        assert_eq!(schedule_words(&settings, "UTC"), "every 1440 minutes");
        settings.mode = ScheduleMode::Daily;
        assert_eq!(
            schedule_words(&settings, "Europe/Berlin"),
            "daily at 04:00 Europe/Berlin"
        );
    }

    #[test]
    fn reconcile_reports_read_as_a_sentence() {
        let report = ReconcileReport {
            sync: plexward_shared::SyncReport {
                server_name: "SimServer".into(),
                libraries: 5,
                friends: 1,
                ..plexward_shared::SyncReport::default()
            },
            applied: 2,
            failed: 0,
            drift: 1,
            drift_corrected: 1,
        };
        assert_eq!(
            reconcile_words(&report),
            "Synced SimServer: 5 libraries, 1 friend — 2 applied, 0 failed, drift: 1 found, 1 corrected."
        );
    }

    #[test]
    fn changes_read_as_a_sentence() {
        assert_eq!(
            change_words("Movies", false, 3 * 86_400 + 4 * 3600),
            "Movies ends in 3 d 4 h"
        );
        assert_eq!(
            change_words("TV", true, 2 * 3600 + 5 * 60),
            "TV starts in 2 h 5 m"
        );
        assert_eq!(change_words("TV", true, -1), "TV starts now");
    }

    fn plan(action: PlanAction, ids: &[i64], added: &[i64], removed: &[i64]) -> PlanResponse {
        PlanResponse {
            action,
            library_ids: ids.to_vec(),
            added_library_ids: added.to_vec(),
            removed_library_ids: removed.to_vec(),
            sharing: None,
        }
    }

    fn title(id: i64) -> String {
        match id {
            1 => "Movies".into(),
            2 => "TV".into(),
            _ => format!("#{id}"),
        }
    }

    #[test]
    fn plans_read_as_words() {
        assert_eq!(
            plan_words(&plan(PlanAction::Invite, &[1, 2], &[1, 2], &[]), &title),
            "Invite with Movies, TV"
        );
        assert_eq!(
            plan_words(&plan(PlanAction::Update, &[2], &[], &[1]), &title),
            "Remove Movies"
        );
        assert_eq!(
            plan_words(&plan(PlanAction::Update, &[2], &[2], &[1]), &title),
            "Add TV, remove Movies"
        );
        assert_eq!(
            plan_words(&plan(PlanAction::Update, &[9], &[], &[]), &title),
            "Update to #9"
        );
        assert_eq!(
            plan_words(&plan(PlanAction::Nothing, &[1], &[], &[]), &title),
            "No change"
        );
        assert!(
            plan_words(&plan(PlanAction::Revoke, &[], &[], &[1]), &title)
                .contains("a later grant sends a new invite")
        );
    }

    #[test]
    fn apply_states_read_as_words() {
        let mut status = ApplyStatus {
            state: ApplyState::Applied,
            error: None,
            attempts: 0,
            next_retry_at: None,
            applied_at: None,
        };
        assert_eq!(apply_words(&status, None), "Applied on Plex ✓");
        status.state = ApplyState::Failed;
        status.error = Some("plex.tv answered 503".into());
        assert_eq!(
            apply_words(&status, Some("24 Nov 2026, 10:31")),
            "Failed: plex.tv answered 503 — retrying at 24 Nov 2026, 10:31"
        );
        status.state = ApplyState::PendingInvite;
        assert!(apply_words(&status, None).starts_with("Invite pending"));
    }

    #[test]
    fn initials_of_names_usernames_and_emails() {
        assert_eq!(initials("Alice Smith"), "AS");
        assert_eq!(initials("Jean Paul Sartre"), "JS");
        assert_eq!(initials("bob"), "B");
        assert_eq!(initials("pending@example.com"), "P");
        assert_eq!(initials(""), "?");
    }
}
