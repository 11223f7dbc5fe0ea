//! Applying an explorer change locally: engine commands, and the block changes that take several
//! (one per signal, or re-issued to extend); and the line the status bar shows for each.
use super::super::backend::Change;
use super::*;
use crate::tui::said::plural;

impl LocalBackend {
    pub(super) fn apply_change(&self, change: &Change) -> Result<String> {
        if let Some(cmd) = super::super::intent::command(change) {
            let out = self.execute(cmd)?;
            return Ok(summary(change, &out));
        }
        match change {
            Change::BlockIps { ids, duration } => {
                let mut blocked = 0;
                for id in ids {
                    let out = self.execute(Command::BlockAttackers {
                        signal_id: id.clone(),
                        duration: permanent_or(*duration),
                        reason: Some("blocked from the explorer".into()),
                    })?;
                    blocked += out.blocks.len();
                }
                Ok(format!("blocked {}", plural(blocked, "IP")))
            }
            Change::BlockUsers { ids, duration } => {
                let mut users = Vec::new();
                for id in ids {
                    let s = lock(&self.engine)
                        .reads(&self.actor)
                        .signal(id)?
                        .ok_or_else(|| {
                            Error::NotFound(format!(
                                "signal {} not found",
                                crate::sanitize::clean(id)
                            ))
                        })?;
                    for u in s.attacker_users {
                        if !users.contains(&u) {
                            users.push(u);
                        }
                    }
                }
                if users.is_empty() {
                    return Err(Error::Invalid(
                        "these signals have no authenticated attacker to block".into(),
                    ));
                }
                let out = self.execute(Command::BlockUsers {
                    values: users,
                    duration: permanent_or(*duration),
                    reason: Some("blocked from the explorer".into()),
                    signal_id: (ids.len() == 1).then(|| ids[0].clone()),
                })?;
                Ok(format!("blocked {}", plural(out.blocks.len(), "user")))
            }
            Change::ExtendBlock {
                kind,
                value,
                duration,
            } => {
                let values = vec![value.clone()];
                let duration = permanent_or(*duration);
                // Re-issuing the block is how the engine extends the entry in force.
                let cmd = if *kind == crate::model::BlockKind::User {
                    Command::BlockUsers {
                        values,
                        duration,
                        reason: None,
                        signal_id: None,
                    }
                } else {
                    Command::BlockIps {
                        values,
                        duration,
                        reason: None,
                        signal_id: None,
                    }
                };
                self.execute(cmd)?;
                Ok(format!(
                    "extended the block of {}",
                    crate::sanitize::clean(value)
                ))
            }
            Change::Unblock { id } => {
                self.execute(Command::Unblock {
                    target: id.to_string(),
                })?;
                Ok(format!("lifted block {id}"))
            }
            // Made into commands above.
            Change::Assign { .. }
            | Change::SetState { .. }
            | Change::NewCase { .. }
            | Change::AddToCase { .. }
            | Change::NewIncident { .. }
            | Change::AddToIncident { .. } => {
                Err(Error::Other("this change is an engine command".into()))
            }
        }
    }
}

/// One line saying what a command made of a change did.
fn summary(change: &Change, out: &engine::Outcome) -> String {
    match change {
        Change::Assign { ids, user, .. } => {
            let verb = user.as_ref().map_or("unassigned", |_| "assigned");
            format!("{verb} {}", plural(ids.len(), "signal"))
        }
        Change::SetState {
            ids, state, reason, ..
        } => {
            let mut msg = super::super::said::state_change(ids.len(), *state, *reason);
            if !out.skipped.is_empty() {
                msg.push_str(&format!(" ({} unchanged)", out.skipped.len()));
            }
            msg
        }
        Change::NewCase { .. } => match &out.case {
            Some(c) => format!("opened case {}", c.key),
            None => "opened a case".into(),
        },
        Change::AddToCase { ids, case_id } => {
            format!("added {} to {case_id}", plural(ids.len(), "signal"))
        }
        Change::NewIncident { .. } => match &out.incident {
            Some(i) => format!("declared incident IR-{}", i.public_id),
            None => "declared an incident".into(),
        },
        Change::AddToIncident { ids, incident_id } => {
            format!("added {} to {incident_id}", plural(ids.len(), "signal"))
        }
        _ => out.summary(),
    }
}

fn permanent_or(d: Option<chrono::TimeDelta>) -> BlockFor {
    match d {
        Some(d) => BlockFor::Duration(d),
        None => BlockFor::Permanent,
    }
}
