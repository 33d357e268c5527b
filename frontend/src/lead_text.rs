//! Reminder leads as text: how long before a window ends `access.ending` is sent, typed as
//! `7d, 1d, 2h, 30m` (or in words, `1 week, 36 hours`) and sent as minutes; minutes read back the
//! same way. Used by Settings → Notifications and the plan form. Pure, so it is tested on the
//! host.

/// Most leads in one list (the server's rule too).
pub const LEADS_MAX: usize = 10;
/// Longest lead, in minutes: a year (the server's rule too).
pub const LEAD_MINUTES_MAX: u32 = 525_600;

const MINUTES_PER_HOUR: u32 = 60;
const MINUTES_PER_DAY: u32 = 1_440;
const MINUTES_PER_WEEK: u32 = 10_080;

/// A unit's minutes, by what may be typed for it.
fn unit_minutes(unit: &str) -> Option<u32> {
    match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => Some(1),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(MINUTES_PER_HOUR),
        "d" | "day" | "days" => Some(MINUTES_PER_DAY),
        "w" | "wk" | "wks" | "week" | "weeks" => Some(MINUTES_PER_WEEK),
        _ => None,
    }
}

/// One lead (`1d 12h`, `90 min`, `2 weeks`) → minutes.
fn parse_lead(text: &str) -> Result<u32, String> {
    let lower = text.to_lowercase();
    let mut rest = lower.trim();
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "“{}” is not a lead: write a number and a unit, e.g. 7d, 2h or 30m.",
                text.trim()
            ));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| too_long(text))?;
        rest = rest[digits..].trim_start();
        let letters = rest
            .char_indices()
            .find(|(_, c)| !c.is_alphabetic())
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..letters];
        if unit.is_empty() {
            return Err(format!(
                "“{}” needs a unit: m (minutes), h (hours), d (days) or w (weeks).",
                text.trim()
            ));
        }
        let Some(minutes) = unit_minutes(unit) else {
            return Err(format!(
                "“{unit}” is not a unit: use m (minutes), h (hours), d (days) or w (weeks)."
            ));
        };
        total = total.saturating_add(number.saturating_mul(u64::from(minutes)));
        rest = rest[letters..].trim_start();
    }
    match u32::try_from(total) {
        Ok(0) => Err(format!("“{}” is no time at all.", text.trim())),
        Ok(minutes) if minutes <= LEAD_MINUTES_MAX => Ok(minutes),
        _ => Err(too_long(text)),
    }
}

fn too_long(text: &str) -> String {
    format!("“{}” is longer than a year (365d).", text.trim())
}

/// `7d, 1d, 2h, 30m` → `[10080, 1440, 120, 30]`: the leads, longest first, each once. Leads are
/// separated by commas (or semicolons); one lead may combine units (`1d 12h`). Empty: no lead at
/// all. Refused, in words: a lead without a unit, an unknown unit, nothing, more than a year, or
/// more than [`LEADS_MAX`] leads.
pub fn parse_leads(text: &str) -> Result<Vec<u32>, String> {
    let mut leads = Vec::new();
    for part in text.split([',', ';']) {
        if part.trim().is_empty() {
            continue;
        }
        let minutes = parse_lead(part)?;
        if !leads.contains(&minutes) {
            leads.push(minutes);
        }
    }
    if leads.len() > LEADS_MAX {
        return Err(format!("At most {LEADS_MAX} reminders."));
    }
    leads.sort_unstable_by(|a, b| b.cmp(a));
    Ok(leads)
}

/// One lead as it is typed: `10080` → `7d`, `2160` → `1d 12h`, `90` → `1h 30m`.
pub fn lead_input(minutes: u32) -> String {
    let parts = [
        (minutes / MINUTES_PER_DAY, "d"),
        (minutes % MINUTES_PER_DAY / MINUTES_PER_HOUR, "h"),
        (minutes % MINUTES_PER_HOUR, "m"),
    ];
    let text: Vec<String> = parts
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() {
        "0m".to_owned()
    } else {
        text.join(" ")
    }
}

