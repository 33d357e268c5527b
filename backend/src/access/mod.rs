//! Access: what each friend should have (grants and their time windows), the pure planner that
//! turns "should have" and "has on Plex" into the one operation that makes Plex match, and the
//! applier that carries it out; and the friend read model every list, detail and summary reads.

pub mod activity;
pub mod applier;
pub mod bulk_action;
pub mod change;
pub mod drift;
pub mod end_policy_change;
pub mod friend;
pub mod friend_dto;
pub mod friend_limit;
pub mod friend_load;
pub mod friend_view;
pub mod grants;
pub mod grants_csv;
pub mod inactivity;
pub mod invites;
pub mod plan_grants;
pub mod planner;
pub mod plans;
pub mod read_model;
pub mod recurrence;
pub mod repeat_edges;
pub mod sharing;
pub mod sharing_change;
pub mod summary;
pub mod window;
