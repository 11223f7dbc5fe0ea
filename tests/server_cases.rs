//! Cases and incidents over the team server, in the vendor's shapes.
mod common;

use common::{authed, http, TestServer};
use serde_json::{json, Value};

async fn call(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_lifecycle_in_vendor_shape() {
    let mut s = TestServer::start(3).await;
    let c = http();
    let bob = s.uuids[2].clone();
    let (st, v) = call(authed(c.post(s.url("/api/v2/cases")), &s.analyst).json(&json!({
        "data": {"type": "case", "attributes": {
            "title": "Credential stuffing on login", "priority": "P2",
            "type_id": "00000000-0000-0000-0000-000000000003",
            "insights": [{"type": "SECURITY_SIGNAL", "resource_id": "sig-0001", "ref": "/security/signal?event=sig-0001"}]}}
    })))
    .await;
    assert_eq!(st, 201, "{v}");
    let key = v["data"]["attributes"]["key"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["type"], "case");
    assert_eq!(v["data"]["attributes"]["priority"], "P2");
    assert_eq!(
        v["data"]["attributes"]["insights"][0]["resource_id"],
        "sig-0001"
    );

    let base = s.url(&format!("/api/v2/cases/{key}"));
    let (st, v) = call(
        authed(c.post(format!("{base}/status")), &s.analyst)
            .json(&json!({"data": {"type": "case", "attributes": {"status": "IN_PROGRESS"}}})),
    )
    .await;
    assert_eq!(
        (st, v["data"]["attributes"]["status"].as_str()),
        (200, Some("IN_PROGRESS")),
        "{v}"
    );
    let (st, v) = call(
        authed(c.post(format!("{base}/priority")), &s.analyst)
            .json(&json!({"data": {"type": "case", "attributes": {"priority": "P1"}}})),
    )
    .await;
    assert_eq!(
        (st, v["data"]["attributes"]["priority"].as_str()),
        (200, Some("P1")),
        "{v}"
    );
    let (st, v) = call(
        authed(c.post(format!("{base}/assign")), &s.analyst)
            .json(&json!({"data": {"type": "case", "attributes": {"assignee_id": bob}}})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"]["relationships"]["assignee"]["data"]["id"],
        bob.as_str()
    );
    let (st, v) = call(
        authed(c.post(format!("{base}/comment")), &s.analyst)
            .json(&json!({"data": {"type": "case", "attributes": {"comment": "blocked the /24"}}})),
    )
    .await;
    assert_eq!(
        (st, v["data"]["attributes"]["comment_count"].as_i64()),
        (200, Some(1)),
        "{v}"
    );
    let (st, v) = call(authed(c.put(format!("{base}/insights")), &s.analyst).json(&json!({
        "data": {"type": "case", "attributes": {"insights": [
            {"type": "SECURITY_SIGNAL", "resource_id": "sig-0002", "ref": "/security/signal?event=sig-0002"}]}}
    })))
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"]["attributes"]["insights"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (st, v) = call(authed(c.get(&base), &s.reader)).await;
    assert_eq!(
        (st, v["data"]["attributes"]["key"].as_str()),
        (200, Some(key.as_str()))
    );
    let (st, v) = call(authed(c.get(s.url("/api/v2/cases")), &s.reader)).await;
    assert_eq!((st, v["data"].as_array().unwrap().len()), (200, 1));

    // Read-only cannot write; a bad status names the field; an unknown case is 404.
    let (st, v) = call(
        authed(c.post(format!("{base}/status")), &s.reader)
            .json(&json!({"data": {"attributes": {"status": "CLOSED"}}})),
    )
    .await;
    assert_eq!(st, 403);
    assert!(v["errors"][0].as_str().unwrap().contains("cases_write"));
    let (st, v) = call(
        authed(c.post(format!("{base}/status")), &s.analyst)
            .json(&json!({"data": {"attributes": {"status": "DONE"}}})),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        v["errors"][0]["source"]["pointer"],
        "/data/attributes/status"
    );
    let (st, _) = call(authed(c.get(s.url("/api/v2/cases/SEC-999")), &s.reader)).await;
    assert_eq!(st, 404);
    // Every write is in the audit log.
    let n = common::pg_support::count(
        &s.store_path,
        "SELECT COUNT(*) FROM audit WHERE action LIKE 'case.%'",
    );
    assert!(n >= 6, "{n} case events");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_declare_link_and_resolve() {
    let mut s = TestServer::start(2).await;
    let c = http();
    let ana = s.uuids[1].clone();
    let (st, v) = call(authed(c.post(s.url("/api/v2/incidents")), &s.analyst).json(&json!({
        "data": {"type": "incidents", "attributes": {
            "title": "Checkout API data exfiltration", "customer_impacted": false,
            "fields": {"severity": {"type": "dropdown", "value": "SEV-2"}, "state": {"type": "dropdown", "value": "active"}}},
          "relationships": {"commander_user": {"data": {"id": ana, "type": "users"}}}}
    })))
    .await;
    assert_eq!(st, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let public_id = v["data"]["attributes"]["public_id"].as_i64().unwrap();
    assert_eq!(
        v["data"]["attributes"]["fields"]["severity"]["value"],
        "SEV-2"
    );

    // Signals list incidents by public id.
    let (st, v) = call(
        authed(
            c.patch(s.url("/api/v2/security_monitoring/signals/sig-0000/incidents")),
            &s.analyst,
        )
        .json(&json!({"data": {"attributes": {"incident_ids": [public_id]}}})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["attributes"]["incident_ids"], json!([public_id]));

    let (st, v) = call(authed(c.patch(s.url(&format!("/api/v2/incidents/{id}"))), &s.analyst).json(&json!({
        "data": {"type": "incidents", "attributes": {"fields": {"state": {"type": "dropdown", "value": "resolved"}}}}
    })))
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"]["attributes"]["fields"]["state"]["value"],
        "resolved"
    );
    let (st, v) = call(authed(c.get(s.url("/api/v2/incidents")), &s.reader)).await;
    assert_eq!((st, v["data"].as_array().unwrap().len()), (200, 1));
    let (st, _) = call(authed(
        c.get(s.url(&format!("/api/v2/incidents/{id}"))),
        &s.reader,
    ))
    .await;
    assert_eq!(st, 200);
    let (st, v) = call(
        authed(c.post(s.url("/api/v2/incidents")), &s.analyst).json(&json!({
            "data": {"attributes": {"title": "x", "fields": {"severity": {"value": "SEV-9"}}}}
        })),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        v["errors"][0]["source"]["pointer"],
        "/data/attributes/fields/severity/value"
    );
    s.stop().await;
}
