//! Every HTTP call of the SPA, typed over the shared DTOs. Pages never build requests themselves.
//!
//! Signing in sets HttpOnly cookies the SPA never sees; same-origin `fetch` sends them. When a call
//! answers 401 the access token has (probably) expired: [`call`] trades the refresh cookie for a
//! new one once — a single refresh shared by every call waiting on it, because the server rotates
//! the refresh token and refuses a second use — and retries. When that fails, or the server
//! demands a password change, the session listener (see `session.rs`) is told, and it sends the
//! user to the right page.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use gloo_net::http::{Request, RequestBuilder, Response};
use plexward_shared::password::{PasswordCheck, PasswordStrengthRequest};
use plexward_shared::{
    AccessPlanRequest, AccessPlanResponse, AccessRequest, AccountResponse, ApiTokenResponse,
    ApproveRequest, ApproveResponse, AuditEventResponse, AuditQuery, BackupResponse, BulkRequest,
    BulkResponse, ChangePasswordRequest, ChangeResponse, ChangedBy, ChannelRequest,
    ChannelResponse, ChannelTestResponse, CreateAccountRequest, CreateApiTokenRequest,
    CreateInviteRequest, CreateInviteResponse, CreatedApiTokenResponse, DeclineRequest,
    DeliveryQuery, DeliveryResponse, ErrorResponse, ExtendRequest, FriendActivity,
    FriendNotifications, FriendQuery, HealthResponse, HistoryEntry, InactivityApplyRequest,
    InactivityPolicy, InactivityReport, InviteQuery, InviteResponse, JobResponse, JobStarted,
    LibraryResponse, List, LogEntry, LogFile, LogLevel, LogQuery, LoginAnswer, LoginRequest,
    LoginResponse, MfaRequest, MfaStatusResponse, NewAccessRequest, NotificationSettings,
    PasskeyAssertion, PasskeyCeremony, PasskeyMfaOptionsRequest, PasskeyRegisterRequest,
    PasskeyRegisteredResponse, PasskeyRenameRequest, PasskeyResponse, PlexPinStarted,
    PlexPinStatus, PlexSettingsResponse, PlexTestResponse, PlexUserDetailResponse,
    PlexUserResponse, PortalAccessResponse, PortalSettings, PortalSignInStarted,
    PortalSignInStatus, RecoveryCodesResponse, RequestQuery, RestartResponse, RestoreResponse,
    SavedChannelResponse, ScheduleSettings, SchedulerResponse, ServerSettingsResponse,
    SessionResponse, SessionsEndedResponse, SetEndPolicyRequest, SetGrantsRequest,
    SetSharingRequest, SignInSettings, SummaryResponse, TemplatePreviewRequest,
    TemplatePreviewResponse, TemplateRequest, TemplateResponse, TotpConfirmRequest,
    TotpDisableRequest, TotpEnrolmentResponse, UpdateAccountRequest, UpdatePlexSettingsRequest,
    UpdateServerSettingsRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// A failed call, ready to show: the API's own code and message when it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, or 0 when the server could not be reached.
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Per-field reasons of a `validation_failed` answer (field name → why).
    pub fields: BTreeMap<String, String>,
    /// Seconds to wait, from a 429's `Retry-After` header.
    pub retry_after: Option<u64>,
    /// A 412's resource as it is now, and the change that won (see [`ApiError::stale`]).
    pub conflict: Option<Box<Conflict>>,
}

/// What a 412 `precondition_failed` says about the change that won.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub current: Option<Box<serde_json::Value>>,
    pub changed_by: Option<ChangedBy>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    fn network(err: &gloo_net::Error) -> Self {
        Self {
            status: 0,
            code: "network".into(),
            message: format!("Plexward cannot be reached ({err})."),
            fields: BTreeMap::new(),
            retry_after: None,
            conflict: None,
        }
    }

    /// Something that failed in the browser before any request left.
    fn local(message: String) -> Self {
        Self::in_browser("browser", message)
    }

    /// A failure in the browser, with its own `code`.
    fn in_browser(code: &str, message: String) -> Self {
        Self {
            status: 0,
            code: code.into(),
            message,
            fields: BTreeMap::new(),
            retry_after: None,
            conflict: None,
        }
    }

    /// For a 412 `precondition_failed` (someone changed the friend since this page read them):
    /// the friend as they are now.
    pub fn stale(&self) -> Option<PlexUserDetailResponse> {
        let current = self.conflict.as_ref()?.current.as_deref()?;
        serde_json::from_value(current.clone()).ok()
    }

    /// For a 412: the last change made meanwhile, when the server knows it.
    pub fn changed_by(&self) -> Option<&ChangedBy> {
        self.conflict.as_ref()?.changed_by.as_ref()
    }

    async fn from_response(response: Response) -> Self {
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok());
        match response.json::<ErrorResponse>().await {
            Ok(body) => Self {
                status,
                code: body.error.code,
                message: if status == 412 {
                    stale_message(body.error.changed_by.as_ref())
                } else {
                    body.error.message
                },
                fields: body.error.fields.unwrap_or_default(),
                retry_after,
                conflict: (status == 412).then(|| {
                    Box::new(Conflict {
                        current: body.current,
                        changed_by: body.error.changed_by,
                    })
                }),
            },
            Err(_) => Self {
                status,
                code: if status == 401 {
                    "unauthenticated"
                } else {
                    "unexpected_response"
                }
                .into(),
                message: format!("Unexpected answer from Plexward (HTTP {status})."),
                fields: BTreeMap::new(),
                retry_after,
                conflict: None,
            },
        }
    }

    /// The reason given for one field of a validation error.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }
}

/// A 412 in the UI's words: someone else saved first; nothing of this page's change was saved.
fn stale_message(by: Option<&ChangedBy>) -> String {
    let who = by.map_or_else(|| "Someone else".to_owned(), |c| c.actor.clone());
    format!(
        "{who} changed this while you were editing, so your change was not saved. Reload the page \
         to see theirs, then make yours again."
    )
}

/// What the session needs to hear about, whichever page made the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// The session was extended; the server sent the account as it is now (role, flags).
    Refreshed(AccountResponse),
    /// 401 even after a refresh: the session is over.
    Expired,
    /// 403 `password_change_required`: nothing else works until the password is changed.
    PasswordChangeRequired,
    /// 403 `mfa_enrolment_required`: nothing else works until two-factor sign-in is set up.
    MfaEnrolmentRequired,
}

type Listener = Rc<dyn Fn(SessionEvent)>;

thread_local! {
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
    static REFRESH: RefCell<Option<Shared<LocalBoxFuture<'static, bool>>>> = const { RefCell::new(None) };
    /// How many refreshes have renewed the cookies so far. A call remembers it when it sends: a
    /// 401 to a request that left before the latest refresh finished was refused for the old
    /// access token, and only needs to go again — refreshing once more would spend the new
    /// refresh token for nothing.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// Installs the one listener for session events (the session provider at the app's root).
pub fn on_session_event(listener: impl Fn(SessionEvent) + 'static) {
    LISTENER.with(|l| *l.borrow_mut() = Some(Rc::new(listener)));
}

fn notify(event: SessionEvent) {
    if let Some(listener) = LISTENER.with(|l| l.borrow().clone()) {
        listener(event);
    }
}

/// Refreshes the session once, however many calls ask at the same time: they all await the same
/// request. Resolves to whether the session lives on.
async fn refresh_once() -> bool {
    let pending = REFRESH.with(|r| r.borrow().clone());
    let shared = match pending {
        Some(shared) => shared,
        None => {
            let shared = async {
                let answer = refresh().await;
                let renewed = match &answer {
                    Ok(_) => true,
                    // Another tab refreshed at the same moment: its new cookies are ours too.
                    Err(e) => e.code == "refresh_conflict",
                };
                // In the same turn as clearing `REFRESH`, so no call can see neither a refresh
                // under way nor the new generation.
                if renewed {
                    GENERATION.with(|g| g.set(g.get() + 1));
                }
                REFRESH.with(|r| *r.borrow_mut() = None);
                if let Ok(answer) = answer {
                    notify(SessionEvent::Refreshed(answer.account));
                }
                renewed
            }
            .boxed_local()
            .shared();
            REFRESH.with(|r| *r.borrow_mut() = Some(shared.clone()));
            shared
        }
    };
    shared.await
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response.json::<T>().await.map_err(|e| ApiError {
        status: response.status(),
        code: "unexpected_response".into(),
        message: format!("Plexward sent a body this page does not understand ({e})."),
        fields: BTreeMap::new(),
        retry_after: None,
        conflict: None,
    })
}

/// Sends one request and returns the response, whatever its status; only transport failures are
/// errors here.
async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    request
        .map_err(|e| ApiError::network(&e))?
        .send()
        .await
        .map_err(|e| ApiError::network(&e))
}

