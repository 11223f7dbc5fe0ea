//! The edge denylist through the engine, on a real SQLite file and a controlled clock: allowlist
//! refusals, automated blocking on import (matching and not, idempotent, escalation, simulation),
//! and the CrowdSec decision stream across a block, a lift and an expiry.
mod engine_support;

use chrono::TimeDelta;
use engine_support::*;
use serde_json::{json, Value};
use sigscope::denylist::{AutoblockRule, BlockWhat};
use sigscope::engine::{BlockFor, Command};
use sigscope::error::Error;
use sigscope::model::Signal;

fn ips(values: &[&str], d: BlockFor) -> Command {
    Command::BlockIps {
        values: values.iter().map(|v| v.to_string()).collect(),
        duration: d,
        reason: Some("scanner".into()),
        signal_id: None,
    }
}

fn rule(name: &str, query: &str) -> AutoblockRule {
    AutoblockRule {
        name: name.into(),
        query: query.into(),
        what: BlockWhat::Ips,
        duration: Some(TimeDelta::hours(1)),
        escalate: false,
        cap: None,
        simulate: false,
        enabled: true,
    }
}

fn stuffing(id: &str, ips: &[&str]) -> Signal {
    let mut v = signal_json(id, t0(), "open", ips);
    v["attributes"]["custom"]["workflow"]["rule"]["name"] = json!("Credential stuffing attack");
    v["attributes"]["status"] = json!("critical");
    Signal::from_json(v).unwrap()
}

fn import(env: &mut Env, signals: &[Signal]) -> Vec<sigscope::engine::autoblock::AutoblockResult> {
    use sigscope::store::Store;
    env.store().upsert_signals(signals).unwrap();
    env.engine.run_autoblock(signals).unwrap()
}

// The issue's example quotes the value (`"Credential stuffing*"`), but api.md makes `*` literal
// inside quotes, so the wildcard form escapes the space instead.
const CS: &str = r#"@workflow.rule.name:Credential\ stuffing* status:(high OR critical)"#;

#[test]
fn blocking_an_allowlisted_value_is_refused_naming_the_entry() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let e = env
        .engine
        .allow(&admin, "198.51.100.0/24", false, "office")
        .unwrap();
    let err = env
        .engine
        .execute(&admin, ips(&["198.51.100.7"], BlockFor::Permanent))
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("#{}", e.id))
            && msg.contains("198.51.100.0/24")
            && msg.contains("office"),
        "{msg}"
    );
    // A range covering the allowed one is refused too.
    assert!(env
        .engine
        .execute(&admin, ips(&["198.51.0.0/16"], BlockFor::Permanent))
        .is_err());
    // Users.
    env.engine.allow(&admin, "healthcheck", true, "").unwrap();
    let err = env
        .engine
        .execute(
            &admin,
            Command::BlockUsers {
                values: vec!["healthcheck".into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: None,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("allowlist entry"));
    // Blocking a signal's attackers skips the allowlisted one and blocks the rest.
    let out = env
        .engine
        .execute(
            &admin,
            Command::BlockAttackers {
                signal_id: "S1".into(),
                duration: BlockFor::Permanent,
                reason: None,
            },
        )
        .unwrap();
    assert_eq!(out.blocks.len(), 1);
    assert_eq!(out.blocks[0].value, "203.0.113.9");
    assert!(out.skipped[0].contains("office"));
    // Removing the entry allows the block again.
    env.engine.disallow(&admin, "198.51.100.0/24").unwrap();
    assert!(env
        .engine
        .execute(&admin, ips(&["198.51.100.7"], BlockFor::Permanent))
        .is_ok());
}

#[test]
fn allowlist_changes_need_the_protect_write_permission() {
    let mut env = env();
    let ro = env.user(READ_ONLY);
    assert!(matches!(
        env.engine.allow(&ro, "192.0.2.1", false, ""),
        Err(Error::PermissionDenied(_))
    ));
    assert!(matches!(
        env.engine.add_autoblock_rule(&ro, rule("cs", CS)),
        Err(Error::PermissionDenied(_))
    ));
}

#[test]
fn a_matching_signal_is_blocked_on_import_and_a_non_matching_one_is_not() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .add_autoblock_rule(&admin, rule("cs", CS))
        .unwrap();
    let other = Signal::from_json(signal_json("X1", t0(), "open", &["192.0.2.77"])).unwrap();
    assert!(import(&mut env, &[other]).is_empty());
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("192.0.2.77")
        .unwrap()
        .is_none());

    let r = import(&mut env, &[stuffing("C1", &["192.0.2.10", "2001:db8::10"])]);
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|x| x.outcome == "made"));
    let b = env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("192.0.2.10")
        .unwrap()
        .unwrap();
    assert_eq!(b.created_by, "autoblock:cs");
    assert_eq!(b.origin, "autoblock:cs");
    assert_eq!(b.signal_id.as_deref(), Some("C1"));
    assert_eq!(b.expires_at, Some(env.engine.now() + TimeDelta::hours(1)));
    // On the signal's timeline, by the rule.
    let tl = env.engine.reads(&env.user(ADMIN)).timeline("C1").unwrap();
    let made: Vec<_> = tl.iter().filter(|e| e.action == "block.made").collect();
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|e| e.actor == "autoblock:cs"));

    // Importing it again (an update, a sync) changes nothing.
    let before = env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(true)
        .unwrap()
        .len();
    assert!(import(&mut env, &[stuffing("C1", &["192.0.2.10", "2001:db8::10"])]).is_empty());
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .blocks(true)
            .unwrap()
            .len(),
        before
    );
    // Nor after an analyst lifts the block: the rule acted once for this signal.
    env.engine
        .execute(
            &admin,
            Command::Unblock {
                target: "192.0.2.10".into(),
            },
        )
        .unwrap();
    assert!(import(&mut env, &[stuffing("C1", &["192.0.2.10"])]).is_empty());
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("192.0.2.10")
        .unwrap()
        .is_none());
}

