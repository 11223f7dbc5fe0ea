//! The index: upserts, removal, ordering, row views, facets, and agreement with the slow path.
use serde_json::json;
use sigscope::model::{Signal, TriageState};
use sigscope::query::{exclude_facet, parse, toggle_facet, SignalIndex, TimeRange};

const STATES: [&str; 3] = ["open", "under_review", "archived"];
const SEVS: [&str; 5] = ["info", "low", "medium", "high", "critical"];
const SERVICES: [&str; 4] = ["checkout-api", "web-store", "auth", "search"];
const TYPES: [&str; 4] = ["sql_injection", "xss", "lfi", "ssrf"];

/// A varied signal, deterministic in `i`.
fn signal(i: usize) -> Signal {
    let mut ev = json!({
        "title": format!("{} on {}", TYPES[i % 4], SERVICES[i % 4]),
        "workflow": {
            "rule": {"id": format!("r{}", i % 7), "name": format!("Rule {}", i % 7), "type": "Application Security"},
            "events_matched": (i * 37) % 500,
            "triage": {"state": STATES[i % 3]},
        },
        "http": {"client_ip": format!("10.{}.{}.{}", i % 3, i % 5, i % 11), "status_code": 200 + (i % 4) * 100, "url": format!("/p/{}", i % 6)},
        "usr": {"id": format!("user{}", i % 9)},
        "appsec": {"type": TYPES[(i / 2) % 4]},
    });
    if i.is_multiple_of(4) {
        ev["workflow"]["triage"]["assignee"] = json!({"uuid": format!("u{}", i % 2), "handle": format!("a{}@x.com", i % 2), "name": "A"});
    }
    if i.is_multiple_of(5) {
        ev["network"] = json!({"client": {"ip": format!("2001:db8::{:x}", i)}});
    }
    let v = json!({
        "id": format!("sig-{i:04}"),
        "type": "signal",
        "attributes": {
            "timestamp": format!("2026-11-{:02}T{:02}:00:00.000Z", 1 + i % 28, i % 24),
            "status": SEVS[i % 5],
            "service": [SERVICES[i % 4]],
            "tags": [format!("env:{}", if i.is_multiple_of(2) { "prod" } else { "staging" }), format!("team:t{}", i % 3)],
            "message": format!("{} {} attempts from {} IP", if i.is_multiple_of(6) { "SQLMap scanner" } else { "attack" }, i * 7, i % 4),
            "attributes": ev,
        }
    });
    Signal::from_json(v).unwrap()
}

fn signals(n: usize) -> Vec<Signal> {
    (0..n).map(signal).collect()
}

const QUERIES: &[&str] = &[
    "",
    "@workflow.triage.state:open",
    "status:(high OR critical)",
    "@workflow.rule.name:Rule*",
    "@workflow.rule.name:\"Rule 3\"",
    "sqlmap",
    "CIDR(@http.client_ip,10.1.0.0/16)",
    "CIDR(@network.client.ip,2001:db8::/32)",
    "-@workflow.triage.state:archived",
    "service:checkout-api env:prod status:>=medium -@appsec.type:xss @workflow.events_matched:>100 team:t1",
    "@http.status_code:[300 TO 400]",
    "@http.url:*3",
    "@workflow.triage.assignee.handle:a1@x.com",
    "-@workflow.triage.assignee.handle:*",
    "@usr.id:(user1 OR user2) OR xss",
    "NOT (team:t0 OR team:t2)",
    "@nothing.here:*",
    "@workflow.first_seen:>2026-11-20T00:00:00Z",
    "\"attempts from 2 ip\"",
    "\"attempts from\"",
    "14*",
    "attack?1*",
    "scanner*from",
    "sig-0042",
    "id:sig-0042",
    "id:sig-004*",
    "sig-0042 OR id:sig-0007",
    "-id:sig-0001 status:high",
];

#[test]
fn index_agrees_with_the_slow_path() {
    let all = signals(300);
    let ix = SignalIndex::build(all.clone());
    for q in QUERIES {
        let query = parse(q).unwrap();
        let mut want: Vec<&Signal> = all.iter().filter(|s| query.matches(s)).collect();
        want.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(a.id.cmp(&b.id)));
        let got: Vec<&str> = ix
            .matches(&query, &TimeRange::all())
            .iter()
            .map(|&r| ix.id_of(r))
            .collect();
        let want: Vec<&str> = want.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, want, "query {q}");
        assert!(!q.is_empty() || got.len() == 300);
    }
}

