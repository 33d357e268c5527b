//! Black-box API tests: each starts the real application on port 0 with its own data directory.

mod helpers;

mod access;
mod accounts;
mod apply_jobs;
mod audit;
mod auth;
mod bad_input;
mod errors;
mod flaky_plex;
mod health;
mod logs;
mod metrics;
mod openapi;
mod password_strength;
mod permissions;
mod plex_settings;
mod scheduler;
mod server_settings;
mod spa;
mod storage_faults;
mod sync;
mod tokens;