#[test]
fn repeat_offenders_are_blocked_twice_as_long_each_time_up_to_the_cap() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let mut r = rule("cs", CS);
    r.escalate = true;
    r.cap = Some(TimeDelta::hours(3));
    env.engine.add_autoblock_rule(&admin, r).unwrap();
    let mut lengths = Vec::new();
    for i in 1..=4 {
        import(&mut env, &[stuffing(&format!("C{i}"), &["192.0.2.10"])]);
        let b = env
            .engine
            .reads(&env.user(ADMIN))
            .active_block_for("192.0.2.10")
            .unwrap()
            .unwrap();
        lengths.push((b.expires_at.unwrap() - env.engine.now()).num_hours());
        // Let it expire before the next attack.
        env.clock.advance(TimeDelta::hours(4));
        assert!(env
            .engine
            .reads(&env.user(ADMIN))
            .active_block_for("192.0.2.10")
            .unwrap()
            .is_none());
    }
    assert_eq!(lengths, vec![1, 2, 3, 3]);
}

#[test]
fn simulation_records_without_blocking() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let mut r = rule("cs", CS);
    r.simulate = true;
    env.engine.add_autoblock_rule(&admin, r).unwrap();
    let out = import(&mut env, &[stuffing("C1", &["192.0.2.10"])]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].outcome, "simulated");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("192.0.2.10")
        .unwrap()
        .is_none());
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(true)
        .unwrap()
        .is_empty());
    let runs = env
        .engine
        .reads(&env.user(ADMIN))
        .autoblock_runs(Some("cs"))
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, "simulated");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .timeline("C1")
        .unwrap()
        .iter()
        .any(|e| e.action == "autoblock.simulated" && e.actor == "autoblock:cs"));
    // Once, not per import.
    assert!(import(&mut env, &[stuffing("C1", &["192.0.2.10"])]).is_empty());
    // Switched to blocking, it acts on the same signal for real.
    env.engine
        .set_autoblock_rule(&admin, "cs", Some(false), None)
        .unwrap();
    let out = import(&mut env, &[stuffing("C1", &["192.0.2.10"])]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].outcome, "made");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("192.0.2.10")
        .unwrap()
        .is_some());
}

#[test]
fn dry_run_shows_what_a_rule_would_block_without_changing_anything() {
    let env = env();
    use sigscope::store::Store;
    env.store()
        .upsert_signals(&[
            stuffing("C1", &["192.0.2.10"]),
            stuffing("C2", &["192.0.2.10", "192.0.2.11"]),
        ])
        .unwrap();
    let plan = env
        .engine
        .reads(&env.user(ADMIN))
        .dry_run_autoblock(&rule("try", CS), None)
        .unwrap();
    let acting: Vec<String> = plan
        .iter()
        .filter(|p| p.acts())
        .map(|p| p.value.to_string())
        .collect();
    assert_eq!(acting, vec!["192.0.2.10", "192.0.2.11"]);
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(true)
        .unwrap()
        .is_empty());
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .autoblock_runs(None)
        .unwrap()
        .is_empty());
}

