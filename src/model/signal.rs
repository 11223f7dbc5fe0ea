//! A security signal: the vendor's JSON kept whole, and the fields the explorer needs read out of it.
//!
//! The raw JSON is the source of truth (an imported signal re-exported is the same JSON, unknown keys
//! included); the typed fields are a view of it, and triage changes are written back into it.
use super::json::{
    at, ensure_object, fmt_time, i64_at, push_unique, str_at, strings_at, time_at, time_of,
};
use super::triage::{ArchiveReason, Assignee, Triage, TriageState};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt;

// Reading the parts of the vendor JSON that need more than a path lookup.
mod read;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s))
    }

    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The detection rule that fired.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub rule_type: String,
    pub version: Option<i64>,
}

/// One attack attempt (a vendor "sample"): the request that triggered the detection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttackAttempt {
    pub event_id: String,
    pub timestamp: Option<DateTime<Utc>>,
    pub ip: Option<String>,
    pub user: Option<String>,
    pub method: Option<String>,
    pub url: Option<String>,
    pub status_code: Option<i64>,
    pub user_agent: Option<String>,
    pub attack_type: Option<String>,
    pub waf_rule_id: Option<String>,
    pub waf_rule_name: Option<String>,
    /// Where the payload was: the WAF address (`server.request.query`) and key path.
    pub payload_location: Option<String>,
    pub payload_value: Option<String>,
    pub blocked: Option<bool>,
    pub trace_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub id: String,
    pub timestamp: DateTime<Utc>,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub services: Vec<String>,
    pub env: Option<String>,
    pub host: Option<String>,
    pub source: Option<String>,
    pub tags: Vec<String>,
    pub rule: Rule,
    pub triage: Triage,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub events_matched: Option<i64>,
    pub attacker_ips: Vec<String>,
    pub attacker_users: Vec<String>,
    pub attack_types: Vec<String>,
    pub samples: Vec<AttackAttempt>,
    /// Optimistic-concurrency version of the signal's triage (`attributes.version`).
    pub version: i64,
    /// Which key of `attributes` holds the event body: `custom` (get-one) or `attributes` (list).
    event_key: &'static str,
    raw: Value,
}

