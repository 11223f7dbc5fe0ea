//! `GET /api/v2/sigscope/stats`: the same JSON as the engine's stats query (and so as
//! `sigscope stats --format json`), its parameters checked, its permission enforced.
mod common;

use common::*;
use sigscope::query::{parse, GroupBy, SlaTargets, StatsParams, TimeRange};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_route_answers_what_the_engine_computes() {
    let mut s = TestServer::start(20).await;
    let c = http();
    let url = s.url("/api/v2/sigscope/stats?query=status:high&by=service&from=2025-12-31T00:00:00Z&to=2026-01-02T00:00:00Z&buckets=4");
    let r = authed(c.get(&url), &s.reader).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let got: serde_json::Value = r.json().await.unwrap();

    let mut engine = sigscope::engine::Engine::open(&s.store_path).unwrap();
    let reader = engine.resolve_reader(Some("reader@example.com")).unwrap();
    let range = TimeRange {
        from: Some("2025-12-31T00:00:00Z".parse().unwrap()),
        to: Some("2026-01-02T00:00:00Z".parse().unwrap()),
    };
    let params = StatsParams {
        by: GroupBy::Service,
        max_buckets: 4,
        ..StatsParams::default()
    };
    let want = engine
        .reads(&reader)
        .stats(
            &parse("status:high").unwrap(),
            &range,
            &params,
            SlaTargets::default(),
        )
        .unwrap();
    assert_eq!(got, serde_json::to_value(&want).unwrap());
    assert_eq!(got["total"], 10);
    assert_eq!(got["groups"]["checkout-api"], 10);
    // Untriaged since 2026-01-01, long past 4h: every one breached.
    assert_eq!(got["sla"]["breached"], 10);

    let bad = authed(c.get(s.url("/api/v2/sigscope/stats?by=colour")), &s.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("by"));
    let bad = authed(
        c.get(s.url("/api/v2/sigscope/stats?query=status:(")),
        &s.reader,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    let anon = c.get(s.url("/api/v2/sigscope/stats")).send().await.unwrap();
    assert!(
        anon.status() == 401 || anon.status() == 403,
        "{}",
        anon.status()
    );

    // `sla:` terms work in the signals list too.
    let r = authed(
        c.get(s.url("/api/v2/security_monitoring/signals?filter[query]=sla:ok&filter[from]=2025-01-01T00:00:00Z")),
        &s.reader,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let page: serde_json::Value = r.json().await.unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 0);
    s.stop().await;
}
