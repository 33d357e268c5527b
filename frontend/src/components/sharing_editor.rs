//! A friend's sharing settings: downloads, Live TV, camera upload, and content restrictions per
//! kind of library, with the same two-step save as the libraries (preview → confirm). Without
//! the owner's Plex Pass the restrictions are shown as unavailable before anyone tries.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{
    ChangeResponse, PlexUserDetailResponse, Restriction, Restrictions, SetSharingRequest, Sharing,
};

use crate::api;
use crate::components::stale_dialog::{Stale, StaleDialog, stale_words};
use crate::time_zone::Zone;

/// The text fields of one kind's restriction (comma-separated values).
#[derive(Debug, Clone, Copy)]
struct Fields {
    allow_ratings: RwSignal<String>,
    deny_ratings: RwSignal<String>,
    allow_labels: RwSignal<String>,
    deny_labels: RwSignal<String>,
}

impl Fields {
    fn new(r: &Restriction) -> Self {
        Self {
            allow_ratings: RwSignal::new(r.allow_ratings.join(", ")),
            deny_ratings: RwSignal::new(r.deny_ratings.join(", ")),
            allow_labels: RwSignal::new(r.allow_labels.join(", ")),
            deny_labels: RwSignal::new(r.deny_labels.join(", ")),
        }
    }

    fn read(&self) -> Restriction {
        Restriction {
            allow_ratings: parse_list(&self.allow_ratings.get_untracked()),
            deny_ratings: parse_list(&self.deny_ratings.get_untracked()),
            allow_labels: parse_list(&self.allow_labels.get_untracked()),
            deny_labels: parse_list(&self.deny_labels.get_untracked()),
        }
    }
}

/// `"PG, G,,R "` → `["PG", "G", "R"]`.
pub fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The settings in words, for the preview and the read-only view.
pub fn sharing_words(s: &Sharing) -> String {
    let on_off = |on: bool| if on { "on" } else { "off" };
    let mut parts = vec![
        format!("downloads {}", on_off(s.allow_downloads)),
        format!("Live TV {}", on_off(s.allow_live_tv)),
        format!("camera upload {}", on_off(s.allow_camera_upload)),
    ];
    for (kind, r) in [
        ("movies", &s.restrictions.movies),
        ("TV", &s.restrictions.television),
        ("music", &s.restrictions.music),
    ] {
        let rules: Vec<String> = [
            ("only rated", &r.allow_ratings),
            ("never rated", &r.deny_ratings),
            ("only labelled", &r.allow_labels),
            ("never labelled", &r.deny_labels),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(what, v)| format!("{what} {}", v.join(", ")))
        .collect();
        if !rules.is_empty() {
            parts.push(format!("{kind}: {}", rules.join("; ")));
        }
    }
    parts.join(", ")
}

#[derive(Debug, Clone)]
enum Stage {
    Editing,
    Busy(&'static str),
    Preview(Box<(ChangeResponse, SetSharingRequest)>),
}

/// The editable settings: one signal per field, read back into [`Sharing`] on demand.
#[derive(Debug, Clone, Copy)]
pub struct SharingForm {
    downloads: RwSignal<bool>,
    live_tv: RwSignal<bool>,
    camera: RwSignal<bool>,
    kinds: [(&'static str, &'static str, Fields); 3],
}

impl SharingForm {
    pub fn new(current: &Sharing) -> Self {
        Self {
            downloads: RwSignal::new(current.allow_downloads),
            live_tv: RwSignal::new(current.allow_live_tv),
            camera: RwSignal::new(current.allow_camera_upload),
            kinds: [
                (
                    "movies",
                    "Movies",
                    Fields::new(&current.restrictions.movies),
                ),
                (
                    "television",
                    "TV",
                    Fields::new(&current.restrictions.television),
                ),
                ("music", "Music", Fields::new(&current.restrictions.music)),
            ],
        }
    }

