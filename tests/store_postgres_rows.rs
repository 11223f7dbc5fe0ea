//! The denylist, autoblock, bouncer and notification rows on a real PostgreSQL (tests/pg_support),
//! each scenario run on SQLite too: the two backends must answer alike, errors included.
mod pg_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sigscope::denylist::{AutoblockRule, BlockValue, BlockWhat, Cursor, RunRow};
use sigscope::model::block::{Block, BlockKind};
use sigscope::notify::queue::{DeliveryState, NewDelivery, Outcome, Policy};
use sigscope::notify::{Author, NotificationRule, Target};
use sigscope::store::{self, Db, Storage};
use std::collections::HashSet;
use std::fmt::Debug;
use std::path::Path;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_700_000_000_000 + secs * 1000)
        .single()
        .unwrap()
}

fn pg() -> Box<dyn Storage> {
    store::open(Path::new(&pg_support::fresh_db())).unwrap()
}

/// Run `f` on a fresh SQLite store and a fresh PostgreSQL database; both must answer the same.
fn both<T: PartialEq + Debug>(f: impl Fn(&dyn Db) -> T) -> T {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = store::open(&dir.path().join("s.db")).unwrap();
    let on_sqlite = f(sqlite.db());
    let on_pg = f(pg().db());
    assert_eq!(
        on_sqlite, on_pg,
        "SQLite (left) and PostgreSQL (right) differ"
    );
    on_pg
}

/// An answer as text, errors as their message: what the two backends are compared on.
fn show<T: Debug>(r: sigscope::Result<T>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("error {}: {e}", e.code()),
    }
}

fn block(kind: BlockKind, value: &str, expires: Option<i64>, at: i64) -> Block {
    Block {
        id: 0,
        value: value.into(),
        kind,
        expires_at: expires.map(t),
        reason: Some(format!("why {value}")),
        origin: "manual".into(),
        created_by: "ana".into(),
        signal_id: Some("sig-1".into()),
        created_at: t(at),
        lifted_at: None,
        lifted_by: None,
    }
}

#[test]
fn blocks_insert_extend_lift_expire_and_keep_their_history() {
    both(|db| {
        let mut out = Vec::new();
        let mut ip = block(BlockKind::Ip, "192.0.2.7", Some(100), 0);
        let mut range = block(BlockKind::Range, "198.51.100.0/24", None, 1);
        let mut user = block(BlockKind::User, "mallory", Some(50), 2);
        let mut ip_again = block(BlockKind::Ip, "192.0.2.7", Some(300), 3);
        for b in [&mut ip, &mut range, &mut user, &mut ip_again] {
            db.insert_block(b).unwrap();
        }
        assert_eq!(
            [ip.id, range.id, user.id, ip_again.id],
            [1, 2, 3, 4],
            "ids are assigned on insert"
        );
        db.set_block_expiry(user.id, Some(t(60)), "bo", &t(10))
            .unwrap();
        db.lift_block(range.id, "bo", &t(20)).unwrap();

        // At t=70 the user block (now 60) has run out: recorded once, at its expiry.
        let expired = db.record_expired_blocks(&t(70)).unwrap();
        assert_eq!(expired, vec![user.id]);
        assert!(db.record_expired_blocks(&t(70)).unwrap().is_empty());
        // Extended after expiring: a new expiry expires again.
        db.set_block_expiry(user.id, Some(t(80)), "bo", &t(75))
            .unwrap();
        assert_eq!(db.record_expired_blocks(&t(90)).unwrap(), vec![user.id]);

        let active = db.list_blocks(false, &t(90)).unwrap();
        assert_eq!(
            active.iter().map(|b| b.id).collect::<Vec<_>>(),
            vec![ip_again.id, ip.id],
            "newest first, lifted and expired left out"
        );
        let all = db.list_blocks(true, &t(90)).unwrap();
        assert_eq!(
            all.iter().map(|b| b.id).collect::<Vec<_>>(),
            vec![4, 3, 2, 1]
        );
        let lifted = db.get_block(range.id).unwrap().unwrap();
        assert_eq!(lifted.lifted_at, Some(t(20)));
        assert_eq!(lifted.lifted_by.as_deref(), Some("bo"));
        assert_eq!(db.get_block(ip.id).unwrap().unwrap(), ip);
        assert!(db.get_block(99).unwrap().is_none());
        assert_eq!(
            db.active_block_for("192.0.2.7", &t(90))
                .unwrap()
                .map(|b| b.id),
            Some(ip_again.id),
            "the newest entry in force"
        );
        assert_eq!(
            db.active_block_for("192.0.2.7", &t(200))
                .unwrap()
                .map(|b| b.id),
            Some(ip_again.id)
        );
        assert!(db.active_block_for("192.0.2.7", &t(400)).unwrap().is_none());
        assert!(db.active_block_for("mallory", &t(90)).unwrap().is_none());
        let history = db.block_history(user.id).unwrap();
        let kinds: Vec<_> = history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["made", "extended", "expired", "extended", "expired"]
        );
        assert_eq!(history[2].time, t(60));
        assert_eq!(history[2].actor, "sigscope");
        out.push(format!("{all:?}"));
        for id in 1..=4 {
            out.push(format!("{:?}", db.block_history(id).unwrap()));
        }
        out
    });
}