/// Issue 17, item 9: a signal's id is searchable, whole, as a free-text term or as `id:ID`, in the
/// index (the explorer) and on the slow path (the CLI and the server) alike.
#[test]
fn signal_ids_are_searchable_whole_as_text_or_as_id() {
    let all = signals(300);
    let ix = SignalIndex::build(all.clone());
    let found = |q: &str| -> Vec<String> {
        let query = parse(q).unwrap();
        let slow: Vec<String> = all
            .iter()
            .filter(|s| query.matches(s))
            .map(|s| s.id.clone())
            .collect();
        let mut fast: Vec<String> = ix
            .matches(&query, &TimeRange::all())
            .iter()
            .map(|&r| ix.id_of(r).to_string())
            .collect();
        fast.sort();
        let mut sorted = slow.clone();
        sorted.sort();
        assert_eq!(fast, sorted, "index and slow path on {q}");
        sorted
    };
    assert_eq!(found("sig-0042"), vec!["sig-0042"]);
    assert_eq!(found("\"sig-0042\""), vec!["sig-0042"]);
    assert_eq!(found("id:sig-0042"), vec!["sig-0042"]);
    assert_eq!(
        found("id:sig-000*"),
        (0..10).map(|i| format!("sig-{i:04}")).collect::<Vec<_>>()
    );
    assert_eq!(found("sig-0042 OR sig-0007"), vec!["sig-0007", "sig-0042"]);
    assert_eq!(found("-id:sig-0042").len(), 299);
    // Whole ids only: a piece of one, or one in another case, is free text that matches nothing.
    assert!(found("sig-004").is_empty());
    assert!(found("SIG-0042").is_empty());
    assert!(found("sig-9999").is_empty());
    // A removed signal is not found by its id.
    let mut ix2 = SignalIndex::build(all.clone());
    ix2.remove("sig-0042");
    assert!(ix2
        .matches(&parse("sig-0042").unwrap(), &TimeRange::all())
        .is_empty());
    assert!(ix2
        .matches(&parse("id:sig-004*").unwrap(), &TimeRange::all())
        .iter()
        .all(|&r| ix2.id_of(r) != "sig-0042"));
}

#[test]
fn messages_are_rebuilt_from_template_and_digits() {
    let all = signals(50);
    let ix = SignalIndex::build(all.clone());
    for s in &all {
        assert_eq!(ix.message(ix.row_of(&s.id).unwrap()), s.message);
    }
}

#[test]
fn results_are_newest_first_and_time_range_applies() {
    let ix = SignalIndex::build(signals(100));
    let r = ix.search(&parse("").unwrap(), &TimeRange::all(), 5);
    let ts: Vec<_> = r
        .matches
        .iter()
        .map(|&x| ix.row(x).unwrap().timestamp)
        .collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]));
    let from = chrono::DateTime::parse_from_rfc3339("2026-11-20T00:00:00Z")
        .unwrap()
        .to_utc();
    let range = TimeRange {
        from: Some(from),
        to: None,
    };
    let r = ix.search(&parse("").unwrap(), &range, 5);
    let expect = signals(100).iter().filter(|s| s.timestamp >= from).count();
    assert_eq!(r.total, expect);
    assert!(r
        .matches
        .iter()
        .all(|&x| ix.row(x).unwrap().timestamp >= from));
}

#[test]
fn upsert_replaces_by_id_and_remove_drops() {
    let mut ix = SignalIndex::build(signals(10));
    assert_eq!(ix.len(), 10);
    let q = parse("@workflow.triage.state:archived").unwrap();
    let before = ix.search(&q, &TimeRange::all(), 5).total;
    let mut s = signal(1);
    let mut t = s.triage.clone();
    assert_ne!(t.state, TriageState::Archived);
    t.state = TriageState::Archived;
    s.set_triage(t, 2);
    let row = ix.row_of(&s.id).unwrap();
    assert_eq!(ix.insert_or_update(&s), row);
    assert_eq!(ix.len(), 10);
    assert_eq!(ix.search(&q, &TimeRange::all(), 5).total, before + 1);
    assert_eq!(ix.row(row).unwrap().state, TriageState::Archived);

    let new = signal(10);
    ix.insert_or_update(&new);
    assert_eq!(ix.len(), 11);
    assert!(ix.remove("sig-0001"));
    assert!(!ix.remove("sig-0001"));
    assert_eq!(ix.len(), 10);
    assert_eq!(ix.row_of("sig-0001"), None);
    assert_eq!(ix.search(&q, &TimeRange::all(), 5).total, before);
    let all = ix.matches(&parse("").unwrap(), &TimeRange::all());
    assert_eq!(all.len(), 10);
    assert!(!all.contains(&row));
    assert_eq!(ix.id_of(ix.row_of("sig-0010").unwrap()), "sig-0010");
}

