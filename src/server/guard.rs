//! What stands between a client and the routes: the per-address limit, the request-line and header
//! size limits (answered in JSON, unlike hyper's bare 414/431), JSON bodies for every error the
//! framework or a middleware produces, and the escaping of characters serde_json leaves raw in
//! JSON answers (C1, bidi, U+2028/9).
//!
//! The limits with a well-kept implementation come from tower/tower-http (`router()` layers
//! them); this file holds only what they do not do.
use super::errors::ApiError;
use super::AppState;
use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// Longest request target (path and query) accepted, in bytes.
pub const MAX_URI: usize = 8 * 1024;
/// Largest total of header names and values accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Largest response body the JSON rewriting buffers; exports of a huge denylist pass unchanged
/// beyond it (they are sanitised when rendered).
const MAX_REWRITE: usize = 64 * 1024 * 1024;

/// Per-address limit, then the size limits, before any route (or authentication) runs.
pub async fn client_limits(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let ip: IpAddr = addr.ip().to_canonical();
        if let Err(e) = st.per_address.check(&ip) {
            return e.into_response();
        }
    }
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("the request target is {uri_len} bytes; at most {MAX_URI}"),
        )
        .into_response();
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len().saturating_add(v.len()))
        .fold(0usize, usize::saturating_add);
    if header_bytes > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request headers are {header_bytes} bytes; at most {MAX_HEADER_BYTES}"),
        )
        .into_response();
    }
    next.run(req).await
}

fn is_json(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"))
}

/// Every error answer in the vendor's JSON shape (axum's extractor rejections are plain text,
/// tower-http's timeouts and limits have empty bodies), and every JSON answer with the characters
/// a terminal or a JavaScript consumer would act on escaped.
pub async fn json_answers(res: Response) -> Response {
    let status = res.status();
    // A body of unknown or huge size (a streamed or very large export) passes as it is: exports
    // are sanitised when rendered, and buffering it here could only fail it.
    let small = res
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= MAX_REWRITE as u64);
    if is_json(&res) && small {
        let (mut parts, body) = res.into_parts();
        return match axum::body::to_bytes(body, MAX_REWRITE).await {
            Ok(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text)
                    if text
                        .chars()
                        .any(|c| crate::sanitize::is_unsafe(c) && c as u32 >= 0x7f) =>
                {
                    let clean = crate::sanitize::json_text(text);
                    parts.headers.remove(header::CONTENT_LENGTH);
                    Response::from_parts(parts, Body::from(clean))
                }
                _ => Response::from_parts(parts, Body::from(bytes)),
            },
            Err(_) => ApiError::internal().into_response(),
        };
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        crate::sanitize::truncate(&crate::sanitize::clean(&text), 500)
    };
    let mut e = ApiError::new(status, detail);
    // Keep what the original answer said about retrying or closing.
    for name in [header::RETRY_AFTER, header::CONNECTION, header::ALLOW] {
        if let Some(v) = parts.headers.get(&name) {
            e = e.with_header(name, v.clone());
        }
    }
    let mut out = e.into_response();
    if status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::PAYLOAD_TOO_LARGE {
        // Too slow, or a body left unread: this connection cannot carry another request.
        out.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    out
}