thread_local! {
    static BASE_PATH: String = read_base_path();
}

/// The sub-path Plexward is served under (`""`, or `/plexward` behind a proxy), as the page's
/// `<base href>` says (the server writes it there).
pub fn base_path() -> String {
    BASE_PATH.with(Clone::clone)
}

fn read_base_path() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|uri| web_sys::Url::new(&uri).ok())
        .map(|u| u.pathname().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// `path` (`/api/v1/…`) where this Plexward serves it: under its base path.
pub fn url(path: &str) -> String {
    format!("{}{path}", base_path())
}

/// A route of the SPA (`/friends/7`) as a link's `href`: under the base path. The router adds it
/// by itself when navigating from code, but not to the `href` of an `<A>`.
pub fn href(route: &str) -> String {
    let base = base_path();
    if route == "/" && !base.is_empty() {
        return base;
    }
    format!("{base}{route}")
}

fn builder(method: &str, url: &str) -> RequestBuilder {
    let url = &self::url(url);
    let builder = match method {
        "POST" => Request::post(url),
        "PUT" => Request::put(url),
        "PATCH" => Request::patch(url),
        "DELETE" => Request::delete(url),
        _ => Request::get(url),
    };
    let builder = builder.header("Accept", "application/json");
    // The server refuses cookie-authenticated changes that are not JSON (a CSRF defence), so
    // body-less POST/PUT/PATCH/DELETE say JSON too.
    if method == "GET" {
        builder
    } else {
        builder.header("Content-Type", "application/json")
    }
}

/// A call that needs the session: a 401 triggers one shared refresh and one retry; the session
/// listener hears when the session is over or a password change is due. Non-2xx answers become
/// [`ApiError`]s.
async fn call(make: impl Fn() -> Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let sent_in = GENERATION.with(Cell::get);
    let mut response = send(make()).await?;
    if response.status() == 401 {
        // Cookies renewed while this request was on its way: they are what it lacked.
        let renewed_since = GENERATION.with(Cell::get) != sent_in;
        if renewed_since || refresh_once().await {
            response = send(make()).await?;
        }
        if response.status() == 401 {
            notify(SessionEvent::Expired);
        }
    }
    if response.ok() {
        return Ok(response);
    }
    let err = ApiError::from_response(response).await;
    if err.status == 403 && err.code == "password_change_required" {
        notify(SessionEvent::PasswordChangeRequired);
    }
    if err.status == 403 && err.code == "mfa_enrolment_required" {
        notify(SessionEvent::MfaEnrolmentRequired);
    }
    Err(err)
}

/// A call outside the session machinery (sign-in, refresh, sign-out): errors are returned as they
/// are, nobody is notified.
async fn call_open(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let response = send(request).await?;
    if response.ok() {
        Ok(response)
    } else {
        Err(ApiError::from_response(response).await)
    }
}

async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    decode(call(|| builder("GET", url).build()).await?).await
}

async fn with_body<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<T, ApiError> {
    decode(call(|| builder(method, url).json(body)).await?).await
}

/// [`with_body`] for a resource read at `if_match` (its `ETag`): the server refuses (412) if
/// someone changed it since (`None`: no check).
async fn with_body_if_match<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
    if_match: Option<String>,
) -> Result<T, ApiError> {
    decode(
        call(|| match &if_match {
            Some(tag) => builder(method, url).header("If-Match", tag).json(body),
            None => builder(method, url).json(body),
        })
        .await?,
    )
    .await
}

/// A friend's tag at `version` (0: not known, no check).
fn friend_tag(version: i64) -> Option<String> {
    (version > 0).then(|| format!("\"v{version}\""))
}

/// A settings resource's tag (its `version`; empty: not known, no check).
fn settings_tag(version: &str) -> Option<String> {
    (!version.is_empty()).then(|| version.to_owned())
}

async fn no_content<B: Serialize>(method: &str, url: &str, body: &B) -> Result<(), ApiError> {
    call(|| builder(method, url).json(body)).await.map(drop)
}

async fn delete(url: &str) -> Result<(), ApiError> {
    call(|| builder("DELETE", url).build()).await.map(drop)
}

/// `GET /api/v1/health`. A degraded server answers 503 with the same body, which is still a
/// health report worth showing.
pub async fn health() -> Result<HealthResponse, ApiError> {
    let response = send(builder("GET", "/api/v1/health").build()).await?;
    match response.status() {
        200 | 503 => decode(response).await,
        _ => Err(ApiError::from_response(response).await),
    }
}

/// `POST /api/v1/auth/login`: signs in (the server sets the session cookies), or, with two-factor
/// sign-in on, answers with the token for the second step ([`complete_sign_in`]) and no session.
pub async fn login(body: &LoginRequest) -> Result<LoginAnswer, ApiError> {
    decode(call_open(builder("POST", "/api/v1/auth/login").json(body)).await?).await
}

/// `POST /api/v1/auth/mfa`: the second step of a sign-in, with a code from the authenticator app,
/// a recovery code or a passkey's assertion; signs in like [`login`]. 401 `invalid_code` (wrong or
/// already used), `invalid_passkey` or `mfa_expired` (start again), 429 when throttled.
pub async fn complete_sign_in(body: &MfaRequest) -> Result<LoginResponse, ApiError> {
    decode(call_open(builder("POST", "/api/v1/auth/mfa").json(body)).await?).await
}

/// `POST /api/v1/auth/refresh`: trades the refresh cookie for new cookies.
pub async fn refresh() -> Result<LoginResponse, ApiError> {
    decode(call_open(builder("POST", "/api/v1/auth/refresh").build()).await?).await
}

/// `POST /api/v1/auth/logout`: ends the session and clears the cookies.
pub async fn logout() -> Result<(), ApiError> {
    call_open(builder("POST", "/api/v1/auth/logout").build())
        .await
        .map(drop)
}

/// `GET /api/v1/me`: the signed-in account (also while a password change is due).
pub async fn me() -> Result<AccountResponse, ApiError> {
    get("/api/v1/me").await
}

/// `PUT /api/v1/me/password`: changes the signed-in account's password.
pub async fn change_password(body: &ChangePasswordRequest) -> Result<(), ApiError> {
    no_content("PUT", "/api/v1/me/password", body).await
}

/// `POST /api/v1/password/strength`: the server's verdict on a candidate password (the strength
/// meter; the scorer is the server's, so the SPA carries no word lists).
pub async fn password_strength(body: &PasswordStrengthRequest) -> Result<PasswordCheck, ApiError> {
    with_body("POST", "/api/v1/password/strength", body).await
}

/// `GET /api/v1/me/mfa`: whether codes are asked at sign-in, and how many recovery codes are left.
pub async fn my_mfa() -> Result<MfaStatusResponse, ApiError> {
    get("/api/v1/me/mfa").await
}

/// `POST /api/v1/me/mfa/totp`: starts setting up an authenticator app (its secret and QR code).
/// 409 `mfa_already_on` when it is on already.
pub async fn enrol_totp() -> Result<TotpEnrolmentResponse, ApiError> {
    decode(call(|| builder("POST", "/api/v1/me/mfa/totp").build()).await?).await
}

