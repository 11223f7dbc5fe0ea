//! `/api/v2/security_monitoring/signals...` (list, search, get, triage, bulk) and the producers'
//! ingest route `/api/v2/sigscope/signals`.
use super::auth::Actor;
use super::body::{get, JsonBody};
use super::errors::{ApiError, ApiResult};
use super::filter::{self, Cursor, QueryFilter};
use super::triage::{self, Change, Written};
use super::AppState;
use crate::engine::PageRequest;
use crate::model::{Permission, Signal};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Bulk calls take at most this many signals, as the vendor's do.
pub const MAX_BULK: usize = 199;
/// One ingest call takes at most this many signals.
pub const MAX_INGEST: usize = 5000;

/// The get-one shape: the event under `attributes.custom`.
pub fn get_shape(s: &Signal) -> Value {
    let mut v = s.to_json().clone();
    if let Some(attrs) = v.get_mut("attributes").and_then(Value::as_object_mut) {
        if !attrs.contains_key("custom") {
            if let Some(ev) = attrs.remove("attributes") {
                attrs.insert("custom".into(), ev);
            }
        }
    }
    v
}

fn page_request(
    from: Option<i64>,
    to: Option<i64>,
    ascending: bool,
    cursor: Option<Cursor>,
    limit: usize,
    query: QueryFilter,
    st: &AppState,
) -> PageRequest {
    PageRequest {
        query: query.into_query(),
        from: from.unwrap_or(i64::MIN),
        to: to.unwrap_or(i64::MAX),
        after: cursor.map(|c| (c.ts, c.id)),
        ascending,
        limit,
        sla: st.opts.sla,
        deadline: Some(std::time::Instant::now() + st.opts.query_budget),
    }
}

/// One page in (timestamp, id) order after the cursor, filtered by the query; also the next cursor
/// when there is more.
async fn list_page(
    st: &AppState,
    user: crate::model::User,
    p: PageRequest,
) -> ApiResult<(Vec<Signal>, Option<Cursor>)> {
    let (page, next) = st
        .db
        .read(move |e| Ok(e.reads(&user).query_page(&p)?))
        .await?;
    Ok((page, next.map(|(ts, id)| Cursor { ts, id })))
}

fn page_json(signals: Vec<Signal>, next: Option<Cursor>, link: impl Fn(&str) -> String) -> Value {
    let data: Vec<Value> = signals.iter().map(Signal::to_list_json).collect();
    match next {
        Some(c) => {
            let cur = c.encode();
            json!({"data": data, "links": {"next": link(&cur)}, "meta": {"page": {"after": cur}}})
        }
        None => json!({ "data": data }),
    }
}

fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The next page's link, on the server's public URL: never on the request's `Host`, which the
/// client writes (a link built from it sends the next request, keys and all, where it says).
fn next_link(base: &str, params: &HashMap<String, String>, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "page[cursor]")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.sort();
    pairs.push(("page[cursor]".into(), cursor.into()));
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    format!("{base}/api/v2/security_monitoring/signals?{}", q.join("&"))
}

pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::SecurityMonitoringSignalsRead)?;
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let now = chrono::Utc::now();
    let g = |k: &str| q.get(k).map(String::as_str);
    let p = page_request(
        g("filter[from]")
            .map(|s| filter::parse_time("filter[from]", s, now))
            .transpose()?
            .map(|t| t.timestamp_millis()),
        g("filter[to]")
            .map(|s| filter::parse_time("filter[to]", s, now))
            .transpose()?
            .map(|t| t.timestamp_millis()),
        filter::parse_sort("sort", g("sort"))?,
        g("page[cursor]")
            .map(|c| Cursor::decode("page[cursor]", c))
            .transpose()?,
        filter::parse_limit("page[limit]", g("page[limit]"))?,
        QueryFilter::parse("filter[query]", g("filter[query]"))?,
        &st,
    );
    let (page, next) = list_page(&st, actor.user, p).await?;
    Ok(Json(page_json(page, next, |c| {
        next_link(&st.public_url, &q, c)
    })))
}

