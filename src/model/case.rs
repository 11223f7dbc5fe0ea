//! Cases (the vendor's Case Management), with the vendor's spellings of priority and status.
use super::triage::Assignee;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every local case key carries this project prefix (`SEC-12`).
pub const CASE_KEY_PREFIX: &str = "SEC";
/// The vendor's type id for security cases.
pub const SECURITY_CASE_TYPE_ID: &str = "00000000-0000-0000-0000-000000000003";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum CasePriority {
    #[default]
    #[serde(rename = "NOT_DEFINED")]
    NotDefined,
    P1,
    P2,
    P3,
    P4,
    P5,
}

impl CasePriority {
    pub const ALL: [CasePriority; 6] = [
        Self::NotDefined,
        Self::P1,
        Self::P2,
        Self::P3,
        Self::P4,
        Self::P5,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotDefined => "NOT_DEFINED",
            Self::P1 => "P1",
            Self::P2 => "P2",
            Self::P3 => "P3",
            Self::P4 => "P4",
            Self::P5 => "P5",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let up = s.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|p| p.as_str() == up)
    }
}

impl fmt::Display for CasePriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    #[default]
    Open,
    InProgress,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 3] = [Self::Open, Self::InProgress, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::InProgress => "IN_PROGRESS",
            Self::Closed => "CLOSED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::InProgress => "In Progress",
            Self::Closed => "Closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let up = s.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|p| p.as_str() == up)
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseComment {
    pub author: String,
    pub time: DateTime<Utc>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// A uuid, as the vendor's case id.
    pub id: String,
    /// `SEC-12`: what people type.
    pub key: String,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub priority: CasePriority,
    pub status: CaseStatus,
    pub assignee: Option<Assignee>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub signal_ids: Vec<String>,
    pub comments: Vec<CaseComment>,
}

impl Case {
    pub fn key_for(number: i64) -> String {
        format!("{CASE_KEY_PREFIX}-{number}")
    }

    /// The case in the vendor's JSON:API shape, linked signals as `SECURITY_SIGNAL` insights.
    pub fn to_json(&self) -> serde_json::Value {
        use super::json::fmt_time;
        serde_json::json!({
            "id": self.id,
            "type": "case",
            "attributes": {
                "key": self.key,
                "public_id": self.number.to_string(),
                "title": self.title,
                "description": self.description,
                "priority": self.priority.as_str(),
                "status": self.status.as_str(),
                "status_name": self.status.label(),
                "type_id": SECURITY_CASE_TYPE_ID,
                "created_at": fmt_time(&self.created_at),
                "modified_at": fmt_time(&self.modified_at),
                "comment_count": self.comments.len(),
                "insights": self.signal_ids.iter().map(|id| serde_json::json!({
                    "type": "SECURITY_SIGNAL", "resource_id": id, "ref": format!("/security/signal?event={id}")
                })).collect::<Vec<_>>(),
                "comments": self.comments.iter().map(|c| serde_json::json!({
                    "author": c.author, "time": fmt_time(&c.time), "text": c.text
                })).collect::<Vec<_>>(),
            },
            "relationships": {
                "assignee": {"data": self.assignee.as_ref().map(|a| serde_json::json!({"id": a.uuid, "type": "user"}))},
                "created_by": {"data": {"id": self.created_by, "type": "user"}},
            }
        })
    }
}