/// `POST /api/v1/me/mfa/totp/confirm`: turns codes on with a current one from the app; answers
/// with the recovery codes, shown this once. A 422 (`fields.code`) for a wrong code.
pub async fn confirm_totp(body: &TotpConfirmRequest) -> Result<RecoveryCodesResponse, ApiError> {
    with_body("POST", "/api/v1/me/mfa/totp/confirm", body).await
}

/// `DELETE /api/v1/me/mfa/totp`: turns two-factor sign-in off; takes the password (a 422,
/// `fields.password`, or a 401 other than `unauthenticated`, when it is not the account's).
///
/// The session is made fresh first and the request is sent once: a 401 for a wrong password must
/// not be taken for an expired session (which [`call`] would refresh, then end).
pub async fn disable_totp(body: &TotpDisableRequest) -> Result<(), ApiError> {
    ensure_session().await?;
    match call_open(builder("DELETE", "/api/v1/me/mfa/totp").json(body)).await {
        Ok(_) => Ok(()),
        Err(e) => {
            if e.status == 401 && e.code == "unauthenticated" {
                notify(SessionEvent::Expired);
            }
            Err(e)
        }
    }
}

/// `GET /api/v1/me/passkeys`: the signed-in account's passkeys (also while it must first set up
/// two-factor sign-in).
pub async fn my_passkeys() -> Result<List<PasskeyResponse>, ApiError> {
    get("/api/v1/me/passkeys").await
}

/// `POST /api/v1/me/passkeys/registration`: the options for the browser's
/// `navigator.credentials.create()`. 409 `passkeys_unavailable` at an address passkeys cannot
/// work at (an IP address, or a host name Plexward is not configured with): its message says so.
pub async fn start_passkey_registration() -> Result<PasskeyCeremony, ApiError> {
    decode(call(|| builder("POST", "/api/v1/me/passkeys/registration").build()).await?).await
}

/// `POST /api/v1/me/passkeys`: registers the browser's new credential under a name; the first
/// second factor of the account also brings its recovery codes. 422 names `name`, `credential`
/// or `ceremony_id` (expired or used: start again); 409 `passkey_exists`.
pub async fn register_passkey(
    body: &PasskeyRegisterRequest,
) -> Result<PasskeyRegisteredResponse, ApiError> {
    with_body("POST", "/api/v1/me/passkeys", body).await
}

/// `PATCH /api/v1/me/passkeys/{id}`: renames one. 404 when it is gone; 422 `fields.name`.
pub async fn rename_passkey(
    id: i64,
    body: &PasskeyRenameRequest,
) -> Result<PasskeyResponse, ApiError> {
    with_body("PATCH", &format!("/api/v1/me/passkeys/{id}"), body).await
}

/// `DELETE /api/v1/me/passkeys/{id}`: removes one. 409 `mfa_required` when the role requires
/// two-factor sign-in and it is the account's last second factor.
pub async fn delete_passkey(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/me/passkeys/{id}")).await
}

/// `POST /api/v1/auth/passkey/options` (public): a sign-in ceremony where the browser lets the
/// user pick any passkey of this site (no username). 409 `passkeys_unavailable`, 403
/// `local_sign_in_off`, 429.
pub async fn passkey_sign_in_options() -> Result<PasskeyCeremony, ApiError> {
    decode(call_open(builder("POST", "/api/v1/auth/passkey/options").build()).await?).await
}

/// `POST /api/v1/auth/passkey` (public): signs in with the browser's assertion, like a password
/// sign-in that needs no second step. 401 `invalid_passkey`, 403 `account_disabled` or
/// `local_sign_in_off`, 429.
pub async fn passkey_sign_in(body: &PasskeyAssertion) -> Result<LoginResponse, ApiError> {
    decode(call_open(builder("POST", "/api/v1/auth/passkey").json(body)).await?).await
}

/// `POST /api/v1/auth/mfa/passkey/options`: a ceremony for the second step of a password sign-in
/// (its `mfa_token`), answered through [`complete_sign_in`]. 401 `mfa_expired`.
pub async fn mfa_passkey_options(
    body: &PasskeyMfaOptionsRequest,
) -> Result<PasskeyCeremony, ApiError> {
    decode(call_open(builder("POST", "/api/v1/auth/mfa/passkey/options").json(body)).await?).await
}

/// A session id as one path segment (ids are URL-safe today; this keeps it so whatever they are).
fn session_segment(id: &str) -> String {
    String::from(js_sys::encode_uri_component(id))
}

/// `GET /api/v1/me/sessions`: the signed-in account's live sessions, the most recently used
/// first; `current` marks this one.
pub async fn my_sessions() -> Result<List<SessionResponse>, ApiError> {
    get("/api/v1/me/sessions").await
}

/// `DELETE /api/v1/me/sessions/{id}`: ends one of them (this one too: its next call is refused).
/// 404 when it is not a live session of the account any more.
pub async fn end_my_session(id: &str) -> Result<(), ApiError> {
    delete(&format!("/api/v1/me/sessions/{}", session_segment(id))).await
}

/// `DELETE /api/v1/me/sessions`: ends every session but this one (API tokens stay); how many.
pub async fn end_my_other_sessions() -> Result<SessionsEndedResponse, ApiError> {
    decode(call(|| builder("DELETE", "/api/v1/me/sessions").build()).await?).await
}

/// `GET /api/v1/accounts/{id}/sessions` (admin): an account's live sessions.
pub async fn account_sessions(id: i64) -> Result<List<SessionResponse>, ApiError> {
    get(&format!("/api/v1/accounts/{id}/sessions")).await
}

/// `DELETE /api/v1/accounts/{id}/sessions/{session}` (admin): ends one session of an account.
pub async fn end_account_session(id: i64, session: &str) -> Result<(), ApiError> {
    delete(&format!(
        "/api/v1/accounts/{id}/sessions/{}",
        session_segment(session)
    ))
    .await
}

/// `DELETE /api/v1/accounts/{id}/sessions` (admin): ends every session of an account; how many.
pub async fn end_account_sessions(id: i64) -> Result<SessionsEndedResponse, ApiError> {
    let url = format!("/api/v1/accounts/{id}/sessions");
    decode(call(|| builder("DELETE", &url).build()).await?).await
}

/// `DELETE /api/v1/accounts/{id}/mfa` (admin): removes another account's two-factor sign-in;
/// all its sessions end. 409 `self_change_refused` for your own.
pub async fn reset_account_mfa(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/accounts/{id}/mfa")).await
}

/// `GET /api/v1/settings/sign-in` (admin): which roles must use two-factor sign-in.
pub async fn sign_in_settings() -> Result<SignInSettings, ApiError> {
    get("/api/v1/settings/sign-in").await
}

/// `PUT /api/v1/settings/sign-in` (admin): saves them; answers with what is now in effect.
pub async fn save_sign_in_settings(body: &SignInSettings) -> Result<SignInSettings, ApiError> {
    with_body("PUT", "/api/v1/settings/sign-in", body).await
}

/// `GET /api/v1/me/tokens`: the signed-in account's API tokens.
pub async fn my_tokens() -> Result<List<ApiTokenResponse>, ApiError> {
    get("/api/v1/me/tokens").await
}

/// `POST /api/v1/me/tokens`: creates an API token; the answer holds its secret, once.
pub async fn create_token(
    body: &CreateApiTokenRequest,
) -> Result<CreatedApiTokenResponse, ApiError> {
    with_body("POST", "/api/v1/me/tokens", body).await
}

/// `DELETE /api/v1/me/tokens/{id}`: revokes one of the signed-in account's tokens.
pub async fn revoke_my_token(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/me/tokens/{id}")).await
}

/// `GET /api/v1/accounts` (admin): every application account.
pub async fn accounts() -> Result<List<AccountResponse>, ApiError> {
    get("/api/v1/accounts").await
}

/// `POST /api/v1/accounts` (admin): creates an account.
pub async fn create_account(body: &CreateAccountRequest) -> Result<AccountResponse, ApiError> {
    with_body("POST", "/api/v1/accounts", body).await
}

