//! Plexward's wire types: every JSON body the API sends or accepts is declared here once, and
//! both the server (`plexward`) and the SPA (`plexward-web`) use these definitions. Rules both
//! sides must apply identically (the permission table, the password policy) live here too.
//!
//! The crate must build for `wasm32-unknown-unknown`: no server crates; server-only derives
//! (OpenAPI schemas) behind the `server` feature.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod duration;
pub mod end_policy;
pub mod error;
pub mod health;
pub mod inactivity;
pub mod invites;
pub mod jobs;
pub mod list;
pub mod logs;
pub mod mfa;
pub mod notifications;
pub mod passkeys;
pub mod password;
pub mod plans;
pub mod plex_data;
pub mod plex_settings;
pub mod portal;
pub mod requests;
pub mod roles;
pub mod scheduler;
pub mod server_settings;
pub mod sessions;
pub mod sharing;
pub mod sso;
pub mod time;
pub mod tokens;

pub use access::{
    ApplyState, ApplyStatus, BulkAction, BulkFriendPlan, BulkRequest, BulkResponse, BulkSkipped,
    ChangeResponse, ExtendPeriod, ExtendRequest, FriendIds, GrantChange, GrantRequest, GrantWindow,
    HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, HistoryEntry, HistoryQuery, ImportGrantsRequest,
    PlanAction, PlanResponse, Repeat, SetGrantsRequest, WEEKDAYS,
};
pub use accounts::{CreateAccountRequest, UpdateAccountRequest};
pub use activity::{FriendActivity, LibraryActivity};
pub use audit::{
    AUDIT_ACTIONS, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AuditEventResponse, AuditQuery, ViaToken,
};
pub use auth::{AccountResponse, ChangePasswordRequest, LoginRequest, LoginResponse};
pub use backups::{BackupReport, BackupResponse, BackupTrigger, RestoreResponse};
pub use end_policy::{EndPolicy, EndPolicyView, SetEndPolicyRequest};
pub use error::{ChangedBy, ErrorBody, ErrorResponse};
pub use health::{HealthResponse, HealthStatus, PlexApiChoice, PlexApiRoutes, RetiredPlexRoute};
pub use inactivity::{
    INACTIVE_DAYS_MAX, INACTIVE_DAYS_MIN, InactiveFriend, InactivityAction, InactivityApplyRequest,
    InactivityPolicy, InactivityReport, InactivityStage,
};
pub use invites::{
    CreateInviteRequest, CreateInviteResponse, INVITE_EXPIRY_DAYS_DEFAULT, INVITE_EXPIRY_DAYS_MAX,
    INVITE_NOTE_MAX, InvitePlan, InviteQuery, InviteResponse, InviteState,
};
pub use jobs::{JobKind, JobResponse, JobStarted, JobState, Progress, SyncReport};
pub use list::{List, PAGE_MAX, Paging};
pub use logs::{
    LOG_LINES_DEFAULT, LOG_LINES_MAX, LOG_LINES_MIN, LOG_QUERY_MAX_CHARS, LogDownloadQuery,
    LogEntry, LogFile, LogLevel, LogQuery, LogStreamQuery,
};
pub use mfa::{
    LoginAnswer, MfaRequest, MfaRequiredResponse, MfaStatusResponse, RecoveryCodesResponse,
    TotpConfirmRequest, TotpDisableRequest, TotpEnrolmentResponse,
};
pub use notifications::{
    ChannelConfig, ChannelRequest, ChannelResponse, ChannelTestResponse, DeliveryQuery,
    DeliveryResponse, DeliveryState, FRIEND_INACTIVE_TEMPLATE, FRIEND_REMINDER_TEMPLATE,
    FRIEND_REQUEST_TEMPLATE, FriendNotifications, NOTIFICATION_EVENTS, NotificationSettings,
    SavedChannelResponse, TemplatePreviewRequest, TemplatePreviewResponse, TemplateRequest,
    TemplateResponse, TemplateVariable,
};
pub use passkeys::{
    PASSKEY_NAME_MAX, PasskeyAssertion, PasskeyCeremony, PasskeyMfaOptionsRequest,
    PasskeyRegisterRequest, PasskeyRegisteredResponse, PasskeyRenameRequest, PasskeyResponse,
    check_passkey_name,
};
pub use plans::{
    AccessPlanRequest, AccessPlanResponse, GivenPlan, PLAN_DESCRIPTION_MAX, PLAN_GRANTS_MAX,
    PLAN_NAME_MAX, PlanGrant,
};
pub use plex_data::{
    EXPIRING_DAYS_MAX, EXPIRING_SOON_DAYS, FRIEND_PAGE_MAX, FriendLimit, FriendQuery, FriendSort,
    FriendStatus, GrantResponse, LibraryResponse, NextChange, Occurrence, PlexUserDetailResponse,
    PlexUserResponse, SUMMARY_LIST_MAX, StatusCounts, SummaryQuery, SummaryResponse,
    UPCOMING_DAYS_DEFAULT, Upcoming, UpcomingEdge, UpcomingFriend, display_name, expires_soon,
    expires_within,
};
pub use plex_settings::{
    DriftPolicy, PlexConnectionKind, PlexPinStarted, PlexPinState, PlexPinStatus, PlexProblem,
    PlexServerChoice, PlexServerConnection, PlexServerDetails, PlexSettingsResponse,
    PlexTestResponse, SettingSource, UpdatePlexSettingsRequest,
};
pub use portal::{
    PortalAccessResponse, PortalLibrary, PortalSettings, PortalSignInStarted, PortalSignInState,
    PortalSignInStatus, sharing_sentences,
};
pub use requests::{
    AccessRequest, AccessRequestKind, AccessRequestState, ApproveRequest, ApproveResponse,
    DeclineRequest, NewAccessRequest, REQUEST_MESSAGE_MAX, REQUESTS_OPEN_MAX, REQUESTS_PER_DAY,
    RequestFriend, RequestQuery, RequestableLibrary,
};
pub use roles::{Permission, Role};
pub use scheduler::{
    LastRun, ReconcileReport, ScheduleMode, ScheduleSettings, ScheduleUpdate, SchedulerResponse,
};
pub use server_settings::{
    CertificateInfo, CertificateKind, HttpsMode, RestartResponse, RunningServer, Scheme,
    ServerSettingsResponse, UpdateServerSettingsRequest,
};
pub use sessions::{SessionResponse, SessionsEndedResponse, SignInMethod, SignInSettings};
pub use sharing::{Restriction, Restrictions, SetSharingRequest, Sharing, SharingBadge};
pub use sso::{
    SSO_CALLBACK_PATH, SsoInfoResponse, SsoRoleRule, SsoSettingsRequest, SsoSettingsResponse,
};
pub use tokens::{
    API_TOKEN_PREFIX, ApiTokenResponse, CreateApiTokenRequest, CreatedApiTokenResponse,
};