#[test]
fn insert_keeps_newest_first_order() {
    let mut ix = SignalIndex::new();
    for i in [5, 1, 9, 3, 7] {
        ix.insert_or_update(&signal(i));
    }
    let r = ix.matches(&parse("").unwrap(), &TimeRange::all());
    let ts: Vec<_> = r.iter().map(|&x| ix.row(x).unwrap().timestamp).collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]), "{ts:?}");
}

#[test]
fn row_view_has_the_display_fields() {
    let ix = SignalIndex::build(signals(8));
    let v = ix.row(ix.row_of("sig-0004").unwrap()).unwrap();
    assert_eq!(v.id, "sig-0004");
    assert_eq!(v.title, "sql_injection on checkout-api");
    assert_eq!(v.service, "checkout-api");
    assert_eq!(v.attacker, Some("10.1.4.4"));
    assert_eq!(v.assignee, Some("A"));
    assert_eq!(v.severity.as_str(), "critical");
}

#[test]
fn facets_count_per_value_with_top_n_and_distinct() {
    let ix = SignalIndex::build(signals(60));
    let r = ix.search(&parse("").unwrap(), &TimeRange::all(), 2);
    let f = |name: &str| r.facets.iter().find(|f| f.name == name).unwrap().clone();
    let state = f("Signal State");
    assert_eq!(state.key, "@workflow.triage.state");
    assert_eq!(state.distinct, 3);
    assert_eq!(state.values.len(), 2);
    assert_eq!(state.values[0].1, 20);
    let sev = f("Severity");
    assert_eq!(sev.key, "status");
    assert_eq!(sev.distinct, 5);
    let svc = f("Service");
    assert_eq!(
        svc.values,
        vec![("auth".to_string(), 15), ("checkout-api".to_string(), 15)]
    );
    assert_eq!(f("Env").distinct, 2);
    assert_eq!(f("Rule").distinct, 7);
    assert_eq!(f("Attack Type").distinct, 4);
    assert_eq!(f("User").distinct, 9);
    let assignee = f("Assignee");
    assert_eq!(assignee.values.iter().map(|v| v.1).sum::<u32>(), 15);
    let team = r
        .facets
        .iter()
        .find(|f| f.name == "Tag" && f.key == "team")
        .unwrap();
    assert_eq!(team.distinct, 3);
    assert!(!r.facets.iter().any(|f| f.name == "Tag" && f.key == "env"));

    // Facets follow the filter.
    let r = ix.search(&parse("service:auth").unwrap(), &TimeRange::all(), 10);
    let svc = r.facets.iter().find(|f| f.name == "Service").unwrap();
    assert_eq!(svc.values, vec![("auth".to_string(), 15)]);
    assert_eq!(svc.distinct, 1);
}

#[test]
fn memory_is_reported() {
    let ix = SignalIndex::build(signals(1000));
    let per = ix.memory_bytes() / ix.len();
    assert!(per > 50, "{per} bytes per signal is implausibly small");
}

#[test]
fn toggle_adds_then_removes() {
    let q = toggle_facet("", "service", "checkout-api");
    assert_eq!(q, "service:checkout-api");
    let q = toggle_facet("sqlmap", "@workflow.rule.name", "SQLi exploit");
    assert_eq!(q, "sqlmap @workflow.rule.name:\"SQLi exploit\"");
    assert_eq!(
        toggle_facet(&q, "@workflow.rule.name", "SQLi exploit"),
        "sqlmap"
    );
    assert_eq!(toggle_facet("a service:x  b", "service", "x"), "a b");
    assert_eq!(toggle_facet("a AND service:x", "service", "x"), "a");
    // An OR at the top is kept together.
    assert_eq!(toggle_facet("a OR b", "env", "prod"), "(a OR b) env:prod");
    // Quoting makes odd values safe and still matches its own term.
    let q = toggle_facet("", "team", "a b:c");
    assert_eq!(q, "team:\"a b:c\"");
    assert!(parse(&q).is_ok());
    assert_eq!(toggle_facet(&q, "team", "a b:c"), "");
}

