//! Every face at a million signals, each figure beside a peer measured in the same run:
//!
//! ```text
//! cargo bench --bench scale                 # builds the 1M store once, in target/scale-bench
//! SIGSCOPE_SCALE_DIR=/big/disk cargo bench --bench scale
//! SIGSCOPE_SCALE_SIGNALS=200000 cargo bench --bench scale   # a smaller run
//! SIGSCOPE_SCALE_ONLY=import cargo bench --bench scale       # only the 100k import pair
//! ```
//!
//! The peer is Debian's `sqlite3` over the same files and store: its own `json_each` insert of the
//! import file, and a `json_extract` group-by over every stored signal (the "full scan").
//! Figures are ratios against them, never absolute times: the machines are shared and noisy.
#[path = "scale/peer.rs"]
mod peer;
#[path = "scale/server.rs"]
mod server;

use sigscope::tui::backend::{Backend, SearchRequest};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

// The server in this process allocates as `sigscope serve` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The query bench's typical queries (CIDR included).
pub const QUERIES: &[(&str, &str)] = &[
    ("state filter", "@workflow.triage.state:open"),
    ("service + severity", "service:checkout-api status:high"),
    ("severity list", "status:(high OR critical)"),
    ("wildcard rule name", "@workflow.rule.name:*injection*"),
    ("free text", "injection"),
    ("CIDR v4", "@network.client.ip:198.51.100.0/24"),
    ("negation", "-@workflow.triage.state:archived"),
];

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sigscope")
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Wall time and peak RSS (KiB) of a command, through GNU time.
pub fn timed(cmd: &mut Command) -> (Duration, u64, bool) {
    let mut with_time = Command::new("/usr/bin/time");
    with_time.arg("-f").arg("%M");
    with_time.arg(cmd.get_program());
    with_time.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            with_time.env(k, v);
        }
    }
    let t = Instant::now();
    let out = with_time
        .output()
        .expect("run /usr/bin/time (Debian's `time` package)");
    let wall = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let rss = err
        .lines()
        .rev()
        .find_map(|l| l.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if !out.status.success() {
        eprintln!(
            "  (failed: {})",
            err.lines().take(3).collect::<Vec<_>>().join(" | ")
        );
    }
    (wall, rss, out.status.success())
}

fn sigscope(store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).arg("--store").arg(store);
    c.env("SIGSCOPE_CONFIG", store.with_extension("toml"));
    c
}

