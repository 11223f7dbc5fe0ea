//! Incidents (the vendor's Incident Management): severity, state, commander, linked signals.
use super::triage::Assignee;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum IncidentSeverity {
    #[default]
    #[serde(rename = "UNKNOWN")]
    Unknown,
    #[serde(rename = "SEV-0")]
    Sev0,
    #[serde(rename = "SEV-1")]
    Sev1,
    #[serde(rename = "SEV-2")]
    Sev2,
    #[serde(rename = "SEV-3")]
    Sev3,
    #[serde(rename = "SEV-4")]
    Sev4,
    #[serde(rename = "SEV-5")]
    Sev5,
}

impl IncidentSeverity {
    pub const ALL: [IncidentSeverity; 7] = [
        Self::Unknown,
        Self::Sev0,
        Self::Sev1,
        Self::Sev2,
        Self::Sev3,
        Self::Sev4,
        Self::Sev5,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Sev0 => "SEV-0",
            Self::Sev1 => "SEV-1",
            Self::Sev2 => "SEV-2",
            Self::Sev3 => "SEV-3",
            Self::Sev4 => "SEV-4",
            Self::Sev5 => "SEV-5",
        }
    }

    /// `SEV-2`, `sev2`, `2` all name SEV-2.
    pub fn parse(s: &str) -> Option<Self> {
        let up = s.trim().to_ascii_uppercase().replace(['_', ' '], "-");
        let norm = match up.strip_prefix("SEV") {
            Some(rest) => format!("SEV-{}", rest.trim_start_matches('-')),
            None if up.len() == 1 && up.chars().all(|c| c.is_ascii_digit()) => format!("SEV-{up}"),
            None => up,
        };
        Self::ALL.into_iter().find(|p| p.as_str() == norm)
    }
}

impl fmt::Display for IncidentSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IncidentState {
    #[default]
    Active,
    Stable,
    Resolved,
}

impl IncidentState {
    pub const ALL: [IncidentState; 3] = [Self::Active, Self::Stable, Self::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Stable => "stable",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let low = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == low)
    }
}

impl fmt::Display for IncidentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// A uuid, as the vendor's incident id.
    pub id: String,
    /// The integer id signals list in `incident_ids`; shown as `IR-7`.
    pub public_id: i64,
    pub title: String,
    pub severity: IncidentSeverity,
    pub state: IncidentState,
    pub commander: Option<Assignee>,
    pub customer_impacted: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub signal_ids: Vec<String>,
}

impl Incident {
    pub fn display_id(&self) -> String {
        format!("IR-{}", self.public_id)
    }

    /// `IR-7`, `ir-7` or `7` as a public id.
    pub fn parse_public_id(s: &str) -> Option<i64> {
        let t = s.trim();
        let digits = t
            .strip_prefix("IR-")
            .or_else(|| t.strip_prefix("ir-"))
            .unwrap_or(t);
        digits.parse().ok().filter(|n: &i64| *n > 0)
    }

    /// The incident in the vendor's JSON:API shape.
    pub fn to_json(&self) -> serde_json::Value {
        use super::json::fmt_time;
        serde_json::json!({
            "id": self.id,
            "type": "incidents",
            "attributes": {
                "public_id": self.public_id,
                "title": self.title,
                "customer_impacted": self.customer_impacted,
                "created": fmt_time(&self.created_at),
                "modified": fmt_time(&self.modified_at),
                "fields": {
                    "severity": {"type": "dropdown", "value": self.severity.as_str()},
                    "state": {"type": "dropdown", "value": self.state.as_str()},
                },
                "signal_ids": self.signal_ids,
            },
            "relationships": {
                "commander_user": {"data": self.commander.as_ref().map(|c| serde_json::json!({"id": c.uuid, "type": "users"}))},
            }
        })
    }
}
