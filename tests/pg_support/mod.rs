//! A throwaway PostgreSQL cluster for the tests that use one: Debian's `postgresql` binaries,
//! `initdb` into a temp dir as a non-root user, the server on 127.0.0.1 and a free port, trust auth.
//! One cluster per test binary, started on first use; a watcher stops it when the test process ends
//! (however it ends), so nothing outlives the run. Each test gets its own database.
//!
//! `SIGSCOPE_TEST_PG=postgres://…/` uses a running server instead (a base URL; databases are
//! created under it). Without the binaries a test fails (see tests/needs): `.ci/run` installs them.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Cluster {
    /// `postgres://user@127.0.0.1:PORT`, no database.
    pub base: String,
}

/// The first `bin` directory of an installed PostgreSQL, newest version first.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// Run as the unprivileged `postgres` user when we are root (initdb refuses root).
fn as_owner(cmd: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd);
        c
    } else {
        Command::new(cmd)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn start() -> Result<Cluster, String> {
    if let Ok(base) = std::env::var("SIGSCOPE_TEST_PG") {
        return Ok(Cluster {
            base: base.trim_end_matches('/').to_string(),
        });
    }
    let bin = bin_dir().ok_or("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) not found; install Debian's postgresql")?;
    let dir = tempfile::Builder::new()
        .prefix("sigscope-pg")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let data = dir.path().join("data");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .map_err(|e| e.to_string())?
            .success();
        if !ok {
            return Err("chown of the cluster directory to postgres failed".into());
        }
    }
    let out = as_owner(&bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "sigscope",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = free_port();
    // The watcher: starts the server, then stops it and removes its files once this test process is gone (`/proc/PID`, not
    // `kill -0`: the watcher runs as `postgres` and may not signal a root test process).
    let script = format!(
        "{pg} -D {data} -p {port} -c listen_addresses=127.0.0.1 -k {sock} -c fsync=off \
         -c max_connections=300 -c shared_buffers=64MB >{log} 2>&1 & pg=$!; \
         while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {dir}",
        pg = bin.join("postgres").display(),
        data = data.display(),
        sock = dir.path().display(),
        log = dir.path().join("server.log").display(),
        parent = std::process::id(),
        dir = dir.path().display(),
    );
    // The watcher holds none of the test's pipes: cargo waits for those to close.
    as_owner(Path::new("/bin/sh"))
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("starting postgres: {e}"))?;
    let base = format!("postgres://sigscope@127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls) {
            Ok(_) => break,
            Err(e) if Instant::now() > deadline => {
                let log =
                    std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                return Err(format!("postgres did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    // The watcher removes the directory once the server has stopped (this process never drops it:
    // the cluster lives in a static).
    let _ = dir.keep();
    Ok(Cluster { base })
}

/// The cluster, started on first use; panics (the test fails) when it cannot be.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| off_runtime(start)) {
        Ok(c) => c,
        Err(e) => panic!("{e}; .ci/run installs postgresql"),
    }
}

/// Run `f` on a plain thread: the synchronous PostgreSQL client blocks on a runtime of its own,
/// which tokio refuses inside an async test's body.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("PostgreSQL helper thread"))
}

/// A new empty database on the cluster; its URL.
pub fn fresh_db() -> String {
    off_runtime(fresh_db_here)
}

fn fresh_db_here() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let c = cluster();
    let name = format!(
        "t{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    );
    let mut admin = postgres::Client::connect(&format!("{}/postgres", c.base), postgres::NoTls)
        .expect("connect to the test cluster");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    format!("{}/{name}", c.base)
}

/// Whether this run asks the engine and server suites to use PostgreSQL (`.ci/run` runs them once
/// on SQLite and once with `SIGSCOPE_TEST_BACKEND=postgres`).
pub fn backend_is_postgres() -> bool {
    std::env::var("SIGSCOPE_TEST_BACKEND").is_ok_and(|v| v == "postgres")
}

/// Where a test's store lives: a SQLite file in `dir`, or a fresh PostgreSQL database.
pub fn store_location(dir: &Path, file: &str) -> PathBuf {
    if backend_is_postgres() {
        PathBuf::from(fresh_db())
    } else {
        dir.join(file)
    }
}

/// Run raw SQL on a test's store, in the dialect of its backend: for the few tests that must reach
/// under the engine (a trigger standing in for a crash, the audit log's own guard).
pub fn execute(location: &Path, sqlite: &str, postgres: &str) -> Result<(), String> {
    off_runtime(|| execute_here(location, sqlite, postgres))
}

fn execute_here(location: &Path, sqlite: &str, postgres: &str) -> Result<(), String> {
    let loc = location.to_string_lossy();
    if loc.starts_with("postgres") {
        let mut c = postgres::Client::connect(&loc, postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(postgres).map_err(|e| e.to_string())
    } else {
        let c = rusqlite::Connection::open(location).map_err(|e| e.to_string())?;
        c.execute_batch(sqlite).map_err(|e| e.to_string())
    }
}

/// A COUNT(*) (or any one BIGINT) query, in SQL both backends read alike.
pub fn count(location: &Path, sql: &str) -> i64 {
    off_runtime(|| count_here(location, sql))
}

fn count_here(location: &Path, sql: &str) -> i64 {
    let loc = location.to_string_lossy();
    if loc.starts_with("postgres") {
        let mut c = postgres::Client::connect(&loc, postgres::NoTls).expect("connect");
        c.query_one(sql, &[]).expect(sql).get(0)
    } else {
        let c = rusqlite::Connection::open(location).expect("open");
        c.query_row(sql, [], |r| r.get(0)).expect(sql)
    }
}
