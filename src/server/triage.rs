//! Triage writes (state, assignee, incidents) as engine commands, their request bodies, the 409
//! answer, and the idempotent-write wrapper every mutating route goes through.
use super::auth::Actor;
use super::body::{get, opt_i64, opt_str, req_str};
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::engine::{Command, Engine, SignalRef};
use crate::error::Error;
use crate::model::{ArchiveReason, AuditEvent, Signal, TriageState, User};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// What `apply` did: the signals as they are now, the last audit seq written and the events
/// written.
pub struct Applied {
    pub signals: Vec<Signal>,
    pub seq: Option<i64>,
    pub audited: Vec<AuditEvent>,
}

/// Apply one change to signals (all or none) as `actor`, through the engine: RBAC, the state
/// machine, the version check and the audit log.
pub fn apply(
    engine: &mut Engine,
    actor: &User,
    items: &[(String, Option<i64>)],
    change: &Change,
) -> ApiResult<Applied> {
    let refs: Vec<SignalRef> = items
        .iter()
        .map(|(id, v)| SignalRef {
            id: id.clone(),
            version: *v,
        })
        .collect();
    let cmd = match change {
        Change::State {
            state,
            reason,
            comment,
        } => Command::SetState {
            signals: refs.clone(),
            to: *state,
            reason: *reason,
            comment: comment.clone(),
        },
        Change::Assignee(None) => Command::Unassign {
            signals: refs.clone(),
        },
        Change::Assignee(Some(uuid)) => {
            let known = engine
                .reads(actor)
                .user(uuid)
                .ok()
                .flatten()
                .filter(|u| !u.disabled);
            if known.is_none() {
                return Err(ApiError::bad_field(
                    "/data/attributes/assignee/uuid",
                    format!("no active user {uuid}"),
                ));
            }
            Command::Assign {
                signals: refs.clone(),
                user: uuid.clone(),
            }
        }
        Change::Incidents(ids) => match refs.as_slice() {
            [signal] => Command::SetSignalIncidents {
                signal: signal.clone(),
                incident_ids: ids.clone(),
            },
            _ => {
                return Err(ApiError::bad_field(
                    "/data",
                    "incident ids are set on one signal at a time",
                ))
            }
        },
    };
    let mut out = match engine.execute(actor, cmd) {
        Ok(out) => out,
        Err(Error::Conflict(m)) => return Err(conflict(engine, actor, m, items)),
        Err(e) => return Err(e.into()),
    };
    let seq = out.events.iter().copied().max();
    // The command hands back the signals it changed, as written; only those it left alone are
    // read again (a change costs one parse of the stored signal, not two).
    let mut now = Vec::with_capacity(items.len());
    for (id, _) in items {
        match out.signals.iter().position(|s| &s.id == id) {
            Some(i) => now.push(out.signals.swap_remove(i)),
            None => {
                if let Some(s) = engine.reads(actor).signal(id)? {
                    now.push(s);
                }
            }
        }
    }
    Ok(Applied {
        signals: now,
        seq,
        audited: out.audited,
    })
}

/// 409 with the signals as the server has them now in the error's `meta`.
fn conflict(
    engine: &Engine,
    actor: &User,
    message: String,
    items: &[(String, Option<i64>)],
) -> ApiError {
    let mut current = Vec::new();
    for (id, _) in items {
        if let Ok(Some(s)) = engine.reads(actor).signal(id) {
            current.push(super::routes_signals::get_shape(&s));
        }
    }
    let mut e = ApiError::new(StatusCode::CONFLICT, message);
    e.meta = Some(json!({
        "signal": current.first().cloned().unwrap_or(Value::Null),
        "signals": current,
    }));
    e
}

/// The vendor's `signal_metadata` answer (plus `version`, so a client can chain its next write),
/// as the engine reads it from the audit trail: who last changed the state or the comment, and when.
pub fn metadata(engine: &Engine, s: &Signal, actor: &User) -> ApiResult<Value> {
    Ok(engine.reads(actor).signal_metadata(s)?)
}

/// `metadata` for a signal `actor`'s change just wrote, built from the events the change wrote.
pub fn metadata_after(
    engine: &Engine,
    s: &Signal,
    audited: &[AuditEvent],
    actor: &User,
) -> ApiResult<Value> {
    Ok(engine
        .reads(actor)
        .signal_metadata_after(s, audited, actor)?)
}

/// What a write produced: the status and body to send, and the last audit seq it recorded.
pub struct Written {
    pub status: StatusCode,
    pub body: Value,
    pub seq: Option<i64>,
}

/// Run a write once per `Idempotency-Key`: a replay of the same key returns the stored answer and
/// changes nothing. The check, the write and the record happen under the server's one writer, so
/// concurrent replays serialise, and in one transaction (the engine's commands become savepoints in
/// it), so a crash keeps the change and its record together or neither: a replay after a restart
/// gets the stored answer, never a false 409.
pub async fn idempotent<F>(
    st: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    f: F,
) -> ApiResult<Response>
where
    F: FnOnce(&mut Engine, &User) -> ApiResult<Written> + Send + 'static,
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
        .engine(move |engine| {
            engine.all_or_nothing(|engine| {
                record_once(engine, &user, key.as_deref(), &method, &path, f)
            })
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

/// The body of `idempotent`, inside its transaction: the stored answer for a key seen before, or
/// the write and its record.
fn record_once<F>(
    engine: &mut Engine,
    user: &User,
    key: Option<&str>,
    method: &str,
    path: &str,
    f: F,
) -> ApiResult<(Written, bool)>
where
    F: FnOnce(&mut Engine, &User) -> ApiResult<Written>,
{
    if let Some(k) = key {
        if let Some(prior) = engine.idempotent_answer(user, k)? {
            if prior.method != method || prior.path != path {
                return Err(ApiError::bad_param(
                    "Idempotency-Key",
                    "Idempotency-Key was already used for a different request",
                ));
            }
            let body: Value = serde_json::from_str(&prior.body).map_err(crate::Error::from)?;
            let status = StatusCode::from_u16(prior.status).unwrap_or(StatusCode::OK);
            return Ok((
                Written {
                    status,
                    body,
                    seq: None,
                },
                true,
            ));
        }
    }
    let w = f(engine, user)?;
    if let Some(k) = key {
        let answer = crate::engine::StoredAnswer {
            method: method.to_string(),
            path: path.to_string(),
            status: w.status.as_u16(),
            body: w.body.to_string(),
        };
        engine.save_idempotent_answer(user, k, &answer)?;
    }
    Ok((w, false))
}
