//! Crash recovery, end to end, with the real `plexward` binary killed with SIGKILL: three kills at
//! chosen moments (CI), and twenty at random moments (`--ignored`, the long run).

mod harness;
mod three_kills;
mod twenty_rounds;
