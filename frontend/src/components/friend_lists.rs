//! The dashboard's short lists of friends, from the summary: access expiring soon, and friends
//! that need attention (applying failed, or Plex drifted from the plan).

use leptos::prelude::*;
use leptos_router::components::A;
use plexward_shared::{EXPIRING_SOON_DAYS, SummaryResponse};

use crate::api;
use crate::api::ApiError;
use crate::components::friend_badges::FriendBadges;
use crate::format::{duration_words, now};
use crate::pages::friends::display_name;
use crate::time_zone::Zone;

/// The dashboard's one summary request, shared by its cards.
pub type Summary = LocalResource<Result<SummaryResponse, ApiError>>;

/// `… and 3 more` under a list cut short.
fn more(shown: usize, total: u64) -> Option<String> {
    let rest = total.saturating_sub(shown as u64);
    (rest > 0).then(|| format!("… and {rest} more on the Friends page."))
}

/// "Expiring in the next 7 days": soonest first.
#[component]
pub fn ExpiringCard(summary: Summary) -> impl IntoView {
    view! {
        <section class="card glass" aria-labelledby="expiring-title">
            <div class="card-head">
                <h2 id="expiring-title">{format!("Expiring in the next {EXPIRING_SOON_DAYS} days")}</h2>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Ok(s) if s.expiring.is_empty() => {
                            view! { <p class="muted">"Nobody's access ends this week."</p> }.into_any()
                        }
                        Ok(s) => {
                            let now = now();
                            let zone = Zone::new(&s.time_zone);
                            let more = more(s.expiring.len(), s.counts.expiring);
                            view! {
                                <ul class="friend-list" data-testid="expiring">
                                    {s.expiring
                                        .into_iter()
                                        .map(|f| {
                                            let when = f.expires_at.map(|at| {
                                                (
                                                    format!("ends in {}", duration_words((at - now).num_seconds())),
                                                    format!("{} ({})", zone.format(&at), zone.name()),
                                                )
                                            });
                                            let (text, exact) = when.unwrap_or_default();
                                            view! {
                                                <li>
                                                    <A href=api::href(&format!("/friends/{}", f.id))>{display_name(&f)}</A>
                                                    " "
                                                    <span class="muted" title=exact>{text}</span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                {more.map(|text| view! { <p class="muted">{text}</p> })}
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Needs attention": failed applies and drift; how many friends departed.
#[component]
pub fn AttentionCard(summary: Summary) -> impl IntoView {
    view! {
        <section class="card glass" aria-labelledby="attention-title">
            <div class="card-head"><h2 id="attention-title">"Needs attention"</h2></div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Ok(s) => {
                            let departed = (s.counts.departed > 0).then(|| {
                                let n = s.counts.departed;
                                let who = if n == 1 { "friend has" } else { "friends have" };
                                view! {
                                    <p class="muted" data-testid="departed-count">
                                        {format!("{n} {who} left the Plex server (kept with their history).")}
                                    </p>
                                }
                            });
                            if s.attention.is_empty() {
                                return view! {
                                    <p class="muted">"Nothing: Plex matches the plan."</p>
                                    {departed}
                                }
                                    .into_any();
                            }
                            let now = now();
                            let zone = Zone::new(&s.time_zone);
                            let more = more(s.attention.len(), s.attention_total);
                            view! {
                                <ul class="friend-list" data-testid="attention">
                                    {s.attention
                                        .into_iter()
                                        .map(|f| {
                                            let error = f.apply.error.clone();
                                            let href = api::href(&format!("/friends/{}", f.id));
                                            let name = display_name(&f);
                                            view! {
                                                <li>
                                                    <A href=href>{name}</A>
                                                    " "
                                                    <span class="badges"><FriendBadges friend=f zone=zone.clone() now /></span>
                                                    {error.map(|e| view! { <span class="muted">" "{e}</span> })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                {more.map(|text| view! { <p class="muted">{text}</p> })}
                                {departed}
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
