//! When a save is refused because someone else changed the friend since this page read them
//! (412): what they changed, in words, and the choice to apply this edit on top of theirs or keep
//! theirs.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use plexward_shared::{ChangedBy, GrantResponse, PlexUserDetailResponse};

use crate::components::dialog::Dialog;

/// A refused save, ready to show and to retry.
#[derive(Debug, Clone)]
pub struct Stale {
    /// One sentence per change: "bob's TV Shows end was changed to 12 Dec 18:00 by moderator at
    /// 14:02".
    pub words: Vec<String>,
    /// The version the friend has now: what a retry on top sends in `If-Match`.
    pub version: i64,
}

/// What changed between `before` (what this page showed) and `now`, in words.
pub fn stale_words(
    before: &PlexUserDetailResponse,
    now: &PlexUserDetailResponse,
    changed_by: Option<&ChangedBy>,
    title: &dyn Fn(i64) -> String,
    when: &dyn Fn(&DateTime<Utc>) -> String,
) -> Vec<String> {
    let name = &now.user.title;
    let find =
        |grants: &[GrantResponse], id: i64| grants.iter().find(|g| g.library_id == id).cloned();
    let ids: BTreeSet<i64> = before
        .grants
        .iter()
        .chain(&now.grants)
        .map(|g| g.library_id)
        .collect();
    let end_words =
        |g: &GrantResponse| g.ends_at.as_ref().map_or_else(|| "no end".to_owned(), when);
    let mut words = Vec::new();
    for id in ids {
        let library = title(id);
        match (find(&before.grants, id), find(&now.grants, id)) {
            (None, Some(g)) => words.push(match &g.ends_at {
                Some(end) => format!("{name} was given {library} until {}", when(end)),
                None => format!("{name} was given {library}"),
            }),
            (Some(_), None) => words.push(format!("{name}'s {library} was taken away")),
            (Some(old), Some(new)) => {
                if old.starts_at != new.starts_at {
                    let start = new
                        .starts_at
                        .as_ref()
                        .map_or_else(|| "now".to_owned(), when);
                    words.push(format!("{name}'s {library} start was changed to {start}"));
                }
                if old.ends_at != new.ends_at {
                    words.push(format!(
                        "{name}'s {library} end was changed to {}",
                        end_words(&new)
                    ));
                }
            }
            (None, None) => {}
        }
    }
    if before.sharing != now.sharing || before.sharing_managed != now.sharing_managed {
        words.push(format!("{name}'s sharing settings were changed"));
    }
    if words.is_empty() {
        words.push(format!("{name} was changed"));
    }
    let by = changed_by.map_or_else(String::new, |c| {
        format!(" by {} at {}", c.actor, when(&c.at))
    });
    words.into_iter().map(|w| format!("{w}{by}.")).collect()
}

/// The dialog for a refused save: `on_top` applies this edit again on the friend as they are now,
/// `keep_theirs` drops it and shows theirs.
#[component]
pub fn StaleDialog(
    /// The dialog's id and test id (one per editor on a page).
    id: &'static str,
    stale: RwSignal<Option<Stale>>,
    on_top: Callback<i64>,
    keep_theirs: Callback<()>,
) -> impl IntoView {
    // Open while there is a refusal to show; closing (Escape, a button) drops it. Each side
    // only writes when the other differs, so the two never wake each other up in turn.
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        if stale.with(Option::is_some) && !open.get_untracked() {
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if !open.get() && stale.with_untracked(Option::is_some) {
            stale.set(None);
        }
    });
    let take = move || stale.get_untracked();
    view! {
        <Dialog id open title="Someone else changed this friend">
            <div data-testid=id>
                <p>"Your change was not saved: while you were editing, this happened:"</p>
                <ul data-testid="stale-changes">
                    {move || {
                        stale
                            .get()
                            .map(|s| s.words)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|w| view! { <li>{w}</li> })
                            .collect_view()
                    }}
                </ul>
                <p class="hint">
                    "Apply yours on top replaces what they set with your edit; keep theirs drops your edit."
                </p>
                <div class="actions">
                    <button
                        type="button"
                        class="btn"
                        on:click=move |_| {
                            if let Some(s) = take() {
                                open.set(false);
                                on_top.run(s.version);
                            }
                        }
                    >
                        "Apply mine on top"
                    </button>
                    <button
                        type="button"
                        class="btn ghost"
                        on:click=move |_| {
                            open.set(false);
                            keep_theirs.run(());
                        }
                    >
                        "Keep theirs"
                    </button>
                </div>
            </div>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use plexward_shared::PlexUserResponse;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .single()
            .expect("date")
    }

    fn friend(grants: Vec<GrantResponse>) -> PlexUserDetailResponse {
        let user: PlexUserResponse = serde_json::from_value(serde_json::json!({
            "id": 2, "plex_account_id": 20, "plex_user_id": 2, "title": "bob", "username": "bob",
            "email": null, "home": false, "shared": true, "pending": false,
            "actual_library_ids": [], "departed": false, "thumb": null,
            "granted_library_ids": [], "next_change": null, "drift": false,
            "apply": {"state": "applied", "error": null, "attempts": 0}
        }))
        .expect("a list item");
        PlexUserDetailResponse {
            user,
            grants,
            next_change_at: None,
            plan: serde_json::from_value(
                serde_json::json!({"action": "nothing", "library_ids": [],
                "added_library_ids": [], "removed_library_ids": []}),
            )
            .expect("a plan"),
            sharing: None,
            sharing_managed: false,
            sharing_drift: false,
            end_policy: plexward_shared::EndPolicyView {
                chosen: None,
                effective: plexward_shared::EndPolicy::KeepFriend,
                words: String::new(),
            },
            access_plan: None,
            version: 2,
        }
    }

    fn grant(id: i64, ends_at: Option<DateTime<Utc>>) -> GrantResponse {
        GrantResponse {
            library_id: id,
            starts_at: None,
            ends_at,
            active: true,
            anchor: false,
            repeat: None,
            next_occurrences: Vec::new(),
        }
    }

    #[test]
    fn another_hands_changes_read_as_sentences() {
        let before = friend(vec![grant(1, None), grant(2, Some(at(5, 18)))]);
        let now = friend(vec![grant(2, Some(at(12, 18))), grant(3, None)]);
        let by = ChangedBy {
            actor: "moderator".into(),
            at: at(4, 14),
            action: "grants.set".into(),
        };
        let title = |id: i64| ["", "Movies", "TV Shows", "Music"][id as usize].to_owned();
        let when = |t: &DateTime<Utc>| t.format("%-d %b %H:%M").to_string();
        assert_eq!(
            stale_words(&before, &now, Some(&by), &title, &when),
            [
                "bob's Movies was taken away by moderator at 4 Dec 14:00.",
                "bob's TV Shows end was changed to 12 Dec 18:00 by moderator at 4 Dec 14:00.",
                "bob was given Music by moderator at 4 Dec 14:00.",
            ]
        );
        assert_eq!(
            stale_words(&before, &before, None, &title, &when),
            ["bob was changed."]
        );
    }
}
