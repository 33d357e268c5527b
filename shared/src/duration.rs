//! ISO 8601 durations (`P10D`, `P2W`, `P1M15D`, `PT36H`), as `extend` takes them: read into
//! calendar parts (months, days, seconds) so "a month" from Jan 31 is Feb 28/29, not 30 days.
//! Shared so the server and the SPA read a duration the same way.

/// An ISO 8601 duration as calendar parts: `P[nY][nM][nW][nD][T[nH][nM][nS]]` (integers; at
/// least one part; weeks may be combined with the rest, as most parsers allow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoDuration {
    pub months: u32,
    pub days: u32,
    pub seconds: u64,
}

/// The longest extension a duration may ask for (100 years): beyond it, use `unlimited`.
const MAX_MONTHS: u32 = 1_200;

/// Reads an ISO 8601 duration such as `P10D`, `P2W`, `P1M15D`, `PT36H` or `P1Y2M10DT2H30M`.
pub fn parse(value: &str) -> Result<IsoDuration, String> {
    let bad = || {
        format!(
            "`{value}` is not week, month, year, unlimited or an ISO 8601 duration such as P10D, \
             P2W, P1M or PT36H"
        )
    };
    let rest = value.strip_prefix('P').ok_or_else(bad)?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return Err(bad()),
        None => (rest, None),
    };
    // Each part's units in the order they must come, and what one of them is worth.
    const DATE: &[(char, Part)] = &[
        ('Y', Part::Months(12)),
        ('M', Part::Months(1)),
        ('W', Part::Days(7)),
        ('D', Part::Days(1)),
    ];
    const TIME: &[(char, Part)] = &[
        ('H', Part::Seconds(3_600)),
        ('M', Part::Seconds(60)),
        ('S', Part::Seconds(1)),
    ];
    let mut out = IsoDuration::default();
    let mut any = false;
    for (text, units) in [(Some(date), DATE), (time, TIME)] {
        let Some(text) = text else { continue };
        let mut digits = String::new();
        let mut next = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            // Units in order, each at most once, each after a number.
            let at = units[next..]
                .iter()
                .position(|(u, _)| *u == c)
                .map(|i| i + next);
            let (Some(at), false) = (at, digits.is_empty()) else {
                return Err(bad());
            };
            let n: u64 = digits.parse().map_err(|_| bad())?;
            out = units[at].1.add(out, n).ok_or_else(bad)?;
            digits.clear();
            next = at + 1;
            any = true;
        }
        if !digits.is_empty() {
            return Err(bad());
        }
    }
    if !any {
        return Err(bad());
    }
    if out == IsoDuration::default() {
        return Err(format!(
            "`{value}` is zero: an extension must move the end forward"
        ));
    }
    let too_long = out.months > MAX_MONTHS
        || u64::from(out.days) > u64::from(MAX_MONTHS) * 31
        || out.seconds > u64::from(MAX_MONTHS) * 31 * 86_400;
    if too_long {
        return Err(format!(
            "`{value}` is longer than 100 years: use `unlimited` for access without end"
        ));
    }
    Ok(out)
}

/// What one unit of a duration adds to.
#[derive(Clone, Copy)]
enum Part {
    Months(u64),
    Days(u64),
    Seconds(u64),
}

impl Part {
    /// `d` plus `n` of this unit; `None` on overflow.
    fn add(self, mut d: IsoDuration, n: u64) -> Option<IsoDuration> {
        match self {
            Part::Months(per) => {
                d.months = d
                    .months
                    .checked_add(u32::try_from(n.checked_mul(per)?).ok()?)?;
            }
            Part::Days(per) => {
                d.days = d
                    .days
                    .checked_add(u32::try_from(n.checked_mul(per)?).ok()?)?;
            }
            Part::Seconds(per) => d.seconds = d.seconds.checked_add(n.checked_mul(per)?)?,
        }
        Some(d)
    }
}

impl std::fmt::Display for IsoDuration {
    /// The canonical spelling: `P{months}M{days}DT{seconds}S`, leaving out zero parts.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P")?;
        if self.months > 0 {
            write!(f, "{}M", self.months)?;
        }
        if self.days > 0 {
            write!(f, "{}D", self.days)?;
        }
        if self.seconds > 0 {
            write!(f, "T{}S", self.seconds)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_are_read_as_calendar_parts() {
        let d = |s: &str| parse(s).expect(s);
        assert_eq!(
            d("P10D"),
            IsoDuration {
                months: 0,
                days: 10,
                seconds: 0
            }
        );
        assert_eq!(
            d("P2W"),
            IsoDuration {
                months: 0,
                days: 14,
                seconds: 0
            }
        );
        assert_eq!(
            d("P1Y2M"),
            IsoDuration {
                months: 14,
                days: 0,
                seconds: 0
            }
        );
        assert_eq!(
            d("PT36H"),
            IsoDuration {
                months: 0,
                days: 0,
                seconds: 36 * 3_600
            }
        );
        assert_eq!(
            d("P1Y2M10DT2H30M5S"),
            IsoDuration {
                months: 14,
                days: 10,
                seconds: 2 * 3_600 + 30 * 60 + 5
            }
        );
        // PT1M is a minute, P1M a month.
        assert_eq!(d("PT1M").seconds, 60);
        assert_eq!(d("P1M").months, 1);
        for bad in [
            "",
            "P",
            "PT",
            "10D",
            "P10",
            "PD",
            "P1D2Y",
            "P1DD",
            "P1.5D",
            "P-1D",
            "p10d",
            "P10DT",
            "P0D",
            "P101Y",
            "P1H",
            "PT1D",
            "P99999999999999999999D",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn the_canonical_spelling_reads_back_the_same() {
        for text in ["P10D", "P1Y2M10DT2H30M5S", "PT36H", "P2W"] {
            let d = parse(text).expect(text);
            assert_eq!(parse(&d.to_string()), Ok(d), "{text} → {d}");
        }
    }
}
