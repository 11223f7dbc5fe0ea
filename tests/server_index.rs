//! The team server answers list and search from its live index: every answer equals a brute-force
//! evaluation of the query over the store's signals, before and after writes through the server,
//! for every kind of query (CIDR, wildcards, free text, negation, attributes), both sort orders,
//! across pages.
mod common;
use common::{authed, http, TestServer};
use serde_json::{json, Value};
use sigscope::model::Signal;
use sigscope::server::ServeOptions;
use sigscope::store::Store;
use std::time::{Duration, Instant};

const QUERIES: &[&str] = &[
    "",
    "@workflow.triage.state:open",
    "status:(high OR critical)",
    "@workflow.rule.name:*injection*",
    "attempts",
    "CIDR(@network.client.ip,192.0.2.0/24)",
    "-@workflow.triage.state:archived @appsec.type:sql_injection",
    "service:checkout-api -status:low",
    "@usr.id:*",
];

fn demo_signals(n: usize) -> Vec<Signal> {
    use sigscope::demo::{signals as demo, DemoOptions};
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .to_utc();
    let opts = DemoOptions {
        signals: n,
        seed: 11,
        days: 3,
        now,
    };
    demo(&opts).map(|v| Signal::from_json(v).unwrap()).collect()
}

/// The ids a query should answer, in the API's `(timestamp, id)` order.
fn brute_force(s: &TestServer, q: &str, ascending: bool) -> Vec<String> {
    let query = sigscope::query::parse(q).unwrap();
    let mut hits: Vec<(i64, String)> = Vec::new();
    s.store()
        .db()
        .for_each_signal(&mut |sig| {
            if query.matches(&sig) {
                hits.push((sig.timestamp.timestamp_millis(), sig.id.clone()));
            }
            Ok(())
        })
        .unwrap();
    hits.sort();
    if !ascending {
        hits.reverse();
    }
    hits.into_iter().map(|(_, id)| id).collect()
}

/// Every page of `GET /signals` for the query, following cursors.
async fn served(s: &TestServer, q: &str, ascending: bool) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![
            ("filter[query]".to_string(), q.to_string()),
            ("page[limit]".to_string(), "97".to_string()),
            ("filter[from]".to_string(), "0".to_string()),
        ];
        if ascending {
            params.push(("sort".into(), "timestamp".into()));
        }
        if let Some(c) = &cursor {
            params.push(("page[cursor]".into(), c.clone()));
        }
        let r = authed(
            http()
                .get(s.url("/api/v2/security_monitoring/signals"))
                .query(&params),
            &s.reader,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200, "{q}");
        let body: Value = r.json().await.unwrap();
        for d in body["data"].as_array().unwrap() {
            ids.push(d["id"].as_str().unwrap().to_string());
        }
        match body["meta"]["page"]["after"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

async fn wait_for_index(s: &TestServer) -> Value {
    let t0 = Instant::now();
    loop {
        let body: Value = http()
            .get(s.url("/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["live_index"]["state"] == "ready" {
            return body;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "index never built: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn agree(s: &TestServer, when: &str) {
    for q in QUERIES {
        for ascending in [false, true] {
            let want = brute_force(s, q, ascending);
            let got = served(s, q, ascending).await;
            assert_eq!(got.len(), want.len(), "{when}: {q:?} ascending={ascending}");
            assert_eq!(got, want, "{when}: {q:?} ascending={ascending}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_answers_equal_brute_force_before_and_after_writes() {
    let mut s = TestServer::start(0).await;
    let mut signals = demo_signals(1200);
    // Equal timestamps in runs, so page boundaries fall inside them (the index orders them by
    // row, the API by id).
    for (i, sig) in signals.iter_mut().enumerate().skip(600).take(300) {
        let t = signals_time(i);
        let mut v = sig.to_json().clone();
        v["attributes"]["timestamp"] = json!(t);
        *sig = Signal::from_json(v).unwrap();
    }
    s.store().upsert_signals(&signals).unwrap();
    s.stop().await;
    s.restart(ServeOptions::default()).await;
    let ready = wait_for_index(&s).await;
    assert_eq!(ready["live_index"]["signals"], 1200, "{ready}");
    agree(&s, "before writes").await;

    // Triage moves through the server, and new signals from a producer.
    for sig in signals.iter().take(40) {
        let r = authed(
            http().patch(s.url(&format!(
                "/api/v2/security_monitoring/signals/{}/state",
                sig.id
            ))),
            &s.analyst,
        )
        .json(&json!({"data": {"type": "signal_metadata", "attributes": {"state": "archived", "archive_reason": "false_positive"}}}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
    }
    let fresh: Vec<Value> = demo_signals(1300)
        .into_iter()
        .skip(1200)
        .map(|sig| {
            let mut v = sig.to_json().clone();
            v["id"] = json!(format!("new-{}", sig.id));
            v
        })
        .collect();
    let r = authed(http().post(s.url("/api/v2/sigscope/signals")), &s.admin)
        .json(&json!({ "data": fresh }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    agree(&s, "after writes").await;
    // The index followed the writes rather than being rebuilt.
    let ready = wait_for_index(&s).await;
    assert_eq!(ready["live_index"]["signals"], 1300, "{ready}");

    // The first build left a snapshot next to a SQLite store; a restart starts from it, caught
    // up with the writes made since.
    if !s.store_path.to_string_lossy().starts_with("postgres") {
        let snap = format!("{}.index", s.store_path.display());
        assert!(
            std::path::Path::new(&snap).exists(),
            "no snapshot at {snap}"
        );
        s.stop().await;
        s.restart(ServeOptions::default()).await;
        let ready = wait_for_index(&s).await;
        assert_eq!(ready["live_index"]["signals"], 1300, "{ready}");
        agree(&s, "after a restart from the snapshot").await;
    }
}

fn signals_time(i: usize) -> String {
    format!("2026-11-25T10:00:{:02}.000Z", (i / 50) % 60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_past_its_budget_is_a_503_and_others_are_served() {
    let mut s = TestServer::start(0).await;
    s.store().upsert_signals(&demo_signals(3000)).unwrap();
    // No budget to speak of: the first answer, from a scan or the index, is already late.
    let opts = ServeOptions {
        query_budget: Duration::from_nanos(1),
        ..ServeOptions::default()
    };
    s.stop().await;
    s.restart(opts).await;
    let r = authed(
        http()
            .get(s.url("/api/v2/security_monitoring/signals"))
            .query(&[("filter[query]", "@workflow.rule.name:*inj*zz*")]),
        &s.reader,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("time budget"), "{body}");
    // The reader it held is free again.
    let r = authed(
        http().get(s.url("/api/v2/security_monitoring/signals/zzz")),
        &s.reader,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
}