pub async fn search(
    State(st): State<AppState>,
    actor: Actor,
    JsonBody(b): JsonBody,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::SecurityMonitoringSignalsRead)?;
    let now = chrono::Utc::now();
    let s = |ptr: &str| super::body::opt_str(&b, ptr);
    let time = |ptr: &str| -> ApiResult<Option<i64>> {
        match get(&b, ptr) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_i64()),
            Some(Value::String(t)) => Ok(Some(filter::parse_time(ptr, t, now)?.timestamp_millis())),
            Some(other) => Err(ApiError::bad_field(
                ptr,
                format!("{ptr} must be a time string, found {other}"),
            )),
        }
    };
    let limit = match super::body::opt_i64(&b, "/page/limit")? {
        None => 10,
        Some(n) => filter::check_limit("/page/limit", n)?,
    };
    let p = page_request(
        time("/filter/from")?,
        time("/filter/to")?,
        filter::parse_sort("/sort", s("/sort")?)?,
        s("/page/cursor")?
            .map(|c| Cursor::decode("/page/cursor", c))
            .transpose()?,
        limit,
        QueryFilter::parse("/filter/query", s("/filter/query")?)?,
        &st,
    );
    let mut params = HashMap::new();
    for (k, ptr) in [
        ("filter[query]", "/filter/query"),
        ("filter[from]", "/filter/from"),
        ("filter[to]", "/filter/to"),
        ("sort", "/sort"),
    ] {
        if let Some(v) = get(&b, ptr) {
            params.insert(
                k.to_string(),
                v.as_str().map(str::to_string).unwrap_or(v.to_string()),
            );
        }
    }
    params.insert("page[limit]".into(), limit.to_string());
    let (page, next) = list_page(&st, actor.user, p).await?;
    Ok(Json(page_json(page, next, |c| {
        next_link(&st.public_url, &params, c)
    })))
}

pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::SecurityMonitoringSignalsRead)?;
    let s = st
        .db
        .read(move |e| Ok(e.reads(&actor.user).signal(&id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("Signal not found"))?;
    Ok(Json(json!({ "data": get_shape(&s) })))
}

/// `GET /api/v2/sigscope/signals/{id}/timeline`: the signal's triage history from the audit trail,
/// described as the explorer's Activity Summary shows it, oldest first.
pub async fn timeline(
    State(st): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    actor.require(Permission::SecurityMonitoringSignalsRead)?;
    let events = st
        .db
        .read(move |e| {
            let reads = e.reads(&actor.user);
            if reads.signal(&id)?.is_none() {
                return Err(ApiError::not_found("Signal not found"));
            }
            Ok(reads.timeline(&id)?)
        })
        .await?;
    let data: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({
                "type": "timeline_entry",
                "id": e.seq.to_string(),
                "attributes": {
                    "time": crate::model::json::fmt_time(&e.time),
                    "actor": e.actor,
                    "action": e.action,
                    "text": crate::engine::timeline::describe(e),
                }
            })
        })
        .collect();
    Ok(Json(json!({ "data": data })))
}

type Parser = fn(&Value, &str) -> ApiResult<(Change, Option<i64>)>;

async fn patch_one(
    st: AppState,
    actor: Actor,
    headers: HeaderMap,
    id: String,
    body: Value,
    parse: Parser,
    what: &str,
) -> ApiResult<Response> {
    actor.require(Permission::SecurityMonitoringSignalsWrite)?;
    let (change, version) = parse(&body, "/data/attributes")?;
    let path = format!("/api/v2/security_monitoring/signals/{id}/{what}");
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "PATCH",
        &path,
        move |engine, user| {
            let applied = triage::apply(engine, user, &[(id.clone(), version)], &change)?;
            let s = applied
                .signals
                .first()
                .ok_or_else(|| ApiError::not_found("Signal not found"))?;
            Ok(Written {
                status: StatusCode::OK,
                body: json!({ "data": triage::metadata_after(engine, s, &applied.audited, user)? }),
                seq: applied.seq,
            })
        },
    )
    .await
}

pub async fn patch_state(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    patch_one(st, actor, headers, id, b, triage::parse_state, "state").await
}

