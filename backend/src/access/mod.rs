//! Access: what each friend should have (grants and their time windows), the pure planner that
//! turns "should have" and "has on Plex" into the one operation that makes Plex match, and the
//! applier that carries it out.

pub mod applier;
pub mod change;
pub mod friend;
pub mod grants;
pub mod planner;
pub mod window;
