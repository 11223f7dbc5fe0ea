//! A signal's timeline: the audit events that touched it, described for people.
use crate::model::json::str_at;
use crate::model::{audit::actions, AuditEvent};
use serde_json::Value;

/// One line describing an event, as the Activity Summary lists it (callers sanitise before display).
pub fn describe(e: &AuditEvent) -> String {
    let a = &e.after;
    let b = &e.before;
    let s = |v: &Value, k: &str| str_at(v, k).unwrap_or("").to_string();
    match e.action.as_str() {
        actions::SIGNAL_STATE => {
            let mut out = format!("state {} -> {}", s(b, "state"), s(a, "state"));
            if let Some(r) = str_at(a, "archive_reason") {
                out.push_str(&format!(" ({r})"));
            }
            if let Some(c) = str_at(a, "archive_comment") {
                out.push_str(&format!(": {c}"));
            }
            out
        }
        actions::SIGNAL_ASSIGN => {
            let who = str_at(a, "assignee.name")
                .filter(|n| !n.is_empty())
                .or_else(|| str_at(a, "assignee.handle"))
                .unwrap_or("?");
            format!("assigned to {who}")
        }
        actions::SIGNAL_UNASSIGN => "unassigned".into(),
        actions::CASE_CREATE => format!("case {} opened: {}", e.target_id, s(a, "title")),
        actions::CASE_ADD_SIGNALS => format!("added to case {}", e.target_id),
        actions::CASE_STATUS => format!("case {} status {}", e.target_id, s(a, "status")),
        actions::CASE_COMMENT => format!("comment on case {}", e.target_id),
        actions::INCIDENT_DECLARE => format!(
            "incident {} declared ({}): {}",
            e.target_id,
            s(a, "severity"),
            s(a, "title")
        ),
        actions::INCIDENT_ADD_SIGNALS => format!("added to incident {}", e.target_id),
        actions::INCIDENT_STATE => format!("incident {} {}", e.target_id, s(a, "state")),
        actions::BLOCK_MADE | actions::BLOCK_EXTENDED => {
            let until = str_at(a, "expires_at")
                .map(|t| format!("until {t}"))
                .unwrap_or_else(|| "permanently".into());
            let verb = if e.action == actions::BLOCK_MADE {
                "blocked"
            } else {
                "block extended:"
            };
            format!("{verb} {} {until}", s(a, "value"))
        }
        actions::BLOCK_LIFTED => format!("unblocked {}", s(a, "value")),
        other => format!("{other} {} {}", e.target_type, e.target_id),
    }
}
