//! An open signal's running state (counts, times, attackers, the most telling samples) and its
//! vendor JSON: the shape the explorer's Attack Flow, Activity Summary and Rule Details read.
use super::event::{fnv64, AttackEvent};
use super::rule::CompiledRule;
use crate::model::json::fmt_time;
use crate::model::Severity;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Samples kept per signal, as the vendor's.
pub const MAX_SAMPLES: usize = 20;
/// Attacker IPs / users listed per signal.
const MAX_ATTACKERS: usize = 100;
/// Longest string kept from an event (URLs, user agents, payloads).
const MAX_TEXT: usize = 2048;

fn cap(s: &str) -> String {
    if s.len() <= MAX_TEXT {
        return s.to_string();
    }
    let mut end = MAX_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn push_capped(list: &mut Vec<String>, v: &str) {
    if list.len() < MAX_ATTACKERS && !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

/// One kept request, in the vendor's sample shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub event_id: String,
    pub ms: i64,
    pub score: u8,
    /// What makes it distinct from the others (URL and payload).
    pub key: u64,
    pub content: Value,
}

impl Sample {
    /// The request as a vendor sample, its triggers led by those of `family`.
    pub fn of(e: &AttackEvent, family: Option<&str>) -> Sample {
        let fam = family
            .filter(|f| e.families().contains(f))
            .or_else(|| e.families().first().copied())
            .unwrap_or("attack_attempt");
        let mut ordered: Vec<_> = e
            .matches
            .iter()
            .filter(|m| m.family.as_deref() == Some(fam))
            .collect();
        ordered.extend(
            e.matches
                .iter()
                .filter(|m| m.family.is_some() && m.family.as_deref() != Some(fam)),
        );
        let triggers: Vec<Value> = ordered
            .iter()
            .take(5)
            .map(|m| {
                let key_path: Vec<&str> = m.key.as_deref().into_iter().collect();
                json!({
                    "rule": {"id": m.rule_id, "name": cap(&m.message),
                             "tags": {"type": m.family.as_deref().unwrap_or(fam), "category": "attack_attempt"}},
                    "rule_matches": [{
                        "operator": "waf_match",
                        "parameters": [{
                            "address": m.address.as_deref().unwrap_or("server.request"),
                            "key_path": key_path,
                            "value": cap(m.value.as_deref().unwrap_or_default()),
                        }]
                    }]
                })
            })
            .collect();
        let mut http = Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                http.insert(k.into(), json!(cap(v)));
            }
        };
        put("client_ip", &e.client_ip);
        put("method", &e.method);
        put("url", &e.url);
        put("useragent", &e.user_agent);
        put("host", &e.host);
        if let Some(s) = e.status {
            http.insert("status_code".into(), json!(s));
        }
        let mut content = Map::new();
        content.insert("timestamp".into(), json!(fmt_time(&e.time)));
        content.insert("http".into(), Value::Object(http));
        if let Some(u) = &e.user {
            content.insert("usr".into(), json!({"id": cap(u)}));
        }
        if let Some(s) = &e.service {
            content.insert("service".into(), json!(cap(s)));
        }
        content.insert("source".into(), json!(e.source));
        content.insert(
            "appsec".into(),
            json!({"type": fam, "category": "attack_attempt", "blocked": e.blocked, "triggers": triggers}),
        );
        let first_value = ordered
            .first()
            .and_then(|m| m.value.as_deref())
            .unwrap_or_default();
        let key = fnv64(
            format!(
                "{}\u{0}{}",
                e.url.as_deref().unwrap_or_default(),
                first_value
            )
            .as_bytes(),
        );
        let mut score = 0u8;
        if !e.blocked {
            score += 4;
        }
        if e.status
            .is_some_and(|s| s >= 500 || (200..300).contains(&s))
        {
            score += 1;
        }
        Sample {
            event_id: e.id.clone(),
            ms: e.time.timestamp_millis(),
            score,
            key,
            content: Value::Object(content),
        }
    }
}

/// Keep `s` among at most `MAX_SAMPLES`: a request unlike those kept, or not blocked, wins a place
/// from the least telling one (a repeat of an already-kept request, then a blocked one, oldest first).
pub fn keep_sample(samples: &mut Vec<Sample>, mut s: Sample) {
    if samples.iter().any(|x| x.event_id == s.event_id) {
        return;
    }
    let novel = !samples.iter().any(|x| x.key == s.key);
    if novel {
        s.score = s.score.saturating_add(2);
    }
    if samples.len() < MAX_SAMPLES {
        samples.push(s);
        return;
    }
    if let Some((i, worst)) = samples
        .iter()
        .enumerate()
        .min_by_key(|(_, x)| (x.score, x.ms))
    {
        if s.score > worst.score {
            samples[i] = s;
        }
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
        for f in e.families() {
            if family.is_none_or(|x| x == f) {
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

    /// The signal in the vendor's list shape (event under `attributes.attributes`).
    pub fn to_json(&self, rule: &CompiledRule, family: Option<&str>) -> Value {
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
        let mut samples = self.samples.clone();
        samples.sort_by_key(|s| s.ms);
        let samples: Vec<Value> = samples
            .into_iter()
            .map(|s| json!({"eventId": s.event_id, "content": s.content}))
            .collect();
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
        event.insert("samples".into(), Value::Array(samples));
        json!({
            "id": self.id,
            "type": "signal",
            "attributes": {
                "timestamp": Self::time(self.last_ms),
                "message": message,
                "tags": tags,
                "status": self.severity.as_str(),
                "service": if service.is_empty() { json!([]) } else { json!([service]) },
                "version": 1,
                "attributes": Value::Object(event),
            }
        })
    }
}