fn rule(name: &str, what: BlockWhat) -> AutoblockRule {
    AutoblockRule {
        name: name.into(),
        query: "severity:critical".into(),
        what,
        duration: Some(Duration::hours(1)),
        escalate: true,
        cap: None,
        simulate: false,
        enabled: true,
    }
}

#[test]
fn denylist_history_allowlist_autoblock_and_bouncers() {
    both(|db| {
        let mut out = Vec::new();
        // History and entries read back in the denylist's shapes.
        let mut a = block(BlockKind::Ip, "192.0.2.7", Some(100), 0);
        let mut b = block(BlockKind::User, "mallory", None, 1);
        b.reason = None;
        db.insert_block(&mut a).unwrap();
        db.insert_block(&mut b).unwrap();
        db.lift_block(a.id, "bo", &t(5)).unwrap();
        let history = db.deny_history_since(0).unwrap();
        assert_eq!(
            history.iter().map(|h| h.seq).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(db.deny_history_since(2).unwrap().len(), 1);
        assert_eq!(history[1].reason, "", "a missing reason reads as empty");
        let entries = db.deny_entries().unwrap();
        assert_eq!(entries.len(), 1, "the lifted entry is left out");
        assert_eq!(entries[0].value, BlockValue::User("mallory".into()));
        out.push(format!("{history:?}\n{entries:?}"));

        // Allowlist: one entry per value.
        let id = db.allow_insert("ip", "192.0.2.1", "office", "ana", &t(0));
        let again = db.allow_insert("ip", "192.0.2.1", "twice", "bo", &t(1));
        let other = db.allow_insert("range", "10.0.0.0/8", "lan", "ana", &t(2));
        assert!(
            matches!(again, Err(sigscope::Error::Conflict(_))),
            "{again:?}"
        );
        out.push(format!("{} {} {}", show(id), show(again), show(other)));
        db.allow_delete(1).unwrap();
        db.allow_delete(42).unwrap();
        out.push(format!("{:?}", db.allow_list().unwrap()));

        // Autoblock rules: byte order of names, one rule per name.
        for r in [
            rule("b-scanners", BlockWhat::Ips),
            rule("A-bots", BlockWhat::Users),
            rule("a-both", BlockWhat::Both),
        ] {
            db.autoblock_rule_insert(&r, "ana", &t(0)).unwrap();
        }
        out.push(show(db.autoblock_rule_insert(
            &rule("a-both", BlockWhat::Ips),
            "bo",
            &t(1),
        )));
        out.push(show(db.autoblock_rule_set("a-both", Some(true), None)));
        out.push(show(db.autoblock_rule_set("A-bots", None, Some(false))));
        out.push(show(db.autoblock_rule_set("A-bots", None, None)));
        out.push(show(db.autoblock_rule_set("nope", Some(true), None)));
        let rules = db.autoblock_rules().unwrap();
        assert_eq!(
            rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["A-bots", "a-both", "b-scanners"]
        );
        assert!(rules[1].simulate && rules[1].enabled);
        assert!(!rules[0].enabled && !rules[0].simulate);
        assert_eq!(rules[2].duration, Some(Duration::hours(1)));
        out.push(format!("{rules:?}"));
        out.push(show(db.autoblock_rule_delete("b-scanners")));
        out.push(show(db.autoblock_rule_delete("b-scanners")));

        // Runs, oldest first, all or one rule's.
        for (i, (rule, value, block_id)) in [
            ("a-both", "192.0.2.9", Some(1)),
            ("A-bots", "eve", None),
            ("a-both", "2001:db8::/48", None),
        ]
        .into_iter()
        .enumerate()
        {
            let value = if value.contains(['.', ':']) {
                BlockValue::parse_net(value).unwrap()
            } else {
                BlockValue::User(value.into())
            };
            db.autoblock_run_insert(&RunRow {
                rule: rule.into(),
                signal_id: format!("sig-{i}"),
                value,
                outcome: "blocked".into(),
                block_id,
                expires_at: block_id.map(|_| t(3600)),
                time: t(i as i64),
            })
            .unwrap();
        }
        let runs = db.autoblock_runs(None).unwrap();
        assert_eq!(runs.len(), 3);
        let mine = db.autoblock_runs(Some("a-both")).unwrap();
        assert_eq!(
            mine.iter()
                .map(|r| r.signal_id.as_str())
                .collect::<Vec<_>>(),
            ["sig-0", "sig-2"]
        );
        assert!(db.autoblock_runs(Some("none")).unwrap().is_empty());
        out.push(format!("{runs:?}"));

        // Bouncers: by name, found by key hash, with a cursor once they pulled.
        db.bouncer_insert("edge-b", "hash-b", "ana", &t(0)).unwrap();
        db.bouncer_insert("edge-A", "hash-a", "ana", &t(1)).unwrap();
        out.push(show(db.bouncer_insert("edge-b", "hash-c", "bo", &t(2))));
        let fresh = db.bouncer_by_key_hash("hash-b").unwrap().unwrap();
        assert!(fresh.cursor.is_none() && fresh.last_pull.is_none());
        let cursor = Cursor { seq: 7, at: t(30) };
        db.bouncer_set_cursor("edge-b", &cursor, &t(31)).unwrap();
        let pulled = db.bouncer_by_key_hash("hash-b").unwrap().unwrap();
        assert_eq!(pulled.cursor, Some(cursor));
        assert_eq!(pulled.last_pull, Some(t(31)));
        assert!(db.bouncer_by_key_hash("hash-x").unwrap().is_none());
        let list = db.bouncer_list().unwrap();
        assert_eq!(
            list.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
            ["edge-A", "edge-b"]
        );
        out.push(format!("{list:?}"));
        out.push(show(db.bouncer_delete("edge-A")));
        out.push(show(db.bouncer_delete("edge-A")));
        out
    });
}

fn notify_rule(id: &str, name: &str) -> NotificationRule {
    let mut r = NotificationRule::new(id.into(), name.into(), t(0), Author::default());
    r.targets = vec![Target::parse("webhook:https://hooks.example/x").unwrap()];
    r.query = "severity:high".into();
    r
}

#[test]
fn notification_rules_keep_optimistic_versions() {
    both(|db| {
        let mut out = Vec::new();
        for (id, name) in [
            ("r1", "beta"),
            ("r2", "Alpha"),
            ("r3", "alpha2"),
            ("r4", "twin"),
            ("r5", "twin"),
        ] {
            db.insert_notify_rule(&notify_rule(id, name)).unwrap();
        }
        let dup = db.insert_notify_rule(&notify_rule("r1", "other"));
        assert!(matches!(dup, Err(sigscope::Error::Conflict(_))), "{dup:?}");
        out.push(show(dup));
        let mut bad = notify_rule("r9", "no targets");
        bad.targets.clear();
        out.push(show(db.insert_notify_rule(&bad)));

        let names: Vec<String> = db
            .notify_rules()
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["Alpha", "alpha2", "beta", "twin", "twin"]);
        assert_eq!(db.find_notify_rule("r1").unwrap().unwrap().name, "beta");
        assert_eq!(db.find_notify_rule("Alpha").unwrap().unwrap().id, "r2");
        assert!(db.find_notify_rule("alpha").unwrap().is_none());
        out.push(show(db.find_notify_rule("twin")));

        // Version 1 → 2; a writer still holding version 1 is refused.
        let mut change = notify_rule("r1", "beta renamed");
        change.enabled = false;
        change.modified_at = t(10);
        let next = db.update_notify_rule(&change, 1).unwrap();
        assert_eq!(next.version, 2);
        assert_eq!(next.created_at, t(0));
        let stale = db.update_notify_rule(&notify_rule("r1", "late"), 1);
        assert!(
            matches!(&stale, Err(sigscope::Error::Conflict(m)) if m.contains("version 2")),
            "{stale:?}"
        );
        out.push(show(stale));
        let stored = db.find_notify_rule("r1").unwrap().unwrap();
        assert_eq!(stored, next);
        assert!(!stored.enabled);
        out.push(show(db.update_notify_rule(&notify_rule("r8", "x"), 1)));

        out.push(show(db.delete_notify_rule("r2")));
        out.push(show(db.delete_notify_rule("r2")));
        out.push(format!("{:?}", db.notify_rules().unwrap()));
        out
    });
}

