//! Triage through the engine: every transition allowed and refused, the 30-day edge, assignment,
//! versions, permissions per role, bulk all-or-nothing, and one audit event per change.
mod engine_support;

use chrono::TimeDelta;
use engine_support::*;
use sigscope::engine::{Command, SignalRef};
use sigscope::model::{ArchiveReason, TriageState};
use sigscope::Error;

fn set_state(ids: &[&str], to: TriageState, reason: Option<ArchiveReason>) -> Command {
    Command::SetState {
        signals: ids.iter().map(|i| SignalRef::new(*i)).collect(),
        to,
        reason,
        comment: None,
    }
}

fn archive(id: &str) -> Command {
    set_state(
        &[id],
        TriageState::Archived,
        Some(ArchiveReason::FalsePositive),
    )
}

#[test]
fn every_allowed_transition_changes_state_bumps_version_and_leaves_one_event() {
    let mut env = env();
    let admin = env.user(ADMIN);
    use TriageState::*;
    let path = [
        (UnderReview, None),
        (Open, None),
        (Archived, Some(ArchiveReason::TruePositiveBenign)),
        (Open, None),
        (UnderReview, None),
        (Archived, Some(ArchiveReason::Remediated)),
    ];
    for (i, (to, reason)) in path.into_iter().enumerate() {
        let before = env.signal("S1").version;
        let out = env
            .engine
            .execute(&admin, set_state(&["S1"], to, reason))
            .unwrap();
        assert_eq!(out.events.len(), 1, "step {i}");
        let s = env.signal("S1");
        assert_eq!(s.triage.state, to);
        assert_eq!(s.version, before + 1);
        assert_eq!(out.signals[0].version, s.version);
        assert_eq!(env.audit_count(), i as i64 + 1);
    }
}

#[test]
fn archived_to_under_review_is_refused_naming_the_rule() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine.execute(&admin, archive("S1")).unwrap();
    let e = env
        .engine
        .execute(&admin, set_state(&["S1"], TriageState::UnderReview, None))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidTransition(_)), "{e}");
    assert_eq!(e.exit_code(), 5);
    assert!(
        e.to_string().contains("archived-reopens-to-open-only"),
        "{e}"
    );
    assert_eq!(env.signal("S1").triage.state, TriageState::Archived);
    assert_eq!(env.audit_count(), 1);
}

#[test]
fn reopen_window_edge() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine.execute(&admin, archive("S1")).unwrap();
    env.engine.execute(&admin, archive("S2")).unwrap();

    env.clock
        .set(t0() + TimeDelta::days(29) + TimeDelta::hours(23));
    env.engine
        .execute(&admin, set_state(&["S1"], TriageState::Open, None))
        .unwrap();
    assert_eq!(env.signal("S1").triage.state, TriageState::Open);

    env.clock
        .set(t0() + TimeDelta::days(30) + TimeDelta::seconds(1));
    let e = env
        .engine
        .execute(&admin, set_state(&["S2"], TriageState::Open, None))
        .unwrap_err();
    assert!(e.to_string().contains("reopen-within-30-days"), "{e}");
    assert_eq!(e.exit_code(), 5);
    assert_eq!(env.signal("S2").triage.state, TriageState::Archived);
}

#[test]
fn archiving_needs_a_reason_and_reopening_clears_it() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let e = env
        .engine
        .execute(&admin, set_state(&["S1"], TriageState::Archived, None))
        .unwrap_err();
    assert!(e.to_string().contains("needs a reason"), "{e}");
    env.engine
        .execute(
            &admin,
            Command::SetState {
                signals: vec![SignalRef::new("S1")],
                to: TriageState::Archived,
                reason: Some(ArchiveReason::FalsePositive),
                comment: Some("  our scanner  ".into()),
            },
        )
        .unwrap();
    let s = env.signal("S1");
    assert_eq!(s.triage.archive_reason, Some(ArchiveReason::FalsePositive));
    assert_eq!(s.triage.archive_comment.as_deref(), Some("our scanner"));
    env.engine
        .execute(&admin, set_state(&["S1"], TriageState::Open, None))
        .unwrap();
    let s = env.signal("S1");
    assert_eq!(s.triage.archive_reason, None);
    assert_eq!(s.triage.archive_comment, None);
    // The stored vendor JSON carries the reopened triage too.
    let t = &s.to_json()["attributes"]["custom"]["workflow"]["triage"];
    assert_eq!(t["state"], "open");
    assert!(t.get("archiveReason").is_none());
}

#[test]
fn a_reason_outside_archiving_is_refused() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let e = env
        .engine
        .execute(
            &admin,
            set_state(
                &["S1"],
                TriageState::UnderReview,
                Some(ArchiveReason::FalsePositive),
            ),
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    assert_eq!(env.audit_count(), 0);
}

