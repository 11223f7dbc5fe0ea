use super::*;
use crate::denylist::allowlist::AllowEntry;
use chrono::TimeZone;
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

fn signal(id: &str, rule: &str, ips: &[&str], user: Option<&str>) -> Signal {
    let samples: Vec<serde_json::Value> = ips
        .iter()
        .map(|ip| json!({"content": {"http": {"client_ip": ip}}}))
        .collect();
    let mut ev = json!({
        "title": format!("{rule} on checkout-api"),
        "workflow": {"rule": {"id": "r1", "name": rule, "type": "Application Security"},
                     "triage": {"state": "open"}},
        "samples": samples,
    });
    if let Some(u) = user {
        ev["usr"] = json!({"id": u});
    }
    Signal::from_json(json!({
        "id": id, "type": "signal",
        "attributes": {"timestamp": "2026-11-26T11:59:00.000Z", "status": "high",
                       "service": ["checkout-api"], "tags": [], "message": "m", "attributes": ev}
    }))
    .unwrap()
}

fn rule(name: &str) -> AutoblockRule {
    AutoblockRule {
        name: name.into(),
        query: "@workflow.rule.name:\"Credential stuffing*\"".into(),
        what: BlockWhat::Ips,
        duration: Some(Duration::hours(1)),
        escalate: false,
        cap: None,
        simulate: false,
        enabled: true,
    }
}

/// Stands in for the query until `query::Query` is wired: selects by rule name prefix.
fn stuffing(s: &Signal) -> bool {
    s.rule.name.starts_with("Credential stuffing")
}

fn made(
    seq: i64,
    id: i64,
    v: &str,
    by: &str,
    sig: &str,
    exp: Option<DateTime<Utc>>,
) -> HistoryEvent {
    HistoryEvent {
        seq,
        entry_id: id,
        value: BlockValue::parse_net(v).unwrap(),
        action: HistoryAction::Made,
        at: now() - Duration::days(2),
        expires_at: exp,
        by: by.into(),
        signal_id: Some(sig.into()),
        reason: "r".into(),
    }
}

#[test]
fn a_matching_signal_blocks_its_ips_for_the_duration() {
    let s = signal(
        "S1",
        "Credential stuffing attack",
        &["192.0.2.7", "2001:db8::9"],
        Some("bob"),
    );
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &[],
        &[],
        &Allowlist::default(),
        now(),
    );
    assert_eq!(p.len(), 2, "ips only, not the user");
    for b in &p {
        assert_eq!(
            b.decision,
            Decision::Block {
                expires_at: Some(now() + Duration::hours(1)),
                prior: 0
            }
        );
        assert!(!b.simulate);
        assert_eq!(b.signal_id, "S1");
    }
    assert_eq!(p[0].value.to_string(), "192.0.2.7");
    assert!(p[0].reason.starts_with("autoblock cs: "));
}

#[test]
fn a_non_matching_signal_plans_nothing() {
    let s = signal("S2", "SQL injection", &["192.0.2.7"], None);
    assert!(plan(
        &rule("cs"),
        &stuffing,
        &s,
        &[],
        &[],
        &Allowlist::default(),
        now()
    )
    .is_empty());
    let mut off = rule("cs");
    off.enabled = false;
    let s = signal("S1", "Credential stuffing", &["192.0.2.7"], None);
    assert!(plan(&off, &stuffing, &s, &[], &[], &Allowlist::default(), now()).is_empty());
}

#[test]
fn users_and_both() {
    let s = signal("S1", "Credential stuffing", &["192.0.2.7"], Some("bob"));
    let mut r = rule("cs");
    r.what = BlockWhat::Users;
    let p = plan(&r, &stuffing, &s, &[], &[], &Allowlist::default(), now());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].value, BlockValue::User("bob".into()));
    r.what = BlockWhat::Both;
    assert_eq!(
        plan(&r, &stuffing, &s, &[], &[], &Allowlist::default(), now()).len(),
        2
    );
}

