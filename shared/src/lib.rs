//! Plexward's wire types: every JSON body the API sends or accepts is declared here once, and
//! both the server (`plexward`) and the SPA (`plexward-web`) use these definitions.
//!
//! The crate must build for `wasm32-unknown-unknown`: serde only, server-only derives behind the
//! `server` feature.

pub mod error;
pub mod health;

pub use error::{ErrorBody, ErrorResponse};
pub use health::{HealthResponse, HealthStatus};