/// `PATCH /api/v1/accounts/{id}` (admin): changes role, disabled flag or password.
pub async fn update_account(
    id: i64,
    body: &UpdateAccountRequest,
    version: &str,
) -> Result<AccountResponse, ApiError> {
    with_body_if_match(
        "PATCH",
        &format!("/api/v1/accounts/{id}"),
        body,
        settings_tag(version),
    )
    .await
}

/// `DELETE /api/v1/accounts/{id}` (admin): deletes an account.
pub async fn delete_account(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/accounts/{id}")).await
}

/// `GET /api/v1/tokens` (admin): every account's API tokens.
pub async fn all_tokens() -> Result<List<ApiTokenResponse>, ApiError> {
    get("/api/v1/tokens").await
}

/// `DELETE /api/v1/tokens/{id}` (admin): revokes anyone's token.
pub async fn revoke_any_token(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/tokens/{id}")).await
}

/// `GET /api/v1/settings/plex`: the Plex connection (never the token).
pub async fn plex_settings() -> Result<PlexSettingsResponse, ApiError> {
    get("/api/v1/settings/plex").await
}

/// `PUT /api/v1/settings/plex` (admin): saves the connection and preferences (absent fields are
/// kept); answers with the settings now in effect. A 422 names the refused fields.
pub async fn update_plex_settings(
    body: &UpdatePlexSettingsRequest,
    version: &str,
) -> Result<PlexSettingsResponse, ApiError> {
    with_body_if_match("PUT", "/api/v1/settings/plex", body, settings_tag(version)).await
}

/// `POST /api/v1/settings/plex/test` (admin): tries the connection; `ok` says how it went.
pub async fn test_plex() -> Result<PlexTestResponse, ApiError> {
    decode(call(|| builder("POST", "/api/v1/settings/plex/test").build()).await?).await
}

/// `POST /api/v1/settings/plex/pin` (admin): starts "Sign in with Plex"; open `auth_url`.
pub async fn start_plex_sign_in() -> Result<PlexPinStarted, ApiError> {
    decode(call(|| builder("POST", "/api/v1/settings/plex/pin").build()).await?).await
}

/// `GET /api/v1/settings/plex/pin/{id}` (admin): waiting, authorized (with servers) or expired.
pub async fn plex_sign_in(id: &str) -> Result<PlexPinStatus, ApiError> {
    let id = String::from(js_sys::encode_uri_component(id));
    get(&format!("/api/v1/settings/plex/pin/{id}")).await
}

/// `GET /api/v1/libraries`: the server's libraries as of the last sync (removed ones included).
pub async fn libraries() -> Result<List<LibraryResponse>, ApiError> {
    get("/api/v1/libraries").await
}

/// `GET /api/v1/plex-users`: the server's friends and Home users as of the last sync.
pub async fn plex_users() -> Result<List<PlexUserResponse>, ApiError> {
    get("/api/v1/plex-users").await
}

/// `GET /api/v1/summary?upcoming_days=N`: everything the dashboard shows, in one answer.
pub async fn summary(upcoming_days: u32) -> Result<SummaryResponse, ApiError> {
    get(&format!("/api/v1/summary?upcoming_days={upcoming_days}")).await
}

/// `GET /api/v1/plex-users?q=&status=&within_days=&sort=&limit=&offset=`: a page of the friends
/// matching a search and filter (`total` counts every match).
pub async fn find_plex_users(query: &FriendQuery) -> Result<List<PlexUserResponse>, ApiError> {
    get(&format!("/api/v1/plex-users{}", query_string(query))).await
}

/// `?q=…&status=…` from a query's set fields (values as the API spells them).
fn query_string(query: &FriendQuery) -> String {
    // The enums serialise to their snake_case names: a JSON string without its quotes.
    fn name<T: Serialize>(value: &T) -> Option<String> {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    }
    let pairs: Vec<(&str, String)> = [
        ("q", query.q.clone().filter(|q| !q.trim().is_empty())),
        ("status", query.status.as_ref().and_then(name)),
        ("within_days", query.within_days.map(|d| d.to_string())),
        ("sort", query.sort.as_ref().and_then(name)),
        ("inactive_days", query.inactive_days.map(|d| d.to_string())),
        ("limit", query.limit.clone()),
        ("offset", query.offset.clone()),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| (key, v)))
    .collect();
    if pairs.is_empty() {
        return String::new();
    }
    let encoded: Vec<String> = pairs
        .into_iter()
        .map(|(key, value)| {
            format!(
                "{key}={}",
                String::from(js_sys::encode_uri_component(&value))
            )
        })
        .collect();
    format!("?{}", encoded.join("&"))
}

/// `GET /api/v1/plex-users/{id}/activity`: what a friend watched, as of the last sync.
pub async fn friend_activity(id: i64) -> Result<FriendActivity, ApiError> {
    get(&format!("/api/v1/plex-users/{id}/activity")).await
}

/// `GET /api/v1/settings/inactivity` (roles that read settings): the inactivity policy.
pub async fn inactivity_policy() -> Result<InactivityPolicy, ApiError> {
    get("/api/v1/settings/inactivity").await
}

/// `PUT /api/v1/settings/inactivity` (admins): saves the policy (422 with `fields` `days` /
/// `remind_days_before`); answers with what is saved.
pub async fn save_inactivity_policy(body: &InactivityPolicy) -> Result<InactivityPolicy, ApiError> {
    with_body("PUT", "/api/v1/settings/inactivity", body).await
}

/// `GET /api/v1/inactivity` (moderators, admins): whom the policy concerns now (a preview while
/// it is off).
pub async fn inactivity_report() -> Result<InactivityReport, ApiError> {
    get("/api/v1/inactivity").await
}

/// `POST /api/v1/inactivity/apply` (moderators, admins): carries out the policy's action for due
/// friends; a dry run answers with each friend's plan, a real one with the job applying it.
pub async fn apply_inactivity(body: &InactivityApplyRequest) -> Result<BulkResponse, ApiError> {
    with_body("POST", "/api/v1/inactivity/apply", body).await
}

/// `GET /api/v1/plex-users/{id}`: one friend with grants, plan and apply state.
pub async fn plex_user(id: i64) -> Result<PlexUserDetailResponse, ApiError> {
    get(&format!("/api/v1/plex-users/{id}")).await
}

fn dry_run_suffix(dry_run: bool) -> &'static str {
    if dry_run { "?dry_run=true" } else { "" }
}

/// `PUT /api/v1/plex-users/{id}/grants` (moderators, admins): replaces the grants of a friend
/// read at `version` and applies them; with `dry_run` only says what would be sent to Plex.
pub async fn set_grants(
    id: i64,
    body: &SetGrantsRequest,
    dry_run: bool,
    version: i64,
) -> Result<ChangeResponse, ApiError> {
    let url = format!("/api/v1/plex-users/{id}/grants{}", dry_run_suffix(dry_run));
    with_body_if_match("PUT", &url, body, friend_tag(version)).await
}

/// `PUT /api/v1/plex-users/{id}/sharing` (moderators, admins): a friend's downloads, Live TV,
/// camera upload and restrictions; with `dry_run` only says what would be sent to Plex.
pub async fn set_sharing(
    id: i64,
    body: &SetSharingRequest,
    dry_run: bool,
    version: i64,
) -> Result<ChangeResponse, ApiError> {
    let url = format!("/api/v1/plex-users/{id}/sharing{}", dry_run_suffix(dry_run));
    with_body_if_match("PUT", &url, body, friend_tag(version)).await
}

/// `PUT /api/v1/plex-users/{id}/end-policy` (moderators, admins): what happens when the
/// friend's access ends (`None`: the default); with `dry_run` only says what it would do.
pub async fn set_end_policy(
    id: i64,
    body: &SetEndPolicyRequest,
    dry_run: bool,
    version: i64,
) -> Result<ChangeResponse, ApiError> {
    let url = format!(
        "/api/v1/plex-users/{id}/end-policy{}",
        dry_run_suffix(dry_run)
    );
    with_body_if_match("PUT", &url, body, friend_tag(version)).await
}

