//! Action dialogs, bulk marks, the palette and refusals, driven through keys against the fake backend.
mod tui_support;

use chrono::TimeDelta;
use sigscope::model::{ArchiveReason, Role, TriageState};
use sigscope::tui::app::{Level, Options};
use sigscope::tui::backend::Change;
use sigscope::tui::harness::keys;
use tui_support::*;

fn last(b: &Fake) -> Change {
    b.applied
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("a change was applied")
}

#[test]
fn assign_dialog_filters_users_as_you_type() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "a");
    let s = screen(&app);
    assert!(
        s.contains("Assign 1 signal") && s.contains("Alice Admin <alice@example.com>"),
        "{s}"
    );
    keys(&mut app, &b, "bob");
    let s = screen(&app);
    assert!(!s.contains("Alice Admin"), "{s}");
    assert!(s.contains("> Bob Analyst"), "{s}");
    keys(&mut app, &b, "<Enter>");
    assert_eq!(
        last(&b),
        Change::Assign {
            ids: vec!["sig-1".into()],
            user: Some("u-bob".into()),
            version: Some(0)
        }
    );
    assert!(app.form.is_none());
    assert_eq!(app.message, Some((Level::Info, "done".into())));
}

#[test]
fn state_dialog_archives_with_reason_and_comment() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "s");
    let s = screen(&app);
    assert!(s.contains("Set state of 1 signal"), "{s}");
    assert!(
        s.contains("> Under Review"),
        "starts on the usual next state: {s}"
    );
    assert!(!s.contains("Archive reason"), "{s}");
    keys(&mut app, &b, "j");
    let s = screen(&app);
    assert!(
        s.contains("> Archived") && s.contains("Archive reason"),
        "{s}"
    );
    // The reason starts on a valid one (False positive; `none` is not offered).
    let s = screen(&app);
    assert!(!s.contains("none"), "{s}");
    keys(&mut app, &b, "<Enter><Enter>seen before<Enter>");
    assert_eq!(
        last(&b),
        Change::SetState {
            ids: vec!["sig-1".into()],
            state: TriageState::Archived,
            reason: Some(ArchiveReason::FalsePositive),
            comment: Some("seen before".into()),
            version: Some(0)
        }
    );
    // The stream shows the new state after the refresh.
    assert_eq!(app.selected_row().unwrap().state, TriageState::Archived);
}

#[test]
fn case_dialog_new_and_existing() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "c");
    let s = screen(&app);
    assert!(
        s.contains("Case for 1 signal") && s.contains("> New case"),
        "{s}"
    );
    keys(&mut app, &b, "<Enter>");
    let s = screen(&app);
    assert!(
        s.contains("Title: SQL injection exploited on /api/login"),
        "{s}"
    );
    // Title, description, priority (not set by default), assignee.
    keys(
        &mut app,
        &b,
        "<Enter>Replayed passwords<Enter><Enter>bob<Enter>",
    );
    assert_eq!(
        last(&b),
        Change::NewCase {
            ids: vec!["sig-1".into()],
            title: "SQL injection exploited on /api/login".into(),
            description: "Replayed passwords".into(),
            priority: "NOT_DEFINED".into(),
            assignee: Some("u-bob".into()),
        }
    );
    keys(&mut app, &b, "cj<Enter>");
    assert!(screen(&app).contains("CASE-7 Credential stuffing wave"));
    keys(&mut app, &b, "<Enter>");
    assert_eq!(
        last(&b),
        Change::AddToCase {
            ids: vec!["sig-1".into()],
            case_id: "CASE-7".into()
        }
    );
}

#[test]
fn incident_dialog_declares_with_severity_and_commander() {
    let b = fixture();
    let mut app = open(&b, 120, 40);
    keys(&mut app, &b, "i<Enter>");
    keys(
        &mut app,
        &b,
        "<Backspace><Backspace><Backspace><Backspace><Backspace>login<Enter>",
    );
    // Severity: UNKNOWN, SEV-0 … SEV-5; SEV-2 is three down.
    assert!(screen(&app).contains("SEV-0"), "{}", screen(&app));
    keys(&mut app, &b, "jjj<Enter>");
    // Customer impact: Yes.
    assert!(screen(&app).contains("Customer impact"));
    keys(&mut app, &b, "j<Enter>");
    keys(&mut app, &b, "alice");
    assert!(screen(&app).contains("> Alice Admin"));
    keys(&mut app, &b, "<Enter>");
    assert_eq!(
        last(&b),
        Change::NewIncident {
            ids: vec!["sig-1".into()],
            title: "SQL injection exploited on /api/login".into(),
            severity: "SEV-2".into(),
            commander: Some("u-alice".into()),
            customer_impacted: true,
        }
    );
}

