//! What else a password or two-factor change ends: "Also sign out my other sessions" and "Also
//! revoke my API tokens", with the tokens named — a script that silently keeps (or loses) its
//! access is the surprise this is here to prevent.

use leptos::prelude::*;

use crate::api;

/// The account's API tokens as this form knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tokens {
    /// Their names (none: the account has no tokens).
    Named(Vec<String>),
    /// Not listable from here: a session that must set up two-factor sign-in first is refused
    /// `GET /me/tokens` (the tokens themselves keep working meanwhile); or the listing failed.
    Unknown,
}

/// `“a”`, `“a” and “b”`, `“a”, “b” and “c”`.
fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("“{n}”")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What happens to the tokens, in words, as the box is ticked or not.
fn tokens_words(names: &[String], revoke: bool) -> String {
    let one = names.len() == 1;
    match (revoke, names) {
        (_, []) => "You have no API tokens.".into(),
        (true, _) => format!("Scripts using {} stop working.", quoted_list(names)),
        (false, _) => format!(
            "{} {}: {}.",
            if one {
                "This API token"
            } else {
                "These API tokens"
            },
            if one { "keeps working" } else { "keep working" },
            quoted_list(names)
        ),
    }
}

/// The two boxes. `id` names them (`{id}-sessions`, `{id}-tokens`): a page may hold several.
#[component]
pub fn SignOutChoices(
    id: &'static str,
    end_sessions: RwSignal<bool>,
    revoke_tokens: RwSignal<bool>,
    /// Bumped whenever the account's tokens change, to list them afresh. `None`: they cannot be
    /// listed here (see [`Tokens::Unknown`]).
    tokens_changed: Option<RwSignal<u32>>,
) -> impl IntoView {
    let tokens = LocalResource::new(move || {
        if let Some(changed) = tokens_changed {
            changed.track();
        }
        async move {
            if tokens_changed.is_none() {
                return Tokens::Unknown;
            }
            // A failed listing says nothing rather than "no tokens": that would be a guess.
            match api::my_tokens().await {
                Ok(list) => Tokens::Named(list.items.into_iter().map(|t| t.name).collect()),
                Err(_) => Tokens::Unknown,
            }
        }
    });
    let sessions_id = format!("{id}-sessions");
    let sessions_for = sessions_id.clone();
    let tokens_id = format!("{id}-tokens");
    let hint_id = format!("{id}-tokens-hint");

    let tokens_view = move || {
        let known = tokens.get()?;
        let (tokens_id, hint_id) = (tokens_id.clone(), hint_id.clone());
        // With no tokens there is nothing to revoke: only say so.
        let has_box = known != Tokens::Named(Vec::new());
        let words = move || match &known {
            Tokens::Named(names) => tokens_words(names, revoke_tokens.get()),
            Tokens::Unknown if revoke_tokens.get() => {
                "Scripts using any of your API tokens stop working.".into()
            }
            Tokens::Unknown => {
                "Unticked, your API tokens keep working (My account lists them).".into()
            }
        };
        Some(view! {
            {has_box.then(|| {
                let label_for = tokens_id.clone();
                view! {
                    <label class="check" for=label_for>
                        <input
                            id=tokens_id
                            type="checkbox"
                            aria-describedby=hint_id.clone()
                            prop:checked=move || revoke_tokens.get()
                            on:change:target=move |ev| revoke_tokens.set(ev.target().checked())
                        />
                        "Also revoke my API tokens"
                    </label>
                }
            })}
            <p class="hint" id=hint_id data-testid=format!("{id}-tokens-words")>{words}</p>
        })
    };

    view! {
        <fieldset class="end-others">
            <legend class="visually-hidden">"Other sessions and API tokens"</legend>
            <label class="check" for=sessions_for>
                <input
                    id=sessions_id
                    type="checkbox"
                    prop:checked=move || end_sessions.get()
                    on:change:target=move |ev| end_sessions.set(ev.target().checked())
                />
                "Also sign out my other sessions"
            </label>
            {tokens_view}
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::{quoted_list, tokens_words};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn lists_read_as_words() {
        assert_eq!(quoted_list(&names(&[])), "");
        assert_eq!(quoted_list(&names(&["a"])), "“a”");
        assert_eq!(quoted_list(&names(&["a", "b"])), "“a” and “b”");
        assert_eq!(quoted_list(&names(&["a", "b", "c"])), "“a”, “b” and “c”");
    }

    #[test]
    fn says_which_tokens_keep_working() {
        assert_eq!(tokens_words(&[], false), "You have no API tokens.");
        assert_eq!(tokens_words(&[], true), "You have no API tokens.");
        assert_eq!(
            tokens_words(&names(&["nightly sync"]), false),
            "This API token keeps working: “nightly sync”."
        );
        assert_eq!(
            tokens_words(&names(&["a", "b"]), false),
            "These API tokens keep working: “a” and “b”."
        );
        assert_eq!(
            tokens_words(&names(&["a", "b"]), true),
            "Scripts using “a” and “b” stop working."
        );
    }
}
