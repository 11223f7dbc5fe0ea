//! The vendor's notification rule routes on the team server.
mod common;

use common::{authed, http, TestServer};
use serde_json::{json, Value};

async fn call(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

fn rule_body(targets: Value) -> Value {
    json!({"data": {"type": "notification_rules", "attributes": {
        "name": "prod criticals", "enabled": true,
        "selectors": {"trigger_source": "security_signals", "rule_types": ["application_security"],
                      "severities": ["critical"], "query": "env:prod"},
        "targets": targets, "time_aggregation": 0}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_rule_lifecycle_in_vendor_shape() {
    let s = TestServer::start(1).await;
    let c = http();
    let base = s.url("/api/v2/security/signals/notification_rules");
    let secret = "pagerduty:R0UT1NGKEY0123456789abcdef";

    let (st, _) = call(authed(c.post(&base), &s.analyst).json(&rule_body(json!([secret])))).await;
    assert_eq!(st, 403, "Standard lacks notification_profiles_write");
    let (st, v) =
        call(authed(c.post(&base), &s.admin).json(&rule_body(json!(["@john.doe@email.com"]))))
            .await;
    assert_eq!(st, 400, "{v}");
    assert!(v.to_string().contains("targets"), "{v}");

    let (st, v) = call(authed(c.post(&base), &s.admin).json(&rule_body(json!([secret])))).await;
    assert_eq!(st, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["type"], "notification_rules");
    let a = &v["data"]["attributes"];
    assert_eq!(a["version"], 1);
    assert_eq!(a["created_by"]["handle"], "admin@example.com");
    assert_eq!(a["selectors"]["severities"], json!(["critical"]));
    assert_eq!(a["time_aggregation"], 0);
    assert!(!v.to_string().contains("R0UT1NGKEY0123456789abcdef"), "{v}");

    // Read Only reads; the list and the rule come back masked.
    let (st, v) = call(authed(c.get(&base), &s.reader)).await;
    assert_eq!(st, 200);
    assert_eq!(v["data"][0]["id"], id.as_str());
    let masked = v["data"][0]["attributes"]["targets"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(masked, "pagerduty:R0UT****");

    // PATCH needs the current version, keeps what is not sent, and a masked target stays the secret.
    let one = format!("{base}/{id}");
    let patch = |version: i64| {
        json!({"data": {"id": id, "type": "notification_rules", "attributes": {
            "enabled": false, "version": version, "targets": [masked]}}})
    };
    let (st, _) = call(authed(c.patch(&one), &s.admin).json(&patch(7))).await;
    assert_eq!(st, 409);
    let (st, v) = call(authed(c.patch(&one), &s.admin).json(&patch(1))).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["attributes"]["version"], 2);
    assert_eq!(v["data"]["attributes"]["enabled"], false);
    assert_eq!(v["data"]["attributes"]["name"], "prod criticals");
    let stored = s.store().db().find_notify_rule(&id).unwrap().unwrap();
    assert_eq!(stored.targets[0].to_string(), secret);

    let (st, _) = call(authed(c.delete(&one), &s.admin)).await;
    assert_eq!(st, 204);
    let (st, _) = call(authed(c.get(&one), &s.admin)).await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingested_signals_queue_their_notifications() {
    let s = TestServer::start(1).await;
    let c = http();
    let rule = json!({"data": {"type": "notification_rules", "attributes": {
        "name": "criticals", "selectors": {"severities": ["critical"], "query": "service:checkout-api"},
        "targets": ["webhook:http://127.0.0.1:9/hook"]}}});
    let (st, v) = call(
        authed(
            c.post(s.url("/api/v2/security/signals/notification_rules")),
            &s.admin,
        )
        .json(&rule),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let mut sig = common::signal_json(900);
    sig["attributes"]["status"] = json!("critical");
    sig["attributes"]["service"] = json!(["checkout-api"]);
    let mut low = common::signal_json(901);
    low["attributes"]["status"] = json!("low");
    let (st, v) = call(
        authed(c.post(s.url("/api/v2/sigscope/signals")), &s.analyst)
            .json(&json!({"data": [sig, low]})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let queued = s.store().db().list_deliveries(false, 10).unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].signal_id, "sig-0900");
    assert_eq!(queued[0].change_key, "created");
}
