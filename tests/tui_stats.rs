//! The explorer's triage metrics drawn into test buffers at 80x24 and 160x45, in colour and
//! without (`NO_COLOR` is the mono palette): the histogram above the stream, the `:stats` screen,
//! the SLA mark in the stream, and the keys that drive them.
mod tui_support;

use ratatui::style::{Color, Modifier};
use sigscope::tui::app::{App, Options};
use sigscope::tui::harness::{self, keys, render};
use sigscope::tui::theme::{Palette, Theme};
use tui_support::*;

/// The usual four, and a critical signal two hours old that nobody triaged: past its 1h SLA.
fn stats_fixture() -> Fake {
    let f = fixture().with_stats();
    f.add(signal(Spec {
        id: "sig-5",
        minutes_ago: 120,
        severity: "critical",
        title: "Path traversal on /files",
        service: "files",
        ip: "198.51.100.99",
        ..Default::default()
    }));
    f
}

fn mono() -> Options {
    Options {
        theme: Theme::new(Palette::Mono),
        ..Default::default()
    }
}

fn app(b: &Fake, w: u16, h: u16, no_color: bool) -> App {
    open_with(b, w, h, if no_color { mono() } else { Options::default() })
}

fn line(s: &str, y: usize) -> &str {
    s.lines().nth(y).unwrap_or("")
}

/// 300 minutes of signals in 5-minute buckets: the five signals sit in these columns.
const BARS: [usize; 5] = [0, 36, 42, 54, 59];

#[test]
fn one_row_histogram_above_the_stream_at_80x24() {
    for no_color in [false, true] {
        let b = stats_fixture();
        let app = app(&b, 80, 24, no_color);
        let stats = app
            .stats
            .latest
            .clone()
            .expect("stats loaded after the search");
        assert_eq!(stats.bucket_s, 300);
        assert_eq!(stats.volume.len(), 60);
        let buf = render(&app);
        let s = harness::screen(&buf);
        // Row 1 is the histogram: a full bar where each signal is, nothing elsewhere.
        let bars: Vec<usize> = line(&s, 1)
            .chars()
            .enumerate()
            .filter(|(_, c)| *c == '█')
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bars, BARS, "{s}");
        assert!(line(&s, 2).contains("Signals 5"), "the stream follows: {s}");
        let critical = &buf[(36, 1)];
        if no_color {
            assert_eq!(critical.fg, Color::Reset);
            for cell in buf.content() {
                assert_eq!(cell.fg, Color::Reset);
                assert_eq!(cell.bg, Color::Reset);
            }
        } else {
            assert_eq!(critical.fg, Color::LightRed, "coloured by severity");
            assert_eq!(buf[(0, 1)].fg, Color::Blue, "the low one");
        }
        if !no_color {
            insta::assert_snapshot!("stats_histogram_80x24", s);
        }
    }
}

#[test]
fn h_toggles_the_histogram_and_the_stream_takes_its_row() {
    let b = stats_fixture();
    let mut a = app(&b, 80, 24, false);
    keys(&mut a, &b, "h");
    let s = screen(&a);
    assert!(line(&s, 1).contains("Signals 5"), "{s}");
    assert!(!s.contains('█'));
    keys(&mut a, &b, "h");
    assert!(screen(&a).lines().nth(1).unwrap().contains('█'));
}

#[test]
fn a_backend_without_stats_draws_no_histogram_and_says_nothing() {
    let b = fixture();
    let a = open(&b, 80, 24);
    let s = screen(&a);
    assert!(line(&s, 1).contains("Signals 4"), "{s}");
    assert!(a.message.is_none(), "{:?}", a.message);
}

#[test]
fn taller_histogram_with_its_scale_at_160x45() {
    for no_color in [false, true] {
        let b = stats_fixture();
        let app = app(&b, 160, 45, no_color);
        let buf = render(&app);
        let s = harness::screen(&buf);
        // Above the stream (x 30..108 between the facets and the side panel): a scale row, then
        // four rows of bars.
        assert!(
            line(&s, 1)
                .contains("Signals over time · 5m00s per bar · peak 1 · 11-26 07:00 → 11-26 12:00"),
            "{s}"
        );
        // The histogram's area starts where its title line does (one space before the title), after
        // the facets pane, whatever width the layout gives the facets.
        let title: Vec<char> = line(&s, 1).chars().collect();
        let start = (0..title.len())
            .find(|&x| title[x..].starts_with(&"Signals over time".chars().collect::<Vec<_>>()))
            .map(|x| x - 1)
            .unwrap();
        for y in 2..6 {
            let row: Vec<char> = line(&s, y).chars().collect();
            let bars: Vec<usize> = (start..row.len())
                .filter(|&x| row.get(x) == Some(&'█'))
                .map(|x| x - start)
                .collect();
            assert_eq!(bars, BARS, "row {y}: {s}");
        }
        assert!(line(&s, 6).contains("Signals 5"), "{s}");
        if no_color {
            assert!(buf.content().iter().all(|c| c.fg == Color::Reset));
        } else {
            assert_eq!(buf[(start as u16 + 36, 5)].fg, Color::LightRed);
            insta::assert_snapshot!("stats_histogram_160x45", s);
        }
    }
}

