//! PagerDuty Events API v2: `trigger` when a signal appears or its severity rises, and, on triage,
//! `acknowledge` (Under Review) and `resolve` (Archived) with the same `dedup_key` (the signal id), so
//! the page follows the signal. Optional fields are left out rather than sent empty.
use super::targets::{attackers, Change, Context};
use crate::model::json::fmt_time;
use crate::model::{Severity, Signal, TriageState};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// What a triage move sends to PagerDuty (`[notify]` `pagerduty_on_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Trigger,
    Acknowledge,
    Resolve,
    /// Send nothing.
    None,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Acknowledge => "acknowledge",
            Action::Resolve => "resolve",
            Action::None => "none",
        }
    }
}

/// Which action each triage state sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TriageActions {
    pub under_review: Action,
    pub archived: Action,
    /// Back to Open (from Archived or Under Review).
    pub reopened: Action,
}

impl TriageActions {
    pub fn for_state(&self, to: TriageState) -> Action {
        match to {
            TriageState::UnderReview => self.under_review,
            TriageState::Archived => self.archived,
            TriageState::Open => self.reopened,
        }
    }
}

/// PagerDuty's four severities.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "info",
    }
}

/// Insert `v` unless it is absent or empty: PagerDuty's optional fields are omitted, not blank.
fn put(m: &mut Map<String, Value>, k: &str, v: Option<&str>) {
    if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
        m.insert(k.into(), json!(v));
    }
}

/// The body for one change: a full `trigger`, or the short `acknowledge`/`resolve` the API documents
/// (routing key, action and dedup key only).
pub fn event(routing_key: &str, s: &Signal, ctx: &Context) -> Value {
    let action = match ctx.change {
        Change::Triaged { action, .. } => action,
        Change::Created | Change::SeverityRaised { .. } => Action::Trigger,
    };
    if action != Action::Trigger {
        return json!({
            "routing_key": routing_key,
            "event_action": action.as_str(),
            "dedup_key": s.id,
        });
    }
    trigger(routing_key, s, ctx)
}

fn trigger(routing_key: &str, s: &Signal, ctx: &Context) -> Value {
    let source = s
        .host
        .clone()
        .or_else(|| s.services.first().cloned())
        .filter(|x| !x.trim().is_empty())
        .unwrap_or_else(|| "sigscope".into());
    let mut details = Map::new();
    details.insert("signal_id".into(), json!(s.id));
    put(&mut details, "rule", Some(&s.rule.name));
    put(&mut details, "rule_type", Some(&s.rule.rule_type));
    if !s.services.is_empty() {
        details.insert("services".into(), json!(s.services));
    }
    put(&mut details, "env", s.env.as_deref());
    details.insert("attackers".into(), json!(attackers(s)));
    if !s.attacker_ips.is_empty() {
        details.insert("attacker_ips".into(), json!(s.attacker_ips));
    }
    if !s.attacker_users.is_empty() {
        details.insert("attacker_users".into(), json!(s.attacker_users));
    }
    if !s.attack_types.is_empty() {
        details.insert("attack_types".into(), json!(s.attack_types));
    }
    details.insert("triage_state".into(), json!(s.triage.state.as_str()));
    details.insert("change".into(), json!(ctx.change.key()));
    put(&mut details, "notification_rule", Some(ctx.rule_name));

    let mut payload = Map::new();
    // PagerDuty rejects summaries over 1024 characters.
    payload.insert(
        "summary".into(),
        json!(crate::sanitize::truncate(
            &format!("[{}] {}", s.severity.as_str().to_uppercase(), s.title),
            1024
        )),
    );
    payload.insert("source".into(), json!(source));
    payload.insert("severity".into(), json!(severity(s.severity)));
    payload.insert("timestamp".into(), json!(fmt_time(&s.timestamp)));
    put(&mut payload, "component", Some(s.service()));
    put(&mut payload, "group", s.env.as_deref());
    put(&mut payload, "class", Some(&s.rule.name));
    payload.insert("custom_details".into(), Value::Object(details));

    let mut body = Map::new();
    body.insert("routing_key".into(), json!(routing_key));
    body.insert("event_action".into(), json!("trigger"));
    body.insert("dedup_key".into(), json!(s.id));
    body.insert("payload".into(), Value::Object(payload));
    if !ctx.link.is_empty() {
        body.insert(
            "links".into(),
            json!([{"href": ctx.link, "text": "Open signal"}]),
        );
    }
    body.insert("client".into(), json!("sigscope"));
    Value::Object(body)
}
