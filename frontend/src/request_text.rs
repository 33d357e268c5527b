//! Friends' requests in words, for the portal (the friend's own voice: "all my libraries",
//! "Waiting") and the staff page (theirs: "all their libraries", "Open"): what was asked, where
//! it stands, when, the refusals of asking, and what approving changes ("Movies: until …  →
//! until …"). Pure, so it is tested on the host; times come in through [`Clock`] or a formatter.

use chrono::{DateTime, Utc};
use plexward_shared::duration::IsoDuration;
use plexward_shared::{
    AccessRequest, AccessRequestKind, AccessRequestState, ExtendPeriod, GrantChange, GrantWindow,
    REQUEST_MESSAGE_MAX, REQUESTS_OPEN_MAX,
};

use crate::format::{ago_words, plural};
use crate::portal_text::{Clock, until_words};

/// Who reads the words: the friend who asked, or a moderator or admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Friend,
    Staff,
}

/// `n unit` / `n units`.
fn count(n: u64, one: &'static str, many: &'static str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// `a, b and c`.
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// An ISO 8601 duration in words, largest parts first: `10 days`, `2 weeks`, `1 month and 15
/// days`, `1 year and 2 months`, `36 hours`.
fn iso_words(d: &IsoDuration) -> String {
    let mut parts = Vec::new();
    let (years, months) = (d.months / 12, d.months % 12);
    if years > 0 {
        parts.push(count(years.into(), "year", "years"));
    }
    if months > 0 {
        parts.push(count(months.into(), "month", "months"));
    }
    if d.days > 0 {
        // Whole weeks read as weeks (`P14D` is what `P2W` becomes).
        if d.days.is_multiple_of(7) {
            parts.push(count((d.days / 7).into(), "week", "weeks"));
        } else {
            parts.push(count(d.days.into(), "day", "days"));
        }
    }
    let (hours, minutes, seconds) = (d.seconds / 3_600, d.seconds / 60 % 60, d.seconds % 60);
    if hours > 0 {
        parts.push(count(hours, "hour", "hours"));
    }
    if minutes > 0 {
        parts.push(count(minutes, "minute", "minutes"));
    }
    if seconds > 0 {
        parts.push(count(seconds, "second", "seconds"));
    }
    and_list(&parts)
}

/// How much longer: `a week`, `a month`, `a year`, `no end date`, or a duration in words.
pub fn period_words(period: &ExtendPeriod) -> String {
    match period {
        ExtendPeriod::Week => "a week".to_owned(),
        ExtendPeriod::Month => "a month".to_owned(),
        ExtendPeriod::Year => "a year".to_owned(),
        ExtendPeriod::Unlimited => "no end date".to_owned(),
        ExtendPeriod::Duration(d) => iso_words(d),
    }
}

/// What was asked, as a heading: `More time for Movies — a month`, `More time for all my
/// libraries` (all their libraries, for staff), `The library TV Shows`.
pub fn asked_words(
    kind: AccessRequestKind,
    library: Option<&str>,
    period: Option<&ExtendPeriod>,
    reader: Reader,
) -> String {
    match kind {
        AccessRequestKind::Extension => {
            let whose = match reader {
                Reader::Friend => "all my libraries",
                Reader::Staff => "all their libraries",
            };
            let what = format!("More time for {}", library.unwrap_or(whose));
            match period {
                Some(p) => format!("{what} — {}", period_words(p)),
                None => what,
            }
        }
        AccessRequestKind::Library => match library {
            Some(title) => format!("The library {title}"),
            None => "Another library".to_owned(),
        },
    }
}

/// [`asked_words`] of a request.
pub fn request_words(request: &AccessRequest, reader: Reader) -> String {
    asked_words(
        request.kind,
        request.library_title.as_deref(),
        request.period.as_ref(),
        reader,
    )
}

/// A request's state as a badge: its words and the pill's class. A friend's open request is
/// `Waiting` (for an answer); staff see it `Open`.
pub fn state_badge(state: AccessRequestState, reader: Reader) -> (&'static str, &'static str) {
    match state {
        AccessRequestState::Open => match reader {
            Reader::Friend => ("Waiting", "pill warn"),
            Reader::Staff => ("Open", "pill warn"),
        },
        AccessRequestState::Approved => ("Approved", "pill ok"),
        AccessRequestState::Declined => ("Declined", "pill bad"),
        AccessRequestState::Cancelled => ("Cancelled", "pill"),
    }
}

/// The verb of a decided request: `Approved`, `Declined`, `Cancelled` (`None` while open).
fn decided_verb(state: AccessRequestState) -> Option<&'static str> {
    match state {
        AccessRequestState::Open => None,
        AccessRequestState::Approved => Some("Approved"),
        AccessRequestState::Declined => Some("Declined"),
        AccessRequestState::Cancelled => Some("Cancelled"),
    }
}

