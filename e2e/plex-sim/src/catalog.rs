//! What the simulated PMS holds in its libraries: a small, deterministic catalog generated from
//! each library (its key, type and title), so plays and sessions can name real-looking items.
//!
//! Rating keys are `key × 10000 + n`: movies `n = 1…`; shows `1000 × (s+1)`, their seasons
//! `+ 100 × season`, episodes `+ episode`; artists, albums and tracks the same way. A photo
//! library has nothing playable.

use serde::{Deserialize, Serialize};

use crate::model::Library;

/// One playable item (a movie, an episode or a track) as the PMS describes it. Plays and
/// sessions carry a copy, as PMS keeps history rows denormalised.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaItem {
    #[serde(skip_serializing_if = "is_zero")]
    pub rating_key: u64,
    /// PMS library key (`librarySectionID`).
    #[serde(alias = "librarySectionID")]
    pub library_section_id: u64,
    /// `movie`, `episode` or `track`.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Season (episode) or album (track).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_rating_key: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parent_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_index: Option<u64>,
    /// Show (episode) or artist (track).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grandparent_rating_key: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub grandparent_title: String,
    /// Episode or track number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u64>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub originally_available_at: String,
    /// Milliseconds.
    #[serde(skip_serializing_if = "is_zero")]
    pub duration: u64,
    /// Unix seconds (the library's `updatedAt` for generated items).
    #[serde(skip_serializing_if = "is_zero")]
    pub added_at: i64,
}

pub(crate) fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

impl MediaItem {
    /// Whether the item names itself completely (no catalog look-up needed).
    pub fn is_explicit(&self) -> bool {
        !self.kind.is_empty() && !self.title.is_empty()
    }

    /// The XML element name PMS uses for it.
    pub fn tag(&self) -> &'static str {
        if self.kind == "track" {
            "Track"
        } else {
            "Video"
        }
    }
}

const MOVIES: [&str; 12] = [
    "Harbour Lights",
    "The Quiet Orchard",
    "Midnight Ferry",
    "Glass Mountain",
    "Copper Sky",
    "A Winter Lantern",
    "The Cartographer",
    "Salt and Thunder",
    "Paper Moons",
    "Northbound",
    "The Last Signal",
    "Ember Season",
];

const SHOWS: [&str; 4] = [
    "The Tidewater Files",
    "Backyard Astronomy",
    "Kitchen Chemistry",
    "Night Shift at Station 9",
];

const EPISODES: [&str; 8] = [
    "First Light",
    "The Crossing",
    "Low Tide",
    "Signals",
    "Old Friends",
    "The Long Night",
    "Homecoming",
    "Undertow",
];

const ARTISTS: [(&str, [&str; 2]); 3] = [
    ("The Velvet Lanterns", ["Night Trains", "Daylight Savings"]),
    ("Marisol Vega", ["Salt Roads", "Blue Hour"]),
    ("Quartet No. 7", ["Rooms", "Weather Reports"]),
];

const TRACKS: [&str; 8] = [
    "Overture",
    "Streetlights",
    "Paper Planes",
    "Slow Rivers",
    "Afterglow",
    "Static",
    "Lullaby for a City",
    "Coda",
];

/// A small deterministic spread (no RNG: catalogs must be stable across runs).
fn spread(seed: u64, modulo: u64) -> u64 {
    seed.wrapping_mul(2_654_435_761).rotate_left(13) % modulo.max(1)
}

fn date(seed: u64) -> (u64, String) {
    let year = 1984 + spread(seed, 40);
    let month = 1 + spread(seed ^ 0x55, 12);
    let day = 1 + spread(seed ^ 0xaa, 28);
    (year, format!("{year}-{month:02}-{day:02}"))
}