fn field_err(field: &str, what: impl fmt::Display) -> Error {
    Error::Invalid(format!("field `{field}`: {what}"))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Signal {
    /// Read a signal from the vendor's JSON object (`{"id","type":"signal","attributes":{...}}`).
    pub fn from_json(raw: Value) -> Result<Signal> {
        let obj = raw.as_object().ok_or_else(|| {
            field_err(
                "(record)",
                format!("expected an object, found {}", kind(&raw)),
            )
        })?;
        let id = match obj.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) => return Err(field_err("id", "is empty")),
            Some(other) => {
                return Err(field_err(
                    "id",
                    format!("expected a string, found {}", kind(other)),
                ))
            }
            None => return Err(field_err("id", "missing")),
        };
        if let Some(t) = obj.get("type") {
            if t.as_str() != Some("signal") {
                return Err(field_err("type", format!("expected \"signal\", found {t}")));
            }
        }
        let attrs = match obj.get("attributes") {
            Some(a @ Value::Object(_)) => a,
            Some(other) => {
                return Err(field_err(
                    "attributes",
                    format!("expected an object, found {}", kind(other)),
                ))
            }
            None => return Err(field_err("attributes", "missing")),
        };
        let event_key = Self::pick_event_key(attrs);
        let empty = Value::Object(Default::default());
        let event = attrs
            .get(event_key)
            .filter(|e| e.is_object())
            .unwrap_or(&empty);
        if let Some(e) = attrs.get(event_key) {
            if !e.is_object() {
                return Err(field_err(
                    &format!("attributes.{event_key}"),
                    format!("expected an object, found {}", kind(e)),
                ));
            }
        }

        let timestamp = match attrs.get("timestamp") {
            Some(v) => time_of(v).ok_or_else(|| {
                field_err(
                    "attributes.timestamp",
                    format!("not an RFC 3339 time or epoch ms: {v}"),
                )
            })?,
            None => time_at(event, "workflow.first_seen")
                .ok_or_else(|| field_err("attributes.timestamp", "missing"))?,
        };
        let severity = match attrs.get("status") {
            None | Some(Value::Null) => Severity::Info,
            Some(Value::String(s)) => Severity::parse(s).ok_or_else(|| {
                field_err(
                    "attributes.status",
                    format!("unknown severity {s:?} (info, low, medium, high, critical)"),
                )
            })?,
            Some(other) => {
                return Err(field_err(
                    "attributes.status",
                    format!("expected a string, found {}", kind(other)),
                ))
            }
        };
        let version = match attrs.get("version") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().ok_or_else(|| {
                field_err(
                    "attributes.version",
                    format!("expected an integer, found {v}"),
                )
            })?,
        };

        let message = str_at(attrs, "message").unwrap_or_default().to_string();
        let title = str_at(event, "title")
            .or_else(|| str_at(attrs, "title"))
            .or_else(|| str_at(attrs, "searchable.title"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                message
                    .lines()
                    .find(|l| !l.trim().is_empty() && l.trim() != "%%%")
                    .unwrap_or("(untitled signal)")
                    .to_string()
            });
        let tags = strings_at(attrs, "tags");
        let tag_value = |key: &str| {
            let prefix = format!("{key}:");
            tags.iter()
                .find_map(|t| t.strip_prefix(&prefix).map(str::to_string))
        };
        let mut services = strings_at(attrs, "service");
        if services.is_empty() {
            services = strings_at(event, "service");
        }
        if services.is_empty() {
            if let Some(s) = tag_value("service") {
                services.push(s);
            }
        }
        let env = str_at(attrs, "tag.env")
            .map(str::to_string)
            .or_else(|| tag_value("env"))
            .or_else(|| str_at(event, "env").map(str::to_string));
        let host = str_at(attrs, "host").map(str::to_string);
        let source = str_at(attrs, "tag.source")
            .map(str::to_string)
            .or_else(|| tag_value("source"));

        let rule = Rule {
            id: str_at(event, "workflow.rule.id")
                .unwrap_or_default()
                .to_string(),
            name: str_at(event, "workflow.rule.name")
                .unwrap_or_default()
                .to_string(),
            rule_type: str_at(event, "workflow.rule.type")
                .unwrap_or_default()
                .to_string(),
            version: i64_at(event, "workflow.rule.version"),
        };
        let triage = Self::read_triage(event)?;
        let first_seen = time_at(event, "workflow.first_seen").unwrap_or(timestamp);
        let last_seen = time_at(event, "workflow.last_seen").unwrap_or(timestamp);
        let events_matched = i64_at(event, "workflow.events_matched");

        let samples: Vec<AttackAttempt> = match at(event, "samples") {
            Some(Value::Array(a)) => a.iter().map(Self::read_sample).collect(),
            _ => Vec::new(),
        };
        let mut attacker_ips = Vec::new();
        for path in ["http.client_ip", "network.client.ip"] {
            for ip in strings_at(event, path) {
                push_unique(&mut attacker_ips, &ip);
            }
        }
        let mut attacker_users = Vec::new();
        for u in strings_at(event, "usr.id") {
            push_unique(&mut attacker_users, &u);
        }
        let mut attack_types = Vec::new();
        for t in strings_at(event, "appsec.type") {
            push_unique(&mut attack_types, &t);
        }
        for s in &samples {
            if let Some(ip) = &s.ip {
                push_unique(&mut attacker_ips, ip);
            }
            if let Some(u) = &s.user {
                push_unique(&mut attacker_users, u);
            }
            if let Some(t) = &s.attack_type {
                push_unique(&mut attack_types, t);
            }
        }

        // The vendor always sends `attributes.version`; a signal never changed carries it too, so a
        // script reading `signals show --format json` has the value `--if-version` needs.
        let mut raw = raw;
        if Self::adds_version(&raw) {
            ensure_object(&mut raw, &["attributes"]).insert("version".into(), json!(version));
        }

        Ok(Signal {
            id,
            timestamp,
            severity,
            title,
            message,
            services,
            env,
            host,
            source,
            tags,
            rule,
            triage,
            first_seen,
            last_seen,
            events_matched,
            attacker_ips,
            attacker_users,
            attack_types,
            samples,
            version,
            event_key,
            raw,
        })
    }

    /// Whether `from_json` adds `attributes.version` to `raw`: the one change it makes to the
    /// JSON it is given (an import stores a record's own text only when it does not).
    pub fn adds_version(raw: &Value) -> bool {
        raw.get("attributes")
            .and_then(|a| a.get("version"))
            .is_none_or(Value::is_null)
    }

    /// The vendor JSON of the signal, with its current triage and version.
    pub fn to_json(&self) -> &Value {
        &self.raw
    }

    pub fn into_json(self) -> Value {
        self.raw
    }

    /// The event body (`attributes.custom` or `attributes.attributes`), where `@path` queries look.
    pub fn event(&self) -> &Value {
        static EMPTY: Value = Value::Null;
        // Two map lookups, no path string: the index calls this for every signal it loads.
        self.raw
            .get("attributes")
            .and_then(|a| a.get(self.event_key))
            .unwrap_or(&EMPTY)
    }

    /// The signal's top-level `attributes` object.
    pub fn attributes(&self) -> &Value {
        static EMPTY: Value = Value::Null;
        self.raw.get("attributes").unwrap_or(&EMPTY)
    }

    /// The first service, or an empty string.
    pub fn service(&self) -> &str {
        self.services.first().map(String::as_str).unwrap_or("")
    }

    /// Replace the triage and version, writing them into the vendor JSON (camelCase inside the event,
    /// as the vendor does) so that the JSON stays the single source of truth.
    pub fn set_triage(&mut self, triage: Triage, version: i64) {
        let event_key = self.event_key;
        let t = ensure_object(
            &mut self.raw,
            &["attributes", event_key, "workflow", "triage"],
        );
        t.insert("state".into(), json!(triage.state.as_str()));
        t.insert(
            "assignee".into(),
            match &triage.assignee {
                Some(a) => {
                    let mut o = serde_json::Map::new();
                    o.insert("uuid".into(), json!(a.uuid));
                    if let Some(h) = &a.handle {
                        o.insert("handle".into(), json!(h));
                    }
                    if let Some(n) = &a.name {
                        o.insert("name".into(), json!(n));
                    }
                    Value::Object(o)
                }
                None => json!({"id": -1, "name": "Unassigned", "uuid": ""}),
            },
        );
        t.insert("incidentIds".into(), json!(triage.incident_ids));
        t.remove("incident_ids");
        t.remove("archive_reason");
        t.remove("archive_comment");
        match triage.archive_reason {
            Some(r) => {
                t.insert("archiveReason".into(), json!(r.as_str()));
            }
            None => {
                t.remove("archiveReason");
            }
        }
        match &triage.archive_comment {
            Some(c) => {
                t.insert("archiveComment".into(), json!(c));
            }
            None => {
                t.remove("archiveComment");
            }
        }
        let attrs = ensure_object(&mut self.raw, &["attributes"]);
        attrs.insert("version".into(), json!(version));
        self.triage = triage;
        self.version = version;
    }

    /// The signal in the vendor's list shape: the event under `attributes.attributes`.
    pub fn to_list_json(&self) -> Value {
        if self.event_key == "attributes" {
            return self.raw.clone();
        }
        let mut v = self.raw.clone();
        if let Some(attrs) = v.get_mut("attributes").and_then(Value::as_object_mut) {
            if let Some(ev) = attrs.remove("custom") {
                attrs.insert("attributes".into(), ev);
            }
        }
        v
    }

    pub fn timestamp_str(&self) -> String {
        fmt_time(&self.timestamp)
    }
}

/// Refuse a signal id a terminal, a shell or a URL would misread: empty, over 512 bytes, or holding
/// control, line-separator or bidirectional-override characters. Ids come from producers and files,
/// so they are checked before anything is stored.
pub fn check_id(id: &str) -> crate::error::Result<()> {
    let bad = id.chars().find(|c| {
        c.is_control()
            || matches!(*c, '\u{2028}' | '\u{2029}')
            || matches!(*c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    });
    if id.is_empty() || id.len() > 512 || bad.is_some() {
        return Err(crate::error::Error::Invalid(format!(
            "signal id {:?}: an id must be 1-512 bytes without control or bidirectional characters",
            crate::sanitize::clean(&crate::sanitize::truncate(id, 64))
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