/// `Sat 26 Dec, 18:00 — 2 days ago` on the browser's clock. Always in the past: a browser clock
/// a little behind the server's says `just now`, not `in less than a minute`.
fn moment_ago(at: &DateTime<Utc>, clock: &Clock<'_>) -> String {
    format!(
        "{} — {}",
        clock.moment(at),
        ago_words((clock.now - *at).num_seconds())
    )
}

/// When, for the friend: `Asked Sat 26 Dec, 18:00 — 2 days ago`; once decided, `Approved Mon
/// 28 Dec, 09:00 — just now (asked Sat 26 Dec, 18:00)`.
pub fn friend_when_words(request: &AccessRequest, clock: &Clock<'_>) -> String {
    match (decided_verb(request.state), request.decided_at) {
        (Some(verb), Some(at)) => format!(
            "{verb} {} (asked {})",
            moment_ago(&at, clock),
            clock.moment(&request.created_at)
        ),
        _ => format!("Asked {}", moment_ago(&request.created_at, clock)),
    }
}

/// When, for staff, with `format` the server zone's: `Asked 24 Nov 2026, 10:31`, then
/// `declined 25 Nov 2026, 08:00 by mo` once decided (`cancelled … by the friend`).
pub fn staff_when_words(
    request: &AccessRequest,
    format: &dyn Fn(&DateTime<Utc>) -> String,
) -> String {
    let asked = format!("Asked {}", format(&request.created_at));
    let (Some(verb), Some(at)) = (decided_verb(request.state), request.decided_at) else {
        return asked;
    };
    let by = match (request.state, request.decided_by.as_deref()) {
        (AccessRequestState::Cancelled, _) => " by the friend".to_owned(),
        (_, Some(who)) if !who.is_empty() => format!(" by {who}"),
        _ => String::new(),
    };
    format!("{asked}; {} {}{by}", verb.to_lowercase(), format(&at))
}

/// How much of a message is used: `12 / 500`, and whether it is too long.
pub fn chars_used(text: &str) -> (String, bool) {
    let n = text.chars().count();
    (
        format!("{n} / {REQUEST_MESSAGE_MAX}"),
        n > REQUEST_MESSAGE_MAX,
    )
}

/// A reason of the server's as a sentence: `say which library` → `Say which library.`
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Why the portal could not send a request, in the friend's words (`code`, the server's
/// `message` and a 429's `Retry-After`).
pub fn ask_refusal_words(code: &str, message: &str, retry_after: Option<u64>) -> String {
    match code {
        "too_many_open_requests" => format!(
            "You have {REQUESTS_OPEN_MAX} requests waiting already. Wait for an answer, or cancel \
             one of them first."
        ),
        "request_exists" => "You asked for that already, and it is still waiting.".to_owned(),
        "friend_departed" => {
            "You are no longer a friend of this server, so you cannot ask for more.".to_owned()
        }
        "too_many_requests" => {
            let wait = retry_after
                .and_then(|s| i64::try_from(s).ok())
                .map_or_else(|| "later".to_owned(), until_words);
            format!("You have asked for a lot today. Try again {wait}.")
        }
        "request_closed" => "This request was answered already.".to_owned(),
        _ => sentence(message),
    }
}

/// A grant's window in words, with `format` the server zone's: `until 24 Dec 2026, 10:31`,
/// `from 1 Dec 2026, 00:00 until …`, `no end`; `no access` when there is no grant.
pub fn window_words(
    window: Option<&GrantWindow>,
    format: &dyn Fn(&DateTime<Utc>) -> String,
) -> String {
    let Some(window) = window else {
        return "no access".to_owned();
    };
    match (&window.starts_at, &window.ends_at) {
        (None, None) => "no end".to_owned(),
        (None, Some(end)) => format!("until {}", format(end)),
        (Some(start), None) => format!("from {}, no end", format(start)),
        (Some(start), Some(end)) => format!("from {} until {}", format(start), format(end)),
    }
}

