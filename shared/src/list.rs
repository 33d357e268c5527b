//! The shape of every list answer: `{"items":[…],"total":N}`.

use serde::{Deserialize, Serialize};

/// A page of a list. `total` counts all matches, not just this page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct List<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: u64,
}

impl<T> List<T> {
    /// A complete (unpaged) list.
    pub fn all(items: Vec<T>) -> Self {
        let total = items.len() as u64;
        Self { items, total }
    }
}

impl<T> List<T> {
    /// `items[offset..][..limit]` of a list held whole, with `total` = all of them.
    pub fn page(items: Vec<T>, offset: usize, limit: Option<usize>) -> Self {
        let total = items.len() as u64;
        let items = items
            .into_iter()
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
            .collect();
        Self { items, total }
    }
}

/// Largest `limit` of the short lists ([`Paging`]).
pub const PAGE_MAX: u32 = 1_000;

/// `limit` and `offset` of the lists short enough to be held whole (libraries, accounts, tokens,
/// audit actions): the same paging as every longer list. Numbers as text, so a bad value names
/// its parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct Paging {
    /// Page size, 1–1000 (default: every item).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u32>))]
    pub limit: Option<String>,
    /// Items to skip (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(value_type = Option<u64>))]
    pub offset: Option<String>,
}

impl Paging {
    /// `(offset, limit)`, or why each bad parameter is refused.
    pub fn parse(
        &self,
    ) -> Result<(usize, Option<usize>), std::collections::BTreeMap<String, String>> {
        let mut errors = std::collections::BTreeMap::new();
        fn text(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let limit = match text(&self.limit) {
            None => None,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=PAGE_MAX).contains(&n) => Some(n as usize),
                _ => {
                    errors.insert(
                        "limit".to_owned(),
                        format!("must be a number from 1 to {PAGE_MAX}"),
                    );
                    None
                }
            },
        };
        let offset = match text(&self.offset) {
            None => 0,
            Some(v) => v.parse::<u32>().map(|n| n as usize).unwrap_or_else(|_| {
                errors.insert("offset".to_owned(), "must be a whole number ≥ 0".to_owned());
                0
            }),
        };
        if errors.is_empty() {
            Ok((offset, limit))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_whole_list_counts_every_item() {
        let page = List::page((1..=10).collect::<Vec<_>>(), 8, Some(5));
        assert_eq!((page.items, page.total), (vec![9, 10], 10));
        let paging = Paging {
            limit: Some("0".into()),
            offset: Some("x".into()),
        };
        let errors = paging.parse().expect_err("both bad");
        assert_eq!(errors.len(), 2);
        assert_eq!(Paging::default().parse(), Ok((0, None)));
    }
}