#[test]
fn block_asks_for_confirmation_and_n_goes_back() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "b");
    let s = screen(&app);
    assert!(
        s.contains("Block the attacking IPs of 1 signal") && s.contains("> 24h"),
        "{s}"
    );
    keys(&mut app, &b, "<Enter>");
    let s = screen(&app);
    assert!(
        s.contains("Block 1 IP(s): 203.0.113.7 for 24h? (y/n)"),
        "{s}"
    );
    keys(&mut app, &b, "n");
    assert!(b.applied.lock().unwrap().is_empty());
    assert!(app.form.as_ref().unwrap().confirm.is_none());
    keys(&mut app, &b, "jjj<Enter>y");
    assert_eq!(
        last(&b),
        Change::BlockIps {
            ids: vec!["sig-1".into()],
            duration: None
        }
    );
    keys(&mut app, &b, "u<Enter>y");
    assert_eq!(
        last(&b),
        Change::BlockUsers {
            ids: vec!["sig-1".into()],
            duration: Some(TimeDelta::days(1))
        }
    );
}

#[test]
fn block_duration_picker_offers_presets_and_a_custom_duration() {
    let b = fixture();
    let mut app = open(&b, 120, 44);
    keys(&mut app, &b, "b");
    let s = screen(&app);
    for preset in ["30m", "1h", "24h", "7d", "30d", "permanent"] {
        assert!(s.contains(preset), "{preset} missing: {s}");
    }
    keys(&mut app, &b, "jjjj");
    let s = screen(&app);
    assert!(
        s.contains("> custom") && s.contains("Custom duration"),
        "{s}"
    );
    // A custom duration that does not parse is refused in the dialog; nothing is applied.
    keys(&mut app, &b, "<Tab>soon<Enter>");
    assert!(b.applied.lock().unwrap().is_empty());
    assert!(screen(&app).contains("custom duration"), "{}", screen(&app));
    // A valid one is confirmed with its text and applied.
    let mut app = open(&b, 120, 44);
    keys(&mut app, &b, "bjjjj<Tab>45m<Enter>");
    let s = screen(&app);
    assert!(s.contains("for 45m? (y/n)"), "{s}");
    keys(&mut app, &b, "y");
    assert_eq!(
        last(&b),
        Change::BlockIps {
            ids: vec!["sig-1".into()],
            duration: Some(TimeDelta::minutes(45))
        }
    );
}

#[test]
fn marked_signals_are_changed_together() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "<Space>j<Space>");
    assert_eq!(app.marked.len(), 2);
    assert!(screen(&app).contains("2 marked"));
    keys(&mut app, &b, ":state under_review<Enter>");
    assert_eq!(
        last(&b),
        Change::SetState {
            ids: vec!["sig-1".into(), "sig-3".into()],
            state: TriageState::UnderReview,
            reason: None,
            comment: None,
            version: None
        }
    );
    assert!(app.marked.is_empty(), "marks clear after a change");
}

#[test]
fn palette_assigns_by_name_and_reports_unknown_commands() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, ":assign bob<Enter>");
    assert_eq!(
        last(&b),
        Change::Assign {
            ids: vec!["sig-1".into()],
            user: Some("u-bob".into()),
            version: Some(0)
        }
    );
    keys(&mut app, &b, ":frobnicate<Enter>");
    let s = screen(&app);
    assert!(s.contains("unknown command \"frobnicate\""), "{s}");
    keys(&mut app, &b, ":state archived<Enter>");
    let s = screen(&app);
    assert!(
        s.contains("> Archived") && s.contains("Archive reason"),
        "{s}"
    );
}

#[test]
fn read_only_role_sees_actions_disabled_and_refused() {
    let b = fixture().with_role(Role::ReadOnly);
    let mut app = open(&b, 120, 40);
    let s = screen(&app);
    assert!(
        s.contains("a assign"),
        "hint still there, shown disabled: {s}"
    );
    keys(&mut app, &b, "a");
    assert!(app.form.is_none());
    let s = screen(&app);
    assert!(
        s.contains("cannot assign: needs security_monitoring_signals_write"),
        "{s}"
    );
    keys(&mut app, &b, "?");
    let s = screen(&app);
    assert!(
        s.contains("(needs security_monitoring_signals_write)"),
        "{s}"
    );
    assert!(s.contains("(needs appsec_protect_write)"), "{s}");
    assert!(b.applied.lock().unwrap().is_empty());
}

#[test]
fn engine_refusal_is_a_message_and_the_view_stays() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    // sig-4 is archived and was first seen 45 days ago: it cannot be reopened.
    keys(&mut app, &b, "G");
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-4");
    keys(&mut app, &b, ":state open<Enter>");
    let s = screen(&app);
    assert!(s.contains("more than 30 days ago"), "{s}");
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-4");
    assert_eq!(app.selected_row().unwrap().state, TriageState::Archived);
}

#[test]
fn read_only_flag_hides_every_change() {
    let b = fixture();
    let opts = Options {
        read_only: true,
        ..Default::default()
    };
    let mut app = open_with(&b, 120, 40, opts);
    let s = screen(&app);
    assert!(!s.contains("a assign") && s.contains("read-only"), "{s}");
    keys(&mut app, &b, "sbaci");
    assert!(app.form.is_none());
    keys(&mut app, &b, "?");
    let s = screen(&app);
    assert!(!s.contains("block attacking IPs"), "{s}");
    assert!(b.applied.lock().unwrap().is_empty());
}
