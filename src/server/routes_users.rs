//! `GET /api/v2/users?filter=TEXT` in the vendor's users shape.
use super::auth::Actor;
use super::errors::ApiResult;
use super::AppState;
use crate::model::{Permission, User};
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.uuid,
        "type": "users",
        "attributes": {
            "handle": u.handle,
            "email": u.handle,
            "name": u.name,
            "disabled": u.disabled,
            "status": if u.disabled { "Disabled" } else { "Active" },
            "role": u.role.label(),
        }
    })
}

/// `GET /api/v2/sigscope/whoami`: the user the request's keys act as, so an explorer started
/// without `--as` can show who it is and grey out what that role cannot do.
pub async fn whoami(actor: Actor) -> Json<Value> {
    Json(json!({ "data": user_json(&actor.user) }))
}

pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::UserAccessRead)?;
    let needle = q
        .ok()
        .and_then(|Query(q)| q.get("filter").cloned())
        .unwrap_or_default()
        .to_lowercase();
    let users = st
        .db
        .read(move |e| Ok(e.reads(&actor.user).users()?))
        .await?;
    let data: Vec<Value> = users
        .iter()
        .filter(|u| {
            needle.is_empty()
                || u.handle.to_lowercase().contains(&needle)
                || u.name.to_lowercase().contains(&needle)
        })
        .map(user_json)
        .collect();
    let total = data.len();
    Ok(Json(
        json!({ "data": data, "meta": { "page": { "total_count": total, "total_filtered_count": total } } }),
    ))
}
