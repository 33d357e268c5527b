//! Audit: the trail of every sign-in, refusal and change, filtered and paged on the server (50
//! events a page unless chosen otherwise), with a CSV export of everything matching (admins and
//! auditors). The filters, the page size and the page live in the URL
//! (`/audit?action=grants&limit=25&offset=50`), so a view can be linked — the friend page links
//! here with `?friend_id=`.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use plexward_shared::{AUDIT_PAGE_DEFAULT, AuditEventResponse, AuditQuery, List, Permission};

use crate::api::{self, ApiError};
use crate::components::audit_events::AuditEvents;
use crate::components::audit_filters::AuditFilters;
use crate::components::live_tail::{LiveTail, LiveToggle};
use crate::pages::friends::display_name;
use crate::session::use_session;
use crate::time_zone::{Zone, server_zone};

const PAGE_DEFAULT: u64 = AUDIT_PAGE_DEFAULT as u64;
/// The page sizes offered (the URL may hold any the server accepts, 1–500).
const PAGE_SIZES: [u64; 5] = [10, 25, 50, 100, 200];

/// The page size a URL's `limit` asks for: the default when absent or unreadable (the server
/// answers a value out of range with a 422 under the field).
fn page_size(limit: Option<&str>) -> u64 {
    limit
        .and_then(|l| l.parse::<u64>().ok())
        .filter(|&l| l > 0)
        .unwrap_or(PAGE_DEFAULT)
}

/// `51–100 of 123`; `No events match.` for none.
pub fn range_text(offset: u64, shown: usize, total: u64) -> String {
    if shown == 0 {
        return if total == 0 {
            "No events match.".to_owned()
        } else {
            format!("Nothing here: the filters match {total} events.")
        };
    }
    format!("{}–{} of {total}", offset + 1, offset + shown as u64)
}

#[component]
pub fn Audit() -> impl IntoView {
    let session = use_session();
    let can_export = move || session.allows(Permission::ExportAudit);
    let navigate = use_navigate();
    let params = use_query_map();
    let current = Memo::new(move |_| {
        params.with(|p| AuditQuery {
            actor: p.get("actor"),
            action: p.get("action"),
            // Links made before `friend_id` say `plex_user_id`: still followed.
            friend_id: p.get("friend_id").or_else(|| p.get("plex_user_id")),
            plex_user_id: None,
            outcome: p.get("outcome"),
            from: p.get("from"),
            to: p.get("to"),
            limit: p.get("limit"),
            offset: p.get("offset"),
        })
    });
    let size = move || current.with(|q| page_size(q.limit.as_deref()));
    let offset = move || {
        current.with(|q| {
            q.offset
                .as_deref()
                .and_then(|o| o.parse::<u64>().ok())
                .unwrap_or(0)
        })
    };

    let page = RwSignal::new(None::<Result<List<AuditEventResponse>, ApiError>>);
    // Live: new events matching the filters go on top of the first page as they are written.
    let live = LiveTail::new(
        Callback::new(move |after| api::audit_stream_url(&current.get_untracked(), after)),
        Callback::new(move |event: AuditEventResponse| {
            let (keep, first_page) = current.with_untracked(|q| {
                let first = q
                    .offset
                    .as_deref()
                    .is_none_or(|o| o.parse::<u64>().ok() == Some(0));
                (page_size(q.limit.as_deref()), first)
            });
            if !first_page {
                return;
            }
            page.try_update(|p| {
                if let Some(Ok(list)) = p
                    && !list.items.iter().any(|e| e.id == event.id)
                {
                    list.items.insert(0, event);
                    list.items
                        .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
                    list.total += 1;
                }
            });
        }),
    );
    let request = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let query = current.get();
        // New filters: the live stream follows them.
        live.follow();
        request.update_value(|n| *n += 1);
        let mine = request.get_value();
        spawn_local(async move {
            let answer = api::audit(&query).await;
            if request.try_get_value() == Some(mine) {
                page.try_set(Some(answer));
            }
        });
    });
    let server_errors = Signal::derive(move || {
        page.with(|p| match p {
            Some(Err(e)) => e.fields.clone(),
            _ => BTreeMap::new(),
        })
    });
    let context = LocalResource::new(|| async {
        let (actions, friends, (zone, note)) =
            futures::join!(api::audit_actions(), api::plex_users(), server_zone());
        // Without friends (a failed call) the friend filter still takes ids from links.
        let friends: Vec<(i64, String)> = friends
            .map(|list| list.items.iter().map(|f| (f.id, display_name(f))).collect())
            .unwrap_or_default();
        actions.map(|a| (a.items, friends, zone, note))
    });

    let go = {
        let navigate = navigate.clone();
        move |query: AuditQuery| {
            navigate(
                &format!("/audit{}", api::audit_query_string(&query)),
                Default::default(),
            );
        }
    };
    // New filters start at the first page and keep the page size.
    let on_apply = Callback::new({
        let go = go.clone();
        move |query: AuditQuery| {
            go(AuditQuery {
                limit: current.with_untracked(|q| q.limit.clone()),
                offset: None,
                ..query
            })
        }
    });
    let to_page = {
        let go = go.clone();
        move |new_offset: u64| {
            let mut query = current.get_untracked();
            query.offset = (new_offset > 0).then(|| new_offset.to_string());
            go(query);
        }
    };
    let to_page_prev = to_page.clone();
    let to_first_page = to_page.clone();
    // Live shows what is new, on the first page.
    let live_from_first_page = Callback::new(move |()| {
        if offset() > 0 {
            to_first_page(0);
        }
    });
    let resize = move |ev: leptos::ev::Event| {
        let chosen = page_size(Some(&event_target_value(&ev)));
        let mut query = current.get_untracked();
        query.limit = (chosen != PAGE_DEFAULT).then(|| chosen.to_string());
        query.offset = None;
        go(query);
    };
    let size_options = move || {
        let chosen = size();
        let mut sizes = PAGE_SIZES.to_vec();
        if !sizes.contains(&chosen) {
            sizes.push(chosen);
            sizes.sort_unstable();
        }
        sizes
            .into_iter()
            .map(|n| view! { <option value=n.to_string() selected=n == chosen>{n}</option> })
            .collect_view()
    };
    let export_url = move || api::audit_export_url(&current.get());
    let export = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let url = export_url();
        spawn_local(async move {
            if let Err(e) = api::download(&url).await {
                page.try_set(Some(Err(e)));
            }
        });
    };

    view! {
        <h1 class="page-title">"Audit trail"</h1>
        <section class="card glass" aria-labelledby="audit-filters-title">
            <div class="card-head wrap">
                <h2 id="audit-filters-title">"Filters"</h2>
                <Show when=can_export>
                    <a class="btn ghost small" href=export_url download on:click=export>
                        "Export CSV"
                    </a>
                </Show>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match context.await {
                        Ok((actions, friends, zone, note)) => view! {
                            {note.map(|n| view! { <p class="alert info" role="status">{n}</p> })}
                            <AuditFilters current zone actions friends server_errors on_apply />
                        }
                            .into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card glass" aria-labelledby="audit-events-title">
            <div class="card-head wrap">
                <h2 id="audit-events-title">"Events, newest first"</h2>
                <div class="pager">
                    <LiveToggle live live_text="Live: new events appear as they are written." on_start=live_from_first_page />
                    <span class="muted" data-testid="audit-range">
                        {move || page.with(|p| match p {
                            Some(Ok(list)) => range_text(offset(), list.items.len(), list.total),
                            _ => String::new(),
                        })}
                    </span>
                    <button
                        type="button"
                        class="btn ghost small"
                        disabled=move || offset() == 0
                        on:click=move |_| to_page_prev(offset().saturating_sub(size()))
                    >
                        "← Newer"
                    </button>
                    <button
                        type="button"
                        class="btn ghost small"
                        disabled=move || page.with(|p| match p {
                            Some(Ok(list)) => offset() + (list.items.len() as u64) >= list.total,
                            _ => true,
                        })
                        on:click=move |_| to_page(offset() + size())
                    >
                        "Older →"
                    </button>
                    <label class="muted" for="audit-page-size">"Per page"</label>
                    <select
                        id="audit-page-size"
                        class="small"
                        prop:value=move || size().to_string()
                        on:change=resize
                    >
                        {size_options}
                    </select>
                </div>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading events…"</p> }>
                {move || Suspend::new(async move {
                    let (zone, friends) = context
                        .await
                        .map_or_else(|_| (Zone::utc(), Vec::new()), |(_, friends, zone, _)| (zone, friends));
                    view! { <PageOfEvents page zone friends=StoredValue::new(friends) /> }
                })}
            </Suspense>
        </section>
    }
}

