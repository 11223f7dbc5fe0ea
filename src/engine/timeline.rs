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
        actions::CASE_PRIORITY => format!("case {} priority {}", e.target_id, s(a, "priority")),
        actions::CASE_ASSIGN => format!("case {} assigned", e.target_id),
        actions::SIGNAL_INCIDENTS => {
            let ids: Vec<String> = a
                .get("incident_ids")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(Value::as_i64)
                        .map(|i| format!("IR-{i}"))
                        .collect()
                })
                .unwrap_or_default();
            if ids.is_empty() {
                "unlinked from all incidents".into()
            } else {
                format!("incidents set to {}", ids.join(", "))
            }
        }
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
        actions::WORKFLOW_RUN => {
            let failed = str_at(a, "error")
                .map(|err| format!(": {err}"))
                .unwrap_or_default();
            format!(
                "workflow {} {} in {} ms{failed}",
                e.target_id,
                s(a, "state"),
                a.get("duration_ms").and_then(Value::as_i64).unwrap_or(0)
            )
        }
        other => format!("{other} {} {}", e.target_type, e.target_id),
    }
}

/// The signal's triage in the vendor's `signal_metadata` shape (what the triage PATCH routes answer),
/// with when and by whom it last changed, read from its timeline. `user` finds a user by handle.
pub fn signal_metadata(
    s: &crate::model::Signal,
    events: &[AuditEvent],
    user: &dyn Fn(&str) -> Option<crate::model::User>,
) -> Value {
    use serde_json::json;
    let person = |handle: &str| match user(handle) {
        Some(u) => json!({"uuid": u.uuid, "handle": u.handle, "name": u.name}),
        None => json!({"handle": handle}),
    };
    let mut attrs = serde_json::Map::new();
    attrs.insert("state".into(), json!(s.triage.state.as_str()));
    attrs.insert(
        "assignee".into(),
        match &s.triage.assignee {
            Some(a) => json!({"uuid": a.uuid, "handle": a.handle, "name": a.name}),
            None => json!({"id": -1, "name": "Unassigned", "uuid": ""}),
        },
    );
    attrs.insert("incident_ids".into(), json!(s.triage.incident_ids));
    attrs.insert(
        "archive_reason".into(),
        json!(s
            .triage
            .archive_reason
            .map(|r| r.as_str())
            .unwrap_or("none")),
    );
    if let Some(c) = &s.triage.archive_comment {
        attrs.insert("archive_comment".into(), json!(c));
    }
    let last_change = events
        .iter()
        .rev()
        .find(|e| super::VERSION_ACTIONS.contains(&e.action.as_str()));
    // The vendor always sends both; a signal nobody has triaged was last "updated" when it was
    // detected, by nobody.
    match last_change {
        Some(e) => {
            attrs.insert(
                "state_update_timestamp".into(),
                json!(e.time.timestamp_millis()),
            );
            attrs.insert("state_update_user".into(), person(&e.actor));
        }
        None => {
            attrs.insert(
                "state_update_timestamp".into(),
                json!(s.timestamp.timestamp_millis()),
            );
            attrs.insert("state_update_user".into(), Value::Null);
        }
    }
    let last_comment = events.iter().rev().find(|e| {
        e.action == actions::SIGNAL_STATE && str_at(&e.after, "archive_comment").is_some()
    });
    if let (Some(e), Some(_)) = (last_comment, &s.triage.archive_comment) {
        attrs.insert(
            "archive_comment_timestamp".into(),
            json!(e.time.timestamp_millis()),
        );
        attrs.insert("archive_comment_user".into(), person(&e.actor));
    }
    attrs.insert("version".into(), json!(s.version));
    json!({"id": s.id, "type": "signal_metadata", "attributes": Value::Object(attrs)})
}
