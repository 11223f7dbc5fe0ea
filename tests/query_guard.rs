//! The query cost guard, end to end: an oversized query is refused by the CLI with exit 2 and by the
//! server with a 400 naming the limit, and a simple request from another client meanwhile is not held
//! up by a flood of them.
mod common;

use common::{authed, http, TestServer};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn the_cli_refuses_a_query_of_50000_terms_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    sigscope::demo::populate_at(
        &db,
        &sigscope::demo::DemoOptions {
            signals: 50,
            seed: 1,
            days: 7,
            now: chrono::Utc::now(),
        },
    )
    .unwrap();
    // 50,000 one-letter terms: 100 KB, under the kernel's limit for one argument.
    let q = vec!["a"; 50_000].join(" ");
    let out = Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .env_remove("SIGSCOPE_STORE")
        .env("SIGSCOPE_CONFIG", "/nonexistent/sigscope-test-config.toml")
        .arg("--store")
        .arg(&db)
        .args(["signals", "list", "-q", &q])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("query too long"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_8000_stars_refuses_50000_terms_and_a_simple_get_stays_fast() {
    let s = TestServer::start(200).await;
    let c = http();
    // The vendor's POST search carries the query in its body, so no URL limit stands in the way.
    let search = s.url("/api/v2/security_monitoring/signals/search");
    let body = |q: &str| serde_json::json!({"filter": {"query": q}, "page": {"limit": 50}});
    let stars = format!("title:{}", "*".repeat(8_000));
    let many_stars = format!("title:a{}b", "*a".repeat(8_000));
    let terms = vec!["sqlmap"; 50_000].join(" ");
    // 8,000 stars in a row are one star: answered, quickly.
    let started = Instant::now();
    let r = authed(c.post(&search), &s.reader)
        .json(&body(&stars))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    for q in [&many_stars, &terms] {
        let started = Instant::now();
        let r = authed(c.post(&search), &s.reader)
            .json(&body(q))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(
            v.to_string().contains("at most"),
            "the answer names the limit: {v}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    // Six clients flood the server with them; another's simple GET is answered promptly.
    let mut flood = Vec::new();
    for _ in 0..6 {
        let (c, url, q) = (c.clone(), search.clone(), body(&many_stars));
        let k = s.reader.clone();
        flood.push(tokio::spawn(async move {
            for _ in 0..20 {
                let _ = common::authed(c.post(&url), &k).json(&q).send().await;
            }
        }));
    }
    let started = Instant::now();
    let r = authed(
        c.get(s.url("/api/v2/security_monitoring/signals/sig-0001")),
        &s.analyst,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let took = started.elapsed();
    for f in flood {
        f.await.unwrap();
    }
    assert!(
        took < Duration::from_millis(100),
        "a simple GET took {took:?}"
    );
}
