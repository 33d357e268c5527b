//! A background job's progress bar with its label (`Syncing with Plex… 3 of 8`).

use leptos::prelude::*;
use plexward_shared::Progress;

/// `label` names the work (`Syncing with Plex…`); the counts follow once the job knows its total.
#[component]
pub fn JobProgress(
    progress: Progress,
    label: &'static str,
    /// What the bar is to a screen reader, e.g. `Sync progress`.
    bar_label: &'static str,
    testid: &'static str,
) -> impl IntoView {
    let text = if progress.total == 0 {
        label.to_owned()
    } else {
        format!("{label} {} of {}", progress.done, progress.total)
    };
    view! {
        <div class="sync-progress" role="status" data-testid=testid>
            <progress
                max=progress.total.max(1).to_string()
                value=progress.done.min(progress.total).to_string()
                aria-label=bar_label
            ></progress>
            <span class="muted">{text}</span>
        </div>
    }
}
