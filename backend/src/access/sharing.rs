//! Sharing settings between the API's terms (`plexward_shared::Sharing`) and Plex's
//! (`plex::SharingSettings`), and the rules for setting them.

use plexward_shared::{Restriction, Restrictions, Sharing};

use crate::access::grants::FieldErrors;
use crate::plex::{ContentFilter, SharingSettings};

/// Most values one list may hold, and the longest value (Plex's ratings and labels are short).
const MAX_VALUES: usize = 50;
const MAX_VALUE_CHARS: usize = 100;

pub fn to_api(s: &SharingSettings) -> Sharing {
    let restriction = |f: &ContentFilter| Restriction {
        allow_ratings: f.allow_ratings.clone(),
        deny_ratings: f.deny_ratings.clone(),
        allow_labels: f.allow_labels.clone(),
        deny_labels: f.deny_labels.clone(),
    };
    Sharing {
        allow_downloads: s.allow_sync,
        allow_live_tv: s.allow_channels,
        allow_camera_upload: s.allow_camera_upload,
        restrictions: Restrictions {
            movies: restriction(&s.movies),
            television: restriction(&s.television),
            music: restriction(&s.music),
        },
    }
}

/// The settings a request asks for, checked field by field (`sharing.restrictions.movies.
/// allow_ratings[2]` …): at most 50 values per list, each 1–100 characters without control
/// characters, commas or bars, and no value both allowed and excluded.
pub fn from_api(s: &Sharing) -> Result<SharingSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut filter = |kind: &str, r: &Restriction| {
        let lists = [
            ("allow_ratings", &r.allow_ratings),
            ("deny_ratings", &r.deny_ratings),
            ("allow_labels", &r.allow_labels),
            ("deny_labels", &r.deny_labels),
        ];
        for (name, list) in lists {
            let field = format!("sharing.restrictions.{kind}.{name}");
            if list.len() > MAX_VALUES {
                errors.insert(field.clone(), format!("at most {MAX_VALUES} values"));
            }
            for (i, v) in list.iter().enumerate() {
                let v = v.trim();
                if v.is_empty() || v.chars().count() > MAX_VALUE_CHARS {
                    errors.insert(
                        format!("{field}[{i}]"),
                        format!("must be 1–{MAX_VALUE_CHARS} characters"),
                    );
                } else if v.chars().any(char::is_control) {
                    errors.insert(format!("{field}[{i}]"), "has a control character".into());
                } else if v.contains([',', '|']) {
                    // Plex splits values on commas and rules on bars, however they are written.
                    errors.insert(format!("{field}[{i}]"), "cannot contain ',' or '|'".into());
                }
            }
        }
        for (allow, deny, what) in [
            (&r.allow_ratings, &r.deny_ratings, "ratings"),
            (&r.allow_labels, &r.deny_labels, "labels"),
        ] {
            if let Some(both) = allow
                .iter()
                .find(|a| deny.iter().any(|d| d.trim() == a.trim()))
            {
                errors.insert(
                    format!("sharing.restrictions.{kind}.deny_{what}"),
                    format!("{both:?} is both allowed and excluded"),
                );
            }
        }
        ContentFilter {
            allow_ratings: r.allow_ratings.clone(),
            deny_ratings: r.deny_ratings.clone(),
            allow_labels: r.allow_labels.clone(),
            deny_labels: r.deny_labels.clone(),
        }
    };
    let settings = SharingSettings {
        allow_sync: s.allow_downloads,
        allow_channels: s.allow_live_tv,
        allow_camera_upload: s.allow_camera_upload,
        movies: filter("movies", &s.restrictions.movies),
        television: filter("television", &s.restrictions.television),
        music: filter("music", &s.restrictions.music),
    }
    .normalized();
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_and_plex_terms_round_trip() {
        let api = Sharing {
            allow_downloads: true,
            allow_live_tv: false,
            allow_camera_upload: true,
            restrictions: Restrictions {
                television: Restriction {
                    allow_ratings: vec!["TV-Y".into(), "TV-G".into()],
                    ..Restriction::default()
                },
                ..Restrictions::default()
            },
        };
        let plex = from_api(&api).expect("valid");
        assert!(plex.allow_sync && plex.allow_camera_upload && !plex.allow_channels);
        assert_eq!(plex.television.to_plex(), "contentRating=TV-G%2CTV-Y");
        let back = to_api(&plex);
        assert_eq!(back.restrictions.television.allow_ratings, ["TV-G", "TV-Y"]);
        assert_eq!(from_api(&back).expect("valid"), plex);
    }

    #[test]
    fn bad_values_are_field_errors() {
        let mut api = Sharing::default();
        api.restrictions.movies.allow_ratings = vec![String::new(), "R".into()];
        api.restrictions.movies.deny_ratings = vec!["R".into()];
        api.restrictions.music.deny_labels = vec!["x".repeat(101)];
        let errors = from_api(&api).expect_err("invalid");
        assert!(
            errors.contains_key("sharing.restrictions.movies.allow_ratings[0]"),
            "{errors:?}"
        );
        assert!(
            errors.contains_key("sharing.restrictions.movies.deny_ratings"),
            "{errors:?}"
        );
        assert!(
            errors.contains_key("sharing.restrictions.music.deny_labels[0]"),
            "{errors:?}"
        );
    }
}
