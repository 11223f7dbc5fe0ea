//! Triage metrics through the engine on a fixed clock: exact percentiles, open-age buckets, SLA
//! breaches and volume, from signals and audit events whose times the test sets; and `sla:` terms
//! answered alike by the slow path and the index.
mod engine_support;

use chrono::{DateTime, TimeDelta, Utc};
use engine_support::*;
use serde_json::{json, Value};
use sigscope::engine::{Command, SignalRef};
use sigscope::model::{ArchiveReason, TriageState};
use sigscope::query::{parse, GroupBy, SignalIndex, SlaTargets, StatsParams, TimeRange};

fn sig(id: &str, sev: &str, first_seen: DateTime<Utc>, state: &str, rule: &str) -> Value {
    let fs = first_seen.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({
        "id": id, "type": "signal",
        "attributes": {
            "timestamp": fs, "status": sev, "service": ["svc-a"], "tags": ["suite:stats"],
            "message": "m", "version": 1,
            "custom": {
                "title": format!("{rule} ({id})"),
                "workflow": {"rule": {"id": rule, "name": rule, "type": "Application Security"},
                             "first_seen": fs, "last_seen": fs,
                             "triage": {"state": state}}
            }
        }
    })
}

fn h(n: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(n * 60)
}

fn state(id: &str, to: TriageState) -> Command {
    Command::SetState {
        signals: vec![SignalRef::new(id)],
        to,
        reason: (to == TriageState::Archived).then_some(ArchiveReason::FalsePositive),
        comment: None,
    }
}

/// The fixture, with the clock at t0 + 5h (see each signal's comment for its story).
fn fixture() -> Env {
    let mut env = env();
    env.add_signals(&[
        // Critical (1h): triaged after 30m, archived after 2h.
        sig("C1", "critical", t0(), "open", "sqli"),
        // Critical: assigned after 90m (breach), still open.
        sig("C2", "critical", t0(), "open", "sqli"),
        // Critical: detected at 3h, never triaged, 2h old at 5h (breach).
        sig("C3", "critical", h(3), "open", "xss"),
        // High (4h): triaged after 1h, archived after 4h.
        sig("H1", "high", t0(), "open", "xss"),
        // High: detected at 4h, never triaged, 1h old (within 4h).
        sig("H2", "high", h(4), "open", "xss"),
        // High: imported archived, no audit event: triaged at an unknown time.
        sig("H3", "high", t0(), "archived", "sqli"),
        // Medium (1d): detected two days before t0, never triaged (breach).
        sig("M1", "medium", t0() - TimeDelta::days(2), "open", "ssrf"),
    ]);
    let admin = env.user(ADMIN);
    let steps: Vec<(DateTime<Utc>, Command)> = vec![
        (
            t0() + TimeDelta::minutes(30),
            state("C1", TriageState::UnderReview),
        ),
        (h(1), state("H1", TriageState::UnderReview)),
        (
            t0() + TimeDelta::minutes(90),
            Command::Assign {
                signals: vec![SignalRef::new("C2")],
                user: STANDARD.into(),
            },
        ),
        (h(2), state("C1", TriageState::Archived)),
        (h(4), state("H1", TriageState::Archived)),
    ];
    for (at, cmd) in steps {
        env.clock.set(at);
        env.engine.execute(&admin, cmd).unwrap();
    }
    env.clock.set(h(5));
    env
}

