//! Wall-clock times in the server's time zone (an IANA name from the Plex settings), without a
//! time-zone database in the WASM: the browser's `Intl.DateTimeFormat` knows every zone.
//!
//! - UTC → wall clock: format the instant with `timeZone` set and read the parts back.
//! - Wall clock → UTC: the standard two-pass guess. Treat the wall clock as if it were UTC, ask
//!   the zone's offset at that instant, subtract it, and ask again at the corrected instant (the
//!   offset may differ across a DST change). In a spring-forward gap the result lands an hour
//!   later (e.g. 02:30 → 03:30); in the autumn overlap it picks one of the two instants.
//!
//! The arithmetic is pure ([`wall_to_utc`], [`parse_wall`], [`wall_input`]) and unit-tested on
//! the host; only [`Zone`] talks to the browser.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// `2026-11-24T10:30` (what `<input type="datetime-local">` holds) → the wall-clock time, or
/// `None` when it is not one. Seconds are accepted and kept. (Parsed by hand: chrono's format
/// machinery would add tens of kilobytes to the WASM for two fixed layouts.)
pub fn parse_wall(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (year, month, day) = (d.next()?, d.next()?, d.next()?);
    let mut t = time.splitn(3, ':');
    let (hour, minute, second) = (t.next()?, t.next()?, t.next().unwrap_or("00"));
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4)
        && digits(month, 2)
        && digits(day, 2)
        && digits(hour, 2)
        && digits(minute, 2)
        && digits(second, 2))
    {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?
        .and_hms_opt(
            hour.parse().ok()?,
            minute.parse().ok()?,
            second.parse().ok()?,
        )
}

/// The value of a `datetime-local` input for a wall-clock time (minute precision).
pub fn wall_input(wall: &NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        wall.year(),
        wall.month(),
        wall.day(),
        wall.hour(),
        wall.minute()
    )
}

/// `2026-11-24T09:30:00Z`: RFC 3339 in UTC, to the second.
pub fn rfc3339(at: &DateTime<Utc>) -> String {
    let wall = at.naive_utc();
    format!("{}:{:02}Z", wall_input(&wall), wall.second())
}

/// Milliseconds of a wall-clock time read as if it were UTC.
fn wall_millis(wall: &NaiveDateTime) -> i64 {
    wall.and_utc().timestamp_millis()
}

/// The UTC instant (ms) at which a zone's clocks show `wall_ms` (a wall-clock time read as if it
/// were UTC), given `offset_at(instant_ms)` = the zone's offset from UTC in ms at that instant.
/// Two passes: exact outside DST changes, a sensible instant inside them (see the module docs).
pub fn wall_to_utc(wall_ms: i64, offset_at: impl Fn(i64) -> i64) -> i64 {
    let first = offset_at(wall_ms);
    let guess = wall_ms - first;
    let second = offset_at(guess);
    if second == first {
        guess
    } else {
        let retry = wall_ms - second;
        // In a gap neither guess maps back to the wall clock; the later offset moves forward.
        if offset_at(retry) == second {
            retry
        } else {
            wall_ms - first.min(second)
        }
    }
}

/// An IANA time zone the browser knows (`UTC` when the name was not one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
}

impl Zone {
    /// `name` when the browser knows it, else UTC (an unknown name would make `Intl` throw).
    pub fn new(name: &str) -> Self {
        let name = name.trim();
        if !name.is_empty() && web::formatter(name).is_some() {
            Self {
                name: name.to_owned(),
            }
        } else {
            Self::utc()
        }
    }

    pub fn utc() -> Self {
        Self { name: "UTC".into() }
    }

    /// The IANA name, e.g. `Europe/Berlin`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at `instant_ms`, in ms.
    fn offset_ms(&self, instant_ms: i64) -> i64 {
        web::wall_parts(&self.name, instant_ms).map_or(0, |wall| {
            wall_millis(&wall) - instant_ms.div_euclid(1000) * 1000
        })
    }

    /// What the zone's clocks show at `at` (to the second).
    pub fn wall(&self, at: &DateTime<Utc>) -> Option<NaiveDateTime> {
        web::wall_parts(&self.name, at.timestamp_millis())
    }

