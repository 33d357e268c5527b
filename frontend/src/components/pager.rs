//! Previous / next over a paged list (`limit`/`offset`), shared by every paged page.

use leptos::prelude::*;

/// `51–100 of 1,000`: which items a page shows; for an empty page past the end, how many
/// `noun` match; nothing when there are none.
pub fn range_text(offset: u32, shown: usize, total: u64, noun: &str) -> String {
    if shown == 0 {
        return if total == 0 {
            String::new()
        } else {
            format!("Nothing on this page: {total} {noun} match.")
        };
    }
    let first = u64::from(offset) + 1;
    format!("{first}–{} of {total}", first + shown as u64 - 1)
}

/// Hidden when everything fits on one page. Test ids: `{prefix}-pager`, `{prefix}-range`.
#[component]
pub fn Pager(
    offset: RwSignal<u32>,
    shown: usize,
    total: u64,
    page_size: u32,
    prefix: &'static str,
    /// What the list holds, plural (`friends`, `invites`).
    noun: &'static str,
) -> impl IntoView {
    let at = offset.get_untracked();
    if at == 0 && total <= u64::from(page_size) {
        return ().into_any();
    }
    let more = u64::from(at) + (shown as u64) < total;
    view! {
        <div class="pager" data-testid=format!("{prefix}-pager")>
            <span class="muted" data-testid=format!("{prefix}-range")>
                {range_text(at, shown, total, noun)}
            </span>
            <button
                type="button"
                class="btn ghost small"
                disabled=at == 0
                on:click=move |_| offset.set(at.saturating_sub(page_size))
            >
                "← Previous"
            </button>
            <button
                type="button"
                class="btn ghost small"
                disabled=!more
                on:click=move |_| offset.set(at + page_size)
            >
                "Next →"
            </button>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::range_text;

    #[test]
    fn the_range_says_which_items_a_page_shows() {
        assert_eq!(range_text(0, 50, 1_000, "friends"), "1–50 of 1000");
        assert_eq!(range_text(950, 50, 1_000, "friends"), "951–1000 of 1000");
        assert_eq!(range_text(0, 0, 0, "friends"), "");
        assert_eq!(range_text(0, 50, 120, "invites"), "1–50 of 120");
        assert_eq!(range_text(100, 20, 120, "deliveries"), "101–120 of 120");
        assert_eq!(
            range_text(100, 0, 3, "invites"),
            "Nothing on this page: 3 invites match."
        );
    }
}