/// `POST /api/v1/plex-users/{id}/extend` (moderators, admins): quick renew.
pub async fn extend(
    id: i64,
    body: &ExtendRequest,
    dry_run: bool,
    version: i64,
) -> Result<ChangeResponse, ApiError> {
    let url = format!("/api/v1/plex-users/{id}/extend{}", dry_run_suffix(dry_run));
    with_body_if_match("POST", &url, body, friend_tag(version)).await
}

/// `POST /api/v1/plex-users/bulk` (moderators, admins): one change for many friends; a dry run
/// answers with each friend's plan, a real one with the job applying it.
pub async fn bulk(body: &BulkRequest) -> Result<BulkResponse, ApiError> {
    with_body("POST", "/api/v1/plex-users/bulk", body).await
}

/// `GET /api/v1/plans`: every access plan.
pub async fn plans() -> Result<List<AccessPlanResponse>, ApiError> {
    get("/api/v1/plans").await
}

/// `GET /api/v1/plans/{id}`: one access plan as it is now.
pub async fn plan(id: i64) -> Result<AccessPlanResponse, ApiError> {
    get(&format!("/api/v1/plans/{id}")).await
}

/// `POST /api/v1/plans` (moderators, admins): a new plan. A 422 names the refused fields
/// (`name`, `grants[0].duration`, …); 409 `plan_name_taken`.
pub async fn create_plan(body: &AccessPlanRequest) -> Result<AccessPlanResponse, ApiError> {
    with_body("POST", "/api/v1/plans", body).await
}

/// `PUT /api/v1/plans/{id}` (moderators, admins): replaces a plan read at `version` (412 if
/// someone edited it since; 0: no check). Friends already given it keep what they got.
pub async fn update_plan(
    id: i64,
    body: &AccessPlanRequest,
    version: i64,
) -> Result<AccessPlanResponse, ApiError> {
    with_body_if_match(
        "PUT",
        &format!("/api/v1/plans/{id}"),
        body,
        friend_tag(version),
    )
    .await
}

/// `DELETE /api/v1/plans/{id}` (moderators, admins). Friends already given it keep their grants.
pub async fn delete_plan(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/plans/{id}")).await
}

/// The filters of `GET /api/v1/invites` as a query string.
pub fn invites_query_string(q: &InviteQuery) -> String {
    query(&[
        ("state", q.state.as_deref()),
        ("q", q.q.as_deref()),
        ("friend_id", q.friend_id.as_deref()),
        ("limit", q.limit.as_deref()),
        ("offset", q.offset.as_deref()),
    ])
}

/// `GET /api/v1/invites?state=&q=&friend_id=&limit=&offset=`: the invites sent, newest first.
pub async fn invites(q: &InviteQuery) -> Result<List<InviteResponse>, ApiError> {
    get(&format!("/api/v1/invites{}", invites_query_string(q))).await
}

/// `POST /api/v1/invites` (moderators, admins): sends a Plex invite with a plan (or, with
/// `dry_run`, only says what it would send). 409 `already_a_friend`, `friend_limit`; 502
/// `plex_refused` (Plex's reason in the message); 422 names the refused fields.
pub async fn create_invite(body: &CreateInviteRequest) -> Result<CreateInviteResponse, ApiError> {
    with_body("POST", "/api/v1/invites", body).await
}

/// `DELETE /api/v1/invites/{id}` (moderators, admins): cancels a pending invite (withdrawn on
/// Plex); answers with it. 409 `invite_not_pending`.
pub async fn cancel_invite(id: i64) -> Result<InviteResponse, ApiError> {
    let url = format!("/api/v1/invites/{id}");
    decode(call(|| builder("DELETE", &url).build()).await?).await
}

/// `POST /api/v1/invites/{id}/resend` (moderators, admins): sends a pending invite again.
/// 409 `invite_not_pending`.
pub async fn resend_invite(id: i64) -> Result<InviteResponse, ApiError> {
    let url = format!("/api/v1/invites/{id}/resend");
    decode(call(|| builder("POST", &url).build()).await?).await
}

/// `POST /api/v1/grants/import` (moderators, admins): a grants CSV previewed (`dry_run`) or saved
/// as one bulk change.
pub async fn import_grants(csv: String, dry_run: bool) -> Result<BulkResponse, ApiError> {
    let body = plexward_shared::ImportGrantsRequest {
        csv,
        dry_run: Some(dry_run),
    };
    with_body("POST", "/api/v1/grants/import", &body).await
}

/// The filters of `GET /api/v1/requests` as a query string.
pub fn requests_query_string(q: &RequestQuery) -> String {
    query(&[
        ("state", q.state.as_deref()),
        ("kind", q.kind.as_deref()),
        ("friend_id", q.friend_id.as_deref()),
        ("limit", q.limit.as_deref()),
        ("offset", q.offset.as_deref()),
    ])
}

/// `GET /api/v1/requests?state=&kind=&friend_id=&limit=&offset=` (moderators, admins): friends'
/// requests, newest first.
pub async fn requests(q: &RequestQuery) -> Result<List<AccessRequest>, ApiError> {
    get(&format!("/api/v1/requests{}", requests_query_string(q))).await
}

/// `POST /api/v1/requests/{id}/approve` (moderators, admins): with `dry_run` the change it would
/// make (the request stays open), else saves and applies it. 409 `request_closed`,
/// `friend_departed`, `friend_limit`; 422 names the refused fields; 503 `plex_unavailable`.
pub async fn approve_request(id: i64, body: &ApproveRequest) -> Result<ApproveResponse, ApiError> {
    with_body("POST", &format!("/api/v1/requests/{id}/approve"), body).await
}

/// `POST /api/v1/requests/{id}/decline` (moderators, admins): with a reason for the friend
/// (422 `fields.reason` when too long); 409 `request_closed`.
pub async fn decline_request(id: i64, body: &DeclineRequest) -> Result<AccessRequest, ApiError> {
    with_body("POST", &format!("/api/v1/requests/{id}/decline"), body).await
}

/// The text of a file the user chose.
pub async fn file_text(file: &web_sys::File) -> Result<String, ApiError> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| ApiError::local("The browser could not read that file.".into()))?;
    text.as_string()
        .ok_or_else(|| ApiError::local("That file is not text.".into()))
}

/// `GET /api/v1/plex-users/{id}/history`: what happened to a friend's access, newest first.
pub async fn history(id: i64) -> Result<List<HistoryEntry>, ApiError> {
    get(&format!("/api/v1/plex-users/{id}/history")).await
}

/// `POST /api/v1/sync` (moderators, admins): starts a sync with Plex, or finds the one running.
pub async fn start_sync() -> Result<JobStarted, ApiError> {
    decode(call(|| builder("POST", "/api/v1/sync").build()).await?).await
}

/// `GET /api/v1/jobs/{id}`: how a background job is doing.
pub async fn job(id: &str) -> Result<JobResponse, ApiError> {
    get(&format!("/api/v1/jobs/{id}")).await
}

/// `GET /api/v1/scheduler`: the reconcile schedule, the next run, the last one and the server's
/// clock.
pub async fn scheduler() -> Result<SchedulerResponse, ApiError> {
    get("/api/v1/scheduler").await
}

/// `PUT /api/v1/scheduler` (admin): changes the schedule; answers with the next run under it. A
/// 422 names the refused fields (`interval_minutes`, `daily_at`).
pub async fn update_scheduler(
    body: &ScheduleSettings,
    version: &str,
) -> Result<SchedulerResponse, ApiError> {
    with_body_if_match("PUT", "/api/v1/scheduler", body, settings_tag(version)).await
}

/// `POST /api/v1/scheduler/run` (moderators, admins): starts a reconcile, or finds the one running.
pub async fn run_reconcile() -> Result<JobStarted, ApiError> {
    decode(call(|| builder("POST", "/api/v1/scheduler/run").build()).await?).await
}

/// `GET /api/v1/notifications/channels` (admins, moderators, auditors): every notification
/// channel (never a secret: only whether one is set).
pub async fn notification_channels() -> Result<List<ChannelResponse>, ApiError> {
    get("/api/v1/notifications/channels").await
}

