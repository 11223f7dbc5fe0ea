//! An open signal's running state (counts, times, attackers, the most telling samples) and its
//! vendor JSON: the shape the explorer's Attack Flow, Activity Summary and Rule Details read.
use super::event::{fnv64, AttackEvent};
use super::rule::CompiledRule;
use super::sample::{cap, Sample};
use super::sample_json::write_entry;
use crate::error::{Error, Result};
use crate::model::json::fmt_time;
use crate::model::Severity;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// About how many bytes `samples` take as JSON (their texts, plus their ids and keys).
pub fn samples_len<'a>(samples: impl IntoIterator<Item = &'a Sample>) -> usize {
    samples
        .into_iter()
        .map(|s| s.content.get().len().saturating_add(s.event_id.len()))
        .fold(0, |n, len| n.saturating_add(len).saturating_add(64))
}

/// Attacker IPs / users listed per signal.
const MAX_ATTACKERS: usize = 100;

/// Push `v` unless listed or the list is full; allocates only when it pushes.
fn push_capped(list: &mut Vec<String>, v: &str) {
    if list.len() < MAX_ATTACKERS && !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

/// A signal as the detector hands it out: its JSON text whole, and the same signal without its
/// samples as a value (what the store's columns and the engine's checks read; the samples are
/// most of the bytes, and are needed only by whoever reads the whole signal, from `json`).
#[derive(Clone, Debug)]
pub struct Emitted {
    pub head: Value,
    pub json: String,
}

impl Emitted {
    /// The whole signal as a value (`rules test`, tests).
    pub fn value(&self) -> Result<Value> {
        Ok(serde_json::from_str(&self.json)?)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenSignal {
    pub id: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub events: i64,
    pub severity: Severity,
    pub case_name: String,
    pub case_condition: String,
    /// (field, value) of the group-by fields.
    pub group: Vec<(String, String)>,
    pub ips: Vec<String>,
    pub users: Vec<String>,
    pub services: Vec<String>,
    pub families: Vec<String>,
    pub sources: Vec<String>,
    pub all_blocked: bool,
    pub waf_rule: Option<String>,
    pub samples: Vec<Sample>,
}

impl OpenSignal {
    pub fn new(
        rule_id: &str,
        group: Vec<(String, String)>,
        e: &AttackEvent,
        severity: Severity,
    ) -> OpenSignal {
        let mut key = String::from(rule_id);
        for (_, v) in &group {
            key.push('\u{0}');
            key.push_str(v);
        }
        key.push('\u{0}');
        key.push_str(&e.id);
        let ms = e.time.timestamp_millis();
        OpenSignal {
            id: format!(
                "AQAAAZ{:016x}{:08x}",
                fnv64(key.as_bytes()),
                fnv64(e.id.as_bytes()) as u32
            ),
            first_ms: ms,
            last_ms: ms,
            events: 0,
            severity,
            case_name: String::new(),
            case_condition: String::new(),
            group,
            ips: Vec::new(),
            users: Vec::new(),
            services: Vec::new(),
            families: Vec::new(),
            sources: Vec::new(),
            all_blocked: true,
            waf_rule: None,
            samples: Vec::new(),
        }
    }

    /// Count one more event in the signal.
    pub fn add(&mut self, e: &AttackEvent, family: Option<&str>) {
        let ms = e.time.timestamp_millis();
        self.events = self.events.saturating_add(1);
        self.first_ms = self.first_ms.min(ms);
        self.last_ms = self.last_ms.max(ms);
        if let Some(ip) = &e.client_ip {
            push_capped(&mut self.ips, ip);
        }
        if let Some(u) = &e.user {
            push_capped(&mut self.users, &cap(u));
        }
        if let Some(s) = &e.service {
            push_capped(&mut self.services, &cap(s));
        }
        // The event's distinct families in match order, without collecting them.
        for (i, f) in e
            .matches
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((i, m.family.as_deref()?)))
        {
            let first = !e.matches[..i]
                .iter()
                .any(|m| m.family.as_deref() == Some(f));
            if first && family.is_none_or(|x| x == f) {
                push_capped(&mut self.families, f);
            }
        }
        push_capped(&mut self.sources, &e.source);
        self.all_blocked &= e.blocked;
        if self.waf_rule.is_none() {
            self.waf_rule = e.match_for(family).map(|m| m.rule_id.clone());
        }
    }

    fn time(ms: i64) -> String {
        let t: DateTime<Utc> = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
        fmt_time(&t)
    }

    /// The signal in the vendor's list shape (event under `attributes.attributes`): the value
    /// without samples, then its text with the samples' texts written in as the last key.
    pub fn emit(&self, rule: &CompiledRule, family: Option<&str>) -> Result<Emitted> {
        let head = self.head(rule, family);
        let mut json = serde_json::to_string(&head)?;
        // `samples` goes last in the event, which is the last key of `attributes`, itself the
        // last key of the signal: the text ends with the three objects' closing braces.
        if !json.ends_with("}}}") {
            return Err(Error::Invalid(format!(
                "signal {}: unexpected JSON shape",
                self.id
            )));
        }
        json.truncate(json.len() - 3);
        // Room for the samples up front: grown as it goes, the text is copied at each doubling.
        json.reserve(samples_len(&self.samples).saturating_add(16));
        json.push_str(",\"samples\":[");
        let mut samples: Vec<&Sample> = self.samples.iter().collect();
        samples.sort_by_key(|s| s.ms);
        for (i, s) in samples.into_iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            write_entry(&mut json, &s.event_id, &s.content)?;
        }
        json.push_str("]}}}");
        Ok(Emitted { head, json })
    }

    /// The signal's value without its samples.
    fn head(&self, rule: &CompiledRule, family: Option<&str>) -> Value {
        let r = &rule.rule;
        let service = self.services.first().cloned().unwrap_or_default();
        let family = family
            .map(str::to_string)
            .or_else(|| self.families.first().cloned());
        let mut message = r
            .message
            .replace("{{events_matched}}", &self.events.to_string());
        message = message.replace("{{service}}", &service);
        for (k, v) in &self.group {
            message = message.replace(&format!("{{{{{k}}}}}"), v);
        }
        let title = if service.is_empty() {
            r.name.clone()
        } else {
            format!("{} on {}", r.name, service)
        };
        let mut tags: Vec<String> = r.tags.clone();
        let mut tag = |t: String| {
            if !tags.contains(&t) {
                tags.push(t);
            }
        };
        if !service.is_empty() {
            tag(format!("service:{service}"));
        }
        for s in &self.sources {
            tag(format!("source:{s}"));
        }
        tag(format!("rule_id:{}", r.id));
        if let Some(f) = &family {
            tag(format!("attack_type:{f}"));
        }
        let mut event = Map::new();
        event.insert("title".into(), json!(title));
        event.insert(
            "workflow".into(),
            json!({
                "rule": {"id": r.id, "name": r.name, "type": r.type_display(), "version": r.version,
                         "detectionMethod": r.options.detection_method},
                "first_seen": Self::time(self.first_ms),
                "last_seen": Self::time(self.last_ms),
                "events_matched": self.events,
                "triage": {"state": "open", "assignee": {"id": -1, "name": "Unassigned", "uuid": ""}, "incidentIds": []},
            }),
        );
        event.insert(
            "triggeringRuleCase".into(),
            json!({"name": self.case_name, "status": self.severity.as_str(), "condition": self.case_condition}),
        );
        event.insert(
            "groupByPaths".into(),
            json!(self
                .group
                .iter()
                .map(|(k, _)| k.trim_start_matches('@'))
                .collect::<Vec<_>>()),
        );
        if let Some(ip) = self.ips.first() {
            event.insert("http".into(), json!({"client_ip": ip}));
            event.insert("network".into(), json!({"client": {"ip": self.ips}}));
        }
        if !self.users.is_empty() {
            event.insert("usr".into(), json!({"id": self.users}));
        }
        event.insert(
            "appsec".into(),
            json!({"category": "attack_attempt", "type": family.clone().map(Value::from).unwrap_or(Value::Null),
                   "blocked": self.all_blocked, "rule_id": self.waf_rule}),
        );
        if !service.is_empty() {
            event.insert("service".into(), json!(service));
        }
        // Maps built in place: `json!` would copy `event` through a serializer.
        let mut attrs = Map::with_capacity(7);
        attrs.insert("timestamp".into(), json!(Self::time(self.last_ms)));
        attrs.insert("message".into(), json!(message));
        attrs.insert("tags".into(), json!(tags));
        attrs.insert("status".into(), json!(self.severity.as_str()));
        let services = if service.is_empty() {
            json!([])
        } else {
            json!([service])
        };
        attrs.insert("service".into(), services);
        attrs.insert("version".into(), json!(1));
        attrs.insert("attributes".into(), Value::Object(event));
        let mut out = Map::with_capacity(3);
        out.insert("id".into(), json!(self.id));
        out.insert("type".into(), json!("signal"));
        out.insert("attributes".into(), Value::Object(attrs));
        Value::Object(out)
    }
}
