//! sigscope's denylist API (`api.md`, "Blocking"): `/api/v2/sigscope/denylist` to list, add and
//! remove entries (JSON:API style), its `rules_data` form for the vendor tracers, and every export
//! format, for the analysts' keys (`appsec_protect_read` / `_write`).
use super::auth::Actor;
use super::body::{opt_str, req_str, JsonBody};
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::denylist::export::{render, ExportFormat, ExportOptions};
use crate::engine::{blocking::parse_duration, BlockFor, Command};
use crate::model::Permission;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{json, Value};
use std::collections::HashMap;

pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::AppsecProtectRead)?;
    let all = q.get("all").is_some_and(|v| v == "true");
    let user = actor.user;
    let data = st
        .db
        .read(move |e| {
            let now = e.now();
            Ok(e.reads(&user)
                .blocks(all)?
                .iter()
                .map(|b| b.to_json(now))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(json!({ "data": data })))
}

/// `{"data": {"type": "denylist_entry", "attributes": {"value", "kind": "ip"|"range"|"user",
/// "duration": "24h" | "permanent", "reason", "signal_id"}}}`.
pub async fn add(
    State(st): State<AppState>,
    actor: Actor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::AppsecProtectWrite)?;
    let value = req_str(&b, "/data/attributes/value")?.to_string();
    let kind = opt_str(&b, "/data/attributes/kind")?.unwrap_or("ip");
    let duration = match opt_str(&b, "/data/attributes/duration")?.unwrap_or("24h") {
        "permanent" => BlockFor::Permanent,
        d => BlockFor::Duration(
            parse_duration(d)
                .map_err(|e| ApiError::bad_field("/data/attributes/duration", e.to_string()))?,
        ),
    };
    let reason = opt_str(&b, "/data/attributes/reason")?.map(str::to_string);
    let signal_id = opt_str(&b, "/data/attributes/signal_id")?.map(str::to_string);
    // `kind: ip` is one address: the explorer sends each attacker of a signal this way, so a range
    // hidden in signal data is refused here instead of being blocked as typed by a person.
    if kind == "ip" {
        crate::engine::blocking::parse_signal_ip(&value)
            .map_err(|e| ApiError::bad_field("/data/attributes/value", e.to_string()))?;
    }
    let cmd = match kind {
        "ip" | "range" => Command::BlockIps {
            values: vec![value],
            duration,
            reason,
            signal_id,
        },
        "user" => Command::BlockUsers {
            values: vec![value],
            duration,
            reason,
            signal_id,
        },
        other => {
            return Err(ApiError::bad_field(
                "/data/attributes/kind",
                format!("kind {other:?}: ip, range or user"),
            ))
        }
    };
    let user = actor.user.clone();
    let (out, now) = st
        .db
        .engine(move |e| Ok((e.execute(&user, cmd)?, e.now())))
        .await?;
    let data: Vec<Value> = out.blocks.iter().map(|b| b.to_json(now)).collect();
    let status = if data.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({ "data": data, "meta": { "skipped": out.skipped } })),
    )
        .into_response())
}

pub async fn remove(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::AppsecProtectWrite)?;
    let user = actor.user.clone();
    let (out, now) = st
        .db
        .engine(move |e| Ok((e.execute(&user, Command::Unblock { target: id })?, e.now())))
        .await?;
    let data: Vec<Value> = out.blocks.iter().map(|b| b.to_json(now)).collect();
    Ok(Json(json!({ "data": data.into_iter().next() })))
}

async fn rendered(
    st: &AppState,
    user: crate::model::User,
    format: ExportFormat,
    opts: ExportOptions,
) -> ApiResult<Response> {
    let r = st
        .db
        .read(move |e| {
            let entries = e.reads(&user).denylist_entries()?;
            Ok(render(format, &entries, e.now(), &opts)?)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, format.content_type())], r.text).into_response())
}

pub async fn rules_data(State(st): State<AppState>, actor: Actor) -> ApiResult<Response> {
    actor.require(Permission::AppsecProtectRead)?;
    rendered(
        &st,
        actor.user,
        ExportFormat::RulesData,
        ExportOptions::default(),
    )
    .await
}

/// `?format=nginx|nginx-geo|nftables|ipset|aws-waf|cloudflare|crowdsec|rules-data|csv|json`
/// (and `family=ipv4|ipv6`).
pub async fn export(
    State(st): State<AppState>,
    actor: Actor,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    actor.require(Permission::AppsecProtectRead)?;
    let format = ExportFormat::parse(q.get("format").map(String::as_str).unwrap_or("json"))
        .map_err(|e| ApiError::bad_param("format", e.to_string()))?;
    let family = q
        .get("family")
        .map(|f| crate::denylist::export::Family::parse(f))
        .transpose()
        .map_err(|e| ApiError::bad_param("family", e.to_string()))?;
    let opts = ExportOptions {
        family,
        aws_name: q.get("aws_name").cloned(),
        aws_id: q.get("aws_id").cloned(),
        aws_scope: q.get("aws_scope").cloned(),
        aws_lock_token: q.get("aws_lock_token").cloned(),
    };
    rendered(&st, actor.user, format, opts).await
}
