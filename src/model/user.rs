//! Users, the three default roles and the vendor's permission names.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Standard,
    ReadOnly,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Standard => "standard",
            Role::ReadOnly => "read_only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Datadog Admin Role",
            Role::Standard => "Datadog Standard Role",
            Role::ReadOnly => "Datadog Read Only Role",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "admin" => Some(Role::Admin),
            "standard" => Some(Role::Standard),
            "read_only" | "readonly" => Some(Role::ReadOnly),
            _ => None,
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &Permission::ALL,
            // The vendor's Standard role triages, opens cases and incidents, blocks and runs workflows,
            // but does not manage users or notification rules.
            Role::Standard => &[
                SecurityMonitoringSignalsRead,
                SecurityMonitoringSignalsWrite,
                CasesRead,
                CasesWrite,
                IncidentRead,
                IncidentWrite,
                AppsecProtectRead,
                AppsecProtectWrite,
                NotificationProfilesRead,
                WorkflowsRead,
                WorkflowsRun,
                UserAccessRead,
            ],
            Role::ReadOnly => &[
                SecurityMonitoringSignalsRead,
                CasesRead,
                IncidentRead,
                AppsecProtectRead,
                NotificationProfilesRead,
                WorkflowsRead,
                UserAccessRead,
            ],
        }
    }

    pub fn has(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    SecurityMonitoringSignalsRead,
    SecurityMonitoringSignalsWrite,
    CasesRead,
    CasesWrite,
    IncidentRead,
    IncidentWrite,
    AppsecProtectRead,
    AppsecProtectWrite,
    NotificationProfilesRead,
    NotificationProfilesWrite,
    WorkflowsRead,
    WorkflowsRun,
    UserAccessRead,
    UserAccessManage,
    /// Reading the audit trail (`audit list`): the vendor's Admin-only permission.
    AuditLogsRead,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Permission::SecurityMonitoringSignalsRead,
        Permission::SecurityMonitoringSignalsWrite,
        Permission::CasesRead,
        Permission::CasesWrite,
        Permission::IncidentRead,
        Permission::IncidentWrite,
        Permission::AppsecProtectRead,
        Permission::AppsecProtectWrite,
        Permission::NotificationProfilesRead,
        Permission::NotificationProfilesWrite,
        Permission::WorkflowsRead,
        Permission::WorkflowsRun,
        Permission::UserAccessRead,
        Permission::UserAccessManage,
        Permission::AuditLogsRead,
    ];

    /// The vendor's name for the permission, as refusals print it.
    pub fn as_str(self) -> &'static str {
        use Permission::*;
        match self {
            SecurityMonitoringSignalsRead => "security_monitoring_signals_read",
            SecurityMonitoringSignalsWrite => "security_monitoring_signals_write",
            CasesRead => "cases_read",
            CasesWrite => "cases_write",
            IncidentRead => "incident_read",
            IncidentWrite => "incident_write",
            AppsecProtectRead => "appsec_protect_read",
            AppsecProtectWrite => "appsec_protect_write",
            NotificationProfilesRead => "security_monitoring_notification_profiles_read",
            NotificationProfilesWrite => "security_monitoring_notification_profiles_write",
            WorkflowsRead => "workflows_read",
            WorkflowsRun => "workflows_run",
            UserAccessRead => "user_access_read",
            UserAccessManage => "user_access_manage",
            AuditLogsRead => "audit_logs_read",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub uuid: String,
    /// The login: an email address.
    pub handle: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub disabled: bool,
}

impl User {
    pub fn can(&self, p: Permission) -> bool {
        !self.disabled && self.role.has(p)
    }
}
