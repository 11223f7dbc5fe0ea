//! Detection benchmark: `cargo bench --bench detect`.
//!
//! - Throughput: a ModSecurity 2.9 JSON audit log is generated from the lines Apache + ModSecurity +
//!   OWASP CRS wrote in `tests/fixtures/detect/` (unique ids, client IPs and times varied), then
//!   parsed and run through the default rule catalogue on one thread; `jq -c . FILE` reads the same
//!   file side by side. Two files: attacks only (what `SecAuditEngine RelevantOnly` keeps) and a mix
//!   of 90 % benign transactions (what `SecAuditEngine On` keeps). 64 attacker IPs, 20 requests/s.
//! - Memory: `sigscope ingest` (the real command: dedupe, SQLite, signals through the engine) on a
//!   generated log of 1x and 4x the size; its peak RSS should stay flat. `SIGSCOPE_BENCH_MB` sets the
//!   1x size (default 128).
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
        // 64 attackers, each for a stretch of the log, and 500 benign clients.
        let ip = if attack {
            format!("203.0.113.{}", ((i / 500) * 7 + i % 4) % 64 + 1)
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

fn detect_rate(path: &Path) -> (u64, u64, Duration, usize) {
    let rules = Catalogue::defaults().expect("catalogue").enabled();
    let mut d = Detector::new(rules);
    let f = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open"));
    let start = thread_cpu();
    let (mut events, mut attacks, mut signals) = (0u64, 0u64, 0usize);
    for line in f.lines() {
        let line = line.expect("read");
        let e = Format::ModSecurity.read(&line).expect("valid line");
        events += 1;
        if e.is_attack() {
            attacks += 1;
        }
        d.process(&e, &mut NoState).expect("process");
        if events % 20_000 == 0 {
            signals += d.flush().signals.len();
        }
    }
    signals += d.flush().signals.len();
    (events, attacks, thread_cpu().saturating_sub(start), signals)
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

/// Peak RSS (kB) of `sigscope ingest` on `log`, sampled from /proc every 20 ms.
fn ingest_peak_rss(dir: &Path, log: &Path) -> (u64, Duration, String) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigscope"))
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
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            for l in s.lines() {
                if let Some(v) = l.strip_prefix("VmHWM:") {
                    let kb: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak = peak.max(kb);
                }
            }
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        use std::io::Read;
        let _ = o.read_to_string(&mut out);
    }
    (peak, start.elapsed(), out.trim().to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    let dir = tempfile::tempdir().expect("tempdir");
    let mb: u64 = std::env::var("SIGSCOPE_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(128);
    for (name, pct) in [
        ("attacks only (RelevantOnly)", 100u64),
        ("10% attacks (SecAuditEngine On)", 10),
    ] {
        let path = dir.path().join(format!("audit-{pct}.log"));
        let (lines, bytes) = generate(&path, mb << 20, pct);
        let (events, attacks, took, signals) = detect_rate(&path);
        let rate = events as f64 / took.as_secs_f64();
        println!(
            "detect/{name}: {lines} lines, {:.0} MB, avg {} B/line: {events} events ({attacks} attacks, {signals} signal updates) in {:.2} s CPU = {:.0} events/s ({:.0} MB/s) on one thread",
            bytes as f64 / 1048576.0,
            bytes / lines.max(1),
            took.as_secs_f64(),
            rate,
            bytes as f64 / 1048576.0 / took.as_secs_f64()
        );
        match jq_time(&path) {
            Some(j) => println!(
                "jq -c . on the same file: {:.2} s CPU = {:.0} lines/s ({:.0} MB/s); sigscope parse+detect is {:.1}x jq",
                j.as_secs_f64(),
                lines as f64 / j.as_secs_f64(),
                bytes as f64 / 1048576.0 / j.as_secs_f64(),
                j.as_secs_f64() / took.as_secs_f64()
            ),
            None => println!("jq -c: not available"),
        }
    }
    if std::env::var("SIGSCOPE_BENCH_SKIP_MEMORY").is_ok() {
        return;
    }
    // Memory: the full ingest on 1x and 4x the size; peak RSS should not grow with the file.
    for mult in [1u64, 4] {
        let path = dir.path().join(format!("rss-{mult}x.log"));
        let (lines, bytes) = generate(&path, (mb << 20) * mult, 100);
        let (peak, took, out) = ingest_peak_rss(dir.path(), &path);
        println!(
            "memory/ingest {mult}x: {:.0} MB log ({lines} lines): peak RSS {:.1} MB, {:.1} s ({:.0} events/s with dedupe and SQLite) — {out}",
            bytes as f64 / 1048576.0,
            peak as f64 / 1024.0,
            took.as_secs_f64(),
            lines as f64 / took.as_secs_f64()
        );
        let _ = std::fs::remove_file(&path);
    }
}
