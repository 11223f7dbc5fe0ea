//! Triage writes (state, assignee, incidents), their request bodies, the optimistic version check,
//! and the idempotent-write wrapper every mutating route goes through.
use super::auth::Actor;
use super::body::{get, opt_i64, opt_str, req_str};
use super::changes;
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::model::{ArchiveReason, Assignee, Signal, TriageState, User};
use crate::store::sqlite::{signals, users};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    State {
        state: TriageState,
        reason: Option<ArchiveReason>,
        comment: Option<String>,
    },
    /// `None` unassigns.
    Assignee(Option<String>),
    Incidents(Vec<i64>),
}

impl Change {
    pub fn action(&self) -> &'static str {
        match self {
            Change::State { .. } => "set_state",
            Change::Assignee(_) => "assign",
            Change::Incidents(_) => "set_incidents",
        }
    }
}

/// A state body's attributes at `base` (e.g. `/data/attributes`).
pub fn parse_state(v: &Value, base: &str) -> ApiResult<(Change, Option<i64>)> {
    let p = |f: &str| format!("{base}/{f}");
    let state_s = req_str(v, &p("state"))?;
    let state = match state_s {
        "open" => TriageState::Open,
        "under_review" => TriageState::UnderReview,
        "archived" => TriageState::Archived,
        other => {
            return Err(ApiError::bad_field(
                &p("state"),
                format!("unknown state {other:?} (open, under_review, archived)"),
            ))
        }
    };
    let reason = match opt_str(v, &p("archive_reason"))? {
        None => None,
        Some(r) => Some(ArchiveReason::parse(r).ok_or_else(|| {
            ApiError::bad_field(
                &p("archive_reason"),
                format!(
                    "unknown archive_reason {r:?} ({})",
                    ArchiveReason::ALL.map(|a| a.as_str()).join(", ")
                ),
            )
        })?),
    };
    let comment = opt_str(v, &p("archive_comment"))?.map(str::to_string);
    let version = opt_i64(v, &p("version"))?;
    Ok((
        Change::State {
            state,
            reason,
            comment,
        },
        version,
    ))
}

pub fn parse_assignee(v: &Value, base: &str) -> ApiResult<(Change, Option<i64>)> {
    let ptr = format!("{base}/assignee/uuid");
    let uuid = req_str(v, &ptr)?;
    let version = opt_i64(v, &format!("{base}/version"))?;
    let who = (!uuid.is_empty()).then(|| uuid.to_string());
    Ok((Change::Assignee(who), version))
}

pub fn parse_incidents(v: &Value, base: &str) -> ApiResult<(Change, Option<i64>)> {
    let ptr = format!("{base}/incident_ids");
    let ids = match get(v, &ptr) {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_i64().ok_or_else(|| {
                    ApiError::bad_field(
                        &format!("{ptr}/{i}"),
                        format!("incident ids are integers, found {x}"),
                    )
                })
            })
            .collect::<ApiResult<Vec<i64>>>()?,
        Some(other) => {
            return Err(ApiError::bad_field(
                &ptr,
                format!("{ptr} must be an array of integers, found {other}"),
            ))
        }
        None => return Err(ApiError::bad_field(&ptr, format!("{ptr} is required"))),
    };
    let version = opt_i64(v, &format!("{base}/version"))?;
    Ok((Change::Incidents(ids), version))
}

/// Apply one change to one signal inside `tx`: the version check, the new triage written into the
/// vendor JSON with the version bumped, and a change-feed row. Returns the signal and the seq.
pub fn apply(
    tx: &Transaction,
    actor: &User,
    id: &str,
    change: &Change,
    version: Option<i64>,
) -> ApiResult<(Signal, i64)> {
    let mut s = signals::get_signal(tx, id)?
        .ok_or_else(|| ApiError::not_found(format!("Signal not found: {id}")))?;
    if let Some(v) = version {
        if v < s.version {
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "Signal {id} changed since version {v}: the server has version {}",
                    s.version
                ),
            );
            e.meta = Some(json!({ "signal": super::routes_signals::get_shape(&s) }));
            return Err(e);
        }
    }
    let mut t = s.triage.clone();
    match change {
        Change::State {
            state,
            reason,
            comment,
        } => {
            t.state = *state;
            if *state == TriageState::Archived {
                t.archive_reason = Some(reason.unwrap_or(ArchiveReason::None));
                t.archive_comment = comment.clone();
            } else {
                t.archive_reason = None;
                t.archive_comment = None;
            }
        }
        Change::Assignee(None) => t.assignee = None,
        Change::Assignee(Some(uuid)) => {
            let u = users::find(tx, uuid)?
                .filter(|u| !u.disabled)
                .ok_or_else(|| {
                    ApiError::bad_field(
                        "/data/attributes/assignee/uuid",
                        format!("no active user {uuid}"),
                    )
                })?;
            t.assignee = Some(Assignee {
                uuid: u.uuid,
                handle: Some(u.handle),
                name: Some(u.name),
            });
        }
        Change::Incidents(ids) => t.incident_ids = ids.clone(),
    }
    let next = s.version + 1;
    s.set_triage(t, next);
    signals::put_signal(tx, &s)?;
    let seq = changes::record(tx, &s.id, &actor.uuid, change.action(), next)?;
    Ok((s, seq))
}

