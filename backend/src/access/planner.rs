//! The planner: a pure function from (what a friend should have now, what Plex says they have,
//! the anchor library) to the single operation that reconciles them.
//!
//! Rules, each of them a fix of something the seed app got wrong:
//! - no work when the sets already match (a reconcile with no changes writes nothing to Plex);
//! - never an empty library list — on plex.tv an empty `library_section_ids` means *all*
//!   libraries — the types make it impossible ([`NonEmptySet`]);
//! - with an anchor library, every shared friend keeps it, so losing the last real library does
//!   not end the share (no re-invite needed later);
//! - without an anchor, losing the last library deletes the share on this server: a real revoke;
//! - a friend with no share who gets libraries is invited; a pending invite is updated, never
//!   duplicated (it is a share, just not accepted yet);
//! - sharing settings Plexward manages ride along: an invite carries them, a change of libraries
//!   sends them in the same write, and settings that differ alone are one update with the
//!   libraries as they are. Settings Plexward does not manage are never sent;
//! - at the end of access (the last window over, none to come) the friend's end policy decides
//!   ([`EndRule`]): keep the friend (the rules above), end the share even with an anchor
//!   (`remove_share`), or remove them from the owner's friends (`remove_friend`), once. A gap
//!   between windows is not the end: the rules above apply (a pending invite for a plan that
//!   starts later is kept).

use std::collections::BTreeSet;

use crate::plex::{NonEmptySet, PmsKey, ShareId, SharingSettings};
use plexward_shared::EndPolicy;

/// What Plex has for one friend on this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualShare {
    pub share_id: ShareId,
    /// Libraries actually shared (`shared="1"` only).
    pub libraries: BTreeSet<PmsKey>,
    /// Invited but not accepted yet.
    pub pending: bool,
    /// The friend's sharing settings on Plex (`None`: not known).
    pub sharing: Option<SharingSettings>,
}

/// The operation that makes Plex match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Plex already matches.
    Nothing,
    /// Invite the friend with these libraries (and these settings, when managed).
    Create {
        libraries: NonEmptySet<PmsKey>,
        sharing: Option<SharingSettings>,
    },
    /// Replace the libraries of an existing (or pending) share, and its settings when `sharing`
    /// is set (they differ from Plex's).
    Update {
        share_id: ShareId,
        libraries: NonEmptySet<PmsKey>,
        sharing: Option<SharingSettings>,
    },
    /// End the share on this server.
    Delete { share_id: ShareId },
    /// Remove the friend from the owner's Plex friends, with every share (`remove_friend`).
    RemoveFriend,
}

/// What the end policy needs to know about a friend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndRule {
    /// The policy in effect for them.
    pub policy: EndPolicy,
    /// A window of theirs starts later: a gap between windows, not the end.
    pub more_to_come: bool,
    /// They have grants at all (a friend Plexward never gave anything has no "end").
    pub had_access: bool,
    /// Plexward already removed them from Plex's friends.
    pub removed: bool,
}

impl Default for EndRule {
    fn default() -> Self {
        Self {
            policy: EndPolicy::KeepFriend,
            more_to_come: false,
            had_access: true,
            removed: false,
        }
    }
}

/// Plans the operation for one friend. `desired` is what their grants say at this instant.
pub fn plan(
    desired: &BTreeSet<PmsKey>,
    actual: Option<&ActualShare>,
    anchor: Option<PmsKey>,
) -> Plan {
    plan_with_sharing(desired, None, actual, anchor)
}

/// [`plan_with_sharing`] with the friend's end policy.
pub fn plan_ending(
    desired: &BTreeSet<PmsKey>,
    sharing: Option<&SharingSettings>,
    actual: Option<&ActualShare>,
    anchor: Option<PmsKey>,
    end: EndRule,
) -> Plan {
    if !desired.is_empty() {
        return plan_with_sharing(desired, sharing, actual, anchor);
    }
    let ended = end.had_access && !end.more_to_come;
    match end.policy {
        EndPolicy::RemoveFriend if ended && !end.removed => Plan::RemoveFriend,
        EndPolicy::RemoveFriend if end.removed => Plan::Nothing,
        EndPolicy::RemoveShare if ended => match actual {
            Some(share) => Plan::Delete {
                share_id: share.share_id,
            },
            None => Plan::Nothing,
        },
        _ => plan_with_sharing(desired, sharing, actual, anchor),
    }
}