/// One library's change: `Movies: until 24 Nov 2026, 10:31 → until 24 Dec 2026, 10:31`.
pub fn grant_change_words(
    change: &GrantChange,
    format: &dyn Fn(&DateTime<Utc>) -> String,
) -> String {
    format!(
        "{}: {} → {}",
        change.library,
        window_words(change.before.as_ref(), format),
        window_words(change.after.as_ref(), format)
    )
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDateTime, TimeZone};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a time")
    }

    /// A browser on UTC+1.
    fn plus_one(t: &DateTime<Utc>) -> NaiveDateTime {
        (*t + Duration::hours(1)).naive_utc()
    }

    fn request(state: AccessRequestState) -> AccessRequest {
        AccessRequest {
            id: 1,
            friend: plexward_shared::RequestFriend {
                id: 7,
                title: "alice".into(),
                username: Some("alice".into()),
            },
            kind: AccessRequestKind::Library,
            state,
            library_id: Some(2),
            library_title: Some("TV Shows".into()),
            period: None,
            message: None,
            created_at: at(2026, 12, 5, 17, 0),
            decided_at: None,
            decided_by: None,
            reason: None,
        }
    }

    fn iso(value: &str) -> ExtendPeriod {
        ExtendPeriod::parse(value).expect("a duration")
    }

    #[test]
    fn periods_read_as_words() {
        assert_eq!(period_words(&ExtendPeriod::Week), "a week");
        assert_eq!(period_words(&ExtendPeriod::Month), "a month");
        assert_eq!(period_words(&ExtendPeriod::Year), "a year");
        assert_eq!(period_words(&ExtendPeriod::Unlimited), "no end date");
        assert_eq!(period_words(&iso("P10D")), "10 days");
        assert_eq!(period_words(&iso("P2W")), "2 weeks");
        assert_eq!(period_words(&iso("P1D")), "1 day");
        assert_eq!(period_words(&iso("P1M15D")), "1 month and 15 days");
        assert_eq!(period_words(&iso("P14M")), "1 year and 2 months");
        assert_eq!(period_words(&iso("PT36H")), "36 hours");
        assert_eq!(
            period_words(&iso("P1Y2M10DT2H30M")),
            "1 year, 2 months, 10 days, 2 hours and 30 minutes"
        );
    }

    #[test]
    fn what_was_asked_reads_in_the_readers_voice() {
        use AccessRequestKind::{Extension, Library};
        let month = ExtendPeriod::Month;
        assert_eq!(
            asked_words(Extension, Some("Movies"), Some(&month), Reader::Friend),
            "More time for Movies — a month"
        );
        assert_eq!(
            asked_words(Extension, None, Some(&ExtendPeriod::Week), Reader::Friend),
            "More time for all my libraries — a week"
        );
        assert_eq!(
            asked_words(Extension, None, None, Reader::Staff),
            "More time for all their libraries"
        );
        assert_eq!(
            asked_words(Library, Some("TV Shows"), None, Reader::Staff),
            "The library TV Shows"
        );
        assert_eq!(
            asked_words(Library, None, None, Reader::Friend),
            "Another library"
        );
        assert_eq!(
            request_words(&request(AccessRequestState::Open), Reader::Friend),
            "The library TV Shows"
        );
    }

    #[test]
    fn states_read_as_badges() {
        use AccessRequestState::{Approved, Cancelled, Declined, Open};
        assert_eq!(state_badge(Open, Reader::Friend), ("Waiting", "pill warn"));
        assert_eq!(state_badge(Open, Reader::Staff), ("Open", "pill warn"));
        assert_eq!(
            state_badge(Approved, Reader::Friend),
            ("Approved", "pill ok")
        );
        assert_eq!(
            state_badge(Declined, Reader::Staff),
            ("Declined", "pill bad")
        );
        assert_eq!(
            state_badge(Cancelled, Reader::Friend),
            ("Cancelled", "pill")
        );
    }

    #[test]
    fn the_friend_reads_when_on_their_own_clock() {
        let clock = Clock {
            now: at(2026, 12, 7, 17, 0),
            wall: &plus_one,
        };
        let mut asked = request(AccessRequestState::Open);
        assert_eq!(
            friend_when_words(&asked, &clock),
            "Asked Sat 5 Dec, 18:00 — 2 days ago"
        );
        // Asked by the server's clock a moment ahead of the browser's.
        let ahead = Clock {
            now: asked.created_at - Duration::seconds(2),
            wall: &plus_one,
        };
        assert_eq!(
            friend_when_words(&asked, &ahead),
            "Asked Sat 5 Dec, 18:00 — just now"
        );
        asked.state = AccessRequestState::Approved;
        asked.decided_at = Some(at(2026, 12, 7, 16, 59));
        assert_eq!(
            friend_when_words(&asked, &clock),
            "Approved Mon 7 Dec, 17:59 — 1 minute ago (asked Sat 5 Dec, 18:00)"
        );
    }

    #[test]
    fn staff_read_when_and_who_decided() {
        let format = |t: &DateTime<Utc>| t.format("%d.%m. %H:%M").to_string();
        let mut asked = request(AccessRequestState::Open);
        assert_eq!(staff_when_words(&asked, &format), "Asked 05.12. 17:00");
        asked.state = AccessRequestState::Declined;
        asked.decided_at = Some(at(2026, 12, 6, 8, 0));
        asked.decided_by = Some("mo".into());
        assert_eq!(
            staff_when_words(&asked, &format),
            "Asked 05.12. 17:00; declined 06.12. 08:00 by mo"
        );
        asked.state = AccessRequestState::Cancelled;
        asked.decided_by = Some("friend".into());
        assert_eq!(
            staff_when_words(&asked, &format),
            "Asked 05.12. 17:00; cancelled 06.12. 08:00 by the friend"
        );
    }

    #[test]
    fn messages_count_characters_not_bytes() {
        assert_eq!(chars_used(""), ("0 / 500".to_owned(), false));
        assert_eq!(chars_used("héllo"), ("5 / 500".to_owned(), false));
        assert!(!chars_used(&"é".repeat(500)).1);
        assert_eq!(chars_used(&"é".repeat(501)), ("501 / 500".to_owned(), true));
    }

    #[test]
    fn refusals_read_in_the_friends_words() {
        assert_eq!(
            sentence("say which library you would like"),
            "Say which library you would like."
        );
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence("  "), "");
        assert!(
            ask_refusal_words("too_many_open_requests", "", None)
                .starts_with("You have 3 requests waiting")
        );
        assert_eq!(
            ask_refusal_words("request_exists", "you already asked", None),
            "You asked for that already, and it is still waiting."
        );
        assert_eq!(
            ask_refusal_words("too_many_requests", "", Some(3 * 3_600 + 5)),
            "You have asked for a lot today. Try again in 3 hours."
        );
        assert_eq!(
            ask_refusal_words("too_many_requests", "", None),
            "You have asked for a lot today. Try again later."
        );
        assert_eq!(
            ask_refusal_words("something_else", "the server is busy", None),
            "The server is busy."
        );
    }

    #[test]
    fn changes_read_before_and_after() {
        let format = |t: &DateTime<Utc>| t.format("%d %b %Y, %H:%M").to_string();
        let end = at(2026, 12, 24, 10, 31);
        let change = GrantChange {
            library_id: 1,
            library: "Movies".into(),
            before: Some(GrantWindow {
                starts_at: None,
                ends_at: Some(at(2026, 11, 24, 10, 31)),
            }),
            after: Some(GrantWindow {
                starts_at: None,
                ends_at: Some(end),
            }),
        };
        assert_eq!(
            grant_change_words(&change, &format),
            "Movies: until 24 Nov 2026, 10:31 → until 24 Dec 2026, 10:31"
        );
        let added = GrantChange {
            library_id: 2,
            library: "TV Shows".into(),
            before: None,
            after: Some(GrantWindow {
                starts_at: Some(at(2026, 12, 1, 0, 0)),
                ends_at: None,
            }),
        };
        assert_eq!(
            grant_change_words(&added, &format),
            "TV Shows: no access → from 01 Dec 2026, 00:00, no end"
        );
        assert_eq!(
            window_words(
                Some(&GrantWindow {
                    starts_at: None,
                    ends_at: None
                }),
                &format
            ),
            "no end"
        );
    }
}
