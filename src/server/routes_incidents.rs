//! `/api/v2/incidents...`: the vendor's Incidents routes over the engine.
use super::auth::Actor;
use super::body::{get, opt_str, req_str, JsonBody};
use super::errors::{ApiError, ApiResult};
use super::triage::{self, Written};
use super::AppState;
use crate::engine::{Command, NewIncident};
use crate::error::Error;
use crate::model::{Incident, IncidentSeverity, IncidentState, Permission};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

fn state(v: &Value, ptr: &str) -> ApiResult<Option<IncidentState>> {
    opt_str(v, ptr)?
        .map(|s| {
            IncidentState::parse(s).ok_or_else(|| {
                ApiError::bad_field(
                    ptr,
                    format!("unknown state {s:?} (active, stable, resolved)"),
                )
            })
        })
        .transpose()
}

pub async fn list(State(st): State<AppState>, actor: Actor) -> ApiResult<Json<Value>> {
    actor.require(Permission::IncidentRead)?;
    let user = actor.user;
    let all = st.db.read(move |e| Ok(e.reads(&user).incidents()?)).await?;
    let data: Vec<Value> = all.iter().map(Incident::to_json).collect();
    let n = data.len();
    Ok(Json(
        json!({ "data": data, "meta": { "pagination": { "size": n } } }),
    ))
}

pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::IncidentRead)?;
    let user = actor.user;
    let i = st
        .db
        .read(move |e| Ok(e.reads(&user).incident(&id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("Incident not found"))?;
    Ok(Json(json!({ "data": i.to_json() })))
}

pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::IncidentWrite)?;
    let sev_ptr = "/data/attributes/fields/severity/value";
    let severity = match opt_str(&b, sev_ptr)? {
        None => IncidentSeverity::default(),
        Some(s) => IncidentSeverity::parse(s).ok_or_else(|| {
            ApiError::bad_field(
                sev_ptr,
                format!("unknown severity {s:?} (UNKNOWN, SEV-0..SEV-5)"),
            )
        })?,
    };
    let customer_impacted = match get(&b, "/data/attributes/customer_impacted") {
        None => false,
        Some(Value::Bool(x)) => *x,
        Some(other) => {
            return Err(ApiError::bad_field(
                "/data/attributes/customer_impacted",
                format!("customer_impacted must be a boolean, found {other}"),
            ))
        }
    };
    let ni = NewIncident {
        signals: Vec::new(),
        title: req_str(&b, "/data/attributes/title")?.to_string(),
        severity,
        commander: opt_str(&b, "/data/relationships/commander_user/data/id")?.map(str::to_string),
        customer_impacted,
        state: state(&b, "/data/attributes/fields/state/value")?.unwrap_or_default(),
    };
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "POST",
        "/api/v2/incidents",
        move |engine, user| {
            let out = engine.execute(user, Command::DeclareIncident(ni))?;
            let i = out
                .incident
                .ok_or_else(|| ApiError::from(Error::Other("incident not created".into())))?;
            Ok(Written {
                status: StatusCode::CREATED,
                body: json!({ "data": i.to_json() }),
                seq: out.events.iter().copied().max(),
            })
        },
    )
    .await
}

/// `PATCH /api/v2/incidents/{id}`: the state field (the only one the engine changes).
pub async fn patch(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::IncidentWrite)?;
    let ptr = "/data/attributes/fields/state/value";
    let to =
        state(&b, ptr)?.ok_or_else(|| ApiError::bad_field(ptr, format!("{ptr} is required")))?;
    let path = format!("/api/v2/incidents/{id}");
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "PATCH",
        &path,
        move |engine, user| {
            let out = engine.execute(
                user,
                Command::SetIncidentState {
                    incident: id.clone(),
                    state: to,
                },
            )?;
            let i = engine
                .reads(user)
                .incident(&id)?
                .ok_or_else(|| ApiError::not_found("Incident not found"))?;
            Ok(Written {
                status: StatusCode::OK,
                body: json!({ "data": i.to_json() }),
                seq: out.events.iter().copied().max(),
            })
        },
    )
    .await
}
