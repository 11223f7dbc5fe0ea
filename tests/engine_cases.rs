//! Cases and incidents through the engine, against a real SQLite file.
mod engine_support;

use engine_support::*;
use sigscope::engine::{Command, NewCase, NewIncident, SignalRef};
use sigscope::model::{
    ArchiveReason, CasePriority, CaseStatus, IncidentSeverity, IncidentState, TriageState,
};

fn new_case(ids: &[&str], archive: bool) -> Command {
    Command::CreateCase(NewCase {
        signals: ids.iter().map(|i| SignalRef::new(*i)).collect(),
        title: "SQLi wave on checkout".into(),
        description: "from the explorer".into(),
        priority: CasePriority::P2,
        assignee: Some(STANDARD.into()),
        archive_signals: archive,
    })
}

fn new_incident(ids: &[&str]) -> Command {
    Command::DeclareIncident(NewIncident {
        signals: ids.iter().map(|i| SignalRef::new(*i)).collect(),
        title: "Customer DB exposed".into(),
        severity: IncidentSeverity::Sev2,
        commander: Some(ADMIN.into()),
        customer_impacted: true,
        state: IncidentState::Active,
    })
}

#[test]
fn create_case_from_signals_gets_a_key_and_one_event() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(&std, new_case(&["S1", "S2"], false))
        .unwrap();
    let case = out.case.unwrap();
    assert_eq!(case.key, "SEC-1");
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.priority, CasePriority::P2);
    assert_eq!(case.assignee.unwrap().uuid, "uuid-std");
    assert_eq!(case.signal_ids, vec!["S1", "S2"]);
    assert_eq!(out.events.len(), 1);
    assert_eq!(env.audit_count(), 1);
    // Linking a signal to a case leaves its triage and version alone.
    assert_eq!(env.signal("S1").version, 1);
    assert_eq!(env.signal("S1").triage.state, TriageState::Open);

    let second = env.engine.execute(&std, new_case(&["S3"], false)).unwrap();
    assert_eq!(second.case.unwrap().key, "SEC-2");
    for k in ["SEC-1", "sec-1", "1"] {
        assert_eq!(
            env.engine
                .reads(&env.user(ADMIN))
                .case(k)
                .unwrap()
                .unwrap()
                .key,
            "SEC-1",
            "{k}"
        );
    }
    let keys: Vec<String> = env
        .engine
        .reads(&env.user(ADMIN))
        .cases()
        .unwrap()
        .into_iter()
        .map(|c| c.key)
        .collect();
    assert_eq!(keys, vec!["SEC-2", "SEC-1"]);
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .cases_for_signal("S1")
            .unwrap(),
        vec!["SEC-1"]
    );
    // The signal's timeline shows the case.
    let tl = env.engine.reads(&env.user(ADMIN)).timeline("S2").unwrap();
    assert_eq!(tl.len(), 1);
    assert_eq!(tl[0].action, "case.create");
}

#[test]
fn opening_a_case_may_archive_the_signals() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(&std, new_case(&["S1", "S2"], true))
        .unwrap();
    // One event for the case, one per signal archived.
    assert_eq!(out.events.len(), 3);
    assert_eq!(env.audit_count(), 3);
    for id in ["S1", "S2"] {
        let s = env.signal(id);
        assert_eq!(s.triage.state, TriageState::Archived);
        assert_eq!(
            s.triage.archive_reason,
            Some(ArchiveReason::InvestigatedCaseOpened)
        );
        assert_eq!(s.triage.archive_comment.as_deref(), Some("case SEC-1"));
        assert_eq!(s.version, 2);
    }
}

