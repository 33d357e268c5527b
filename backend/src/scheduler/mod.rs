//! The reconcile schedule: its settings, the pure "when is the next run" maths, and the worker
//! that starts a reconcile when it is due.

pub mod heartbeat;
pub mod schedule;
pub mod settings;
pub mod worker;
