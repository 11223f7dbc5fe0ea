//! Which permission each command needs; refusals name the missing one.
use super::command::Command;
use crate::error::{Error, Result};
use crate::model::{Permission, User};

/// The permissions a command needs, in the order they are checked.
pub fn required(cmd: &Command) -> Vec<Permission> {
    use Permission::*;
    match cmd {
        Command::SetState { .. } | Command::Assign { .. } | Command::Unassign { .. } => {
            vec![SecurityMonitoringSignalsWrite]
        }
        Command::CreateCase(c) if c.archive_signals => {
            vec![CasesWrite, SecurityMonitoringSignalsWrite]
        }
        Command::AddToCase {
            archive_signals: true,
            ..
        } => vec![CasesWrite, SecurityMonitoringSignalsWrite],
        Command::CreateCase(_)
        | Command::AddToCase { .. }
        | Command::SetCaseStatus { .. }
        | Command::CommentCase { .. }
        | Command::SetCasePriority { .. }
        | Command::AssignCase { .. } => vec![CasesWrite],
        // Linking an incident writes the signals' `incident_ids`, which the vendor guards with the
        // signals write permission too.
        Command::DeclareIncident(_)
        | Command::AddToIncident { .. }
        | Command::SetSignalIncidents { .. } => {
            vec![IncidentWrite, SecurityMonitoringSignalsWrite]
        }
        Command::SetIncidentState { .. } => vec![IncidentWrite],
        Command::BlockIps { .. }
        | Command::BlockUsers { .. }
        | Command::BlockAttackers { .. }
        | Command::Unblock { .. } => vec![AppsecProtectWrite],
        Command::AddUser { .. } => vec![UserAccessManage],
    }
}

/// Refuse unless `actor` holds `p`.
pub fn require(actor: &User, p: Permission) -> Result<()> {
    if actor.disabled {
        return Err(Error::PermissionDenied(format!(
            "{} is disabled",
            actor.handle
        )));
    }
    if actor.can(p) {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "{} lacks {} (role {})",
            actor.handle,
            p.as_str(),
            actor.role
        )))
    }
}

pub fn check(actor: &User, cmd: &Command) -> Result<()> {
    required(cmd)
        .into_iter()
        .try_for_each(|p| require(actor, p))
}