/// The vendor's `signal_metadata` answer (plus `version`, so a client can chain its next write).
pub fn metadata(s: &Signal, actor: &User) -> Value {
    let t = &s.triage;
    let assignee = match &t.assignee {
        Some(a) => json!({"uuid": a.uuid, "handle": a.handle, "name": a.name}),
        None => json!({"id": -1, "name": "Unassigned", "uuid": ""}),
    };
    let user = json!({"uuid": actor.uuid, "handle": actor.handle, "name": actor.name});
    json!({
        "id": s.id,
        "type": "signal_metadata",
        "attributes": {
            "state": t.state.as_str(),
            "archive_reason": t.archive_reason.map(|r| r.as_str()).unwrap_or("none"),
            "archive_comment": t.archive_comment,
            "archive_comment_timestamp": t.archive_comment.as_ref().map(|_| chrono::Utc::now().timestamp_millis()),
            "archive_comment_user": t.archive_comment.as_ref().map(|_| user.clone()),
            "assignee": assignee,
            "incident_ids": t.incident_ids,
            "state_update_timestamp": chrono::Utc::now().timestamp_millis(),
            "state_update_user": user,
            "version": s.version,
        }
    })
}

/// What a write produced: the status and body to send, and the last change seq it recorded.
pub struct Written {
    pub status: StatusCode,
    pub body: Value,
    pub seq: Option<i64>,
}

/// Run a write once per `Idempotency-Key`: a replay of the same key returns the stored answer and
/// changes nothing. The record is written in the same transaction as the change, so a crash can
/// leave neither without the other.
pub async fn idempotent<F>(
    st: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    f: F,
) -> ApiResult<Response>
where
    F: FnOnce(&Transaction, &User) -> ApiResult<Written> + Send + 'static,
{
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .ok_or_else(|| {
                    ApiError::bad_param(
                        "Idempotency-Key",
                        "Idempotency-Key must be 1-200 visible ASCII characters",
                    )
                })?
                .to_string(),
        ),
    };
    let user = actor.user.clone();
    let (method, path) = (method.to_string(), path.to_string());
    let (written, replayed) = st
        .db
        .write(move |tx| {
            if let Some(k) = &key {
                let prior: Option<(String, String, i64, String)> = tx
                    .prepare_cached(
                        "SELECT method, path, status, body FROM server_idempotency WHERE user_uuid = ?1 AND key = ?2",
                    )
                    .map_err(crate::Error::from)?
                    .query_row(params![user.uuid, k], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()
                    .map_err(crate::Error::from)?;
                if let Some((m, p, status, body)) = prior {
                    if m != method || p != path {
                        return Err(ApiError::bad_param(
                            "Idempotency-Key",
                            "Idempotency-Key was already used for a different request",
                        ));
                    }
                    let body: Value = serde_json::from_str(&body).map_err(crate::Error::from)?;
                    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
                    return Ok((Written { status, body, seq: None }, true));
                }
            }
            let w = f(tx, &user)?;
            if let Some(k) = &key {
                tx.execute(
                    "INSERT INTO server_idempotency (key, user_uuid, method, path, status, body, created)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        k,
                        user.uuid,
                        method,
                        path,
                        w.status.as_u16(),
                        w.body.to_string(),
                        chrono::Utc::now().timestamp_millis()
                    ],
                )
                .map_err(crate::Error::from)?;
            }
            Ok((w, false))
        })
        .await?;
    if let Some(seq) = written.seq {
        st.changes.published(seq);
    }
    let mut resp = (written.status, axum::Json(written.body)).into_response();
    if replayed {
        resp.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}
