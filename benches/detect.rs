//! Detection benchmark: `cargo bench --bench detect`.
//!
//! - Throughput (issue 13: at least 200,000 events/s on one core): a ModSecurity 2.9 JSON audit
//!   log is generated from the lines Apache + ModSecurity + OWASP CRS wrote in
//!   `tests/fixtures/detect/` (unique ids, client IPs and times varied), then parsed and run through
//!   the default rule catalogue on one thread (CPU time of that thread); `jq -c . FILE` reads the
//!   same file in the same run. Two files: (a) the recorded CRS attack lines only (about 8 KB each,
//!   what `SecAuditEngine RelevantOnly` keeps) and (b) a realistic mix of 90 % benign transactions
//!   (about 1.6 KB, what `SecAuditEngine On` keeps). 20 requests/s; 64 attackers at a time, a new
//!   population of them every 40,000 requests (so signals open and close along the log).
//! - Memory (issue 13: a 1 GB audit log ingests in under 300 MB RSS): the real command,
//!   `sigscope ingest --format modsecurity` (dedupe, SQLite, signals through the engine), on a
//!   generated attack log of a quarter of the size and of the full size; its peak RSS (the child's
//!   `ru_maxrss` from `wait4`) should not grow with the file.
//!
//! Knobs: `SIGSCOPE_BENCH_MB` (default 128) is the memory run's full size, so
//! `SIGSCOPE_BENCH_MB=1024` runs the 1 GB case (and a 256 MB one); the throughput logs are that size
//! up to 128 MB. `SIGSCOPE_BENCH_SKIP_THROUGHPUT` / `SIGSCOPE_BENCH_SKIP_MEMORY` leave a part out;
//! `SIGSCOPE_BENCH_BIN` measures another `sigscope` binary (an older build, to compare);
//! `SIGSCOPE_BENCH_FLUSH_EVERY` (default 20,000) is how many events pass between taking the
//! signals out (ingest: 2,000 lines); `SIGSCOPE_BENCH_ROUNDS` (default 5) is how many times each
//! file is run through the detector, the median run being the figure.
#[path = "common/procfs.rs"]
mod procfs;

use sigscope::detect::{Catalogue, Detector, Format, NoState};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BENIGN: &str = r#"{"transaction":{"time":"03/Dec/2026:07:50:31.000000 +0000","transaction_id":"TXID","remote_address":"IPADDR","remote_port":50000,"local_address":"127.0.0.1","local_port":8080},"request":{"request_line":"GET /products?id=42 HTTP/1.1","headers":{"Host":"shop.example.com","User-Agent":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0","Accept":"text/html,application/xhtml+xml","Accept-Language":"en-US,en;q=0.5","Cookie":"session=0123456789abcdef"}},"response":{"protocol":"HTTP/1.1","status":200,"headers":{"Content-Length":"1234","Content-Type":"text/html"}},"audit_data":{"stopwatch":{"p1":300,"p2":400,"p3":0,"p4":0,"p5":80,"sr":40,"sw":0,"l":0,"gc":0},"producer":["ModSecurity for Apache/2.9.7 (http://www.modsecurity.org/)","OWASP_CRS/3.3.4"],"server":"Apache/2.4.71 (Debian)","engine_mode":"ENABLED"}}"#;

fn templates() -> Vec<String> {
    let p = format!(
        "{}/tests/fixtures/detect/modsec-crs-apache.log",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(p)
        .expect("fixture")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("fixture line");
            let id = v["transaction"]["transaction_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let ip = v["transaction"]["remote_address"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let t = v["transaction"]["time"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            l.replace(&id, "TXID")
                .replace(&ip, "IPADDR")
                .replace(&t, "TIMESTAMP")
        })
        .collect()
}

/// Write about `bytes` of audit log; `attack_pct` of the lines are attacks.
fn generate(path: &Path, bytes: u64, attack_pct: u64) -> (u64, u64) {
    let t = templates();
    let benign = BENIGN.replace("03/Dec/2026:07:50:31.000000 +0000", "TIMESTAMP");
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create"));
    let (mut written, mut lines) = (0u64, 0u64);
    let start = 1_800_000_000_000i64;
    while written < bytes {
        let i = lines;
        // 20 requests a second: a 1x log covers about an hour, so keep-alives lapse and signals close.
        let ms = start + (i as i64) * 50;
        let secs = ms / 1000;
        let dt = chrono::DateTime::from_timestamp(secs, ((ms % 1000) * 1_000_000) as u32)
            .unwrap_or_default();
        let ts = dt.format("%d/%b/%Y:%H:%M:%S%.6f +0000").to_string();
        let attack = (i % 100) < attack_pct;
        // 64 attackers at a time, each for a stretch of the log, a new population of them every
        // 40,000 requests; and 500 benign clients.
        let ip = if attack {
            let a = ((i / 500) * 7 + i % 4) % 64 + 64 * (i / 40_000);
            format!("10.{}.{}.{}", 64 + (a >> 16) % 64, (a >> 8) & 255, a & 255)
        } else {
            format!("198.51.{}.{}", (i / 11) % 2, i % 250 + 1)
        };
        let tpl = if attack {
            &t[(i as usize) % t.len()]
        } else {
            &benign
        };
        let line = tpl
            .replace("TXID", &format!("bench{i:012}"))
            .replace("IPADDR", &ip)
            .replace("TIMESTAMP", &ts);
        w.write_all(line.as_bytes()).expect("write");
        w.write_all(b"\n").expect("write");
        written += line.len() as u64 + 1;
        lines += 1;
    }
    w.flush().expect("flush");
    (lines, written)
}

