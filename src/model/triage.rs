//! Triage state, assignee and archive reason of a signal, with their vendor spellings.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum TriageState {
    #[default]
    Open,
    UnderReview,
    Archived,
}

impl TriageState {
    pub const ALL: [TriageState; 3] = [Self::Open, Self::UnderReview, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::UnderReview => "under_review",
            Self::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::UnderReview => "Under Review",
            Self::Archived => "Archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "open" => Some(Self::Open),
            "under_review" | "underreview" | "review" => Some(Self::UnderReview),
            "archived" | "archive" => Some(Self::Archived),
            _ => None,
        }
    }
}

impl fmt::Display for TriageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveReason {
    None,
    FalsePositive,
    TestingOrMaintenance,
    Remediated,
    InvestigatedCaseOpened,
    TruePositiveBenign,
    TruePositiveMalicious,
    Other,
}

impl ArchiveReason {
    pub const ALL: [ArchiveReason; 8] = [
        Self::None,
        Self::FalsePositive,
        Self::TestingOrMaintenance,
        Self::Remediated,
        Self::InvestigatedCaseOpened,
        Self::TruePositiveBenign,
        Self::TruePositiveMalicious,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::FalsePositive => "false_positive",
            Self::TestingOrMaintenance => "testing_or_maintenance",
            Self::Remediated => "remediated",
            Self::InvestigatedCaseOpened => "investigated_case_opened",
            Self::TruePositiveBenign => "true_positive_benign",
            Self::TruePositiveMalicious => "true_positive_malicious",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for ArchiveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user a signal is assigned to, as the vendor writes it inside the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Assignee {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Assignee {
    /// What the explorer shows: the name, else the handle, else the uuid.
    pub fn display(&self) -> &str {
        self.name
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.handle.as_deref().filter(|s| !s.is_empty()))
            .unwrap_or(&self.uuid)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Triage {
    pub state: TriageState,
    pub assignee: Option<Assignee>,
    pub archive_reason: Option<ArchiveReason>,
    pub archive_comment: Option<String>,
    pub incident_ids: Vec<i64>,
}