/// A vendor list file of `n` demo signals over 30 days, the same for every run with this `seed`.
fn write_demo_list(store: &Path, list: &Path, n: usize, seed: u64) {
    let ok = sigscope(store, &[])
        .args([
            "demo",
            "--signals",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .args(["--days", "30", "--now", "2026-12-01T00:00:00Z", "--out"])
        .arg(list)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "sigscope demo failed");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let dir = std::env::var_os("SIGSCOPE_SCALE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/scale-bench"));
    std::fs::create_dir_all(&dir).expect("create the bench dir");
    // The import pair needs no 1M store: building one first would cost minutes per measurement.
    if std::env::var("SIGSCOPE_SCALE_ONLY").as_deref() == Ok("import") {
        import_pair(&dir);
        return;
    }
    let n: usize = std::env::var("SIGSCOPE_SCALE_SIGNALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let list = dir.join(format!("list-{n}.json"));
    let store = dir.join(format!("store-{n}.db"));
    std::fs::write(store.with_extension("toml"), "").expect("write an empty config");
    println!("# scale bench: {n} signals");
    // ---- import (which builds the store) ----
    if !store.exists() {
        if !list.exists() {
            eprintln!("writing {n} demo signals to {}", list.display());
            write_demo_list(&store, &list, n, 1);
        }
        let size = std::fs::metadata(&list).map(|m| m.len()).unwrap_or(0);
        println!("import file       {:.2} GB", size as f64 / 1e9);
        let mut c = Command::new(bin());
        c.arg("import").arg("--store").arg(&store).arg(&list);
        c.env("SIGSCOPE_CONFIG", store.with_extension("toml"));
        let (wall, rss, ok) = timed(&mut c);
        assert!(ok, "import failed");
        let peer_db = dir.join("peer-import.db");
        let (pwall, prss, pok) = peer::json_each_insert(&list, &peer_db);
        let _ = std::fs::remove_file(&peer_db);
        println!(
            "import            sigscope {:.1} s, {} MB RSS | sqlite3 json_each insert {} | throughput ratio {}",
            secs(wall),
            rss / 1024,
            if pok { format!("{:.1} s, {} MB RSS", secs(pwall), prss / 1024) } else { "failed (file too big for readfile)".into() },
            if pok { format!("{:.2}x (target ≤ 1.0x)", secs(wall) / secs(pwall)) } else { "-".into() },
        );
    } else {
        println!(
            "import            (store exists; delete {} to measure)",
            store.display()
        );
    }

    // sqlite3's `readfile` stops at 1 GB, so throughput is also compared on a file it can read.
    import_pair(&dir);

    // ---- the peer's full scan ----
    let scan = peer::full_scan(&store);
    println!(
        "sqlite3 full scan {:.2} s (json_extract group-by over every signal)",
        secs(scan)
    );

    // ---- CLI ----
    for (name, q) in QUERIES {
        let list_t = median(
            (0..3)
                .map(|_| {
                    timed(&mut sigscope(
                        &store,
                        &[
                            "signals", "list", "-q", q, "--limit", "50", "--format", "ids",
                        ],
                    ))
                    .0
                })
                .collect(),
        );
        let facets_t = median(
            (0..3)
                .map(|_| timed(&mut sigscope(&store, &["signals", "facets", "-q", q])).0)
                .collect(),
        );
        println!(
            "cli {name:<20} list {:.3} s ({:.3}x scan), facets {:.3} s ({:.3}x scan)  target < 0.15x",
            secs(list_t),
            secs(list_t) / secs(scan),
            secs(facets_t),
            secs(facets_t) / secs(scan),
        );
    }

    // ---- the explorer ----
    let t = Instant::now();
    let backend = sigscope::tui::LocalBackend::open(&store, None).expect("open the explorer");
    let req = SearchRequest {
        query: String::new(),
        from: None,
        to: None,
    };
    let first = backend.search(&req).expect("first search");
    let first_rows = t.elapsed();
    assert!(!first.rows.is_empty(), "no rows");
    loop {
        let r = backend.search(&req).expect("search");
        if r.loading.is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let full = t.elapsed();
    println!(
        "explorer          first rows {:.3} s (target < 0.2 s), fully indexed {:.2} s ({:.2}x scan, target ≤ 1.0x)",
        secs(first_rows),
        secs(full),
        secs(full) / secs(scan)
    );
    drop(backend);

    // ---- the server ----
    server::run(&store, scan);
}

/// Import throughput beside sqlite3's `json_each` insert on a 100,000-signal list file: rounds of
/// the two, alternately (`SIGSCOPE_SCALE_ROUNDS`, default 3), each after `sync(2)` so that neither
/// pays for the other's writeback (sqlite3 measured 2.7 s to 6.1 s without it); the medians.
fn import_pair(dir: &Path) {
    let list = dir.join("list-100000.json");
    let store = dir.join("pair.db");
    if !list.exists() {
        write_demo_list(&store, &list, 100_000, 2);
    }
    let clean = |db: &Path| {
        for suffix in ["", "-wal", "-shm", ".index"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        // SAFETY: sync(2) takes no arguments and cannot fail.
        unsafe { libc::sync() };
    };
    let rounds: usize = std::env::var("SIGSCOPE_SCALE_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3);
    std::fs::write(store.with_extension("toml"), "").expect("write an empty config");
    let peer_db = dir.join("peer-pair.db");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        clean(&store);
        let mut c = Command::new(bin());
        c.arg("import").arg("--store").arg(&store).arg(&list);
        c.env("SIGSCOPE_CONFIG", store.with_extension("toml"));
        let (wall, rss, ok) = timed(&mut c);
        assert!(ok, "import failed");
        clean(&store);
        let (pwall, prss, pok) = peer::json_each_insert(&list, &peer_db);
        clean(&peer_db);
        assert!(pok, "sqlite3's insert failed");
        println!(
            "  round {round}: sigscope {:.2} s, {} MB RSS | sqlite3 {:.2} s, {} MB RSS | {:.2}x",
            secs(wall),
            rss / 1024,
            secs(pwall),
            prss / 1024,
            secs(wall) / secs(pwall)
        );
        ours.push(wall);
        theirs.push(pwall);
    }
    let (wall, pwall) = (median(ours), median(theirs));
    println!(
        "import 100k       sigscope {:.2} s | sqlite3 json_each insert {:.2} s (medians of {rounds}) | ratio {:.2}x (target ≤ 1.0x)",
        secs(wall),
        secs(pwall),
        secs(wall) / secs(pwall)
    );
}
