//! Render benchmarks for the explorer.
//!
//! - `frame/1m`: one frame (update for a keypress + draw) with a million signals in the result.
//!   The rows come from a `RowSource` that builds each row on demand, as the index-backed source
//!   does, so the cost measured is that of the visible rows only.
//! - `startup/100k`: open a store holding 100 000 demo signals and draw the first frame; and, apart,
//!   the time until the first rows are on screen (the index build).
//!
//! `cargo bench --bench render`
use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use sigscope::model::{Severity, TriageState};
use sigscope::tui::action::Action;
use sigscope::tui::app::{App, Options};
use sigscope::tui::backend::{Row, RowSource, SearchResult};
use sigscope::tui::keys::Cmd;
use sigscope::tui::text::SafeText;
use sigscope::tui::update::update;
use sigscope::tui::view;
use std::sync::Arc;

struct Synthetic(usize);

const TITLES: [&str; 4] = [
    "SQL injection exploited on /api/login",
    "Credential stuffing against /auth/session",
    "SSRF attempt to 169.254.169.254 from image proxy",
    "Scanner detected: nuclei \u{1b}[2J probing",
];

impl RowSource for Synthetic {
    fn len(&self) -> usize {
        self.0
    }
    fn row(&self, i: usize) -> Option<Row> {
        if i >= self.0 {
            return None;
        }
        let id = format!("AQAAAZ{i:012}");
        Some(Row {
            id_text: SafeText::new(&id),
            id: Arc::from(id.as_str()),
            timestamp: Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
                - TimeDelta::seconds(i as i64),
            severity: Severity::ALL[i % 5],
            title: SafeText::new(TITLES[i % 4]),
            service: SafeText::new(["checkout-api", "auth", "admin-portal"][i % 3]),
            attackers: SafeText::new(&format!("203.0.113.{} +{}", i % 250, i % 3)),
            state: TriageState::ALL[i % 3],
            assignee: i.is_multiple_of(2).then(|| SafeText::new("Alice Analyst")),
        })
    }
    fn position(&self, id: &str) -> Option<usize> {
        id.strip_prefix("AQAAAZ")?
            .parse()
            .ok()
            .filter(|&i| i < self.0)
    }
}

fn app_with(n: usize, w: u16, h: u16) -> App {
    let mut app = App::new(Options::default(), Utc::now(), w, h);
    let result = SearchResult {
        rows: Arc::new(Synthetic(n)),
        total: n,
        ..Default::default()
    };
    app.search_gen = 1;
    update(
        &mut app,
        Action::SearchDone {
            gen: 1,
            query: String::new(),
            result: Ok(result),
        },
    );
    app
}

fn frame(c: &mut Criterion) {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = app_with(1_000_000, w, h);
        let area = ratatui::layout::Rect::new(0, 0, w, h);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        let mut down = true;
        c.bench_function(&format!("frame/1m/{w}x{h}"), |b| {
            b.iter(|| {
                // A page down (or back up at the ends) and the frame it leads to.
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
        c.bench_function(&format!("frame/1m/{w}x{h}/jump_to_bottom"), |b| {
            b.iter(|| {
                update(&mut app, Action::Cmd(Cmd::Bottom));
                buf.reset();
                view::draw(&app, area, &mut buf);
                update(&mut app, Action::Cmd(Cmd::Top));
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = frame
}
criterion_main!(benches);