    /// The `datetime-local` value for `at` in this zone (empty when there is none).
    pub fn input_value(&self, at: Option<&DateTime<Utc>>) -> String {
        at.and_then(|at| self.wall(at))
            .map(|wall| wall_input(&wall))
            .unwrap_or_default()
    }

    /// The UTC instant of a wall-clock time in this zone.
    pub fn to_utc(&self, wall: &NaiveDateTime) -> Option<DateTime<Utc>> {
        let millis = wall_to_utc(wall_millis(wall), |t| self.offset_ms(t));
        DateTime::from_timestamp_millis(millis)
    }

    /// A `datetime-local` value → RFC 3339 UTC (`Ok(None)` when empty, `Err` when unreadable).
    pub fn input_to_rfc3339(&self, value: &str) -> Result<Option<String>, String> {
        if value.trim().is_empty() {
            return Ok(None);
        }
        let wall = parse_wall(value).ok_or_else(|| "not a date and time".to_owned())?;
        self.to_utc(&wall)
            .map(|at| Some(rfc3339(&at)))
            .ok_or_else(|| "out of range".to_owned())
    }

    /// `24 Nov 2026, 10:31` in the user's language, on this zone's clock.
    pub fn format(&self, at: &DateTime<Utc>) -> String {
        web::format(&self.name, at.timestamp_millis(), false)
    }

    /// `24 Nov` (axis labels).
    pub fn format_day(&self, at: &DateTime<Utc>) -> String {
        web::format(&self.name, at.timestamp_millis(), true)
    }
}

/// The browser side: `Intl.DateTimeFormat`, built through `Reflect` so that an unknown zone is an
/// error value rather than a thrown exception.
mod web {
    use chrono::{NaiveDate, NaiveDateTime};
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    fn set(options: &Object, key: &str, value: &str) {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(options, &key.into(), &value.into());
    }

    fn construct(locale: &str, options: &Object) -> Option<Intl::DateTimeFormat> {
        if !cfg!(target_arch = "wasm32") {
            return None;
        }
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let ctor = Reflect::get(&intl, &"DateTimeFormat".into()).ok()?;
        let ctor: js_sys::Function = ctor.dyn_into().ok()?;
        let args = Array::of2(&locale.into(), options);
        Reflect::construct(&ctor, &args)
            .ok()
            .map(JsCast::unchecked_into)
    }

    /// A formatter giving numeric parts on a 24-hour clock in `zone` (`None`: unknown zone).
    pub fn formatter(zone: &str) -> Option<Intl::DateTimeFormat> {
        let options = Object::new();
        set(&options, "timeZone", zone);
        set(&options, "hourCycle", "h23");
        for key in ["year", "month", "day", "hour", "minute", "second"] {
            set(&options, key, "numeric");
        }
        construct("en-US", &options)
    }

    #[allow(clippy::cast_precision_loss)] // ms since 1970 fit an f64 exactly until 2255
    fn date(millis: i64) -> Date {
        Date::new(&JsValue::from_f64(millis as f64))
    }

    /// The wall clock of `zone` at `millis`.
    pub fn wall_parts(zone: &str, millis: i64) -> Option<NaiveDateTime> {
        let parts = formatter(zone)?.format_to_parts(&date(millis));
        let mut fields = [0_i64; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            fields[slot] = value.trim().parse().ok()?;
        }
        let [year, month, day, hour, minute, second] = fields;
        NaiveDate::from_ymd_opt(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )?
        // Some engines still write midnight as 24 with h23.
        .and_hms_opt(
            u32::try_from(hour % 24).ok()?,
            u32::try_from(minute).ok()?,
            u32::try_from(second).ok()?,
        )
    }