#[test]
fn exact_figures_for_a_known_fixture() {
    let env = fixture();
    let admin = env.user(ADMIN);
    let reads = env.engine.reads(&admin);
    let q = parse("suite:stats").unwrap();
    let range = TimeRange {
        from: Some(t0() - TimeDelta::days(3)),
        to: Some(h(5)),
    };
    let s = reads
        .stats(&q, &range, &StatsParams::default(), SlaTargets::default())
        .unwrap();
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["total"], 7);
    assert_eq!(
        v["time_to_triage"],
        json!({
            "critical": {"count": 2, "p50_s": 1800, "p90_s": 5400, "max_s": 5400},
            "high": {"count": 1, "p50_s": 3600, "p90_s": 3600, "max_s": 3600},
            "medium": {"count": 0, "p50_s": null, "p90_s": null, "max_s": null},
        })
    );
    assert_eq!(
        v["time_to_archive"],
        json!({
            "critical": {"count": 1, "p50_s": 7200, "p90_s": 7200, "max_s": 7200},
            "high": {"count": 1, "p50_s": 14400, "p90_s": 14400, "max_s": 14400},
            "medium": {"count": 0, "p50_s": null, "p90_s": null, "max_s": null},
        })
    );
    assert_eq!(
        v["open"],
        json!({"count": 4, "age_buckets": {"<1h": 0, "1h-4h": 2, "4h-1d": 1, "1d-7d": 1, ">7d": 0}})
    );
    assert_eq!(
        v["sla"],
        json!({
            "targets_s": {"critical": 3600, "high": 14400, "medium": 86400, "low": 259200, "info": 604800},
            "breached": 3,
            "breached_ids": ["C3", "C2", "M1"],
        })
    );
    assert_eq!(v["groups"], json!({"critical": 3, "high": 3, "medium": 1}));
    // 77 hours in at most 24 buckets: 3h would need 26, so 6h wide (13 of them), the first
    // starting at the range's start.
    assert_eq!(v["bucket_s"], 21_600);
    let volume = v["volume"].as_array().unwrap();
    assert_eq!(volume.len(), 13);
    let counts: Vec<u64> = volume
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    // M1 (t0-2d, 24h in) is bucket 4; the other six (t0 to t0+4h, 72h to 76h in) bucket 12.
    let mut want = vec![0u64; 13];
    want[4] = 1;
    want[12] = 6;
    assert_eq!(counts, want);
    assert_eq!(volume[12]["by_severity"], json!([0, 0, 0, 3, 3]));
    assert_eq!(volume[4]["start"], json!("2026-09-29T12:00:00Z"));
}

#[test]
fn grouping_by_assignee_and_rule() {
    let env = fixture();
    let admin = env.user(ADMIN);
    let reads = env.engine.reads(&admin);
    let q = parse("suite:stats").unwrap();
    let by = |g| StatsParams {
        by: g,
        ..StatsParams::default()
    };
    let s = reads
        .stats(
            &q,
            &TimeRange::all(),
            &by(GroupBy::Assignee),
            SlaTargets::default(),
        )
        .unwrap();
    assert_eq!(
        s.groups.0,
        vec![("unassigned".to_string(), 6), (STANDARD.to_string(), 1)]
    );
    assert_eq!(s.time_to_triage.get(STANDARD).unwrap().p50_s, Some(5400));
    let s = reads
        .stats(
            &q,
            &TimeRange::all(),
            &by(GroupBy::Rule),
            SlaTargets::default(),
        )
        .unwrap();
    assert_eq!(
        s.groups.0,
        vec![
            ("sqli".to_string(), 3),
            ("xss".to_string(), 3),
            ("ssrf".to_string(), 1)
        ]
    );
}

