//! The fake's cases and incidents: one of each linked to sig-1, one case with a comment.
use super::now;
use sigscope::model::{
    Assignee, Case, CaseComment, CasePriority, CaseStatus, Incident, IncidentSeverity,
    IncidentState,
};

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "c-7".into(),
            key: "CASE-7".into(),
            number: 7,
            title: "Credential stuffing wave".into(),
            description: "Bots replaying leaked passwords against /login.".into(),
            priority: CasePriority::P2,
            status: CaseStatus::InProgress,
            assignee: Some(Assignee {
                uuid: "u-bob".into(),
                handle: Some("bob@example.com".into()),
                name: Some("Bob Analyst".into()),
            }),
            created_by: "u-alice".into(),
            created_at: now(),
            modified_at: now(),
            signal_ids: vec!["sig-1".into(), "sig-3".into()],
            comments: vec![CaseComment {
                author: "alice@example.com".into(),
                time: now(),
                text: "Blocked the first wave; watching for a second.".into(),
            }],
        },
        Case {
            id: "c-8".into(),
            key: "CASE-8".into(),
            number: 8,
            title: "Scanner noise".into(),
            description: String::new(),
            priority: CasePriority::NotDefined,
            status: CaseStatus::Open,
            assignee: None,
            created_by: "u-alice".into(),
            created_at: now(),
            modified_at: now(),
            signal_ids: vec!["sig-4".into()],
            comments: vec![],
        },
    ]
}

pub fn incidents() -> Vec<Incident> {
    vec![Incident {
        id: "i-42".into(),
        public_id: 42,
        title: "Checkout outage".into(),
        severity: IncidentSeverity::parse("SEV-2").unwrap_or_default(),
        state: IncidentState::Active,
        commander: None,
        customer_impacted: true,
        created_by: "u-alice".into(),
        created_at: now(),
        modified_at: now(),
        signal_ids: vec!["sig-1".into()],
    }]
}
