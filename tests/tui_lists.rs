//! The full-pane lists: the denylist (`:blocks`) and the notification rules (`:notify`), driven
//! through keys against the fake backend and read back from the drawn buffer.
mod tui_support;

use chrono::TimeDelta;
use sigscope::model::{BlockKind, Role};
use sigscope::tui::app::{Level, Options};
use sigscope::tui::backend::{Change, NotifyRuleRow};
use sigscope::tui::harness::keys;
use tui_support::*;

fn with_blocks(b: Fake) -> Fake {
    *b.blocks.lock().unwrap() = vec![
        block(1, "203.0.113.7", BlockKind::Ip, Some(24)),
        block(2, "evil\u{1b}[31muser", BlockKind::User, None),
        block(3, "198.51.100.0/24", BlockKind::Range, Some(-2)),
    ];
    b
}

#[test]
fn blocks_view_lists_the_denylist_and_cleans_attacker_values() {
    let b = with_blocks(fixture());
    let mut app = open(&b, 140, 30);
    keys(&mut app, &b, ":blocks<Enter>");
    let s = screen(&app);
    assert!(s.contains("Denylist: 2 in force"), "{s}");
    assert!(s.contains("203.0.113.7") && s.contains("ip"), "{s}");
    assert!(
        s.contains("permanent") && s.contains("11-27 12:00 (1d)"),
        "{s}"
    );
    assert!(s.contains("credential stuffing"), "{s}");
    assert!(
        s.contains("alice@example.com") && s.contains("sig-1"),
        "{s}"
    );
    // The escape sequence in the user id is shown, never sent to the terminal.
    assert!(s.contains("evil\\x1b[31muser"), "{s}");
    assert!(!s.contains('\u{1b}'), "{s}");
    assert!(
        !s.contains("198.51.100.0/24"),
        "expired entries are hidden: {s}"
    );
    // `a` adds lifted and expired entries.
    keys(&mut app, &b, "a");
    let s = screen(&app);
    assert!(
        s.contains("198.51.100.0/24") && s.contains("expired"),
        "{s}"
    );
    assert!(s.contains("Denylist: 3 entries (all)"), "{s}");
}

#[test]
fn blocks_view_filters_as_you_type_after_slash() {
    let b = with_blocks(fixture());
    let mut app = open(&b, 140, 30);
    keys(&mut app, &b, ":blocks<Enter>/evil");
    let s = screen(&app);
    assert!(s.contains("filter: evil"), "{s}");
    assert!(s.contains("Denylist: 1 in force"), "{s}");
    assert!(!s.contains("203.0.113.7"), "{s}");
    // Enter keeps the filter and gives the letters back to the commands.
    keys(&mut app, &b, "<Enter>x");
    assert!(
        screen(&app).contains("Lift the block of evil"),
        "{}",
        screen(&app)
    );
}

#[test]
fn extend_picks_a_duration_and_reissues_the_block() {
    let b = with_blocks(fixture());
    let mut app = open(&b, 140, 30);
    keys(&mut app, &b, ":blocks<Enter>e");
    let s = screen(&app);
    assert!(s.contains("Extend the block of 203.0.113.7"), "{s}");
    for d in ["30m", "1h", "24h", "7d", "30d", "permanent"] {
        assert!(s.contains(d), "{d} offered: {s}");
    }
    keys(&mut app, &b, "j<Enter>");
    assert_eq!(
        b.applied.lock().unwrap().last().cloned(),
        Some(Change::ExtendBlock {
            kind: BlockKind::Ip,
            value: "203.0.113.7".into(),
            duration: Some(TimeDelta::days(7)),
        })
    );
    assert!(app.form.is_none());
    assert!(screen(&app).contains("Denylist"), "back on the list");
}

