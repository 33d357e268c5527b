//! The session, in one place: who is signed in (read from `GET /api/v1/me` at start), what happens
//! when the session ends, a password change is due or two-factor sign-in must be set up (told by
//! `api.rs`, whichever page made the call), and the guard every signed-in page sits behind.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::location::Location;
use plexward_shared::{AccountResponse, Permission, Role};

use crate::api::{self, SessionEvent};

/// The page where a session sets up the two-factor sign-in its role requires.
pub const SET_UP_TWO_FACTOR: &str = "/set-up-two-factor";

/// What the account must do before anything else, as the page that does it: a password change
/// first (the server asks for it first too), then setting up two-factor sign-in.
pub fn first_step(account: &AccountResponse) -> Option<&'static str> {
    if account.must_change_password {
        Some("/change-password")
    } else if account.mfa_enrolment_required {
        Some(SET_UP_TWO_FACTOR)
    } else {
        None
    }
}

/// Where the session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Asking the server who we are.
    Checking,
    SignedOut,
    SignedIn(AccountResponse),
}

/// The session, provided at the app's root; get it with [`use_session`].
#[derive(Debug, Clone, Copy)]
pub struct Session {
    state: RwSignal<SessionState>,
    /// A message for the sign-in page, e.g. why the user was signed out.
    notice: RwSignal<Option<String>>,
    /// Signed out on purpose: go to the sign-in page without a way back.
    left: RwSignal<bool>,
}

impl Session {
    /// The current state (tracked).
    pub fn state(&self) -> SessionState {
        self.state.get()
    }

    /// The signed-in account (tracked).
    pub fn account(&self) -> Option<AccountResponse> {
        self.state.with(|s| match s {
            SessionState::SignedIn(account) => Some(account.clone()),
            _ => None,
        })
    }

    /// The signed-in account's role (tracked).
    pub fn role(&self) -> Option<Role> {
        self.state.with(|s| match s {
            SessionState::SignedIn(account) => Some(account.role),
            _ => None,
        })
    }

    /// Whether the signed-in account may use `permission` (tracked). The server decides; this
    /// only hides what would be refused.
    pub fn allows(&self, permission: Permission) -> bool {
        self.role().is_some_and(|role| role.allows(permission))
    }

    /// Whether a password change must come first (tracked).
    pub fn must_change_password(&self) -> bool {
        self.state
            .with(|s| matches!(s, SessionState::SignedIn(a) if a.must_change_password))
    }

    /// Whether two-factor sign-in must be set up before anything else (tracked).
    pub fn mfa_enrolment_required(&self) -> bool {
        self.state
            .with(|s| matches!(s, SessionState::SignedIn(a) if a.mfa_enrolment_required))
    }

    /// Whether the account has something to do before anything else (tracked).
    pub fn first_step_due(&self) -> bool {
        self.state
            .with(|s| matches!(s, SessionState::SignedIn(a) if first_step(a).is_some()))
    }

    /// The notice for the sign-in page (tracked).
    pub fn notice(&self) -> Option<String> {
        self.notice.get()
    }

    pub fn signed_in(&self, account: AccountResponse) {
        self.notice.set(None);
        self.left.set(false);
        self.state.set(SessionState::SignedIn(account));
    }

    pub fn signed_out(&self, notice: Option<String>) {
        self.notice.set(notice);
        self.state.set(SessionState::SignedOut);
    }

    /// The user signed out.
    pub fn left(&self) {
        self.left_saying("You have signed out.");
    }

    /// The user signed out, with `notice` on the sign-in page (e.g. ending this session).
    pub fn left_saying(&self, notice: &str) {
        self.left.set(true);
        self.signed_out(Some(notice.to_owned()));
    }

    /// The password was changed: the account no longer has to.
    pub fn password_changed(&self) {
        self.state.update(|s| {
            if let SessionState::SignedIn(account) = s {
                account.must_change_password = false;
            }
        });
    }

    /// Two-factor sign-in is on: the session may go on (the server has let it already).
    pub fn mfa_set_up(&self) {
        self.state.update(|s| {
            if let SessionState::SignedIn(account) = s {
                account.mfa_enabled = true;
                account.mfa_enrolment_required = false;
            }
        });
    }
}

