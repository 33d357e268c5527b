//! Access plans and invites as text: the windows a plan gives ("starts after", "lasts") typed
//! as ISO 8601 durations or in words (`14 days`, `12 h`, `2 weeks`) and sent as ISO (`P14D`),
//! those durations read back in words, a plan's libraries in words, and a 422's field errors
//! (`grants[1].duration`) put on the library they are about. Pure, so it is tested on the host.

use std::collections::BTreeMap;

use plexward_shared::PlanGrant;

use crate::components::weekly_editor::repeat_words;

/// The presets offered for "lasts" (the `<datalist>` of the inputs), as they are typed.
pub const DURATION_PRESETS: [&str; 6] = [
    "7 days", "14 days", "30 days", "90 days", "6 months", "1 year",
];

/// One unit of a duration: its ISO letter, whether it is a time part (`T…`), its words.
struct Unit {
    letter: char,
    time: bool,
    one: &'static str,
    many: &'static str,
}

const UNITS: [Unit; 7] = [
    Unit {
        letter: 'Y',
        time: false,
        one: "year",
        many: "years",
    },
    Unit {
        letter: 'M',
        time: false,
        one: "month",
        many: "months",
    },
    Unit {
        letter: 'W',
        time: false,
        one: "week",
        many: "weeks",
    },
    Unit {
        letter: 'D',
        time: false,
        one: "day",
        many: "days",
    },
    Unit {
        letter: 'H',
        time: true,
        one: "hour",
        many: "hours",
    },
    Unit {
        letter: 'M',
        time: true,
        one: "minute",
        many: "minutes",
    },
    Unit {
        letter: 'S',
        time: true,
        one: "second",
        many: "seconds",
    },
];

/// The unit a word names (`days`, `d`, `hrs`, `mo`…), as an index into [`UNITS`]. A bare `m` is
/// refused: minutes or months?
fn unit_of(word: &str) -> Option<usize> {
    Some(match word {
        "y" | "yr" | "yrs" | "year" | "years" => 0,
        "mo" | "mon" | "month" | "months" => 1,
        "w" | "wk" | "wks" | "week" | "weeks" => 2,
        "d" | "day" | "days" => 3,
        "h" | "hr" | "hrs" | "hour" | "hours" => 4,
        "min" | "mins" | "minute" | "minutes" => 5,
        "s" | "sec" | "secs" | "second" | "seconds" => 6,
        _ => return None,
    })
}

/// The ISO spelling of `n` of unit `index`: `P14D`, `PT12H`.
fn iso_of(n: u64, index: usize) -> String {
    let unit = &UNITS[index];
    if unit.time {
        format!("PT{n}{}", unit.letter)
    } else {
        format!("P{n}{}", unit.letter)
    }
}

/// What the user typed for a duration → the ISO 8601 duration to send. Empty: `Ok(None)`.
/// Takes ISO (`P14D`, `pt12h`, `P1M15D`), a number of days (`14`), or a number and a unit
/// (`14 days`, `12h`, `2 weeks`, `6 months`, `1 year`, `90 min`).
pub fn parse_duration_input(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad =
        || format!("“{text}” is not a duration: write e.g. 14 days, 12 hours, 2 weeks or P14D");
    let upper = text.to_uppercase();
    if upper.starts_with('P') {
        // The shared reader (as the server reads it) refuses zero and more than 100 years too.
        plexward_shared::duration::parse(&upper).map_err(|_| bad())?;
        return Ok(Some(upper));
    }
    let lower = text.to_lowercase();
    let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let word = lower[digits.len()..].trim();
    let index = if word.is_empty() {
        3
    } else {
        unit_of(word).ok_or_else(bad)?
    };
    if n == 0 {
        return Err(format!("“{text}” is zero: leave the field empty instead"));
    }
    let iso = iso_of(n, index);
    plexward_shared::duration::parse(&iso).map_err(|_| {
        format!("“{text}” is longer than 100 years: leave the field empty for no end")
    })?;
    Ok(Some(iso))
}

/// The parts of an ISO duration, in order: (number, index into [`UNITS`]). `None` when it is
/// not one.
fn parts(iso: &str) -> Option<Vec<(u64, usize)>> {
    let rest = iso.strip_prefix('P')?;
    let mut out = Vec::new();
    let mut time = false;
    let mut digits = String::new();
    for c in rest.chars() {
        if c == 'T' && digits.is_empty() && !time {
            time = true;
        } else if c.is_ascii_digit() {
            digits.push(c);
        } else {
            let index = UNITS.iter().position(|u| u.letter == c && u.time == time)?;
            out.push((digits.parse().ok()?, index));
            digits.clear();
        }
    }
    (digits.is_empty() && !out.is_empty()).then_some(out)
}