#[test]
fn same_state_is_a_no_op_without_an_event() {
    let mut env = env();
    let admin = env.user(ADMIN);
    let out = env
        .engine
        .execute(&admin, set_state(&["S1"], TriageState::Open, None))
        .unwrap();
    assert!(out.events.is_empty());
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(env.signal("S1").version, 1);
    assert_eq!(env.audit_count(), 0);
}

#[test]
fn bulk_is_all_or_nothing() {
    let mut env = env();
    let admin = env.user(ADMIN);
    // One unknown id among five: nothing changes.
    let e = env
        .engine
        .execute(
            &admin,
            set_state(
                &["S1", "S2", "NOPE", "S3", "S4"],
                TriageState::UnderReview,
                None,
            ),
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    // One refused transition among five: nothing changes either.
    env.engine.execute(&admin, archive("S5")).unwrap();
    let e = env
        .engine
        .execute(
            &admin,
            set_state(
                &["S1", "S2", "S3", "S4", "S5"],
                TriageState::UnderReview,
                None,
            ),
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 5, "{e}");
    for id in ["S1", "S2", "S3", "S4"] {
        let s = env.signal(id);
        assert_eq!(s.triage.state, TriageState::Open, "{id}");
        assert_eq!(s.version, 1, "{id}");
    }
    assert_eq!(env.audit_count(), 1);
    // And five good ids change together, one event each.
    let out = env
        .engine
        .execute(
            &admin,
            set_state(&["S1", "S2", "S3", "S4"], TriageState::UnderReview, None),
        )
        .unwrap();
    assert_eq!(out.signals.len(), 4);
    assert_eq!(out.events.len(), 4);
    assert_eq!(env.audit_count(), 5);
}

#[test]
fn stale_version_is_a_conflict_naming_who_and_when() {
    let mut env = env();
    let std = env.user(STANDARD);
    let admin = env.user(ADMIN);
    env.engine
        .execute(&std, set_state(&["S1"], TriageState::UnderReview, None))
        .unwrap();
    let e = env
        .engine
        .execute(
            &admin,
            Command::SetState {
                signals: vec![SignalRef::at("S1", 1)],
                to: TriageState::Archived,
                reason: Some(ArchiveReason::Other),
                comment: None,
            },
        )
        .unwrap_err();
    assert!(matches!(e, Error::Conflict(_)));
    assert_eq!(e.exit_code(), 5);
    let msg = e.to_string();
    assert!(
        msg.contains("signal S1 changed by std@example.com at 2026-10-01T13:00:00.000Z since you loaded it (version 1, now 2)"),
        "{msg}"
    );
    assert_eq!(env.signal("S1").triage.state, TriageState::UnderReview);
    assert_eq!(env.audit_count(), 1);
    // The current version goes through.
    env.engine
        .execute(
            &admin,
            Command::SetState {
                signals: vec![SignalRef::at("S1", 2)],
                to: TriageState::Archived,
                reason: Some(ArchiveReason::Other),
                comment: None,
            },
        )
        .unwrap();
    assert_eq!(env.signal("S1").version, 3);
}

#[test]
fn a_stale_version_in_a_bulk_change_stops_all_of_it() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .execute(&admin, set_state(&["S3"], TriageState::UnderReview, None))
        .unwrap();
    let e = env
        .engine
        .execute(
            &admin,
            Command::Assign {
                signals: ["S1", "S2", "S3", "S4", "S5"]
                    .iter()
                    .map(|i| SignalRef::at(*i, 1))
                    .collect(),
                user: STANDARD.into(),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 5);
    assert!(env.signal("S1").triage.assignee.is_none());
    assert_eq!(env.audit_count(), 1);
}

#[test]
fn assign_and_unassign_known_users_only() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(
            &std,
            Command::Assign {
                signals: vec![SignalRef::new("S1")],
                user: "uuid-admin".into(),
            },
        )
        .unwrap();
    assert_eq!(out.events.len(), 1);
    let a = env.signal("S1").triage.assignee.unwrap();
    assert_eq!(a.uuid, "uuid-admin");
    assert_eq!(a.handle.as_deref(), Some(ADMIN));
    // By handle, case-insensitively, to someone else.
    env.engine
        .execute(
            &std,
            Command::Assign {
                signals: vec![SignalRef::new("S1")],
                user: "STD@example.com".into(),
            },
        )
        .unwrap();
    assert_eq!(env.signal("S1").triage.assignee.unwrap().uuid, "uuid-std");
    let e = env
        .engine
        .execute(
            &std,
            Command::Assign {
                signals: vec![SignalRef::new("S1")],
                user: "nobody@example.com".into(),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    env.engine
        .execute(
            &std,
            Command::Unassign {
                signals: vec![SignalRef::new("S1")],
            },
        )
        .unwrap();
    let s = env.signal("S1");
    assert!(s.triage.assignee.is_none());
    assert_eq!(
        s.to_json()["attributes"]["custom"]["workflow"]["triage"]["assignee"]["id"],
        -1
    );
    assert_eq!(s.version, 4);
    assert_eq!(env.audit_count(), 3);
}

#[test]
fn read_only_cannot_triage_and_the_refusal_names_the_permission() {
    let mut env = env();
    let ro = env.user(READ_ONLY);
    for cmd in [
        set_state(&["S1"], TriageState::UnderReview, None),
        Command::Assign {
            signals: vec![SignalRef::new("S1")],
            user: ADMIN.into(),
        },
        Command::Unassign {
            signals: vec![SignalRef::new("S1")],
        },
    ] {
        let e = env.engine.execute(&ro, cmd).unwrap_err();
        assert!(matches!(e, Error::PermissionDenied(_)));
        assert_eq!(e.exit_code(), 4);
        assert!(
            e.to_string()
                .contains("ro@example.com lacks security_monitoring_signals_write"),
            "{e}"
        );
    }
    assert_eq!(env.signal("S1").version, 1);
    assert_eq!(env.audit_count(), 0);
}

#[test]
fn timeline_lists_the_signals_events_in_order() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine
        .execute(&admin, set_state(&["S1"], TriageState::UnderReview, None))
        .unwrap();
    env.engine
        .execute(&admin, set_state(&["S2"], TriageState::UnderReview, None))
        .unwrap();
    env.clock.advance(TimeDelta::minutes(5));
    env.engine.execute(&admin, archive("S1")).unwrap();
    let tl = env.engine.reads(&env.user(ADMIN)).timeline("S1").unwrap();
    assert_eq!(tl.len(), 2);
    assert!(tl[0].seq < tl[1].seq);
    assert_eq!(tl[0].before["state"], "open");
    assert_eq!(tl[1].after["state"], "archived");
    assert_eq!(tl[1].actor, ADMIN);
    assert_eq!(tl[1].time, t0() + TimeDelta::minutes(65));
    assert_eq!(
        sigscope::engine::timeline::describe(&tl[1]),
        "state under_review -> archived (false_positive)"
    );
    assert_eq!(
        env.engine.reads(&env.user(ADMIN)).latest_seq().unwrap(),
        tl[1].seq
    );
    let all = env
        .engine
        .reads(&env.user(ADMIN))
        .changes_since(tl[0].seq, 1000)
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].target_id, "S2");
}

