//! The CrowdSec Local API as bouncers poll it: `GET /v1/decisions/stream` (`startup=true`, then
//! deltas) and `GET /v1/decisions?ip=`, authenticated by the bouncer's key in `X-Api-Key`
//! (`sigscope bouncers add NAME`). The answers are `denylist::decisions`' pure functions over the
//! block history, narrowed by the bouncer's `scopes`/`origins`/`scenarios_*` filters
//! (`denylist::decision_filter`); this file only speaks HTTP.
use super::AppState;
use crate::denylist::DecisionFilter;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;
use std::collections::HashMap;

/// CrowdSec's own answer to a missing or unknown key.
fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(json!({"message": "access forbidden"})),
    )
        .into_response()
}

fn api_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub async fn stream(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(key) = api_key(&headers) else {
        return forbidden();
    };
    let startup = q.get("startup").is_some_and(|v| v == "true");
    // An unknown key is refused on a read: only a registered bouncer's poll takes the writer lock
    // (it moves the bouncer's cursor), so a flood of bogus keys cannot queue up writers.
    let probe = key.clone();
    match st.db.read(move |e| Ok(e.is_bouncer_key(&probe)?)).await {
        Ok(true) => {}
        Ok(false) => return forbidden(),
        Err(e) => return e.into_response(),
    }
    let filter = DecisionFilter::for_stream(&q);
    match st
        .db
        .engine(move |e| Ok(e.decision_stream(&key, startup)?))
        .await
    {
        Ok(s) => Json(filter.stream(s)).into_response(),
        Err(e) if e.status == StatusCode::FORBIDDEN => forbidden(),
        Err(e) => e.into_response(),
    }
}

pub async fn decisions(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(key) = api_key(&headers) else {
        return forbidden();
    };
    let Some(ip) = q.get("ip").map(|s| s.trim().to_string()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "the ip parameter is required"})),
        )
            .into_response();
    };
    let Ok(ip) = ip.parse::<std::net::IpAddr>() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": format!("{:?} is not an IP address", crate::sanitize::clean(&ip))})),
        )
            .into_response();
    };
    let filter = DecisionFilter::from_query(&q);
    match st
        .db
        .engine(move |e| Ok(e.decisions_for_ip(&key, ip)?))
        .await
    {
        // CrowdSec answers `null`, not `[]`, when nothing applies.
        Ok(d) => Json(filter.decisions(d)).into_response(),
        Err(e) if e.status == StatusCode::FORBIDDEN => forbidden(),
        Err(e) => e.into_response(),
    }
}

/// Newer bouncers report usage to `POST /v1/usage-metrics`; sigscope keeps none, but answers as
/// CrowdSec does so they do not log an error every interval.
pub async fn usage_metrics(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(key) = api_key(&headers) else {
        return forbidden();
    };
    match st.db.engine(move |e| Ok(e.is_bouncer_key(&key)?)).await {
        Ok(true) => (StatusCode::CREATED, Json(json!({}))).into_response(),
        Ok(false) => forbidden(),
        Err(e) => e.into_response(),
    }
}