/// An ISO 8601 duration in words: `P14D` → `14 days`, `PT1H30M` → `1 hour 30 minutes`. One that
/// cannot be read is shown as it is.
pub fn iso_words(iso: &str) -> String {
    parts(iso).map_or_else(
        || iso.to_owned(),
        |parts| {
            parts
                .into_iter()
                .map(|(n, i)| {
                    let unit = &UNITS[i];
                    format!("{n} {}", if n == 1 { unit.one } else { unit.many })
                })
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

/// What a duration input starts with for a saved ISO duration: its words when they read back
/// the same (`14 days`), else the ISO text (`P1M15D`).
pub fn duration_input_value(iso: Option<&str>) -> String {
    let Some(iso) = iso else {
        return String::new();
    };
    let words = iso_words(iso);
    if parse_duration_input(&words).ok().flatten().as_deref() == Some(iso) {
        words
    } else {
        iso.to_owned()
    }
}

/// A grant's window in words, counted from `from` (`it is given`, `acceptance`): `at once, for
/// 14 days`, `7 days after acceptance, with no end`, `weekly: Every Fri 18:00–23:00`. Fixed
/// times (invites) are shown through `when`.
pub fn window_words(grant: &PlanGrant, from: &str, when: &dyn Fn(&str) -> String) -> String {
    if let Some(repeat) = &grant.repeat {
        return format!("weekly: {}", repeat_words(repeat));
    }
    let start = match (&grant.starts_at, &grant.starts_after) {
        (Some(at), _) => format!("from {}", when(at)),
        (None, Some(after)) => format!("{} after {from}", iso_words(after)),
        (None, None) => "at once".to_owned(),
    };
    let end = match (&grant.ends_at, &grant.duration) {
        (Some(at), _) => format!("until {}", when(at)),
        (None, Some(d)) => format!("for {}", iso_words(d)),
        (None, None) => "with no end".to_owned(),
    };
    format!("{start}, {end}")
}

/// Every grant of a plan in words: `Movies: at once, for 14 days; TV: …`.
pub fn grants_words(
    grants: &[PlanGrant],
    title: &dyn Fn(i64) -> String,
    from: &str,
    when: &dyn Fn(&str) -> String,
) -> String {
    grants
        .iter()
        .map(|g| format!("{}: {}", title(g.library_id), window_words(g, from, when)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A 422's field errors sorted out: `{prefix}[i].…` onto the library of grant `i` (library id →
/// reason, with which input it is about), the rest by field name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors {
    pub libraries: BTreeMap<i64, String>,
    pub other: BTreeMap<String, String>,
}

impl FieldErrors {
    /// Removes and returns the reason for `field`.
    pub fn take(&mut self, field: &str) -> Option<String> {
        self.other.remove(field)
    }

    /// What is left, as one line (`sharing.allow_downloads: …`), for the form's general error.
    pub fn rest(&self) -> Option<String> {
        (!self.other.is_empty()).then(|| {
            self.other
                .iter()
                .map(|(f, why)| format!("{f}: {why}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// Sorts `fields` (of a 422) out for a form whose grants were sent as `{prefix}` (`grants`,
/// `plan.grants`) in the order of `library_ids`.
pub fn field_errors(
    fields: &BTreeMap<String, String>,
    prefix: &str,
    library_ids: &[i64],
) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, why) in fields {
        let grant = field
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('['))
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(index, rest)| Some((library_ids.get(index.parse::<usize>().ok()?)?, rest)));
        let Some((&library, rest)) = grant else {
            out.other.insert(field.clone(), why.clone());
            continue;
        };
        let which = match rest {
            ".starts_after" => "Starts after: ",
            ".duration" => "Lasts: ",
            ".starts_at" => "Start: ",
            ".ends_at" => "End: ",
            r if r.starts_with(".repeat") => "Weekly: ",
            _ => "",
        };
        let entry = out.libraries.entry(library).or_default();
        if !entry.is_empty() {
            entry.push(' ');
        }
        entry.push_str(&format!("{which}{why}"));
    }
    out
}

/// The "expires in days" input: empty = the default; else 1–`max` days.
pub fn parse_expiry_days(text: &str, max: u32) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!("Enter a number of days from 1 to {max}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_read_in_words_or_iso() {
        let p = |s: &str| parse_duration_input(s);
        assert_eq!(p(""), Ok(None));
        assert_eq!(p("   "), Ok(None));
        assert_eq!(p("14"), Ok(Some("P14D".into())));
        assert_eq!(p("14 days"), Ok(Some("P14D".into())));
        assert_eq!(p("14d"), Ok(Some("P14D".into())));
        assert_eq!(p("1 Day"), Ok(Some("P1D".into())));
        assert_eq!(p("2 weeks"), Ok(Some("P2W".into())));
        assert_eq!(p("12 h"), Ok(Some("PT12H".into())));
        assert_eq!(p("90 min"), Ok(Some("PT90M".into())));
        assert_eq!(p("6 months"), Ok(Some("P6M".into())));
        assert_eq!(p("1 year"), Ok(Some("P1Y".into())));
        assert_eq!(p("P14D"), Ok(Some("P14D".into())));
        assert_eq!(p("pt12h"), Ok(Some("PT12H".into())));
        assert_eq!(p("P1M15D"), Ok(Some("P1M15D".into())));
        for bad in [
            "soon",
            "14 m",
            "P",
            "P14",
            "0 days",
            "-3 days",
            "1.5 days",
            "200 years",
        ] {
            assert!(p(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(p("0").expect_err("zero").contains("empty"));
    }

    #[test]
    fn every_preset_is_a_duration() {
        for preset in DURATION_PRESETS {
            assert!(
                matches!(parse_duration_input(preset), Ok(Some(_))),
                "{preset}"
            );
        }
    }

    #[test]
    fn iso_durations_read_as_words() {
        assert_eq!(iso_words("P14D"), "14 days");
        assert_eq!(iso_words("P1D"), "1 day");
        assert_eq!(iso_words("P2W"), "2 weeks");
        assert_eq!(iso_words("PT12H"), "12 hours");
        assert_eq!(iso_words("PT1H30M"), "1 hour 30 minutes");
        assert_eq!(iso_words("P1M15D"), "1 month 15 days");
        assert_eq!(
            iso_words("P1Y2M10DT2H30M5S"),
            "1 year 2 months 10 days 2 hours 30 minutes 5 seconds"
        );
        assert_eq!(iso_words("nonsense"), "nonsense");
        assert_eq!(iso_words("P"), "P");
    }

    #[test]
    fn saved_durations_come_back_as_words_when_they_can() {
        assert_eq!(duration_input_value(None), "");
        assert_eq!(duration_input_value(Some("P14D")), "14 days");
        assert_eq!(duration_input_value(Some("PT12H")), "12 hours");
        assert_eq!(duration_input_value(Some("P1M15D")), "P1M15D");
    }

    fn grant(starts_after: Option<&str>, duration: Option<&str>) -> PlanGrant {
        PlanGrant {
            library_id: 1,
            starts_after: starts_after.map(Into::into),
            duration: duration.map(Into::into),
            ..PlanGrant::default()
        }
    }

    #[test]
    fn windows_read_as_words() {
        let when = |s: &str| format!("<{s}>");
        assert_eq!(
            window_words(&grant(None, Some("P14D")), "it is given", &when),
            "at once, for 14 days"
        );
        assert_eq!(
            window_words(&grant(Some("P7D"), None), "acceptance", &when),
            "7 days after acceptance, with no end"
        );
        let fixed = PlanGrant {
            library_id: 1,
            starts_at: Some("a".into()),
            ends_at: Some("b".into()),
            ..PlanGrant::default()
        };
        assert_eq!(
            window_words(&fixed, "acceptance", &when),
            "from <a>, until <b>"
        );
        let weekly = PlanGrant {
            library_id: 1,
            repeat: Some(plexward_shared::Repeat {
                days: vec!["sat".into()],
                from: "18:00".into(),
                to: "23:00".into(),
                first_date: None,
                last_date: None,
            }),
            ..PlanGrant::default()
        };
        assert_eq!(
            window_words(&weekly, "acceptance", &when),
            "weekly: Every Sat 18:00–23:00"
        );
        let title = |id: i64| {
            if id == 1 {
                "Movies".into()
            } else {
                format!("#{id}")
            }
        };
        let two = [
            grant(None, Some("P14D")),
            PlanGrant {
                library_id: 2,
                ..PlanGrant::default()
            },
        ];
        assert_eq!(
            grants_words(&two, &title, "it is given", &when),
            "Movies: at once, for 14 days; #2: at once, with no end"
        );
    }

    #[test]
    fn field_errors_land_on_their_library() {
        let fields = BTreeMap::from([
            ("grants[1].duration".to_owned(), "not a duration".to_owned()),
            (
                "grants[1].library_id".to_owned(),
                "unknown library".to_owned(),
            ),
            (
                "grants[0].repeat.days".to_owned(),
                "at least one".to_owned(),
            ),
            ("grants[7].duration".to_owned(), "out of range".to_owned()),
            ("name".to_owned(), "required".to_owned()),
        ]);
        let mut errors = field_errors(&fields, "grants", &[4, 9]);
        assert_eq!(
            errors.libraries.get(&9).map(String::as_str),
            Some("Lasts: not a duration unknown library")
        );
        assert_eq!(
            errors.libraries.get(&4).map(String::as_str),
            Some("Weekly: at least one")
        );
        assert_eq!(errors.take("name").as_deref(), Some("required"));
        assert_eq!(
            errors.rest().as_deref(),
            Some("grants[7].duration: out of range")
        );

        let fields = BTreeMap::from([
            ("plan.grants[0].duration".to_owned(), "too long".to_owned()),
            ("identifier".to_owned(), "not an email".to_owned()),
        ]);
        let mut errors = field_errors(&fields, "plan.grants", &[3]);
        assert_eq!(
            errors.libraries.get(&3).map(String::as_str),
            Some("Lasts: too long")
        );
        assert_eq!(errors.take("identifier").as_deref(), Some("not an email"));
        assert_eq!(errors.rest(), None);
    }

    #[test]
    fn expiry_days_are_checked() {
        assert_eq!(parse_expiry_days("", 90), Ok(None));
        assert_eq!(parse_expiry_days(" 30 ", 90), Ok(Some(30)));
        assert!(parse_expiry_days("0", 90).is_err());
        assert!(parse_expiry_days("91", 90).is_err());
        assert!(parse_expiry_days("two", 90).is_err());
    }
}
