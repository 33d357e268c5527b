//! One spelling for every time Plexward sends: RFC 3339 in UTC with milliseconds and `Z`
//! (`2026-12-24T17:00:00.000Z`), in JSON, CSV and logs alike. Times read from clients may use any
//! RFC 3339 offset.
//!
//! Used on DTO fields as `#[serde(with = "crate::time::rfc3339_ms")]` (and `rfc3339_ms_opt`, with
//! `default`, for `Option`s).

use chrono::{DateTime, SecondsFormat, Utc};

/// `at` as Plexward writes times.
pub fn format(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub mod rfc3339_ms {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }
}

pub mod rfc3339_ms_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_some(&super::format(at)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(with = "super::rfc3339_ms")]
        at: DateTime<Utc>,
        #[serde(default, with = "super::rfc3339_ms_opt")]
        until: Option<DateTime<Utc>>,
    }

    #[test]
    fn times_go_out_with_milliseconds_and_z_and_come_in_any_offset() {
        let at = Utc.timestamp_nanos(1_798_131_600_123_456_789);
        let json = serde_json::to_string(&Probe { at, until: None }).expect("json");
        assert_eq!(json, r#"{"at":"2026-12-24T17:00:00.123Z","until":null}"#);
        let whole = Utc.timestamp_opt(1_798_131_600, 0).single().expect("time");
        assert_eq!(super::format(&whole), "2026-12-24T17:00:00.000Z");
        let back: Probe =
            serde_json::from_str(r#"{"at":"2026-12-24T18:00:00+01:00"}"#).expect("any offset");
        assert_eq!(
            back,
            Probe {
                at: whole,
                until: None
            }
        );
    }
}
