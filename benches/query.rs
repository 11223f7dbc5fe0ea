//! `cargo bench --bench query [-- --signals N[,N...]] [--iters K]`: the explorer's per-keystroke cost.
//!
//! Over demo signals (the deterministic generator), for each typical query: p50/p95 of
//! parse + filter + count all facets (top 10) on the whole time range, on one thread; plus the
//! time to build the index (as the explorer does: prepared on the parser threads, added on two)
//! and its memory per signal; `--iters 0` stops after the build. Wall time and this thread's
//! CPU time are both shown: on a shared machine, CPU time is the figure that other processes do
//! not inflate. Percentiles need every sample, so this is a plain timing harness (`harness = false`) rather than criterion's mean-oriented report;
//! `criterion::black_box` keeps the work from being optimised away.
use criterion::black_box;
use sigscope::demo::{signals as demo, DemoOptions};
use sigscope::model::Signal;
use sigscope::query::{parse, PreparedSignal, SignalIndex, TimeRange};
use std::time::{Duration, Instant};

// As in the binary, whose explorer builds this index.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// CPU time of this thread (Linux `schedstat`), which other processes' load does not inflate;
/// `None` elsewhere.
fn cpu_now() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn cpu_since(c: Option<Duration>) -> Option<Duration> {
    Some(cpu_now()?.saturating_sub(c?))
}

fn run(n: usize, iters: usize) {
    println!("\n== {n} signals ==");
    let count = gen(n).count();
    // As the explorer loads a store: its parser threads (one per core) prepare each signal for
    // the index right after parsing it, while its JSON is in cache; each chunk of 5000 is then
    // added on two threads. Generating and parsing the JSON, which the index does not keep, are
    // off the clock; preparing is timed signal by signal on each parser thread, and what it adds
    // to the wall is the busier thread's share.
    const CHUNK: usize = 5000;
    let parsers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let (mut prepare_wall, mut prepare_cpu, mut add) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let t = Instant::now();
    let mut ix = SignalIndex::new();
    // The explorer knows the store's count before it loads.
    ix.reserve(count);
    add += t.elapsed();
    let mut source = demo(&opts(n)).peekable();
    while source.peek().is_some() {
        // As stored: the explorer parses the signals' text.
        let mut values: Vec<String> = source.by_ref().take(CHUNK).map(|v| v.to_string()).collect();
        let per = values.len().div_ceil(parsers);
        let mut shares = Vec::new();
        while values.len() > per {
            shares.push(values.split_off(values.len() - per));
        }
        shares.push(values);
        shares.reverse();
        let parts: Vec<(Vec<PreparedSignal>, Duration)> = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .into_iter()
                .map(|share| {
                    scope.spawn(move || {
                        let mut spent = Duration::ZERO;
                        let mut out = Vec::with_capacity(share.len());
                        for text in share {
                            let Ok(s) = serde_json::from_str(&text).map(Signal::from_json) else {
                                continue;
                            };
                            let Ok(s) = s else { continue };
                            let t = Instant::now();
                            out.push(PreparedSignal::new(&s));
                            spent += t.elapsed();
                        }
                        (out, spent)
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        prepare_wall += parts.iter().map(|p| p.1).max().unwrap_or_default();
        prepare_cpu += parts.iter().map(|p| p.1).sum::<Duration>();
        let chunk: Vec<PreparedSignal> = parts.into_iter().flat_map(|p| p.0).collect();
        let t = Instant::now();
        ix.insert_prepared_all(&chunk);
        drop(chunk);
        add += t.elapsed();
    }
    let t = Instant::now();
    ix.shrink_to_fit();
    add += t.elapsed();
    assert_eq!(ix.len(), count);
    println!(
        "index build {} wall = prepare {} (on {parsers} parser threads; {} of CPU) + add {} \
         (generating and parsing the JSON excluded); on one core {}",
        ms(prepare_wall + add),
        ms(prepare_wall),
        ms(prepare_cpu),
        ms(add),
        ms(prepare_cpu + add),
    );
    let mem = ix.memory_bytes();
    println!(
        "index memory {:.1} MB = {} bytes/signal",
        mem as f64 / 1e6,
        mem / count.max(1)
    );
    for (part, bytes) in ix.memory_report() {
        println!("  {part:<42} {:>6} bytes/signal", bytes / count.max(1));
    }
    if iters == 0 {
        // `--iters 0`: the build alone.
        return;
    }
    println!(
        "{:<24} {:>9} {:>10} {:>10} {:>10} {:>10}",
        "query", "matches", "wall p50", "wall p95", "CPU p50", "CPU p95"
    );
    for (name, q) in QUERIES {
        let mut walls = Vec::with_capacity(iters);
        let mut cpus = Vec::with_capacity(iters);
        let mut total = 0;
        for _ in 0..iters {
            let (t, c) = (Instant::now(), cpu_now());
            let query = parse(black_box(q)).unwrap_or_default();
            let r = ix.search(&query, &TimeRange::all(), 10);
            walls.push(t.elapsed());
            cpus.extend(cpu_since(c));
            total = black_box(r).total;
        }
        walls.sort();
        cpus.sort();
        let cpu = |p| {
            if cpus.is_empty() {
                "?".to_string()
            } else {
                ms(pct(&cpus, p))
            }
        };
        println!(
            "{:<24} {:>9} {:>10} {:>10} {:>10} {:>10}",
            name,
            total,
            ms(pct(&walls, 0.5)),
            ms(pct(&walls, 0.95)),
            cpu(0.5),
            cpu(0.95)
        );
    }
}

/// `--profile-build N`: where the build's time goes, on pre-generated signals.
fn profile_build(n: usize) {
    let sigs: Vec<Signal> = gen(n).collect();
    let t = Instant::now();
    let mut k = 0usize;
    for s in &sigs {
        k += s.event().as_object().map_or(0, |m| m.len());
    }
    println!("event() x{n}: {:?} ({k})", t.elapsed());
    let (t, c) = (Instant::now(), cpu_now());
    let mut ix = SignalIndex::new();
    for s in &sigs {
        ix.insert_or_update(s);
    }
    println!(
        "insert x{n}: {:?} wall, {:?} CPU",
        t.elapsed(),
        cpu_since(c)
    );
    let t = Instant::now();
    let mut batched = SignalIndex::new();
    for chunk in sigs.chunks(5000) {
        batched.insert_batch(chunk);
    }
    println!("insert_batch x{n} (chunks of 5000): {:?} wall", t.elapsed());
    assert_eq!(batched.len(), ix.len());
    let q = parse("").unwrap_or_default();
    let t = Instant::now();
    for _ in 0..50 {
        black_box(ix.search(&q, &TimeRange::all(), 10));
    }
    println!("search all x50: {:?}", t.elapsed());
    let q = parse("injection").unwrap_or_default();
    let t = Instant::now();
    for _ in 0..50 {
        black_box(ix.search(&q, &TimeRange::all(), 10));
    }
    println!("search free text x50: {:?}", t.elapsed());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile-build") {
        let n = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_000);
        profile_build(n);
        return;
    }
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
