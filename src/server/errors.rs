//! The vendor's two error shapes: `{"errors": ["text"]}` (signals API 401/403/404) and JSON:API
//! `{"errors": [{"status","title","detail","source","meta"}]}` (validation, conflicts, limits).
use crate::error::Error;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Boxed so `Result<T, ApiError>` stays small on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<ErrorParts>);

#[derive(Debug)]
pub struct ErrorParts {
    pub status: StatusCode,
    pub detail: String,
    /// `{"parameter": "filter[query]"}` or `{"pointer": "/data/attributes/state"}`.
    pub source: Option<Value>,
    pub meta: Option<Value>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// Add a response header (`Connection: close`, `X-RateLimit-*`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ApiError {
        self.0.headers.push((name, value));
        self
    }

    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(ErrorParts {
            status,
            detail: detail.into(),
            source: None,
            meta: None,
            headers: Vec::new(),
        }))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }

    pub fn forbidden(permission: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            format!("Forbidden: missing permission {permission}"),
        )
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, what)
    }

    /// A bad request parameter (query string), named as the client spelled it.
    pub fn bad_param(param: &str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, detail);
        e.source = Some(json!({ "parameter": param }));
        e
    }

    /// A bad body field, as a JSON pointer.
    pub fn bad_field(pointer: &str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, detail);
        e.source = Some(json!({ "pointer": pointer }));
        e
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
    }

    fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }

    /// The body, in the shape the vendor uses for this status.
    pub fn body(&self) -> Value {
        match self.status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
                json!({ "errors": [self.detail] })
            }
            _ => {
                let mut e = serde_json::Map::new();
                e.insert("status".into(), json!(self.status.as_u16().to_string()));
                e.insert("title".into(), json!(self.title()));
                e.insert("detail".into(), json!(self.detail));
                if let Some(s) = &self.source {
                    e.insert("source".into(), s.clone());
                }
                if let Some(m) = &self.meta {
                    e.insert("meta".into(), m.clone());
                }
                json!({ "errors": [Value::Object(e)] })
            }
        }
    }
}

impl std::ops::Deref for ApiError {
    type Target = ErrorParts;
    fn deref(&self) -> &ErrorParts {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorParts {
        &mut self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            headers.insert(k.clone(), v.clone());
        }
        (self.status, headers, axum::Json(self.body())).into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::Usage(m) | Error::Invalid(m) | Error::InvalidTransition(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, m)
            }
            Error::NotFound(m) => ApiError::not_found(m),
            Error::PermissionDenied(m) => {
                ApiError::new(StatusCode::FORBIDDEN, format!("Forbidden: {m}"))
            }
            Error::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            // The client may retry a narrower query; other clients were not held up meanwhile.
            Error::TooCostly(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m),
            // Store and I/O details stay in the server log: they can name paths and are no use to
            // a client.
            other => {
                tracing::error!(error = %other, "request failed");
                ApiError::internal()
            }
        }
    }
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_uses_the_vendor_string_shape() {
        let e = ApiError::not_found("Signal not found");
        assert_eq!(e.body(), json!({"errors": ["Signal not found"]}));
    }

    #[test]
    fn bad_param_uses_json_api_with_source() {
        let e = ApiError::bad_param("page[limit]", "at most 1000");
        let b = e.body();
        assert_eq!(b["errors"][0]["status"], "400");
        assert_eq!(b["errors"][0]["source"]["parameter"], "page[limit]");
    }
}