#[test]
fn exclude_adds_a_negation_and_flips() {
    assert_eq!(exclude_facet("x", "env", "prod"), "x -env:prod");
    assert_eq!(exclude_facet("x -env:prod", "env", "prod"), "x");
    assert_eq!(exclude_facet("x env:prod", "env", "prod"), "x -env:prod");
    assert_eq!(toggle_facet("x -env:prod", "env", "prod"), "x env:prod");
    // Filters built by toggling select what they say.
    let ix = SignalIndex::build(signals(40));
    let q = toggle_facet("", "status", "high");
    let q = exclude_facet(&q, "service", "auth");
    let r = ix.search(&parse(&q).unwrap(), &TimeRange::all(), 5);
    for &row in &r.matches {
        let v = ix.row(row).unwrap();
        assert_eq!(v.severity.as_str(), "high");
        assert_ne!(v.service, "auth");
    }
    assert!(r.total > 0);
}

#[test]
fn index_agrees_with_the_slow_path_on_demo_data() {
    use sigscope::demo::{signals as demo, DemoOptions};
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .to_utc();
    let opts = DemoOptions {
        signals: 1500,
        seed: 7,
        days: 14,
        now,
    };
    let all: Vec<Signal> = demo(&opts).map(|v| Signal::from_json(v).unwrap()).collect();
    let ix = SignalIndex::build(all.clone());
    let queries = [
        "@workflow.triage.state:open",
        "status:(high OR critical)",
        "@workflow.rule.name:*injection*",
        "attempts",
        "\"from 1 IP address\"",
        "CIDR(@network.client.ip,192.0.2.0/24)",
        "CIDR(@http.client_ip,2001:db8::/32)",
        "-@workflow.triage.state:archived @appsec.type:sql_injection",
        "@appsec.blocked:true",
        "@appsec.category:attack_attempt env:prod",
        "team:team-platform service:admin-portal",
        "@workflow.events_matched:[100 TO 300]",
        "@workflow.triage.assignee.handle:*",
        "@workflow.triage.archive_reason:false_positive",
        "@workflow.rule.version:>2",
        "@usr.id:*example*",
        "@http.url:*admin*",
        "status:>=high -service:checkout-api (xss OR injection) @workflow.events_matched:>50 env:prod",
    ];
    let range = TimeRange {
        from: Some(now - chrono::TimeDelta::days(7)),
        to: Some(now - chrono::TimeDelta::days(1)),
    };
    for q in queries {
        let query = parse(q).unwrap();
        let want: Vec<&str> = all
            .iter()
            .filter(|s| range.contains(s.timestamp) && query.matches(s))
            .map(|s| s.id.as_str())
            .collect();
        let mut got: Vec<&str> = ix
            .search(&query, &range, 10)
            .matches
            .iter()
            .map(|&r| ix.id_of(r))
            .collect();
        let mut want = want;
        got.sort();
        want.sort();
        assert_eq!(got, want, "query {q}");
    }
}

#[test]
fn id_table_survives_growth_removal_and_reinsertion() {
    let mut ix = SignalIndex::new();
    for i in 0..2000 {
        ix.insert_or_update(&signal(i));
    }
    for i in (0..2000).step_by(3) {
        assert!(ix.remove(&format!("sig-{i:04}")));
    }
    for i in (0..2000).step_by(6) {
        ix.insert_or_update(&signal(i));
    }
    for i in 0..2000 {
        let id = format!("sig-{i:04}");
        let present = i % 3 != 0 || i % 6 == 0;
        match ix.row_of(&id) {
            Some(r) => {
                assert!(present, "{id} should be gone");
                assert_eq!(ix.id_of(r), id);
            }
            None => assert!(!present, "{id} should be there"),
        }
    }
    let live = (0..2000).filter(|i| i % 3 != 0 || i % 6 == 0).count();
    assert_eq!(ix.len(), live);
    assert_eq!(
        ix.matches(&parse("").unwrap(), &TimeRange::all()).len(),
        live
    );
}

