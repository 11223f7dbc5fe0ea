//! A signal's kept requests in the vendor's `samples[].content` shape. A sample is held (up to 20
//! per signal, 20 pending per group) for as long as its signal is open, and carried out at every
//! flush, so it is held as its JSON text, written once from typed structs that borrow the event
//! (no copy of its strings, no map per JSON object). The structs serialize field by field in the
//! order the vendor shape (and earlier stored detector state) has.
//!
//! Deciding whether a request is kept needs only its id, time, score and what makes it distinct
//! (`SampleHead`), so the content is built only for the requests that win a place.
use super::event::{AttackEvent, WafMatch};
use super::sample_json::{Built, ContentText};
use crate::error::Result;
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

/// One kept request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub event_id: String,
    pub ms: i64,
    pub score: u8,
    /// What makes it distinct from the others (URL and payload).
    pub key: u64,
    /// The request, as JSON text (see `sample_json`).
    pub content: ContentText,
}

/// `samples[].content`: the request as an application-security event, borrowed from the event
/// for as long as it takes to write its text (see `sample_json`).
#[derive(Debug, Serialize)]
pub struct Content<'a> {
    pub timestamp: String,
    pub http: Http<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usr: Option<Usr<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Cow<'a, str>>,
    pub source: &'a str,
    pub appsec: Appsec<'a>,
}

#[derive(Debug, Default, Serialize)]
pub struct Http<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub useragent: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Usr<'a> {
    pub id: Cow<'a, str>,
}

#[derive(Debug, Serialize)]
pub struct Appsec<'a> {
    #[serde(rename = "type")]
    pub family: &'a str,
    pub category: &'a str,
    pub blocked: bool,
    pub triggers: Vec<Trigger<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Trigger<'a> {
    pub rule: TriggerRule<'a>,
    /// One match per trigger (an array of one in the vendor's shape).
    pub rule_matches: [RuleMatch<'a>; 1],
}

#[derive(Debug, Serialize)]
pub struct TriggerRule<'a> {
    pub id: &'a str,
    pub name: Cow<'a, str>,
    pub tags: TriggerTags<'a>,
}

#[derive(Debug, Serialize)]
pub struct TriggerTags<'a> {
    #[serde(rename = "type")]
    pub family: &'a str,
    pub category: &'a str,
}

#[derive(Debug, Serialize)]
pub struct RuleMatch<'a> {
    pub operator: &'a str,
    pub parameters: [Parameter<'a>; 1],
}

#[derive(Debug, Serialize)]
pub struct Parameter<'a> {
    pub address: &'a str,
    /// The matched key, if any (an array of at most one).
    pub key_path: &'a [String],
    pub value: Cow<'a, str>,
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

    /// The sample itself, with its content (from `built` when another rule about the same
    /// family wrote it for this event).
    pub fn build(&self, built: &mut Built) -> Result<Sample> {
        Ok(Sample {
            event_id: self.event.id.clone(),
            ms: self.ms,
            score: self.score,
            key: self.key,
            content: built.content(self)?,
        })
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

pub(super) fn content<'a>(e: &'a AttackEvent, fam: &'a str) -> Content<'a> {
    let triggers = ordered(e, fam)
        .take(MAX_TRIGGERS)
        .map(|m| Trigger {
            rule: TriggerRule {
                id: &m.rule_id,
                name: cap(&m.message),
                tags: TriggerTags {
                    family: m.family.as_deref().unwrap_or(fam),
                    category: CATEGORY,
                },
            },
            rule_matches: [RuleMatch {
                operator: "waf_match",
                parameters: [Parameter {
                    address: m.address.as_deref().unwrap_or("server.request"),
                    key_path: m.key.as_slice(),
                    value: cap(m.value.as_deref().unwrap_or_default()),
                }],
            }],
        })
        .collect();
    let opt = |v: &'a Option<String>| v.as_deref().map(cap);
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
        usr: e.user.as_deref().map(|u| Usr { id: cap(u) }),
        service: opt(&e.service),
        source: &e.source,
        appsec: Appsec {
            family: fam,
            category: CATEGORY,
            blocked: e.blocked,
            triggers,
        },
    }
}

/// Keep the request among at most `MAX_SAMPLES`: a request unlike those kept, or not blocked, wins a
/// place from the least telling one (a repeat of an already-kept request, then a blocked one, oldest
/// first). Its content is built only if it wins one.
pub fn keep(samples: &mut Vec<Sample>, head: &SampleHead, built: &mut Built) -> Result<()> {
    keep_with(
        samples,
        head.event.id.as_str(),
        head.score,
        head.key,
        || head.build(built),
    )
}

/// `keep` for a sample already built (one that waited for its signal to open).
pub fn keep_sample(samples: &mut Vec<Sample>, s: Sample) -> Result<()> {
    let (score, key) = (s.score, s.key);
    let id = s.event_id.clone();
    keep_with(samples, &id, score, key, move || Ok(s))
}

fn keep_with(
    samples: &mut Vec<Sample>,
    event_id: &str,
    score: u8,
    key: u64,
    build: impl FnOnce() -> Result<Sample>,
) -> Result<()> {
    if samples.iter().any(|x| x.event_id == event_id) {
        return Ok(());
    }
    let novel = !samples.iter().any(|x| x.key == key);
    let score = if novel {
        score.saturating_add(2)
    } else {
        score
    };
    if samples.len() < MAX_SAMPLES {
        let mut s = build()?;
        s.score = score;
        samples.push(s);
        return Ok(());
    }
    if let Some((i, worst)) = samples
        .iter()
        .enumerate()
        .min_by_key(|(_, x)| (x.score, x.ms))
    {
        if score > worst.score {
            let mut s = build()?;
            s.score = score;
            samples[i] = s;
        }
    }
    Ok(())
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
                let typed = content(&e, SampleHead::of(&e, fam).family);
                let want = reference(&e, fam);
                assert_eq!(
                    serde_json::to_string(&typed).unwrap(),
                    serde_json::to_string(&want).unwrap(),
                    "family {fam:?}"
                );
                // The text a sample holds and carries out is that same JSON.
                let text = SampleHead::of(&e, fam)
                    .build(&mut Built::default())
                    .unwrap()
                    .content;
                assert_eq!(text.get(), serde_json::to_string(&want).unwrap());
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
        let mut texts = Built::default();
        for i in 0..30 {
            let mut ev = e.clone();
            ev.id = format!("e{i}");
            let h = SampleHead::of(&ev, None);
            keep_with(&mut kept, &ev.id, h.score, h.key, || {
                built += 1;
                h.build(&mut texts)
            })
            .unwrap();
        }
        // 20 places, then blocked repeats of a kept request win none.
        assert_eq!((kept.len(), built), (MAX_SAMPLES, MAX_SAMPLES));
        let mut novel = e.clone();
        novel.id = "new".into();
        novel.blocked = false;
        keep(&mut kept, &SampleHead::of(&novel, None), &mut texts).unwrap();
        assert!(kept.iter().any(|s| s.event_id == "new"));
    }
}
