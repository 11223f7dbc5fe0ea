//! Operating the team server: `/healthz` (the process answers), `/readyz` (the store answers and
//! its schema is current), Prometheus `/metrics` (text format 0.0.4), and per-request logs with a
//! request id (`x-request-id`, taken from the client or made) through tower-http's tracing layer.
//!
//! Routes are counted by their template (`/api/v2/security_monitoring/signals/{id}`), never by the
//! raw path, so a client cannot blow up the number of series.
use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Latency buckets in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    /// Cumulative counts per bucket of `BUCKETS`.
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Counts {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency.
    latency: BTreeMap<String, Histogram>,
    /// CrowdSec LAPI route → polls.
    bouncer_polls: BTreeMap<String, u64>,
}

/// The server's in-process counters (one per router).
#[derive(Default)]
pub struct Metrics(Mutex<Counts>);

impl Metrics {
    fn record(&self, route: &str, method: &str, status: u16, secs: f64) {
        let Ok(mut c) = self.0.lock() else { return };
        *c.requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let h = c.latency.entry(route.to_string()).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
        if route.starts_with("/v1/decisions") {
            *c.bouncer_polls.entry(route.to_string()).or_default() += 1;
        }
    }
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn float(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "NaN".into()
    }
}

/// The exposition text for the counters and the store's counts.
/// The writer's group commit: changes per transaction is the one over the other.
fn render_writer(out: &mut String, (batches, changes): (u64, u64)) {
    let _ = writeln!(
        out,
        "# HELP sigscope_write_transactions_total Transactions the writer ran, each committing the changes queued meanwhile.\n\
         # TYPE sigscope_write_transactions_total counter\n\
         sigscope_write_transactions_total {batches}\n\
         # HELP sigscope_write_changes_total Changes (write requests) the writer ran in those transactions.\n\
         # TYPE sigscope_write_changes_total counter\n\
         sigscope_write_changes_total {changes}"
    );
}

fn render(m: &Metrics, store: Option<&crate::engine::ops::StoreCounts>) -> String {
    let mut out = String::new();
    let Ok(c) = m.0.lock() else { return out };
    let _ = writeln!(
        out,
        "# HELP sigscope_http_requests_total HTTP requests answered, by route template, method and status."
    );
    let _ = writeln!(out, "# TYPE sigscope_http_requests_total counter");
    for ((route, method, status), n) in &c.requests {
        let _ = writeln!(
            out,
            "sigscope_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
            label(route),
            label(method)
        );
    }
    let _ = writeln!(
        out,
        "# HELP sigscope_http_request_duration_seconds Time to answer a request, by route template."
    );
    let _ = writeln!(
        out,
        "# TYPE sigscope_http_request_duration_seconds histogram"
    );
    for (route, h) in &c.latency {
        let r = label(route);
        for (le, n) in BUCKETS.iter().zip(h.buckets) {
            let _ = writeln!(
                out,
                "sigscope_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "sigscope_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(
            out,
            "sigscope_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
            float(h.sum)
        );
        let _ = writeln!(
            out,
            "sigscope_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
            h.count
        );
    }
    let _ = writeln!(
        out,
        "# HELP sigscope_bouncer_polls_total CrowdSec bouncer requests, by LAPI route."
    );
    let _ = writeln!(out, "# TYPE sigscope_bouncer_polls_total counter");
    for (route, n) in &c.bouncer_polls {
        let _ = writeln!(
            out,
            "sigscope_bouncer_polls_total{{route=\"{}\"}} {n}",
            label(route)
        );
    }
    if let Some(s) = store {
        let _ = writeln!(
            out,
            "# HELP sigscope_changes_total Changes the store has recorded (its newest audit sequence number)."
        );
        let _ = writeln!(out, "# TYPE sigscope_changes_total counter");
        let _ = writeln!(out, "sigscope_changes_total {}", s.changes);
        let _ = writeln!(
            out,
            "# HELP sigscope_notification_deliveries Notification deliveries in the store, by state."
        );
        let _ = writeln!(out, "# TYPE sigscope_notification_deliveries gauge");
        let mut by_state: BTreeMap<&str, u64> = ["queued", "sent", "failed", "dead"]
            .into_iter()
            .map(|s| (s, 0))
            .collect();
        for (state, n) in &s.deliveries {
            if let Some(slot) = by_state.get_mut(state.as_str()) {
                *slot = *n;
            }
        }
        for (state, n) in by_state {
            let _ = writeln!(
                out,
                "sigscope_notification_deliveries{{state=\"{state}\"}} {n}"
            );
        }
    }
    out
}

async fn track(metrics: Arc<Metrics>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    metrics.record(
        &route,
        &method,
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

async fn readyz(State(st): State<AppState>) -> Response {
    let read = st.db.read(|e| {
        // Ready while the index builds: reads scan the store meanwhile, with the same answers.
        let index = e.live_index().map(|l| {
            let state = if l.is_loaded() { "ready" } else { "building" };
            json!({"state": state, "signals": l.read().len()})
        });
        Ok((e.health()?, index))
    });
    match read.await {
        Ok((h, index)) if h.ready() => Json(
            json!({"status": "ready", "schema_version": h.schema_version, "live_index": index}),
        )
        .into_response(),
        Ok((h, _)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not ready",
                "reason": format!("store schema is at version {}, this build needs {}", h.schema_version, h.schema_expected)})),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not ready", "reason": format!("store unreachable: {}", e.detail)})),
        )
            .into_response(),
    }
}

async fn metrics(State(st): State<AppState>, Extension(m): Extension<Arc<Metrics>>) -> Response {
    let store = st.db.read(|e| Ok(e.store_counts()?)).await.ok();
    let mut body = render(&m, store.as_ref());
    render_writer(&mut body, st.db.write_stats());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `/healthz`, `/readyz` and `/metrics`, unauthenticated (they reveal only counts).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Wrap the whole router: a request id on every request and answer, one span per request (method,
/// path, id) closed with its status and latency, and the counters `/metrics` shows.
pub fn instrument(r: Router<AppState>) -> Router<AppState> {
    let m = Arc::new(Metrics::default());
    let counted = m.clone();
    r.layer(middleware::from_fn(move |req: Request, next: Next| {
        track(counted.clone(), req, next)
    }))
    .layer(Extension(m))
    .layer(PropagateRequestIdLayer::x_request_id())
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings carry search text and cursors.
                tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
    )
    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        m.record("/a\"b", "GET", 200, 0.003);
        m.record("/a\"b", "GET", 200, 0.2);
        let t = render(&m, None);
        assert!(t.contains(r#"route="/a\"b",le="0.001"} 0"#), "{t}");
        assert!(t.contains(r#"route="/a\"b",le="0.005"} 1"#), "{t}");
        assert!(t.contains(r#"route="/a\"b",le="0.25"} 2"#), "{t}");
        assert!(t.contains(r#"route="/a\"b",le="+Inf"} 2"#), "{t}");
    }
}