#[test]
fn facet_counts_equal_naive_counts_on_demo_data() {
    use sigscope::demo::{signals as demo, DemoOptions};
    use std::collections::BTreeMap;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .to_utc();
    let opts = DemoOptions {
        signals: 1200,
        seed: 11,
        days: 14,
        now,
    };
    let all: Vec<Signal> = demo(&opts).map(|v| Signal::from_json(v).unwrap()).collect();
    let mut ix = SignalIndex::build(all.clone());
    // A triage change after the build must move the counts too.
    let mut changed = all[5].clone();
    let mut t = changed.triage.clone();
    t.state = TriageState::Archived;
    changed.set_triage(t, 99);
    ix.insert_or_update(&changed);
    let mut all = all;
    all[5] = changed;
    for q in [
        "",
        "status:(high OR critical)",
        "-@workflow.triage.state:archived env:prod",
    ] {
        let query = parse(q).unwrap();
        let r = ix.search(&query, &TimeRange::all(), 100_000);
        let hits: Vec<&Signal> = all.iter().filter(|s| query.matches(s)).collect();
        let naive = |f: &dyn Fn(&Signal) -> Vec<String>| {
            let mut m: BTreeMap<String, u32> = BTreeMap::new();
            for s in &hits {
                for v in f(s) {
                    *m.entry(v).or_default() += 1;
                }
            }
            m
        };
        let got = |name: &str, key: &str| -> BTreeMap<String, u32> {
            let f = r
                .facets
                .iter()
                .find(|f| f.name == name && f.key == key)
                .unwrap();
            assert_eq!(f.distinct, f.values.len());
            f.values.iter().cloned().collect()
        };
        let one = |s: Option<&str>| s.map(|x| vec![x.to_string()]).unwrap_or_default();
        assert_eq!(
            got("Signal State", "@workflow.triage.state"),
            naive(&|s| vec![s.triage.state.as_str().into()]),
            "{q}"
        );
        assert_eq!(
            got("Severity", "status"),
            naive(&|s| vec![s.severity.as_str().into()]),
            "{q}"
        );
        assert_eq!(
            got("Service", "service"),
            naive(&|s| s.services.clone()),
            "{q}"
        );
        assert_eq!(got("Env", "env"), naive(&|s| one(s.env.as_deref())), "{q}");
        assert_eq!(
            got("Rule", "@workflow.rule.name"),
            naive(&|s| one(Some(&s.rule.name))),
            "{q}"
        );
        assert_eq!(
            got("Attack Type", "@appsec.type"),
            naive(&|s| s.attack_types.clone()),
            "{q}"
        );
        assert_eq!(
            got("Attacker IP", "@http.client_ip"),
            naive(&|s| s.attacker_ips.clone()),
            "{q}"
        );
        assert_eq!(
            got("User", "@usr.id"),
            naive(&|s| s.attacker_users.clone()),
            "{q}"
        );
        assert_eq!(
            got("Assignee", "@workflow.triage.assignee.handle"),
            naive(&|s| one(s.triage.assignee.as_ref().and_then(|a| a.handle.as_deref()))),
            "{q}"
        );
        assert_eq!(
            got("Tag", "team"),
            naive(&|s| s
                .tags
                .iter()
                .filter_map(|t| t.strip_prefix("team:").map(str::to_string))
                .collect()),
            "{q}"
        );
        assert_eq!(r.total, hits.len());
    }
}