#[test]
fn lift_asks_first_and_the_list_reloads() {
    let b = with_blocks(fixture());
    let mut app = open(&b, 140, 30);
    keys(&mut app, &b, ":blocks<Enter>x");
    let s = screen(&app);
    assert!(s.contains("Lift the block of 203.0.113.7? (y/n)"), "{s}");
    keys(&mut app, &b, "n");
    assert!(b.applied.lock().unwrap().is_empty(), "n changes nothing");
    assert!(!screen(&app).contains("(y/n)"));
    keys(&mut app, &b, "dy");
    assert_eq!(
        b.applied.lock().unwrap().last().cloned(),
        Some(Change::Unblock { id: 1 })
    );
    let s = screen(&app);
    assert!(s.contains("Denylist: 1 in force"), "{s}");
    assert!(!s.contains("203.0.113.7"), "{s}");
}

#[test]
fn a_user_without_the_permission_is_told_why_in_the_message_line() {
    let b = with_blocks(fixture().with_role(Role::ReadOnly));
    let mut app = open(&b, 140, 30);
    keys(&mut app, &b, ":blocks<Enter>");
    let s = screen(&app);
    assert!(
        s.contains("(extend/lift: needs appsec_protect_write)"),
        "{s}"
    );
    keys(&mut app, &b, "x");
    assert_eq!(
        app.message,
        Some((
            Level::Error,
            "cannot lift the block: needs appsec_protect_write".into()
        ))
    );
    keys(&mut app, &b, "e");
    assert!(app.form.is_none());
    assert!(b.applied.lock().unwrap().is_empty());
}

#[test]
fn read_only_mode_hides_extend_and_lift() {
    let b = with_blocks(fixture());
    let mut app = open_with(
        &b,
        140,
        30,
        Options {
            read_only: true,
            ..Options::default()
        },
    );
    keys(&mut app, &b, ":blocks<Enter>");
    let s = screen(&app);
    assert!(s.contains("203.0.113.7"), "{s}");
    assert!(!s.contains("e extend") && !s.contains("x lift"), "{s}");
    keys(&mut app, &b, "x");
    assert!(b.applied.lock().unwrap().is_empty());
    assert_eq!(
        app.message,
        Some((Level::Error, "cannot lift the block: read-only mode".into()))
    );
}

#[test]
fn esc_returns_to_the_stream() {
    let b = with_blocks(fixture());
    let mut app = open(&b, 140, 30);
    let stream = screen(&app);
    keys(&mut app, &b, ":blocks<Enter>");
    assert!(screen(&app).contains("Denylist"));
    keys(&mut app, &b, "<Esc>");
    let s = screen(&app);
    assert!(!s.contains("Denylist"), "{s}");
    assert!(app.overlay.is_none());
    assert_eq!(s, stream);
}

#[test]
fn notify_view_lists_rules_with_masked_targets() {
    let b = fixture();
    *b.rules.lock().unwrap() = vec![
        NotifyRuleRow {
            name: "page on critical".into(),
            enabled: true,
            severities: vec!["critical".into()],
            query: "service:checkout-api".into(),
            targets: vec!["pagerduty:abcd****".into()],
        },
        NotifyRuleRow {
            name: "quiet\u{202e}rule".into(),
            enabled: false,
            severities: vec![],
            query: String::new(),
            targets: vec!["webhook:https://hooks.example.com/****".into()],
        },
    ];
    let mut app = open(&b, 140, 30);
    keys(&mut app, &b, ":notify<Enter>");
    let s = screen(&app);
    assert!(s.contains("Notification rules: 2"), "{s}");
    assert!(
        s.contains("page on critical") && s.contains("critical"),
        "{s}"
    );
    assert!(s.contains("service:checkout-api"), "{s}");
    assert!(s.contains("pagerduty:abcd****"), "{s}");
    assert!(s.contains("off") && s.contains("all"), "{s}");
    assert!(s.contains("quiet\\u202erule"), "{s}");
    keys(&mut app, &b, "<Esc>");
    assert!(app.overlay.is_none());
    assert!(!screen(&app).contains("Notification rules"));
}

#[test]
fn help_lists_the_new_palette_commands() {
    let b = fixture();
    let mut app = open(&b, 140, 40);
    keys(&mut app, &b, "?");
    let s = screen(&app);
    assert!(
        s.contains("denylist: / filter, a all, e extend, x lift"),
        "{s}"
    );
    assert!(s.contains("notification rules (targets masked)"), "{s}");
}
