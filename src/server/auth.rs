//! `DD-API-KEY` + `DD-APPLICATION-KEY` → the acting user, then the per-key rate limit.
use super::errors::{ApiError, ApiResult};
use super::AppState;
use crate::model::{Permission, User};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The authenticated user a request acts as.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: User,
}

impl Actor {
    /// 403 naming the vendor permission the user's role lacks.
    pub fn require(&self, p: Permission) -> ApiResult<()> {
        if self.user.can(p) {
            Ok(())
        } else {
            Err(ApiError::forbidden(p.as_str()))
        }
    }
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Actor> {
        let (Some(api), Some(app)) = (
            header(parts, "dd-api-key"),
            header(parts, "dd-application-key"),
        ) else {
            return Err(ApiError::unauthorized());
        };
        let (api, app) = (api.to_string(), app.to_string());
        let app_hash = crate::engine::keys::hash(&app);
        let user = state
            .db
            .read(move |engine| Ok(engine.authenticate(&api, &app)?))
            .await?;
        let user = match user {
            Some(u) if !u.disabled => u,
            _ => return Err(ApiError::unauthorized()),
        };
        state.limiter.check(&app_hash)?;
        Ok(Actor { user })
    }
}
