//! Settings → Backups (admins): the backups in `data/backups/` (made on a schedule, by hand, and
//! before each restore), each downloadable, deletable and restorable; "Back up now" follows its
//! job; a backup file from elsewhere can be restored too. A restore is checked by the server
//! first (its 422 is shown as it says), then Plexward restarts with it and this page follows it
//! back and reloads: the restored accounts and sessions are the backup's.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{BackupResponse, BackupTrigger, JobState, Progress, RestoreResponse};

use crate::api::{self, ApiError};
use crate::components::dialog::ConfirmDialog;
use crate::components::job_progress::JobProgress;
use crate::components::restart_server::comes_back;
use crate::format::{local_time, size_words};
use crate::jobs;

fn trigger_words(trigger: BackupTrigger) -> &'static str {
    match trigger {
        BackupTrigger::Manual => "by hand",
        BackupTrigger::Scheduled => "scheduled",
        BackupTrigger::BeforeRestore => "before a restore",
    }
}

fn made_at(backup: &BackupResponse) -> String {
    chrono::DateTime::parse_from_rfc3339(&backup.created_at)
        .map(|at| local_time(&at.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| backup.created_at.clone())
}

/// What the card is doing.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    BackingUp(Progress),
    /// The restore was accepted; Plexward is restarting with it.
    Restoring(RestoreResponse),
    /// It did not answer again before the deadline.
    Lost(String),
}

/// The reason a refused request gives: the `backup` field's, else the message.
fn reason(e: ApiError) -> String {
    e.field("backup").unwrap_or(e.message)
}