#[test]
fn add_to_case_links_new_signals_and_skips_linked_ones() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine.execute(&std, new_case(&["S1"], false)).unwrap();
    let out = env
        .engine
        .execute(
            &std,
            Command::AddToCase {
                case: "SEC-1".into(),
                signals: vec![SignalRef::new("S1"), SignalRef::new("S2")],
                archive_signals: false,
            },
        )
        .unwrap();
    assert_eq!(out.case.unwrap().signal_ids, vec!["S1", "S2"]);
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(out.events.len(), 1);
    let ev = env.engine.reads(&env.user(ADMIN)).timeline("S2").unwrap();
    assert_eq!(ev[0].action, "case.add_signals");
    assert!(
        env.engine
            .reads(&env.user(ADMIN))
            .timeline("S1")
            .unwrap()
            .len()
            == 1
    );

    // An unknown case or signal changes nothing.
    let e = env
        .engine
        .execute(
            &std,
            Command::AddToCase {
                case: "SEC-99".into(),
                signals: vec![SignalRef::new("S3")],
                archive_signals: false,
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let e = env
        .engine
        .execute(
            &std,
            Command::AddToCase {
                case: "SEC-1".into(),
                signals: vec![SignalRef::new("S3"), SignalRef::new("NOPE")],
                archive_signals: false,
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .case("SEC-1")
            .unwrap()
            .unwrap()
            .signal_ids,
        vec!["S1", "S2"]
    );
    assert_eq!(env.audit_count(), 2);
}

#[test]
fn case_status_and_comments() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine.execute(&std, new_case(&["S1"], false)).unwrap();
    for status in [CaseStatus::InProgress, CaseStatus::Closed, CaseStatus::Open] {
        let out = env
            .engine
            .execute(
                &std,
                Command::SetCaseStatus {
                    case: "SEC-1".into(),
                    status,
                },
            )
            .unwrap();
        assert_eq!(out.case.unwrap().status, status);
        assert_eq!(out.events.len(), 1);
    }
    let same = env
        .engine
        .execute(
            &std,
            Command::SetCaseStatus {
                case: "SEC-1".into(),
                status: CaseStatus::Open,
            },
        )
        .unwrap();
    assert!(same.events.is_empty());
    env.engine
        .execute(
            &std,
            Command::CommentCase {
                case: "SEC-1".into(),
                text: "attacker used sqlmap".into(),
            },
        )
        .unwrap();
    let case = env
        .engine
        .reads(&env.user(ADMIN))
        .case("SEC-1")
        .unwrap()
        .unwrap();
    assert_eq!(case.comments.len(), 1);
    assert_eq!(case.comments[0].author, STANDARD);
    assert_eq!(case.comments[0].text, "attacker used sqlmap");
    let e = env
        .engine
        .execute(
            &std,
            Command::CommentCase {
                case: "SEC-1".into(),
                text: "   ".into(),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert_eq!(env.audit_count(), 5);
}

#[test]
fn a_case_needs_a_title_and_a_known_assignee() {
    let mut env = env();
    let std = env.user(STANDARD);
    let mut c = NewCase {
        signals: vec![SignalRef::new("S1")],
        title: " ".into(),
        description: String::new(),
        priority: CasePriority::NotDefined,
        assignee: None,
        archive_signals: false,
    };
    let e = env
        .engine
        .execute(&std, Command::CreateCase(c.clone()))
        .unwrap_err();
    assert!(e.to_string().contains("title is empty"), "{e}");
    c.title = "t".into();
    c.assignee = Some("ghost@example.com".into());
    let e = env
        .engine
        .execute(&std, Command::CreateCase(c))
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .cases()
        .unwrap()
        .is_empty());
    assert_eq!(env.audit_count(), 0);
}

#[test]
fn declare_incident_writes_its_public_id_into_the_signals() {
    let mut env = env();
    let std = env.user(STANDARD);
    let out = env
        .engine
        .execute(&std, new_incident(&["S1", "S2"]))
        .unwrap();
    let inc = out.incident.unwrap();
    assert_eq!(inc.public_id, 1);
    assert_eq!(inc.display_id(), "IR-1");
    assert_eq!(inc.severity, IncidentSeverity::Sev2);
    assert!(inc.customer_impacted);
    assert_eq!(inc.commander.unwrap().uuid, "uuid-admin");
    assert_eq!(out.events.len(), 1);
    for id in ["S1", "S2"] {
        let s = env.signal(id);
        assert_eq!(s.triage.incident_ids, vec![1]);
        assert_eq!(s.version, 2);
        assert_eq!(
            s.to_json()["attributes"]["custom"]["workflow"]["triage"]["incidentIds"],
            serde_json::json!([1])
        );
    }
    let second = env.engine.execute(&std, new_incident(&["S1"])).unwrap();
    assert_eq!(second.incident.unwrap().public_id, 2);
    assert_eq!(env.signal("S1").triage.incident_ids, vec![1, 2]);

    let out = env
        .engine
        .execute(
            &std,
            Command::AddToIncident {
                incident: "IR-1".into(),
                signals: vec![SignalRef::new("S3"), SignalRef::new("S1")],
            },
        )
        .unwrap();
    assert_eq!(out.incident.unwrap().signal_ids, vec!["S1", "S2", "S3"]);
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(env.signal("S3").triage.incident_ids, vec![1]);

    let out = env
        .engine
        .execute(
            &std,
            Command::SetIncidentState {
                incident: "1".into(),
                state: IncidentState::Stable,
            },
        )
        .unwrap();
    assert_eq!(out.incident.unwrap().state, IncidentState::Stable);
    assert_eq!(env.audit_count(), 4);
    let listed: Vec<i64> = env
        .engine
        .reads(&env.user(ADMIN))
        .incidents()
        .unwrap()
        .iter()
        .map(|i| i.public_id)
        .collect();
    assert_eq!(listed, vec![2, 1]);
    let tl = env.engine.reads(&env.user(ADMIN)).timeline("S3").unwrap();
    assert_eq!(tl.len(), 1);
    assert_eq!(tl[0].action, "incident.add_signals");
}

#[test]
fn declaring_with_a_stale_signal_version_changes_nothing() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine
        .execute(
            &std,
            Command::SetState {
                signals: vec![SignalRef::new("S2")],
                to: TriageState::UnderReview,
                reason: None,
                comment: None,
            },
        )
        .unwrap();
    let e = env
        .engine
        .execute(
            &std,
            Command::DeclareIncident(NewIncident {
                signals: vec![SignalRef::at("S1", 1), SignalRef::at("S2", 1)],
                title: "x".into(),
                severity: IncidentSeverity::Unknown,
                commander: None,
                customer_impacted: false,
                state: IncidentState::Active,
            }),
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 5);
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .incidents()
        .unwrap()
        .is_empty());
    assert!(env.signal("S1").triage.incident_ids.is_empty());
    assert_eq!(env.audit_count(), 1);
}