/// `POST /api/v1/notifications/channels` (admin): a new channel. A webhook's answer holds its
/// signing secret, this once. A 422 names the refused fields (`name`, `kind`, `config.url`,
/// `config.server`, `config.topic`, `events`); 409 `channel_name_taken`.
pub async fn create_channel(body: &ChannelRequest) -> Result<SavedChannelResponse, ApiError> {
    with_body("POST", "/api/v1/notifications/channels", body).await
}

/// `PUT /api/v1/notifications/channels/{id}` (admin): replaces a channel (its kind stays). The
/// answer holds a new signing secret only when `rotate_secret` asked for one.
pub async fn update_channel(
    id: i64,
    body: &ChannelRequest,
) -> Result<SavedChannelResponse, ApiError> {
    with_body("PUT", &format!("/api/v1/notifications/channels/{id}"), body).await
}

/// `DELETE /api/v1/notifications/channels/{id}` (admin): the channel and its deliveries.
pub async fn delete_channel(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/notifications/channels/{id}")).await
}

/// `POST /api/v1/notifications/channels/{id}/test` (admin): sends a test event now; `ok` says
/// whether the receiver took it, `error` exactly why not.
pub async fn test_channel(id: i64) -> Result<ChannelTestResponse, ApiError> {
    let url = format!("/api/v1/notifications/channels/{id}/test");
    decode(call(|| builder("POST", &url).build()).await?).await
}

/// The filters of `GET /api/v1/notifications/deliveries` as a query string.
pub fn deliveries_query_string(q: &DeliveryQuery) -> String {
    query(&[
        ("state", q.state.as_deref()),
        ("channel_id", q.channel_id.as_deref()),
        ("limit", q.limit.as_deref()),
        ("offset", q.offset.as_deref()),
    ])
}

/// `GET /api/v1/notifications/deliveries?state=&channel_id=&limit=&offset=` (admins,
/// moderators, auditors): a page of deliveries, newest first.
pub async fn deliveries(q: &DeliveryQuery) -> Result<List<DeliveryResponse>, ApiError> {
    get(&format!(
        "/api/v1/notifications/deliveries{}",
        deliveries_query_string(q)
    ))
    .await
}

/// `POST /api/v1/notifications/deliveries/{id}/resend` (admin): sends a delivery again from its
/// first attempt, under the same delivery id (202, no body).
pub async fn resend_delivery(id: i64) -> Result<(), ApiError> {
    let url = format!("/api/v1/notifications/deliveries/{id}/resend");
    call(|| builder("POST", &url).build()).await.map(drop)
}

/// `GET /api/v1/notifications/settings`: the reminder leads and the friends' email channel.
pub async fn notification_settings() -> Result<NotificationSettings, ApiError> {
    get("/api/v1/notifications/settings").await
}

/// `PUT /api/v1/notifications/settings` (admin): the whole settings. A 422 names the refused
/// fields (`reminder_leads_minutes`, `friend_email_channel_id`).
pub async fn update_notification_settings(
    body: &NotificationSettings,
) -> Result<NotificationSettings, ApiError> {
    with_body("PUT", "/api/v1/notifications/settings", body).await
}

/// Where one event's template is (`/api/v1/notifications/templates/access.ending`).
fn template_url(event: &str) -> String {
    format!("/api/v1/notifications/templates/{}", percent_encode(event))
}

/// `GET /api/v1/notifications/templates`: every event's message (and the friend's reminder),
/// with its default and the variables it may use.
pub async fn templates() -> Result<List<TemplateResponse>, ApiError> {
    get("/api/v1/notifications/templates").await
}

/// `PUT /api/v1/notifications/templates/{event}` (admin): saves an edited template. A 422 says
/// what is wrong under `fields.subject` / `fields.body` (a line and the reason).
pub async fn save_template(
    event: &str,
    body: &TemplateRequest,
) -> Result<TemplateResponse, ApiError> {
    with_body("PUT", &template_url(event), body).await
}

/// `DELETE /api/v1/notifications/templates/{event}` (admin): back to the default.
pub async fn reset_template(event: &str) -> Result<(), ApiError> {
    delete(&template_url(event)).await
}

/// `POST /api/v1/notifications/templates/preview`: a template as being edited, filled with a
/// sample event; the same 422 as saving when it cannot be read.
pub async fn preview_template(
    body: &TemplatePreviewRequest,
) -> Result<TemplatePreviewResponse, ApiError> {
    with_body("POST", "/api/v1/notifications/templates/preview", body).await
}

/// `GET /api/v1/plex-users/{id}/notifications`: whether the friend gets reminder emails, and
/// their time zone.
pub async fn friend_notifications(id: i64) -> Result<FriendNotifications, ApiError> {
    get(&format!("/api/v1/plex-users/{id}/notifications")).await
}

/// `PUT /api/v1/plex-users/{id}/notifications` (moderators, admins). A 422 names an unknown
/// `time_zone`.
pub async fn set_friend_notifications(
    id: i64,
    body: &FriendNotifications,
) -> Result<FriendNotifications, ApiError> {
    with_body(
        "PUT",
        &format!("/api/v1/plex-users/{id}/notifications"),
        body,
    )
    .await
}

/// `?a=1&b=x%20y` from the pairs that have a value (blank ones are left out, as the API treats
/// them as absent anyway); empty when none has.
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter_map(|(key, value)| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{key}={}", percent_encode(v)))
        })
        .collect();
    if encoded.is_empty() {
        String::new()
    } else {
        format!("?{}", encoded.join("&"))
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters. Pure Rust, so the URL
/// builders are unit-tested on the host (`encodeURIComponent` only exists in a browser).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn log_query_string(q: &LogQuery) -> String {
    query(&[
        ("file", q.file.as_deref()),
        ("level", q.level.as_deref()),
        ("limit", q.limit.as_deref()),
        ("offset", q.offset.as_deref()),
        ("q", q.q.as_deref()),
    ])
}

/// `GET /api/v1/logs` (admins, moderators, auditors): the newest matching lines, oldest first. A
/// 400 names the refused parameters (`file`, `level`, `limit`, `q`).
pub async fn logs(q: &LogQuery) -> Result<List<LogEntry>, ApiError> {
    get(&format!("/api/v1/logs{}", log_query_string(q))).await
}

/// Where `GET /api/v1/logs/download` serves a log file (with `all`: every rotated file as one
/// `.tar.gz`). Admins and auditors.
pub fn logs_download_url(file: LogFile, all: bool) -> String {
    format!(
        "/api/v1/logs/download{}",
        query(&[
            ("file", Some(file.as_str())),
            ("all", all.then_some("true")),
        ])
    )
}

/// Where `GET /api/v1/logs/stream` sends new lines at `level` and up, resuming after event
/// `after` (the stream's `Last-Event-ID`).
pub fn log_stream_url(level: Option<LogLevel>, after: Option<u64>) -> String {
    let after = after.map(|id| id.to_string());
    format!(
        "/api/v1/logs/stream{}",
        query(&[
            ("level", level.map(LogLevel::as_str)),
            ("after", after.as_deref()),
        ])
    )
}

/// Where `GET /api/v1/audit/stream` follows the events matching `q` (paging left out), resuming
/// after event `after`.
pub fn audit_stream_url(q: &AuditQuery, after: Option<u64>) -> String {
    let filters = audit_query_string(&AuditQuery {
        limit: None,
        offset: None,
        ..q.clone()
    });
    match after {
        None => format!("/api/v1/audit/stream{filters}"),
        Some(id) if filters.is_empty() => format!("/api/v1/audit/stream?after={id}"),
        Some(id) => format!("/api/v1/audit/stream{filters}&after={id}"),
    }
}

/// The filters of `/audit` and `/audit/export` as a query string (paging included when set).
pub fn audit_query_string(q: &AuditQuery) -> String {
    query(&[
        ("actor", q.actor.as_deref()),
        ("action", q.action.as_deref()),
        ("friend_id", q.friend_id.as_deref()),
        ("outcome", q.outcome.as_deref()),
        ("from", q.from.as_deref()),
        ("to", q.to.as_deref()),
        ("limit", q.limit.as_deref()),
        ("offset", q.offset.as_deref()),
    ])
}

