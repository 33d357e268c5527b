//! The valid name a typo most likely meant, for errors that refuse an unknown name (a config
//! key, a query parameter) and can say "did you mean …?".

/// The one of `valid` with the smallest edit distance to `given`, if that distance is small next
/// to the names' length (so `dryrun` suggests `dry_run`, but `q` suggests nothing).
pub fn nearest<'a>(given: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    valid
        .into_iter()
        .map(|v| (strsim::damerau_levenshtein(given, v), v))
        .filter(|(d, v)| *d <= (v.len().max(given.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(nearest("dryrun", ["dry_run", "q"]), Some("dry_run"));
        assert_eq!(nearest("limt", ["limit", "offset"]), Some("limit"));
        assert_eq!(nearest("username", ["q", "status"]), None);
    }
}
