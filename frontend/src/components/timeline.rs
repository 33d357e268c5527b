//! A Gantt-style timeline in inline SVG: one row per library (a friend's windows) or per friend
//! (the libraries they gain or lose soon), today marked with a vertical line. Every bar and edge
//! has an SVG `<title>` (hover) and is focusable: focusing or tapping it shows its exact times
//! under the chart. No dependency beyond the `view!` macro.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::time_zone::Zone;

/// One row of the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub label: String,
    pub items: Vec<TimelineItem>,
}

/// Something drawn on a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineItem {
    /// Access from `from` (`None`: already) until `to` (`None`: forever).
    Window {
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        /// The exact times, in words.
        detail: String,
        /// The anchor library (drawn apart).
        anchor: bool,
    },
    /// A library gained (`gain`) or lost at `at`.
    Edge {
        at: DateTime<Utc>,
        gain: bool,
        detail: String,
    },
}

impl TimelineItem {
    fn detail(&self) -> &str {
        match self {
            Self::Window { detail, .. } | Self::Edge { detail, .. } => detail,
        }
    }
}

const WIDTH: f64 = 800.0;
const LABEL: f64 = 170.0;
const RIGHT: f64 = 14.0;
const AXIS: f64 = 24.0;
const ROW: f64 = 30.0;
const BAR: f64 = 16.0;
const TICKS: i32 = 5;
/// Date labels closer than this to today's marker are left out.
const TODAY_GAP: f64 = 48.0;

/// Where `at` falls between `from` (x = `LABEL`) and `to` (x = `WIDTH - RIGHT`), clamped.
pub fn x_of(at: &DateTime<Utc>, from: &DateTime<Utc>, to: &DateTime<Utc>) -> f64 {
    let span = (*to - *from).num_milliseconds().max(1);
    let offset = (*at - *from).num_milliseconds().clamp(0, span);
    #[allow(clippy::cast_precision_loss)] // a few years in ms fit an f64 exactly
    let fraction = offset as f64 / span as f64;
    LABEL + fraction * (WIDTH - LABEL - RIGHT)
}

/// The horizontal extent of a window within the view, with whether each end is cut off (open or
/// outside the view); `None` when the window lies entirely outside it.
pub fn bar_extent(
    start: Option<&DateTime<Utc>>,
    end: Option<&DateTime<Utc>>,
    from: &DateTime<Utc>,
    to: &DateTime<Utc>,
) -> Option<(f64, f64, bool, bool)> {
    if start.is_some_and(|s| s >= to) || end.is_some_and(|e| e <= from) {
        return None;
    }
    let cut_left = start.is_none_or(|s| s < from);
    let cut_right = end.is_none_or(|e| e > to);
    let x1 = start.map_or(LABEL, |s| x_of(s, from, to));
    let x2 = end.map_or(WIDTH - RIGHT, |e| x_of(e, from, to));
    Some((x1, x2.max(x1 + 2.0), cut_left, cut_right))
}

fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// The chart. `summary` is its accessible name (`role="img"`); `testid` names it for tests.
#[component]
pub fn Timeline(
    rows: Vec<TimelineRow>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    summary: String,
    zone: Zone,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    let selected = RwSignal::new(None::<String>);
    #[allow(clippy::cast_precision_loss)] // a handful of rows
    let height = AXIS + rows.len() as f64 * ROW + 6.0;
    let show_today = now >= from && now <= to;
    let now_x = x_of(&now, &from, &to);
    let ticks = (0..=TICKS)
        .map(|i| {
            let at = from + (to - from) * i / TICKS;
            let x = x_of(&at, &from, &to);
            // The "Today" label wins over a date label it would overlap.
            let label =
                (!show_today || (x - now_x).abs() > TODAY_GAP).then(|| zone.format_day(&at));
            let anchor = match i {
                0 => "start",
                TICKS => "end",
                _ => "middle",
            };
            view! {
                <g class="tl-tick">
                    <line x1=n(x) x2=n(x) y1=n(AXIS - 4.0) y2=n(height) />
                    <text x=n(x) y="14" text-anchor=anchor>{label}</text>
                </g>
            }
        })
        .collect_view();
    let body = rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            #[allow(clippy::cast_precision_loss)]
            let top = AXIS + index as f64 * ROW;
            let mid = top + ROW / 2.0;
            let items = row
                .items
                .into_iter()
                .map(|item| draw_item(&item, mid, (&from, &to, &now), selected))
                .collect_view();
            view! {
                <g class="tl-row">
                    <line class="tl-grid" x1="0" x2=n(WIDTH) y1=n(top + ROW) y2=n(top + ROW) />
                    <text class="tl-label" x="4" y=n(mid + 4.0)>{truncate(&row.label, 22)}</text>
                    {items}
                </g>
            }
        })
        .collect_view();
    let today_x = n(now_x);
    let today_title = format!("Now: {} ({})", zone.format(&now), zone.name());
    view! {
        <figure class="timeline" data-testid=testid>
            <svg
                class="tl-svg"
                viewBox=format!("0 0 {WIDTH} {}", n(height))
                role="img"
                aria-label=summary
                preserveAspectRatio="xMinYMin meet"
            >
                {ticks}
                // Under the rows: bars and edges at "now" stay hoverable.
                {show_today.then(|| view! {
                    <g class="tl-today" data-testid="timeline-today">
                        <title>{today_title}</title>
                        <line x1=today_x.clone() x2=today_x.clone() y1="18" y2=n(height) />
                        <text x=today_x y="14" text-anchor="middle">"Today"</text>
                    </g>
                })}
                {body}
            </svg>
            <figcaption class="tl-detail muted" aria-live="polite" data-testid="timeline-detail">
                {move || selected.get().unwrap_or_else(|| "Hover, focus or tap a bar for its exact times.".to_owned())}
            </figcaption>
        </figure>
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn draw_item(
    item: &TimelineItem,
    mid: f64,
    (from, to, now): (&DateTime<Utc>, &DateTime<Utc>, &DateTime<Utc>),
    selected: RwSignal<Option<String>>,
) -> AnyView {
    let detail = item.detail().to_owned();
    let pick = {
        let detail = detail.clone();
        move || selected.set(Some(detail.clone()))
    };
    let pick_on_click = pick.clone();
    let label = detail.clone();
    let shape = match item {
        TimelineItem::Window {
            from: start,
            to: end,
            anchor,
            ..
        } => {
            let Some((x1, x2, cut_left, cut_right)) =
                bar_extent(start.as_ref(), end.as_ref(), from, to)
            else {
                return ().into_any();
            };
            let y = mid - BAR / 2.0;
            let class = match (anchor, start.is_some_and(|s| s > *now)) {
                (true, _) => "tl-bar anchor",
                (false, true) => "tl-bar future",
                (false, false) => "tl-bar",
            };
            view! {
                <rect class=class x=n(x1) y=n(y) width=n(x2 - x1) height=n(BAR) rx="4" />
                {cut_left.then(|| view! {
                    <path class="tl-open" d=format!("M{} {} l-8 {} l8 {} z", n(x1 + 1.0), n(y), n(BAR / 2.0), n(BAR / 2.0)) />
                })}
                {cut_right.then(|| view! {
                    <path class="tl-open" d=format!("M{} {} l8 {} l-8 {} z", n(x2 - 1.0), n(y), n(BAR / 2.0), n(BAR / 2.0)) />
                })}
            }
            .into_any()
        }
        TimelineItem::Edge { at, gain, .. } => {
            let x = x_of(at, from, to);
            let (class, d) = if *gain {
                (
                    "tl-edge gain",
                    format!("M{} {} l6 10 h-12 z", n(x), n(mid - 6.0)),
                )
            } else {
                (
                    "tl-edge loss",
                    format!("M{} {} l6 -10 h-12 z", n(x), n(mid + 6.0)),
                )
            };
            view! {
                <line class=class x1=n(x) x2=n(x) y1=n(mid - 10.0) y2=n(mid + 10.0) />
                <path class=class d=d />
            }
            .into_any()
        }
    };
    view! {
        <g
            class="tl-item"
            tabindex="0"
            aria-label=label
            on:focus=move |_| pick()
            on:click=move |_| pick_on_click()
        >
            <title>{detail}</title>
            {shape}
        </g>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::{LABEL, RIGHT, WIDTH, bar_extent, truncate, x_of};
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn times_map_onto_the_plot_area_and_clamp() {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let to = from + Duration::days(10);
        assert!((x_of(&from, &from, &to) - LABEL).abs() < 1e-9);
        assert!((x_of(&to, &from, &to) - (WIDTH - RIGHT)).abs() < 1e-9);
        let mid = x_of(&(from + Duration::days(5)), &from, &to);
        assert!((mid - (LABEL + (WIDTH - LABEL - RIGHT) / 2.0)).abs() < 1e-9);
        assert!((x_of(&(from - Duration::days(3)), &from, &to) - LABEL).abs() < 1e-9);
    }

    #[test]
    fn open_and_outside_windows() {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let to = from + Duration::days(10);
        let (x1, x2, left, right) =
            bar_extent(None, None, &from, &to).expect("an open window is drawn");
        assert!((x1 - LABEL).abs() < 1e-9 && (x2 - (WIDTH - RIGHT)).abs() < 1e-9);
        assert!(left && right);
        let inside = (from + Duration::days(2), from + Duration::days(4));
        let (_, _, left, right) = bar_extent(Some(&inside.0), Some(&inside.1), &from, &to)
            .expect("a window inside is drawn");
        assert!(!left && !right);
        let past = from - Duration::days(1);
        assert_eq!(bar_extent(None, Some(&past), &from, &to), None);
        let later = to + Duration::days(1);
        assert_eq!(bar_extent(Some(&later), None, &from, &to), None);
    }

    #[test]
    fn long_labels_are_shortened() {
        assert_eq!(truncate("Movies", 22), "Movies");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
    }
}
