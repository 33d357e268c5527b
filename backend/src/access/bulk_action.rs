//! What each kind of bulk action does to one friend's grants (`POST /api/v1/plex-users/bulk`):
//! set exactly these libraries, add or remove some while keeping the friend's other windows,
//! extend, revoke, or set sharing settings (grants kept). Pure: the change service validates every friend before saving any.

use plexward_shared::BulkAction;

use crate::access::friend::{Catalog, Friend};
use crate::access::grants::{self, FieldErrors, NewGrant};

/// The friend's grants after `action` at `now`; fields are named `action.*`.
pub fn apply(
    action: &BulkAction,
    friend: &Friend,
    catalog: &Catalog,
    now: i64,
) -> Result<Vec<NewGrant>, FieldErrors> {
    let current = || grants::from_rows(&friend.grants);
    match action {
        BulkAction::SetLibraries {
            library_ids,
            starts_at,
            ends_at,
        } => grants::validate_set(
            library_ids,
            starts_at.as_deref(),
            ends_at.as_deref(),
            catalog,
            "action",
        ),
        BulkAction::AddLibraries {
            library_ids,
            starts_at,
            ends_at,
        } => {
            grants::validate_library_ids(library_ids, catalog, "action.library_ids")?;
            let added = grants::validate_set(
                library_ids,
                starts_at.as_deref(),
                ends_at.as_deref(),
                catalog,
                "action",
            )?;
            Ok(grants::add_libraries(&current(), &added))
        }
        BulkAction::RemoveLibraries { library_ids } => {
            grants::validate_library_ids(library_ids, catalog, "action.library_ids")?;
            Ok(grants::remove_libraries(&current(), library_ids))
        }
        BulkAction::Extend {
            period,
            library_ids,
        } => {
            grants::validate_extend_libraries(
                library_ids.as_deref(),
                catalog,
                "action.library_ids",
            )?;
            Ok(grants::extend(
                &current(),
                period,
                library_ids.as_deref(),
                now,
            ))
        }
        BulkAction::Revoke {} => Ok(Vec::new()),
        // The settings ride along (see `change::bulk`); the grants stay as they are.
        BulkAction::Sharing { .. } => Ok(current()),
        // Carried out by `plans::give`, which has the plan; never routed here.
        BulkAction::ApplyPlan { .. } => Err(FieldErrors::from([(
            "action.plan_id".to_owned(),
            "an access plan is given through the plans service".to_owned(),
        )])),
    }
}
