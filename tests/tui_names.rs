//! Issue 17's last buffer gaps: full severity and state names in the stream where they fit
//! (item 12), signal ids typed into the query bar (item 9), and a bulk archive whose message says
//! its reason whole at 80 columns (item 8).
mod tui_support;

use chrono::Utc;
use sigscope::demo::{self, DemoOptions};
use sigscope::tui::app::{App, Options};
use sigscope::tui::backend::{Backend, SearchRequest};
use sigscope::tui::harness;
use sigscope::tui::LocalBackend;
use tui_support::{fixture, open, screen};

/// The stream's cells on the screen row that shows `title` (the panes on either side left out):
/// the header (`TIME`) or a row (a month's digits after the marker columns).
fn stream_row(s: &str, title: &str) -> String {
    s.lines()
        .flat_map(|l| l.split('│'))
        .find(|seg| {
            seg.contains(title)
                && (seg.contains("TIME")
                    || seg
                        .get(2..4)
                        .is_some_and(|m| m.chars().all(|c| c.is_ascii_digit())))
        })
        .unwrap_or_else(|| panic!("no stream row with {title}:\n{s}"))
        .to_string()
}

#[test]
fn the_stream_says_severity_and_state_in_full_at_160x45_and_80x24() {
    let b = fixture();
    for (w, h) in [(160, 45), (80, 24)] {
        let app = open(&b, w, h);
        let s = screen(&app);
        let header = stream_row(&s, "TITLE");
        assert!(header.contains("SEVERITY"), "{w}x{h}: {header}");
        for (title, sev, state) in [
            ("SQL inject", "High", "Open"),
            ("Command inje", "Critical", "Open"),
            ("Credential s", "Medium", "Under Review"),
            ("Scanner dete", "Low", "Archived"),
        ] {
            let row = stream_row(&s, title);
            assert!(row.contains(&format!(" {sev} ")), "{w}x{h}: {row}");
            assert!(row.contains(&format!(" {state} ")), "{w}x{h}: {row}");
            for short in ["MED ", "CRIT", "HIGH", "LOW ", "review", " open "] {
                assert!(!row.contains(short), "{w}x{h}: {short:?} in {row}");
            }
        }
        // Results without `Critical` or `Under Review` leave that room to the title.
        let mut app = open(&b, w, h);
        harness::keys(&mut app, &b, "/status:high<Enter>");
        let row = stream_row(&screen(&app), "SQL inject");
        assert!(row.contains(" High "), "{w}x{h}: {row}");
        assert!(row.contains("SQL injection exploi"), "{w}x{h}: {row}");
    }
}

/// The Related tab, full screen at 80 columns, has the room for the names too.
#[test]
fn related_signals_say_severity_and_state_in_full_when_the_panel_has_room() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    harness::keys(&mut app, &b, "<Enter>4");
    let s = screen(&app);
    let line = s
        .lines()
        .find(|l| l.contains("Credential stuffing on"))
        .unwrap_or_else(|| panic!("the related signal:\n{s}"));
    assert!(
        line.contains(" Medium ") && line.contains(" Under Review"),
        "{line}"
    );
    assert!(!line.contains("MED") && !line.contains("review"), "{line}");
}

fn demo_backend(dir: &std::path::Path) -> LocalBackend {
    let path = dir.join("signals.db");
    demo::populate_at(
        &path,
        &DemoOptions {
            signals: 60,
            seed: 7,
            days: 30,
            now: demo::default_now(),
        },
    )
    .unwrap();
    LocalBackend::open(&path, Some("alice@sigscope.test")).unwrap()
}

fn ids_of(b: &LocalBackend, q: &str) -> Vec<String> {
    let r = b
        .search(&SearchRequest {
            query: q.into(),
            from: None,
            to: None,
        })
        .unwrap();
    (0..r.rows.len())
        .filter_map(|i| r.rows.row(i).map(|x| x.id.to_string()))
        .collect()
}

/// Item 9: a signal's id typed into the query bar lists that signal, whole as free text or as
/// `id:ID` (the explorer's index; the CLI and server share the query code, see query_cli.rs).
#[test]
fn typing_a_signal_id_in_the_query_bar_lists_that_signal() {
    let dir = tempfile::tempdir().unwrap();
    let b = demo_backend(dir.path());
    let all = ids_of(&b, "");
    let id = all[all.len() / 2].clone();
    let mut app = App::new(Options::default(), Utc::now(), 80, 24);
    harness::open(&mut app, &b);
    for q in [id.clone(), format!("id:{id}")] {
        harness::keys(&mut app, &b, &format!("/<C-u>{q}<Enter>"));
        assert_eq!(app.query, q);
        assert_eq!(app.row_count(), 1, "query {q}");
        assert_eq!(
            app.selected_row().map(|r| r.id.to_string()),
            Some(id.clone())
        );
        let s = harness::screen(&harness::render(&app));
        let status = s.lines().last().unwrap_or_default();
        assert!(status.starts_with(" 1 of "), "{s}");
    }
}

/// Item 8: after a bulk archive the message line says the reason in words, whole, at 80 columns.
#[test]
fn a_bulk_archive_message_says_its_reason_whole_at_80_columns() {
    let dir = tempfile::tempdir().unwrap();
    let b = demo_backend(dir.path());
    let mut app = App::new(Options::default(), Utc::now(), 80, 24);
    harness::open(&mut app, &b);
    harness::keys(&mut app, &b, "/@workflow.triage.state:open<Enter>");
    assert!(app.row_count() >= 2);
    harness::keys(&mut app, &b, "<Space>j<Space>");
    assert_eq!(app.marked.len(), 2);
    // Open → the dialog starts on Under Review; one down is Archived, then the fourth reason.
    harness::keys(&mut app, &b, "s<Down><Enter><Down><Down><Down>");
    let s = harness::screen(&harness::render(&app));
    assert!(s.contains("> Investigated case opened"), "{s}");
    harness::keys(&mut app, &b, "<Enter><Enter>");
    let s = harness::screen(&harness::render(&app));
    assert!(s.contains("(y/n)"), "a batch asks first: {s}");
    harness::keys(&mut app, &b, "y");
    let s = harness::screen(&harness::render(&app));
    let message = s.lines().nth(22).unwrap_or_default();
    assert!(
        message.contains("2 signals → Archived (Investigated case opened)"),
        "the message line, whole: {message:?}\n{s}"
    );
    assert!(!message.contains('…'), "{message:?}");
}
