//! `/api/v2/cases...`: the vendor's Case Management routes over the engine. Signals are linked as
//! `SECURITY_SIGNAL` insights.
use super::auth::Actor;
use super::body::{get, opt_str, req_str, JsonBody};
use super::errors::{ApiError, ApiResult};
use super::triage::{self, Written};
use super::AppState;
use crate::engine::{Command, Engine, NewCase, SignalRef};
use crate::error::Error;
use crate::model::{Case, CasePriority, CaseStatus, Permission, User};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

fn priority(v: &Value, ptr: &str) -> ApiResult<Option<CasePriority>> {
    opt_str(v, ptr)?
        .map(|p| {
            CasePriority::parse(p).ok_or_else(|| {
                ApiError::bad_field(
                    ptr,
                    format!("unknown priority {p:?} (NOT_DEFINED, P1, P2, P3, P4, P5)"),
                )
            })
        })
        .transpose()
}

fn signal_ids(v: &Value, ptr: &str) -> ApiResult<Vec<SignalRef>> {
    let Some(list) = get(v, ptr) else {
        return Ok(Vec::new());
    };
    let Some(items) = list.as_array() else {
        return Err(ApiError::bad_field(ptr, format!("{ptr} must be an array")));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let p = format!("{ptr}/{i}/resource_id");
            Ok(SignalRef::new(req_str(v, &p)?))
        })
        .collect()
}

pub async fn list(State(st): State<AppState>, actor: Actor) -> ApiResult<Json<Value>> {
    actor.require(Permission::CasesRead)?;
    let user = actor.user;
    let all = st.db.read(move |e| Ok(e.reads(&user).cases()?)).await?;
    let data: Vec<Value> = all.iter().map(Case::to_json).collect();
    let n = data.len();
    Ok(Json(
        json!({ "data": data, "meta": { "page": { "total_count": n } } }),
    ))
}

pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::CasesRead)?;
    let user = actor.user;
    let c = st
        .db
        .read(move |e| Ok(e.reads(&user).case(&id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("Case not found"))?;
    Ok(Json(json!({ "data": c.to_json() })))
}

/// The case named in the path, after a command, as `{"data": case}`.
fn answer(
    engine: &Engine,
    user: &User,
    id: &str,
    status: StatusCode,
    seq: Option<i64>,
) -> ApiResult<Written> {
    let c = engine
        .reads(user)
        .case(id)?
        .ok_or_else(|| ApiError::not_found("Case not found"))?;
    Ok(Written {
        status,
        body: json!({ "data": c.to_json() }),
        seq,
    })
}

fn run(engine: &mut Engine, user: &User, cmd: Command) -> ApiResult<Option<i64>> {
    Ok(engine.execute(user, cmd)?.events.iter().copied().max())
}

/// Run one command on the case `id` (once per idempotency key) and answer with the case.
async fn change_case(
    st: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    method: &str,
    id: String,
    suffix: &str,
    cmd: Command,
) -> ApiResult<Response> {
    let path = format!("/api/v2/cases/{id}/{suffix}");
    triage::idempotent(st, actor, headers, method, &path, move |engine, user| {
        let seq = run(engine, user, cmd)?;
        answer(engine, user, &id, StatusCode::OK, seq)
    })
    .await
}

pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    let title = req_str(&b, "/data/attributes/title")?.to_string();
    let nc = NewCase {
        signals: signal_ids(&b, "/data/attributes/insights")?,
        title,
        description: opt_str(&b, "/data/attributes/description")?
            .unwrap_or("")
            .to_string(),
        priority: priority(&b, "/data/attributes/priority")?.unwrap_or_default(),
        assignee: opt_str(&b, "/data/relationships/assignee/data/id")?.map(str::to_string),
        archive_signals: false,
    };
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "POST",
        "/api/v2/cases",
        move |engine, user| {
            let out = engine.execute(user, Command::CreateCase(nc))?;
            let c = out
                .case
                .ok_or_else(|| ApiError::from(Error::Other("case not created".into())))?;
            Ok(Written {
                status: StatusCode::CREATED,
                body: json!({ "data": c.to_json() }),
                seq: out.events.iter().copied().max(),
            })
        },
    )
    .await
}

pub async fn status(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    let ptr = "/data/attributes/status";
    let s = req_str(&b, ptr)?;
    let status = CaseStatus::parse(s).ok_or_else(|| {
        ApiError::bad_field(
            ptr,
            format!("unknown status {s:?} (OPEN, IN_PROGRESS, CLOSED)"),
        )
    })?;
    let cmd = Command::SetCaseStatus {
        case: id.clone(),
        status,
    };
    change_case(&st, &actor, &headers, "POST", id, "status", cmd).await
}

pub async fn comment(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    let text = req_str(&b, "/data/attributes/comment")?.to_string();
    let cmd = Command::CommentCase {
        case: id.clone(),
        text,
    };
    change_case(&st, &actor, &headers, "POST", id, "comment", cmd).await
}

/// `PUT .../insights`: link signals to the case.
pub async fn link(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    let refs = signal_ids(&b, "/data/attributes/insights")?;
    if refs.is_empty() {
        return Err(ApiError::bad_field(
            "/data/attributes/insights",
            "insights must name at least one SECURITY_SIGNAL",
        ));
    }
    let cmd = Command::AddToCase {
        case: id.clone(),
        signals: refs,
        archive_signals: false,
    };
    change_case(&st, &actor, &headers, "PUT", id, "insights", cmd).await
}

/// `DELETE .../insights`: the engine keeps case links append-only (they are evidence), so this
/// server refuses to unlink rather than pretend.
pub async fn unlink(actor: Actor, Path(_id): Path<String>) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        "unlinking signals from a case is not supported by sigscope serve",
    ))
}

pub async fn set_priority(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    let p = priority(&b, "/data/attributes/priority")?.ok_or_else(|| {
        ApiError::bad_field(
            "/data/attributes/priority",
            "/data/attributes/priority is required",
        )
    })?;
    let cmd = Command::SetCasePriority {
        case: id.clone(),
        priority: p,
    };
    change_case(&st, &actor, &headers, "POST", id, "priority", cmd).await
}

pub async fn assign(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::CasesWrite)?;
    let ptr = "/data/attributes/assignee_id";
    let who = req_str(&b, ptr)?.to_string();
    let path = format!("/api/v2/cases/{id}/assign");
    triage::idempotent(&st, &actor, &headers, "POST", &path, move |engine, user| {
        // Checked here too so an unknown assignee is a 400 naming the field, as the signals
        // assignee route answers, rather than the engine's 404.
        let u = engine
            .reads(user)
            .user(&who)?
            .filter(|u| !u.disabled)
            .ok_or_else(|| ApiError::bad_field(ptr, format!("no active user {who}")))?;
        let seq = run(
            engine,
            user,
            Command::AssignCase {
                case: id.clone(),
                user: Some(u.uuid),
            },
        )?;
        answer(engine, user, &id, StatusCode::OK, seq)
    })
    .await
}