/// CPU time of this thread (the figure that is "one core", whatever else the machine runs).
fn thread_cpu() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    Duration::from_secs(ru.ru_utime.tv_sec as u64 + ru.ru_stime.tv_sec as u64)
        + Duration::from_micros(ru.ru_utime.tv_usec as u64 + ru.ru_stime.tv_usec as u64)
}

/// (events, attacks, CPU time, signal updates, CPU time of the flushes alone).
fn detect_rate(path: &Path, flush_every: u64) -> (u64, u64, Duration, usize, Duration) {
    let rules = Catalogue::defaults().expect("catalogue").enabled();
    let mut d = Detector::new(rules);
    let mut f = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open"));
    let start = thread_cpu();
    let (mut events, mut attacks, mut signals) = (0u64, 0u64, 0usize);
    let mut flushing = Duration::ZERO;
    let mut line = String::with_capacity(16 << 10);
    loop {
        line.clear();
        if f.read_line(&mut line).expect("read") == 0 {
            break;
        }
        let e = Format::ModSecurity
            .read(line.trim_end_matches(['\n', '\r']))
            .expect("valid line");
        events += 1;
        if e.is_attack() {
            attacks += 1;
        }
        d.process(&e, &mut NoState).expect("process");
        // Signals out and state to save now and then (`ingest` does it per 2,000 lines, with the
        // store; its rate is the memory run's).
        if events % flush_every == 0 {
            let t = thread_cpu();
            signals += d.flush().expect("flush").signals.len();
            flushing += thread_cpu().saturating_sub(t);
        }
    }
    let t = thread_cpu();
    signals += d.flush().expect("flush").signals.len();
    flushing += thread_cpu().saturating_sub(t);
    (
        events,
        attacks,
        thread_cpu().saturating_sub(start),
        signals,
        flushing,
    )
}

/// Parsing alone (no rules), for comparison: (events, CPU time).
fn parse_rate(path: &Path) -> (u64, Duration) {
    let mut f = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open"));
    let start = thread_cpu();
    let mut events = 0u64;
    let mut line = String::with_capacity(16 << 10);
    loop {
        line.clear();
        if f.read_line(&mut line).expect("read") == 0 {
            break;
        }
        let e = Format::ModSecurity
            .read(line.trim_end_matches(['\n', '\r']))
            .expect("valid line");
        events += u64::from(!e.id.is_empty());
    }
    (events, thread_cpu().saturating_sub(start))
}

/// CPU time (user + system) of `jq -c . FILE > /dev/null`.
fn jq_time(path: &Path) -> Option<Duration> {
    let before = children_cpu();
    let st = Command::new("jq")
        .arg("-c")
        .arg(".")
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .ok()?;
    st.success().then(|| children_cpu().saturating_sub(before))
}

fn children_cpu() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    Duration::from_secs(ru.ru_utime.tv_sec as u64 + ru.ru_stime.tv_sec as u64)
        + Duration::from_micros(ru.ru_utime.tv_usec as u64 + ru.ru_stime.tv_usec as u64)
}

