//! Issue 17, items 1, 2 and 8: no picker change on a no-match, marks that never act on signals out
//! of sight, bulk confirmations that list what they touch, and "apply to the rest".
mod tui_support;

use sigscope::model::TriageState;
use sigscope::tui::app::Level;
use sigscope::tui::backend::Change;
use sigscope::tui::harness::keys;
use tui_support::*;

fn applied(b: &Fake) -> Vec<Change> {
    b.applied.lock().unwrap().clone()
}

#[test]
fn assign_with_a_filter_that_matches_nobody_changes_nothing() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "azzz");
    assert!(screen(&app).contains("Enter changes nothing"));
    keys(&mut app, &b, "<Enter>");
    assert!(applied(&b).is_empty(), "nothing applied: {:?}", applied(&b));
    assert!(app.form.is_some(), "the dialog stays open");
    let s = screen(&app);
    assert!(s.contains("no user matches \"zzz\""), "{s}");
    // Unassigning is the explicit entry.
    keys(&mut app, &b, "<Esc>a(unassign)<Enter>");
    assert_eq!(
        applied(&b),
        vec![Change::Assign {
            ids: vec!["sig-1".into()],
            user: None,
            version: Some(0)
        }]
    );
}

#[test]
fn marks_go_when_the_query_changes_and_esc_clears_them() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "<Space>j<Space>");
    assert_eq!(app.marked.len(), 2);
    keys(&mut app, &b, "<Esc>");
    assert!(app.marked.is_empty(), "Esc clears the marks");
    keys(&mut app, &b, "<Space>");
    assert_eq!(app.marked.len(), 1);
    keys(&mut app, &b, "/Credential<Enter>");
    assert!(app.marked.is_empty(), "a new query drops the marks");
    let s = screen(&app);
    assert!(s.contains("unmarked 1 signal no longer listed"), "{s}");
    // `a` now acts on the one signal listed, not the unseen mark.
    keys(&mut app, &b, "abob<Enter>");
    assert_eq!(
        applied(&b),
        vec![Change::Assign {
            ids: vec!["sig-3".into()],
            user: Some("u-bob".into()),
            version: Some(0)
        }]
    );
}

#[test]
fn star_marks_every_match_after_naming_the_count_and_bulk_asks_first() {
    let b = fixture();
    let mut app = open(&b, 160, 45);
    keys(&mut app, &b, "*");
    let s = screen(&app);
    assert!(s.contains("Mark all 4 signals matching the search?"), "{s}");
    assert!(app.marked.is_empty(), "nothing marked before the yes");
    keys(&mut app, &b, "y");
    assert_eq!(app.marked.len(), 4);
    keys(&mut app, &b, "abob<Enter>");
    assert!(applied(&b).is_empty(), "a batch waits for a yes");
    let s = screen(&app);
    assert!(s.contains("Assign 4 signals"), "{s}");
    assert!(
        s.contains("Credential stuffing on /login — 203.0.113.7"),
        "{s}"
    );
    assert!(s.contains("… and 1 more"), "{s}");
    keys(&mut app, &b, "y");
    assert_eq!(applied(&b).len(), 1);
}

#[test]
fn a_refused_batch_can_be_applied_to_the_rest() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    // sig-1 (open) and sig-4 (archived 45 days after first seen: cannot reopen).
    keys(&mut app, &b, "<Space>G<Space>");
    assert_eq!(app.marked.len(), 2);
    keys(&mut app, &b, "s");
    let s = screen(&app);
    assert!(s.contains("> Open"), "{s}");
    assert!(
        !s.contains("Comment"),
        "no comment field outside archiving: {s}"
    );
    keys(&mut app, &b, "<Enter>y");
    let s = screen(&app);
    assert!(s.contains("Apply to each of the 2 signals"), "{s}");
    keys(&mut app, &b, "y");
    let s = screen(&app);
    assert!(
        s.contains("1 of 2 signals → Open; 1 refused (:messages)"),
        "{s}"
    );
    assert!(app
        .messages
        .iter()
        .any(|(_, l, m)| *l == Level::Error && m.contains("refused sig-4")));
    assert_eq!(
        b.signals.lock().unwrap()[3].triage.state,
        TriageState::Archived
    );
}

#[test]
fn a_refused_single_change_reopens_its_dialog_with_the_reason() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "Gs<Enter>");
    let f = app.form.as_ref().expect("the dialog is back");
    assert!(f.fields.iter().any(|x| x
        .error
        .as_deref()
        .is_some_and(|e| e.contains("more than 30 days"))));
}

/// Item 9: a value that differs only in case gets a note with the spelling that matches.
#[test]
fn a_value_in_the_wrong_case_gets_a_note() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "/status:CRITICAL<Enter>");
    assert_eq!(app.row_count(), 0);
    let s = screen(&app);
    assert!(
        s.contains(
            "note: status:CRITICAL matches nothing; values are case-sensitive: try status:critical"
        ),
        "{s}"
    );
}

/// Item 9: `:goto ID` opens a signal whether or not the search lists it.
#[test]
fn goto_opens_a_signal_by_id_even_outside_the_search() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    keys(&mut app, &b, "/Credential<Enter>");
    assert_eq!(app.row_count(), 1);
    keys(&mut app, &b, ":goto sig-2<Enter>");
    assert_eq!(app.detail.as_ref().map(|d| d.id.as_str()), Some("sig-2"));
    let s = screen(&app);
    assert!(s.contains("Command injection on /admin/exec"), "{s}");
    keys(&mut app, &b, "<Esc>:goto sig-3<Enter>");
    assert_eq!(
        app.selected_row().map(|r| r.id.to_string()),
        Some("sig-3".into())
    );
}

/// Item 12: Esc then a key, sent by tmux as one Alt+key, is both keys.
#[test]
fn esc_and_a_key_sent_as_alt_key_is_both() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use sigscope::tui::action::Action;
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "azzz");
    sigscope::tui::harness::drive(
        &mut app,
        &b,
        Action::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::ALT)),
    );
    assert!(app.form.is_none(), "the Esc closed the dialog");
    assert_eq!(app.marked.len(), 1, "the Space marked the signal");
}
