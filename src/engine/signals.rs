//! Triage commands on signals: state and assignee.
use super::triage::{self, check_transition};
use super::{SignalRef, Tx};
use crate::error::{Error, Result};
use crate::model::audit::actions;
use crate::model::{ArchiveReason, Assignee, Signal, TriageState};
use serde_json::{json, Value};

/// Archive comments longer than this are refused rather than cut.
pub const MAX_COMMENT: usize = 4000;

pub(super) fn state_json(s: &Signal) -> Value {
    json!({
        "state": s.triage.state.as_str(),
        "archive_reason": s.triage.archive_reason.map(ArchiveReason::as_str),
        "archive_comment": s.triage.archive_comment,
        "version": s.version,
    })
}

fn assignee_json(s: &Signal) -> Value {
    json!({ "assignee": s.triage.assignee, "version": s.version })
}

fn need_signals(refs: &[SignalRef]) -> Result<()> {
    if refs.is_empty() {
        return Err(Error::Usage("no signal ids given".into()));
    }
    Ok(())
}

pub(super) fn clean_comment(comment: Option<String>) -> Result<Option<String>> {
    let c = comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if let Some(c) = &c {
        if c.chars().count() > MAX_COMMENT {
            return Err(Error::Usage(format!(
                "comment is {} characters; at most {MAX_COMMENT}",
                c.chars().count()
            )));
        }
    }
    Ok(c)
}

pub(super) fn set_state(
    tx: &mut Tx,
    refs: &[SignalRef],
    to: TriageState,
    reason: Option<ArchiveReason>,
    comment: Option<String>,
) -> Result<()> {
    need_signals(refs)?;
    let reason = reason.filter(|r| *r != ArchiveReason::None);
    let comment = clean_comment(comment)?;
    let reason = match to {
        TriageState::Archived => Some(reason.ok_or_else(|| {
            Error::Usage(format!(
                "archiving needs a reason: {}",
                ArchiveReason::ALL[1..]
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?),
        _ if reason.is_some() || comment.is_some() => {
            return Err(Error::Usage(
                "a reason and a comment apply only when archiving".into(),
            ))
        }
        _ => None,
    };
    for mut s in tx.load_signals(refs)? {
        if write_move(tx, &mut s, to, reason, comment.clone())? {
            tx.changed(s);
        }
    }
    Ok(())
}

/// Move one signal, checking the state machine; the same state is a no-op, reported as skipped.
pub(super) fn move_signal(
    tx: &mut Tx,
    s: &mut Signal,
    to: TriageState,
    reason: Option<ArchiveReason>,
    comment: Option<String>,
) -> Result<()> {
    if write_move(tx, s, to, reason, comment)? {
        tx.changed(s.clone());
    }
    Ok(())
}

/// `move_signal` without reporting the signal as changed: whether it was moved (and written).
fn write_move(
    tx: &mut Tx,
    s: &mut Signal,
    to: TriageState,
    reason: Option<ArchiveReason>,
    comment: Option<String>,
) -> Result<bool> {
    let from = s.triage.state;
    if let Err(r) = check_transition(from, to, s.first_seen, tx.now) {
        if r.rule == triage::RULE_SAME_STATE {
            tx.out
                .skipped
                .push(format!("signal {}: already {}", s.id, to.label()));
            return Ok(false);
        }
        return Err(Error::InvalidTransition(format!(
            "signal {}: cannot move {} -> {}: {r}",
            s.id,
            from.label(),
            to.label()
        )));
    }
    let before = state_json(s);
    let (previous, previous_version) = (s.triage.clone(), s.version);
    let mut t = s.triage.clone();
    t.state = to;
    // Reopening or moving to review clears the archive reason and comment.
    t.archive_reason = reason.filter(|_| to == TriageState::Archived);
    t.archive_comment = comment.filter(|_| to == TriageState::Archived);
    tx.write_signal(s, t)?;
    if let Some(cfg) = tx.notify {
        crate::notify::queue_triage(tx.db, cfg, &previous, previous_version, s, tx.now)?;
    }
    let id = s.id.clone();
    tx.audit(
        actions::SIGNAL_STATE,
        "signal",
        &id,
        vec![id.clone()],
        before,
        state_json(s),
    )?;
    Ok(true)
}

pub(super) fn assign(tx: &mut Tx, refs: &[SignalRef], who: &str) -> Result<()> {
    need_signals(refs)?;
    let user = tx.user(who)?;
    if user.disabled {
        return Err(Error::Usage(format!(
            "user {} is disabled and cannot be assigned",
            user.handle
        )));
    }
    let assignee = Assignee {
        uuid: user.uuid.clone(),
        handle: Some(user.handle.clone()),
        name: Some(user.name.clone()),
    };
    for mut s in tx.load_signals(refs)? {
        if s.triage.assignee.as_ref().map(|a| a.uuid.as_str()) == Some(user.uuid.as_str()) {
            tx.out.skipped.push(format!(
                "signal {}: already assigned to {}",
                s.id, user.handle
            ));
            continue;
        }
        let before = assignee_json(&s);
        let mut t = s.triage.clone();
        t.assignee = Some(assignee.clone());
        tx.write_signal(&mut s, t)?;
        tx.audit(
            actions::SIGNAL_ASSIGN,
            "signal",
            &s.id,
            vec![s.id.clone()],
            before,
            assignee_json(&s),
        )?;
        tx.changed(s);
    }
    Ok(())
}

pub(super) fn unassign(tx: &mut Tx, refs: &[SignalRef]) -> Result<()> {
    need_signals(refs)?;
    for mut s in tx.load_signals(refs)? {
        if s.triage.assignee.is_none() {
            tx.out
                .skipped
                .push(format!("signal {}: already unassigned", s.id));
            continue;
        }
        let before = assignee_json(&s);
        let mut t = s.triage.clone();
        t.assignee = None;
        tx.write_signal(&mut s, t)?;
        tx.audit(
            actions::SIGNAL_UNASSIGN,
            "signal",
            &s.id,
            vec![s.id.clone()],
            before,
            assignee_json(&s),
        )?;
        tx.changed(s);
    }
    Ok(())
}
