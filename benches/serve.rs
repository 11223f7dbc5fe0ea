//! Load benchmark for `sigscope serve` (not a test): N concurrent analysts (default 16), each making
//! 500 triage changes with versions over loopback on a store of 100k demo signals; prints throughput
//! and p50/p99 latency, then checks that no change was lost (every change recorded, every final
//! state and version as expected).
//!
//! `cargo bench --bench serve -- --clients 16 --changes 500 --signals 100000` (`--rounds 5`: that
//! many measured rounds, each on signals of its own; the median is the figure)
//!
//! With `--store postgres://USER@HOST:PORT/DB` it also runs on PostgreSQL, in the same run as
//! SQLite: once with one replica and once with two (the clients split between them), each on a new
//! database it creates next to DB and drops afterwards.
#[path = "common/procfs.rs"]
mod procfs;

use serde_json::{json, Value};
use sigscope::demo::{self, DemoOptions};
use sigscope::model::AuditFilter;
use sigscope::model::{Role, User};
use sigscope::server::{self, ServeOptions};
use sigscope::store::{Storage, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const STATES: [&str; 3] = ["under_review", "archived", "open"];
/// Changes per signal; each analyst works on changes / PER_SIGNAL signals of their own.
const PER_SIGNAL: usize = 5;

// The server in this process allocates as `sigscope serve` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let rounds = arg("--rounds", 5).max(1);
    let dir = tempfile::tempdir().expect("tempdir");
    run(
        "SQLite",
        &dir.path().join("bench.db"),
        1,
        clients,
        changes,
        n_signals,
        rounds,
    );
    let args: Vec<String> = std::env::args().collect();
    if let Some(url) = args
        .iter()
        .position(|a| a == "--store")
        .and_then(|i| args.get(i + 1))
    {
        for replicas in [1, 2] {
            let db = Scratch::new(url, replicas);
            let label = format!("PostgreSQL, {replicas} replica(s)");
            run(
                &label,
                Path::new(&db.url),
                replicas,
                clients,
                changes,
                n_signals,
                rounds,
            );
        }
    }
}

/// A database created for one run and dropped after it.
struct Scratch {
    admin: String,
    name: String,
    url: String,
}

