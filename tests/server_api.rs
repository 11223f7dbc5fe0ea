//! The team server over real loopback sockets: the vendor's routes and shapes, auth, versions,
//! idempotency, the change feed and every bad input the issue lists.
mod common;

use common::{authed, http, TestServer};
use serde_json::{json, Value};
use sigscope::server::ServeOptions;
use sigscope::store::Store;
use std::time::Duration;

async fn body(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let v = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, v)
}

fn state_body(state: &str, version: Option<i64>) -> Value {
    let mut attrs = json!({"state": state, "archive_reason": if state == "archived" {"false_positive"} else {"none"}});
    if let Some(v) = version {
        attrs["version"] = json!(v);
    }
    json!({"data": {"type": "signal_metadata", "attributes": attrs}})
}

/// Every signal's (id, state, version), to show a refused request changed nothing.
fn snapshot(s: &TestServer) -> Vec<(String, String, i64)> {
    let store = s.store();
    let mut out = Vec::new();
    store
        .for_each_signal(&mut |sig| {
            out.push((sig.id.clone(), sig.triage.state.to_string(), sig.version));
            Ok(())
        })
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_with_the_cursor_in_the_vendor_shape() {
    let mut s = TestServer::start(25).await;
    let c = http();
    let mut seen = Vec::new();
    let mut url = s.url("/api/v2/security_monitoring/signals?page[limit]=10&sort=timestamp");
    loop {
        let (st, v) = body(authed(c.get(&url), &s.reader).send().await.unwrap()).await;
        assert_eq!(st, 200, "{v}");
        let data = v["data"].as_array().unwrap();
        for d in data {
            assert_eq!(d["type"], "signal");
            assert!(
                d["attributes"]["attributes"]["workflow"].is_object(),
                "list shape"
            );
            seen.push(d["id"].as_str().unwrap().to_string());
        }
        match v["links"]["next"].as_str() {
            Some(next) => {
                assert!(v["meta"]["page"]["after"].is_string());
                url = next.to_string();
            }
            None => {
                assert!(v.get("meta").is_none());
                break;
            }
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("sig-{i:04}")).collect();
    assert_eq!(seen, expected, "ascending, each once");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filters_by_time_and_get_one_uses_custom() {
    let mut s = TestServer::start(10).await;
    let c = http();
    let r = authed(
        c.post(s.url("/api/v2/security_monitoring/signals/search")),
        &s.reader,
    )
    .json(
        &json!({"filter": {"from": "2026-01-01T00:00:03.000Z", "to": "2026-01-01T00:00:05.000Z"},
                      "page": {"limit": 50}, "sort": "-timestamp"}),
    )
    .send()
    .await
    .unwrap();
    let (st, v) = body(r).await;
    assert_eq!(st, 200, "{v}");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sig-0005", "sig-0004", "sig-0003"]);

    let (st, v) = body(
        authed(
            c.get(s.url("/api/v2/security_monitoring/signals/sig-0002")),
            &s.reader,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"]["id"], "sig-0002");
    assert!(v["data"]["attributes"]["custom"]["workflow"].is_object());

    let (st, v) = body(
        authed(
            c.get(s.url("/api/v2/security_monitoring/signals/nope")),
            &s.reader,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 404);
    assert_eq!(v, json!({"errors": ["Signal not found"]}));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_state_assignee_incidents_with_versions() {
    let mut s = TestServer::start(3).await;
    let c = http();
    let u = |p: &str| s.url(&format!("/api/v2/security_monitoring/signals/sig-0001/{p}"));
    let (st, v) = body(
        authed(c.patch(u("state")), &s.analyst)
            .json(&state_body("archived", Some(1)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["type"], "signal_metadata");
    assert_eq!(v["data"]["attributes"]["state"], "archived");
    assert_eq!(v["data"]["attributes"]["archive_reason"], "false_positive");
    assert_eq!(v["data"]["attributes"]["version"], 2);

    let ana = s.uuids[1].clone();
    let (st, v) = body(
        authed(c.patch(u("assignee")), &s.analyst)
            .json(&json!({"data": {"attributes": {"assignee": {"uuid": ana}, "version": 2}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["attributes"]["assignee"]["uuid"], ana.as_str());

    // Incident ids name existing incidents: an unknown one is refused and changes nothing.
    let before = snapshot(&s);
    let (st, v) = body(
        authed(c.patch(u("incidents")), &s.analyst)
            .json(&json!({"data": {"attributes": {"incident_ids": [2066], "version": 3}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 404, "{v}");
    assert_eq!(snapshot(&s), before);

    let (st, v) = body(
        authed(c.post(s.url("/api/v2/incidents")), &s.analyst)
            .json(&json!({"data": {"type": "incidents", "attributes": {"title": "Exfiltration"}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let public_id = v["data"]["attributes"]["public_id"].as_i64().unwrap();
    let (st, v) = body(
        authed(c.patch(u("incidents")), &s.analyst)
            .json(&json!({"data": {"attributes": {"incident_ids": [public_id], "version": 3}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["attributes"]["incident_ids"], json!([public_id]));
    // Written by the engine: the incident lists the signal too.
    let linked = common::pg_support::count(
        &s.store_path,
        "SELECT COUNT(*) FROM audit WHERE action = 'signal.incidents' AND target_id = 'sig-0001'",
    );
    assert_eq!(linked, 1);
    let (st, v) = body(
        authed(
            c.get(s.url(&format!("/api/v2/incidents/{public_id}"))),
            &s.reader,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert!(v.to_string().contains("sig-0001"), "{v}");

    // A stale version: 409, the current signal in the error's meta, nothing changed.
    let before = snapshot(&s);
    let (st, v) = body(
        authed(c.patch(u("state")), &s.analyst2)
            .json(&state_body("open", Some(1)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 409, "{v}");
    assert_eq!(v["errors"][0]["status"], "409");
    assert_eq!(v["errors"][0]["meta"]["signal"]["attributes"]["version"], 4);
    assert_eq!(snapshot(&s), before);

    let stored = s.store().get_signal("sig-0001").unwrap().unwrap();
    assert_eq!(stored.triage.state.to_string(), "archived");
    assert_eq!(stored.triage.assignee.unwrap().uuid, ana);
    assert_eq!(stored.triage.incident_ids, vec![public_id]);
    assert_eq!(stored.version, 4);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_idempotency_key_is_applied_once() {
    let mut s = TestServer::start(2).await;
    let c = http();
    let url = s.url("/api/v2/security_monitoring/signals/sig-0000/state");
    let send = || {
        authed(c.patch(&url), &s.analyst)
            .header("Idempotency-Key", "k-1")
            .json(&state_body("under_review", None))
            .send()
    };
    let (st1, v1) = body(send().await.unwrap()).await;
    let r2 = send().await.unwrap();
    assert_eq!(r2.headers().get("idempotent-replayed").unwrap(), "true");
    let (st2, v2) = body(r2).await;
    assert_eq!((st1, st2), (200, 200));
    assert_eq!(v1, v2);
    assert_eq!(
        s.store().get_signal("sig-0000").unwrap().unwrap().version,
        2,
        "applied once"
    );
    s.stop().await;
}

/// The change and its idempotency record commit together: when the record cannot be written (a
/// trigger stands in for a crash between the two), the change is undone too, so a retry with the
/// same key is applied once instead of being refused as stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_idempotency_record_fails_is_undone() {
    let mut s = TestServer::start(2).await;
    common::pg_support::execute(
        &s.store_path,
        "CREATE TRIGGER no_record BEFORE INSERT ON server_idempotency
         BEGIN SELECT RAISE(ABORT, 'disk gone'); END;",
        "CREATE FUNCTION disk_gone() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'disk gone'; END; $$;
         CREATE TRIGGER no_record BEFORE INSERT ON server_idempotency
         FOR EACH ROW EXECUTE FUNCTION disk_gone();",
    )
    .unwrap();
    let c = http();
    let url = s.url("/api/v2/security_monitoring/signals/sig-0000/state");
    let send = || {
        authed(c.patch(&url), &s.analyst)
            .header("Idempotency-Key", "k-crash")
            .json(&state_body("under_review", Some(1)))
            .send()
    };
    let (st, _) = body(send().await.unwrap()).await;
    assert_eq!(st, 500);
    let stored = s.store().get_signal("sig-0000").unwrap().unwrap();
    assert_eq!(
        stored.triage.state.to_string(),
        "open",
        "the change was undone"
    );
    assert_eq!(stored.version, 1);
    assert_eq!(
        s.changes_by("ana@example.com"),
        0,
        "no audit event for an undone change"
    );

    common::pg_support::execute(
        &s.store_path,
        "DROP TRIGGER no_record",
        "DROP TRIGGER no_record ON server_idempotency",
    )
    .unwrap();
    let (st, v) = body(send().await.unwrap()).await;
    assert_eq!(st, 200, "the retry is applied, not refused as stale: {v}");
    let stored = s.store().get_signal("sig-0000").unwrap().unwrap();
    assert_eq!(stored.triage.state.to_string(), "under_review");
    assert_eq!(stored.version, 2);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_is_all_or_nothing_and_capped_at_199() {
    let mut s = TestServer::start(5).await;
    let c = http();
    let url = s.url("/api/v2/security_monitoring/signals/bulk/state");
    let item = |id: &str| json!({"id": id, "attributes": {"state": "archived", "archive_reason": "remediated"}});
    let (st, v) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": [item("sig-0000"), item("sig-0001")]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    // The vendor's SecurityMonitoringSignalsBulkTriageUpdateResponse: result, status, type.
    assert_eq!(v["result"]["count"], 2, "{v}");
    assert_eq!(v["result"]["events"][0]["id"], "sig-0000");
    assert_eq!(v["result"]["events"][0]["event"]["id"], "sig-0000");
    assert_eq!(v["result"]["events"][0]["event"]["state"], "archived");
    assert!(v["status"].is_string() && v["type"].is_string(), "{v}");

    let before = snapshot(&s);
    // One unknown id: the whole call fails and the known one is untouched.
    let (st, _) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": [item("sig-0002"), item("missing")]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 404);
    // 10,000 ids.
    let many: Vec<Value> = (0..10_000).map(|i| item(&format!("sig-{i:04}"))).collect();
    let (st, v) = body(
        authed(c.patch(&url), &s.analyst)
            .json(&json!({"data": many}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["source"]["pointer"], "/data");
    assert_eq!(snapshot(&s), before);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_get_the_documented_status_and_change_nothing() {
    let mut s = TestServer::start_with(
        5,
        ServeOptions {
            max_body: 64 * 1024,
            ..ServeOptions::default()
        },
    )
    .await;
    let c = http();
    let before = snapshot(&s);
    let state_url = s.url("/api/v2/security_monitoring/signals/sig-0001/state");
    let list_url = s.url("/api/v2/security_monitoring/signals");

    // No key, wrong key.
    let (st, v) = body(c.get(&list_url).send().await.unwrap()).await;
    assert_eq!((st, v), (401, json!({"errors": ["Unauthorized"]})));
    let (st, _) = body(
        c.get(&list_url)
            .header("DD-API-KEY", &s.reader.api)
            .header("DD-APPLICATION-KEY", "0".repeat(40))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 401);
    // The API key of one pair with the application key of another.
    let (st, _) = body(
        c.get(&list_url)
            .header("DD-API-KEY", &s.admin.api)
            .header("DD-APPLICATION-KEY", &s.reader.app)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 401);

    // Read-only key writing: 403 naming the permission.
    let (st, v) = body(
        authed(c.patch(&state_url), &s.reader)
            .json(&state_body("archived", None))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 403);
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap()
            .contains("security_monitoring_signals_write"),
        "{v}"
    );

    // Malformed JSON.
    let (st, v) = body(
        authed(c.patch(&state_url), &s.analyst)
            .header("content-type", "application/json")
            .body("{\"data\": {")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        v["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("Malformed JSON"),
        "{v}"
    );

    // Wrong types.
    let (st, v) = body(
        authed(c.patch(&state_url), &s.analyst)
            .json(&json!({"data": {"attributes": {"state": 3}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        v["errors"][0]["source"]["pointer"],
        "/data/attributes/state"
    );
    let (st, v) = body(
        authed(c.patch(&state_url), &s.analyst)
            .json(&json!({"data": {"attributes": {"state": "open", "version": "7"}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        v["errors"][0]["source"]["pointer"],
        "/data/attributes/version"
    );

    // Unknown state.
    let (st, v) = body(
        authed(c.patch(&state_url), &s.analyst)
            .json(&state_body("closed", None))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        v["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("unknown state"),
        "{v}"
    );

    // Huge body. The server answers 413 without reading the rest, so it tells the client not to
    // reuse the connection (the pooled client `c` then opens a new one for the next request).
    let huge =
        json!({"data": {"attributes": {"state": "open", "archive_comment": "x".repeat(200_000)}}});
    let resp = authed(c.patch(&state_url), &s.analyst)
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers().get("connection").map(|h| h.as_bytes()),
        Some(&b"close"[..])
    );
    let (st, v) = body(resp).await;
    assert_eq!(st, 413, "{v}");
    assert_eq!(v["errors"][0]["status"], "413");

    // A query with a syntax error names the parameter.
    let (st, v) = body(
        authed(c.get(&list_url), &s.reader)
            .query(&[("filter[query]", "\"unterminated")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["source"]["parameter"], "filter[query]");

    // Page limit 100000.
    let (st, v) = body(
        authed(c.get(&list_url), &s.reader)
            .query(&[("page[limit]", "100000")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["source"]["parameter"], "page[limit]");

    // Bad time.
    let (st, v) = body(
        authed(c.get(&list_url), &s.reader)
            .query(&[("filter[from]", "yesterday")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["source"]["parameter"], "filter[from]");

    // A known route with the wrong method.
    let (st, v) = body(authed(c.delete(&list_url), &s.reader).send().await.unwrap()).await;
    assert_eq!(st, 405);
    assert_eq!(v["errors"][0]["status"], "405");

    // Unknown route.
    let (st, _) = body(
        authed(c.get(s.url("/api/v2/nothing")), &s.reader)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 404);

    assert_eq!(snapshot(&s), before, "no refused request changed the store");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_rate_limit_is_429_with_headers() {
    let mut s = TestServer::start_with(
        1,
        ServeOptions {
            rate_limit: 3,
            ..ServeOptions::default()
        },
    )
    .await;
    let c = http();
    let url = s.url("/api/v2/security_monitoring/signals/sig-0000");
    for _ in 0..3 {
        assert_eq!(
            authed(c.get(&url), &s.reader)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let r = authed(c.get(&url), &s.reader).send().await.unwrap();
    assert_eq!(r.status(), 429);
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-period",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-name",
    ] {
        assert!(r.headers().contains_key(h), "missing {h}");
    }
    // Another key has its own budget.
    assert_eq!(
        authed(c.get(&url), &s.analyst)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_feed_wakes_a_waiting_client() {
    let mut s = TestServer::start(2).await;
    let c = http();
    let feed = s.url(&format!(
        "/api/v2/sigscope/changes?after={}&wait=20",
        s.head
    ));
    let waiter = {
        let r = authed(c.get(&feed), &s.analyst2);
        tokio::spawn(async move { r.send().await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (st, _) = body(
        authed(
            c.patch(s.url("/api/v2/security_monitoring/signals/sig-0001/state")),
            &s.analyst,
        )
        .json(&state_body("archived", None))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let v = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v["data"][0]["signal_ids"], json!(["sig-0001"]));
    assert_eq!(v["data"][0]["action"], "signal.state");
    assert_eq!(v["data"][0]["actor"], "ana@example.com");
    assert_eq!(
        v["included"][0]["attributes"]["custom"]["workflow"]["triage"]["state"],
        "archived"
    );
    assert_eq!(v["meta"]["last_seq"], s.head + 1);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_upserts_and_keeps_triage() {
    let mut s = TestServer::start(1).await;
    let c = http();
    // Triage the existing one, then re-ingest it with a new message and a new signal.
    authed(
        c.patch(s.url("/api/v2/security_monitoring/signals/sig-0000/state")),
        &s.analyst,
    )
    .json(&state_body("archived", None))
    .send()
    .await
    .unwrap();
    let mut again = common::signal_json(0);
    again["attributes"]["message"] = json!("updated by the producer");
    let (st, v) = body(
        authed(c.post(s.url("/api/v2/sigscope/signals")), &s.analyst)
            .json(&json!({"data": [again, common::signal_json(7)]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["meta"], json!({"inserted": 1, "updated": 1}));
    let got = s.store().get_signal("sig-0000").unwrap().unwrap();
    assert_eq!(got.message, "updated by the producer");
    assert_eq!(got.triage.state.to_string(), "archived");

    // A bad record names its position; nothing from the batch is written.
    let (st, v) = body(
        authed(c.post(s.url("/api/v2/sigscope/signals")), &s.analyst)
            .json(&json!({"data": [common::signal_json(8), {"id": 5}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["source"]["pointer"], "/data/1");
    assert!(s.store().get_signal("sig-0008").unwrap().is_none());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_in_vendor_shape() {
    let mut s = TestServer::start(0).await;
    let (st, v) = body(
        authed(http().get(s.url("/api/v2/users?filter=ana")), &s.reader)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["attributes"]["email"], "ana@example.com");
    s.stop().await;
}