#[test]
fn a_recorded_run_makes_the_rule_skip_the_value() {
    let s = signal("S2", "Credential stuffing", &["192.0.2.7"], None);
    let runs = vec![Run {
        rule: "cs".into(),
        signal_id: "S2".into(),
        value: BlockValue::parse_net("192.0.2.7").unwrap(),
        simulated: false,
    }];
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &[],
        &runs,
        &Allowlist::default(),
        now(),
    );
    assert!(!p[0].acts());
    let other = plan(
        &rule("other"),
        &stuffing,
        &s,
        &[],
        &runs,
        &Allowlist::default(),
        now(),
    );
    assert!(other[0].acts(), "runs are per rule");
}

#[test]
fn the_same_signal_is_acted_on_once() {
    let s = signal("S1", "Credential stuffing", &["192.0.2.7"], None);
    let h = vec![made(
        1,
        1,
        "192.0.2.7",
        "autoblock:cs",
        "S1",
        Some(now() + Duration::minutes(5)),
    )];
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &h,
        &[],
        &Allowlist::default(),
        now(),
    );
    assert!(matches!(&p[0].decision, Decision::Skip { why } if why.contains("already handled")));
    // Lifted by an analyst since: still not re-blocked for this signal.
    let mut h2 = h.clone();
    h2.push(HistoryEvent {
        seq: 2,
        action: HistoryAction::Lifted,
        ..h[0].clone()
    });
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &h2,
        &[],
        &Allowlist::default(),
        now(),
    );
    assert!(!p[0].acts());
}

#[test]
fn allowlisted_and_never_blocked_values_are_skipped_with_the_entry_named() {
    let s = signal(
        "S1",
        "Credential stuffing",
        &["10.1.2.3", "127.0.0.1", "::", "192.0.2.7"],
        None,
    );
    let allow = Allowlist::new(vec![AllowEntry {
        id: 4,
        value: BlockValue::parse_net("10.0.0.0/8").unwrap(),
        note: "office".into(),
        created_by: "ana".into(),
        created_at: now(),
    }]);
    let p = plan(&rule("cs"), &stuffing, &s, &[], &[], &allow, now());
    let whys: Vec<String> = p
        .iter()
        .map(|b| match &b.decision {
            Decision::Skip { why } => why.clone(),
            _ => "block".into(),
        })
        .collect();
    assert!(
        whys[0].contains("allowlist entry #4") && whys[0].contains("office"),
        "{whys:?}"
    );
    assert!(whys[1].contains("loopback"));
    assert!(whys[2].contains("unspecified"));
    assert_eq!(whys[3], "block");
}

#[test]
fn repeat_offenders_get_doubled_durations_up_to_the_cap() {
    let mut r = rule("cs");
    r.escalate = true;
    r.cap = Some(Duration::hours(3));
    let s = signal("S9", "Credential stuffing", &["192.0.2.7"], None);
    let past = |n: i64| -> Vec<HistoryEvent> {
        (0..n)
            .map(|i| {
                made(
                    i + 1,
                    i + 1,
                    "192.0.2.7",
                    "ana",
                    &format!("P{i}"),
                    Some(now() - Duration::days(1)),
                )
            })
            .collect()
    };
    let exp = |r: &AutoblockRule, h: &[HistoryEvent]| match &plan(
        r,
        &stuffing,
        &s,
        h,
        &[],
        &Allowlist::default(),
        now(),
    )[0]
    .decision
    {
        Decision::Block { expires_at, prior } => (expires_at.map(|t| t - now()), *prior),
        d => panic!("{d:?}"),
    };
    assert_eq!(exp(&r, &past(0)), (Some(Duration::hours(1)), 0));
    assert_eq!(exp(&r, &past(1)), (Some(Duration::hours(2)), 1));
    assert_eq!(exp(&r, &past(2)), (Some(Duration::hours(3)), 2), "capped");
    assert_eq!(exp(&r, &past(5)), (Some(Duration::hours(3)), 5));
    r.escalate = false;
    r.cap = None;
    assert_eq!(exp(&r, &past(5)), (Some(Duration::hours(1)), 0));
}

