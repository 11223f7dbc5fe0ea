//! What an analyst's change means to the engine, said once for both backends: the command a change
//! becomes, the permission each kind of change needs (asked of the engine's own table), and the
//! engine's version rule. The local backend runs the command; the remote backend sends it to the
//! server; neither keeps a table or a rule of its own.
use super::backend::{Change, ChangeKind};
use crate::engine::{self, BlockFor, Command, NewCase, NewIncident, SignalRef};
use crate::error::{Error, Result};
use crate::model::{
    CasePriority, IncidentSeverity, IncidentState, Permission, Role, TriageState, User,
};

/// Refs for the signals a change names, carrying the version the analyst saw when there is one
/// (a single signal with its side panel loaded).
pub fn refs(ids: &[String], version: Option<i64>) -> Vec<SignalRef> {
    match (ids, version) {
        ([id], Some(v)) => vec![SignalRef::at(id, v)],
        _ => ids.iter().map(SignalRef::new).collect(),
    }
}

/// The engine command a change becomes; `None` for the denylist changes, which the engine applies
/// per attacker (`BlockAttackers`) locally and the server per value remotely.
pub fn command(change: &Change) -> Option<Command> {
    Some(match change {
        Change::Assign { ids, user, version } => match user {
            Some(u) => Command::Assign {
                signals: refs(ids, *version),
                user: u.clone(),
            },
            None => Command::Unassign {
                signals: refs(ids, *version),
            },
        },
        Change::SetState {
            ids,
            state,
            reason,
            comment,
            version,
        } => Command::SetState {
            signals: refs(ids, *version),
            to: *state,
            reason: *reason,
            comment: comment.clone(),
        },
        Change::NewCase {
            ids,
            title,
            description,
            priority,
            assignee,
        } => Command::CreateCase(NewCase {
            signals: refs(ids, None),
            title: title.clone(),
            description: description.clone(),
            priority: CasePriority::parse(priority).unwrap_or_default(),
            assignee: assignee.clone(),
            archive_signals: false,
        }),
        Change::AddToCase { ids, case_id } => Command::AddToCase {
            case: case_id.clone(),
            signals: refs(ids, None),
            archive_signals: false,
        },
        Change::NewIncident {
            ids,
            title,
            severity,
            commander,
            customer_impacted,
        } => Command::DeclareIncident(NewIncident {
            signals: refs(ids, None),
            title: title.clone(),
            severity: IncidentSeverity::parse(severity).unwrap_or_default(),
            commander: commander.clone(),
            customer_impacted: *customer_impacted,
            state: IncidentState::default(),
        }),
        Change::AddToIncident { ids, incident_id } => Command::AddToIncident {
            incident: incident_id.clone(),
            signals: refs(ids, None),
        },
        Change::BlockIps { .. }
        | Change::BlockUsers { .. }
        | Change::ExtendBlock { .. }
        | Change::Unblock { .. } => return None,
    })
}

/// A command of each kind, for asking the engine what that kind needs.
fn sample(kind: ChangeKind) -> Option<Command> {
    let none = Vec::new;
    Some(match kind {
        ChangeKind::Assign => Command::Assign {
            signals: none(),
            user: String::new(),
        },
        ChangeKind::SetState => Command::SetState {
            signals: none(),
            to: TriageState::Open,
            reason: None,
            comment: None,
        },
        ChangeKind::Case => Command::CreateCase(NewCase {
            signals: none(),
            title: String::new(),
            description: String::new(),
            priority: CasePriority::default(),
            assignee: None,
            archive_signals: false,
        }),
        ChangeKind::Incident => Command::AddToIncident {
            incident: String::new(),
            signals: none(),
        },
        ChangeKind::Block => Command::BlockAttackers {
            signal_id: String::new(),
            duration: BlockFor::Permanent,
            reason: None,
        },
        ChangeKind::Workflow => return None,
    })
}

/// The permissions a kind of change needs, from the engine's table.
pub fn needs(kind: ChangeKind) -> Vec<Permission> {
    match sample(kind) {
        Some(cmd) => engine::rbac::required(&cmd),
        None => vec![Permission::WorkflowsRun],
    }
}

/// `Err(permission)` names the first permission `actor` lacks for this kind of change.
pub fn allowed(actor: &User, kind: ChangeKind) -> std::result::Result<(), String> {
    match needs(kind).into_iter().find(|p| !actor.can(*p)) {
        Some(p) => Err(p.as_str().to_string()),
        None if actor.disabled => Err("an enabled account".into()),
        None => Ok(()),
    }
}

/// The same check for a role known only by name (a remote user).
pub fn allowed_role(role: Role, kind: ChangeKind) -> std::result::Result<(), String> {
    match needs(kind).into_iter().find(|p| !role.has(*p)) {
        Some(p) => Err(p.as_str().to_string()),
        None => Ok(()),
    }
}

/// The engine's version rule for a change based on `seen` when the signal is at `now`.
pub fn check_version(id: &str, seen: Option<i64>, now: i64) -> Result<()> {
    match seen {
        Some(v) if engine::stale(v, now) => Err(Error::Conflict(format!(
            "signal {} changed since you looked at it (version {v}, now {now}); look again",
            crate::sanitize::clean(id)
        ))),
        _ => Ok(()),
    }
}
