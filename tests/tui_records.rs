//! Issue 17, item 11: `:cases` and `:incidents` (list, status, priority, assignee, linked
//! signals; Enter opens one with its comments), and the signal's cases and incidents in its side
//! panel, at 80x24 and 160x45.
mod tui_support;

use sigscope::tui::harness::keys;
use tui_support::*;

#[test]
fn cases_screen_lists_and_opens_a_case_with_its_comments() {
    for (w, h) in [(80, 24), (160, 45)] {
        let b = fixture();
        let mut app = open(&b, w, h);
        keys(&mut app, &b, ":cases<Enter>");
        let s = screen(&app);
        assert!(s.contains("Cases: 2"), "{w}x{h}: {s}");
        let row = s.lines().find(|l| l.contains("CASE-7")).unwrap_or("");
        assert!(
            row.contains("In Progress") && row.contains("P2") && row.contains("Bob Analyst"),
            "{w}x{h}: {row}"
        );
        assert!(row.contains(" 2 "), "two linked signals: {row}");
        keys(&mut app, &b, "<Enter>");
        let s = screen(&app);
        assert!(s.contains("Case CASE-7"), "{s}");
        assert!(s.contains("Bots replaying leaked passwords"), "{s}");
        assert!(
            s.contains("Comments (1)") && s.contains("Blocked the first wave"),
            "{s}"
        );
        assert!(s.contains("sig-3"), "linked signals: {s}");
        keys(&mut app, &b, "<Esc>");
        assert!(screen(&app).contains("Cases: 2"), "back to the list");
        keys(&mut app, &b, "<Esc>");
        assert!(app.overlay.is_none());
    }
}

#[test]
fn incidents_screen_lists_and_opens_an_incident() {
    for (w, h) in [(80, 24), (160, 45)] {
        let b = fixture();
        let mut app = open(&b, w, h);
        keys(&mut app, &b, ":incidents<Enter>");
        let s = screen(&app);
        let row = s.lines().find(|l| l.contains("IR-42")).unwrap_or("");
        assert!(
            row.contains("Active") && row.contains("SEV-2") && row.contains("yes"),
            "{w}x{h}: {s}"
        );
        keys(&mut app, &b, "<Enter>");
        let s = screen(&app);
        assert!(s.contains("Incident IR-42"), "{s}");
        assert!(
            s.contains("customer impact: yes") && s.contains("Signals (1)"),
            "{s}"
        );
    }
}

#[test]
fn the_side_panel_names_the_signals_cases_and_incidents() {
    let b = fixture();
    let app = open(&b, 160, 45);
    let s = screen(&app);
    assert!(s.contains("cases: CASE-7 Credential stuffing wave"), "{s}");
    assert!(s.contains("incidents: IR-42 Checkout outage"), "{s}");
    let mut app = open(&b, 80, 24);
    keys(&mut app, &b, "<Enter>");
    let s = screen(&app);
    assert!(s.contains("cases: CASE-7"), "{s}");
}
