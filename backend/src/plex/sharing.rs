//! A friend's sharing settings as Plex keeps them (spec §2.3.2, §2.4.4, §2.5): downloads
//! (`allowSync`), Live TV / channels (`allowChannels`), camera upload, and content restrictions
//! per kind (`filterMovies`, `filterTelevision`, `filterMusic`).
//!
//! A restriction travels as one string, `contentRating=G%2CPG|label!=Horror`: `|` between
//! rules, `=` after the key, values joined by `%2C` (an encoded comma), a key ending in `!`
//! excludes. [`ContentFilter`] parses and builds it, so no code pastes such strings together:
//! a value holding `|` `=` or `%` is percent-encoded, and what one side builds the other parses
//! back to the same thing (property-tested below). A comma cannot be in a value at all (Plex
//! splits on it however it is written), so the API refuses one.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Allowed and excluded content ratings and labels for one kind of library. Lists are kept
/// sorted and without repeats, so two filters are equal when they mean the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentFilter {
    pub allow_ratings: Vec<String>,
    pub deny_ratings: Vec<String>,
    pub allow_labels: Vec<String>,
    pub deny_labels: Vec<String>,
}

const KEYS: [&str; 4] = ["contentRating", "contentRating!", "label", "label!"];

impl ContentFilter {
    /// No restriction at all.
    pub fn is_empty(&self) -> bool {
        self.lists().iter().all(|l| l.is_empty())
    }

    fn lists(&self) -> [&Vec<String>; 4] {
        [
            &self.allow_ratings,
            &self.deny_ratings,
            &self.allow_labels,
            &self.deny_labels,
        ]
    }

    fn lists_mut(&mut self) -> [&mut Vec<String>; 4] {
        [
            &mut self.allow_ratings,
            &mut self.deny_ratings,
            &mut self.allow_labels,
            &mut self.deny_labels,
        ]
    }

    /// Trimmed, without empty values, sorted, without repeats.
    #[must_use]
    pub fn normalized(mut self) -> Self {
        for list in self.lists_mut() {
            for v in list.iter_mut() {
                *v = v.trim().to_owned();
            }
            list.retain(|v| !v.is_empty());
            list.sort();
            list.dedup();
        }
        self
    }

    /// Parses Plex's string. Empty is no restriction; an unknown key is an error (rather than a
    /// rule silently dropped, and then overwritten).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut filter = Self::default();
        for rule in raw.split('|').map(str::trim).filter(|r| !r.is_empty()) {
            let (key, values) = rule
                .split_once('=')
                .ok_or_else(|| format!("restriction {rule:?} has no '='"))?;
            let Some(index) = KEYS.iter().position(|k| *k == key.trim()) else {
                return Err(format!("unknown restriction key {key:?}"));
            };
            let list = &mut filter.lists_mut()[index];
            for value in split_values(values) {
                list.push(decode(value)?);
            }
        }
        Ok(filter.normalized())
    }

    /// Plex's string for this filter (empty for none).
    pub fn to_plex(&self) -> String {
        let normalized = self.clone().normalized();
        KEYS.iter()
            .zip(normalized.lists())
            .filter(|(_, list)| !list.is_empty())
            .map(|(key, list)| {
                let values: Vec<String> = list.iter().map(|v| encode(v)).collect();
                format!("{key}={}", values.join("%2C"))
            })
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// Values are joined by `%2C`; a bare `,` is accepted too (hand-edited filters).
fn split_values(values: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = values;
    loop {
        let next = [rest.find("%2C"), rest.find("%2c"), rest.find(',')]
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(at) => {
                out.push(&rest[..at]);
                let skip = if rest[at..].starts_with(',') { 1 } else { 3 };
                rest = &rest[at + skip..];
            }
            None => {
                out.push(rest);
                return out;
            }
        }
    }
}

/// Percent-encodes what would break the string's structure.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '|' => out.push_str("%7C"),
            '=' => out.push_str("%3D"),
            c => out.push(c),
        }
    }
    out
}

fn decode(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad escape in {value:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{value:?} is not UTF-8 once decoded"))
}

/// One friend's sharing settings on the owner's servers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SharingSettings {
    /// Downloads (`allowSync`).
    pub allow_sync: bool,
    /// Live TV and channels (`allowChannels`).
    pub allow_channels: bool,
    pub allow_camera_upload: bool,
    pub movies: ContentFilter,
    pub television: ContentFilter,
    pub music: ContentFilter,
}

impl SharingSettings {
    /// Any content restriction (these need the owner's Plex Pass).
    pub fn has_restrictions(&self) -> bool {
        !(self.movies.is_empty() && self.television.is_empty() && self.music.is_empty())
    }

    #[must_use]
    pub fn normalized(self) -> Self {
        Self {
            movies: self.movies.normalized(),
            television: self.television.normalized(),
            music: self.music.normalized(),
            ..self
        }
    }

