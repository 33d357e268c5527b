//! What happens when a friend's access ends: the default or one of the three policies, each
//! said in words as it is picked (before anything is saved), then saved and applied.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{ChangeResponse, EndPolicy, PlexUserDetailResponse, SetEndPolicyRequest};

use crate::api;

/// The `<select>` value of a choice (`default` for none).
fn value_of(policy: Option<EndPolicy>) -> &'static str {
    policy.map_or("default", EndPolicy::as_str)
}

#[component]
pub fn EndPolicyEditor(
    friend: PlexUserDetailResponse,
    /// The default in *Settings → Plex* (`None`: this role cannot read the settings).
    default: Option<EndPolicy>,
    /// The anchor library's title, for the words.
    anchor: Option<String>,
    can_edit: bool,
    on_saved: Callback<ChangeResponse>,
) -> impl IntoView {
    let id = friend.user.id;
    let version = friend.version;
    let who = plexward_shared::display_name(
        &friend.user.title,
        friend.user.username.as_deref(),
        friend.user.email.as_deref(),
    )
    .to_owned();
    let chosen = RwSignal::new(friend.end_policy.chosen);
    let home = friend.user.home;
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let saved_as = RwSignal::new(friend.end_policy.chosen);
    let words = move || {
        let picked = chosen.get();
        match picked.or(default) {
            Some(EndPolicy::RemoveFriend) if home => {
                "Home users stay in your Plex Home: at most this server's share ends.".to_owned()
            }
            Some(policy) => policy.words(&who, anchor.as_deref()),
            None => friend.end_policy.words.clone(),
        }
    };
    let default_label = default.map_or_else(
        || "The default in Settings".to_owned(),
        |d| format!("The default ({})", d.label().to_lowercase()),
    );
    let save = move |_| {
        error.set(None);
        busy.set(true);
        let body = SetEndPolicyRequest {
            end_policy: chosen.get_untracked(),
            dry_run: None,
        };
        spawn_local(async move {
            match api::set_end_policy(id, &body, false, version).await {
                Ok(answer) => {
                    saved_as.try_set(body.end_policy);
                    on_saved.run(answer);
                }
                Err(e) if e.stale().is_some() => {
                    error.try_set(Some(
                        "Someone changed this friend since the page was loaded: reload to see \
                         their changes, then choose again."
                            .to_owned(),
                    ));
                }
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    };
    let options = std::iter::once(("default", default_label))
        .chain(
            EndPolicy::ALL
                .into_iter()
                .map(|p| (p.as_str(), p.label().to_owned())),
        )
        .map(|(value, label)| view! { <option value=value>{label}</option> })
        .collect_view();
    view! {
        <section class="card glass" aria-labelledby="end-policy-title" data-testid="end-policy-editor">
            <div class="card-head">
                <h2 id="end-policy-title">"When access ends"</h2>
            </div>
            <label for="end-policy-select">"What happens"</label>
            <select
                id="end-policy-select"
                data-testid="end-policy-select"
                prop:value=move || value_of(chosen.get())
                disabled=move || !can_edit || busy.get()
                on:change=move |ev| chosen.set(EndPolicy::parse(&event_target_value(&ev)))
            >
                {options}
            </select>
            <p class="hint" role="status" data-testid="end-policy-words">{words}</p>
            {move || error.get().map(|e| view! {
                <p class="alert error" role="alert" data-testid="end-policy-error">{e}</p>
            })}
            <Show when=move || can_edit>
                <div class="actions">
                    <button
                        type="button"
                        class="btn"
                        data-testid="end-policy-save"
                        disabled=move || busy.get() || chosen.get() == saved_as.get()
                        on:click=save
                    >
                        "Set end policy"
                    </button>
                </div>
            </Show>
        </section>
    }
}
