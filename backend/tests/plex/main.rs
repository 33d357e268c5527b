//! The Plex client against the in-process Plex simulator (`e2e/plex-sim`), all on 127.0.0.1.

mod counts;
mod errors;
mod logs;
mod operations;
mod retries;
mod routes;
mod support;
