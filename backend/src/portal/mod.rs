//! The friend portal: a friend of the server signs in with their own Plex account (the PIN
//! flow, `sign_in`), gets a portal session of their own (`sessions`: no Plexward account, and
//! it may read only that friend's access), and sees their access in words (`view`). The admin's
//! switch (`settings`) is off until turned on.

pub mod requests;
pub mod sessions;
pub mod settings;
pub mod sign_in;
pub mod view;

use crate::db::DbError;

/// What the portal refuses, and why; `http/error.rs` maps each to its status.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The admin has not switched the portal on.
    #[error("the friend portal is off")]
    Off,
    /// No such sign-in, or not a friend's portal session.
    #[error("not signed in to the portal")]
    Unauthenticated,
    /// A setting that cannot be saved: the field and why.
    #[error("{1}")]
    Invalid(&'static str, String),
    /// plex.tv could not be asked; what to do.
    #[error("{0}")]
    PlexUnavailable(String),
    /// Too many sign-ins from this address.
    #[error("too many sign-ins")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
}