/// Peak RSS (kB, the child's `ru_maxrss`), wall time and answer of `sigscope ingest` on `log`.
/// The child is reaped by `wait4` (which reports its own rusage, unlike `RUSAGE_CHILDREN`, the
/// largest of all children so far, jq included), so `Child::wait` is not called.
#[allow(clippy::zombie_processes)]
fn ingest_peak_rss(bin: &Path, dir: &Path, log: &Path) -> (u64, Duration, String) {
    let start = Instant::now();
    let mut child = Command::new(bin)
        .arg("--store")
        .arg(dir.join(format!(
            "rss-{}.db",
            log.file_name().and_then(|n| n.to_str()).unwrap_or("x")
        )))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["ingest", "--format", "modsecurity"])
        .arg(log)
        .env("SIGSCOPE_USER", "bench@example.com")
        .stdout(Stdio::piped())
        .spawn()
        .expect("sigscope ingest");
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        use std::io::Read;
        let _ = o.read_to_string(&mut out);
    }
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child and writes into values we own; `child` is not waited again.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    assert!(
        pid > 0 && status == 0,
        "sigscope ingest failed ({status}): {out}"
    );
    // Linux reports ru_maxrss in kB.
    (ru.ru_maxrss as u64, start.elapsed(), out.trim().to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    let dir = tempfile::tempdir().expect("tempdir");
    let mb: u64 = std::env::var("SIGSCOPE_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(128);
    // Memory first: a child's ru_maxrss starts from this process's peak RSS (Linux carries the
    // high-water mark of the address space the child is spawned from across exec), so this
    // process must still be small when it spawns `sigscope ingest`; its own peak is printed as
    // the floor of the figures.
    if std::env::var("SIGSCOPE_BENCH_SKIP_MEMORY").is_err() {
        let bin = std::env::var_os("SIGSCOPE_BENCH_BIN")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_sigscope").into());
        memory(dir.path(), &bin, mb);
    }
    if std::env::var("SIGSCOPE_BENCH_SKIP_THROUGHPUT").is_err() {
        throughput(dir.path(), mb.min(128));
    }
}

/// This process's peak RSS in kB (VmHWM).
fn own_peak_kb() -> u64 {
    procfs::self_figure("status", "VmHWM:")
}

fn throughput(dir: &Path, mb: u64) {
    // How often signals are taken out (and state serialized); ingest does it every 2,000 lines.
    let flush_every: u64 = std::env::var("SIGSCOPE_BENCH_FLUSH_EVERY")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20_000);
    let rounds: usize = std::env::var("SIGSCOPE_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5);
    for (name, pct) in [
        ("(a) recorded CRS attack lines only", 100u64),
        ("(b) mix, 10% attacks", 10),
    ] {
        let path = dir.join(format!("audit-{pct}.log"));
        let (lines, bytes) = generate(&path, mb << 20, pct);
        // The machine is shared: CPU time per run swings by a third with the neighbours' load, so
        // the figure is the median of several runs (each run's is printed too).
        let mut runs: Vec<_> = (0..rounds)
            .map(|_| detect_rate(&path, flush_every))
            .collect();
        let each: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.0}", r.0 as f64 / r.2.as_secs_f64()))
            .collect();
        runs.sort_by_key(|r| r.2);
        let (events, attacks, took, signals, flushing) = runs[runs.len() / 2];
        let rate = events as f64 / took.as_secs_f64();
        let size = bytes as f64 / 1048576.0;
        println!(
            "detect {name}: {lines} lines, {size:.0} MB, avg {} B/line: {events} events ({attacks} attacks, {signals} signal updates, out every {flush_every} events) in {:.2} s CPU = {rate:.0} events/s ({:.0} MB/s) on one thread",
            bytes / lines.max(1),
            took.as_secs_f64(),
            size / took.as_secs_f64()
        );
        println!(
            "  of which taking the signals out (flush): {:.3} s CPU; median of {rounds} runs, events/s each: {}",
            flushing.as_secs_f64(),
            each.join(", ")
        );
        let (parsed, parse_took) = parse_rate(&path);
        println!(
            "  parsing alone: {:.0} events/s ({:.0} MB/s)",
            parsed as f64 / parse_took.as_secs_f64(),
            size / parse_took.as_secs_f64()
        );
        match jq_time(&path) {
            Some(j) => println!(
                "  jq -c . on the same file: {:.2} s CPU = {:.0} lines/s ({:.0} MB/s); sigscope parse+detect is {:.1}x jq",
                j.as_secs_f64(),
                lines as f64 / j.as_secs_f64(),
                size / j.as_secs_f64(),
                j.as_secs_f64() / took.as_secs_f64()
            ),
            None => println!("  jq -c: not available"),
        }
        let _ = std::fs::remove_file(&path);
    }
}

/// The full ingest on a quarter of `mb` and on `mb`; peak RSS should not grow with the file.
fn memory(dir: &Path, bin: &Path, mb: u64) {
    for size in [(mb / 4).max(1), mb] {
        let path = dir.join(format!("rss-{size}.log"));
        let (lines, bytes) = generate(&path, size << 20, 100);
        let floor = own_peak_kb();
        let (peak, took, out) = ingest_peak_rss(bin, dir, &path);
        println!(
            "memory: sigscope ingest --format modsecurity of a {:.0} MB log ({lines} lines): peak RSS {:.1} MB (floor {:.1} MB), {:.1} s wall ({:.0} events/s with dedupe and SQLite): {out}",
            bytes as f64 / 1048576.0,
            peak as f64 / 1024.0,
            floor as f64 / 1024.0,
            took.as_secs_f64(),
            lines as f64 / took.as_secs_f64()
        );
        let _ = std::fs::remove_file(&path);
    }
}
