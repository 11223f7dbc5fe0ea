//! `POST /api/v2/sigscope/events?format=modsecurity|aws-waf|events[&strict=true]`: producers send
//! raw WAF / application-security events (NDJSON, one per line); the detection rules turn them into
//! signals through the engine, as `sigscope ingest` does. Needs signal write permission.
use super::auth::Actor;
use super::errors::{ApiError, ApiResult};
use super::triage::{self, Written};
use super::AppState;
use crate::detect::pipeline::{check_all, Ingest};
use crate::detect::{catalogue, Catalogue, Detector, Format};
use crate::model::Permission;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct Params {
    format: Option<String>,
    #[serde(default)]
    strict: Option<String>,
}

pub async fn ingest_events(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Query(p): Query<Params>,
    body: Bytes,
) -> ApiResult<Response> {
    actor.require(Permission::SecurityMonitoringSignalsWrite)?;
    let format = Format::parse(p.format.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::bad_param("format", e.to_string()))?;
    let strict = matches!(p.strict.as_deref(), Some("true" | "1"));
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad_field("", "the body is not UTF-8"))?;
    if strict {
        check_all(format, "body", &text).map_err(|e| ApiError::bad_field("", e.to_string()))?;
    }
    let catalogue = Catalogue::load(&catalogue::user_dir(&crate::config::default_config_path()))?;
    let details = catalogue.details();
    let rules = catalogue.enabled();
    let notify = st.opts.notify.clone();
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "POST",
        "/api/v2/sigscope/events",
        move |engine, user| {
            // Rule Details reads the store's catalogue (unchanged entries write nothing).
            engine.update_catalog(user, &details, &[])?;
            let mut run = Ingest::new(
                engine,
                user.clone(),
                notify,
                Detector::new(rules),
                format,
                strict,
            );
            run.echo_bad = false;
            for (i, line) in text.lines().enumerate() {
                run.line("body", i as u64 + 1, line.as_bytes())?;
            }
            run.commit(None)?;
            let s = &run.stats;
            let skipped: Vec<_> = run
                .bad
                .iter()
                .map(|(_, line, why)| json!({"line": line, "detail": why}))
                .collect();
            Ok(Written {
                status: StatusCode::OK,
                body: json!({"meta": {
                    "events": s.events, "attacks": s.attacks, "created": s.created,
                    "updated": s.updated, "skipped": s.skipped, "duplicates": s.duplicates,
                    "skipped_lines": skipped,
                }}),
                seq: run.last_seq,
            })
        },
    )
    .await
}