    pub fn read(&self) -> Sharing {
        Sharing {
            allow_downloads: self.downloads.get_untracked(),
            allow_live_tv: self.live_tv.get_untracked(),
            allow_camera_upload: self.camera.get_untracked(),
            restrictions: Restrictions {
                movies: self.kinds[0].2.read(),
                television: self.kinds[1].2.read(),
                music: self.kinds[2].2.read(),
            },
        }
    }
}

/// The inputs of a [`SharingForm`]; element ids and test ids start with `prefix` (`sharing`,
/// `bulk-sharing`). Without Plex Pass the restriction inputs are disabled, with the reason.
#[component]
pub fn SharingFields(
    form: SharingForm,
    prefix: &'static str,
    #[prop(into)] editable: Signal<bool>,
    no_pass: bool,
    /// Fold the restrictions away under a "Content restrictions" summary (in a dialog).
    #[prop(optional)]
    folded: bool,
) -> impl IntoView {
    let restriction_inputs = form
        .kinds
        .into_iter()
        .map(|(key, label, fields)| {
            let input = move |what: &'static str, hint: &'static str, value: RwSignal<String>| {
                let id = format!("{prefix}-{key}-{what}");
                view! {
                    <label for=id.clone()>{hint}</label>
                    <input
                        id=id.clone()
                        data-testid=id
                        type="text"
                        placeholder="e.g. PG, PG-13"
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                        disabled=move || !editable.get() || no_pass
                    />
                }
            };
            view! {
                <fieldset class="restriction">
                    <legend>{label}</legend>
                    {input("allow-ratings", "Only these ratings", fields.allow_ratings)}
                    {input("deny-ratings", "Never these ratings", fields.deny_ratings)}
                    {input("allow-labels", "Only these labels", fields.allow_labels)}
                    {input("deny-labels", "Never these labels", fields.deny_labels)}
                </fieldset>
            }
        })
        .collect_view();
    let check = move |what: &'static str, label: &'static str, value: RwSignal<bool>| {
        let id = format!("{prefix}-{what}");
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    id=id.clone()
                    data-testid=id
                    prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))
                    disabled=move || !editable.get()
                />
                {label}
            </label>
        }
    };
    view! {
        <div class="form-grid">
            {check("downloads", "Downloads", form.downloads)}
            {check("live-tv", "Live TV and DVR", form.live_tv)}
            {check("camera-upload", "Camera upload", form.camera)}
        </div>
        {no_pass.then(|| view! {
            <p class="alert info" role="note" data-testid=format!("{prefix}-no-plex-pass")>
                "Content restrictions need the server owner's Plex Pass, which this Plex account does not have."
            </p>
        })}
        {if folded {
            view! {
                <details class="restrictions-fold">
                    <summary>"Content restrictions"</summary>
                    <div class="restrictions">{restriction_inputs}</div>
                </details>
            }
                .into_any()
        } else {
            view! { <div class="restrictions">{restriction_inputs}</div> }.into_any()
        }}
    }
}