#[test]
fn an_active_shorter_block_is_extended_and_a_longer_one_left_alone() {
    let s = signal("S2", "Credential stuffing", &["192.0.2.7"], None);
    let short = vec![made(
        1,
        7,
        "192.0.2.7",
        "ana",
        "S0",
        Some(now() + Duration::minutes(10)),
    )];
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &short,
        &[],
        &Allowlist::default(),
        now(),
    );
    assert_eq!(
        p[0].decision,
        Decision::Extend {
            entry_id: 7,
            expires_at: Some(now() + Duration::hours(1)),
            prior: 0
        }
    );
    let long = vec![made(1, 7, "192.0.2.7", "ana", "S0", None)];
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &long,
        &[],
        &Allowlist::default(),
        now(),
    );
    assert!(matches!(&p[0].decision, Decision::Skip { why } if why.contains("#7")));
    let range = vec![made(1, 8, "192.0.2.0/24", "ana", "S0", None)];
    let p = plan(
        &rule("cs"),
        &stuffing,
        &s,
        &range,
        &[],
        &Allowlist::default(),
        now(),
    );
    assert!(matches!(&p[0].decision, Decision::Skip { why } if why.contains("covered")));
}

#[test]
fn simulation_is_marked_and_does_not_stop_the_real_rule_later() {
    let mut r = rule("cs");
    r.simulate = true;
    let s = signal("S1", "Credential stuffing", &["192.0.2.7"], None);
    let p = plan(&r, &stuffing, &s, &[], &[], &Allowlist::default(), now());
    assert!(p[0].simulate && p[0].acts());
    let runs = vec![Run {
        rule: "cs".into(),
        signal_id: "S1".into(),
        value: BlockValue::parse_net("192.0.2.7").unwrap(),
        simulated: true,
    }];
    assert!(
        !plan(&r, &stuffing, &s, &[], &runs, &Allowlist::default(), now())[0].acts(),
        "simulated once"
    );
    r.simulate = false;
    let p = plan(&r, &stuffing, &s, &[], &runs, &Allowlist::default(), now());
    assert!(
        matches!(p[0].decision, Decision::Block { .. }),
        "{:?}",
        p[0].decision
    );
}

#[test]
fn dry_run_threads_blocks_through_later_signals() {
    let s1 = signal("S1", "Credential stuffing", &["192.0.2.7"], None);
    let s2 = signal(
        "S2",
        "Credential stuffing",
        &["192.0.2.7", "192.0.2.8"],
        None,
    );
    let s3 = signal("S3", "SQL injection", &["192.0.2.9"], None);
    let mut r = rule("cs");
    r.simulate = true;
    let p = dry_run(
        &r,
        &stuffing,
        [&s1, &s2, &s3],
        &[],
        &[],
        &Allowlist::default(),
        now(),
    );
    let acts: Vec<(String, bool)> = p.iter().map(|b| (b.value.to_string(), b.acts())).collect();
    assert_eq!(
        acts,
        vec![
            ("192.0.2.7".into(), true),
            ("192.0.2.7".into(), false),
            ("192.0.2.8".into(), true)
        ]
    );
    assert!(p.iter().all(|b| b.simulate));
    assert!(
        matches!(&p[1].decision, Decision::Skip { why } if why.contains("planned earlier in this run, signal S1")),
        "{:?}",
        p[1].decision
    );
}

#[test]
fn rule_validation() {
    assert!(rule("cs-1.v2_x").validate().is_ok());
    assert!(rule("bad name").validate().is_err());
    assert!(rule("").validate().is_err());
    let mut r = rule("cs");
    r.query = " ".into();
    assert!(r.validate().is_err());
    let mut r = rule("cs");
    r.escalate = true;
    r.cap = Some(Duration::minutes(5));
    assert!(r.validate().is_err(), "cap below the duration");
    assert_eq!(rule("cs").actor(), "autoblock:cs");
}