fn new_delivery<'a>(signal: &'a str, change: &'a str, target: &'a str) -> NewDelivery<'a> {
    NewDelivery {
        rule_id: "r1",
        rule_name: "rule one",
        signal_id: signal,
        change_key: change,
        target,
        payload: "{}",
    }
}

fn failure(status: u16) -> Outcome {
    Outcome {
        status: Some(status),
        error: Some(format!("HTTP {status}")),
        duration_ms: 12,
        ..Outcome::default()
    }
}

#[test]
fn the_delivery_queue_claims_records_retries_and_buries() {
    let p = Policy {
        max_attempts: 2,
        ..Policy::default()
    };
    both(|db| {
        let mut out = Vec::new();
        // Once per (rule, signal, change, target). A refused duplicate uses up an id on both
        // backends (SQLite's AUTOINCREMENT, PostgreSQL's sequence).
        let queued: Vec<bool> = [
            ("s1", "new", "webhook:a", 0),
            ("s1", "new", "webhook:a", 1),
            ("s1", "closed", "webhook:a", 1),
            ("s2", "new", "webhook:a", 2),
            ("s3", "new", "webhook:b", 3),
            ("s4", "new", "webhook:b", 100),
        ]
        .into_iter()
        .map(|(s, c, target, at)| {
            db.enqueue_delivery(&new_delivery(s, c, target), t(at))
                .unwrap()
        })
        .collect();
        assert_eq!(queued, [true, false, true, true, true, true]);
        let (s1_new, s1_closed, s2, s3, s4) = (1, 3, 4, 5, 6);
        let ids =
            |v: &[sigscope::notify::queue::Delivery]| v.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(
            ids(&db.list_deliveries(false, 10).unwrap()),
            [s4, s3, s2, s1_closed, s1_new]
        );
        assert_eq!(db.pending_deliveries().unwrap(), 5);
        assert_eq!(db.next_delivery_due().unwrap(), Some(t(0)));

        // Due at t=10: s1_new, s2, s3 (s1_closed waits behind s1_new: same signal and target; s4 is
        // not due), oldest due first, answered as they were due; the limit applies.
        let first = db.claim_due_deliveries(t(10), &p, 2).unwrap();
        assert_eq!(ids(&first), [s1_new, s2]);
        assert_eq!(first[0].next_attempt_at, t(0));
        assert_eq!(first[0].state, DeliveryState::Queued);
        let second = db.claim_due_deliveries(t(10), &p, 10).unwrap();
        assert_eq!(ids(&second), [s3]);
        assert!(
            db.claim_due_deliveries(t(10), &p, 10).unwrap().is_empty(),
            "leased"
        );
        assert_eq!(
            db.get_delivery(s1_new).unwrap().unwrap().next_attempt_at,
            t(70),
            "leased for a minute"
        );
        out.push(format!("{first:?}\n{second:?}"));

        // Sent; failed then dead; permanent; deferred.
        let ok = Outcome {
            status: Some(202),
            duration_ms: 5,
            ..Outcome::default()
        };
        assert_eq!(
            db.record_delivery(s1_new, &ok, t(11), &p).unwrap(),
            DeliveryState::Sent
        );
        assert_eq!(
            db.record_delivery(s2, &failure(500), t(11), &p).unwrap(),
            DeliveryState::Failed
        );
        let failed = db.get_delivery(s2).unwrap().unwrap();
        assert_eq!((failed.attempts, failed.next_attempt_at), (1, t(13)));
        assert_eq!(failed.last_status, Some(500));
        let throttled = Outcome {
            deferred: Some(std::time::Duration::from_secs(30)),
            ..Outcome::default()
        };
        assert_eq!(
            db.record_delivery(s3, &throttled, t(11), &p).unwrap(),
            DeliveryState::Queued
        );
        assert_eq!(db.get_delivery(s3).unwrap().unwrap().next_attempt_at, t(41));
        // s1_closed is free now that s1_new was sent; s2 is due again.
        let again = db.claim_due_deliveries(t(20), &p, 10).unwrap();
        assert_eq!(ids(&again), [s1_closed, s2], "oldest due first");
        assert_eq!(
            db.record_delivery(s2, &failure(503), t(21), &p).unwrap(),
            DeliveryState::Dead,
            "out of attempts"
        );
        let gone = Outcome {
            permanent: true,
            ..failure(404)
        };
        assert_eq!(
            db.record_delivery(s1_closed, &gone, t(21), &p).unwrap(),
            DeliveryState::Dead
        );
        // The one message that differs: rusqlite's own words for a missing row.
        let missing = db.record_delivery(99, &ok, t(21), &p);
        assert!(
            matches!(missing, Err(sigscope::Error::Store(_))),
            "{missing:?}"
        );

        assert_eq!(db.delivery_attempts(s2).unwrap().len(), 2);
        assert!(
            db.delivery_attempts(s3).unwrap().is_empty(),
            "a deferral is no attempt"
        );
        out.push(format!("{:?}", db.delivery_attempts(s2).unwrap()));
        let sent = db.get_delivery(s1_new).unwrap().unwrap();
        assert_eq!(sent.sent_at, Some(t(11)));
        assert!(db.get_delivery(42).unwrap().is_none());

        assert_eq!(ids(&db.list_deliveries(true, 10).unwrap()), [s2, s1_closed]);
        assert_eq!(ids(&db.list_deliveries(false, 2).unwrap()), [s4, s3]);
        assert_eq!(db.list_deliveries(false, usize::MAX).unwrap().len(), 5);
        assert_eq!(db.pending_deliveries().unwrap(), 2);
        assert_eq!(db.next_delivery_due().unwrap(), Some(t(41)));

        // Retry: failed ones only (none are), then the dead ones with fresh attempts.
        assert_eq!(db.retry_deliveries_now(false, t(50)).unwrap(), 0);
        assert_eq!(db.retry_deliveries_now(true, t(50)).unwrap(), 2);
        let revived = db.get_delivery(s2).unwrap().unwrap();
        assert_eq!(
            (revived.state, revived.attempts, revived.next_attempt_at),
            (DeliveryState::Failed, 0, t(50))
        );
        assert_eq!(db.retry_deliveries_now(false, t(55)).unwrap(), 2);
        assert_eq!(db.pending_deliveries().unwrap(), 4);
        out.push(format!("{:?}", db.list_deliveries(false, 100).unwrap()));
        out
    });
}

