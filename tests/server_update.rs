//! The vendor's combined triage routes, `PATCH .../signals/{id}/update` and `.../signals/bulk/update`,
//! in the request and answer shapes its API specification gives.
mod common;

use common::{authed, http, TestServer};
use serde_json::{json, Value};
use sigscope::store::Store;

async fn body(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_sets_state_and_assignee_in_one_call() {
    let mut s = TestServer::start(3).await;
    let c = http();
    let url = s.url("/api/v2/security_monitoring/signals/sig-0000/update");
    let uuid = s.uuids[0].clone();
    let (st, v) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": {"type": "signal_metadata", "attributes": {
                "state": "archived", "archive_reason": "false_positive", "archive_comment": "scanner",
                "assignee": {"uuid": uuid}, "version": 1}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["type"], "signal_metadata");
    assert_eq!(v["data"]["id"], "sig-0000");
    let a = &v["data"]["attributes"];
    assert_eq!(a["state"], "archived");
    assert_eq!(a["archive_reason"], "false_positive");
    assert_eq!(a["assignee"]["uuid"], uuid.as_str());
    // Both changes were made: the version moved twice.
    let stored = s.store().get_signal("sig-0000").unwrap().unwrap();
    assert_eq!(stored.version, 3);

    // A stale version changes nothing, the assignee included.
    let (st, _) = body(
        authed(c.patch(&url), &s.analyst)
            .json(
                &json!({"data": {"attributes": {"state": "open", "archive_reason": "none",
                "assignee": {"uuid": ""}, "version": 1}}}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 409);
    let again = s.store().get_signal("sig-0000").unwrap().unwrap();
    assert_eq!((again.version, again.triage.assignee.is_some()), (3, true));

    // An empty update is a 400 naming the pointer.
    let (st, v) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": {"attributes": {"version": 3}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400, "{v}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_update_answers_in_the_bulk_triage_shape_and_is_all_or_nothing() {
    let mut s = TestServer::start(3).await;
    let c = http();
    let url = s.url("/api/v2/security_monitoring/signals/bulk/update");
    let uuid = s.uuids[0].clone();
    let (st, v) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": [
                {"id": "sig-0000", "type": "signal", "attributes": {"state": "under_review"}},
                {"id": "sig-0001", "type": "signal", "attributes": {"assignee": {"uuid": uuid}}},
            ]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["result"]["count"], 2);
    let events = v["result"]["events"].as_array().unwrap();
    assert_eq!(events[0]["id"], "sig-0000");
    assert_eq!(events[0]["event"]["state"], "under_review");
    assert_eq!(events[1]["event"]["assignee"]["uuid"], uuid.as_str());
    for e in events {
        // What the vendor's client requires of each event.
        for k in ["id", "state", "assignee", "incident_ids"] {
            assert!(!e["event"][k].is_null(), "{k} missing: {e}");
        }
    }
    assert!(v["status"].is_string() && v["type"].is_string());

    // One unknown signal: nothing is changed.
    let (st, _) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": [
                {"id": "sig-0002", "attributes": {"state": "under_review"}},
                {"id": "missing", "attributes": {"state": "under_review"}},
            ]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 404);
    let untouched = s.store().get_signal("sig-0002").unwrap().unwrap();
    assert_eq!(untouched.triage.state.to_string(), "open");
    s.stop().await;
}