/// Phrases with digits are matched on templates plus digit runs; each case here is one the
/// template alone would get wrong (a run longer than the phrase's, a phrase run cut at a run's
/// edge, a run far into the message, a message holding the placeholder character itself).
#[test]
fn digit_phrases_match_exactly_the_right_messages() {
    let many: String = (1..=70).map(|k| format!("{k} ")).collect();
    let messages = [
        "12 attempts from 3 IP addresses",
        "12 attempts from 33 IP addresses",
        "12 ATTEMPTS FROM 3 ip addresses",
        "from 13 IP",
        "from 31 IP",
        "from 35 IPs",
        "from 53",
        "a 4123 b",
        "1 2",
        "x\u{0}y from 3 IP",
        "x\u{0}y from 33 IP",
        "Straße: 5 Versuche von 3 IP",
        "ÉCHEC 3 FOIS",
        "from 4 IP and from 3 IP",
        &format!("{many}from 3 IP"),
        &format!("{many}from 4 IP"),
        "",
    ];
    let all: Vec<Signal> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut s = signal(i);
            s.message = m.to_string();
            s
        })
        .collect();
    let ix = SignalIndex::build(all.clone());
    let hits = |q: &str| -> Vec<usize> {
        let query = parse(q).unwrap();
        let mut got: Vec<usize> = ix
            .matches(&query, &TimeRange::all())
            .iter()
            .map(|&r| all.iter().position(|s| s.id == ix.id_of(r)).unwrap())
            .collect();
        got.sort();
        let want: Vec<usize> = (0..all.len()).filter(|&i| query.matches(&all[i])).collect();
        assert_eq!(got, want, "index and slow path differ on {q}");
        got
    };
    // Rows 0..messages.len() hold those messages; titles and other fields hold no such text.
    assert_eq!(hits("\"from 3 IP\""), vec![0, 2, 9, 13, 14]);
    assert_eq!(hits("\"3 ip\""), vec![0, 1, 2, 3, 9, 10, 11, 13, 14]);
    assert_eq!(hits("\"from 3\""), vec![0, 1, 2, 4, 5, 9, 10, 13, 14]);
    assert_eq!(hits("12"), vec![0, 1, 2, 7, 14, 15]);
    assert_eq!(hits("\"von 3 ip\""), vec![11]);
    assert_eq!(hits("\"échec 3\""), vec![12]);
    assert_eq!(hits("\"70 from 4\""), vec![15]);
    assert_eq!(hits("\"attempts from 3 ip\""), vec![0, 2]);
}

/// `insert_prepared_all` adds prepared signals on two threads, whether in one batch
/// (`insert_batch`) or in chunks; each builds the index that inserting them one by one builds,
/// updates of signals already in it (from an earlier batch or the same one) included.
#[test]
fn batch_inserts_build_the_same_index_as_one_by_one() {
    use sigscope::demo::{signals as demo, DemoOptions};
    use sigscope::query::PreparedSignal;
    let opts = DemoOptions {
        signals: 3000,
        seed: 5,
        days: 30,
        now: chrono::Utc::now(),
    };
    let mut all: Vec<Signal> = demo(&opts).map(|v| Signal::from_json(v).unwrap()).collect();
    // Some signals come again, changed: the batch must treat them as updates, in order. The
    // last 100 come again in the same batch of 1300 as their first time.
    let mut again: Vec<Signal> = all[..600].iter().chain(&all[2900..]).cloned().collect();
    for (i, s) in again.iter_mut().enumerate() {
        let mut t = s.triage.clone();
        t.state = TriageState::Archived;
        s.set_triage(t, s.version + 1);
        if i % 3 == 0 {
            s.attacker_ips = vec![format!("203.0.113.{}", i % 250)];
        }
    }
    all.extend(again);

    let mut one = SignalIndex::new();
    for s in &all {
        one.insert_or_update(s);
    }
    let mut batch = SignalIndex::new();
    batch.insert_batch(&all);
    let mut prepared = SignalIndex::new();
    let items: Vec<PreparedSignal> = all.iter().map(PreparedSignal::new).collect();
    for part in items.chunks(1300) {
        prepared.insert_prepared_all(part);
    }
    for ix in [&batch, &prepared] {
        assert_eq!(ix.len(), one.len());
        assert_eq!(ix.rows(), one.rows());
        for r in 0..one.rows() as u32 {
            assert_eq!(ix.row(r), one.row(r), "row {r}");
            assert_eq!(ix.message(r), one.message(r), "row {r}");
        }
        for q in [
            "",
            "@workflow.triage.state:archived",
            "status:(high OR critical) -env:staging",
            "injection",
            "\"from 3 IP\"",
            "@http.method:POST",
            "@appsec.category:*",
            "@network.client.ip:203.0.113.3",
            "CIDR(@network.client.ip,192.0.2.0/24,2001:db8::/32)",
        ] {
            let q = parse(q).unwrap();
            assert_eq!(
                ix.search(&q, &TimeRange::all(), 10),
                one.search(&q, &TimeRange::all(), 10),
                "{q:?}"
            );
        }
    }
}
