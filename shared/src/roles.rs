//! Roles and the one permission table. The server enforces it on every request; the SPA uses the
//! same table to show only what a role may use. Deny by default: a permission not listed for a
//! role is refused.

use serde::{Deserialize, Serialize};

/// What an application account (or API token) may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including settings, accounts and everyone's API tokens.
    Admin,
    /// Plex users, grants, bulk changes, sync and run-now; reads logs and audit.
    Moderator,
    /// Read-only everything except secrets; logs (incl. download) and audit (incl. export).
    Auditor,
}

impl Role {
    /// All roles, most powerful first.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Moderator, Role::Auditor];

    /// Whether this role holds `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Moderator => matches!(
                permission,
                ViewPlexData | ManageAccess | RunSync | ViewSettings | ViewLogs | ViewAudit
            ),
            Role::Auditor => matches!(
                permission,
                ViewPlexData | ViewSettings | ViewLogs | DownloadLogs | ViewAudit | ExportAudit
            ),
        }
    }

    /// Whether everything `other` may do, this role may do too: an account can only create API
    /// tokens for roles it covers.
    pub fn covers(self, other: Role) -> bool {
        Permission::ALL
            .iter()
            .all(|&p| !other.allows(p) || self.allows(p))
    }

    /// The role's name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Auditor => "auditor",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}` (admin, moderator, auditor)"))
    }
}

/// Things a role may be allowed to do. Every signed-in account may also manage its own password,
/// API tokens and sessions; that needs no permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read Plex users, libraries, grants, jobs and the scheduler state.
    ViewPlexData,
    /// Change grants, bulk changes, extensions.
    ManageAccess,
    /// Start a sync or a reconcile now.
    RunSync,
    /// Read settings (never secrets).
    ViewSettings,
    /// Change settings: Plex connection, scheduler, server/HTTPS, restart.
    ManageSettings,
    /// Create, change and delete application accounts.
    ManageAccounts,
    /// List and revoke every account's API tokens.
    ManageAllTokens,
    /// Read logs, incl. the live stream.
    ViewLogs,
    /// Download log files.
    DownloadLogs,
    /// Read the audit log.
    ViewAudit,
    /// Export the audit log as CSV.
    ExportAudit,
    /// Make, list, download, delete and restore backups (they hold the key files).
    ManageBackups,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 12] = [
        Permission::ViewPlexData,
        Permission::ManageAccess,
        Permission::RunSync,
        Permission::ViewSettings,
        Permission::ManageSettings,
        Permission::ManageAccounts,
        Permission::ManageAllTokens,
        Permission::ViewLogs,
        Permission::DownloadLogs,
        Permission::ViewAudit,
        Permission::ExportAudit,
        Permission::ManageBackups,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_covers_everyone_others_only_themselves() {
        for role in Role::ALL {
            assert!(Role::Admin.covers(role));
            assert!(role.covers(role));
        }
        // The auditor may download logs, which a moderator may not, and vice versa for access.
        assert!(!Role::Moderator.covers(Role::Auditor));
        assert!(!Role::Auditor.covers(Role::Moderator));
        assert!(!Role::Moderator.covers(Role::Admin));
    }

    #[test]
    fn only_admins_touch_settings_and_accounts() {
        for p in [
            Permission::ManageSettings,
            Permission::ManageAccounts,
            Permission::ManageAllTokens,
        ] {
            assert!(Role::Admin.allows(p));
            assert!(!Role::Moderator.allows(p));
            assert!(!Role::Auditor.allows(p));
        }
        assert!(!Role::Auditor.allows(Permission::ManageAccess));
        assert!(!Role::Moderator.allows(Permission::DownloadLogs));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