#[component]
pub fn Backups() -> impl IntoView {
    let backups = LocalResource::new(api::backups);
    let phase = RwSignal::new(Phase::Idle);
    let notice = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let restore_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);
    // The backup a dialog is about (`None` in `restore_open`: the chosen file).
    let chosen = RwSignal::new(None::<BackupResponse>);
    let file_input = NodeRef::<html::Input>::new();
    let busy = move || !matches!(phase.get(), Phase::Idle | Phase::Lost(_));

    let back_up = move |_| {
        if busy() {
            return;
        }
        notice.set(None);
        failure.set(None);
        phase.set(Phase::BackingUp(Progress { done: 0, total: 0 }));
        spawn_local(async move {
            let started = match api::create_backup().await {
                Ok(started) => started,
                Err(e) => {
                    failure.try_set(Some(e.message));
                    phase.try_set(Phase::Idle);
                    return;
                }
            };
            let ended = jobs::follow(&started.job_id, |p| {
                phase.try_set(Phase::BackingUp(p)).is_none()
            })
            .await;
            match ended {
                Some(Ok(job)) if job.state == JobState::Succeeded => {
                    let name = job
                        .result
                        .as_ref()
                        .and_then(|r| r["backup"]["name"].as_str())
                        .unwrap_or_default()
                        .to_owned();
                    notice.try_set(Some(format!("Backup made: {name}")));
                }
                Some(Ok(job)) => {
                    failure.try_set(Some(format!(
                        "The backup failed: {}",
                        job.error.unwrap_or_default()
                    )));
                }
                Some(Err(e)) => {
                    failure.try_set(Some(e.message));
                }
                None => return,
            }
            phase.try_set(Phase::Idle);
            backups.refetch();
        });
    };

    let restore = move |()| {
        if busy() {
            return;
        }
        notice.set(None);
        failure.set(None);
        let of = chosen.get_untracked();
        let file = file_input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        if of.is_none() && file.is_none() {
            failure.set(Some("Choose a backup file first.".into()));
            return;
        }
        phase.set(Phase::Restoring(RestoreResponse {
            backup: of.clone().unwrap_or_else(|| BackupResponse {
                name: file.as_ref().map(web_sys::File::name).unwrap_or_default(),
                size_bytes: 0,
                created_at: String::new(),
                trigger: BackupTrigger::Manual,
                app_version: String::new(),
                schema_version: String::new(),
            }),
            url: String::new(),
            kept_aside: String::new(),
        }));
        spawn_local(async move {
            let asked_at = js_sys::Date::now();
            let answer = match (&of, &file) {
                (Some(backup), _) => api::restore_backup(&backup.name).await,
                (None, Some(file)) => api::restore_upload(file).await,
                (None, None) => return,
            };
            let answer = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    failure.try_set(Some(format!("Not restored: {}", reason(e))));
                    phase.try_set(Phase::Idle);
                    return;
                }
            };
            phase.try_set(Phase::Restoring(answer));
            let Some(window) = web_sys::window() else {
                return;
            };
            let origin = window.location().origin().unwrap_or_default();
            if comes_back(&origin, true, asked_at).await {
                // The restored database has its own accounts and sessions: start afresh.
                let _ = window.location().reload();
            } else {
                phase.try_set(Phase::Lost(origin));
            }
        });
    };

    let delete = move |()| {
        let Some(backup) = chosen.get_untracked() else {
            return;
        };
        notice.set(None);
        failure.set(None);
        spawn_local(async move {
            match api::delete_backup(&backup.name).await {
                Ok(()) => {
                    notice.try_set(Some(format!("Deleted {}", backup.name)));
                }
                Err(e) => {
                    failure.try_set(Some(e.message));
                }
            }
            backups.refetch();
        });
    };

    let restore_message = Signal::derive(move || {
        let what = chosen.with(|c| {
            c.as_ref().map_or_else(
                || "the chosen file".to_owned(),
                |b| {
                    format!(
                        "the backup made {} ({})",
                        made_at(b),
                        trigger_words(b.trigger)
                    )
                },
            )
        });
        format!(
            "Plexward checks {what}, keeps a backup of everything as it is now, and restarts with \
             the backup's friends, grants, settings, accounts and sign-ins. Changes made since \
             that backup are undone (the kept backup has them). You may have to sign in again."
        )
    });
    let delete_message = Signal::derive(move || {
        chosen.with(|c| {
            c.as_ref()
                .map(|b| {
                    format!(
                        "Delete the backup made {}? This cannot be undone.",
                        made_at(b)
                    )
                })
                .unwrap_or_default()
        })
    });

    view! {
        <section class="card glass" aria-labelledby="backups-title" data-testid="backups">
            <div class="card-head">
                <h2 id="backups-title">"Backups"</h2>
                <button type="button" class="btn" disabled=busy on:click=back_up>
                    "Back up now"
                </button>
            </div>
            <p class="hint">
                "Each backup is one file holding the database and the key files, including "
                <code>"secret.key"</code>
                ", which opens the saved Plex token: keep downloads as safe as the data directory. \
                 Backups are also made on a schedule (every 24 hours unless "
                <code>"backup_interval_hours"</code> " says otherwise) and the newest "
                <code>"backups_keep"</code> " are kept."
            </p>
            <div aria-live="polite">
                {move || match phase.get() {
                    Phase::BackingUp(progress) => view! {
                        <JobProgress progress label="Backing up…" bar_label="Backup progress" testid="backup-progress" />
                    }.into_any(),
                    Phase::Restoring(answer) => view! {
                        <p class="alert info" role="status" data-testid="restore-status">
                            {if answer.url.is_empty() {
                                format!("Checking {}…", answer.backup.name)
                            } else {
                                format!(
                                    "Restoring {}: Plexward is restarting with it. This page reloads \
                                     when it answers again. Everything as it was is kept in {}.",
                                    answer.backup.name, answer.kept_aside
                                )
                            }}
                        </p>
                    }.into_any(),
                    Phase::Lost(origin) => view! {
                        <p class="alert error" role="alert">
                            "Plexward did not answer again within a minute; check its log, then open "
                            <a href=origin.clone()>{origin.clone()}</a>
                        </p>
                    }.into_any(),
                    Phase::Idle => ().into_any(),
                }}
                {move || notice.get().map(|n| view! { <p class="alert success" role="status">{n}</p> })}
                {move || failure.get().map(|f| view! { <p class="alert error" role="alert" data-testid="backup-error">{f}</p> })}
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match backups.await {
                        Ok(list) if list.items.is_empty() => view! {
                            <p class="muted" data-testid="no-backups">"No backups yet."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="data" data-testid="backup-list">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Made"</th>
                                            <th scope="col">"Why"</th>
                                            <th scope="col">"Size"</th>
                                            <th scope="col">"Version"</th>
                                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.items.into_iter().map(|backup| {
                                            let (for_restore, for_delete) = (backup.clone(), backup.clone());
                                            let name = backup.name.clone();
                                            view! {
                                                <tr data-testid="backup-row" data-name=backup.name.clone()>
                                                    <th scope="row" title=backup.name.clone()>{made_at(&backup)}</th>
                                                    <td>{trigger_words(backup.trigger)}</td>
                                                    <td>{size_words(backup.size_bytes)}</td>
                                                    <td>{backup.app_version.clone()}</td>
                                                    <td class="actions">
                                                        <button type="button" class="btn ghost small"
                                                            on:click=move |_| {
                                                                let url = api::backup_url(&name);
                                                                spawn_local(async move {
                                                                    if let Err(e) = api::download(&url).await {
                                                                        failure.try_set(Some(e.message));
                                                                    }
                                                                });
                                                            }
                                                        >"Download"</button>
                                                        <button type="button" class="btn ghost small" disabled=busy
                                                            on:click=move |_| {
                                                                chosen.set(Some(for_restore.clone()));
                                                                restore_open.set(true);
                                                            }
                                                        >"Restore…"</button>
                                                        <button type="button" class="btn ghost small danger" disabled=busy
                                                            on:click=move |_| {
                                                                chosen.set(Some(for_delete.clone()));
                                                                delete_open.set(true);
                                                            }
                                                        >"Delete"</button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <div class="form-row restore-file">
                <label for="restore-file">"Restore from a backup file"</label>
                <input id="restore-file" type="file" accept=".tar.gz,.tgz,application/gzip" node_ref=file_input />
                <button type="button" class="btn ghost" disabled=busy
                    on:click=move |_| {
                        chosen.set(None);
                        restore_open.set(true);
                    }
                >"Restore file…"</button>
            </div>
        </section>
        <ConfirmDialog
            id="restore-dialog"
            open=restore_open
            title="Restore this backup?"
            message=restore_message
            confirm_label="Restore"
            on_confirm=Callback::new(restore)
        />
        <ConfirmDialog
            id="delete-backup-dialog"
            open=delete_open
            title="Delete this backup?"
            message=delete_message
            confirm_label="Delete"
            on_confirm=Callback::new(delete)
        />
    }
}
