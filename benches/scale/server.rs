//! The team server over the big store: how long its live index takes, each typical query's p95,
//! and hostile queries beside a simple GET from another client.
use super::{secs, QUERIES};
use serde_json::json;
use sigscope::model::{Role, User};
use sigscope::store::Store;
use std::path::Path;
use std::time::{Duration, Instant};

struct Keys {
    api: String,
    app: String,
}

/// A read-only user and its keys (made once per store).
fn keys(store: &Path) -> Keys {
    let user = User {
        uuid: uuid::Uuid::new_v4().to_string(),
        handle: format!("bench-{}@example.com", std::process::id()),
        name: "bench".into(),
        role: Role::ReadOnly,
        disabled: false,
    };
    let mut s = sigscope::store::open(store).expect("open the store");
    s.add_user(&user).expect("add the bench user");
    let mut engine = sigscope::engine::Engine::open(store).expect("open the engine");
    let (_, k) = engine.create_key(&user, &user.handle).expect("create keys");
    Keys {
        api: k.api_key,
        app: k.app_key,
    }
}

fn get(c: &reqwest::blocking::Client, k: &Keys, url: &str) -> reqwest::blocking::RequestBuilder {
    c.get(url)
        .header("DD-API-KEY", &k.api)
        .header("DD-APPLICATION-KEY", &k.app)
}

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let i = (v.len() * 95).div_ceil(100).saturating_sub(1);
    v.get(i).copied().unwrap_or_default()
}

pub fn run(store: &Path, scan: Duration) {
    let k = keys(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let t = Instant::now();
    let (addr, task) = rt
        .block_on(sigscope::server::serve_with(
            "127.0.0.1:0".parse().expect("addr"),
            store,
            sigscope::server::ServeOptions::default(),
            async move {
                let _ = stopped.await;
            },
        ))
        .expect("start the server");
    let base = format!("http://{addr}");
    let c = reqwest::blocking::Client::new();
    loop {
        let body: serde_json::Value = c
            .get(format!("{base}/readyz"))
            .send()
            .and_then(|r| r.json())
            .unwrap_or_default();
        if body["live_index"]["state"] == "ready" {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "server            live index built in {:.1} s",
        secs(t.elapsed())
    );
    let list = format!("{base}/api/v2/security_monitoring/signals");
    for (name, q) in QUERIES {
        let times: Vec<Duration> = (0..20)
            .map(|_| {
                let t = Instant::now();
                let r = get(&c, &k, &list)
                    .query(&[
                        ("filter[query]", *q),
                        ("filter[from]", "now-30d"),
                        ("page[limit]", "50"),
                    ])
                    .send()
                    .expect("GET /signals");
                assert!(r.status().is_success(), "{name}: {}", r.status());
                let _ = r.bytes();
                t.elapsed()
            })
            .collect();
        let p = p95(times);
        println!(
            "server {name:<17} p95 {:.1} ms ({:.4}x scan)  target < 50 ms and ≤ 0.03x",
            p.as_secs_f64() * 1e3,
            secs(p) / secs(scan)
        );
    }
    hostile(&c, &k, &base);
    let _ = stop.send(());
    let _ = rt.block_on(task);
}

/// Six clients send a query of 8,000 wildcard stars or 50,000 terms while another lists signals.
fn hostile(c: &reqwest::blocking::Client, k: &Keys, base: &str) {
    let stars = format!("@workflow.rule.name:{}", "*a".repeat(4000));
    let terms = (0..50_000)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    for (name, q) in [("8,000 stars", stars), ("50,000 terms", terms)] {
        let search = format!("{base}/api/v2/security_monitoring/signals/search");
        let body = json!({"filter": {"query": q}, "page": {"limit": 10}});
        let started = Instant::now();
        let worst = std::thread::scope(|s| {
            let hogs: Vec<_> = (0..6)
                .map(|_| {
                    s.spawn(|| {
                        let t = Instant::now();
                        let r = c
                            .post(&search)
                            .header("DD-API-KEY", &k.api)
                            .header("DD-APPLICATION-KEY", &k.app)
                            .json(&body)
                            .send()
                            .expect("POST search");
                        (r.status().as_u16(), t.elapsed())
                    })
                })
                .collect();
            let mut simple = Vec::new();
            while started.elapsed() < Duration::from_millis(1500) {
                let t = Instant::now();
                let r = get(c, k, &format!("{base}/api/v2/security_monitoring/signals"))
                    .query(&[("page[limit]", "1")])
                    .send()
                    .expect("GET /signals");
                assert!(r.status().is_success());
                simple.push(t.elapsed());
            }
            let answers: Vec<(u16, Duration)> =
                hogs.into_iter().filter_map(|h| h.join().ok()).collect();
            (answers, simple.into_iter().max().unwrap_or_default())
        });
        let (answers, simple) = worst;
        let slowest = answers.iter().map(|a| a.1).max().unwrap_or_default();
        let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        println!(
            "server {name:<17} answered {statuses:?} within {:.0} ms (target ≤ 1 s); a simple GET meanwhile ≤ {:.0} ms (target < 100 ms)",
            slowest.as_secs_f64() * 1e3,
            simple.as_secs_f64() * 1e3
        );
    }
}
