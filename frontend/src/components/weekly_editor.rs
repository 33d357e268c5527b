//! A library's weekly window in the grant editor: "Repeat weekly…" turns the row's one window
//! into days of the week and a local from/to (crossing midnight when the end is not after the
//! start), with optional first and last dates; the rule reads back in words as it is edited,
//! and the next occurrences the server computed are listed under it.

use leptos::prelude::*;
use plexward_shared::{Occurrence, Repeat, WEEKDAYS};

use crate::time_zone::Zone;

/// What "Repeat weekly…" starts from: weekend evenings.
fn first_rule() -> Repeat {
    Repeat {
        days: vec!["fri".into(), "sat".into()],
        from: "18:00".into(),
        to: "23:00".into(),
        first_date: None,
        last_date: None,
    }
}

/// `mon` → `Mon`.
fn day_label(day: &str) -> String {
    let mut chars = day.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A weekly rule in words: "Every Fri, Sat 18:00–23:30 (next day), from … until …".
pub fn repeat_words(repeat: &Repeat) -> String {
    let days: Vec<String> = repeat.days.iter().map(|d| day_label(d)).collect();
    let mut words = format!("Every {} {}–{}", days.join(", "), repeat.from, repeat.to);
    if repeat.to <= repeat.from {
        words.push_str(" (next day)");
    }
    match (&repeat.first_date, &repeat.last_date) {
        (Some(first), Some(last)) => words.push_str(&format!(", from {first} until {last}")),
        (Some(first), None) => words.push_str(&format!(", from {first}")),
        (None, Some(last)) => words.push_str(&format!(", until {last}")),
        (None, None) => {}
    }
    words
}

/// The rule with `day` on or off, days kept in week order.
fn toggled(repeat: &Repeat, day: &str, on: bool) -> Repeat {
    let days = WEEKDAYS
        .iter()
        .filter(|d| {
            if **d == day {
                on
            } else {
                repeat.days.iter().any(|x| x == *d)
            }
        })
        .map(|d| (*d).to_owned())
        .collect();
    Repeat {
        days,
        ..repeat.clone()
    }
}

/// One `<input type=kind>` of the rule: `label`led, showing `value`, telling `changed` the new
/// value.
fn part(
    kind: &'static str,
    label: String,
    value: String,
    disabled: Signal<bool>,
    changed: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <input
            type=kind
            aria-label=label
            prop:value=value
            disabled=move || disabled.get()
            on:change=move |ev| changed(event_target_value(&ev))
        />
    }
}

#[component]
pub fn WeeklyEditor(
    /// The library's title, for labels.
    title: String,
    repeat: RwSignal<Option<Repeat>>,
    #[prop(into)] disabled: Signal<bool>,
    /// The rule as saved, and its next occurrences (listed while the rule is unchanged).
    saved: Option<Repeat>,
    next: Vec<Occurrence>,
    zone: Zone,
) -> impl IntoView {
    let saved = StoredValue::new(saved);
    let next = StoredValue::new(next);
    let zone = StoredValue::new(zone);
    let edit = move |change: &dyn Fn(&Repeat) -> Repeat| {
        repeat.update(|r| {
            if let Some(rule) = r {
                *rule = change(rule);
            }
        });
    };
    let title = StoredValue::new(title);
    move || match repeat.get() {
        None => view! {
            <button
                type="button"
                class="btn ghost small"
                aria-label=format!("Repeat {} weekly", title.get_value())
                disabled=move || disabled.get()
                on:click=move |_| repeat.set(Some(first_rule()))
            >
                "Repeat weekly…"
            </button>
        }
        .into_any(),
        Some(rule) => {
            let name = title.get_value();
            let days = WEEKDAYS
                .iter()
                .map(|day| {
                    let on = rule.days.iter().any(|d| d == day);
                    let label = day_label(day);
                    view! {
                        <label class="check day">
                            <input
                                type="checkbox"
                                aria-label=format!("{name} on {label}")
                                prop:checked=on
                                disabled=move || disabled.get()
                                on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    edit(&|r| toggled(r, day, checked));
                                }
                            />
                            <span>{label.clone()}</span>
                        </label>
                    }
                })
                .collect_view();
            let unchanged = saved.with_value(|s| s.as_ref() == Some(&rule));
            let upcoming = unchanged
                .then(|| {
                    next.with_value(|n| {
                        zone.with_value(|z| {
                            n.iter()
                                .map(|o| {
                                    format!("{} – {}", z.format(&o.starts_at), z.format(&o.ends_at))
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                })
                .filter(|n| !n.is_empty());
            view! {
                <fieldset class="weekly" aria-label=format!("{name} weekly")>
                    <div class="days">{days}</div>
                    <div class="times">
                        {part("time", format!("{name} weekly from"), rule.from.clone(), disabled, move |v| {
                            edit(&|r| Repeat { from: v.clone(), ..r.clone() })
                        })}
                        "–"
                        {part("time", format!("{name} weekly to"), rule.to.clone(), disabled, move |v| {
                            edit(&|r| Repeat { to: v.clone(), ..r.clone() })
                        })}
                    </div>
                    <div class="times">
                        {part("date", format!("{name} weekly first date"), rule.first_date.clone().unwrap_or_default(), disabled, move |v| {
                            edit(&|r| Repeat { first_date: (!v.is_empty()).then(|| v.clone()), ..r.clone() })
                        })}
                        "→"
                        {part("date", format!("{name} weekly last date"), rule.last_date.clone().unwrap_or_default(), disabled, move |v| {
                            edit(&|r| Repeat { last_date: (!v.is_empty()).then(|| v.clone()), ..r.clone() })
                        })}
                    </div>
                    <p class="hint" data-testid=format!("weekly-words-{name}")>
                        <span class="pill">"Weekly"</span>" "{repeat_words(&rule)}
                    </p>
                    {upcoming.map(|n| view! {
                        <p class="hint">{format!("Next: {}", n.join("; "))}</p>
                    })}
                    <button
                        type="button"
                        class="btn ghost small"
                        disabled=move || disabled.get()
                        on:click=move |_| repeat.set(None)
                    >
                        "One window instead"
                    </button>
                </fieldset>
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_words() {
        let mut rule = first_rule();
        assert_eq!(repeat_words(&rule), "Every Fri, Sat 18:00–23:00");
        rule.to = "02:00".into();
        rule.last_date = Some("2027-03-31".into());
        assert_eq!(
            repeat_words(&rule),
            "Every Fri, Sat 18:00–02:00 (next day), until 2027-03-31"
        );
    }

    #[test]
    fn days_toggle_in_week_order() {
        let rule = toggled(&first_rule(), "mon", true);
        assert_eq!(rule.days, ["mon", "fri", "sat"]);
        assert_eq!(toggled(&rule, "fri", false).days, ["mon", "sat"]);
    }
}
