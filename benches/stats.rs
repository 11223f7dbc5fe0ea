//! `cargo bench --bench stats [-- --signals N[,N...]] [--iters K] [--audit M]`: the triage
//! metrics beside a facet query, in the same run on the same index.
//!
//! Over demo signals (seed 1, 30 days), for a few queries: p50/p95 of the explorer's facet query
//! (parse + filter + count every facet, as `benches/query.rs` measures) and of `stats` (filter with
//! the SLA context + every figure), wall time and this thread's CPU time. Every signal the demo left
//! triaged gets a first-triage time (and an archive time when archived), as the audit trail would
//! give; the `SlaContext` is built once, as the engine does per call from the audit trail. Reading
//! that trail is measured on its own on a SQLite store with `--audit M` triage events (default
//! 20000; 0 skips it).
use criterion::black_box;
use sigscope::demo::{signals as demo, DemoOptions};
use sigscope::model::{Signal, TriageState};
use sigscope::query::{
    parse, GroupBy, SignalIndex, SlaContext, SlaTargets, StatsParams, TimeRange, TriageTimes,
};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERIES: &[(&str, &str)] = &[
    ("all (empty query)", ""),
    ("severity list", "status:(high OR critical)"),
    ("4-term mix", "@workflow.triage.state:(open OR under_review) status:(high OR critical) env:prod -service:checkout-api"),
    ("sla:breached", "sla:breached"),
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

/// p50 and p95 of wall and CPU time of `f` over `iters` runs.
fn time(iters: usize, mut f: impl FnMut()) -> [Duration; 4] {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        let c = cpu_now();
        let t = Instant::now();
        f();
        wall.push(t.elapsed());
        cpu.push(
            cpu_now()
                .zip(c)
                .map_or(Duration::ZERO, |(a, b)| a.saturating_sub(b)),
        );
    }
    wall.sort();
    cpu.sort();
    [
        pct(&wall, 0.5),
        pct(&wall, 0.95),
        pct(&cpu, 0.5),
        pct(&cpu, 0.95),
    ]
}

fn run(n: usize, iters: usize) {
    println!("\n== {n} signals ==");
    let t = Instant::now();
    let signals: Vec<Signal> = demo(&opts(n))
        .filter_map(|v| Signal::from_json(v).ok())
        .collect();
    // What the audit trail would say: each triaged signal was first triaged a while after it was
    // seen (0 to 2h, by its position), and archived an hour after that.
    let mut ctx = SlaContext {
        now_ms: opts(n).now.timestamp_millis(),
        targets: SlaTargets::default(),
        times: Default::default(),
        version: Some(1),
    };
    let times = std::sync::Arc::make_mut(&mut ctx.times);
    for (i, s) in signals.iter().enumerate() {
        if s.triage.state == TriageState::Open && s.triage.assignee.is_none() {
            continue;
        }
        let first = s.first_seen.timestamp_millis() + (i as i64 % 7200) * 1000;
        times.insert(
            s.id.clone(),
            TriageTimes {
                first_triage: Some(first),
                archived: (s.triage.state == TriageState::Archived).then_some(first + 3_600_000),
            },
        );
    }
    let ix = SignalIndex::build(signals);
    println!(
        "set-up {} (generating, parsing, indexing; not measured); {} signals with triage times",
        ms(t.elapsed()),
        ctx.times.len()
    );
    let range = TimeRange::all();
    println!(
        "| query | matches | facets wall p50/p95 | stats wall p50/p95 | facets CPU p50/p95 | stats CPU p50/p95 |"
    );
    for (name, text) in QUERIES {
        let q = match parse(text) {
            Ok(q) => q,
            Err(e) => panic!("{name}: {e}"),
        };
        let matches = ix.matches_sla(&q, &range, Some(&ctx)).len();
        let facets = time(iters, || {
            black_box(ix.search_sla(&q, &range, 10, Some(&ctx)));
        });
        let params = StatsParams::default();
        let stats = time(iters, || {
            black_box(ix.stats_query(&q, &range, &ctx, &params));
        });
        println!(
            "| {name} | {matches} | {} / {} | {} / {} | {} / {} | {} / {} |",
            ms(facets[0]),
            ms(facets[1]),
            ms(stats[0]),
            ms(stats[1]),
            ms(facets[2]),
            ms(facets[3]),
            ms(stats[2]),
            ms(stats[3]),
        );
    }
    for by in [GroupBy::Rule, GroupBy::Service, GroupBy::Assignee] {
        let q = match parse("") {
            Ok(q) => q,
            Err(e) => panic!("{e}"),
        };
        let params = StatsParams {
            by,
            ..StatsParams::default()
        };
        let t = time(iters, || {
            black_box(ix.stats_query(&q, &range, &ctx, &params));
        });
        println!(
            "stats by {}, all signals: wall p50 {} p95 {}",
            by.as_str(),
            ms(t[0]),
            ms(t[1])
        );
    }
}

/// Reading the audit trail into triage times, on a SQLite store with `events` triage events.
fn audit(events: usize, iters: usize) {
    use sigscope::engine::{Command, Engine, SignalRef};
    println!("\n== deriving triage times from {events} audit events (SQLite) ==");
    let Ok(dir) = tempfile_dir() else {
        println!("no temp dir; skipped");
        return;
    };
    let path = dir.join("stats-bench.db");
    let n = events.max(1000) * 2;
    let mut o = opts(n);
    o.now = chrono::Utc::now();
    if let Err(e) = sigscope::demo::populate_at(&path, &o) {
        println!("demo store: {e}; skipped");
        return;
    }
    let Ok(mut engine) = Engine::open(&path) else {
        return;
    };
    let Ok(admin) = engine.resolve_actor(Some("admin@sigscope.test")) else {
        return;
    };
    let mut open = Vec::new();
    let _ = engine.reads(&admin).for_each_signal(&mut |s| {
        if s.triage.state == TriageState::Open && open.len() < events {
            open.push(SignalRef::new(s.id));
        }
        Ok(())
    });
    let got = open.len();
    let r = engine.execute(
        &admin,
        Command::SetState {
            signals: open,
            to: TriageState::UnderReview,
            reason: None,
            comment: None,
        },
    );
    if let Err(e) = r {
        println!("triage: {e}; skipped");
        return;
    }
    let reads = engine.reads(&admin);
    let t = time(iters.clamp(1, 10), || {
        black_box(reads.triage_times().ok());
    });
    println!(
        "{got} events on a store of {n} signals: wall p50 {} p95 {}",
        ms(t[0]),
        ms(t[1])
    );
    let q = parse("").unwrap_or_default();
    let t = time(3, || {
        black_box(
            reads
                .stats(
                    &q,
                    &TimeRange::all(),
                    &StatsParams::default(),
                    SlaTargets::default(),
                )
                .ok(),
        );
    });
    println!(
        "the whole engine query (index built from the store, then stats), as `sigscope stats` runs it: wall p50 {}",
        ms(t[0])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("sigscope-stats-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
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
    let iters = arg("--iters").and_then(|s| s.parse().ok()).unwrap_or(20);
    for n in sizes {
        run(n, iters);
    }
    let events = arg("--audit")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    if events > 0 {
        audit(events, iters);
    }
}
