//! Plex's limit on how many people one server may be shared with (about 100: not in a support
//! article, widely reported). Plexward counts the people this server is shared with (accepted or
//! pending, Home users aside: they belong to the owner's Plex Home, which has its own limit),
//! warns from 90, and refuses a change that would invite past the limit before Plex does.

use plexward_shared::FriendLimit;

use crate::db::plex_users::PlexUser;

/// Plex's limit, unless the configuration says otherwise (`plex_friend_limit`).
pub const DEFAULT_LIMIT: u32 = crate::config::DEFAULT_PLEX_FRIEND_LIMIT;
/// How many below the limit the dashboard starts warning.
pub const WARNING_MARGIN: u32 = 10;

/// Whether `user` takes one of the server's places.
pub fn takes_a_place(user: &PlexUser) -> bool {
    user.departed_at.is_none() && !user.home && user.share_id.is_some()
}

/// The count as the dashboard shows it; `limit` 0 = not checked.
pub fn status(shared_with: u64, limit: u32) -> FriendLimit {
    let limit = (limit > 0).then_some(limit);
    FriendLimit {
        shared_with,
        limit,
        warning: limit.is_some_and(|l| shared_with + u64::from(WARNING_MARGIN) >= u64::from(l)),
        full: limit.is_some_and(|l| shared_with >= u64::from(l)),
    }
}

/// `Err((shared_with, limit))` when inviting `new` more people would go past `limit`.
pub fn check_room(shared_with: u64, new: u64, limit: u32) -> Result<(), (u64, u32)> {
    if new > 0 && limit > 0 && shared_with + new > u64::from(limit) {
        return Err((shared_with, limit));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_starts_ten_below_the_limit() {
        assert!(!status(89, 100).warning);
        assert!(status(90, 100).warning);
        assert!(!status(99, 100).full);
        assert!(status(100, 100).full);
        let off = status(500, 0);
        assert_eq!(off.limit, None);
        assert!(!off.warning && !off.full);
    }

    #[test]
    fn room_is_checked_for_new_places_only() {
        assert_eq!(check_room(99, 1, 100), Ok(()));
        assert_eq!(check_room(100, 1, 100), Err((100, 100)));
        assert_eq!(check_room(98, 3, 100), Err((98, 100)));
        assert_eq!(check_room(150, 0, 100), Ok(()), "updates need no room");
        assert_eq!(check_room(1_000, 5, 0), Ok(()), "0 = not checked");
    }
}
