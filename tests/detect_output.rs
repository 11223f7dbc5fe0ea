//! What the detector hands out: each signal as its JSON text (samples written in from the texts
//! they were kept as) beside the same signal without samples, and each group's state as JSON that
//! reads back into the same state, so a restart continues exactly.
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use sigscope::detect::{
    AttackEvent, Catalogue, Detector, Flush, GroupState, NoState, StateSource, WafMatch,
};
use std::collections::HashMap;

/// Attacks with hostile strings in every field a sample keeps.
fn events(n: usize) -> Vec<AttackEvent> {
    (0..n)
        .map(|i| AttackEvent {
            time: Utc.timestamp_opt(1_800_000_000 + i as i64 * 7, 0).unwrap(),
            id: format!("ev\"{i}\\\u{1b}[31m"),
            source: "modsecurity".into(),
            client_ip: Some(format!("198.51.100.{}", i % 3)),
            service: Some("shop\u{202e}".into()),
            method: Some("GET".into()),
            url: Some(format!("/p?id={i}'%20OR%201=1--\n\u{0}")),
            status: Some(if i % 2 == 0 { 403 } else { 200 }),
            blocked: i % 2 == 0,
            user_agent: Some("sqlmap/1.7 \"</script>\"".into()),
            user: (i % 4 == 0).then(|| "admin\t😀".to_string()),
            matches: vec![
                WafMatch {
                    rule_id: "942100".into(),
                    message: "SQL Injection Attack Detected via libinjection \"x\"".into(),
                    family: Some("sql_injection".into()),
                    address: Some("server.request.query".into()),
                    key: Some("id".into()),
                    value: Some(format!("{i}' OR 1=1 \u{7f}")),
                    ..Default::default()
                },
                WafMatch {
                    rule_id: "941100".into(),
                    family: Some("xss".into()),
                    value: Some("<script>alert(1)</script>".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        })
        .collect()
}

fn detector() -> Detector {
    Detector::new(Catalogue::defaults().unwrap().enabled())
}

/// The first `n` of `events` through the default catalogue, and what one flush hands out.
fn flushed(n: usize) -> Flush {
    let mut d = detector();
    for e in events(n) {
        d.process(&e, &mut NoState).unwrap();
    }
    d.flush().unwrap()
}

#[test]
fn a_signal_is_its_compact_json_whole_and_its_head_is_the_same_without_samples() {
    let out = flushed(60);
    assert!(out.signals.len() >= 3, "{}", out.signals.len());
    for s in &out.signals {
        let mut v: Value = serde_json::from_str(&s.json).unwrap();
        // The text is what serialising the value writes: the store keeps it as the signal.
        assert_eq!(serde_json::to_string(&v).unwrap(), s.json);
        let event = v["attributes"]["attributes"].as_object_mut().unwrap();
        let samples = event.remove("samples").unwrap();
        let samples = samples.as_array().unwrap();
        assert!(!samples.is_empty() && samples.len() <= 20);
        for x in samples {
            assert!(x["eventId"].as_str().unwrap().starts_with("ev\""), "{x}");
            let url = x["content"]["http"]["url"].as_str().unwrap();
            assert!(url.ends_with("--\n\u{0}"), "{url:?}");
        }
        // Oldest first.
        let times: Vec<&str> = samples
            .iter()
            .map(|x| x["content"]["timestamp"].as_str().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        assert_eq!(v, s.head);
    }
}

#[test]
fn an_event_counted_by_two_rules_gives_each_a_sample_about_its_family() {
    let out = flushed(40);
    // The xss rule and the sql injection rule both keep samples of these events, each about its
    // own family, though the event's contents are written once per family and shared.
    let sample = |rule: &str, ip: &str| -> Value {
        let s = out
            .signals
            .iter()
            .map(|s| s.value().unwrap())
            .find(|v| {
                v["attributes"]["attributes"]["workflow"]["rule"]["id"] == rule
                    && v["attributes"]["attributes"]["network"]["client"]["ip"][0] == ip
            })
            .unwrap_or_else(|| panic!("no {rule} signal for {ip}"));
        s["attributes"]["attributes"]["samples"][0].clone()
    };
    let sqli = sample("waf-sqli-001", "198.51.100.0");
    let xss = sample("appsec-xss-001", "198.51.100.0");
    assert_eq!(sqli["eventId"], xss["eventId"]);
    assert_eq!(sqli["content"]["appsec"]["type"], "sql_injection");
    assert_eq!(xss["content"]["appsec"]["type"], "xss");
    assert_eq!(
        xss["content"]["appsec"]["triggers"][0]["rule"]["id"],
        json!("941100")
    );
}

/// The store, as far as the detector's state goes.
#[derive(Default)]
struct Saved(HashMap<(String, String), String>);

impl StateSource for Saved {
    fn load(&mut self, rule: &str, key: &str) -> sigscope::error::Result<Option<GroupState>> {
        Ok(self
            .0
            .get(&(rule.to_string(), key.to_string()))
            .map(|s| serde_json::from_str(s).unwrap()))
    }
}

#[test]
fn a_saved_state_reads_back_the_same_and_a_restart_continues_exactly() {
    let all = events(80);
    // One run straight through.
    let mut straight = detector();
    let mut want: HashMap<String, String> = HashMap::new();
    for e in &all {
        straight.process(e, &mut NoState).unwrap();
    }
    for s in straight.flush().unwrap().signals {
        want.insert(s.head["id"].as_str().unwrap().to_string(), s.json);
    }
    // The same events in two runs, the second starting from what the first saved.
    let mut first = detector();
    for e in &all[..50] {
        first.process(e, &mut NoState).unwrap();
    }
    let out = first.flush().unwrap();
    let mut saved = Saved::default();
    for (rule, key, state) in out.save {
        let back: GroupState = serde_json::from_str(&state).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), state);
        saved.0.insert((rule, key), state);
    }
    let mut got: HashMap<String, String> = HashMap::new();
    for s in out.signals {
        got.insert(s.head["id"].as_str().unwrap().to_string(), s.json);
    }
    let mut second = detector();
    for e in &all[50..] {
        second.process(e, &mut saved).unwrap();
    }
    for s in second.flush().unwrap().signals {
        got.insert(s.head["id"].as_str().unwrap().to_string(), s.json);
    }
    assert_eq!(got, want);
}
