//! A signal's kept requests in the vendor's `samples[].content` shape, as typed structs rather than
//! `serde_json::Value`: a sample is held (up to 20 per signal, 20 pending per group) for as long as
//! its signal is open, and a map per JSON object cost several times the memory. The structs
//! serialize field by field in the order the vendor shape (and earlier stored detector state) has.
//!
//! Deciding whether a request is kept needs only its id, time, score and what makes it distinct
//! (`SampleHead`), so the content is built only for the requests that win a place.
use super::event::{AttackEvent, WafMatch};
use crate::model::json::fmt_time;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Samples kept per signal, as the vendor's.
pub const MAX_SAMPLES: usize = 20;
/// Longest string kept from an event (URLs, user agents, payloads).
pub const MAX_TEXT: usize = 2048;
/// Triggers kept per sample.
const MAX_TRIGGERS: usize = 5;

/// `s` cut to `MAX_TEXT` bytes (on a character boundary), marked `…` when cut; borrowed if short.
pub fn cap(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_TEXT {
        return Cow::Borrowed(s);
    }
    let mut end = MAX_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

fn capped(s: &str) -> String {
    cap(s).into_owned()
}

/// One kept request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub event_id: String,
    pub ms: i64,
    pub score: u8,
    /// What makes it distinct from the others (URL and payload).
    pub key: u64,
    pub content: Content,
}

