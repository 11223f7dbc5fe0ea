//! Issue 17, items 6 and 7 in the buffer at 80x24 and 160x45: the query bar scrolls with the
//! cursor, readline keys, Esc cancels an edit, `:messages`, a scrollable help, a side panel header
//! that cuts no value, status hints at 80 columns, `:sort` and `<`/`>`, and `p`.
mod tui_support;

use sigscope::tui::harness::keys;
use sigscope::tui::sort::Sort;
use tui_support::*;

const LONG: &str = "service:checkout-api -@workflow.triage.state:archived status:high @network.client.ip:203.0.113.7 tail";

#[test]
fn the_query_bar_scrolls_with_the_cursor_at_80_columns() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    keys(&mut app, &b, &format!("/{LONG}"));
    let top = screen(&app).lines().next().unwrap_or("").to_string();
    assert!(
        top.contains("203.0.113.7 tail"),
        "the end is in sight: {top}"
    );
    assert!(top.contains(" / …"), "the cut start is marked: {top}");
    let (x, _) = sigscope::tui::view::search_bar::cursor(&app).unwrap();
    assert!(x < 80, "cursor on screen: {x}");
    keys(&mut app, &b, "<Home>");
    let top = screen(&app).lines().next().unwrap_or("").to_string();
    assert!(
        top.contains(" / service:checkout-api"),
        "back at the start: {top}"
    );
    assert_eq!(sigscope::tui::view::search_bar::cursor(&app), Some((3, 0)));
}

#[test]
fn readline_keys_and_esc_restores_the_previous_query() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    keys(&mut app, &b, "/Credential<Enter>");
    assert_eq!(app.query, "Credential");
    keys(&mut app, &b, "/ status:high<C-w>");
    assert_eq!(app.editor.text, "Credential ");
    keys(&mut app, &b, "<C-a>x<C-e>y");
    assert_eq!(app.editor.text, "xCredential y");
    keys(&mut app, &b, "<C-a><Right><C-k>");
    assert_eq!(app.editor.text, "x");
    keys(&mut app, &b, "<C-u>Scanner");
    assert_eq!(app.editor.text, "Scanner");
    // Results followed the typing; Esc brings back the query and its results.
    keys(&mut app, &b, "<Esc>");
    assert!(!app.editing);
    assert_eq!(app.editor.text, "Credential");
    assert_eq!(app.query, "Credential");
    let s = screen(&app);
    assert!(
        s.contains("Credential stuffing") && !s.contains("Scanner detected"),
        "{s}"
    );
}

#[test]
fn messages_keeps_every_message_whole() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    let long = "x".repeat(150);
    app.error(format!("first {long} end-of-first"));
    app.info("second");
    keys(&mut app, &b, ":messages<Enter>");
    let s = screen(&app);
    assert!(s.contains("Messages: "), "{s}");
    assert!(s.contains("end-of-first"), "wrapped, not cut: {s}");
    let second = s.find("  second").unwrap_or(usize::MAX);
    let first = s.find("✗ first").unwrap_or(0);
    assert!(second < first, "newest first: {s}");
    keys(&mut app, &b, "<Esc>");
    assert!(app.overlay.is_none());
    let app = {
        let mut a = open(&b, 160, 45);
        a.info("hello");
        keys(&mut a, &b, ":messages<Enter>");
        a
    };
    assert!(screen(&app).contains("hello"));
}

#[test]
fn help_scrolls_and_closes_only_on_esc_q_or_question_mark() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    keys(&mut app, &b, "?");
    let s = screen(&app);
    assert!(s.contains("j/k PgDn scroll"), "{s}");
    assert!(s.contains(":messages") && s.contains(":sort NAME"), "{s}");
    assert!(
        !s.contains("Ctrl-C always quits"),
        "the end is below at 80x24: {s}"
    );
    keys(&mut app, &b, "G");
    let s = screen(&app);
    assert!(
        s.contains("Ctrl-C always quits"),
        "scrolled to the end: {s}"
    );
    keys(&mut app, &b, "zx");
    assert!(app.help, "stray keys keep it");
    keys(&mut app, &b, "?");
    assert!(!app.help);
    let mut app = open(&b, 160, 45);
    keys(&mut app, &b, "?");
    assert!(screen(&app).contains(":incidents"));
}

