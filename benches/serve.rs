//! Load benchmark for `sigscope serve` (not a test): N concurrent analysts (default 16), each making
//! 500 triage changes with versions over loopback on a store of 100k demo signals; prints throughput
//! and p50/p99 latency, then checks that no change was lost (every change recorded, every final
//! state and version as expected).
//!
//! `cargo bench --bench serve -- --clients 16 --changes 500 --signals 100000`
use serde_json::{json, Value};
use sigscope::demo::{self, DemoOptions};
use sigscope::model::{Role, User};
use sigscope::server::{self, ServeOptions};
use sigscope::store::{SqliteStore, Store};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const STATES: [&str; 3] = ["under_review", "archived", "open"];
/// Changes per signal; each analyst works on changes / PER_SIGNAL signals of their own.
const PER_SIGNAL: usize = 5;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let clients = arg("--clients", 16);
    let changes = arg("--changes", 500);
    let n_signals = arg("--signals", 100_000);
    let per_client = changes.div_ceil(PER_SIGNAL);
    assert!(
        clients * per_client <= n_signals,
        "not enough signals for disjoint work"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    let t = Instant::now();
    demo::populate_at(
        &path,
        &DemoOptions {
            signals: n_signals,
            seed: 7,
            days: 14,
            now: demo::default_now(),
        },
    )
    .expect("populate");
    let mut store = SqliteStore::open(&path).expect("store");
    let mut engine = sigscope::engine::Engine::open(&path).expect("engine");
    let mut analysts = Vec::new();
    for i in 0..clients {
        let u = User {
            uuid: uuid::Uuid::new_v4().to_string(),
            handle: format!("bench{i}@example.com"),
            name: format!("Bench {i}"),
            role: Role::Standard,
            disabled: false,
        };
        store.add_user(&u).expect("user");
        let (_, k) = engine.create_key(&u, &u.handle).expect("keys");
        analysts.push((u, k));
    }
    let mut ids: Vec<(String, i64)> = Vec::with_capacity(n_signals);
    // Only open signals: the cycle open -> under review -> archived -> open is legal from there on
    // (the engine refuses archived -> under review).
    store
        .for_each_signal(&mut |s| {
            if s.triage.state == sigscope::model::TriageState::Open {
                ids.push((s.id.clone(), s.version));
            }
            Ok(())
        })
        .expect("ids");
    drop(store);
    drop(engine);
    assert!(
        clients * per_client <= ids.len(),
        "{} open signals: not enough for disjoint work",
        ids.len()
    );
    eprintln!("store of {n_signals} signals ready in {:.1?}", t.elapsed());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let opts = ServeOptions {
            rate_limit: 0,
            // One client address drives the whole bench.
            per_address_limit: 0,
            ..ServeOptions::default()
        };
        let (addr, server_task) = server::serve_with(
            "127.0.0.1:0".parse().expect("addr"),
            &path,
            opts,
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
        .expect("serve");

        let started = Instant::now();
        let mut tasks = Vec::new();
        for (i, (_, k)) in analysts.iter().enumerate() {
            let mine: Vec<(String, i64)> = ids[i * per_client..(i + 1) * per_client].to_vec();
            let (api, app) = (k.api_key.clone(), k.app_key.clone());
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut versions: HashMap<String, i64> = mine.iter().cloned().collect();
                let mut lat = Vec::with_capacity(changes);
                for c in 0..changes {
                    let (id, _) = &mine[c % per_client];
                    let round = c / per_client;
                    let v = versions[id];
                    let body = json!({"data": {"type": "signal_metadata", "attributes": {
                        "state": STATES[round % 3],
                        "archive_reason": if STATES[round % 3] == "archived" { "false_positive" } else { "none" },
                        "version": v}}});
                    let t0 = Instant::now();
                    let r = http
                        .patch(format!("http://{addr}/api/v2/security_monitoring/signals/{id}/state"))
                        .header("DD-API-KEY", &api)
                        .header("DD-APPLICATION-KEY", &app)
                        .json(&body)
                        .send()
                        .await
                        .expect("request");
                    let status = r.status();
                    let out: Value = r.json().await.expect("json");
                    lat.push(t0.elapsed());
                    assert!(status.is_success(), "{status}: {out}");
                    let nv = out["data"]["attributes"]["version"].as_i64().expect("version");
                    versions.insert(id.clone(), nv);
                }
                lat
            }));
        }
        let mut lat: Vec<Duration> = Vec::new();
        for t in tasks {
            lat.extend(t.await.expect("client"));
        }
        let wall = started.elapsed();
        let _ = stop_tx.send(());
        server_task.await.expect("server").expect("server ran");

        lat.sort();
        let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
        println!(
            "{clients} clients x {changes} changes on {n_signals} signals: {} changes in {:.2?} = {:.0} changes/s; latency p50 {:.2?} p99 {:.2?} max {:.2?}",
            lat.len(),
            wall,
            lat.len() as f64 / wall.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            lat[lat.len() - 1],
        );

        // Nothing lost: every change recorded once per analyst, every final state as expected.
        let store = SqliteStore::open(&path).expect("reopen");
        let mut bad = 0;
        for (i, (u, _)) in analysts.iter().enumerate() {
            let n: i64 = store
                .conn()
                .query_row(
                    "SELECT COUNT(*) FROM audit WHERE actor = ?1 AND action = 'signal.state'",
                    [&u.handle],
                    |r| r.get(0),
                )
                .expect("count");
            if n as usize != changes {
                bad += 1;
                eprintln!("{}: {n} audit events, expected {changes}", u.handle);
            }
            for (k, (id, v0)) in ids[i * per_client..(i + 1) * per_client].iter().enumerate() {
                let rounds = (changes - k).div_ceil(per_client);
                let s = store.get_signal(id).expect("get").expect("present");
                let want = STATES[(rounds - 1) % 3];
                if s.triage.state.as_str() != want || s.version != v0 + rounds as i64 {
                    bad += 1;
                    eprintln!("{id}: {} v{}, expected {want} v{}", s.triage.state, s.version, v0 + rounds as i64);
                }
            }
        }
        if bad == 0 {
            println!("verified: {} audit events present, every final state and version as expected", clients * changes);
        } else {
            println!("LOST OR WRONG: {bad} mismatches");
            std::process::exit(1);
        }
    });
}
