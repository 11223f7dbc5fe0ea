//! `POST /api/v2/sigscope/events?format=F` on a real loopback socket: producers' raw events become
//! signals through the engine, write permission is required, a repeat adds nothing, bad lines are
//! reported by number (or refuse the whole body with `strict=true`).
mod common;

use common::{authed, http, TestServer};
use serde_json::Value;
use sigscope::store::Store;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/detect/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn detect_signals(s: &TestServer) -> Vec<sigscope::model::Signal> {
    let mut v = Vec::new();
    s.store()
        .for_each_signal(&mut |x| {
            if x.rule.id.starts_with("waf-") || x.rule.id.starts_with("appsec-") {
                v.push(x.clone());
            }
            Ok(())
        })
        .unwrap();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_route_raises_signals_once_and_needs_write_permission() {
    let mut s = TestServer::start(2).await;
    let c = http();
    let url = s.url("/api/v2/sigscope/events?format=modsecurity");
    let body = fixture("modsec-crs-apache.log");

    let r = authed(c.post(&url), &s.reader)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(detect_signals(&s).is_empty());

    let r = authed(c.post(&url), &s.analyst)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["meta"]["events"], 6, "{v}");
    assert_eq!(v["meta"]["created"], 3, "{v}");
    let sigs = detect_signals(&s);
    assert_eq!(sigs.len(), 3);
    assert!(sigs
        .iter()
        .all(|x| x.attacker_ips == ["203.0.113.7"] && !x.samples.is_empty()));

    let r = authed(c.post(&url), &s.analyst)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["meta"]["created"].as_u64(), v["meta"]["updated"].as_u64()),
        (Some(0), Some(0)),
        "{v}"
    );
    assert_eq!(v["meta"]["duplicates"], 6, "{v}");

    // A bad line is skipped and named; with strict=true the body is refused whole.
    let bad = format!("{{oops\n{}", fixture("aws-waf-examples.log"));
    let r = authed(
        c.post(s.url("/api/v2/sigscope/events?format=aws-waf&strict=true")),
        &s.analyst,
    )
    .body(bad.clone())
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(detect_signals(&s).len(), 3, "nothing applied");
    let r = authed(
        c.post(s.url("/api/v2/sigscope/events?format=aws-waf")),
        &s.analyst,
    )
    .body(bad)
    .send()
    .await
    .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["meta"]["skipped"], 1, "{v}");
    assert_eq!(v["meta"]["skipped_lines"][0]["line"], 1, "{v}");
    assert_eq!(v["meta"]["events"], 4, "{v}");

    let r = authed(
        c.post(s.url("/api/v2/sigscope/events?format=syslog")),
        &s.analyst,
    )
    .body("x")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    s.stop().await;
}
