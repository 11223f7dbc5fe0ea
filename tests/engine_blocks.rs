//! The denylist through the engine: durations, expiry against the clock, refusals, attackers of a
//! signal, extension, unblock and history.
mod engine_support;

use chrono::TimeDelta;
use engine_support::*;
use sigscope::engine::{BlockFor, Command};
use sigscope::model::{BlockEventKind, BlockKind};

fn ips(values: &[&str], d: BlockFor) -> Command {
    Command::BlockIps {
        values: values.iter().map(|v| v.to_string()).collect(),
        duration: d,
        reason: Some("scanner".into()),
        signal_id: None,
    }
}

fn mins(n: i64) -> BlockFor {
    BlockFor::Duration(TimeDelta::minutes(n))
}

#[test]
fn a_block_expires_on_the_clock_and_stays_in_history() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(&std, ips(&["198.51.100.7"], mins(30)))
        .unwrap();
    assert_eq!(out.blocks.len(), 1);
    assert_eq!(out.events.len(), 1);
    let b = &out.blocks[0];
    assert_eq!(b.kind, BlockKind::Ip);
    assert_eq!(
        b.expires_at,
        Some(env.engine.now() + TimeDelta::minutes(30))
    );
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("198.51.100.7")
        .unwrap()
        .is_some());

    env.clock.advance(TimeDelta::minutes(29));
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .blocks(false)
            .unwrap()
            .len(),
        1
    );
    env.clock.advance(TimeDelta::minutes(1));
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("198.51.100.7")
        .unwrap()
        .is_none());
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(false)
        .unwrap()
        .is_empty());
    let all = env.engine.reads(&env.user(ADMIN)).blocks(true).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status(env.engine.now()), "expired");

    // Once expired, the value can be blocked again: a new block, the old one kept.
    let again = env
        .engine
        .execute(&std, ips(&["198.51.100.7"], BlockFor::Permanent))
        .unwrap();
    assert_ne!(again.blocks[0].id, all[0].id);
    assert_eq!(again.blocks[0].expires_at, None);
    env.clock.advance(TimeDelta::days(3650));
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("198.51.100.7")
        .unwrap()
        .is_some());
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .blocks(true)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn loopback_unspecified_and_slash_zero_are_refused_private_is_allowed() {
    let mut env = env();
    let std = env.user(STANDARD);
    for bad in [
        "127.0.0.1",
        "::1",
        "0.0.0.0",
        "::",
        "0.0.0.0/0",
        "::/0",
        "10.0.0.0/0",
    ] {
        let e = env.engine.execute(&std, ips(&[bad], mins(5))).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{bad}: {e}");
    }
    assert_eq!(env.audit_count(), 0);
    let out = env
        .engine
        .execute(
            &std,
            ips(&["10.1.2.3", "192.168.0.0/16", "fd00::/8"], mins(5)),
        )
        .unwrap();
    assert_eq!(out.blocks.len(), 3);
    assert_eq!(out.blocks[1].kind, BlockKind::Range);
}

#[test]
fn one_bad_value_in_five_blocks_nothing() {
    let mut env = env();
    let std = env.user(STANDARD);
    let e = env
        .engine
        .execute(
            &std,
            ips(
                &[
                    "198.51.100.1",
                    "198.51.100.2",
                    "127.0.0.1",
                    "198.51.100.4",
                    "198.51.100.5",
                ],
                mins(5),
            ),
        )
        .unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(true)
        .unwrap()
        .is_empty());
    assert_eq!(env.audit_count(), 0);
}