#[test]
fn the_audit_log_refuses_updates_and_deletes() {
    let mut env = env();
    let admin = env.user(ADMIN);
    env.engine.execute(&admin, archive("S1")).unwrap();
    let update = "UPDATE audit SET actor = 'x'";
    assert!(pg_support::execute(&env.path, update, update).is_err());
    let delete = "DELETE FROM audit";
    assert!(pg_support::execute(&env.path, delete, delete).is_err());
    assert_eq!(env.audit_count(), 1);
}

#[test]
fn a_conflict_names_who_changed_the_version_not_a_later_case_event() {
    let mut env = env();
    let std = env.user(STANDARD);
    let admin = env.user(ADMIN);
    env.engine
        .execute(&std, set_state(&["S1"], TriageState::UnderReview, None))
        .unwrap();
    env.engine
        .execute(
            &admin,
            Command::CreateCase(sigscope::engine::NewCase {
                signals: vec![SignalRef::new("S1")],
                title: "t".into(),
                description: String::new(),
                priority: sigscope::model::CasePriority::P3,
                assignee: None,
                archive_signals: false,
            }),
        )
        .unwrap();
    let e = env
        .engine
        .execute(
            &admin,
            Command::Unassign {
                signals: vec![SignalRef::at("S1", 1)],
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("changed by std@example.com"), "{e}");
}

#[test]
fn signal_metadata_has_the_vendor_shape_and_who_changed_it() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine
        .execute(
            &std,
            Command::SetState {
                signals: vec![SignalRef::new("S1")],
                to: TriageState::Archived,
                reason: Some(ArchiveReason::FalsePositive),
                comment: Some("scanner".into()),
            },
        )
        .unwrap();
    let m = env
        .engine
        .reads(&env.user(ADMIN))
        .signal_metadata(&env.signal("S1"))
        .unwrap();
    let a = &m["attributes"];
    assert_eq!(m["type"], "signal_metadata");
    assert_eq!(a["state"], "archived");
    assert_eq!(a["archive_reason"], "false_positive");
    assert_eq!(a["archive_comment"], "scanner");
    assert_eq!(a["assignee"]["id"], -1);
    assert_eq!(a["state_update_user"]["uuid"], "uuid-std");
    assert_eq!(a["archive_comment_user"]["handle"], STANDARD);
    assert_eq!(
        a["state_update_timestamp"],
        (t0() + TimeDelta::hours(1)).timestamp_millis()
    );
    assert_eq!(a["version"], 2);
}