/// `samples[].content`: the request as an application-security event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub timestamp: String,
    pub http: Http,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usr: Option<Usr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub source: String,
    pub appsec: Appsec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Http {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub useragent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Usr {
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Appsec {
    #[serde(rename = "type")]
    pub family: String,
    pub category: String,
    pub blocked: bool,
    pub triggers: Vec<Trigger>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub rule: TriggerRule,
    pub rule_matches: Vec<RuleMatch>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriggerRule {
    pub id: String,
    pub name: String,
    pub tags: TriggerTags,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriggerTags {
    #[serde(rename = "type")]
    pub family: String,
    pub category: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleMatch {
    pub operator: String,
    pub parameters: Vec<Parameter>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub address: String,
    pub key_path: Vec<String>,
    pub value: String,
}

const CATEGORY: &str = "attack_attempt";

/// What deciding on a sample needs, computed from the event without copying it.
pub struct SampleHead<'a> {
    pub event: &'a AttackEvent,
    /// The family the sample is about (the rule's, else the event's first, else `attack_attempt`).
    pub family: &'a str,
    pub ms: i64,
    pub score: u8,
    pub key: u64,
}

/// A 64-bit FNV-1a hash of the concatenation of `parts` (the same as `fnv64` of the joined bytes).
fn fnv64_parts(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl<'a> SampleHead<'a> {
    /// The request `e` as a candidate sample of a rule about `family`.
    pub fn of(e: &'a AttackEvent, family: Option<&str>) -> SampleHead<'a> {
        let has = |f: &str| e.matches.iter().any(|m| m.family.as_deref() == Some(f));
        let fam: &'a str = match family {
            Some(f) if has(f) => e
                .matches
                .iter()
                .find_map(|m| m.family.as_deref().filter(|x| *x == f))
                .unwrap_or(CATEGORY),
            _ => e
                .matches
                .iter()
                .find_map(|m| m.family.as_deref())
                .unwrap_or(CATEGORY),
        };
        let first_value = ordered(e, fam)
            .next()
            .and_then(|m| m.value.as_deref())
            .unwrap_or_default();
        let key = fnv64_parts(&[
            e.url.as_deref().unwrap_or_default().as_bytes(),
            b"\0",
            first_value.as_bytes(),
        ]);
        let mut score = 0u8;
        if !e.blocked {
            score += 4;
        }
        if e.status
            .is_some_and(|s| s >= 500 || (200..300).contains(&s))
        {
            score += 1;
        }
        SampleHead {
            event: e,
            family: fam,
            ms: e.time.timestamp_millis(),
            score,
            key,
        }
    }

    /// The sample itself, with its content.
    pub fn build(&self) -> Sample {
        Sample {
            event_id: self.event.id.clone(),
            ms: self.ms,
            score: self.score,
            key: self.key,
            content: content(self.event, self.family),
        }
    }
}

/// The event's attack matches, those of `fam` first.
fn ordered<'e>(e: &'e AttackEvent, fam: &'e str) -> impl Iterator<Item = &'e WafMatch> {
    let of_fam = e
        .matches
        .iter()
        .filter(move |m| m.family.as_deref() == Some(fam));
    let others = e
        .matches
        .iter()
        .filter(move |m| m.family.is_some() && m.family.as_deref() != Some(fam));
    of_fam.chain(others)
}

fn content(e: &AttackEvent, fam: &str) -> Content {
    let triggers = ordered(e, fam)
        .take(MAX_TRIGGERS)
        .map(|m| Trigger {
            rule: TriggerRule {
                id: m.rule_id.clone(),
                name: capped(&m.message),
                tags: TriggerTags {
                    family: m.family.as_deref().unwrap_or(fam).to_string(),
                    category: CATEGORY.into(),
                },
            },
            rule_matches: vec![RuleMatch {
                operator: "waf_match".into(),
                parameters: vec![Parameter {
                    address: m.address.as_deref().unwrap_or("server.request").to_string(),
                    key_path: m.key.iter().cloned().collect(),
                    value: capped(m.value.as_deref().unwrap_or_default()),
                }],
            }],
        })
        .collect();
    let opt = |v: &Option<String>| v.as_deref().map(capped);
    Content {
        timestamp: fmt_time(&e.time),
        http: Http {
            client_ip: opt(&e.client_ip),
            method: opt(&e.method),
            url: opt(&e.url),
            useragent: opt(&e.user_agent),
            host: opt(&e.host),
            status_code: e.status,
        },
        usr: e.user.as_deref().map(|u| Usr { id: capped(u) }),
        service: opt(&e.service),
        source: e.source.clone(),
        appsec: Appsec {
            family: fam.to_string(),
            category: CATEGORY.into(),
            blocked: e.blocked,
            triggers,
        },
    }
}

/// Keep the request among at most `MAX_SAMPLES`: a request unlike those kept, or not blocked, wins a
/// place from the least telling one (a repeat of an already-kept request, then a blocked one, oldest
/// first). Its content is built only if it wins one.
pub fn keep(samples: &mut Vec<Sample>, head: &SampleHead) {
    keep_with(
        samples,
        head.event.id.as_str(),
        head.score,
        head.key,
        || head.build(),
    )
}

/// `keep` for a sample already built (one that waited for its signal to open).
pub fn keep_sample(samples: &mut Vec<Sample>, s: Sample) {
    let (score, key) = (s.score, s.key);
    let id = s.event_id.clone();
    keep_with(samples, &id, score, key, move || s)
}

fn keep_with(
    samples: &mut Vec<Sample>,
    event_id: &str,
    score: u8,
    key: u64,
    build: impl FnOnce() -> Sample,
) {
    if samples.iter().any(|x| x.event_id == event_id) {
        return;
    }
    let novel = !samples.iter().any(|x| x.key == key);
    let score = if novel {
        score.saturating_add(2)
    } else {
        score
    };
    if samples.len() < MAX_SAMPLES {
        let mut s = build();
        s.score = score;
        samples.push(s);
        return;
    }
    if let Some((i, worst)) = samples
        .iter()
        .enumerate()
        .min_by_key(|(_, x)| (x.score, x.ms))
    {
        if score > worst.score {
            let mut s = build();
            s.score = score;
            samples[i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::{json, Map, Value};

    /// The content as it was built before it was typed (a `serde_json::Value`): the typed structs
    /// must serialize to the very same JSON, key order included, since signals and stored
    /// detector state hold it.
    fn reference(e: &AttackEvent, family: Option<&str>) -> Value {
        let fams = e.families();
        let fam = family
            .filter(|f| fams.contains(f))
            .or_else(|| fams.first().copied())
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
        Value::Object(content)
    }

    fn m(id: &str, fam: Option<&str>, value: &str) -> WafMatch {
        WafMatch {
            rule_id: id.into(),
            message: format!("rule {id} \"quoted\""),
            tags: vec!["OWASP_CRS".into()],
            family: fam.map(str::to_string),
            address: (id != "0").then(|| "server.request.query".into()),
            key: (id.len() > 1).then(|| "id".into()),
            value: Some(value.into()),
        }
    }

    fn events() -> Vec<AttackEvent> {
        let long = "é".repeat(MAX_TEXT); // cut on a character boundary
        let base = AttackEvent {
            time: Utc.timestamp_millis_opt(1_800_000_000_123).unwrap(),
            id: "e1".into(),
            source: "modsecurity".into(),
            client_ip: Some("203.0.113.7".into()),
            method: Some("GET".into()),
            url: Some("/p?id=1".into()),
            status: Some(403),
            blocked: true,
            user_agent: Some("curl/8".into()),
            host: Some("shop.example.com:8080".into()),
            service: Some("shop.example.com".into()),
            matches: vec![
                m("920350", None, "x"),
                m("941100", Some("xss"), "<script>"),
                m("942100", Some("sql_injection"), "1' OR 1=1"),
                m("0", Some("xss"), ""),
                m("949110", None, "5"),
            ],
            ..Default::default()
        };
        let mut many = base.clone();
        many.matches = (0..8)
            .map(|i| m(&format!("94{i}"), Some("sql_injection"), &long))
            .collect();
        many.user = Some(long.clone());
        many.url = Some(long.clone());
        let mut bare = base.clone();
        bare.matches.clear();
        bare.client_ip = None;
        bare.service = None;
        bare.host = None;
        bare.status = None;
        bare.user = Some(String::new());
        vec![base, many, bare]
    }

    #[test]
    fn typed_content_serializes_as_the_value_it_replaces() {
        for e in events() {
            for fam in [None, Some("sql_injection"), Some("xss"), Some("lfi")] {
                let typed = SampleHead::of(&e, fam).build().content;
                let want = reference(&e, fam);
                assert_eq!(
                    serde_json::to_string(&typed).unwrap(),
                    serde_json::to_string(&want).unwrap(),
                    "family {fam:?}"
                );
                // What signals carry out, built by hand, is the same (maps compare without
                // their order, so compare the text).
                assert_eq!(
                    serde_json::to_string(&typed.to_value()).unwrap(),
                    serde_json::to_string(&typed).unwrap()
                );
                // Stored detector state written before reads back.
                let back: Content = serde_json::from_value(want).unwrap();
                assert_eq!(back, typed);
            }
        }
    }

    #[test]
    fn the_key_hashes_url_and_first_payload_as_before() {
        let e = &events()[0];
        let h = SampleHead::of(e, Some("sql_injection"));
        assert_eq!(h.key, super::super::event::fnv64(b"/p?id=1\x001' OR 1=1"));
        assert_eq!(h.family, "sql_injection");
        assert_eq!(h.score, 0);
        assert_eq!(SampleHead::of(e, Some("lfi")).family, "xss");
    }

    #[test]
    fn content_is_built_only_for_a_sample_that_wins_a_place() {
        let e = &events()[0];
        let mut kept: Vec<Sample> = Vec::new();
        let mut built = 0;
        for i in 0..30 {
            let mut ev = e.clone();
            ev.id = format!("e{i}");
            let h = SampleHead::of(&ev, None);
            keep_with(&mut kept, &ev.id, h.score, h.key, || {
                built += 1;
                h.build()
            });
        }
        // 20 places, then blocked repeats of a kept request win none.
        assert_eq!((kept.len(), built), (MAX_SAMPLES, MAX_SAMPLES));
        let mut novel = e.clone();
        novel.id = "new".into();
        novel.blocked = false;
        keep(&mut kept, &SampleHead::of(&novel, None));
        assert!(kept.iter().any(|s| s.event_id == "new"));
    }
}