#[test]
fn a_bad_rule_query_is_refused_with_its_column() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let err = env
        .engine
        .add_autoblock_rule(&admin, rule("bad", "status:(high OR"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("rule bad") && err.contains("column"), "{err}");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .autoblock_rules()
        .unwrap()
        .is_empty());
}

fn values(v: &Value, key: &str) -> Vec<String> {
    match &v[key] {
        Value::Null => vec![],
        Value::Array(a) => a
            .iter()
            .map(|d| d["value"].as_str().unwrap().to_string())
            .collect(),
        other => panic!("{key}: {other}"),
    }
}

#[test]
fn the_decision_stream_across_a_block_a_lift_and_an_expiry() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let key = env.engine.add_bouncer(&admin, "edge-fw").unwrap();
    assert!(key.len() >= 32);
    assert!(matches!(
        env.engine.decision_stream("wrong", true),
        Err(Error::PermissionDenied(_))
    ));
    // The key is stored hashed, never as itself.
    assert!(key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let stored = pg_support::count(
        &env.path,
        &format!("SELECT COUNT(*) FROM bouncers WHERE key_sha256 = '{key}'"),
    );
    assert_eq!(stored, 0);

    env.engine
        .execute(
            &admin,
            ips(
                &["198.51.100.7"],
                BlockFor::Duration(TimeDelta::minutes(30)),
            ),
        )
        .unwrap();
    env.engine
        .execute(
            &admin,
            Command::BlockUsers {
                values: vec!["mallory".into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: None,
            },
        )
        .unwrap();
    let s = serde_json::to_value(env.engine.decision_stream(&key, true).unwrap()).unwrap();
    assert_eq!(
        values(&s, "new"),
        vec!["198.51.100.7"],
        "users are not sent"
    );
    assert_eq!(s["deleted"], Value::Null);
    assert_eq!(s["new"][0]["duration"], "30m0s");
    assert_eq!(s["new"][0]["scope"], "Ip");
    assert_eq!(s["new"][0]["origin"], "sigscope");

    // Nothing new.
    env.clock.advance(TimeDelta::minutes(1));
    let s = serde_json::to_value(env.engine.decision_stream(&key, false).unwrap()).unwrap();
    assert_eq!(s, json!({"new": null, "deleted": null}));

    // A new range block.
    env.engine
        .execute(&admin, ips(&["203.0.113.0/24"], BlockFor::Permanent))
        .unwrap();
    let s = serde_json::to_value(env.engine.decision_stream(&key, false).unwrap()).unwrap();
    assert_eq!(values(&s, "new"), vec!["203.0.113.0/24"]);
    assert_eq!(s["new"][0]["scope"], "Range");
    assert_eq!(
        env.engine
            .decisions_for_ip(&key, "203.0.113.5".parse().unwrap())
            .unwrap()
            .unwrap()[0]
            .value,
        "203.0.113.0/24"
    );

    // Lifted.
    env.engine
        .execute(
            &admin,
            Command::Unblock {
                target: "203.0.113.0/24".into(),
            },
        )
        .unwrap();
    let s = serde_json::to_value(env.engine.decision_stream(&key, false).unwrap()).unwrap();
    assert_eq!(s["new"], Value::Null);
    assert_eq!(values(&s, "deleted"), vec!["203.0.113.0/24"]);
    assert!(env
        .engine
        .decisions_for_ip(&key, "203.0.113.5".parse().unwrap())
        .unwrap()
        .is_none());

    // Expired on the clock.
    env.clock.advance(TimeDelta::minutes(30));
    let s = serde_json::to_value(env.engine.decision_stream(&key, false).unwrap()).unwrap();
    assert_eq!(values(&s, "deleted"), vec!["198.51.100.7"]);
    // The expiry is in the block's history, at the time it ran out.
    let b = env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(true)
        .unwrap()
        .into_iter()
        .find(|b| b.value == "198.51.100.7")
        .unwrap();
    let h = env
        .engine
        .reads(&env.user(ADMIN))
        .block_history(b.id)
        .unwrap();
    let kinds: Vec<&str> = h.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["made", "expired"]);
    assert_eq!(Some(h[1].time), b.expires_at);
    let s = serde_json::to_value(env.engine.decision_stream(&key, false).unwrap()).unwrap();
    assert_eq!(s, json!({"new": null, "deleted": null}));

    // A restarted bouncer asks for startup again and gets only what is active.
    let s = serde_json::to_value(env.engine.decision_stream(&key, true).unwrap()).unwrap();
    assert_eq!(s, json!({"new": null, "deleted": null}));
}

