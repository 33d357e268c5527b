//! What every handler may reach: shared, cheap to clone.

use std::time::Instant;

use crate::db::DbPool;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DbPool,
    /// When the process started serving (for uptime).
    pub started: Instant,
}
