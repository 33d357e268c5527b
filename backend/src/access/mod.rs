//! Access: what each friend should have (grants and their time windows) and the pure planner that
//! turns "should have" and "has on Plex" into the one operation that makes Plex match.

pub mod planner;
pub mod window;
