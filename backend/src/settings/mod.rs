//! Runtime settings edited in the UI, typed, each stored as one JSON row of `settings`.

pub mod plex;
pub mod plex_server;
pub mod secret_box;
pub mod server;
