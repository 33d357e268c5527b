//! Who watches, in words: a friend's last watch (`Last watched 3 days ago`), their plays
//! (`12 plays in 30 days`), and the inactivity policy's stages and actions.

use chrono::{DateTime, Utc};
use plexward_shared::{InactivityAction, InactivityStage};

use crate::format::{ago_words, plural};

/// `3 days ago` / `Never` — the friends list's column.
pub fn last_watched_short(at: Option<&DateTime<Utc>>, now: DateTime<Utc>) -> String {
    at.map_or_else(
        || "Never".to_owned(),
        |at| ago_words((now - *at).num_seconds()),
    )
}

/// `Last watched 3 days ago` / `Never seen watching`.
pub fn last_watched_words(at: Option<&DateTime<Utc>>, now: DateTime<Utc>) -> String {
    at.map_or_else(
        || "Never seen watching".to_owned(),
        |at| format!("Last watched {}", ago_words((now - *at).num_seconds())),
    )
}

/// `12 plays in 30 days`, `1 play in 90 days`.
pub fn plays_words(plays: u64, days: u32) -> String {
    format!("{plays} {} in {days} days", plural(plays, "play", "plays"))
}

/// `Reminder` / `Due`: the stage's badge.
pub fn stage_words(stage: InactivityStage) -> &'static str {
    match stage {
        InactivityStage::Reminder => "Reminder",
        InactivityStage::Due => "Due",
    }
}

/// The stage as the API spells it (for test ids and classes).
pub fn stage_name(stage: InactivityStage) -> &'static str {
    match stage {
        InactivityStage::Reminder => "reminder",
        InactivityStage::Due => "due",
    }
}

/// What the action does, as the settings' select names it.
pub fn action_label(action: InactivityAction) -> &'static str {
    match action {
        InactivityAction::RemindOnly => "Only remind",
        InactivityAction::EndAccess => "End their access",
        InactivityAction::RemoveFriend => "End access and remove from Plex friends",
    }
}

/// The action as the API spells it.
pub fn action_value(action: InactivityAction) -> &'static str {
    match action {
        InactivityAction::RemindOnly => "remind_only",
        InactivityAction::EndAccess => "end_access",
        InactivityAction::RemoveFriend => "remove_friend",
    }
}

/// The select's value back to an action (anything unknown: the default, end access).
pub fn action_of(value: &str) -> InactivityAction {
    match value {
        "remind_only" => InactivityAction::RemindOnly,
        "remove_friend" => InactivityAction::RemoveFriend,
        _ => InactivityAction::EndAccess,
    }
}

/// The inactive view's confirm button: `End access…` / `Remove…`; none when the policy only
/// reminds (nothing to confirm).
pub fn confirm_label(action: InactivityAction) -> Option<&'static str> {
    match action {
        InactivityAction::RemindOnly => None,
        InactivityAction::EndAccess => Some("End access…"),
        InactivityAction::RemoveFriend => Some("Remove…"),
    }
}

/// `After 90 days without watching: end their access (reminded 14 days before).`
pub fn policy_words(days: u32, action: InactivityAction, remind_days_before: u32) -> String {
    let what = match action {
        InactivityAction::RemindOnly => "remind them",
        InactivityAction::EndAccess => "end their access",
        InactivityAction::RemoveFriend => "end their access and remove them from your Plex friends",
    };
    let remind = if remind_days_before == 0 || action == InactivityAction::RemindOnly {
        String::new()
    } else {
        format!(
            " (reminded {remind_days_before} {} before)",
            plural(u64::from(remind_days_before), "day", "days")
        )
    };
    format!(
        "After {days} {} without watching: {what}{remind}.",
        plural(u64::from(days), "day", "days")
    )
}

/// The friends list's "Inactive for" filter value to days (`""`: any).
pub fn inactive_days_of(value: &str) -> Option<u32> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=3_650).contains(d))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
            .single()
            .expect("a time")
    }

    #[test]
    fn last_watched_reads_as_time_ago_or_never() {
        let three_days = now() - Duration::days(3) - Duration::hours(2);
        assert_eq!(
            last_watched_words(Some(&three_days), now()),
            "Last watched 3 days ago"
        );
        assert_eq!(last_watched_words(None, now()), "Never seen watching");
        assert_eq!(last_watched_short(Some(&three_days), now()), "3 days ago");
        assert_eq!(last_watched_short(None, now()), "Never");
        let moments = now() - Duration::seconds(20);
        assert_eq!(last_watched_short(Some(&moments), now()), "just now");
    }

    #[test]
    fn plays_count_in_words() {
        assert_eq!(plays_words(12, 30), "12 plays in 30 days");
        assert_eq!(plays_words(1, 90), "1 play in 90 days");
        assert_eq!(plays_words(0, 30), "0 plays in 30 days");
    }

    #[test]
    fn stages_and_actions_have_words_and_wire_names() {
        assert_eq!(stage_words(InactivityStage::Reminder), "Reminder");
        assert_eq!(stage_words(InactivityStage::Due), "Due");
        assert_eq!(stage_name(InactivityStage::Due), "due");
        for action in [
            InactivityAction::RemindOnly,
            InactivityAction::EndAccess,
            InactivityAction::RemoveFriend,
        ] {
            assert_eq!(action_of(action_value(action)), action);
            let wire = serde_json::to_value(action).expect("json");
            assert_eq!(wire.as_str(), Some(action_value(action)));
        }
        assert_eq!(action_of("bogus"), InactivityAction::EndAccess);
        assert_eq!(confirm_label(InactivityAction::RemindOnly), None);
        assert_eq!(
            confirm_label(InactivityAction::EndAccess),
            Some("End access…")
        );
        assert_eq!(
            confirm_label(InactivityAction::RemoveFriend),
            Some("Remove…")
        );
    }

    #[test]
    fn the_policy_reads_as_a_sentence() {
        assert_eq!(
            policy_words(90, InactivityAction::EndAccess, 14),
            "After 90 days without watching: end their access (reminded 14 days before)."
        );
        assert_eq!(
            policy_words(30, InactivityAction::RemindOnly, 5),
            "After 30 days without watching: remind them."
        );
        assert_eq!(
            policy_words(60, InactivityAction::RemoveFriend, 1),
            "After 60 days without watching: end their access and remove them from your Plex friends (reminded 1 day before)."
        );
    }

    #[test]
    fn the_inactive_filter_reads_days() {
        assert_eq!(inactive_days_of(""), None);
        assert_eq!(inactive_days_of("60"), Some(60));
        assert_eq!(inactive_days_of("0"), None);
        assert_eq!(inactive_days_of("9999"), None);
    }
}