pub async fn patch_assignee(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    patch_one(
        st,
        actor,
        headers,
        id,
        b,
        triage::parse_assignee,
        "assignee",
    )
    .await
}

pub async fn patch_incidents(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    patch_one(
        st,
        actor,
        headers,
        id,
        b,
        triage::parse_incidents,
        "incidents",
    )
    .await
}

/// Bulk body: `{"data":[{"id": SIGNAL_ID, "attributes": {...as the single call...}}]}`, every item
/// asking for the same change (each with its own version); all or none.
async fn bulk(
    st: AppState,
    actor: Actor,
    headers: HeaderMap,
    body: Value,
    parse: Parser,
    what: &str,
) -> ApiResult<Response> {
    actor.require(Permission::SecurityMonitoringSignalsWrite)?;
    let items = match get(&body, "/data") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::bad_field("/data", "/data must be an array")),
        None => return Err(ApiError::bad_field("/data", "/data is required")),
    };
    if items.is_empty() || items.len() > MAX_BULK {
        return Err(ApiError::bad_field(
            "/data",
            format!(
                "a bulk call takes 1 to {MAX_BULK} signals, found {}",
                items.len()
            ),
        ));
    }
    let mut targets = Vec::with_capacity(items.len());
    let mut change: Option<Change> = None;
    for i in 0..items.len() {
        let id = super::body::req_str(&body, &format!("/data/{i}/id"))?.to_string();
        let base = format!("/data/{i}/attributes");
        let (c, v) = parse(&body, &base)?;
        match &change {
            Some(first) if *first != c => {
                return Err(ApiError::bad_field(
                    &base,
                    "every item of a bulk call must ask for the same change",
                ))
            }
            Some(_) => {}
            None => change = Some(c),
        }
        targets.push((id, v));
    }
    let Some(change) = change else {
        return Err(ApiError::bad_field("/data", "/data is empty"));
    };
    let path = format!("/api/v2/security_monitoring/signals/bulk/{what}");
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "PATCH",
        &path,
        move |engine, user| {
            let applied = triage::apply(engine, user, &targets, &change)?;
            Ok(Written {
                status: StatusCode::OK,
                // The vendor's `SecurityMonitoringSignalsBulkTriageUpdateResponse`.
                body: super::routes_update::bulk_answer(engine, user, &applied.signals)?,
                seq: applied.seq,
            })
        },
    )
    .await
}

pub async fn bulk_state(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    bulk(st, actor, headers, b, triage::parse_state, "state").await
}

pub async fn bulk_assignee(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    bulk(st, actor, headers, b, triage::parse_assignee, "assignee").await
}

/// `POST /api/v2/sigscope/signals` `{"data":[vendor signals]}`: upsert by id in one transaction.
/// An existing signal keeps the server's triage and version: producers own detections, analysts
/// own triage.
pub async fn ingest(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    actor.require(Permission::SecurityMonitoringSignalsWrite)?;
    let items = match get(&b, "/data") {
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(ApiError::bad_field(
                "/data",
                "/data must be an array of signals",
            ))
        }
        None => return Err(ApiError::bad_field("/data", "/data is required")),
    };
    if items.len() > MAX_INGEST {
        return Err(ApiError::bad_field(
            "/data",
            format!(
                "at most {MAX_INGEST} signals per call, found {}",
                items.len()
            ),
        ));
    }
    let mut parsed = Vec::with_capacity(items.len());
    for (i, raw) in items.into_iter().enumerate() {
        parsed.push(
            Signal::from_json(raw)
                .map_err(|e| ApiError::bad_field(&format!("/data/{i}"), e.to_string()))?,
        );
    }
    let notify = st.opts.notify.clone();
    triage::idempotent(
        &st,
        &actor,
        &headers,
        "POST",
        "/api/v2/sigscope/signals",
        move |engine, user| {
            let done = engine.ingest(user, parsed, &notify)?;
            Ok(Written {
                status: StatusCode::OK,
                body: json!({ "meta": { "inserted": done.inserted, "updated": done.updated } }),
                seq: done.seq,
            })
        },
    )
    .await
}