#[test]
fn block_attackers_blocks_each_ip_once_and_skips_blocked_ones() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine
        .execute(&std, ips(&["203.0.113.9"], BlockFor::Permanent))
        .unwrap();
    let out = env
        .engine
        .execute(
            &std,
            Command::BlockAttackers {
                signal_id: "S1".into(),
                duration: BlockFor::Duration(TimeDelta::hours(24)),
                reason: None,
            },
        )
        .unwrap();
    assert_eq!(out.blocks.len(), 1);
    assert_eq!(out.blocks[0].value, "198.51.100.7");
    assert_eq!(out.blocks[0].signal_id.as_deref(), Some("S1"));
    assert!(out.blocks[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("signal S1"));
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(out.events.len(), 1);
    // Run again: everything is already blocked, nothing is written.
    let out = env
        .engine
        .execute(
            &std,
            Command::BlockAttackers {
                signal_id: "S1".into(),
                duration: BlockFor::Duration(TimeDelta::hours(1)),
                reason: None,
            },
        )
        .unwrap();
    assert!(out.blocks.is_empty());
    assert_eq!(out.skipped.len(), 2);
    assert_eq!(env.audit_count(), 2);
    // The block shows on the signal's timeline.
    let tl = env.engine.reads(&env.user(ADMIN)).timeline("S1").unwrap();
    assert_eq!(tl.len(), 1);
    assert_eq!(tl[0].action, "block.made");

    let e = env
        .engine
        .execute(
            &std,
            Command::BlockAttackers {
                signal_id: "NOPE".into(),
                duration: BlockFor::Permanent,
                reason: None,
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
}

#[test]
fn a_longer_block_extends_a_shorter_one_is_skipped() {
    let mut env = env();
    let std = env.user(STANDARD);
    let first = env
        .engine
        .execute(&std, ips(&["198.51.100.7"], mins(30)))
        .unwrap();
    let id = first.blocks[0].id;
    let shorter = env
        .engine
        .execute(&std, ips(&["198.51.100.7"], mins(10)))
        .unwrap();
    assert!(shorter.blocks.is_empty());
    assert!(shorter.events.is_empty());
    let longer = env
        .engine
        .execute(&std, ips(&["198.51.100.7"], BlockFor::Permanent))
        .unwrap();
    assert_eq!(longer.blocks[0].id, id);
    assert_eq!(longer.blocks[0].expires_at, None);
    let kinds: Vec<BlockEventKind> = env
        .engine
        .reads(&env.user(ADMIN))
        .block_history(id)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec![BlockEventKind::Made, BlockEventKind::Extended]);
    assert_eq!(env.audit_count(), 2);
}

#[test]
fn a_blocked_range_covers_its_addresses() {
    let mut env = env();
    let std = env.user(STANDARD);
    // A range with host bits set is refused with the canonical form named, never widened.
    let e = env
        .engine
        .execute(&std, ips(&["203.0.113.77/24"], mins(60)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("203.0.113.0/24") && e.contains("203.0.113.77"),
        "{e}"
    );
    env.engine
        .execute(&std, ips(&["203.0.113.0/24"], mins(60)))
        .unwrap();
    let b = env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("203.0.113.9")
        .unwrap()
        .unwrap();
    assert_eq!(b.value, "203.0.113.0/24");
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("203.0.114.9")
        .unwrap()
        .is_none());
    let out = env
        .engine
        .execute(&std, ips(&["203.0.113.5"], mins(60)))
        .unwrap();
    assert!(out.blocks.is_empty());
    assert!(out.skipped[0].contains("203.0.113.0/24"));
    // An address blocked for longer than its range lasts gets its own block, and keeps it.
    let out = env
        .engine
        .execute(&std, ips(&["203.0.113.5"], mins(600)))
        .unwrap();
    assert_eq!(out.blocks.len(), 1, "{:?}", out.skipped);
    assert_eq!(out.blocks[0].value, "203.0.113.5");
}

#[test]
fn unblock_by_value_or_id() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(
            &std,
            ips(&["198.51.100.7", "198.51.100.8"], BlockFor::Permanent),
        )
        .unwrap();
    let second = out.blocks[1].id;
    let lifted = env
        .engine
        .execute(
            &std,
            Command::Unblock {
                target: "198.51.100.7".into(),
            },
        )
        .unwrap();
    assert_eq!(lifted.blocks[0].lifted_by.as_deref(), Some(STANDARD));
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("198.51.100.7")
        .unwrap()
        .is_none());
    env.engine
        .execute(
            &std,
            Command::Unblock {
                target: second.to_string(),
            },
        )
        .unwrap();
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .blocks(false)
        .unwrap()
        .is_empty());
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .blocks(true)
            .unwrap()
            .len(),
        2
    );
    let kinds: Vec<BlockEventKind> = env
        .engine
        .reads(&env.user(ADMIN))
        .block_history(second)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec![BlockEventKind::Made, BlockEventKind::Lifted]);
    let e = env
        .engine
        .execute(
            &std,
            Command::Unblock {
                target: second.to_string(),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 5, "{e}");
    let e = env
        .engine
        .execute(
            &std,
            Command::Unblock {
                target: "192.0.2.1".into(),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert_eq!(env.audit_count(), 4);
}

#[test]
fn block_users_with_a_signal() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(
            &std,
            Command::BlockUsers {
                values: vec!["user8".into(), "user8".into(), "jane@example.com".into()],
                duration: BlockFor::Duration(TimeDelta::days(7)),
                reason: None,
                signal_id: Some("S2".into()),
            },
        )
        .unwrap();
    assert_eq!(out.blocks.len(), 2);
    assert!(out.blocks.iter().all(|b| b.kind == BlockKind::User));
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .active_block_for("user8")
        .unwrap()
        .is_some());
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .timeline("S2")
            .unwrap()
            .len(),
        2
    );
    let e = env
        .engine
        .execute(
            &std,
            Command::BlockUsers {
                values: vec!["x".into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: Some("NOPE".into()),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
}

#[test]
fn expiry_is_recorded_in_history_once() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(&std, ips(&["198.51.100.7", "198.51.100.8"], mins(30)))
        .unwrap();
    let (a, b) = (out.blocks[0].id, out.blocks[1].id);
    env.engine
        .execute(
            &std,
            Command::Unblock {
                target: b.to_string(),
            },
        )
        .unwrap();
    assert!(env.engine.record_expired_blocks().unwrap().is_empty());
    env.clock.advance(TimeDelta::hours(1));
    assert_eq!(env.engine.record_expired_blocks().unwrap(), vec![a]);
    assert!(env.engine.record_expired_blocks().unwrap().is_empty());
    let h = env.engine.reads(&env.user(ADMIN)).block_history(a).unwrap();
    assert_eq!(h.last().unwrap().kind, BlockEventKind::Expired);
    assert_eq!(h.last().unwrap().time, out.blocks[0].expires_at.unwrap());
}
