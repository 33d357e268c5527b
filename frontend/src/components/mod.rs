//! Reusable pieces of the UI.

pub mod change_password_form;
pub mod dialog;
pub mod layout;
pub mod password_input;
pub mod secret_dialog;
pub mod strength_meter;
