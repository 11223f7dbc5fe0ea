//! The vendor's detection-rule model (public Security Monitoring rule shape): named queries over
//! events with `groupByFields`, `distinctFields` and an aggregation (`count` or `cardinality`),
//! `cases` (condition → severity), options `evaluationWindow`, `keepAlive`, `maxSignalDuration`
//! (seconds), a message template and tags.
use super::condition::Cond;
use super::matcher::{EvField, Matcher};
use crate::error::{Error, Result};
use crate::model::Severity;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    #[default]
    Count,
    Cardinality,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleQuery {
    pub query: String,
    #[serde(default)]
    pub group_by_fields: Vec<String>,
    #[serde(default)]
    pub distinct_fields: Vec<String>,
    #[serde(default)]
    pub aggregation: Aggregation,
    /// `a`, `b`, ... by position when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleCase {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub condition: String,
    pub status: Severity,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleOptions {
    /// Seconds of events a case looks at.
    #[serde(default = "d300")]
    pub evaluation_window: i64,
    /// Seconds without a matching event after which an open signal closes.
    #[serde(default = "d3600")]
    pub keep_alive: i64,
    /// Seconds after its first event after which a signal closes, whatever keeps arriving.
    #[serde(default = "d86400")]
    pub max_signal_duration: i64,
    #[serde(default = "threshold")]
    pub detection_method: String,
}

fn d300() -> i64 {
    300
}
fn d3600() -> i64 {
    3600
}
fn d86400() -> i64 {
    86400
}
fn threshold() -> String {
    "threshold".into()
}
fn yes() -> bool {
    true
}
fn app_sec() -> String {
    "application_security".into()
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            evaluation_window: 300,
            keep_alive: 3600,
            max_signal_duration: 86400,
            detection_method: threshold(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectionRule {
    pub id: String,
    pub name: String,
    #[serde(default = "app_sec", rename = "type")]
    pub rule_type: String,
    #[serde(default = "yes")]
    pub is_enabled: bool,
    #[serde(default)]
    pub version: i64,
    pub queries: Vec<RuleQuery>,
    pub cases: Vec<RuleCase>,
    #[serde(default)]
    pub options: RuleOptions,
    /// Markdown; `{{@http.client_ip}}` and other group-by fields, `{{events_matched}}`,
    /// `{{service}}` are filled in.
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A query ready to run.
#[derive(Clone, Debug)]
pub struct CompiledQuery {
    pub name: String,
    pub matcher: Matcher,
    pub group_by: Vec<EvField>,
    pub distinct: Vec<EvField>,
    pub aggregation: Aggregation,
}

/// A rule checked and ready to run.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub rule: DetectionRule,
    pub queries: Vec<CompiledQuery>,
    pub cases: Vec<(Cond, Severity)>,
    /// The group-by field names as written (the same for every query).
    pub group_by_names: Vec<String>,
}

pub const MAX_WINDOW: i64 = 7200;
pub const MAX_KEEP_ALIVE: i64 = 21600;
pub const MAX_DURATION: i64 = 86400;

impl DetectionRule {
    /// Check the rule and compile its queries and cases; errors name the rule and the field.
    pub fn compile(&self) -> Result<CompiledRule> {
        let bad = |what: String| Error::Invalid(format!("rule {}: {what}", self.id));
        if self.id.trim().is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(bad("`id` must be letters, digits, `-`, `_` or `.`".into()));
        }
        if self.queries.is_empty() {
            return Err(bad("`queries` is empty".into()));
        }
        if self.cases.is_empty() {
            return Err(bad("`cases` is empty".into()));
        }
        let o = &self.options;
        if !(0..=MAX_WINDOW).contains(&o.evaluation_window) {
            return Err(bad(format!(
                "options.evaluationWindow must be 0-{MAX_WINDOW} seconds"
            )));
        }
        if !(0..=MAX_KEEP_ALIVE).contains(&o.keep_alive) {
            return Err(bad(format!(
                "options.keepAlive must be 0-{MAX_KEEP_ALIVE} seconds"
            )));
        }
        if !(0..=MAX_DURATION).contains(&o.max_signal_duration) {
            return Err(bad(format!(
                "options.maxSignalDuration must be 0-{MAX_DURATION} seconds"
            )));
        }
        if o.keep_alive > o.max_signal_duration {
            return Err(bad(
                "options.keepAlive must not exceed options.maxSignalDuration".into(),
            ));
        }
        if o.detection_method != "threshold" {
            return Err(bad(format!(
                "options.detectionMethod {:?}: only `threshold` is supported",
                o.detection_method
            )));
        }
        let mut queries = Vec::new();
        for (i, q) in self.queries.iter().enumerate() {
            let name = match &q.name {
                Some(n) if !n.is_empty() => n.clone(),
                _ => char::from(b'a' + (i as u8 % 26)).to_string(),
            };
            if q.group_by_fields != self.queries[0].group_by_fields {
                return Err(bad(format!(
                    "queries[{i}].groupByFields differ from queries[0]'s"
                )));
            }
            if q.aggregation == Aggregation::Cardinality && q.distinct_fields.is_empty() {
                return Err(bad(format!(
                    "queries[{i}]: `cardinality` needs distinctFields"
                )));
            }
            let fields = |v: &[String]| -> Result<Vec<EvField>> {
                v.iter()
                    .map(|f| EvField::from_name(f).map_err(|e| bad(format!("queries[{i}]: {e}"))))
                    .collect()
            };
            queries.push(CompiledQuery {
                matcher: Matcher::compile(&q.query)
                    .map_err(|e| bad(format!("queries[{i}]: {e}")))?,
                group_by: fields(&q.group_by_fields)?,
                distinct: fields(&q.distinct_fields)?,
                aggregation: q.aggregation,
                name,
            });
        }
        let mut cases = Vec::new();
        for (i, c) in self.cases.iter().enumerate() {
            let cond = Cond::parse(&c.condition).map_err(|e| bad(format!("cases[{i}]: {e}")))?;
            let mut names = Vec::new();
            cond.names(&mut names);
            if let Some(n) = names
                .iter()
                .find(|n| !queries.iter().any(|q| &q.name == *n))
            {
                return Err(bad(format!(
                    "cases[{i}]: condition names query `{n}`, which the rule does not have"
                )));
            }
            cases.push((cond, c.status));
        }
        Ok(CompiledRule {
            group_by_names: self.queries[0].group_by_fields.clone(),
            rule: self.clone(),
            queries,
            cases,
        })
    }

    /// The vendor's display string for the rule type.
    pub fn type_display(&self) -> &'static str {
        match self.rule_type.as_str() {
            "log_detection" => "Log Detection",
            "workload_security" => "Workload Security",
            _ => "Application Security",
        }
    }

    /// The first case's condition, for display.
    pub fn condition(&self) -> String {
        self.cases
            .iter()
            .map(|c| c.condition.as_str())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}
