//! The team server's triage metrics (`GET /api/v2/sigscope/stats`), typed: what a `--remote`
//! explorer's `:stats` and histogram show.
use super::client::{Client, ClientError};
use crate::query::{Stats, StatsParams};
use chrono::{DateTime, Utc};
use reqwest::Method;

impl Client {
    /// The figures for a query and range, grouped as asked, as the server computes them.
    pub async fn stats(
        &self,
        query: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        params: &StatsParams,
    ) -> Result<Stats, ClientError> {
        let StatsParams {
            by,
            max_buckets,
            breached_limit,
        } = *params;
        let mut q = vec![
            ("query", query.to_string()),
            ("by", by.as_str().to_string()),
            ("buckets", max_buckets.to_string()),
            ("breached_limit", breached_limit.to_string()),
        ];
        let ms = |t: DateTime<Utc>| t.timestamp_millis().to_string();
        if let Some(t) = from {
            q.push(("from", ms(t)));
        }
        if let Some(t) = to {
            q.push(("to", ms(t)));
        }
        let v = self
            .send(Method::GET, "/api/v2/sigscope/stats", &q, None, None)
            .await?;
        serde_json::from_value(v)
            .map_err(|e| ClientError::Invalid(format!("/api/v2/sigscope/stats: {e}")))
    }
}
