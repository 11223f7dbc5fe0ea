//! `cargo bench --bench query [-- --signals N[,N...]] [--iters K]`: the explorer's per-keystroke cost.
//!
//! Over demo signals (the deterministic generator), for each typical query: p50/p95 of
//! parse + filter + count all facets (top 10) on the whole time range, on one thread; plus the
//! time to build the index and its memory per signal. Percentiles need every sample, so this is
//! a plain timing harness (`harness = false`) rather than criterion's mean-oriented report;
//! `criterion::black_box` keeps the work from being optimised away.
use criterion::black_box;
use sigscope::demo::{signals as demo, DemoOptions};
use sigscope::model::Signal;
use sigscope::query::{parse, SignalIndex, TimeRange};
use std::time::{Duration, Instant};

const QUERIES: &[(&str, &str)] = &[
    ("all (empty query)", ""),
    ("state filter", "@workflow.triage.state:open"),
    ("severity list", "status:(high OR critical)"),
    ("wildcard rule name", "@workflow.rule.name:*injection*"),
    ("free text", "injection"),
    ("free text with digits", "\"from 3 IP\""),
    (
        "CIDR v4+v6",
        "CIDR(@network.client.ip,192.0.2.0/24,2001:db8::/32)",
    ),
    ("negation", "-@workflow.triage.state:archived"),
    (
        "6-term mix",
        "@workflow.triage.state:(open OR under_review) status:(high OR critical) env:prod \
         -service:checkout-api @workflow.events_matched:>100 @appsec.type:*injection*",
    ),
];

fn opts(n: usize) -> DemoOptions {
    DemoOptions {
        signals: n,
        seed: 1,
        days: 30,
        now: chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default(),
    }
}

fn gen(n: usize) -> impl Iterator<Item = Signal> {
    demo(&opts(n)).filter_map(|v| Signal::from_json(v).ok())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn run(n: usize, iters: usize) {
    println!("\n== {n} signals ==");
    // Generating and parsing vendor JSON is not index work: time it alone, then with the build.
    let t = Instant::now();
    let count = gen(n).count();
    let gen_time = t.elapsed();
    let t = Instant::now();
    let ix = SignalIndex::build(gen(n));
    let total_time = t.elapsed();
    assert_eq!(ix.len(), count);
    let build = total_time.saturating_sub(gen_time);
    let mem = ix.memory_bytes();
    println!(
        "generate+parse {}  |  index build {} (generate+parse+build {})",
        ms(gen_time),
        ms(build),
        ms(total_time)
    );
    println!(
        "index memory {:.1} MB = {} bytes/signal",
        mem as f64 / 1e6,
        mem / count.max(1)
    );
    for (part, bytes) in ix.memory_report() {
        println!("  {part:<42} {:>6} bytes/signal", bytes / count.max(1));
    }
    println!(
        "{:<24} {:>9} {:>10} {:>10}",
        "query", "matches", "p50", "p95"
    );
    for (name, q) in QUERIES {
        let mut times = Vec::with_capacity(iters);
        let mut total = 0;
        for _ in 0..iters {
            let t = Instant::now();
            let query = parse(black_box(q)).unwrap_or_default();
            let r = ix.search(&query, &TimeRange::all(), 10);
            times.push(t.elapsed());
            total = black_box(r).total;
        }
        times.sort();
        println!(
            "{:<24} {:>9} {:>10} {:>10}",
            name,
            total,
            ms(pct(&times, 0.5)),
            ms(pct(&times, 0.95))
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sizes: Vec<usize> = arg("--signals")
        .unwrap_or_else(|| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let iters = arg("--iters").and_then(|s| s.parse().ok()).unwrap_or(30);
    for n in sizes {
        run(n, iters);
    }
}