#[test]
fn export_reads_the_active_denylist() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .execute(
            &admin,
            ips(
                &["198.51.100.7", "2001:db8::/32"],
                BlockFor::Duration(TimeDelta::minutes(30)),
            ),
        )
        .unwrap();
    env.engine
        .execute(&admin, ips(&["192.0.2.1"], BlockFor::Permanent))
        .unwrap();
    env.engine
        .execute(
            &admin,
            Command::Unblock {
                target: "192.0.2.1".into(),
            },
        )
        .unwrap();
    let entries = env
        .engine
        .reads(&env.user(ADMIN))
        .denylist_entries()
        .unwrap();
    let r = sigscope::denylist::render(
        sigscope::denylist::ExportFormat::RulesData,
        &entries,
        env.engine.now(),
        &Default::default(),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&r.text).unwrap();
    let got: Vec<&str> = v["rules_data"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["value"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec!["198.51.100.7", "2001:db8::/32"]);
    env.clock.advance(TimeDelta::minutes(31));
    let r = sigscope::denylist::render(
        sigscope::denylist::ExportFormat::Nginx,
        &env.engine
            .reads(&env.user(ADMIN))
            .denylist_entries()
            .unwrap(),
        env.engine.now(),
        &Default::default(),
    )
    .unwrap();
    assert!(!r.text.contains("deny "), "{}", r.text);
}

/// A producer's batch through the engine: an existing signal keeps its triage and version, the
/// batch writes one audit event, matching signals are blocked in the same change, and a read-only
/// key is refused with nothing written.
#[test]
fn ingest_keeps_triage_records_the_batch_and_blocks_by_rule() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let notify = sigscope::notify::NotifyConfig::default();
    env.engine
        .add_autoblock_rule(&admin, rule("cs", CS))
        .unwrap();
    let first = Signal::from_json(signal_json("I1", t0(), "open", &["192.0.2.50"])).unwrap();
    let done = env
        .engine
        .ingest(&admin, vec![first.clone()], &notify)
        .unwrap();
    assert_eq!((done.inserted, done.updated), (1, 0));
    env.engine
        .execute(
            &admin,
            Command::SetState {
                signals: vec![sigscope::engine::SignalRef::new("I1")],
                to: sigscope::model::TriageState::UnderReview,
                reason: None,
                comment: None,
            },
        )
        .unwrap();
    let triaged = env.signal("I1");

    // The producer sends I1 again (its own triage says open) with a stuffing signal.
    let audit_before = env.audit_count();
    let done = env
        .engine
        .ingest(
            &admin,
            vec![first, stuffing("I2", &["192.0.2.51"])],
            &notify,
        )
        .unwrap();
    assert_eq!((done.inserted, done.updated), (1, 1));
    let again = env.signal("I1");
    assert_eq!(again.triage, triaged.triage, "analysts own triage");
    assert_eq!(again.version, triaged.version);
    assert_eq!(done.autoblocks.len(), 1);
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("192.0.2.51")
        .unwrap()
        .is_some());
    // One event for the batch, one for the block; the feed's seq is past both.
    assert_eq!(env.audit_count(), audit_before + 2);
    assert_eq!(
        done.seq,
        Some(env.engine.reads(&env.user(ADMIN)).latest_seq().unwrap())
    );

    let ro = env.user(READ_ONLY);
    let count = env.audit_count();
    let err = env
        .engine
        .ingest(&ro, vec![stuffing("I3", &["192.0.2.52"])], &notify)
        .unwrap_err();
    assert!(matches!(err, Error::PermissionDenied(_)), "{err:?}");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .signal("I3")
        .unwrap()
        .is_none());
    assert_eq!(env.audit_count(), count);
}
