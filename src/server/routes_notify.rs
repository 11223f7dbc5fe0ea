//! `/api/v2/security/signals/notification_rules`: the vendor's notification rule routes (list,
//! create, get, PATCH with the current version, delete). Targets are answered masked; a PATCH that
//! sends a masked target back keeps the stored one.
use super::auth::Actor;
use super::body::{get, JsonBody};
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::model::Permission;
use crate::notify::rule::{Author, NotificationRule};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Map, Value};

fn attributes(b: &Value) -> ApiResult<Map<String, Value>> {
    match get(b, "/data/attributes") {
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(ApiError::bad_field(
            "/data/attributes",
            "/data/attributes must be an object",
        )),
        None => Err(ApiError::bad_field(
            "/data/attributes",
            "/data/attributes is required",
        )),
    }
}

fn author(a: &Actor) -> Author {
    Author {
        name: a.user.name.clone(),
        handle: a.user.handle.clone(),
    }
}

fn to_rule(id: &str, attrs: &Map<String, Value>) -> ApiResult<NotificationRule> {
    NotificationRule::from_attributes(id, &Value::Object(attrs.clone()))
        .map_err(|e| ApiError::bad_field("/data/attributes", e.to_string()))
}

pub async fn list(State(st): State<AppState>, actor: Actor) -> ApiResult<Json<Value>> {
    actor.require(Permission::NotificationProfilesRead)?;
    let user = actor.user;
    let all = st
        .db
        .read(move |e| Ok(e.reads(&user).notify_rules()?))
        .await?;
    Ok(Json(json!({
        "data": all.iter().map(NotificationRule::to_json_masked).collect::<Vec<_>>()
    })))
}

pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::NotificationProfilesRead)?;
    let r = st
        .db
        .read(move |e| match e.reads(&actor.user).notify_rule(&id) {
            Ok(r) => Ok(r),
            Err(crate::Error::NotFound(_)) => {
                Err(ApiError::not_found("Notification rule not found"))
            }
            Err(e) => Err(e.into()),
        })
        .await?;
    Ok(Json(json!({ "data": r.to_json_masked() })))
}

pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    JsonBody(b): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    actor.require(Permission::NotificationProfilesWrite)?;
    let attrs = attributes(&b)?;
    let mut r = to_rule(&NotificationRule::new_id(), &attrs)?;
    let now = Utc::now();
    r.version = 1;
    r.created_at = now;
    r.modified_at = now;
    r.created_by = author(&actor);
    r.modified_by = author(&actor);
    let user = actor.user.clone();
    let r = st
        .db
        .engine(move |engine| Ok(engine.add_notify_rule(&user, r)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": r.to_json_masked() })),
    ))
}

pub async fn patch(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::NotificationProfilesWrite)?;
    let sent = attributes(&b)?;
    let version = match sent.get("version") {
        Some(v) => v.as_i64().ok_or_else(|| {
            ApiError::bad_field("/data/attributes/version", "version must be an integer")
        })?,
        None => {
            return Err(ApiError::bad_field(
                "/data/attributes/version",
                "version is required: send the rule's current version",
            ))
        }
    };
    let by = author(&actor);
    let user = actor.user.clone();
    let updated = st
        .db
        .engine(move |engine| {
            Ok(
                engine.update_notify_rule(&user, &id, Some(version), |current| {
                    // Attributes not sent keep their stored values (the vendor's PATCH is partial).
                    let mut merged = match current.attributes_json() {
                        Value::Object(o) => o,
                        _ => Map::new(),
                    };
                    for (k, v) in &sent {
                        if k == "selectors" {
                            if let (Some(Value::Object(m)), Value::Object(s)) =
                                (merged.get_mut("selectors"), v)
                            {
                                for (sk, sv) in s {
                                    m.insert(sk.clone(), sv.clone());
                                }
                                continue;
                            }
                        }
                        merged.insert(k.clone(), v.clone());
                    }
                    if let Some(Value::Array(ts)) = merged.get_mut("targets") {
                        for t in ts.iter_mut() {
                            if let Some(s) = t.as_str() {
                                if let Some(stored) =
                                    current.targets.iter().find(|c| c.masked() == s)
                                {
                                    *t = Value::String(stored.to_string());
                                }
                            }
                        }
                    }
                    // A target sent back in its masked form is the stored one.
                    let mut next =
                        NotificationRule::from_attributes(&current.id, &Value::Object(merged))?;
                    next.modified_by = by;
                    Ok(next)
                })?,
            )
        })
        .await?;
    Ok(Json(json!({ "data": updated.to_json_masked() })))
}

pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    actor.require(Permission::NotificationProfilesWrite)?;
    st.db
        .engine(move |engine| {
            engine.remove_notify_rule(&actor.user, &id)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
