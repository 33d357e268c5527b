//! Route targets, one file per page.

pub mod account;
pub mod accounts;
pub mod audit;
pub mod change_password;
pub mod dashboard;
pub mod deliveries;
pub mod friend;
pub mod friends;
pub mod inactive;
pub mod invites;
pub mod libraries;
pub mod login;
pub mod logs;
pub mod not_found;
pub mod notifications;
pub mod plans;
pub mod portal;
pub mod requests;
pub mod set_up_two_factor;
pub mod settings;
pub mod sso;
pub mod templates;