    /// The user's language and `zone`: a medium date and short time, or only day and month.
    pub fn format(zone: &str, millis: i64, day_only: bool) -> String {
        let options = Object::new();
        set(&options, "timeZone", zone);
        if day_only {
            set(&options, "month", "short");
            set(&options, "day", "numeric");
        } else {
            set(&options, "dateStyle", "medium");
            set(&options, "timeStyle", "short");
        }
        let locale = web_sys::window()
            .and_then(|w| w.navigator().language())
            .unwrap_or_else(|| "en".to_owned());
        let Some(formatter) = construct(&locale, &options).or_else(|| construct("en", &options))
        else {
            return String::new();
        };
        formatter
            .format()
            .call1(&formatter, &date(millis))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}

/// The server's time zone from the Plex settings, with a note for the reader when it could not
/// be read (then times are shown and entered in UTC).
pub async fn server_zone() -> (Zone, Option<String>) {
    match crate::api::plex_settings().await {
        Ok(settings) => {
            let zone = Zone::new(&settings.time_zone);
            let note = (zone.name() != settings.time_zone.trim()).then(|| {
                format!(
                    "This browser does not know the server's time zone “{}”: times are in UTC.",
                    settings.time_zone
                )
            });
            (zone, note)
        }
        Err(e) => (
            Zone::utc(),
            Some(format!(
                "The server's time zone could not be read ({}): times are in UTC.",
                e.message
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_wall, rfc3339, wall_input, wall_to_utc};

    const HOUR: i64 = 3_600_000;

    /// A zone like Europe/Berlin around 29 Mar 2026: UTC+1, then UTC+2 from 01:00 UTC.
    fn berlin_spring(instant: i64) -> i64 {
        let change = wall("2026-03-29T01:00");
        if instant < change { HOUR } else { 2 * HOUR }
    }

    /// The autumn change, 25 Oct 2026 01:00 UTC: UTC+2, then UTC+1.
    fn berlin_autumn(instant: i64) -> i64 {
        let change = wall("2026-10-25T01:00");
        if instant < change { 2 * HOUR } else { HOUR }
    }

    fn wall(text: &str) -> i64 {
        parse_wall(text)
            .expect("a wall-clock time")
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn fixed_offsets_convert_exactly() {
        let nine_hours = |_| 9 * HOUR; // Asia/Tokyo
        assert_eq!(
            wall_to_utc(wall("2026-11-24T10:30"), nine_hours),
            wall("2026-11-24T01:30")
        );
        let minus_three_and_a_half = |_| -(3 * HOUR + HOUR / 2); // America/St_Johns in winter
        assert_eq!(
            wall_to_utc(wall("2026-01-10T22:00"), minus_three_and_a_half),
            wall("2026-01-11T01:30")
        );
        assert_eq!(
            wall_to_utc(wall("2026-05-01T00:00"), |_| 0),
            wall("2026-05-01T00:00")
        );
    }

    #[test]
    fn both_sides_of_a_dst_change_convert_exactly() {
        // Before and after the spring change. For 01:30 the first pass asks the offset at 01:30
        // UTC (already summer time) and lands an hour early; the second pass corrects it.
        assert_eq!(
            wall_to_utc(wall("2026-03-29T01:30"), berlin_spring),
            wall("2026-03-29T00:30")
        );
        assert_eq!(
            wall_to_utc(wall("2026-03-29T03:30"), berlin_spring),
            wall("2026-03-29T01:30")
        );
        // The first instant of summer time.
        assert_eq!(
            wall_to_utc(wall("2026-03-29T03:00"), berlin_spring),
            wall("2026-03-29T01:00")
        );
    }

    #[test]
    fn gaps_and_overlaps_give_a_sensible_instant() {
        // 02:30 does not exist on 29 Mar: it becomes 03:30 local (01:30 UTC).
        assert_eq!(
            wall_to_utc(wall("2026-03-29T02:30"), berlin_spring),
            wall("2026-03-29T01:30")
        );
        // 02:30 happens twice on 25 Oct: one of the two instants.
        let at = wall_to_utc(wall("2026-10-25T02:30"), berlin_autumn);
        assert!(at == wall("2026-10-25T00:30") || at == wall("2026-10-25T01:30"));
    }

    #[test]
    fn picker_values_round_trip() {
        let wall = parse_wall("2026-11-24T10:30").expect("parses");
        assert_eq!(wall_input(&wall), "2026-11-24T10:30");
        assert_eq!(
            parse_wall("2026-11-24T10:30:15").map(|w| wall_input(&w)),
            Some("2026-11-24T10:30".into())
        );
        assert_eq!(parse_wall(""), None);
        let at = parse_wall("2026-11-24T10:30:05").expect("parses").and_utc();
        assert_eq!(rfc3339(&at), "2026-11-24T10:30:05Z");
        assert_eq!(parse_wall("24.11.2026 10:30"), None);
        assert_eq!(parse_wall("2026-02-30T10:30"), None);
        assert_eq!(parse_wall("2026-11-24T1:30"), None);
    }
}