#[test]
fn the_stream_marks_a_breach_with_a_glyph_that_survives_no_color() {
    for no_color in [false, true] {
        let b = stats_fixture();
        let app = app(&b, 80, 24, no_color);
        assert!(app.stats.is_breached("sig-5"));
        assert!(!app.stats.is_breached("sig-2"), "30m old: within 1h");
        let buf = render(&app);
        let s = harness::screen(&buf);
        let y = s
            .lines()
            .position(|l| l.contains("Path traversal"))
            .unwrap();
        let row: Vec<char> = line(&s, y).chars().collect();
        assert_eq!(row[2], '!', "{s}");
        let other = s
            .lines()
            .position(|l| l.contains("Command injection"))
            .unwrap();
        assert_eq!(line(&s, other).chars().nth(2), Some(' '));
        let cell = &buf[(2, y as u16)];
        assert!(cell.modifier.contains(Modifier::BOLD));
        if !no_color {
            assert_eq!(cell.fg, Color::Red);
        }
    }
}

#[test]
fn stats_screen_at_80x24_and_160x45() {
    for (w, h) in [(80u16, 24u16), (160, 45)] {
        for no_color in [false, true] {
            let b = stats_fixture();
            let mut a = app(&b, w, h, no_color);
            keys(&mut a, &b, ":stats<Enter>");
            let buf = render(&a);
            let s = harness::screen(&buf);
            assert!(s.contains("Stats · by severity"), "{s}");
            assert!(s.contains("5 signals · all signals · all time"), "{s}");
            let row = |g: &str| {
                s.lines()
                    .find(|l| l.trim_start_matches(['│', '>', ' ']).starts_with(g))
                    .unwrap_or_else(|| panic!("no {g} row: {s}"))
                    .to_string()
            };
            // Severity order, counts, a bar as long as the largest group's for critical (2).
            assert!(row("critical").contains(" 2 "), "{s}");
            assert!(row("high").contains(" 1 "), "{s}");
            let crit = s.find("critical").unwrap();
            let high = s.find("high").unwrap();
            assert!(crit < high);
            let bar = |l: &str| l.chars().filter(|c| *c == '█').count();
            assert_eq!(bar(&row("critical")), 2 * bar(&row("high")), "{s}");
            // Nobody triaged anything: no times; four open, one past its SLA.
            assert!(row("critical").contains('-'));
            assert!(s.contains("Open 4"), "{s}");
            assert!(s.contains("<1h 2") && s.contains("1h-4h 2"), "{s}");
            assert!(s.contains("1 breached"), "{s}");
            assert!(
                s.contains("targets critical 1h, high 4h, medium 1d, low 3d, info 7d"),
                "{s}"
            );
            let wide = w >= 160;
            assert_eq!(s.matches("max").count(), if wide { 2 } else { 1 }, "{s}");
            if no_color {
                assert!(buf.content().iter().all(|c| c.fg == Color::Reset));
            } else {
                insta::assert_snapshot!(format!("stats_screen_{w}x{h}"), s);
            }
        }
    }
}

#[test]
fn tab_regroups_and_enter_filters_the_stream_on_the_group() {
    let b = stats_fixture();
    let mut a = app(&b, 80, 24, false);
    keys(&mut a, &b, ":stats<Enter>");
    keys(&mut a, &b, "<Tab>");
    let s = screen(&a);
    assert!(s.contains("Stats · by rule"), "{s}");
    assert!(s.contains("> SQL injection e…       5"), "{s}");
    keys(&mut a, &b, "<Tab><Tab><Tab>");
    assert!(screen(&a).contains("Stats · by severity"));
    // j: from critical to high; Enter: the stream, filtered on it.
    keys(&mut a, &b, "j<Enter>");
    assert!(a.stats.screen.is_none());
    assert_eq!(a.query, "status:high");
    let s = screen(&a);
    assert!(s.contains("Signals 1"), "{s}");
    assert!(s.contains("SQL injection exploited on"), "{s}");
    // The histogram follows the new query.
    assert_eq!(a.stats.latest.as_ref().unwrap().total, 1);
    // Esc leaves the screen without touching the query.
    keys(&mut a, &b, ":stats<Enter><Esc>");
    assert!(a.stats.screen.is_none());
    assert_eq!(a.query, "status:high");
}

#[test]
fn a_bad_grouping_is_refused_by_name() {
    let b = stats_fixture();
    let mut a = app(&b, 80, 24, false);
    keys(&mut a, &b, ":stats colour<Enter>");
    assert!(a.stats.screen.is_none());
    let s = screen(&a);
    assert!(s.contains(":stats colour: expected severity"), "{s}");
    keys(&mut a, &b, ":stats assignee<Enter>");
    assert!(screen(&a).contains("Stats · by assignee"));
}

#[test]
fn drawn_through_a_ratatui_test_backend_too() {
    let b = stats_fixture();
    let mut a = app(&b, 80, 24, false);
    keys(&mut a, &b, ":stats<Enter>");
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    term.draw(|f| sigscope::tui::view::render(&a, f)).unwrap();
    let buf = term.backend().buffer().clone();
    assert_eq!(harness::screen(&buf), harness::screen(&render(&a)));
}