#[test]
fn the_side_panel_header_cuts_whole_values_only() {
    let mut b = fixture();
    {
        let sigs = b.signals.get_mut().unwrap();
        let ips: Vec<String> = (1..=9).map(|i| format!("198.51.100.{i}{i}")).collect();
        sigs[0].attacker_ips = ips;
    }
    let app = open(&b, 160, 45);
    let s = screen(&app);
    let ips = s
        .lines()
        .find(|l| l.contains("IPs: "))
        .expect("an IPs line")
        .to_string();
    assert!(ips.contains("… +"), "the rest counted: {ips}");
    // Every address shown is whole.
    let shown = ips.split("IPs: ").nth(1).unwrap_or("");
    for part in shown.split(", ").filter(|p| p.starts_with("198.")) {
        let v = part.split_whitespace().next().unwrap_or("");
        assert_eq!(v.len(), 13, "whole address: {v:?} in {ips}");
    }
    assert!(s.contains("env: prod"), "{s}");
    assert!(
        s.contains("first (UTC): ") || s.contains("first (UTC+"),
        "labelled: {s}"
    );
    assert!(s.contains("High") && s.contains("Open"), "full names: {s}");
}

#[test]
fn status_hints_fit_80_columns() {
    let b = fixture();
    let app = open(&b, 80, 24);
    let s = screen(&app);
    let status = s.lines().last().unwrap_or("");
    assert!(
        status.contains("/ search") && status.contains("? help"),
        "{status}"
    );
    assert!(status.chars().count() <= 80);
}

#[test]
fn sort_by_severity_and_back_with_angle_brackets() {
    let b = fixture();
    let mut app = open(&b, 160, 45);
    keys(&mut app, &b, ":sort severity<Enter>");
    assert_eq!(app.sort, Sort::Severity);
    let s = screen(&app);
    assert!(s.contains("by severity"), "{s}");
    // The stream's own cells (a row starts with its time), not the facets' or the panel's.
    let row = |s: &str, tag: &str| {
        s.lines().position(|l| {
            l.split('│').any(|seg| {
                seg.get(2..8).is_some_and(|t| t.starts_with("11-26")) && seg.contains(tag)
            })
        })
    };
    let crit = row(&s, " Critical ").unwrap_or(usize::MAX);
    let high = row(&s, " High ").unwrap_or(0);
    assert!(crit < high, "critical first: {s}");
    keys(&mut app, &b, "<");
    assert_eq!(app.sort, Sort::Time);
    keys(&mut app, &b, ">>");
    assert_eq!(app.sort, Sort::State);
    let s = screen(&app);
    let review = row(&s, " Under Review ").unwrap_or(usize::MAX);
    let archived = row(&s, " Archived ").unwrap_or(0);
    assert!(review < archived, "open, under review, archived: {s}");
    keys(&mut app, &b, ":sort size<Enter>");
    assert!(screen(&app).contains("sort by one of: time, severity"));
}

#[test]
fn p_hides_and_shows_the_side_panel() {
    let b = fixture();
    let mut app = open(&b, 160, 45);
    assert!(screen(&app).contains(" Signal "));
    keys(&mut app, &b, "p");
    let s = screen(&app);
    assert!(!s.contains("[1 Attack Flow]"), "{s}");
    assert!(s.contains("ASSIGNEE") && s.contains("ATTACKERS"), "{s}");
    keys(&mut app, &b, "p");
    assert!(screen(&app).contains("[1 Attack Flow]"));
}

#[test]
fn esc_puts_the_old_query_in_force_before_its_results_arrive() {
    use sigscope::tui::action::{Action, Edit, Effect};
    let b = fixture();
    let mut app = open(&b, 80, 24);
    keys(&mut app, &b, "/Credential<Enter>/<C-u>zzz");
    assert_eq!(app.query, "zzz", "results followed the typing");
    // Esc, and a sort pressed before the restored query's results come back.
    let fx = sigscope::tui::update::update(&mut app, Action::Edit(Edit::Cancel));
    assert!(matches!(&fx[..], [Effect::Search { req, .. }] if req.query == "Credential"));
    let fx = sigscope::tui::update::update(&mut app, Action::Run("sort severity".into()));
    assert!(
        matches!(&fx[..], [Effect::Search { req, .. }] if req.query == "Credential"),
        "{fx:?}"
    );
}
