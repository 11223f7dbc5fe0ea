//! The vendor's newer combined triage routes and its bulk answer shape:
//! `PATCH /api/v2/security_monitoring/signals/{id}/update` (state and/or assignee in one body, the
//! answer as `/state`'s) and `PATCH .../signals/bulk/update` (one such body per signal), and the
//! `SecurityMonitoringSignalsBulkTriageUpdateResponse` every bulk route answers with:
//! `{"result": {"count", "events": [{"id", "event": {triage attributes + id}}]}, "status", "type"}`.
use super::auth::Actor;
use super::body::{get, opt_i64, opt_str, JsonBody};
use super::errors::{ApiError, ApiResult};
use super::triage::{self, Change, Written};
use super::AppState;
use crate::engine::Engine;
use crate::model::{Permission, Signal, User};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// One `SecurityMonitoringSignalUpdateAttributes` at `base`: a state change, an assignee change, or
/// both (state first), and the version the caller read.
pub fn parse_update(v: &Value, base: &str) -> ApiResult<(Vec<Change>, Option<i64>)> {
    let mut changes = Vec::new();
    if opt_str(v, &format!("{base}/state"))?.is_some() {
        changes.push(triage::parse_state(v, base)?.0);
    } else if opt_str(v, &format!("{base}/archive_reason"))?.is_some()
        || opt_str(v, &format!("{base}/archive_comment"))?.is_some()
    {
        return Err(ApiError::bad_field(
            &format!("{base}/state"),
            "archive_reason and archive_comment go with a state",
        ));
    }
    if get(v, &format!("{base}/assignee")).is_some() {
        changes.push(triage::parse_assignee(v, base)?.0);
    }
    if changes.is_empty() {
        return Err(ApiError::bad_field(
            base,
            "an update names a state, an assignee, or both",
        ));
    }
    Ok((changes, opt_i64(v, &format!("{base}/version"))?))
}

/// Apply one signal's changes in order; the caller's version guards the first (the later ones see
/// the version the first wrote). Returns the signal as it is now and the last audit seq.
fn apply_changes(
    engine: &mut Engine,
    user: &User,
    id: &str,
    changes: &[Change],
    version: Option<i64>,
) -> ApiResult<(Signal, Option<i64>)> {
    let mut seq = None;
    let mut last = None;
    for (i, c) in changes.iter().enumerate() {
        let v = if i == 0 { version } else { None };
        let applied = triage::apply(engine, user, &[(id.to_string(), v)], c)?;
        seq = applied.seq.or(seq);
        last = applied.signals.into_iter().next();
    }
    let s = last.ok_or_else(|| ApiError::not_found("Signal not found"))?;
    Ok((s, seq))
}

/// The vendor's bulk answer for the signals as they are now.
pub fn bulk_answer(engine: &Engine, user: &User, signals: &[Signal]) -> ApiResult<Value> {
    let mut events = Vec::with_capacity(signals.len());
    for s in signals {
        let meta = triage::metadata(engine, s, user)?;
        let mut event = meta.get("attributes").cloned().unwrap_or_else(|| json!({}));
        if let Some(o) = event.as_object_mut() {
            o.insert("id".into(), json!(s.id));
        }
        events.push(json!({"id": s.id, "event": event}));
    }
    Ok(json!({
        "result": {"count": events.len(), "events": events},
        "status": "done",
        "type": "signal_metadata",
    }))
}

pub async fn patch_update(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::SecurityMonitoringSignalsWrite)?;
    let (changes, version) = parse_update(&body, "/data/attributes")?;
    let path = format!("/api/v2/security_monitoring/signals/{id}/update");
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "PATCH",
        &path,
        move |engine, user| {
            let (s, seq) = apply_changes(engine, user, &id, &changes, version)?;
            Ok(Written {
                status: StatusCode::OK,
                body: json!({ "data": triage::metadata(engine, &s, user)? }),
                seq,
            })
        },
    )
    .await
}

/// `{"data": [{"id", "type": "signal", "attributes": {state?, archive_reason?, archive_comment?,
/// assignee?, version?}}]}`: each signal its own change, all or none.
pub async fn bulk_update(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::SecurityMonitoringSignalsWrite)?;
    let items = match get(&body, "/data") {
        Some(Value::Array(a)) => a.len(),
        Some(_) => return Err(ApiError::bad_field("/data", "/data must be an array")),
        None => return Err(ApiError::bad_field("/data", "/data is required")),
    };
    if items == 0 || items > super::MAX_BULK {
        return Err(ApiError::bad_field(
            "/data",
            format!(
                "a bulk call takes 1 to {} signals, found {items}",
                super::MAX_BULK
            ),
        ));
    }
    let mut work = Vec::with_capacity(items);
    for i in 0..items {
        let id = super::body::req_str(&body, &format!("/data/{i}/id"))?.to_string();
        let (changes, version) = parse_update(&body, &format!("/data/{i}/attributes"))?;
        work.push((id, changes, version));
    }
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "PATCH",
        "/api/v2/security_monitoring/signals/bulk/update",
        move |engine, user| {
            let mut seq = None;
            let mut now = Vec::with_capacity(work.len());
            for (id, changes, version) in &work {
                let (s, q) = apply_changes(engine, user, id, changes, *version)?;
                seq = q.or(seq);
                now.push(s);
            }
            Ok(Written {
                status: StatusCode::OK,
                body: bulk_answer(engine, user, &now)?,
                seq,
            })
        },
    )
    .await
}