/// Two stores on one database claim from one queue at once, each looping until nothing is due:
/// every delivery is claimed exactly once.
fn race(open: impl Fn() -> Box<dyn Storage>, in_transaction: bool) {
    const N: usize = 120;
    let now = Utc::now();
    {
        let s = open();
        for i in 0..N {
            let signal = format!("s{i}");
            assert!(s
                .db()
                .enqueue_delivery(
                    &new_delivery(&signal, "new", "webhook:a"),
                    now - Duration::seconds(1)
                )
                .unwrap());
        }
    }
    let p = Policy::default();
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let mut s = open();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let mut mine = Vec::new();
                loop {
                    if in_transaction {
                        s.begin().unwrap();
                    }
                    let got = s.db().claim_due_deliveries(now, &p, 3);
                    if in_transaction {
                        s.finish(got.is_ok()).unwrap();
                    }
                    let got = got.unwrap();
                    if got.is_empty() {
                        break;
                    }
                    mine.extend(got.into_iter().map(|d| d.id));
                }
                mine
            })
        })
        .collect();
    let claims: Vec<Vec<i64>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let all: Vec<i64> = claims.iter().flatten().copied().collect();
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), distinct.len(), "a delivery was claimed twice");
    assert_eq!(distinct.len(), N, "every delivery was claimed");
}

#[test]
fn two_replicas_never_claim_the_same_delivery() {
    for in_transaction in [false, true] {
        let url = pg_support::fresh_db();
        race(|| store::open(Path::new(&url)).unwrap(), in_transaction);
    }
    // SQLite agrees, with its claim inside a write transaction as the engine runs it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    race(|| store::open(&path).unwrap(), true);
}
