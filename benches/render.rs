//! Render benchmarks for the explorer: `cargo bench --bench render`.
//!
//! - `startup/100k` (printed first): a store holding 100 000 demo signals; the time from opening it
//!   to the first frame (the explorer draws before the index is built, saying it is loading), and
//!   to the first frame with rows (the index built from the store).
//! - `frame/1m/...` (criterion): one frame — the update for a keypress (page down, or jump to the
//!   end) and the draw — with a million demo signals in the query index and all of them matching.
//!   Set `SIGSCOPE_BENCH_SIGNALS` to use another count.
//!
//! Frames are drawn into a ratatui buffer; writing the diff to a real terminal is not included.
use chrono::{DateTime, Utc};
use criterion::Criterion;
use sigscope::demo::{self, DemoOptions};
use sigscope::model::Signal;
use sigscope::query::{parse, SignalIndex, TimeRange};
use sigscope::tui::action::Action;
use sigscope::tui::app::{App, Options};
use sigscope::tui::backend::Backend;
use sigscope::tui::backend::SearchResult;
use sigscope::tui::keys::Cmd;
use sigscope::tui::update::{start, update};
use sigscope::tui::{harness, view, LocalBackend};
use std::sync::{Arc, RwLock};
use std::time::Instant;

// As in the binary: the load is allocation-heavy.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn opts(n: usize) -> DemoOptions {
    DemoOptions {
        signals: n,
        seed: 1,
        days: 30,
        now: now(),
    }
}

fn startup() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("signals.db");
    {
        let t = Instant::now();
        demo::populate_at(&path, &opts(100_000)).expect("demo data");
        println!(
            "startup/100k: store filled in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    for round in 0..3 {
        let t = Instant::now();
        let backend = LocalBackend::open(&path, Some("alice@sigscope.test")).expect("backend");
        let mut app = App::new(Options::default(), now(), 80, 24);
        let fx = start(&mut app);
        let area = ratatui::layout::Rect::new(0, 0, 80, 24);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        view::draw(&app, area, &mut buf);
        let first_frame = t.elapsed();
        // What the runtime's background tasks do: run the start-up effects, then draw.
        let mut queue: std::collections::VecDeque<_> = fx.into();
        while let Some(e) = queue.pop_front() {
            if let Some(a) = harness::execute(&backend, app.now, e) {
                queue.extend(update(&mut app, a));
            }
        }
        buf.reset();
        view::draw(&app, area, &mut buf);
        let first_rows = t.elapsed();
        assert!(app.row_count() > 0);
        // The rest loads behind the first screen; facet counts are final once it has.
        let req = sigscope::tui::backend::SearchRequest {
            query: String::new(),
            from: None,
            to: None,
        };
        let all_indexed = loop {
            let r = backend.search(&req).expect("search");
            if r.loading.is_none() {
                break t.elapsed();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        println!(
            "startup/100k round {round}: first frame {:.2} ms, first rows {:.0} ms ({} rows), all indexed {:.2} s",
            first_frame.as_secs_f64() * 1e3,
            first_rows.as_secs_f64() * 1e3,
            app.row_count(),
            all_indexed.as_secs_f64()
        );
    }
}

fn loaded_app(n: usize, w: u16, h: u16) -> App {
    let t = Instant::now();
    let index =
        SignalIndex::build(demo::signals(&opts(n)).filter_map(|v| Signal::from_json(v).ok()));
    println!(
        "frame: {n} signals indexed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let q = parse("").expect("the empty query");
    let res = index.search(&q, &TimeRange::all(), 10);
    let total = index.len();
    let rows = sigscope::tui::local::index_rows(Arc::new(RwLock::new(index)), res.matches);
    let mut app = App::new(Options::default(), now(), w, h);
    app.search_gen = 1;
    update(
        &mut app,
        Action::SearchDone {
            gen: 1,
            query: String::new(),
            result: Ok(SearchResult {
                rows,
                total,
                ..Default::default()
            }),
        },
    );
    app
}

fn frame(c: &mut Criterion) {
    let n: usize = std::env::var("SIGSCOPE_BENCH_SIGNALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let base = loaded_app(n, 80, 24);
    let label = if n == 1_000_000 {
        "1m".to_string()
    } else {
        n.to_string()
    };
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = App::new(Options::default(), now(), w, h);
        app.search_gen = 1;
        update(
            &mut app,
            Action::SearchDone {
                gen: 1,
                query: String::new(),
                result: Ok(base.results.clone()),
            },
        );
        let area = ratatui::layout::Rect::new(0, 0, w, h);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        let mut down = true;
        c.bench_function(&format!("frame/{label}/{w}x{h}/page"), |b| {
            b.iter(|| {
                if app.selected + 100 >= app.row_count() {
                    down = false;
                } else if app.selected < 100 {
                    down = true;
                }
                update(
                    &mut app,
                    Action::Cmd(if down { Cmd::PageDown } else { Cmd::PageUp }),
                );
                buf.reset();
                view::draw(&app, area, &mut buf);
            })
        });
        c.bench_function(&format!("frame/{label}/{w}x{h}/jump_to_end"), |b| {
            b.iter(|| {
                update(&mut app, Action::Cmd(Cmd::Bottom));
                buf.reset();
                view::draw(&app, area, &mut buf);
                update(&mut app, Action::Cmd(Cmd::Top));
            })
        });
    }
}

fn main() {
    startup();
    let mut c = Criterion::default().sample_size(50).configure_from_args();
    frame(&mut c);
    c.final_summary();
}
