//! Incident commands: declare from signals, add signals, state. Linking writes the incident's public
//! id into each signal's `incident_ids`, as the vendor does.
use super::cases::{check_text, MAX_TITLE};
use super::{NewIncident, SignalRef, Tx};
use crate::error::{Error, Result};
use crate::model::audit::actions;
use crate::model::{Assignee, Incident, IncidentState, Signal};
use serde_json::json;

fn load(tx: &Tx, id: &str) -> Result<Incident> {
    tx.db
        .get_incident(id)?
        .ok_or_else(|| Error::NotFound(format!("incident {id} not found")))
}

/// Add the incident's public id to a signal's `incident_ids` (a new signal version).
fn link(tx: &mut Tx, inc: &Incident, s: &mut Signal) -> Result<()> {
    tx.db
        .link_incident_signal(&inc.id, &s.id, &tx.actor.handle, &tx.now)?;
    if !s.triage.incident_ids.contains(&inc.public_id) {
        let mut t = s.triage.clone();
        t.incident_ids.push(inc.public_id);
        tx.save_signal(s, t)?;
    }
    Ok(())
}

pub(super) fn declare(tx: &mut Tx, n: NewIncident) -> Result<()> {
    let title = check_text("incident title", &n.title, MAX_TITLE, true)?;
    let mut signals = tx.load_signals(&n.signals)?;
    let commander = match &n.commander {
        Some(who) => {
            let u = tx.user(who)?;
            Some(Assignee {
                uuid: u.uuid,
                handle: Some(u.handle),
                name: Some(u.name),
            })
        }
        None => None,
    };
    let public_id = tx.db.next_incident_id()?;
    let inc = Incident {
        id: uuid::Uuid::new_v4().to_string(),
        public_id,
        title,
        severity: n.severity,
        state: n.state,
        commander,
        customer_impacted: n.customer_impacted,
        created_by: tx.actor.handle.clone(),
        created_at: tx.now,
        modified_at: tx.now,
        signal_ids: signals.iter().map(|s| s.id.clone()).collect(),
    };
    tx.db.insert_incident(&inc)?;
    for s in &mut signals {
        link(tx, &inc, s)?;
    }
    tx.audit(
        actions::INCIDENT_DECLARE,
        "incident",
        &inc.display_id(),
        inc.signal_ids.clone(),
        serde_json::Value::Null,
        serde_json::to_value(&inc)?,
    )?;
    tx.out.incident = Some(inc);
    Ok(())
}

pub(super) fn add(tx: &mut Tx, id: &str, refs: &[SignalRef]) -> Result<()> {
    if refs.is_empty() {
        return Err(Error::Usage("no signal ids given".into()));
    }
    let mut inc = load(tx, id)?;
    let before = json!({ "signal_ids": inc.signal_ids });
    let mut added = Vec::new();
    for mut s in tx.load_signals(refs)? {
        if inc.signal_ids.contains(&s.id) {
            tx.out.skipped.push(format!(
                "signal {}: already in incident {}",
                s.id,
                inc.display_id()
            ));
            continue;
        }
        link(tx, &inc, &mut s)?;
        added.push(s.id.clone());
    }
    if !added.is_empty() {
        inc.modified_at = tx.now;
        tx.db.update_incident(&inc)?;
        inc.signal_ids.extend(added.iter().cloned());
        tx.audit(
            actions::INCIDENT_ADD_SIGNALS,
            "incident",
            &inc.display_id(),
            added,
            before,
            json!({ "signal_ids": inc.signal_ids }),
        )?;
    }
    tx.out.incident = Some(inc);
    Ok(())
}

pub(super) fn set_state(tx: &mut Tx, id: &str, state: IncidentState) -> Result<()> {
    let mut inc = load(tx, id)?;
    if inc.state == state {
        tx.out
            .skipped
            .push(format!("incident {}: already {state}", inc.display_id()));
        tx.out.incident = Some(inc);
        return Ok(());
    }
    let before = json!({ "state": inc.state.as_str() });
    inc.state = state;
    inc.modified_at = tx.now;
    tx.db.update_incident(&inc)?;
    tx.audit(
        actions::INCIDENT_STATE,
        "incident",
        &inc.display_id(),
        vec![],
        before,
        json!({ "state": state.as_str() }),
    )?;
    tx.out.incident = Some(inc);
    Ok(())
}

/// Replace the incidents a signal is linked to, as the vendor's API does: every id must name an
/// existing incident; links to incidents left out are removed.
pub(super) fn set_signal_incidents(tx: &mut Tx, r: &SignalRef, ids: &[i64]) -> Result<()> {
    let mut s = tx.load_signal(r)?;
    let mut wanted: Vec<i64> = Vec::new();
    for id in ids {
        if !wanted.contains(id) {
            wanted.push(*id);
        }
    }
    let mut incidents = Vec::new();
    for id in &wanted {
        incidents.push(load(tx, &id.to_string())?);
    }
    if s.triage.incident_ids == wanted {
        tx.out
            .skipped
            .push(format!("signal {}: incidents unchanged", s.id));
        return Ok(());
    }
    let before = json!({ "incident_ids": s.triage.incident_ids, "version": s.version });
    for inc in &incidents {
        tx.db
            .link_incident_signal(&inc.id, &s.id, &tx.actor.handle, &tx.now)?;
    }
    for old in &s.triage.incident_ids {
        if !wanted.contains(old) {
            if let Some(inc) = tx.db.get_incident(&old.to_string())? {
                tx.db.unlink_incident_signal(&inc.id, &s.id)?;
            }
        }
    }
    let mut t = s.triage.clone();
    t.incident_ids = wanted;
    tx.save_signal(&mut s, t)?;
    tx.audit(
        actions::SIGNAL_INCIDENTS,
        "signal",
        &s.id,
        vec![s.id.clone()],
        before,
        json!({ "incident_ids": s.triage.incident_ids, "version": s.version }),
    )?;
    Ok(())
}