    /// From Plex's attributes or fields; `get` answers a name (`allowSync`, `filterMovies`…).
    pub fn from_plex(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let flag =
            |name: &str| get(name).is_some_and(|v| matches!(v.trim(), "1" | "true" | "True"));
        let filter = |name: &str| ContentFilter::parse(&get(name).unwrap_or_default());
        Ok(Self {
            allow_sync: flag("allowSync"),
            allow_channels: flag("allowChannels"),
            allow_camera_upload: flag("allowCameraUpload"),
            movies: filter("filterMovies")?,
            television: filter("filterTelevision")?,
            music: filter("filterMusic")?,
        })
    }

    /// The v1 body's `sharing_settings` (flags as "0"/"1", as python-plexapi sends them).
    pub fn v1_json(&self) -> Value {
        let flag = |b: bool| if b { "1" } else { "0" };
        json!({
            "allowSync": flag(self.allow_sync),
            "allowCameraUpload": flag(self.allow_camera_upload),
            "allowChannels": flag(self.allow_channels),
            "filterMovies": self.movies.to_plex(),
            "filterTelevision": self.television.to_plex(),
            "filterMusic": self.music.to_plex(),
        })
    }

    /// The v2 body's `settings` (booleans, spec §2.5).
    pub fn v2_json(&self) -> Value {
        json!({
            "allowSync": self.allow_sync,
            "allowCameraUpload": self.allow_camera_upload,
            "allowChannels": self.allow_channels,
            "filterMovies": self.movies.to_plex(),
            "filterTelevision": self.television.to_plex(),
            "filterMusic": self.music.to_plex(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn plex_strings_parse_into_their_rules() {
        let f = ContentFilter::parse("contentRating=G%2CPG|label!=Horror|contentRating!=R")
            .expect("parses");
        assert_eq!(f.allow_ratings, strings(&["G", "PG"]));
        assert_eq!(f.deny_ratings, strings(&["R"]));
        assert_eq!(f.deny_labels, strings(&["Horror"]));
        assert!(f.allow_labels.is_empty());
        assert_eq!(
            ContentFilter::parse("").expect("empty"),
            ContentFilter::default()
        );
        assert_eq!(
            ContentFilter::parse("label=a,b")
                .expect("bare commas")
                .allow_labels,
            strings(&["a", "b"])
        );
    }

    #[test]
    fn built_strings_are_plex_shaped() {
        let f = ContentFilter {
            allow_ratings: strings(&["PG", "G", "G"]),
            deny_labels: strings(&["Horror"]),
            ..ContentFilter::default()
        };
        assert_eq!(f.to_plex(), "contentRating=G%2CPG|label!=Horror");
        assert_eq!(ContentFilter::default().to_plex(), "");
        let odd = ContentFilter {
            allow_labels: strings(&["b|c=d%"]),
            ..ContentFilter::default()
        };
        assert_eq!(odd.to_plex(), "label=b%7Cc%3Dd%25");
        assert_eq!(ContentFilter::parse(&odd.to_plex()).expect("parses"), odd);
    }

    #[test]
    fn broken_strings_are_errors() {
        assert!(ContentFilter::parse("genre=Drama").is_err());
        assert!(ContentFilter::parse("contentRating").is_err());
        assert!(ContentFilter::parse("label=%zz").is_err());
    }

    #[test]
    fn settings_read_from_plex_fields() {
        let fields = [
            ("allowSync", "1"),
            ("allowChannels", "true"),
            ("filterTelevision", "contentRating=TV-Y"),
        ];
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let s = SharingSettings::from_plex(get).expect("parses");
        assert!(s.allow_sync && s.allow_channels && !s.allow_camera_upload);
        assert_eq!(s.television.allow_ratings, strings(&["TV-Y"]));
        assert!(s.has_restrictions());
        assert_eq!(s.v1_json()["allowSync"], "1");
        assert_eq!(s.v2_json()["allowSync"], true);
        assert_eq!(s.v2_json()["filterTelevision"], "contentRating=TV-Y");
    }

    /// Printable ASCII but the comma (which no value may hold).
    fn value() -> impl Strategy<Value = String> {
        "[ -+\\--~]{0,12}"
    }

    proptest! {
        #[test]
        fn what_is_built_parses_back_to_the_same(
            a in proptest::collection::vec(value(), 0..4),
            b in proptest::collection::vec(value(), 0..4),
            c in proptest::collection::vec(value(), 0..4),
            d in proptest::collection::vec(value(), 0..4),
        ) {
            let f = ContentFilter { allow_ratings: a, deny_ratings: b, allow_labels: c, deny_labels: d }
                .normalized();
            prop_assert_eq!(ContentFilter::parse(&f.to_plex()).expect("parses"), f);
        }
    }
}