/// `GET /api/v1/audit` (admins, moderators, auditors): a page of events, newest first. A 422
/// names the refused filters.
pub async fn audit(q: &AuditQuery) -> Result<List<AuditEventResponse>, ApiError> {
    get(&format!("/api/v1/audit{}", audit_query_string(q))).await
}

/// `GET /api/v1/audit/actions`: every action recorded so far, sorted.
pub async fn audit_actions() -> Result<List<String>, ApiError> {
    get("/api/v1/audit/actions").await
}

/// Where `GET /api/v1/audit/export` serves the events matching `q` as CSV (admins, auditors).
/// Paging is left out: the export holds every match.
pub fn audit_export_url(q: &AuditQuery) -> String {
    let filters = AuditQuery {
        limit: None,
        offset: None,
        ..q.clone()
    };
    format!("/api/v1/audit/export{}", audit_query_string(&filters))
}

/// Makes sure the session cookies are fresh (refreshing them through [`call`] if the access token
/// has expired). For requests the browser makes by itself — a download, an event stream — which
/// cannot refresh on a 401 the way [`call`] does.
pub async fn ensure_session() -> Result<(), ApiError> {
    me().await.map(drop)
}

/// Downloads `url` (an attachment: the page stays where it is) once the session is known fresh.
pub async fn download(url: &str) -> Result<(), ApiError> {
    ensure_session().await?;
    let location = web_sys::window().map(|w| w.location());
    if let Some(location) = location {
        location.set_href(&self::url(url)).map_err(|_| {
            ApiError::in_browser(
                "download",
                "The browser refused to start the download.".into(),
            )
        })?;
    }
    Ok(())
}

/// What an [`EventStream`] reports.
pub struct StreamHandlers<T> {
    /// The server answered: items will follow.
    pub on_open: Box<dyn FnMut()>,
    /// One item (a log line, an audit event) and its event id.
    pub on_line: Box<dyn FnMut(Option<u64>, T)>,
    /// The stream is over: its five minutes are up, the server went away, or it was refused
    /// (a 401 looks the same to an `EventSource`). The source is closed by then; reconnecting is
    /// the caller's choice. Called from inside the source's handler: the caller must not drop
    /// the [`EventStream`] before returning (spawn the reconnect instead).
    pub on_end: Box<dyn FnMut()>,
}

/// An open event stream (`/api/v1/logs/stream`, `/api/v1/audit/stream`: an `EventSource`,
/// authenticated by the session cookies). Dropping it closes the connection.
pub struct EventStream {
    source: web_sys::EventSource,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.close();
        // No late event may reach the closures dropped with this struct.
        self.source.set_onopen(None);
        self.source.set_onmessage(None);
        self.source.set_onerror(None);
    }
}

