//! Reusable pieces of the UI.

pub mod audit_events;
pub mod audit_filters;
pub mod avatar;
pub mod bulk_dialog;
pub mod certificate_upload;
pub mod change_password_form;
pub mod dialog;
pub mod field_error;
pub mod form_field;
pub mod friend_badges;
pub mod friend_lists;
pub mod grant_editor;
pub mod history;
pub mod job_progress;
pub mod layout;
pub mod live_tail;
pub mod log_lines;
pub mod password_input;
pub mod restart_server;
pub mod scheduler_card;
pub mod scheduler_form;
pub mod secret_dialog;
pub mod server_settings;
pub mod strength_meter;
pub mod timeline;
pub mod upcoming;
