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