/// A 422's message for the events list: the paging fields (from a hand-edited URL) have no
/// field of their own to show their error under; the filters do.
fn paging_problem(fields: &BTreeMap<String, String>) -> String {
    let paging: Vec<String> = [("limit", "Per page"), ("offset", "Page")]
        .into_iter()
        .filter_map(|(key, label)| fields.get(key).map(|why| format!("{label}: {why}")))
        .collect();
    if paging.is_empty() {
        "Some filters need attention; see below each one.".to_owned()
    } else {
        paging.join(" ")
    }
}

#[component]
fn PageOfEvents(
    page: RwSignal<Option<Result<List<AuditEventResponse>, ApiError>>>,
    zone: Zone,
    friends: StoredValue<Vec<(i64, String)>>,
) -> impl IntoView {
    move || {
        page.with(|p| match p {
            None => view! { <p class="muted">"Loading events…"</p> }.into_any(),
            Some(Ok(list)) if list.items.is_empty() => {
                view! { <p class="muted">"No events match these filters."</p> }.into_any()
            }
            Some(Ok(list)) => {
                view! { <AuditEvents events=list.items.clone() zone=zone.clone() friends /> }
                    .into_any()
            }
            Some(Err(e)) if !e.fields.is_empty() => {
                view! { <p class="alert error" role="alert">{paging_problem(&e.fields)}</p> }
                    .into_any()
            }
            Some(Err(e)) => {
                view! { <p class="alert error" role="alert">{e.message.clone()}</p> }.into_any()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{page_size, range_text};

    #[test]
    fn the_page_size_falls_back_to_the_default() {
        assert_eq!(page_size(None), 50);
        assert_eq!(page_size(Some("10")), 10);
        assert_eq!(page_size(Some("0")), 50);
        assert_eq!(page_size(Some("ten")), 50);
    }

    #[test]
    fn the_range_counts_from_one() {
        assert_eq!(range_text(0, 50, 123), "1–50 of 123");
        assert_eq!(range_text(100, 23, 123), "101–123 of 123");
        assert_eq!(range_text(0, 0, 0), "No events match.");
        assert_eq!(
            range_text(200, 0, 123),
            "Nothing here: the filters match 123 events."
        );
    }
}
