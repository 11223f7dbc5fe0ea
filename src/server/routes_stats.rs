//! `GET /api/v2/sigscope/stats`: the triage metrics `sigscope stats --format json` prints, with the
//! same parameters (`query`, `from`, `to`, `by`, `buckets`; and `breached_limit`, 50 by default), over the engine's stats query.
use super::auth::Actor;
use super::errors::{ApiError, ApiResult};
use super::filter;
use super::AppState;
use crate::model::Permission;
use crate::query::{GroupBy, StatsParams, TimeRange};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use std::collections::HashMap;

/// The most volume buckets one request may ask for: bounds the answer's size.
const MAX_BUCKETS: usize = 1000;
/// The most breached ids one request may ask for (an explorer marks them in its stream).
const MAX_BREACHED: usize = 10_000;

/// `name`, a whole number in `1..=max`, else the default.
fn bounded(name: &str, v: Option<&str>, default: usize, max: usize) -> ApiResult<usize> {
    match v {
        None => Ok(default),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_param(
                name,
                format!("{name} must be an integer from 1 to {max}, found {s:?}"),
            )),
        },
    }
}

pub async fn stats(
    State(st): State<AppState>,
    actor: Actor,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::SecurityMonitoringSignalsRead)?;
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let g = |k: &str| q.get(k).map(String::as_str);
    let query_text = g("query").or(g("filter[query]")).unwrap_or("").trim();
    let query = crate::query::parse(query_text)
        .map_err(|e| ApiError::bad_param("query", format!("query: {e}")))?;
    let by = match g("by") {
        None => GroupBy::Severity,
        Some(b) => GroupBy::parse(b).ok_or_else(|| {
            ApiError::bad_param(
                "by",
                format!("by: {b:?} is not severity, rule, service or assignee"),
            )
        })?,
    };
    let defaults = StatsParams::default();
    let max_buckets = bounded("buckets", g("buckets"), defaults.max_buckets, MAX_BUCKETS)?;
    let breached_limit = bounded(
        "breached_limit",
        g("breached_limit"),
        defaults.breached_limit,
        MAX_BREACHED,
    )?;
    let (from, to) = (g("from").map(str::to_string), g("to").map(str::to_string));
    let targets = st.opts.sla;
    let user = actor.user;
    let stats = st
        .db
        .read(move |e| {
            let reads = e.reads(&user);
            // Relative times are the engine's: the same clock the SLA figures use.
            let now = reads.now();
            let range = TimeRange {
                from: from
                    .as_deref()
                    .map(|s| filter::parse_time("from", s, now))
                    .transpose()?,
                to: to
                    .as_deref()
                    .map(|s| filter::parse_time("to", s, now))
                    .transpose()?,
            };
            let params = StatsParams {
                by,
                max_buckets,
                breached_limit,
            };
            Ok(reads.stats(&query, &range, &params, targets)?)
        })
        .await?;
    let v = serde_json::to_value(&stats)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("stats: {e}")))?;
    Ok(Json(v))
}
