//! Case commands: create from signals, add signals, status, comments.
use super::signals::move_signal;
use super::{NewCase, SignalRef, Tx};
use crate::error::{Error, Result};
use crate::model::audit::actions;
use crate::model::{ArchiveReason, Assignee, Case, CaseComment, CaseStatus, Signal, TriageState};
use serde_json::json;

pub const MAX_TITLE: usize = 256;
pub const MAX_TEXT: usize = 20_000;

pub(super) fn check_text(what: &str, s: &str, max: usize, required: bool) -> Result<String> {
    let t = s.trim().to_string();
    if required && t.is_empty() {
        return Err(Error::Usage(format!("the {what} is empty")));
    }
    let n = t.chars().count();
    if n > max {
        return Err(Error::Usage(format!(
            "the {what} is {n} characters; at most {max}"
        )));
    }
    Ok(t)
}

fn load(tx: &Tx, key: &str) -> Result<Case> {
    tx.db
        .get_case(key)?
        .ok_or_else(|| Error::NotFound(format!("case {key} not found")))
}

/// Archive a signal because a case was opened for it; already archived ones are left as they are.
fn archive_for_case(tx: &mut Tx, s: &mut Signal, key: &str) -> Result<()> {
    move_signal(
        tx,
        s,
        TriageState::Archived,
        Some(ArchiveReason::InvestigatedCaseOpened),
        Some(format!("case {key}")),
    )
}

pub(super) fn create(tx: &mut Tx, c: NewCase) -> Result<()> {
    let title = check_text("case title", &c.title, MAX_TITLE, true)?;
    let description = check_text("case description", &c.description, MAX_TEXT, false)?;
    let mut signals = tx.load_signals(&c.signals)?;
    let assignee = match &c.assignee {
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
    let number = tx.db.next_case_number()?;
    let case = Case {
        id: uuid::Uuid::new_v4().to_string(),
        key: Case::key_for(number),
        number,
        title,
        description,
        priority: c.priority,
        status: CaseStatus::Open,
        assignee,
        created_by: tx.actor.handle.clone(),
        created_at: tx.now,
        modified_at: tx.now,
        signal_ids: signals.iter().map(|s| s.id.clone()).collect(),
        comments: Vec::new(),
    };
    tx.db.insert_case(&case)?;
    tx.audit(
        actions::CASE_CREATE,
        "case",
        &case.key,
        case.signal_ids.clone(),
        serde_json::Value::Null,
        serde_json::to_value(&case)?,
    )?;
    if c.archive_signals {
        for s in &mut signals {
            archive_for_case(tx, s, &case.key)?;
        }
    }
    tx.out.case = Some(case);
    Ok(())
}

pub(super) fn add(tx: &mut Tx, key: &str, refs: &[SignalRef], archive: bool) -> Result<()> {
    if refs.is_empty() {
        return Err(Error::Usage("no signal ids given".into()));
    }
    let mut case = load(tx, key)?;
    let mut signals = tx.load_signals(refs)?;
    let before = json!({ "signal_ids": case.signal_ids });
    let mut added = Vec::new();
    for s in &signals {
        if case.signal_ids.contains(&s.id) {
            tx.out
                .skipped
                .push(format!("signal {}: already in case {}", s.id, case.key));
        } else {
            tx.db
                .link_case_signal(&case.id, &s.id, &tx.actor.handle, &tx.now)?;
            added.push(s.id.clone());
        }
    }
    if !added.is_empty() {
        case.modified_at = tx.now;
        tx.db.update_case(&case)?;
        case.signal_ids.extend(added.iter().cloned());
        tx.audit(
            actions::CASE_ADD_SIGNALS,
            "case",
            &case.key,
            added,
            before,
            json!({ "signal_ids": case.signal_ids }),
        )?;
    }
    if archive {
        for s in &mut signals {
            archive_for_case(tx, s, &case.key)?;
        }
    }
    tx.out.case = Some(case);
    Ok(())
}

pub(super) fn set_status(tx: &mut Tx, key: &str, status: CaseStatus) -> Result<()> {
    let mut case = load(tx, key)?;
    if case.status == status {
        tx.out
            .skipped
            .push(format!("case {}: already {}", case.key, status.label()));
        tx.out.case = Some(case);
        return Ok(());
    }
    let before = json!({ "status": case.status.as_str() });
    case.status = status;
    case.modified_at = tx.now;
    tx.db.update_case(&case)?;
    tx.audit(
        actions::CASE_STATUS,
        "case",
        &case.key,
        vec![],
        before,
        json!({ "status": status.as_str() }),
    )?;
    tx.out.case = Some(case);
    Ok(())
}

pub(super) fn comment(tx: &mut Tx, key: &str, text: &str) -> Result<()> {
    let text = check_text("comment", text, MAX_TEXT, true)?;
    let mut case = load(tx, key)?;
    let c = CaseComment {
        author: tx.actor.handle.clone(),
        time: tx.now,
        text,
    };
    tx.db.add_case_comment(&case.id, &c)?;
    case.modified_at = tx.now;
    tx.db.update_case(&case)?;
    tx.audit(
        actions::CASE_COMMENT,
        "case",
        &case.key,
        vec![],
        serde_json::Value::Null,
        json!({ "text": c.text }),
    )?;
    case.comments.push(c);
    tx.out.case = Some(case);
    Ok(())
}

pub(super) fn set_priority(
    tx: &mut Tx,
    key: &str,
    priority: crate::model::CasePriority,
) -> Result<()> {
    let mut case = load(tx, key)?;
    if case.priority == priority {
        tx.out
            .skipped
            .push(format!("case {}: already {priority}", case.key));
        tx.out.case = Some(case);
        return Ok(());
    }
    let before = json!({ "priority": case.priority.as_str() });
    case.priority = priority;
    case.modified_at = tx.now;
    tx.db.update_case(&case)?;
    tx.audit(
        actions::CASE_PRIORITY,
        "case",
        &case.key,
        vec![],
        before,
        json!({ "priority": priority.as_str() }),
    )?;
    tx.out.case = Some(case);
    Ok(())
}

pub(super) fn assign(tx: &mut Tx, key: &str, who: Option<String>) -> Result<()> {
    let mut case = load(tx, key)?;
    let assignee = match who {
        Some(w) => {
            let u = tx.user(&w)?;
            if u.disabled {
                return Err(Error::Usage(format!(
                    "user {} is disabled and cannot be assigned",
                    u.handle
                )));
            }
            Some(Assignee {
                uuid: u.uuid,
                handle: Some(u.handle),
                name: Some(u.name),
            })
        }
        None => None,
    };
    if case.assignee.as_ref().map(|a| &a.uuid) == assignee.as_ref().map(|a| &a.uuid) {
        tx.out
            .skipped
            .push(format!("case {}: assignee unchanged", case.key));
        tx.out.case = Some(case);
        return Ok(());
    }
    let before = json!({ "assignee": case.assignee });
    case.assignee = assignee;
    case.modified_at = tx.now;
    tx.db.update_case(&case)?;
    tx.audit(
        actions::CASE_ASSIGN,
        "case",
        &case.key,
        vec![],
        before,
        json!({ "assignee": case.assignee }),
    )?;
    tx.out.case = Some(case);
    Ok(())
}
