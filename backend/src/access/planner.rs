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
//!   libraries as they are. Settings Plexward does not manage are never sent.

use std::collections::BTreeSet;

use crate::plex::{NonEmptySet, PmsKey, ShareId, SharingSettings};

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
}

/// Plans the operation for one friend. `desired` is what their grants say at this instant.
pub fn plan(
    desired: &BTreeSet<PmsKey>,
    actual: Option<&ActualShare>,
    anchor: Option<PmsKey>,
) -> Plan {
    plan_with_sharing(desired, None, actual, anchor)
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
                Plan::Delete { .. } => prop_assert!(false, "with an anchor a share is never deleted"),
                Plan::Nothing => {}
            }
        }
    }
}
