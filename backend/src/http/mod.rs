//! HTTP: routes grouped per resource under `/api/v1`, the SPA for everything else, and the
//! middleware every response passes through.

pub mod accounts;
pub mod activity;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod base_path;
pub mod body_timeout;
pub mod client_addr;
pub mod connection_cap;
pub mod cookies;
pub mod csrf;
pub mod deprecation;
pub mod dto;
pub mod end_policy;
pub mod error;
pub mod etag;
pub mod extractors;
pub mod friend_notifications;
pub mod grants;
pub mod grants_csv;
pub mod health;
pub mod idempotency;
pub mod inactivity;
pub mod invites;
pub mod live_streams;
pub mod logs;
pub mod me;
pub mod metrics;
pub mod mfa;
pub mod notification_templates;
pub mod notifications;
pub mod openapi;
pub mod openapi_errors;
pub mod openapi_examples;
pub mod openapi_links;
pub mod openapi_security;
pub mod passkeys;
pub mod password;
pub mod plans;
pub mod plex_data;
pub mod portal;
pub mod preconditions;
pub mod principal;
pub mod query_guard;
pub mod rate_limit;
pub mod request_id;
pub mod requests;
pub mod scheduler;
pub mod security_headers;
pub mod server_settings;
pub mod sessions;
pub mod settings;
pub mod sharing;
pub mod sign_in_settings;
pub mod spa;
pub mod sso;
pub mod summary;
pub mod tokens;

use actix_web::dev::HttpServiceFactory;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt as _;
use utoipa_actix_web::OpenApiFactory;

use crate::http::error::ApiError;

/// Where [`api_v1`] mounts its endpoints: utoipa-actix-web's config once at start-up, to build
/// the OpenAPI document, and actix's own in every worker. Mounting through utoipa in each worker
/// built the whole document again per worker only to throw it away, and the 4 MiB of arena it
/// churned stayed resident for the life of the process (docs/BENCHMARKS.md, idle memory).
pub trait Mount {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static;
}

impl Mount for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        utoipa_actix_web::service_config::ServiceConfig::service(self, factory)
    }
}

impl Mount for web::ServiceConfig {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        web::ServiceConfig::service(self, factory)
    }
}

/// Every `/api/v1` endpoint, each of which lands in the OpenAPI document; add new resources
/// here, one module each.
pub fn api_v1<C: Mount>(cfg: &mut C) {
    cfg.service(health::health)
        .service(openapi::document)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::me)
        .service(me::change_password)
        .service(password::strength)
        .service(me::list_tokens)
        .service(mfa::complete)
        .service(mfa::status)
        .service(mfa::enrol)
        .service(mfa::confirm)
        .service(mfa::disable)
        .service(mfa::reset)
        .service(passkeys::list)
        .service(passkeys::start_registration)
        .service(passkeys::register)
        .service(passkeys::rename)
        .service(passkeys::remove)
        .service(passkeys::start_sign_in)
        .service(passkeys::sign_in)
        .service(passkeys::start_step)
        .service(portal::info)
        .service(portal::start_sign_in)
        .service(portal::sign_in_status)
        .service(portal::me)
        .service(portal::my_requests)
        .service(portal::create_request)
        .service(portal::cancel_request)
        .service(portal::sign_out)
        .service(activity::friend_activity)
        .service(inactivity::get_settings)
        .service(inactivity::put_settings)
        .service(inactivity::report)
        .service(inactivity::apply)
        .service(requests::list)
        .service(requests::approve)
        .service(requests::decline)
        .service(portal::get_settings)
        .service(portal::put_settings)
        .service(sessions::list_mine)
        .service(sessions::end_my_others)
        .service(sessions::end_mine)
        .service(sessions::list_for)
        .service(sessions::end_all_for)
        .service(sessions::end_for)
        .service(sign_in_settings::get_sign_in)
        .service(sign_in_settings::put_sign_in)
        .service(sso::get_settings)
        .service(sso::put_settings)
        .service(sso::info)
        .service(sso::start)
        .service(sso::callback)
        .service(me::create_token)
        .service(me::delete_token)
        .service(tokens::list_all)
        .service(tokens::delete_any)
        .service(accounts::list)
        .service(accounts::create)
        .service(accounts::get_one)
        .service(accounts::update)
        .service(accounts::delete_one)
        .service(settings::get_plex)
        .service(settings::put_plex)
        .service(settings::test_plex)
        .service(settings::start_sign_in)
        .service(settings::sign_in_status)
        .service(server_settings::get_server)
        .service(server_settings::put_server)
        .service(server_settings::upload_certificate)
        .service(server_settings::restart)
        .service(backups::list)
        .service(backups::create)
        .service(backups::download)
        .service(backups::delete_one)
        .service(backups::restore)
        .service(backups::restore_upload)
        .service(plex_data::libraries)
        .service(plex_data::plex_users)
        .service(plex_data::plex_user)
        .service(summary::summary)
        .service(grants::set_grants)
        .service(grants::extend)
        .service(sharing::set_sharing)
        .service(end_policy::set_end_policy)
        .service(grants::bulk)
        .service(notifications::list)
        .service(notifications::create)
        .service(notifications::get_one)
        .service(notifications::update)
        .service(notifications::delete_one)
        .service(notifications::test)
        .service(notifications::deliveries)
        .service(notifications::resend)
        .service(notifications::get_settings)
        .service(notifications::put_settings)
        .service(notification_templates::list)
        .service(notification_templates::preview)
        .service(notification_templates::put_one)
        .service(notification_templates::delete_one)
        .service(friend_notifications::get_one)
        .service(friend_notifications::put_one)
        .service(invites::list)
        .service(invites::create)
        .service(invites::get_one)
        .service(invites::cancel)
        .service(invites::resend)
        .service(plans::list)
        .service(plans::create)
        .service(plans::get_one)
        .service(plans::update)
        .service(plans::delete_one)
        .service(grants_csv::export)
        .service(grants_csv::import)
        .service(grants::history)
        .service(scheduler::get_scheduler)
        .service(scheduler::put_scheduler)
        .service(scheduler::run_now)
        .service(audit::list)
        .service(audit::actions)
        .service(audit::export)
        .service(audit::stream)
        .service(logs::read)
        .service(logs::download)
        .service(logs::stream)
        .service(plex_data::start_sync)
        .service(plex_data::job);
}

/// The OpenAPI document of everything [`api_v1`] mounts, with the error answers the layers in
/// front of the handlers share (see [`openapi_errors`]), the links between operations and who
/// may call each (see [`openapi_security`]).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(|cfg| api_v1(cfg)))
        .split_for_parts();
    openapi_errors::add_shared_errors(&mut api);
    openapi_examples::add_examples(&mut api);
    deprecation::mark_in_document(&mut api);
    openapi_links::add_links(&mut api);
    openapi_security::require_credentials(&mut api);
    api
}

/// Default service: unknown `/api` paths get the JSON 404; everything else is the SPA.
pub async fn fallback(req: HttpRequest, spa: web::Data<spa::Spa>) -> HttpResponse {
    let path = base_path::inner_path(&req);
    if path == "/api" || path.starts_with("/api/") {
        return actix_web::ResponseError::error_response(&ApiError::NotFound);
    }
    spa::serve(req, spa).await
}
