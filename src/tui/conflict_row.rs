//! A refused or conflicting remote change as `:conflicts` lists it: the analyst's change and the
//! server's signal, in the words the rest of the explorer uses (`Archived (Remediated)`, not
//! `archived (remediated)`: issue 17 wants no raw `snake_case` reasons on screen).
use super::backend::ConflictRow;
use super::said::state_words;
use crate::model::{ArchiveReason, TriageState, User};
use crate::remote::Problem;
use serde_json::{json, Value};

/// The analyst's change, from the request body the outbox kept.
fn mine(p: &Problem, users: &[User]) -> String {
    let handle = |uuid: &str| {
        users
            .iter()
            .find(|u| u.uuid == uuid)
            .map(|u| u.handle.clone())
            .unwrap_or_else(|| uuid.to_string())
    };
    let a = p
        .mine
        .pointer("/data/attributes")
        .cloned()
        .unwrap_or(json!({}));
    let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("");
    match p.action.as_str() {
        "state" => {
            let mut m = match TriageState::parse(s("state")) {
                Some(state) => format!(
                    "state {}",
                    state_words(state, ArchiveReason::parse(s("archive_reason")))
                ),
                None => format!("state {}", s("state")),
            };
            if !s("archive_comment").is_empty() {
                m.push_str(&format!(": {}", s("archive_comment")));
            }
            m
        }
        "assignee" => match a.pointer("/assignee/uuid").and_then(Value::as_str) {
            Some(u) if !u.is_empty() => format!("assign to {}", handle(u)),
            _ => "unassign".into(),
        },
        "incidents" => format!("incidents {}", a.get("incident_ids").unwrap_or(&json!([]))),
        _ => a.to_string(),
    }
}

pub(super) fn conflict_row(p: Problem, users: &[User]) -> ConflictRow {
    let mine = mine(&p, users);
    let theirs = p.theirs.as_ref().map(|t| {
        let mut d = state_words(t.triage.state, t.triage.archive_reason);
        match &t.triage.assignee {
            Some(x) => d.push_str(&format!(", assigned to {}", x.display())),
            None => d.push_str(", unassigned"),
        }
        if !t.triage.incident_ids.is_empty() {
            d.push_str(&format!(", incidents {:?}", t.triage.incident_ids));
        }
        d
    });
    ConflictRow {
        seq: p.seq,
        signal_id: p.signal_id,
        action: p.action,
        conflict: p.conflict,
        mine,
        base_version: p.base_version,
        theirs_version: p.theirs.as_ref().map(|t| t.version),
        theirs,
        error: p.error,
    }
}
