//! The wire shapes a client reads from answers (`api.md`): list and change-feed pages, triage
//! answers, both error bodies, and how long to wait before a retry.
use super::ClientError;
use crate::model::Signal;
use serde_json::Value;
use std::time::Duration;

/// Read the message and meta from `{"errors":["text"]}` or `{"errors":[{"detail"|"title","meta"}]}`.
pub fn parse_error_body(v: &Value) -> (String, Option<Value>) {
    let first = v.get("errors").and_then(|e| e.get(0));
    match first {
        Some(Value::String(s)) => (s.clone(), None),
        Some(o @ Value::Object(_)) => {
            let msg = o
                .get("detail")
                .and_then(Value::as_str)
                .or_else(|| o.get("title").and_then(Value::as_str))
                .unwrap_or("error")
                .to_string();
            (msg, o.get("meta").cloned())
        }
        _ => ("no error message".to_string(), None),
    }
}

/// A page of signals and the cursor of the next one.
#[derive(Debug, Default)]
pub struct Page {
    pub signals: Vec<Signal>,
    pub next: Option<String>,
}

/// What to list: the vendor's list parameters.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub query: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub ascending: bool,
    pub cursor: Option<String>,
    pub limit: usize,
}

/// One change-feed entry (an audit event).
#[derive(Debug)]
pub struct Change {
    pub seq: i64,
    pub action: String,
    pub actor: String,
    pub signal_ids: Vec<String>,
}

#[derive(Debug, Default)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Every signal the changes touched, as it is now.
    pub signals: Vec<Signal>,
    pub last_seq: i64,
    /// The server's newest seq at the time of the answer.
    pub head: i64,
}

/// A triage answer (`signal_metadata`), read defensively from the vendor's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriageMeta {
    pub id: String,
    pub state: String,
    pub archive_reason: Option<String>,
    /// Empty when unassigned.
    pub assignee_uuid: String,
    pub incident_ids: Vec<i64>,
    /// sigscope serve adds it; the vendor does not.
    pub version: Option<i64>,
}

pub fn parse_metadata(v: &Value) -> Result<TriageMeta, ClientError> {
    let d = v
        .get("data")
        .filter(|d| d.get("type").and_then(Value::as_str) == Some("signal_metadata"))
        .ok_or_else(|| ClientError::Invalid("expected a signal_metadata answer".into()))?;
    let a = d.get("attributes").cloned().unwrap_or(Value::Null);
    let s = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(TriageMeta {
        id: d
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        state: s("state").unwrap_or_default(),
        archive_reason: s("archive_reason"),
        assignee_uuid: a
            .pointer("/assignee/uuid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        incident_ids: a
            .get("incident_ids")
            .and_then(Value::as_array)
            .map(|x| x.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
        version: a.get("version").and_then(Value::as_i64),
    })
}

pub fn parse_page(v: Value) -> Result<Page, ClientError> {
    let next = v
        .pointer("/meta/page/after")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let mut signals = Vec::new();
    if let Some(Value::Array(items)) = v.get("data") {
        for item in items {
            // One unreadable record must not hide a whole page from the analyst.
            match Signal::from_json(item.clone()) {
                Ok(s) => signals.push(s),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable signal"),
            }
        }
    }
    Ok(Page { signals, next })
}

/// `X-RateLimit-Reset` when the remote gave one, else 0.5 s doubling, capped at 30 s.
pub fn retry_delay(e: &ClientError, attempt: u32) -> Duration {
    if let ClientError::Api {
        retry_after: Some(d),
        ..
    } = e
    {
        return (*d).min(Duration::from_secs(120));
    }
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)))
        .min(Duration::from_secs(30))
}