impl Scratch {
    fn new(url: &str, n: usize) -> Scratch {
        let name = format!("sigscope_bench_{}_{n}", std::process::id());
        let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect --store");
        // Separate statements: CREATE DATABASE refuses to run inside a multi-statement batch.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop an old bench database");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the bench database");
        let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
        Scratch {
            admin: url.to_string(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn run(
    label: &str,
    path: &Path,
    replicas: usize,
    clients: usize,
    changes: usize,
    n_signals: usize,
    rounds: usize,
) {
    let path: PathBuf = path.to_path_buf();
    let per_client = changes.div_ceil(PER_SIGNAL);
    assert!(
        clients * per_client <= n_signals,
        "not enough signals for disjoint work"
    );
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
    let mut store = sigscope::store::open(&path).expect("store");
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
        clients * per_client * rounds <= ids.len(),
        "{} open signals: not enough for disjoint work",
        ids.len()
    );
    eprintln!(
        "{label}: store of {n_signals} signals ready in {:.1?}",
        t.elapsed()
    );
    // The store was just written (hundreds of MB): have the kernel write it back now rather
    // than while the changes are measured, whose fsyncs would queue behind it.
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let mut stops = Vec::new();
        let mut servers = Vec::new();
        let mut addrs = Vec::new();
        for _ in 0..replicas {
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
            stops.push(stop_tx);
            servers.push(server_task);
            addrs.push(addr);
        }

        // Measure writes in steady state: a server in service has its live index (loaded from
        // the snapshot at start); here it is built in the background, so wait for it.
        let http = reqwest::Client::new();
        for addr in &addrs {
            loop {
                let r: Value = http
                    .get(format!("http://{addr}/readyz"))
                    .send()
                    .await
                    .expect("readyz")
                    .json()
                    .await
                    .expect("readyz json");
                if r["live_index"]["state"] == "ready" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        // Several rounds, each on signals of its own; the median one is the figure, and every
        // round is printed, so a neighbour's burst on this shared machine shows as one outlier.
        let keys: Vec<(String, String)> = analysts
            .iter()
            .map(|(_, k)| (k.api_key.clone(), k.app_key.clone()))
            .collect();
        let mut results = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let work = &ids[round * clients * per_client..(round + 1) * clients * per_client];
            let r = measure(&addrs, &keys, work, changes, per_client).await;
            println!("{label}: round {}: {}", round + 1, r.line());
            results.push(r);
        }
        for stop in stops {
            let _ = stop.send(());
        }
        for task in servers {
            task.await.expect("server").expect("server ran");
        }
        results.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        let median = &results[results.len() / 2];
        println!(
            "{label}: {clients} clients x {changes} changes on {n_signals} signals, median of {rounds} rounds: {}",
            median.line()
        );
        // On a shared machine the wall figures move with the neighbours' load; CPU per change
        // (clients and server together, all in this process) does not.
        println!(
            "{label}: CPU (clients + server, this process) {:.0} us per change; {:.1} KiB written to storage per change",
            median.cpu.as_secs_f64() * 1e6 / median.lat.len() as f64,
            median.written as f64 / 1024.0 / median.lat.len() as f64
        );

        // Nothing lost: every change recorded once per analyst, every final state as expected.
        let verify = path.clone();
        let (analysts, ids) = tokio::task::spawn_blocking(move || {
            verify_run(&verify, &analysts, &ids, changes, per_client, rounds);
            (analysts, ids)
        })
        .await
        .expect("verify");
        drop((analysts, ids));
    });
}

/// One round's figures.
struct Round {
    wall: Duration,
    cpu: Duration,
    /// Bytes this process had written to storage (`write_bytes` of /proc/self/io): the WAL and
    /// the checkpoints into the database file. Unlike the wall figures, neighbours don't move it.
    written: u64,
    /// Sorted.
    lat: Vec<Duration>,
}

impl Round {
    fn rate(&self) -> f64 {
        self.lat.len() as f64 / self.wall.as_secs_f64()
    }

    fn line(&self) -> String {
        let pct = |p: f64| self.lat[((self.lat.len() as f64 * p) as usize).min(self.lat.len() - 1)];
        format!(
            "{} changes in {:.2?} = {:.0} changes/s; latency p50 {:.2?} p99 {:.2?} max {:.2?}",
            self.lat.len(),
            self.wall,
            self.rate(),
            pct(0.50),
            pct(0.99),
            self.lat[self.lat.len() - 1],
        )
    }
}

/// Every client makes `changes` versioned state changes, cycling over its `per_client` signals
/// of `work` (client i has the i-th slice), all at once.
async fn measure(
    addrs: &[std::net::SocketAddr],
    keys: &[(String, String)],
    work: &[(String, i64)],
    changes: usize,
    per_client: usize,
) -> Round {
    let started = Instant::now();
    let cpu_before = process_cpu();
    let written_before = written_bytes();
    let mut tasks = Vec::new();
    for (i, (api, app)) in keys.iter().enumerate() {
        let mine: Vec<(String, i64)> = work[i * per_client..(i + 1) * per_client].to_vec();
        let (api, app) = (api.clone(), app.clone());
        // Clients spread over the replicas, as a load balancer would.
        let addr = addrs[i % addrs.len()];
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
    let cpu = process_cpu().saturating_sub(cpu_before);
    let written = written_bytes().saturating_sub(written_before);
    lat.sort();
    Round {
        wall,
        cpu,
        written,
        lat,
    }
}

fn verify_run(
    path: &Path,
    analysts: &[(User, sigscope::engine::keys::NewKeys)],
    ids: &[(String, i64)],
    changes: usize,
    per_client: usize,
    rounds: usize,
) {
    let store = sigscope::store::open(path).expect("reopen");
    let clients = analysts.len();
    let mut bad = 0;
    for (i, (u, _)) in analysts.iter().enumerate() {
        let mine = AuditFilter {
            actor: Some(u.handle.clone()),
            ..AuditFilter::default()
        };
        let n = store
            .db()
            .audit_list(&mine)
            .expect("audit")
            .iter()
            .filter(|e| e.action == "signal.state")
            .count();
        if n != changes * rounds {
            bad += 1;
            eprintln!(
                "{}: {n} audit events, expected {}",
                u.handle,
                changes * rounds
            );
        }
        for round in 0..rounds {
            let from = (round * clients + i) * per_client;
            for (k, (id, v0)) in ids[from..from + per_client].iter().enumerate() {
                let moves = (changes - k).div_ceil(per_client);
                let s = store.get_signal(id).expect("get").expect("present");
                let want = STATES[(moves - 1) % 3];
                if s.triage.state.as_str() != want || s.version != v0 + moves as i64 {
                    bad += 1;
                    eprintln!(
                        "{id}: {} v{}, expected {want} v{}",
                        s.triage.state,
                        s.version,
                        v0 + moves as i64
                    );
                }
            }
        }
    }
    if bad == 0 {
        println!(
            "verified: {} audit events present, every final state and version as expected",
            clients * changes * rounds
        );
    } else {
        println!("LOST OR WRONG: {bad} mismatches");
        std::process::exit(1);
    }
}

/// Bytes this process has caused to be written to storage so far (0 where /proc says nothing).
fn written_bytes() -> u64 {
    procfs::self_figure("io", "write_bytes:")
}

/// User + system CPU time of this process so far.
fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}