/// [`plan`], with the sharing settings Plexward manages for the friend (`None`: not managed).
pub fn plan_with_sharing(
    desired: &BTreeSet<PmsKey>,
    sharing: Option<&SharingSettings>,
    actual: Option<&ActualShare>,
    anchor: Option<PmsKey>,
) -> Plan {
    // Settings to send: the managed ones, unless Plex has exactly them.
    let changed = |share: &ActualShare| {
        sharing
            .filter(|s| share.sharing.as_ref() != Some(*s))
            .cloned()
    };
    let mut target = desired.clone();
    // The anchor keeps an existing share alive, and rides along with any real grant; it alone is
    // no reason to invite someone.
    if let Some(anchor) = anchor
        && (actual.is_some() || !desired.is_empty())
    {
        target.insert(anchor);
    }
    match (actual, NonEmptySet::new(target)) {
        (None, Err(_)) => Plan::Nothing,
        (None, Ok(libraries)) => Plan::Create {
            libraries,
            sharing: sharing.cloned(),
        },
        (Some(share), Err(_)) => Plan::Delete {
            share_id: share.share_id,
        },
        (Some(share), Ok(libraries)) => {
            let sharing = changed(share);
            if libraries.iter().eq(share.libraries.iter()) && sharing.is_none() {
                Plan::Nothing
            } else {
                Plan::Update {
                    share_id: share.share_id,
                    libraries,
                    sharing,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(k: &[u64]) -> BTreeSet<PmsKey> {
        k.iter().copied().map(PmsKey).collect()
    }

    fn share(k: &[u64]) -> ActualShare {
        ActualShare {
            share_id: ShareId(7),
            libraries: keys(k),
            pending: false,
            sharing: None,
        }
    }

    const ANCHOR: PmsKey = PmsKey(3);

    fn ending(policy: EndPolicy) -> EndRule {
        EndRule {
            policy,
            ..EndRule::default()
        }
    }

    #[test]
    fn each_end_policy_gives_its_operation_when_access_ends() {
        let had = share(&[1, 3]);
        let none = BTreeSet::new();
        let plan_of = |rule| plan_ending(&none, None, Some(&had), Some(ANCHOR), rule);
        assert!(matches!(
            plan_of(ending(EndPolicy::KeepFriend)),
            Plan::Update { .. }
        ));
        assert_eq!(
            plan_of(ending(EndPolicy::RemoveShare)),
            Plan::Delete {
                share_id: ShareId(7)
            }
        );
        assert_eq!(plan_of(ending(EndPolicy::RemoveFriend)), Plan::RemoveFriend);
    }

    #[test]
    fn remove_friend_waits_for_the_last_window_and_happens_once() {
        let had = share(&[1, 3]);
        let none = BTreeSet::new();
        let gap = EndRule {
            more_to_come: true,
            ..ending(EndPolicy::RemoveFriend)
        };
        // A gap between windows keeps the friend (with the anchor), as keep_friend would.
        assert!(matches!(
            plan_ending(&none, None, Some(&had), Some(ANCHOR), gap),
            Plan::Update { .. }
        ));
        let done = EndRule {
            removed: true,
            ..ending(EndPolicy::RemoveFriend)
        };
        assert_eq!(
            plan_ending(&none, None, None, Some(ANCHOR), done),
            Plan::Nothing
        );
        // remove_share too: a gap keeps the anchor.
        let gap_share = EndRule {
            more_to_come: true,
            ..ending(EndPolicy::RemoveShare)
        };
        assert!(matches!(
            plan_ending(&none, None, Some(&had), Some(ANCHOR), gap_share),
            Plan::Update { .. }
        ));
        // Never given anything: no end to act on.
        let never = EndRule {
            had_access: false,
            ..ending(EndPolicy::RemoveFriend)
        };
        assert_eq!(plan_ending(&none, None, None, None, never), Plan::Nothing);
    }

    #[test]
    fn granting_a_removed_friend_again_invites_them() {
        let removed = EndRule {
            removed: true,
            ..ending(EndPolicy::RemoveFriend)
        };
        assert!(matches!(
            plan_ending(&keys(&[1]), None, None, Some(ANCHOR), removed),
            Plan::Create { .. }
        ));
    }

    #[test]
    fn matching_sets_need_no_work() {
        assert_eq!(
            plan(&keys(&[1, 2]), Some(&share(&[1, 2])), None),
            Plan::Nothing
        );
        assert_eq!(
            plan(&keys(&[1]), Some(&share(&[1, 3])), Some(ANCHOR)),
            Plan::Nothing
        );
        assert_eq!(plan(&keys(&[]), None, Some(ANCHOR)), Plan::Nothing);
    }

    #[test]
    fn the_last_library_expiring_keeps_the_anchor() {
        let p = plan(&keys(&[]), Some(&share(&[1, 3])), Some(ANCHOR));
        assert_eq!(
            p,
            Plan::Update {
                share_id: ShareId(7),
                libraries: NonEmptySet::new([ANCHOR]).expect("non-empty"),
                sharing: None,
            }
        );
    }

    #[test]
    fn without_an_anchor_the_last_library_expiring_revokes() {
        let p = plan(&keys(&[]), Some(&share(&[1])), None);
        assert_eq!(
            p,
            Plan::Delete {
                share_id: ShareId(7)
            }
        );
    }

    #[test]
    fn a_friend_without_a_share_is_invited_with_the_anchor() {
        let p = plan(&keys(&[1]), None, Some(ANCHOR));
        assert_eq!(
            p,
            Plan::Create {
                libraries: NonEmptySet::new([PmsKey(1), ANCHOR]).expect("non-empty"),
                sharing: None,
            }
        );
    }

    #[test]
    fn a_pending_invite_is_updated_not_duplicated() {
        let mut pending = share(&[2]);
        pending.pending = true;
        let p = plan(&keys(&[1]), Some(&pending), None);
        assert!(
            matches!(
                p,
                Plan::Update {
                    share_id: ShareId(7),
                    ..
                }
            ),
            "{p:?}"
        );
    }

    fn downloads() -> SharingSettings {
        SharingSettings {
            allow_sync: true,
            ..SharingSettings::default()
        }
    }

    #[test]
    fn managed_settings_ride_with_the_libraries_in_one_write() {
        let mut plex = share(&[1]);
        plex.sharing = Some(SharingSettings::default());
        let wanted = downloads();
        // Settings alone differ: one update, libraries as they are.
        let p = plan_with_sharing(&keys(&[1]), Some(&wanted), Some(&plex), None);
        assert_eq!(
            p,
            Plan::Update {
                share_id: ShareId(7),
                libraries: NonEmptySet::one(PmsKey(1)),
                sharing: Some(wanted.clone()),
            }
        );
        // Both differ: still one update.
        let p = plan_with_sharing(&keys(&[2]), Some(&wanted), Some(&plex), None);
        assert!(
            matches!(&p, Plan::Update { sharing: Some(s), .. } if *s == wanted),
            "{p:?}"
        );
        // Plex already has them, or they are not managed: nothing about settings is sent.
        plex.sharing = Some(wanted.clone());
        assert_eq!(
            plan_with_sharing(&keys(&[1]), Some(&wanted), Some(&plex), None),
            Plan::Nothing
        );
        plex.sharing = None;
        assert_eq!(plan(&keys(&[1]), Some(&plex), None), Plan::Nothing);
        // An invite carries them.
        assert!(matches!(
            plan_with_sharing(&keys(&[1]), Some(&wanted), None, None),
            Plan::Create {
                sharing: Some(_),
                ..
            }
        ));
    }

    /// What Plex has after carrying out `plan`.
    fn apply(plan: &Plan, actual: Option<&ActualShare>) -> Option<ActualShare> {
        match plan {
            Plan::Nothing => actual.cloned(),
            Plan::RemoveFriend => None,
            Plan::Create { libraries, sharing } => Some(ActualShare {
                share_id: ShareId(99),
                libraries: libraries.iter().copied().collect(),
                pending: true,
                sharing: sharing.clone(),
            }),
            Plan::Update {
                share_id,
                libraries,
                sharing,
            } => Some(ActualShare {
                share_id: *share_id,
                libraries: libraries.iter().copied().collect(),
                pending: actual.is_some_and(|a| a.pending),
                sharing: sharing
                    .clone()
                    .or_else(|| actual.and_then(|a| a.sharing.clone())),
            }),
            Plan::Delete { .. } => None,
        }
    }

    fn arb_keys() -> impl Strategy<Value = BTreeSet<PmsKey>> {
        proptest::collection::btree_set((1u64..7).prop_map(PmsKey), 0..6)
    }

    proptest! {
        /// Applying the plan and planning again gives no more work.
        #[test]
        fn replanning_after_applying_is_a_no_op(
            desired in arb_keys(),
            actual in proptest::option::of(arb_keys()),
            anchor in proptest::option::of((1u64..7).prop_map(PmsKey)),
        ) {
            // Plex never has a share with zero libraries.
            let actual = actual.filter(|a| !a.is_empty()).map(|libraries| ActualShare { share_id: ShareId(7), libraries, pending: false, sharing: None });
            let first = plan(&desired, actual.as_ref(), anchor);
            let after = apply(&first, actual.as_ref());
            prop_assert_eq!(plan(&desired, after.as_ref(), anchor), Plan::Nothing);
        }

        /// When an anchor is set, every share Plexward writes contains it, and every desired
        /// library is in what is written.
        #[test]
        fn writes_contain_the_anchor_and_every_desired_library(
            desired in arb_keys(),
            actual in proptest::option::of(arb_keys()),
            anchor in (1u64..7).prop_map(PmsKey),
        ) {
            let actual = actual.filter(|a| !a.is_empty()).map(|libraries| ActualShare { share_id: ShareId(7), libraries, pending: false, sharing: None });
            match plan(&desired, actual.as_ref(), Some(anchor)) {
                Plan::Create { libraries, .. } | Plan::Update { libraries, .. } => {
                    let written: BTreeSet<PmsKey> = libraries.iter().copied().collect();
                    prop_assert!(written.contains(&anchor));
                    prop_assert!(desired.is_subset(&written));
                }
                Plan::Delete { .. } | Plan::RemoveFriend => prop_assert!(false, "with an anchor a share is never deleted"),
                Plan::Nothing => {}
            }
        }
    }
}
