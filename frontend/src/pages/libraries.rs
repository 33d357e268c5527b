//! Libraries: the Plex server's libraries as of the last sync (removed ones kept, marked), their
//! kind, how many friends have a grant for each now, and which one is the anchor.

use leptos::prelude::*;
use plexward_shared::LibraryResponse;

use crate::api;

#[component]
pub fn Libraries() -> impl IntoView {
    let libraries = LocalResource::new(api::libraries);
    view! {
        <h1 class="page-title">"Libraries"</h1>
        <section class="card glass" aria-labelledby="libraries-title">
            <div class="card-head">
                <h2 id="libraries-title">"Libraries of the server"</h2>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading libraries…"</p> }>
                {move || Suspend::new(async move {
                    match libraries.await {
                        Ok(libraries) => view! { <LibraryTable libraries=libraries.items /> }.into_any(),
                        Err(e) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `movie` → `Movies`: the kinds Plex names, in words.
fn kind_words(kind: &str) -> String {
    match kind {
        "movie" => "Movies".into(),
        "show" => "TV shows".into(),
        "artist" => "Music".into(),
        "photo" => "Photos".into(),
        other => other.to_owned(),
    }
}

#[component]
fn LibraryTable(libraries: Vec<LibraryResponse>) -> impl IntoView {
    if libraries.is_empty() {
        return view! {
            <p class="muted">"No libraries known yet. Sync with Plex from the dashboard."</p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="libraries">
                <thead>
                    <tr>
                        <th scope="col">"Title"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Friends with access"</th>
                    </tr>
                </thead>
                <tbody>
                    {libraries
                        .into_iter()
                        .map(|library| {
                            view! {
                                <tr data-testid=format!("library-{}", library.key)>
                                    <th scope="row">{library.title}</th>
                                    <td>{kind_words(&library.kind)}</td>
                                    <td class="badges">
                                        {library.anchor.then(|| view! {
                                            <span class="pill ok" title="Every shared friend keeps this library">"Anchor"</span>
                                        })}
                                        {library.removed.then(|| view! { <span class="pill bad">"Removed"</span> })}
                                    </td>
                                    <td>{library.friends}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::kind_words;

    #[test]
    fn kinds_read_as_words() {
        assert_eq!(kind_words("movie"), "Movies");
        assert_eq!(kind_words("show"), "TV shows");
        assert_eq!(kind_words("other"), "other");
    }
}