/// The session of the app.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Provides the [`Session`], asks the server who is signed in, and listens to what `api.rs`
/// learns about the session. Must sit inside the `<Router>`.
#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let session = Session {
        state: RwSignal::new(SessionState::Checking),
        notice: RwSignal::new(None),
        left: RwSignal::new(false),
    };
    provide_context(session);
    api::on_session_event(move |event| match event {
        SessionEvent::Refreshed(account) => {
            // Only while signed in: a refresh never signs anybody in behind the user's back.
            let signed_in = session
                .state
                .try_with_untracked(|s| matches!(s, SessionState::SignedIn(_)))
                .unwrap_or(false);
            if signed_in {
                session.state.try_set(SessionState::SignedIn(account));
            }
        }
        SessionEvent::Expired => {
            let was_signed_in = session
                .state
                .try_with_untracked(|s| matches!(s, SessionState::SignedIn(_)))
                .unwrap_or(false);
            if was_signed_in {
                session.signed_out(Some("Your session has ended. Please sign in again.".into()));
            } else {
                session.state.try_set(SessionState::SignedOut);
            }
        }
        SessionEvent::PasswordChangeRequired => {
            session.state.try_update(|s| {
                if let SessionState::SignedIn(account) = s {
                    account.must_change_password = true;
                }
            });
        }
        SessionEvent::MfaEnrolmentRequired => {
            session.state.try_update(|s| {
                if let SessionState::SignedIn(account) = s {
                    account.mfa_enrolment_required = true;
                }
            });
        }
    });
    spawn_local(async move {
        match api::me().await {
            Ok(account) => session.signed_in(account),
            Err(e) if e.status == 401 => session.signed_out(None),
            Err(e) => session.signed_out(Some(e.message)),
        }
    });
    children()
}

/// The current path and query, to come back to after signing in.
pub fn current_path(location: &Location) -> String {
    let path = location.pathname.get_untracked();
    // The router adds its base again when it goes there.
    let base = api::base_path();
    let path = match path.strip_prefix(&base) {
        Some(inner) if !base.is_empty() => {
            if inner.is_empty() {
                "/".to_owned()
            } else {
                inner.to_owned()
            }
        }
        _ => path,
    };
    let search = location.search.get_untracked();
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// `page?next=<path>`, with the path encoded.
pub fn with_next(page: &str, next: &str) -> String {
    if next == "/" || next.is_empty() {
        page.to_owned()
    } else {
        format!(
            "{page}?next={}",
            String::from(js_sys::encode_uri_component(next))
        )
    }
}

/// Where to go after signing in: only a path on this site (never `//other.host` or a full URL),
/// and never back to the sign-in, password or two-factor setup pages.
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && !next.starts_with("/login")
                && !next.starts_with("/change-password")
                && !next.starts_with(SET_UP_TWO_FACTOR) =>
        {
            next
        }
        _ => "/".to_owned(),
    }
}

/// What the guard lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Waiting,
    Open,
    Forbidden,
}

/// Shows `children` only to a signed-in account (holding `permission`, if given). Signed-out
/// users go to the sign-in page (and come back here afterwards); accounts that must change their
/// password or set up two-factor sign-in go to that page first (see [`first_step`]); a role
/// without the permission sees a refusal, never the page.
#[component]
pub fn Protected(
    #[prop(optional)] permission: Option<Permission>,
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let target = match session.state() {
            SessionState::SignedOut if session.left.get_untracked() => Some("/login".to_owned()),
            SessionState::SignedOut => Some(with_next("/login", &current_path(&location))),
            SessionState::SignedIn(account) => {
                first_step(&account).map(|page| with_next(page, &current_path(&location)))
            }
            SessionState::Checking => None,
        };
        if let Some(target) = target {
            navigate(
                &target,
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    });
    let gate = Memo::new(move |_| match session.state() {
        SessionState::SignedIn(account) if first_step(&account).is_none() => match permission {
            Some(p) if !account.role.allows(p) => Gate::Forbidden,
            _ => Gate::Open,
        },
        _ => Gate::Waiting,
    });
    move || match gate.get() {
        Gate::Waiting => view! { <p class="muted" aria-live="polite">"Loading…"</p> }.into_any(),
        Gate::Forbidden => view! { <Forbidden /> }.into_any(),
        Gate::Open => children(),
    }
}

/// What a role sees on a page it may not use.
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <section class="card glass" data-testid="forbidden">
            <h1>"Not available"</h1>
            <p class="muted">"Your role does not give access to this page."</p>
            <A href=api::href("/")>"Back to the dashboard"</A>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/accounts?x=1".into())), "/accounts?x=1");
        assert_eq!(safe_next(Some("//evil.example/".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example/".into())), "/");
        assert_eq!(safe_next(Some("/login?next=/".into())), "/");
        assert_eq!(safe_next(Some("/set-up-two-factor".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
