//! Plex simulator (being built).