#[test]
fn sla_terms_agree_between_the_slow_path_and_the_index() {
    let env = fixture();
    let admin = env.user(ADMIN);
    let reads = env.engine.reads(&admin);
    let targets = SlaTargets::default();
    let ctx = reads.sla_context(targets).unwrap();
    let mut all = Vec::new();
    reads
        .for_each_signal(&mut |s| {
            all.push(s);
            Ok(())
        })
        .unwrap();
    let ix = SignalIndex::build(all.clone());
    for (text, want) in [
        ("suite:stats sla:breached", vec!["C2", "C3", "M1"]),
        ("suite:stats sla:ok", vec!["C1", "H1", "H2", "H3"]),
        ("suite:stats -sla:breached", vec!["C1", "H1", "H2", "H3"]),
        (
            "suite:stats (sla:breached OR status:high)",
            vec!["C2", "C3", "H1", "H2", "H3", "M1"],
        ),
    ] {
        let q = parse(text).unwrap();
        assert!(q.uses_sla());
        let mut slow: Vec<&str> = all
            .iter()
            .filter(|s| q.matches_sla(s, Some(&ctx)))
            .map(|s| s.id.as_str())
            .collect();
        slow.sort();
        assert_eq!(slow, want, "{text} (slow path)");
        let mut fast: Vec<&str> = ix
            .matches_sla(&q, &TimeRange::all(), Some(&ctx))
            .into_iter()
            .map(|r| ix.id_of(r))
            .collect();
        fast.sort();
        assert_eq!(fast, want, "{text} (index)");
    }
    // Without the audit trail's times, `sla:` answers nothing rather than guessing.
    for text in ["sla:breached", "sla:ok"] {
        let q = parse(text).unwrap();
        assert!(ix.matches(&q, &TimeRange::all()).is_empty(), "{text}");
        assert!(!all.iter().any(|s| q.matches(s)), "{text}");
    }
    assert_eq!(ix.is_breached("C2", &ctx), Some(true));
    assert_eq!(ix.is_breached("H3", &ctx), Some(false));
    // A tighter target moves H2 (1h old) over the line.
    let tight = SlaTargets([3600; 5]);
    let ctx = reads.sla_context(tight).unwrap();
    assert_eq!(ix.is_breached("H2", &ctx), Some(false));
    let tighter = SlaTargets([1800; 5]);
    let ctx = reads.sla_context(tighter).unwrap();
    assert_eq!(ix.is_breached("H2", &ctx), Some(true));
}

#[test]
fn a_read_only_reader_may_read_stats() {
    let env = fixture();
    let ro = env.user(READ_ONLY);
    let s = env
        .engine
        .reads(&ro)
        .stats(
            &parse("suite:stats").unwrap(),
            &TimeRange::all(),
            &StatsParams::default(),
            SlaTargets::default(),
        )
        .unwrap();
    assert_eq!(s.sla.breached, 3);
}

#[test]
fn new_triage_events_reach_a_kept_index_and_the_engine_cache() {
    let mut env = fixture();
    let admin = env.user(ADMIN);
    let targets = SlaTargets::default();
    let breached = |ix: &SignalIndex, ctx: &sigscope::query::SlaContext| {
        let q = parse("suite:stats sla:breached").unwrap();
        let mut ids: Vec<String> = ix
            .matches_sla(&q, &TimeRange::all(), Some(ctx))
            .into_iter()
            .map(|r| ix.id_of(r).to_string())
            .collect();
        ids.sort();
        ids
    };
    let (ix, before) = {
        let reads = env.engine.reads(&admin);
        let mut all = Vec::new();
        reads
            .for_each_signal(&mut |s| {
                all.push(s);
                Ok(())
            })
            .unwrap();
        (SignalIndex::build(all), reads.sla_context(targets).unwrap())
    };
    assert_eq!(breached(&ix, &before), ["C2", "C3", "M1"]);
    // C3 (critical, seen at 3h) assigned half an hour after it was seen: within its hour.
    env.clock.set(h(3) + TimeDelta::minutes(30));
    env.engine
        .execute(
            &admin,
            Command::Assign {
                signals: vec![SignalRef::new("C3")],
                user: STANDARD.into(),
            },
        )
        .unwrap();
    env.clock.set(h(5));
    let after = env.engine.reads(&admin).sla_context(targets).unwrap();
    assert!(after.version > before.version);
    assert_eq!(
        after.times_of("C3").first_triage,
        Some((h(3) + TimeDelta::minutes(30)).timestamp_millis())
    );
    // The same index (the signals' JSON unchanged): the new event alone moves C3.
    assert_eq!(breached(&ix, &after), ["C2", "M1"]);
    // An older context still answers as it did (its join is not the newer one).
    assert_eq!(breached(&ix, &before), ["C2", "C3", "M1"]);
    // And the engine's stats see it too.
    let s = env
        .engine
        .reads(&admin)
        .stats(
            &parse("suite:stats").unwrap(),
            &TimeRange::all(),
            &StatsParams::default(),
            targets,
        )
        .unwrap();
    assert_eq!(s.sla.breached_ids, ["C2", "M1"]);
    assert_eq!(s.time_to_triage.get("critical").unwrap().count, 3);
}
