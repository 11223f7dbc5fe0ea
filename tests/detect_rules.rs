//! The vendor rule options, each on its own: evaluation window, keep-alive, max signal duration,
//! cardinality, and cases raising severity; event time drives them all.
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use sigscope::detect::{AttackEvent, Catalogue, DetectionRule, Detector, NoState, WafMatch};

fn ev(id: &str, sec: i64, ip: &str, path: &str, blocked: bool) -> AttackEvent {
    AttackEvent {
        time: Utc.timestamp_opt(1_800_000_000 + sec, 0).unwrap(),
        id: id.into(),
        source: "test".into(),
        client_ip: Some(ip.into()),
        service: Some("shop".into()),
        method: Some("GET".into()),
        url: Some(format!("{path}?q=x")),
        status: Some(if blocked { 403 } else { 200 }),
        blocked,
        matches: vec![WafMatch {
            rule_id: "942100".into(),
            family: Some("sql_injection".into()),
            value: Some(format!("payload {id}")),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn rule(window: i64, keep: i64, max: i64, queries: Value, cases: Value) -> DetectionRule {
    serde_json::from_value(json!({
        "id": "t-1", "name": "Test rule", "queries": queries, "cases": cases,
        "options": {"evaluationWindow": window, "keepAlive": keep, "maxSignalDuration": max},
        "tags": ["attack_type:sql_injection"], "message": "{{events_matched}} from {{@http.client_ip}}"
    }))
    .unwrap()
}

fn count_rule(window: i64, keep: i64, max: i64, cond: &str) -> DetectionRule {
    rule(
        window,
        keep,
        max,
        json!([{"query": "@appsec.type:sql_injection", "groupByFields": ["@http.client_ip"]}]),
        json!([{"condition": cond, "status": "high"}]),
    )
}

/// Run events through a rule; the signals as they stand at the end (by id).
fn run(r: DetectionRule, events: &[AttackEvent]) -> Vec<Value> {
    let mut d = Detector::new(vec![r.compile().unwrap()]);
    let mut out: Vec<Value> = Vec::new();
    for e in events {
        d.process(e, &mut NoState).unwrap();
        for s in d.flush().unwrap().signals {
            let s = s.value().unwrap();
            match out.iter_mut().find(|x| x["id"] == s["id"]) {
                Some(x) => *x = s,
                None => out.push(s),
            }
        }
    }
    out
}

fn matched(s: &Value) -> i64 {
    s["attributes"]["attributes"]["workflow"]["events_matched"]
        .as_i64()
        .unwrap()
}

#[test]
fn evaluation_window_counts_only_recent_events() {
    // Three events 200 s apart never have three within a 300 s window...
    let spaced: Vec<_> = (0..3)
        .map(|i| ev(&format!("e{i}"), i * 200, "1.1.1.1", "/a", true))
        .collect();
    assert!(run(count_rule(300, 3600, 86400, "a > 2"), &spaced).is_empty());
    // ...three 60 s apart do, and the signal counts them all with their samples.
    let close: Vec<_> = (0..3)
        .map(|i| ev(&format!("e{i}"), i * 60, "1.1.1.1", "/a", true))
        .collect();
    let s = run(count_rule(300, 3600, 86400, "a > 2"), &close);
    assert_eq!(s.len(), 1);
    assert_eq!(matched(&s[0]), 3);
    assert_eq!(
        s[0]["attributes"]["attributes"]["samples"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(s[0]["attributes"]["message"], "3 from 1.1.1.1");
}

#[test]
fn group_by_keeps_attackers_apart() {
    let e = [
        ev("a", 0, "1.1.1.1", "/a", true),
        ev("b", 1, "2.2.2.2", "/a", true),
    ];
    let s = run(count_rule(300, 3600, 86400, "a > 0"), &e);
    assert_eq!(s.len(), 2);
}

#[test]
fn keep_alive_extends_and_then_closes_the_signal() {
    // 100 s apart with a 300 s keep-alive: one signal; then 400 s of silence: a new one.
    let e = [
        ev("a", 0, "1.1.1.1", "/a", true),
        ev("b", 100, "1.1.1.1", "/a", true),
        ev("c", 200, "1.1.1.1", "/a", true),
        ev("d", 600, "1.1.1.1", "/a", true),
    ];
    let s = run(count_rule(60, 300, 86400, "a > 0"), &e);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(matched(&s[0]), 3);
    assert_eq!(matched(&s[1]), 1);
}

#[test]
fn max_signal_duration_closes_a_signal_that_never_goes_quiet() {
    // An event every 60 s for 20 minutes; keep-alive 300 s never lapses, max duration 600 s does.
    let e: Vec<_> = (0..20)
        .map(|i| ev(&format!("e{i}"), i * 60, "1.1.1.1", "/a", true))
        .collect();
    let s = run(count_rule(60, 300, 600, "a > 0"), &e);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(matched(&s[0]), 10);
    assert_eq!(matched(&s[1]), 10);
}

#[test]
fn cardinality_counts_distinct_values() {
    let r = rule(
        600,
        3600,
        86400,
        json!([{"query": "@appsec.type:*", "groupByFields": ["@http.client_ip"],
                "distinctFields": ["@http.url_details.path"], "aggregation": "cardinality"}]),
        json!([{"condition": "a > 3", "status": "medium"}]),
    );
    // Ten requests to the same two paths: cardinality 2, no signal.
    let same: Vec<_> = (0..10)
        .map(|i| {
            ev(
                &format!("s{i}"),
                i,
                "1.1.1.1",
                if i % 2 == 0 { "/a" } else { "/b" },
                true,
            )
        })
        .collect();
    assert!(run(r.clone(), &same).is_empty());
    // Four distinct paths: a signal.
    let spread: Vec<_> = (0..4)
        .map(|i| ev(&format!("p{i}"), i, "1.1.1.1", &format!("/p{i}"), true))
        .collect();
    assert_eq!(run(r, &spread).len(), 1);
}

#[test]
fn cases_pick_the_first_that_holds_and_raise_an_open_signal() {
    let r = rule(
        300,
        3600,
        86400,
        json!([
            {"name": "a", "query": "@appsec.type:sql_injection", "groupByFields": ["@http.client_ip"]},
            {"name": "b", "query": "@appsec.type:sql_injection -@appsec.blocked:true", "groupByFields": ["@http.client_ip"]}
        ]),
        json!([
            {"name": "got through", "condition": "b > 0", "status": "critical"},
            {"name": "attempts", "condition": "a > 1", "status": "medium"}
        ]),
    );
    let e = [
        ev("a", 0, "1.1.1.1", "/a", true),
        ev("b", 1, "1.1.1.1", "/a", true),
    ];
    let s = run(r.clone(), &e);
    assert_eq!(s[0]["attributes"]["status"], "medium");
    assert_eq!(
        s[0]["attributes"]["attributes"]["triggeringRuleCase"]["condition"],
        "a > 1"
    );
    let mut e = e.to_vec();
    e.push(ev("c", 2, "1.1.1.1", "/a", false));
    let s = run(r, &e);
    assert_eq!(s.len(), 1, "the same signal, raised");
    assert_eq!(s[0]["attributes"]["status"], "critical");
    assert_eq!(matched(&s[0]), 3);
    assert_eq!(s[0]["attributes"]["attributes"]["appsec"]["blocked"], false);
}

#[test]
fn event_time_not_wall_time_replaying_gives_the_same_signals() {
    let e: Vec<_> = (0..5)
        .map(|i| ev(&format!("e{i}"), i * 30, "1.1.1.1", "/a", true))
        .collect();
    let a = run(count_rule(300, 3600, 86400, "a > 0"), &e);
    let b = run(count_rule(300, 3600, 86400, "a > 0"), &e);
    assert_eq!(a, b);
}

#[test]
fn samples_keep_the_twenty_most_telling() {
    // 30 blocked repeats of one request, then one that got through: it must be kept.
    let mut e: Vec<_> = (0..30)
        .map(|i| {
            let mut x = ev(&format!("e{i}"), i, "1.1.1.1", "/a", true);
            x.matches[0].value = Some("same".into());
            x
        })
        .collect();
    e.push(ev("through", 40, "1.1.1.1", "/admin", false));
    let s = run(count_rule(300, 3600, 86400, "a > 0"), &e);
    let samples = s[0]["attributes"]["attributes"]["samples"]
        .as_array()
        .unwrap();
    assert_eq!(samples.len(), 20);
    assert!(samples.iter().any(|x| x["eventId"] == "through"));
    assert_eq!(matched(&s[0]), 31);
}

#[test]
fn bad_rules_are_refused_with_the_field_named() {
    let bad = [
        (json!({"evaluationWindow": 9000}), "evaluationWindow"),
        (
            json!({"keepAlive": 7200, "maxSignalDuration": 3600}),
            "keepAlive",
        ),
    ];
    for (opts, want) in bad {
        let r: DetectionRule =
            serde_json::from_value(json!({"id":"x","name":"x","queries":[{"query":"a"}],
            "cases":[{"condition":"a > 0","status":"low"}],"options": opts}))
            .unwrap();
        let e = r.compile().unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
    }
    let r: DetectionRule =
        serde_json::from_value(json!({"id":"x","name":"x","queries":[{"query":"a"}],
        "cases":[{"condition":"b > 0","status":"low"}]}))
        .unwrap();
    assert!(r.compile().unwrap_err().to_string().contains("query `b`"));
    let r: DetectionRule = serde_json::from_value(
        json!({"id":"x","name":"x","queries":[{"query":"a","groupByFields":["@nope.x"]}],
        "cases":[{"condition":"a > 0","status":"low"}]}),
    )
    .unwrap();
    assert!(r.compile().unwrap_err().to_string().contains("@nope.x"));
}

#[test]
fn the_default_catalogue_compiles() {
    let c = Catalogue::defaults().unwrap();
    assert!(c.entries.len() >= 10);
    for id in [
        "waf-sqli-001",
        "appsec-xss-001",
        "appsec-lfi-001",
        "appsec-cmdi-001",
        "appsec-scan-001",
    ] {
        assert!(c.get(id).is_some(), "{id}");
    }
}