/// Every playable item of `lib`, in catalog order.
pub fn items(lib: &Library) -> Vec<MediaItem> {
    let base = lib.key * 10_000;
    let item = |rating_key: u64, kind: &str, title: &str| MediaItem {
        rating_key,
        library_section_id: lib.key,
        kind: kind.to_owned(),
        title: title.to_owned(),
        added_at: lib.updated_at,
        ..MediaItem::default()
    };
    let rotate = usize::try_from(lib.key).unwrap_or(0);
    match lib.kind.as_str() {
        "movie" => (0..8)
            .map(|i| {
                let rk = base + 1 + i as u64;
                let mut m = item(rk, "movie", MOVIES[(i + rotate * 3) % MOVIES.len()]);
                let (year, day) = date(rk);
                m.year = Some(year);
                m.originally_available_at = day;
                m.duration = (85 + spread(rk, 55)) * 60_000;
                m
            })
            .collect(),
        "show" => (0..3)
            .flat_map(|s| {
                let show = base + 1000 * (s + 1);
                let show_title = SHOWS[(usize::try_from(s).unwrap_or(0) + rotate) % SHOWS.len()];
                (1..=2u64).flat_map(move |season| {
                    (1..=4u64).map(move |e| {
                        let rk = show + 100 * season + e;
                        let n = usize::try_from((season - 1) * 4 + e - 1).unwrap_or(0);
                        let mut ep = item(rk, "episode", EPISODES[n % EPISODES.len()]);
                        ep.parent_rating_key = Some(show + 100 * season);
                        ep.parent_title = format!("Season {season}");
                        ep.parent_index = Some(season);
                        ep.grandparent_rating_key = Some(show);
                        show_title.clone_into(&mut ep.grandparent_title);
                        ep.index = Some(e);
                        let (year, _) = date(show);
                        let (_, day) = date(rk);
                        ep.year = Some(year + season - 1);
                        ep.originally_available_at = format!("{}{}", year + season - 1, &day[4..]);
                        ep.duration = (22 + spread(rk, 30)) * 60_000;
                        ep
                    })
                })
            })
            .collect(),
        "artist" => ARTISTS
            .iter()
            .enumerate()
            .take(2)
            .flat_map(|(a, (artist, albums))| {
                let artist_rk = base + 1000 * (a as u64 + 1);
                albums.iter().enumerate().flat_map(move |(b, album)| {
                    let album_rk = artist_rk + 100 * (b as u64 + 1);
                    (1..=4u64).map(move |t| {
                        let rk = album_rk + t;
                        let n = usize::try_from(t - 1).unwrap_or(0) + b * 4;
                        let mut tr = item(rk, "track", TRACKS[n % TRACKS.len()]);
                        tr.parent_rating_key = Some(album_rk);
                        (*album).clone_into(&mut tr.parent_title);
                        tr.parent_index = Some(1);
                        tr.grandparent_rating_key = Some(artist_rk);
                        (*artist).clone_into(&mut tr.grandparent_title);
                        tr.index = Some(t);
                        let (year, _) = date(album_rk);
                        tr.year = Some(year);
                        tr.duration = (150 + spread(rk, 150)) * 1000;
                        tr
                    })
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The catalog item with `rating_key` among `libs`.
pub fn find<'a>(libs: impl IntoIterator<Item = &'a Library>, rating_key: u64) -> Option<MediaItem> {
    libs.into_iter()
        .flat_map(items)
        .find(|i| i.rating_key == rating_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Seed;

    #[test]
    fn every_library_kind_has_a_stable_catalog() {
        let seed = Seed::default();
        let counts: Vec<(u64, usize)> = seed
            .libraries
            .iter()
            .map(|l| (l.key, items(l).len()))
            .collect();
        assert_eq!(counts, [(1, 8), (2, 24), (3, 8), (4, 16), (5, 0)]);
        assert_eq!(items(&seed.libraries[0]), items(&seed.libraries[0]));
        let ep = &items(&seed.libraries[1])[5];
        assert_eq!(ep.kind, "episode");
        assert_eq!(ep.parent_index, Some(2));
        assert_eq!(ep.index, Some(2));
        assert_eq!(ep.grandparent_rating_key, Some(21_000));
        assert_eq!(ep.rating_key, 21_202);
        assert_ne!(
            items(&seed.libraries[0])[0].title,
            items(&seed.libraries[2])[0].title
        );
        assert_eq!(
            find(&seed.libraries, 41_101).map(|t| t.kind),
            Some("track".into())
        );
        assert!(find(&seed.libraries, 99).is_none());
    }
}
