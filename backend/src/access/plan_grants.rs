//! Windows relative to a start (access plans, invites): "Movies from now for 14 days", "TV from
//! a week after acceptance". Checked once, field by field, then resolved into ordinary grants at
//! the moment that counts (when a plan is given, when an invite is seen accepted). Pure.

use std::collections::BTreeSet;

use plexward_shared::PlanGrant;
use plexward_shared::duration::IsoDuration;

use crate::access::friend::Catalog;
use crate::access::grants::{self, FieldErrors, NewGrant};
use crate::db::plex_users::Repeat;

/// A checked [`PlanGrant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelativeGrant {
    pub library_id: i64,
    pub starts_after: Option<IsoDuration>,
    pub duration: Option<IsoDuration>,
    /// Fixed times (invites only).
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub repeat: Option<Repeat>,
}

impl RelativeGrant {
    /// Whether its window depends on the start (a duration or a delay): an invite's such windows
    /// are fixed only once it is accepted.
    pub fn relative(&self) -> bool {
        self.starts_after.is_some() || self.duration.is_some()
    }

    /// Whether it gives the library at the start itself (no delay, no later fixed start).
    pub fn open_at_start(&self, start: i64) -> bool {
        self.repeat.is_none()
            && self.starts_after.is_none()
            && self.starts_at.is_none_or(|s| s <= start)
            && self.ends_at.is_none_or(|e| e > start)
    }
}

/// Most libraries one plan or invite gives.
pub const MAX: usize = plexward_shared::PLAN_GRANTS_MAX;