/// Opens the event stream at `url`, each event's data read as a `T`.
pub fn event_stream<T: DeserializeOwned + 'static>(
    url: &str,
    handlers: StreamHandlers<T>,
) -> Result<EventStream, ApiError> {
    let StreamHandlers {
        mut on_open,
        mut on_line,
        mut on_end,
    } = handlers;
    let source = web_sys::EventSource::new(&self::url(url)).map_err(|_| {
        ApiError::in_browser("network", "The browser cannot open the live stream.".into())
    })?;
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_open());
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(data) = event.data().as_string() else {
                return;
            };
            // A line this page cannot read is skipped rather than ending the stream.
            if let Ok(entry) = serde_json::from_str::<T>(&data) {
                on_line(event.last_event_id().parse().ok(), entry);
            }
        });
    let closing = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        // Closed here so the browser does not also reconnect by itself (with a session it cannot
        // refresh); the caller reconnects with `after` instead.
        closing.close();
        on_end();
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(EventStream {
        source,
        _on_open: on_open,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// `GET /api/v1/settings/server`: port, HTTPS and hostnames with their sources, what runs now, the
/// certificate and any TLS problem.
pub async fn server_settings() -> Result<ServerSettingsResponse, ApiError> {
    get("/api/v1/settings/server").await
}

/// `PUT /api/v1/settings/server` (admin): saves port, HTTPS mode and hostnames (absent fields are
/// kept); they apply at the next restart. A 422 names the refused fields.
pub async fn update_server_settings(
    body: &UpdateServerSettingsRequest,
    version: &str,
) -> Result<ServerSettingsResponse, ApiError> {
    with_body_if_match(
        "PUT",
        "/api/v1/settings/server",
        body,
        settings_tag(version),
    )
    .await
}

/// `POST /api/v1/settings/server/certificate` (admin): uploads a PEM certificate chain and its
/// private key as multipart parts `cert` and `key`. A 422 says which part was refused and why;
/// nothing is saved then.
pub async fn upload_certificate(
    cert: &web_sys::File,
    key: &web_sys::File,
) -> Result<ServerSettingsResponse, ApiError> {
    let form = web_sys::FormData::new()
        .and_then(|form| {
            form.append_with_blob_and_filename("cert", cert, &cert.name())?;
            form.append_with_blob_and_filename("key", key, &key.name())?;
            Ok(form)
        })
        .map_err(|e| ApiError::local(format!("The files cannot be read ({e:?}).")))?;
    // No Content-Type of our own: the browser writes `multipart/form-data` with its boundary.
    // The server lets this one non-JSON body through only with `Sec-Fetch-Site: same-origin`.
    let response = call(|| {
        Request::post(&url("/api/v1/settings/server/certificate"))
            .header("Accept", "application/json")
            .body(form.clone())
    })
    .await?;
    decode(response).await
}

/// `POST /api/v1/system/restart` (admin): Plexward restarts with the saved server settings; the
/// answer says where it will be. 409 `restart_unavailable` when it cannot restart itself.
pub async fn restart() -> Result<RestartResponse, ApiError> {
    decode(call(|| builder("POST", "/api/v1/system/restart").build()).await?).await
}

/// `GET /api/v1/system/backups` (admin): every backup, newest first.
pub async fn backups() -> Result<List<BackupResponse>, ApiError> {
    get("/api/v1/system/backups").await
}

/// `POST /api/v1/system/backups` (admin): starts a backup job.
pub async fn create_backup() -> Result<JobStarted, ApiError> {
    decode(call(|| builder("POST", "/api/v1/system/backups").build()).await?).await
}

/// Where one backup downloads from (for [`download`]).
pub fn backup_url(name: &str) -> String {
    format!(
        "/api/v1/system/backups/{}",
        String::from(js_sys::encode_uri_component(name))
    )
}

/// `DELETE /api/v1/system/backups/{name}` (admin).
pub async fn delete_backup(name: &str) -> Result<(), ApiError> {
    delete(&backup_url(name)).await
}

/// `POST /api/v1/system/backups/{name}/restore` (admin): checks the backup, stages it and
/// restarts with it. A 422 (`backup`) says why it cannot be restored; nothing changes then.
pub async fn restore_backup(name: &str) -> Result<RestoreResponse, ApiError> {
    let url = format!("{}/restore", backup_url(name));
    decode(call(|| builder("POST", &url).build()).await?).await
}

/// `POST /api/v1/system/restore` (admin): as [`restore_backup`], for a backup file chosen here
/// (multipart part `backup`).
pub async fn restore_upload(file: &web_sys::File) -> Result<RestoreResponse, ApiError> {
    let form = web_sys::FormData::new()
        .and_then(|form| {
            form.append_with_blob_and_filename("backup", file, &file.name())?;
            Ok(form)
        })
        .map_err(|e| ApiError::local(format!("The file cannot be read ({e:?}).")))?;
    // The browser writes `multipart/form-data` with its boundary (see `upload_certificate`).
    let response = call(|| {
        Request::post(&url("/api/v1/system/restore"))
            .header("Accept", "application/json")
            .body(form.clone())
    })
    .await?;
    decode(response).await
}

/// `GET /api/v1/portal` (public): whether friends may sign in at `/portal`. Outside the session
/// machinery, like every portal call: a friend has no admin session to refresh, and the friend
/// page asks it for an admin whose own session `call` already looks after.
pub async fn portal_info() -> Result<PortalSettings, ApiError> {
    decode(call_open(builder("GET", "/api/v1/portal").build()).await?).await
}

/// `POST /api/v1/portal/sign-in` (public): a PIN and Plex's page to approve it on (201). 403
/// `portal_off`, 429 `too_many_attempts` (`retry_after`), 503 `plex_unavailable`.
pub async fn start_portal_sign_in() -> Result<PortalSignInStarted, ApiError> {
    decode(call_open(builder("POST", "/api/v1/portal/sign-in").build()).await?).await
}

/// `GET /api/v1/portal/sign-in/{id}` (public): `waiting`, `signed_in` (the answer sets the
/// portal cookie), `not_a_friend` or `expired`.
pub async fn portal_sign_in(id: &str) -> Result<PortalSignInStatus, ApiError> {
    let id = String::from(js_sys::encode_uri_component(id));
    decode(call_open(builder("GET", &format!("/api/v1/portal/sign-in/{id}")).build()).await?).await
}

/// `GET /api/v1/portal/me` (the portal cookie): the friend's own access. 401
/// `portal_unauthenticated` when not signed in to the portal, 403 `portal_off`.
pub async fn portal_me() -> Result<PortalAccessResponse, ApiError> {
    decode(call_open(builder("GET", "/api/v1/portal/me").build()).await?).await
}

/// `POST /api/v1/portal/requests` (the portal cookie): the friend asks for more time or another
/// library (201, the request). 422 names `library_id`, `period`, `message` or `kind`; 409
/// `too_many_open_requests`, `request_exists`, `friend_departed`; 429 `too_many_requests`
/// (`retry_after`).
pub async fn ask_for_more(body: &NewAccessRequest) -> Result<AccessRequest, ApiError> {
    decode(call_open(builder("POST", "/api/v1/portal/requests").json(body)).await?).await
}

/// `DELETE /api/v1/portal/requests/{id}` (the portal cookie): the friend withdraws an open
/// request; answers with it, cancelled. 409 `request_closed` once it was decided.
pub async fn cancel_my_request(id: i64) -> Result<AccessRequest, ApiError> {
    let url = format!("/api/v1/portal/requests/{id}");
    decode(call_open(builder("DELETE", &url).build()).await?).await
}

/// `POST /api/v1/portal/sign-out` (the portal cookie): ends the friend's portal session (204).
pub async fn portal_sign_out() -> Result<(), ApiError> {
    call_open(builder("POST", "/api/v1/portal/sign-out").build())
        .await
        .map(drop)
}

/// `GET /api/v1/settings/portal` (roles that read settings): the portal's switch.
pub async fn portal_settings() -> Result<PortalSettings, ApiError> {
    get("/api/v1/settings/portal").await
}

/// `PUT /api/v1/settings/portal` (admins): switches the portal on or off (off ends every portal
/// session); answers with what is saved.
pub async fn save_portal_settings(body: &PortalSettings) -> Result<PortalSettings, ApiError> {
    with_body("PUT", "/api/v1/settings/portal", body).await
}

/// `GET /api/v1/auth/sso` (public): whether the login page offers single sign-on, and its words.
/// Outside the session machinery: the login page asks it signed out.
pub async fn sso_info() -> Result<plexward_shared::SsoInfoResponse, ApiError> {
    decode(call_open(builder("GET", "/api/v1/auth/sso").build()).await?).await
}

/// Where the login page's single sign-on link goes: a full-page navigation (the server answers
/// with redirects to the provider and back), never a `fetch`.
pub fn sso_start_url() -> String {
    url("/api/v1/auth/sso/start")
}

/// `GET /api/v1/settings/sso` (admin): single sign-on's settings, never the client secret.
pub async fn sso_settings() -> Result<plexward_shared::SsoSettingsResponse, ApiError> {
    get("/api/v1/settings/sso").await
}

/// `PUT /api/v1/settings/sso` (admin): absent fields are kept; 422 names the field.
pub async fn save_sso_settings(
    body: &plexward_shared::SsoSettingsRequest,
) -> Result<plexward_shared::SsoSettingsResponse, ApiError> {
    with_body("PUT", "/api/v1/settings/sso", body).await
}

/// Whether Plexward answers at `origin` (another port or scheme of this host, after a restart).
/// A `no-cors` fetch of the public health check: its answer is opaque, only that one arrived
/// counts. The page's CSP allows this host on any port for it, and the health check allows being
/// read from other origins (`Cross-Origin-Resource-Policy: cross-origin`; `same-site` fails for
/// IP addresses in Chromium). A certificate the browser
/// does not trust looks like no answer.
pub async fn answers_at(origin: &str) -> bool {
    let request = Request::get(&format!("{origin}{}/api/v1/health", base_path()))
        .mode(web_sys::RequestMode::NoCors)
        .cache(web_sys::RequestCache::NoStore)
        .build();
    match request {
        Ok(request) => request.send().await.is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use plexward_shared::{AuditQuery, LogFile, LogLevel};

    use super::{
        audit_export_url, deliveries_query_string, invites_query_string, log_stream_url,
        logs_download_url, query, requests_query_string, template_url,
    };

    #[test]
    fn queries_leave_out_blanks_and_encode_values() {
        assert_eq!(query(&[("a", None), ("b", Some("  "))]), "");
        assert_eq!(
            query(&[("q", Some("<script> & ü")), ("n", Some("10"))]),
            "?q=%3Cscript%3E%20%26%20%C3%BC&n=10"
        );
        assert_eq!(
            query(&[("from", Some("2026-11-24T09:00:00+01:00"))]),
            "?from=2026-11-24T09%3A00%3A00%2B01%3A00"
        );
    }

    #[test]
    fn template_urls_name_the_event() {
        assert_eq!(
            template_url("friend.access.ending"),
            "/api/v1/notifications/templates/friend.access.ending"
        );
        assert_eq!(template_url("a/b"), "/api/v1/notifications/templates/a%2Fb");
    }

    #[test]
    fn urls_carry_their_parameters() {
        assert_eq!(
            logs_download_url(LogFile::Error, true),
            "/api/v1/logs/download?file=error&all=true"
        );
        assert_eq!(
            logs_download_url(LogFile::App, false),
            "/api/v1/logs/download?file=app"
        );
        assert_eq!(log_stream_url(None, None), "/api/v1/logs/stream");
        assert_eq!(
            log_stream_url(Some(LogLevel::Warn), Some(42)),
            "/api/v1/logs/stream?level=warn&after=42"
        );
        let filters = AuditQuery {
            action: Some("grants".into()),
            outcome: Some("denied".into()),
            limit: Some("50".into()),
            offset: Some("100".into()),
            ..AuditQuery::default()
        };
        assert_eq!(
            audit_export_url(&filters),
            "/api/v1/audit/export?action=grants&outcome=denied"
        );
        let invites = plexward_shared::InviteQuery {
            state: Some("pending".into()),
            q: Some("ann@example.com".into()),
            friend_id: Some("7".into()),
            ..plexward_shared::InviteQuery::default()
        };
        assert_eq!(
            invites_query_string(&invites),
            "?state=pending&q=ann%40example.com&friend_id=7"
        );
        let deliveries = plexward_shared::DeliveryQuery {
            state: Some("dead".into()),
            channel_id: Some("3".into()),
            limit: Some("50".into()),
            offset: Some("0".into()),
        };
        assert_eq!(
            deliveries_query_string(&deliveries),
            "?state=dead&channel_id=3&limit=50&offset=0"
        );
        let requests = plexward_shared::RequestQuery {
            state: Some("open".into()),
            friend_id: Some("7".into()),
            limit: Some("50".into()),
            offset: Some("0".into()),
            ..plexward_shared::RequestQuery::default()
        };
        assert_eq!(
            requests_query_string(&requests),
            "?state=open&friend_id=7&limit=50&offset=0"
        );
        assert_eq!(
            deliveries_query_string(&plexward_shared::DeliveryQuery {
                state: Some(String::new()),
                ..plexward_shared::DeliveryQuery::default()
            }),
            ""
        );
    }
}
