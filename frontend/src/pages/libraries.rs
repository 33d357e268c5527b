//! Libraries: the Plex server's libraries as of the last sync (removed ones kept, marked), with
//! how many friends have each now.

use leptos::prelude::*;
use plexward_shared::{LibraryResponse, PlexUserResponse};

use crate::api;

#[component]
pub fn Libraries() -> impl IntoView {
    let libraries = LocalResource::new(api::libraries);
    let friends = LocalResource::new(api::plex_users);
    view! {
        <h1 class="page-title">"Libraries"</h1>
        <section class="card glass" aria-labelledby="libraries-title">
            <div class="card-head">
                <h2 id="libraries-title">"Libraries of the server"</h2>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading libraries…"</p> }>
                {move || Suspend::new(async move {
                    match (libraries.await, friends.await) {
                        (Ok(libraries), Ok(friends)) => {
                            view! { <LibraryTable libraries=libraries.items friends=friends.items /> }
                                .into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            view! { <p class="alert error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// How many (current) friends have library `id` now.
fn holders(id: i64, friends: &[PlexUserResponse]) -> usize {
    friends
        .iter()
        .filter(|f| !f.departed && f.actual_library_ids.contains(&id))
        .count()
}

#[component]
fn LibraryTable(libraries: Vec<LibraryResponse>, friends: Vec<PlexUserResponse>) -> impl IntoView {
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
                            let count = holders(library.id, &friends);
                            view! {
                                <tr data-testid=format!("library-{}", library.key)>
                                    <th scope="row">{library.title}</th>
                                    <td>{library.kind}</td>
                                    <td>
                                        {library
                                            .removed
                                            .then(|| view! { <span class="pill bad">"Removed"</span> })}
                                    </td>
                                    <td>{count}</td>
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
