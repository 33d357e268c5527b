//! Resend and Cancel for a pending invite, wherever invites are listed (the Invites page, the
//! banner on a friend's page): the buttons of one invite, and — once per page — the "cancel this
//! invite?" dialog and the report of what happened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use plexward_shared::{InviteResponse, InviteState};

use crate::api::{self, ApiError};
use crate::components::dialog::ConfirmDialog;

/// What the last resend or cancel did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done(String),
    Failed(String),
}

/// The page's invite actions: which invite the cancel dialog asks about, what happened last,
/// and who hears when an invite changed (to reload).
#[derive(Debug, Clone, Copy)]
pub struct InviteActions {
    cancelling: RwSignal<Option<InviteResponse>>,
    confirm_open: RwSignal<bool>,
    /// The invite a call is under way for.
    busy: RwSignal<Option<i64>>,
    outcome: RwSignal<Option<Outcome>>,
    on_changed: Callback<()>,
}

impl InviteActions {
    /// `on_changed`: an invite was resent or cancelled (or found not pending any more).
    pub fn new(on_changed: Callback<()>) -> Self {
        Self {
            cancelling: RwSignal::new(None),
            confirm_open: RwSignal::new(false),
            busy: RwSignal::new(None),
            outcome: RwSignal::new(None),
            on_changed,
        }
    }

    fn failed(self, e: &ApiError) {
        self.outcome
            .try_set(Some(Outcome::Failed(e.message.clone())));
        // Not pending any more (accepted or expired meanwhile): show it as it is now.
        if e.code == "invite_not_pending" {
            self.on_changed.run(());
        }
    }

    fn resend(self, invite: InviteResponse) {
        self.outcome.set(None);
        self.busy.set(Some(invite.id));
        spawn_local(async move {
            match api::resend_invite(invite.id).await {
                Ok(now) => {
                    self.outcome.try_set(Some(Outcome::Done(format!(
                        "The invite to {} was sent again.",
                        now.identifier
                    ))));
                    self.on_changed.run(());
                }
                Err(e) => self.failed(&e),
            }
            self.busy.try_set(None);
        });
    }

    fn ask_cancel(self, invite: InviteResponse) {
        self.outcome.set(None);
        self.cancelling.set(Some(invite));
        self.confirm_open.set(true);
    }

    fn cancel(self) {
        let Some(invite) = self.cancelling.get_untracked() else {
            return;
        };
        self.busy.set(Some(invite.id));
        spawn_local(async move {
            match api::cancel_invite(invite.id).await {
                Ok(now) => {
                    self.outcome.try_set(Some(Outcome::Done(format!(
                        "The invite to {} was cancelled and withdrawn on Plex.",
                        now.identifier
                    ))));
                    self.on_changed.run(());
                }
                Err(e) => self.failed(&e),
            }
            self.busy.try_set(None);
        });
    }
}

/// Resend and Cancel for one invite: only while it is pending.
#[component]
pub fn InviteButtons(invite: InviteResponse, actions: InviteActions) -> impl IntoView {
    if invite.state != InviteState::Pending {
        return ().into_any();
    }
    let id = invite.id;
    let busy = move || actions.busy.get() == Some(id);
    let for_cancel = invite.clone();
    let who = invite.identifier.clone();
    view! {
        <button
            type="button"
            class="btn ghost small"
            data-testid=format!("invite-resend-{id}")
            aria-label=format!("Resend the invite to {who}")
            disabled=busy
            on:click=move |_| actions.resend(invite.clone())
        >
            "Resend"
        </button>
        <button
            type="button"
            class="btn danger small"
            data-testid=format!("invite-cancel-{id}")
            aria-label=format!("Cancel the invite to {who}")
            disabled=busy
            on:click=move |_| actions.ask_cancel(for_cancel.clone())
        >
            "Cancel"
        </button>
    }
    .into_any()
}

/// The cancel dialog (once per page).
#[component]
pub fn InviteCancelDialog(actions: InviteActions) -> impl IntoView {
    view! {
        <ConfirmDialog
            id="cancel-invite"
            open=actions.confirm_open
            title=Signal::derive(move || {
                actions
                    .cancelling
                    .with(|i| i.as_ref().map(|i| format!("Cancel the invite to {}?", i.identifier)))
                    .unwrap_or_default()
            })
            message="Plexward withdraws it on Plex: the link in their email stops working. You can send a new invite later."
            confirm_label="Cancel the invite"
            on_confirm=Callback::new(move |()| actions.cancel())
            confirm_testid="invite-cancel-confirm"
        />
    }
}

/// What the last resend or cancel did.
#[component]
pub fn InviteOutcome(actions: InviteActions) -> impl IntoView {
    move || {
        actions.outcome.get().map(|o| match o {
            Outcome::Done(text) => view! {
                <p class="alert success" role="status" data-testid="invite-action-done">{text}</p>
            }
            .into_any(),
            Outcome::Failed(text) => view! {
                <p class="alert error" role="alert" data-testid="invite-action-error">{text}</p>
            }
            .into_any(),
        })
    }
}