#[component]
pub fn SharingEditor(
    friend: PlexUserDetailResponse,
    /// The owner's Plex Pass, as the last sync found it (`None`: not known).
    plex_pass: Option<bool>,
    can_edit: bool,
    on_saved: Callback<ChangeResponse>,
    /// Shows the friend as they are now (after "keep theirs").
    on_reload: Callback<()>,
    /// A library's title, for what someone else changed meanwhile.
    title: Callback<i64, String>,
    zone: Zone,
) -> impl IntoView {
    let id = friend.user.id;
    let version = RwSignal::new(friend.version);
    let stale = RwSignal::new(None::<Stale>);
    let pending = StoredValue::new(None::<(SetSharingRequest, bool)>);
    let read_as = StoredValue::new(friend.clone());
    let zone = StoredValue::new(zone);
    let current = friend.sharing.clone().unwrap_or_default();
    let managed = friend.sharing_managed;
    let form = SharingForm::new(&current);
    let stage = RwSignal::new(Stage::Editing);
    let error = RwSignal::new(None::<String>);
    let no_pass = plex_pass == Some(false);
    let editable = move || can_edit && matches!(stage.get(), Stage::Editing);

    let send = move |request: SetSharingRequest, dry_run: bool| {
        error.set(None);
        stage.set(Stage::Busy(if dry_run {
            "Checking what would change…"
        } else {
            "Saving and applying on Plex…"
        }));
        let at = version.get_untracked();
        spawn_local(async move {
            match api::set_sharing(id, &request, dry_run, at).await {
                Ok(answer) if dry_run => {
                    stage.try_set(Stage::Preview(Box::new((answer, request))));
                }
                Ok(answer) => {
                    stage.try_set(Stage::Editing);
                    on_saved.run(answer);
                }
                Err(e) if e.stale().is_some() => {
                    let Some(now) = e.stale() else { return };
                    let words = read_as.with_value(|before| {
                        zone.with_value(|zone| {
                            stale_words(before, &now, e.changed_by(), &|id| title.run(id), &|t| {
                                zone.format(t)
                            })
                        })
                    });
                    pending.set_value(Some((request, dry_run)));
                    stale.try_set(Some(Stale {
                        words,
                        version: now.version,
                    }));
                    stage.try_set(Stage::Editing);
                }
                Err(e) => {
                    let detail = e
                        .fields
                        .iter()
                        .map(|(f, why)| format!("{f}: {why}"))
                        .collect::<Vec<_>>()
                        .join("; ");
                    error.try_set(Some(if detail.is_empty() {
                        e.message
                    } else {
                        format!("{} ({detail})", e.message)
                    }));
                    stage.try_set(Stage::Editing);
                }
            }
        });
    };
    let preview = move |_| {
        send(
            SetSharingRequest {
                sharing: Some(form.read()),
                dry_run: None,
            },
            true,
        );
    };
    let stop = move |_| {
        send(
            SetSharingRequest {
                sharing: None,
                dry_run: None,
            },
            true,
        );
    };
    let confirm = move |_| {
        if let Stage::Preview(preview) = stage.get_untracked() {
            send(preview.1, false);
        }
    };
    // Again, on the friend as they are now: these settings replace theirs.
    let on_top = Callback::new(move |now: i64| {
        version.set(now);
        if let Some((request, dry_run)) = pending.get_value() {
            send(request, dry_run);
        }
    });
    let keep_theirs = Callback::new(move |()| on_reload.run(()));
    view! {
        <StaleDialog id="sharing-stale" stale on_top keep_theirs />
        <section class="card glass" aria-labelledby="sharing-title" data-testid="sharing-editor">
            <div class="card-head">
                <h2 id="sharing-title">"Sharing settings"</h2>
                <span class="muted" data-testid="sharing-managed">
                    {if managed { "Managed by Plexward" } else { "As set on Plex (not managed)" }}
                </span>
            </div>
            <p class="hint">
                "Saved settings are sent with the friend's libraries, in one change on Plex, and kept: a change made on Plex directly shows as drift."
            </p>
            <SharingFields form prefix="sharing" editable=Signal::derive(editable) no_pass />
            {move || error.get().map(|e| view! {
                <p class="alert error" role="alert" data-testid="sharing-error">{e}</p>
            })}
            {move || match stage.get() {
                Stage::Busy(what) => view! { <p class="muted" role="status">{what}</p> }.into_any(),
                Stage::Preview(preview) => {
                    let (answer, request) = &*preview;
                    let words = match (&answer.plan.sharing, &request.sharing) {
                        (Some(s), _) => format!("Plex will be told: {}.", sharing_words(s)),
                        (None, None) => "Plexward stops managing these settings; Plex keeps its own.".to_owned(),
                        (None, Some(_)) => "Plex already has these settings (or there is no share yet: an invite will carry them).".to_owned(),
                    };
                    view! {
                        <div class="alert info plan" role="status" data-testid="sharing-plan">
                            <p>{words}</p>
                        </div>
                    }
                        .into_any()
                }
                Stage::Editing => ().into_any(),
            }}
            <Show when=move || can_edit>
                <div class="actions">
                    {move || match stage.get() {
                        Stage::Preview(_) => view! {
                            <button type="button" class="btn ghost" on:click=move |_| stage.set(Stage::Editing)>
                                "Keep editing"
                            </button>
                            <button type="button" class="btn" data-testid="sharing-confirm" on:click=confirm>
                                "Send settings to Plex"
                            </button>
                        }
                            .into_any(),
                        _ => view! {
                            {managed.then(|| view! {
                                <button type="button" class="btn ghost" on:click=stop>"Stop managing"</button>
                            })}
                            <button type="button" class="btn" data-testid="sharing-save" on:click=preview>
                                "Preview sharing"
                            </button>
                        }
                            .into_any(),
                    }}
                </div>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_comma_separated_and_trimmed() {
        assert_eq!(parse_list(" PG, G,,R "), ["PG", "G", "R"]);
        assert!(parse_list("  ").is_empty());
    }

    #[test]
    fn settings_read_as_words() {
        let mut s = Sharing {
            allow_downloads: true,
            ..Sharing::default()
        };
        s.restrictions.television.allow_ratings = vec!["TV-Y".into()];
        assert_eq!(
            sharing_words(&s),
            "downloads on, Live TV off, camera upload off, TV: only rated TV-Y"
        );
    }
}