/// Checks `requested`, naming fields `{prefix}[i].…`. `fixed`: whether fixed times
/// (`starts_at`, `ends_at`) are allowed (invites) or not (plans, which are reusable).
pub fn validate(
    requested: &[PlanGrant],
    catalog: &Catalog,
    prefix: &str,
    fixed: bool,
) -> Result<Vec<RelativeGrant>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if requested.is_empty() || requested.len() > MAX {
        errors.insert(prefix.to_owned(), format!("between 1 and {MAX} libraries"));
        return Err(errors);
    }
    let zone = catalog.time_zone();
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(requested.len());
    for (i, g) in requested.iter().enumerate() {
        let field = |name: &str| format!("{prefix}[{i}].{name}");
        if !catalog.has_library(g.library_id) {
            errors.insert(field("library_id"), "no such library on the server".into());
        } else if !seen.insert(g.library_id) {
            errors.insert(field("library_id"), "this library is listed twice".into());
        }
        let mut duration = |value: &Option<String>, name: &str| {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            match plexward_shared::duration::parse(value) {
                Ok(d) => Some(d),
                Err(why) if why.contains("zero") => {
                    errors.insert(field(name), "must be longer than zero".into());
                    None
                }
                Err(why) if why.contains("100 years") => {
                    errors.insert(field(name), "at most 100 years".into());
                    None
                }
                Err(_) => {
                    errors.insert(
                        field(name),
                        format!(
                            "`{value}` is not an ISO 8601 duration such as P14D, P2W, P1M or PT12H"
                        ),
                    );
                    None
                }
            }
        };
        let starts_after = duration(&g.starts_after, "starts_after");
        let length = duration(&g.duration, "duration");
        let bound = |value: &Option<String>, name: &str, errors: &mut FieldErrors| {
            if !fixed && value.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                errors.insert(
                    field(name),
                    "a plan is reusable: give starts_after and duration instead of fixed times"
                        .into(),
                );
                return None;
            }
            grants::parse_bound(value.as_deref(), zone, field(name), errors)
        };
        let starts_at = bound(&g.starts_at, "starts_at", &mut errors);
        let ends_at = bound(&g.ends_at, "ends_at", &mut errors);
        if g.starts_at.is_some() && g.starts_after.is_some() {
            errors.insert(
                field("starts_after"),
                "give starts_at or starts_after, not both".into(),
            );
        }
        if g.ends_at.is_some() && g.duration.is_some() {
            errors.insert(
                field("duration"),
                "give ends_at or duration, not both".into(),
            );
        }
        if let (Some(s), Some(e)) = (starts_at, ends_at)
            && s >= e
        {
            errors.insert(field("ends_at"), "must be after starts_at".into());
        }
        let repeat = g
            .repeat
            .as_ref()
            .and_then(|r| grants::parse_repeat(r, zone, &field, &mut errors));
        if g.repeat.is_some()
            && [&g.starts_after, &g.duration, &g.starts_at, &g.ends_at]
                .iter()
                .any(|v| v.is_some())
        {
            errors.insert(
                field("repeat"),
                "a weekly window has no other times: bound it with repeat.first_date and \
                 repeat.last_date"
                    .into(),
            );
        }
        out.push(RelativeGrant {
            library_id: g.library_id,
            starts_after,
            duration: length,
            starts_at,
            ends_at,
            repeat,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The grants `relative` gives when counted from `start` (Unix ms): opens at `start +
/// starts_after` (or the fixed start; at once without either), lasts `duration` (or to the fixed
/// end; no end without either).
pub fn resolve(relative: &[RelativeGrant], start: i64) -> Vec<NewGrant> {
    relative.iter().map(|g| resolve_one(g, start)).collect()
}

fn resolve_one(g: &RelativeGrant, start: i64) -> NewGrant {
    if let Some(repeat) = g.repeat {
        return NewGrant {
            library_id: g.library_id,
            starts_at: None,
            ends_at: None,
            repeat: Some(repeat),
        };
    }
    let starts_at = g
        .starts_at
        .or_else(|| g.starts_after.and_then(|d| grants::add_duration(start, &d)));
    let ends_at = g.ends_at.or_else(|| {
        g.duration
            .and_then(|d| grants::add_duration(starts_at.unwrap_or(start), &d))
    });
    NewGrant::window(g.library_id, starts_at, ends_at)
}

/// The grants an invite gives while it waits to be accepted (sent at `sent`): fixed windows as
/// they are; windows counted from acceptance open and unbounded, so they ride in the invite and
/// nothing ends before the person has even accepted; windows that start later provisionally from
/// `sent` (a later start keeps the invite: not the end of access). All relative ones are fixed
/// again from the moment the invite is seen accepted.
pub fn provisional(relative: &[RelativeGrant], sent: i64) -> Vec<NewGrant> {
    relative
        .iter()
        .map(|g| match (g.starts_after, g.duration) {
            (Some(delay), _) => {
                NewGrant::window(g.library_id, grants::add_duration(sent, &delay), None)
            }
            (None, Some(_)) => NewGrant::window(g.library_id, g.starts_at, None),
            (None, None) => resolve_one(g, sent),
        })
        .collect()
}

/// One library's window in words, counted from `from` ("when given", "acceptance").
fn window_words(g: &RelativeGrant, from: &str, zone: chrono_tz::Tz) -> String {
    let when = |ms: i64| {
        crate::db::time::from_ms(ms)
            .with_timezone(&zone)
            .format("%-d %b %Y %H:%M")
            .to_string()
    };
    if g.repeat.is_some() {
        return "weekly".to_owned();
    }
    let start = match (g.starts_after, g.starts_at) {
        (Some(d), _) => Some(format!("from {} after {from}", duration_words(&d))),
        (None, Some(at)) => Some(format!("from {}", when(at))),
        (None, None) => None,
    };
    let end = match (g.duration, g.ends_at) {
        (Some(d), _) if g.starts_after.is_none() && g.starts_at.is_none() => {
            Some(format!("for {} from {from}", duration_words(&d)))
        }
        (Some(d), _) => Some(format!("for {}", duration_words(&d))),
        (None, Some(at)) => Some(format!("until {}", when(at))),
        (None, None) => None,
    };
    match (start, end) {
        (None, None) => "with no end".to_owned(),
        (Some(s), None) => format!("{s}, with no end"),
        (None, Some(e)) => e,
        (Some(s), Some(e)) => format!("{s} {e}"),
    }
}

/// `P14D` → "14 days", `P1M` → "1 month", `PT12H` → "12 hours".
pub fn duration_words(d: &IsoDuration) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    let (years, months) = (d.months / 12, d.months % 12);
    if years > 0 {
        parts.push(plural(u64::from(years), "year"));
    }
    if months > 0 {
        parts.push(plural(u64::from(months), "month"));
    }
    if d.days > 0 {
        if d.days.is_multiple_of(7) && d.days >= 14 {
            parts.push(plural(u64::from(d.days / 7), "week"));
        } else {
            parts.push(plural(u64::from(d.days), "day"));
        }
    }
    let (hours, minutes) = (d.seconds / 3600, (d.seconds % 3600) / 60);
    if hours > 0 {
        parts.push(plural(hours, "hour"));
    }
    if minutes > 0 {
        parts.push(plural(minutes, "minute"));
    }
    if parts.is_empty() {
        parts.push(plural(d.seconds, "second"));
    }
    parts.join(" ")
}

/// The whole set in words: libraries with the same window share it ("Movies and TV Shows for 14
/// days from acceptance; Music weekly").
pub fn summary(relative: &[RelativeGrant], catalog: &Catalog, from: &str) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for g in relative {
        let words = window_words(g, from, catalog.time_zone());
        let title = catalog.title_of(g.library_id);
        match groups.iter_mut().find(|(w, _)| *w == words) {
            Some((_, titles)) => titles.push(title),
            None => groups.push((words, vec![title])),
        }
    }
    groups
        .into_iter()
        .map(|(words, titles)| format!("{} {words}", crate::notify::and_list(&titles)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::libraries::Library;

    const DAY: i64 = 86_400_000;
    const T: i64 = 1_800_000_000_000;

    fn catalog() -> Catalog {
        let lib = |id: i64, title: &str| Library {
            id,
            pms_key: id,
            plextv_id: None,
            title: title.into(),
            kind: "movie".into(),
            removed_at: None,
            created_at: 0,
            updated_at: 0,
        };
        Catalog::new(
            &[lib(1, "Movies"), lib(2, "TV Shows"), lib(3, "Music")],
            None,
        )
    }

    fn grant(library_id: i64, starts_after: Option<&str>, duration: Option<&str>) -> PlanGrant {
        PlanGrant {
            library_id,
            starts_after: starts_after.map(Into::into),
            duration: duration.map(Into::into),
            ..PlanGrant::default()
        }
    }

    #[test]
    fn relative_windows_are_fixed_from_the_start_they_count_from() {
        let plan = validate(
            &[
                grant(1, None, Some("P30D")),
                grant(2, Some("P7D"), Some("P14D")),
            ],
            &catalog(),
            "grants",
            false,
        )
        .expect("valid");
        let accepted = T + 3 * DAY;
        let given = resolve(&plan, accepted);
        assert_eq!(
            given[0],
            NewGrant::window(1, None, Some(accepted + 30 * DAY))
        );
        assert_eq!(
            given[1],
            NewGrant::window(2, Some(accepted + 7 * DAY), Some(accepted + 21 * DAY))
        );
        // Accepted later, later windows: nothing is counted from the invite itself.
        let later = resolve(&plan, accepted + DAY);
        assert_eq!(later[0].ends_at, Some(accepted + 31 * DAY));
    }

    #[test]
    fn while_pending_an_invite_gives_what_starts_at_once_without_an_end() {
        let plan = validate(
            &[
                grant(1, None, Some("P30D")),
                grant(2, Some("P7D"), None),
                grant(3, None, None),
            ],
            &catalog(),
            "plan.grants",
            true,
        )
        .expect("valid");
        assert_eq!(
            provisional(&plan, T),
            vec![
                NewGrant::window(1, None, None),
                NewGrant::window(2, Some(T + 7 * DAY), None),
                NewGrant::window(3, None, None)
            ]
        );
    }

    #[test]
    fn bad_grants_are_refused_field_by_field() {
        let mut fixed = grant(2, None, None);
        fixed.ends_at = Some("2027-01-01".into());
        let errors = validate(
            &[
                grant(1, Some("soon"), Some("P0D")),
                fixed,
                grant(1, None, None),
            ],
            &catalog(),
            "grants",
            false,
        )
        .expect_err("invalid");
        assert!(errors["grants[0].starts_after"].contains("ISO 8601"));
        assert!(errors["grants[0].duration"].contains("zero"));
        assert!(errors["grants[1].ends_at"].contains("reusable"));
        assert!(errors["grants[2].library_id"].contains("twice"));
        assert!(validate(&[], &catalog(), "grants", false).is_err());
    }

    #[test]
    fn plans_read_as_words() {
        let plan = validate(
            &[
                grant(1, None, Some("P14D")),
                grant(2, None, Some("P14D")),
                grant(3, Some("P1W"), Some("P1M")),
            ],
            &catalog(),
            "grants",
            false,
        )
        .expect("valid");
        assert_eq!(
            summary(&plan, &catalog(), "acceptance"),
            "Movies and TV Shows for 2 weeks from acceptance; Music from 7 days after acceptance for 1 month"
        );
    }
}
