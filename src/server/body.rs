//! The JSON body extractor: every failure (too large, not JSON, not an object) in the vendor's error
//! shape rather than axum's plain-text rejections.
use super::errors::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<JsonBody> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                // The rest of the body is never read, so this connection cannot carry another
                // request: say so, or a pooled client sends its next request into a closed socket.
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large").with_header(
                    axum::http::header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, format!("Unreadable body: {e}"))
            }
        })?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_field(
                "",
                format!(
                    "Malformed JSON at line {} column {}: {}",
                    e.line(),
                    e.column(),
                    e
                ),
            )
        })?;
        if !v.is_object() {
            return Err(ApiError::bad_field("", "Body must be a JSON object"));
        }
        Ok(JsonBody(v))
    }
}

/// Field readers that name the JSON pointer of what was wrong.
pub fn get<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    v.pointer(pointer).filter(|x| !x.is_null())
}

pub fn req_str<'a>(v: &'a Value, pointer: &str) -> ApiResult<&'a str> {
    match get(v, pointer) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ApiError::bad_field(
            pointer,
            format!("{pointer} must be a string, found {other}"),
        )),
        None => Err(ApiError::bad_field(
            pointer,
            format!("{pointer} is required"),
        )),
    }
}

pub fn opt_str<'a>(v: &'a Value, pointer: &str) -> ApiResult<Option<&'a str>> {
    match get(v, pointer) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::bad_field(
            pointer,
            format!("{pointer} must be a string, found {other}"),
        )),
    }
}

pub fn opt_i64(v: &Value, pointer: &str) -> ApiResult<Option<i64>> {
    match get(v, pointer) {
        None => Ok(None),
        Some(x) => x.as_i64().map(Some).ok_or_else(|| {
            ApiError::bad_field(pointer, format!("{pointer} must be an integer, found {x}"))
        }),
    }
}
