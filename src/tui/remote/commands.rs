//! Engine commands sent to the remote, each as the vendor's call (or the outbox's while offline).
use super::*;

impl RemoteBackend {
    /// An engine command, as the remote carries it out: triage through the outbox (so it works
    /// offline and replays exactly once), cases and incidents on the remote directly. The version
    /// each signal was seen at is checked first by the engine's rule.
    pub(super) fn send_command(&self, cmd: Command) -> Result<String> {
        let ids = |refs: &[crate::engine::SignalRef]| -> Vec<String> {
            refs.iter().map(|r| r.id.clone()).collect()
        };
        let seen = |refs: &[crate::engine::SignalRef]| -> Result<Vec<Signal>> {
            let version = match refs {
                [one] => one.version,
                _ => None,
            };
            self.signals_at(&ids(refs), version)
        };
        match cmd {
            Command::Assign { signals, user } => {
                seen(&signals)?;
                let who = self.user_named(&user);
                for r in &signals {
                    self.remote.assign(&r.id, Some(&who))?;
                }
                Ok(self.queued(format!("assigned {}", plural(signals.len(), "signal"))))
            }
            Command::Unassign { signals } => {
                seen(&signals)?;
                for r in &signals {
                    self.remote.assign(&r.id, None)?;
                }
                Ok(self.queued(format!("unassigned {}", plural(signals.len(), "signal"))))
            }
            Command::SetState {
                signals,
                to,
                reason,
                comment,
            } => {
                seen(&signals)?;
                for r in &signals {
                    self.remote
                        .set_state(&r.id, to, reason, comment.as_deref())?;
                }
                Ok(self.queued(super::super::said::state_change(signals.len(), to, reason)))
            }
            Command::CreateCase(c) => {
                seen(&c.signals)?;
                let idem = uuid::Uuid::new_v4().to_string();
                let signal_ids = ids(&c.signals);
                let draft = crate::remote::api::CaseDraft {
                    title: &c.title,
                    description: &c.description,
                    priority: c.priority.as_str(),
                    assignee: c.assignee.as_deref(),
                    signal_ids: &signal_ids,
                };
                let v = self.call(
                    "opening the case",
                    self.remote
                        .client()
                        .open_case(&draft, self.project_id.as_deref(), Some(&idem)),
                )?;
                Ok(
                    match v.pointer("/data/attributes/key").and_then(Value::as_str) {
                        Some(k) => format!("opened case {}", clean(k)),
                        None => "opened a case".into(),
                    },
                )
            }
            Command::AddToCase { case, signals, .. } => {
                seen(&signals)?;
                let idem = uuid::Uuid::new_v4().to_string();
                self.call(
                    "adding to the case",
                    self.remote
                        .client()
                        .add_to_case(&case, &ids(&signals), Some(&idem)),
                )?;
                Ok(format!(
                    "added {} to {}",
                    plural(signals.len(), "signal"),
                    clean(&case)
                ))
            }
            Command::DeclareIncident(i) => {
                let signals = seen(&i.signals)?;
                let idem = uuid::Uuid::new_v4().to_string();
                let draft = crate::remote::api::IncidentDraft {
                    title: &i.title,
                    severity: i.severity.as_str(),
                    commander: i.commander.as_deref(),
                    customer_impacted: i.customer_impacted,
                };
                let n = self.call(
                    "declaring the incident",
                    self.remote.client().declare_incident(&draft, Some(&idem)),
                )?;
                self.add_incident(&signals, n)?;
                Ok(self.queued(format!("declared incident IR-{n}")))
            }
            Command::AddToIncident { incident, signals } => {
                let n = incident_number(&incident)?;
                let found = seen(&signals)?;
                self.add_incident(&found, n)?;
                Ok(self.queued(format!(
                    "added {} to IR-{n}",
                    plural(signals.len(), "signal")
                )))
            }
            other => Err(Error::Other(format!(
                "{} is not sent to a remote from the explorer",
                other.name()
            ))),
        }
    }

    pub(super) fn add_incident(&self, signals: &[Signal], public_id: i64) -> Result<()> {
        for s in signals {
            let mut list = s.triage.incident_ids.clone();
            if !list.contains(&public_id) {
                list.push(public_id);
                self.remote.set_incidents(&s.id, &list)?;
            }
        }
        Ok(())
    }
}

/// `IR-12` or `12`.
pub(super) fn incident_number(id: &str) -> Result<i64> {
    let t = id.trim();
    let n = t
        .strip_prefix("IR-")
        .or_else(|| t.strip_prefix("ir-"))
        .unwrap_or(t);
    n.parse()
        .map_err(|_| Error::Invalid(format!("incident {:?}: expected IR-<number>", clean(id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_numbers_read_both_ways() {
        assert_eq!(incident_number("IR-12").unwrap(), 12);
        assert_eq!(incident_number(" 7 ").unwrap(), 7);
        assert!(incident_number("IR-x").is_err());
    }
}
