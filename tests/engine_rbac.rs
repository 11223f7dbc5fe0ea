//! Permissions per role for every command, and who acts (the first user of a store becomes Admin).
mod engine_support;

use chrono::TimeDelta;
use engine_support::*;
use sigscope::engine::{BlockFor, Command, Engine, FixedClock, NewCase, NewIncident, SignalRef};
use sigscope::model::{
    ArchiveReason, CasePriority, CaseStatus, IncidentSeverity, IncidentState, Role, TriageState,
    User,
};
use sigscope::store::Store;

/// Every command, each with the permission a Read Only user is refused for.
fn commands() -> Vec<(Command, &'static str)> {
    let s = |id: &str| vec![SignalRef::new(id)];
    vec![
        (
            Command::SetState {
                signals: s("S1"),
                to: TriageState::Archived,
                reason: Some(ArchiveReason::Other),
                comment: None,
            },
            "security_monitoring_signals_write",
        ),
        (
            Command::Assign {
                signals: s("S2"),
                user: ADMIN.into(),
            },
            "security_monitoring_signals_write",
        ),
        (
            Command::Unassign { signals: s("S3") },
            "security_monitoring_signals_write",
        ),
        (
            Command::CreateCase(NewCase {
                signals: s("S1"),
                title: "t".into(),
                description: String::new(),
                priority: CasePriority::P3,
                assignee: None,
                archive_signals: false,
            }),
            "cases_write",
        ),
        (
            Command::AddToCase {
                case: "SEC-1".into(),
                signals: s("S4"),
                archive_signals: false,
            },
            "cases_write",
        ),
        (
            Command::SetCaseStatus {
                case: "SEC-1".into(),
                status: CaseStatus::Closed,
            },
            "cases_write",
        ),
        (
            Command::CommentCase {
                case: "SEC-1".into(),
                text: "hi".into(),
            },
            "cases_write",
        ),
        (
            Command::SetCasePriority {
                case: "SEC-1".into(),
                priority: CasePriority::P1,
            },
            "cases_write",
        ),
        (
            Command::AssignCase {
                case: "SEC-1".into(),
                user: Some(STANDARD.into()),
            },
            "cases_write",
        ),
        (
            Command::SetSignalIncidents {
                signal: SignalRef::new("S2"),
                incident_ids: vec![1],
            },
            "incident_write",
        ),
        (
            Command::DeclareIncident(NewIncident {
                signals: s("S1"),
                title: "t".into(),
                severity: IncidentSeverity::Sev1,
                commander: None,
                customer_impacted: false,
                state: IncidentState::Active,
            }),
            "incident_write",
        ),
        (
            Command::AddToIncident {
                incident: "IR-1".into(),
                signals: s("S5"),
            },
            "incident_write",
        ),
        (
            Command::SetIncidentState {
                incident: "IR-1".into(),
                state: IncidentState::Resolved,
            },
            "incident_write",
        ),
        (
            Command::BlockIps {
                values: vec!["198.51.100.200".into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: None,
            },
            "appsec_protect_write",
        ),
        (
            Command::BlockUsers {
                values: vec!["user9".into()],
                duration: BlockFor::Permanent,
                reason: None,
                signal_id: None,
            },
            "appsec_protect_write",
        ),
        (
            Command::BlockAttackers {
                signal_id: "S1".into(),
                duration: BlockFor::Duration(TimeDelta::hours(1)),
                reason: None,
            },
            "appsec_protect_write",
        ),
        (
            Command::Unblock {
                target: "192.0.2.99".into(),
            },
            "appsec_protect_write",
        ),
        (
            Command::AddUser {
                email: "new@example.com".into(),
                role: Role::Standard,
                name: None,
            },
            "user_access_manage",
        ),
    ]
}

/// A case SEC-1, an incident IR-1 and a block on 192.0.2.99 for the commands to act on.
fn prepared() -> Env {
    let mut env = env();
    let admin = env.user(ADMIN);
    for cmd in [
        Command::CreateCase(NewCase {
            signals: vec![SignalRef::new("S1")],
            title: "seed".into(),
            description: String::new(),
            priority: CasePriority::NotDefined,
            assignee: None,
            archive_signals: false,
        }),
        Command::DeclareIncident(NewIncident {
            signals: vec![SignalRef::new("S1")],
            title: "seed".into(),
            severity: IncidentSeverity::Unknown,
            commander: None,
            customer_impacted: false,
            state: IncidentState::Active,
        }),
        Command::BlockIps {
            values: vec!["192.0.2.99".into()],
            duration: BlockFor::Permanent,
            reason: None,
            signal_id: None,
        },
        Command::Assign {
            signals: vec![SignalRef::new("S3")],
            user: ADMIN.into(),
        },
    ] {
        env.engine.execute(&admin, cmd).unwrap();
    }
    env
}

#[test]
fn read_only_is_refused_every_command_naming_the_permission() {
    let mut env = prepared();
    let ro = env.user(READ_ONLY);
    let before = env.audit_count();
    for (cmd, perm) in commands() {
        let name = cmd.name();
        let e = env.engine.execute(&ro, cmd).unwrap_err();
        assert_eq!(e.exit_code(), 4, "{name}: {e}");
        assert!(
            e.to_string().contains(&format!("{READ_ONLY} lacks {perm}")),
            "{name}: {e}"
        );
    }
    assert_eq!(env.audit_count(), before);
}

#[test]
fn standard_may_do_everything_but_manage_users() {
    let mut env = prepared();
    let std = env.user(STANDARD);
    for (cmd, perm) in commands() {
        let name = cmd.name();
        let before = env.audit_count();
        let r = env.engine.execute(&std, cmd);
        if perm == "user_access_manage" {
            let e = r.unwrap_err();
            assert_eq!(e.exit_code(), 4);
            assert!(e
                .to_string()
                .contains("std@example.com lacks user_access_manage"));
            assert_eq!(env.audit_count(), before);
        } else {
            let out = r.unwrap_or_else(|e| panic!("{name}: {e}"));
            // One audit event per changed object: each command here changes one, except blocking
            // S1's attackers, which makes a block per attacking IP (two).
            let expected = out.blocks.len().max(1);
            assert_eq!(out.events.len(), expected, "{name}");
            assert_eq!(env.audit_count() - before, expected as i64, "{name}");
        }
    }
}

#[test]
fn admin_may_do_everything() {
    let mut env = prepared();
    let admin = env.user(ADMIN);
    for (cmd, _) in commands() {
        let name = cmd.name();
        env.engine
            .execute(&admin, cmd)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(env.store().find_user("new@example.com").unwrap().is_some());
}

#[test]
fn a_disabled_user_is_refused() {
    let mut env = env();
    let mut u = env.user(ADMIN);
    u.uuid = "uuid-gone".into();
    u.handle = "gone@example.com".into();
    u.disabled = true;
    env.store().add_user(&u).unwrap();
    let e = env
        .engine
        .execute(
            &u,
            Command::Unassign {
                signals: vec![SignalRef::new("S1")],
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("disabled"));
}

fn empty_engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let store = sigscope::store::open(&pg_support::store_location(dir.path(), "s.db")).unwrap();
    (dir, Engine::new(store, Box::new(FixedClock::new(t0()))))
}

#[test]
fn the_first_acting_user_of_an_empty_store_becomes_admin() {
    let (_dir, mut engine) = empty_engine();
    let me = engine.resolve_actor(Some("me@example.com")).unwrap();
    assert_eq!(me.role, Role::Admin);
    assert_eq!(engine.reads(&me).users().unwrap().len(), 1);
    let ev = engine.reads(&me).changes_since(0, 100).unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].action, "user.bootstrap");
    // The same user again, by any spelling, is found, not re-created.
    assert_eq!(
        engine.resolve_actor(Some("ME@example.com")).unwrap().uuid,
        me.uuid
    );
    assert_eq!(engine.resolve_actor(Some(&me.uuid)).unwrap().uuid, me.uuid);
    // Anyone else is refused once the store has users.
    let e = engine
        .resolve_actor(Some("stranger@example.com"))
        .unwrap_err();
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("sigscope users add"));
    assert_eq!(engine.reads(&me).users().unwrap().len(), 1);
    // The admin adds users through the engine, and they can act.
    engine
        .execute(
            &me,
            Command::AddUser {
                email: "ro@example.com".into(),
                role: Role::ReadOnly,
                name: Some("Rae".into()),
            },
        )
        .unwrap();
    let ro: User = engine.resolve_actor(Some("ro@example.com")).unwrap();
    assert_eq!(ro.role, Role::ReadOnly);
    assert_eq!(ro.name, "Rae");
}

#[test]
fn a_bare_name_becomes_name_at_localhost() {
    let (_dir, mut engine) = empty_engine();
    let u = engine.resolve_actor(Some("bob")).unwrap();
    assert_eq!(u.handle, "bob@localhost");
    assert_eq!(engine.resolve_actor(Some("bob")).unwrap().uuid, u.uuid);
}
