//! Crash recovery, end to end, with the real `plexward` binary killed with SIGKILL: three kills at
//! chosen moments (CI), and twenty at random moments (`--ignored`, the long run). Beside them,
//! what the same binary sets for itself at start (file modes, the open-file limit).

mod harness;
mod outbox;
mod process_hardening;
mod three_kills;
mod twenty_rounds;
