//! When things run: the deadline worker (window edges and due retries, [`deadline`], [`retry`]),
//! the reconcile schedule (its settings, the pure "when is the next run" maths, and the worker
//! that starts a reconcile when it is due). The scheduler decides when and enqueues; the work
//! itself is in `jobs`, which never imports this module.

pub mod backups;
pub mod deadline;
pub mod deliveries;
pub mod heartbeat;
pub mod plex_health;
pub mod reminders;
pub mod retention;
pub mod retry;
pub mod schedule;
pub mod settings;
pub mod worker;
