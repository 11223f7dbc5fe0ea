//! Change-feed pages are bounded by the signals they include, not only by their events: three
//! ingests of 1,500 signals each come as three pages, each whole.
mod common;
use common::{authed, http, signal_json, TestServer};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_stops_before_its_included_signals_pass_the_bound() {
    let s = TestServer::start(0).await;
    for batch in 0..3 {
        let data: Vec<Value> = (0..1500).map(|i| signal_json(batch * 1500 + i)).collect();
        let r = authed(http().post(s.url("/api/v2/sigscope/signals")), &s.admin)
            .json(&json!({ "data": data }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let mut after = s.head;
    let mut pages = Vec::new();
    loop {
        let r = authed(
            http().get(s.url(&format!("/api/v2/sigscope/changes?after={after}&wait=0"))),
            &s.reader,
        )
        .send()
        .await
        .unwrap();
        let body: Value = r.json().await.unwrap();
        let events = body["data"].as_array().map_or(0, Vec::len);
        if events == 0 {
            break;
        }
        let included = body["included"].as_array().map_or(0, Vec::len);
        let ids: usize = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["signal_ids"].as_array().map_or(0, Vec::len))
            .sum();
        pages.push((events, included, ids));
        after = body["meta"]["last_seq"].as_i64().unwrap();
    }
    // Each ingest is one event naming its 1,500 signals; two would pass 2,000.
    assert_eq!(pages, vec![(1, 1500, 1500); 3]);
}