/// Leads as they are typed (the inverse of [`parse_leads`]): `7d, 1d`.
pub fn leads_input(leads: &[u32]) -> String {
    leads
        .iter()
        .map(|m| lead_input(*m))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Leads in a sentence: `7d, 1d and 2h before access ends`, or that none is sent.
pub fn leads_words(leads: &[u32]) -> String {
    let parts: Vec<String> = leads.iter().map(|m| lead_input(*m)).collect();
    match parts.as_slice() {
        [] => "No reminders.".to_owned(),
        [one] => format!("A reminder {one} before access ends."),
        [init @ .., last] => format!(
            "Reminders {} and {last} before access ends.",
            init.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_are_read_in_short_units_or_words() {
        assert_eq!(
            parse_leads("7d, 1d, 2h, 30m"),
            Ok(vec![10_080, 1_440, 120, 30])
        );
        assert_eq!(parse_leads("1 week; 36 hours"), Ok(vec![10_080, 2_160]));
        assert_eq!(parse_leads("1d 12h"), Ok(vec![2_160]));
        assert_eq!(parse_leads("90 min, 2 Days"), Ok(vec![2_880, 90]));
        assert_eq!(parse_leads(" 1W ,, "), Ok(vec![10_080]));
    }

    #[test]
    fn leads_come_back_longest_first_and_once() {
        assert_eq!(parse_leads("30m, 1d, 24h, 7d"), Ok(vec![10_080, 1_440, 30]));
    }

    #[test]
    fn empty_means_no_reminders() {
        assert_eq!(parse_leads(""), Ok(vec![]));
        assert_eq!(parse_leads(" , "), Ok(vec![]));
    }

    #[test]
    fn what_cannot_be_read_is_said_in_words() {
        let unit = parse_leads("7d, 30").expect_err("no unit");
        assert!(unit.contains("“30” needs a unit"), "{unit}");
        let odd = parse_leads("3 fortnights").expect_err("unknown unit");
        assert!(odd.contains("“fortnights” is not a unit"), "{odd}");
        let words = parse_leads("soon").expect_err("no number");
        assert!(words.contains("“soon” is not a lead"), "{words}");
        let zero = parse_leads("0m").expect_err("nothing");
        assert!(zero.contains("no time"), "{zero}");
        let long = parse_leads("366d").expect_err("more than a year");
        assert!(long.contains("longer than a year"), "{long}");
        assert!(parse_leads("99999999999999999999d").is_err());
        assert_eq!(parse_leads("365d"), Ok(vec![LEAD_MINUTES_MAX]));
        let many = (1..=11)
            .map(|h| format!("{h}h"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(parse_leads(&many), Err("At most 10 reminders.".to_owned()));
    }

    #[test]
    fn minutes_read_back_as_they_are_typed() {
        assert_eq!(lead_input(10_080), "7d");
        assert_eq!(lead_input(2_160), "1d 12h");
        assert_eq!(lead_input(90), "1h 30m");
        assert_eq!(lead_input(45), "45m");
        assert_eq!(leads_input(&[10_080, 1_440]), "7d, 1d");
        assert_eq!(leads_input(&[]), "");
        for leads in [
            vec![10_080, 1_440, 120, 30],
            vec![2_161],
            vec![LEAD_MINUTES_MAX],
        ] {
            assert_eq!(parse_leads(&leads_input(&leads)), Ok(leads));
        }
    }

    #[test]
    fn leads_read_as_a_sentence() {
        assert_eq!(leads_words(&[]), "No reminders.");
        assert_eq!(leads_words(&[1_440]), "A reminder 1d before access ends.");
        assert_eq!(
            leads_words(&[10_080, 1_440, 120]),
            "Reminders 7d, 1d and 2h before access ends."
        );
    }
}
