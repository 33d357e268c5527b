//! Black-box API tests: each starts the real application on port 0 with its own data directory.

mod helpers;

mod access;
mod accounts;
mod apply_jobs;
mod audit;
mod audit_via_token;
mod auth;
mod auth_api_key;
mod auth_rate_limit;
mod bad_input;
mod errors;
mod flaky_plex;
mod formats;
mod health;
mod job_path;
mod logs;
mod metrics;
mod names;
mod openapi;
mod openapi_security;
mod password_strength;
mod permissions;
mod plex_routes;
mod plex_settings;
mod plex_sign_in;
mod read_model;
mod scheduler;
mod scripting;
mod server_settings;
mod sharing;
mod spa;
mod storage_faults;
mod sync;
mod tokens;
mod unknown_query;