#[test]
fn unknown_incident_is_not_found() {
    let mut env = env();
    let std = env.user(STANDARD);
    let e = env
        .engine
        .execute(
            &std,
            Command::AddToIncident {
                incident: "IR-9".into(),
                signals: vec![SignalRef::new("S1")],
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
}

#[test]
fn case_priority_and_assignee() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine.execute(&std, new_case(&["S1"], false)).unwrap();
    let out = env
        .engine
        .execute(
            &std,
            Command::SetCasePriority {
                case: "SEC-1".into(),
                priority: CasePriority::P1,
            },
        )
        .unwrap();
    assert_eq!(out.case.unwrap().priority, CasePriority::P1);
    env.engine
        .execute(
            &std,
            Command::AssignCase {
                case: "SEC-1".into(),
                user: Some(ADMIN.into()),
            },
        )
        .unwrap();
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .case("SEC-1")
            .unwrap()
            .unwrap()
            .assignee
            .unwrap()
            .uuid,
        "uuid-admin"
    );
    let out = env
        .engine
        .execute(
            &std,
            Command::AssignCase {
                case: "SEC-1".into(),
                user: None,
            },
        )
        .unwrap();
    assert!(out.case.unwrap().assignee.is_none());
    assert_eq!(env.audit_count(), 4);
}

#[test]
fn set_signal_incidents_replaces_the_set() {
    let mut env = env();
    let std = env.user(STANDARD);
    env.engine.execute(&std, new_incident(&["S1"])).unwrap();
    env.engine.execute(&std, new_incident(&[])).unwrap();
    let out = env
        .engine
        .execute(
            &std,
            Command::SetSignalIncidents {
                signal: SignalRef::at("S1", 2),
                incident_ids: vec![2],
            },
        )
        .unwrap();
    assert_eq!(out.events.len(), 1);
    let s = env.signal("S1");
    assert_eq!(s.triage.incident_ids, vec![2]);
    assert_eq!(s.version, 3);
    assert!(env
        .engine
        .reads(&env.user(ADMIN))
        .incident("IR-1")
        .unwrap()
        .unwrap()
        .signal_ids
        .is_empty());
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .incident("IR-2")
            .unwrap()
            .unwrap()
            .signal_ids,
        vec!["S1"]
    );
    // An unknown incident refuses the whole change.
    let e = env
        .engine
        .execute(
            &std,
            Command::SetSignalIncidents {
                signal: SignalRef::new("S1"),
                incident_ids: vec![1, 42],
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert_eq!(env.signal("S1").triage.incident_ids, vec![2]);
    assert_eq!(
        sigscope::engine::timeline::describe(
            &env.engine.reads(&env.user(ADMIN)).timeline("S1").unwrap()[1]
        ),
        "incidents set to IR-2"
    );
    assert!(out.summary().contains("signal S1"));
}

#[test]
fn a_case_is_not_assigned_to_a_disabled_user() {
    let mut env = env();
    let std = env.user(STANDARD);
    let mut gone = env.user(ADMIN);
    gone.uuid = "uuid-gone".into();
    gone.handle = "gone@example.com".into();
    gone.disabled = true;
    sigscope::store::Store::add_user(&mut env.store(), &gone).unwrap();
    env.engine.execute(&std, new_case(&["S1"], false)).unwrap();
    let events = env.audit_count();
    let e = env
        .engine
        .execute(
            &std,
            Command::AssignCase {
                case: "SEC-1".into(),
                user: Some("gone@example.com".into()),
            },
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("disabled"), "{e}");
    assert_eq!(
        env.engine
            .reads(&env.user(ADMIN))
            .case("SEC-1")
            .unwrap()
            .unwrap()
            .assignee
            .unwrap()
            .uuid,
        "uuid-std"
    );
    assert_eq!(env.audit_count(), events);
}
