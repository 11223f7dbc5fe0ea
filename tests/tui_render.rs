//! The explorer drawn into a test buffer: layouts, search, the side panel and terminal safety.
mod tui_support;

use ratatui::style::Modifier;
use sigscope::tui::action::Action;
use sigscope::tui::app::{Options, Pane, Tab};
use sigscope::tui::harness::{self, drive, keys, render};
use sigscope::tui::theme::{Palette, Theme};
use tui_support::*;

#[test]
fn wide_terminal_shows_three_panes() {
    let b = fixture();
    let app = open(&b, 160, 30);
    let s = screen(&app);
    assert!(s.contains(" Facets "), "{s}");
    assert!(s.contains("Signal State"), "{s}");
    assert!(s.contains("Signals 4"), "{s}");
    assert!(
        s.contains("[1 Attack Flow]")
            && s.contains("2 Activity Summary")
            && s.contains("3 Rule Details")
            && s.contains("4 Related"),
        "side panel with the tabs' full names: {s}"
    );
    assert!(s.contains("SERVICE") && s.contains("STATE"), "{s}");
    // Issue 17 item 7: who owns what is visible at 160 columns, with the facets and the panel.
    assert!(s.contains("ATTACKERS") && s.contains("ASSIGNEE"), "{s}");
    insta::assert_snapshot!("explorer_160x30", s);
    // Wider still, the stream has room for the attackers and the assignee.
    let app = open(&b, 220, 30);
    let s = screen(&app);
    assert!(s.contains("ATTACKERS") && s.contains("ASSIGNEE"), "{s}");
    assert!(s.contains("203.0.113.7, jane"), "{s}");
}

#[test]
fn medium_terminal_folds_the_facets_and_f_brings_them_back() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    let s = screen(&app);
    assert!(!s.contains(" Facets "), "{s}");
    assert!(s.contains("[1 Attack Flow]"), "{s}");
    keys(&mut app, &b, "f");
    assert!(screen(&app).contains(" Facets "));
}

#[test]
fn narrow_terminal_shows_the_stream_and_opens_the_side_panel_full_screen() {
    let b = fixture();
    let mut app = open(&b, 80, 24);
    let s = screen(&app);
    assert!(!s.contains("Attack Flow"), "{s}");
    // Issue 17 item 12: full severity and state names at 80 columns leave the title 20 cells.
    assert!(s.contains("SQL injection explo…"), "{s}");
    // Issue 17 item 7: who owns a signal is visible at 80 columns (first names).
    assert!(s.contains("ASSIGNEE"), "{s}");
    insta::assert_snapshot!("explorer_80x24", s);
    keys(&mut app, &b, "<Enter>");
    let s = screen(&app);
    assert!(s.contains("[1 Attack Flow]"), "{s}");
    assert!(!s.contains("TITLE"), "the stream is hidden: {s}");
    keys(&mut app, &b, "<Esc>");
    assert!(screen(&app).contains("TITLE"));
}

#[test]
fn too_small_terminal_says_so() {
    let b = fixture();
    let app = open(&b, 59, 20);
    let s = screen(&app);
    assert!(s.contains("terminal too small: 59x20"), "{s}");
    let app = open(&b, 80, 15);
    assert!(screen(&app).contains("terminal too small: 80x15"));
}

#[test]
fn resizing_keeps_the_selection() {
    let b = fixture();
    let mut app = open(&b, 160, 30);
    keys(&mut app, &b, "jj");
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-3");
    drive(&mut app, &b, Action::Resize(80, 24));
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-3");
    drive(&mut app, &b, Action::Resize(59, 10));
    drive(&mut app, &b, Action::Resize(140, 40));
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-3");
    assert!(screen(&app)
        .lines()
        .any(|l| l.contains('>') && l.contains("Credential stuff")));
}

#[test]
fn facet_selection_adds_removes_and_excludes_a_term() {
    let b = fixture();
    let mut app = open(&b, 160, 30);
    keys(&mut app, &b, "<Tab><Tab>");
    assert_eq!(app.focus, Pane::Facets);
    // The first value of the first facet: Signal State "open" (2 signals).
    keys(&mut app, &b, "<Enter>");
    assert_eq!(app.query, "@workflow.triage.state:open");
    assert_eq!(app.row_count(), 2);
    let s = screen(&app);
    assert!(s.contains("/ @workflow.triage.state:open"), "{s}");
    assert!(s.lines().any(|l| l.contains(">+ Open")), "{s}");
    keys(&mut app, &b, "<Enter>");
    assert_eq!(app.query, "");
    assert_eq!(app.row_count(), 4);
    keys(&mut app, &b, "-");
    assert_eq!(app.query, "-@workflow.triage.state:open");
    assert_eq!(app.row_count(), 2);
}

#[test]
fn search_updates_as_you_type_and_keeps_history() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "/service:auth");
    assert!(app.editing);
    assert_eq!(app.row_count(), 1, "results follow the typing");
    keys(&mut app, &b, "<Enter>");
    assert!(!app.editing);
    keys(
        &mut app,
        &b,
        "/<Backspace><Backspace><Backspace><Backspace>admin-portal<Enter>",
    );
    assert_eq!(app.query, "service:admin-portal");
    keys(&mut app, &b, "/<Up>");
    assert_eq!(app.editor.text, "service:admin-portal");
    keys(&mut app, &b, "<Up>");
    assert_eq!(app.editor.text, "service:auth");
    keys(&mut app, &b, "<Down><Down>");
    assert_eq!(
        app.editor.text, "service:admin-portal",
        "back to the line being edited"
    );
}

#[test]
fn tab_completes_facet_keys_and_values() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "/serv<Tab>");
    assert_eq!(app.editor.text, "service:");
    keys(&mut app, &b, "a<Tab>");
    assert_eq!(app.editor.text, "service:admin-portal");
}

#[test]
fn bad_query_is_underlined_and_the_old_results_stay() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "/service:checkout-api<Enter>");
    assert_eq!(app.row_count(), 2);
    keys(&mut app, &b, "/ (scan");
    assert_eq!(app.row_count(), 2, "old results stay");
    let err = app.query_error.clone().expect("an error");
    assert_eq!(err.start, 21);
    let buf = render(&app);
    // " / " then the query: the '(' is at column 3 + 21.
    let cell = &buf[(24, 0)];
    assert_eq!(cell.symbol(), "(");
    assert!(cell.modifier.contains(Modifier::UNDERLINED));
    assert!(!buf[(23, 0)].modifier.contains(Modifier::UNDERLINED));
    let s = screen(&app);
    assert!(s.contains("query: unclosed parenthesis (at 21)"), "{s}");
    assert!(s.contains("Signals 2"), "{s}");
    keys(&mut app, &b, ")");
    assert!(app.query_error.is_none());
    assert_eq!(app.row_count(), 1);
}

#[test]
fn each_side_panel_tab() {
    let b = fixture();
    let mut app = open(&b, 220, 40);
    let s = screen(&app);
    assert!(s.contains("203.0.113.7 (jane@example.com) ×3"), "{s}");
    assert!(s.contains("└ checkout-api ×3"), "{s}");
    assert!(s.contains("└ POST /api/login ×3"), "{s}");
    assert!(
        s.contains("└ blocked ×2") && s.contains("└ passed ×1") && !s.contains("exploited ×"),
        "{s}"
    );
    assert!(
        s.contains("payload in server.request.body.password: ' OR 1=1--"),
        "{s}"
    );
    assert!(s.contains("owner: team-payments"), "{s}");
    keys(&mut app, &b, "2");
    let s = screen(&app);
    assert!(s.contains("[2 Activity"), "{s}");
    assert!(
        s.contains("Attack types") && s.contains("sql_injection"),
        "{s}"
    );
    assert!(s.contains("system signal created"), "{s}");
    keys(&mut app, &b, "3");
    let s = screen(&app);
    assert!(
        s.contains("id: rule-sqli") && s.contains("version: 3"),
        "{s}"
    );
    assert!(
        s.contains("Runbook") && s.contains("1. Block the IP."),
        "{s}"
    );
    keys(&mut app, &b, "]");
    assert_eq!(app.tab, Tab::Related);
    let s = screen(&app);
    assert!(s.contains("Credential stuffing on /login"), "{s}");
    // Enter on a related signal jumps to it.
    keys(&mut app, &b, "<Tab><Enter>");
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-3");
    assert_eq!(app.tab, Tab::Flow, "a jump opens the other signal's flow");
    keys(&mut app, &b, "[");
    assert_eq!(app.tab, Tab::Related);
}

#[test]
fn blocked_ips_are_marked_in_the_header() {
    let b = fixture();
    let mut app = open(&b, 160, 40);
    keys(&mut app, &b, "j");
    let s = screen(&app);
    assert!(s.contains("198.51.100.23 [blocked]"), "{s}");
}

#[test]
fn hostile_user_agent_is_shown_escaped() {
    let ua = "curl\u{1b}]0;pwned\u{7}x\u{1b}[2Jy\u{202e}gnp.exe";
    let b = Fake::new(vec![signal(Spec {
        user_agent: ua,
        title: "evil\u{202e}title\u{1b}[2J",
        ..Default::default()
    })]);
    let app = open(&b, 160, 40);
    let buf = render(&app);
    let s = harness::screen(&buf);
    assert!(
        s.contains("curl\\x1b]0;pwned\\x07x\\x1b[2Jy\\u202egnp.exe"),
        "{s}"
    );
    assert!(s.contains("evil\\u202etitle\\x1b[2J"), "{s}");
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(sigscope::sanitize::is_unsafe),
            "unsafe char in {:?}",
            cell.symbol()
        );
    }
    // The escapes are dimmed, the text around them is not.
    let line = s.lines().position(|l| l.contains("curl\\x1b")).unwrap() as u16;
    let row: String = (0..160)
        .map(|x| buf[(x, line)].symbol().to_string())
        .collect();
    let col = row.find("\\x1b").unwrap() as u16;
    let col = row[..col as usize].chars().count() as u16;
    assert!(buf[(col, line)].modifier.contains(Modifier::DIM));
    assert!(!buf[(col - 1, line)].modifier.contains(Modifier::DIM));
}

#[test]
fn long_values_are_cut_with_an_ellipsis_in_the_stream() {
    let long =
        "A very long signal title that goes on and on well past any column width you could give it";
    let b = Fake::new(vec![signal(Spec {
        title: long,
        ..Default::default()
    })]);
    let app = open(&b, 80, 24);
    let s = screen(&app);
    assert!(s.contains('…'), "{s}");
    assert!(!s.contains("could give it"), "{s}");
}

#[test]
fn monochrome_selection_is_bold_without_colour_or_reverse() {
    let b = fixture();
    let opts = Options {
        theme: Theme::new(Palette::Mono),
        ..Default::default()
    };
    let app = open_with(&b, 120, 30, opts);
    let buf = render(&app);
    let s = harness::screen(&buf);
    let y = s
        .lines()
        .position(|l| l.contains("> ") && l.contains("SQL injection"))
        .unwrap() as u16;
    let c = &buf[(5, y)];
    assert!(c.modifier.contains(Modifier::BOLD));
    assert!(!c.modifier.contains(Modifier::REVERSED));
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn help_lists_the_keys_of_the_focused_pane() {
    let b = fixture();
    let mut app = open(&b, 120, 40);
    keys(&mut app, &b, "?");
    let s = screen(&app);
    assert!(s.contains(" Keys "), "{s}");
    assert!(
        s.contains("assign") && s.contains("mark for bulk actions"),
        "{s}"
    );
    // A stray key does not close it (issue 17: it closed on any key); Esc, q or ? do.
    keys(&mut app, &b, "x");
    assert!(app.help);
    keys(&mut app, &b, "<Esc>");
    assert!(!app.help);
    keys(&mut app, &b, "?q");
    assert!(
        !app.help && !app.quit,
        "q closes the help, it does not quit"
    );
}

#[test]
fn live_signals_arrive_without_moving_the_cursor() {
    let b = fixture();
    for i in 0..30 {
        b.add(signal(Spec {
            id: &format!("old-{i}"),
            minutes_ago: 400 + i,
            title: "Old probe",
            ..Default::default()
        }));
    }
    let mut app = open(&b, 120, 24);
    keys(&mut app, &b, "<PageDown>jj");
    let chosen = app.selected_row().unwrap().id.clone();
    let before = screen(&app);
    let y_before = before.lines().position(|l| l.starts_with("│>")).unwrap();
    b.add(signal(Spec {
        id: "sig-new",
        minutes_ago: 1,
        title: "Fresh SSRF attempt",
        ..Default::default()
    }));
    drive(&mut app, &b, Action::Tick(now()));
    assert_eq!(app.row_count(), 35);
    assert_eq!(app.selected_row().unwrap().id, chosen);
    let after = screen(&app);
    let y_after = after.lines().position(|l| l.starts_with("│>")).unwrap();
    assert_eq!(y_before, y_after, "{after}");
    keys(&mut app, &b, "g");
    assert!(
        screen(&app).contains("Fresh SSRF attempt"),
        "the new signal is at the top"
    );
    // Paused: nothing new comes in until refreshed.
    keys(&mut app, &b, "L");
    b.add(signal(Spec {
        id: "sig-newer",
        minutes_ago: 0,
        title: "Even fresher",
        ..Default::default()
    }));
    drive(&mut app, &b, Action::Tick(now()));
    assert_eq!(app.row_count(), 35);
    keys(&mut app, &b, "r");
    assert_eq!(app.row_count(), 36);
}

#[test]
fn time_range_picker_narrows_the_stream() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "t");
    let s = screen(&app);
    assert!(s.contains("Time range") && s.contains(" > all time"), "{s}");
    // From "all time" up to "last 1h".
    keys(&mut app, &b, "kkkkk<Enter>");
    assert_eq!(app.row_count(), 2);
    assert!(screen(&app).contains("[last 1h]"));
}

#[test]
fn saved_views_come_back() {
    let b = fixture();
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, ":view review<Enter>");
    assert_eq!(app.query, "@workflow.triage.state:under_review");
    assert_eq!(app.row_count(), 1);
    keys(&mut app, &b, ":view<Enter>");
    assert!(screen(&app).contains("Saved views"));
}

#[test]
fn stale_results_are_dropped_latest_request_wins() {
    use sigscope::tui::action::Effect;
    use sigscope::tui::update::update;
    let b = fixture();
    let mut app = open(&b, 160, 30);
    // Two searches in flight; the older answer arrives last and must be ignored.
    let fx1 = update(&mut app, Action::Run("query service:auth".into()));
    let fx2 = update(&mut app, Action::Run("query service:admin-portal".into()));
    let (
        Effect::Search {
            gen: g1, req: r1, ..
        },
        Effect::Search {
            gen: g2, req: r2, ..
        },
    ) = (&fx1[0], &fx2[0])
    else {
        panic!("searches expected: {fx1:?} {fx2:?}");
    };
    use sigscope::tui::backend::Backend;
    let newer = b.search(r2).unwrap();
    let older = b.search(r1).unwrap();
    drive(
        &mut app,
        &b,
        Action::SearchDone {
            gen: *g2,
            query: r2.query.clone(),
            result: Ok(newer),
        },
    );
    drive(
        &mut app,
        &b,
        Action::SearchDone {
            gen: *g1,
            query: r1.query.clone(),
            result: Ok(older),
        },
    );
    assert_eq!(app.query, "service:admin-portal");
    assert_eq!(app.selected_row().unwrap().id.as_ref(), "sig-2");
    // The same for the side panel: a detail answer for an older request is dropped.
    let shown = app.detail.as_ref().unwrap().id.clone();
    let stale = app.detail_gen - 1;
    drive(
        &mut app,
        &b,
        Action::DetailDone {
            gen: stale,
            result: Err("late".into()),
        },
    );
    assert_eq!(app.detail.as_ref().unwrap().id, shown);
    assert!(app.message.is_none());
}

#[test]
fn save_asks_for_the_view_to_be_written() {
    use sigscope::tui::action::Effect;
    use sigscope::tui::update::update;
    let b = fixture();
    let opts = Options {
        can_save: true,
        ..Default::default()
    };
    let mut app = open_with(&b, 120, 30, opts);
    keys(&mut app, &b, "/service:auth<Enter>");
    let fx = update(&mut app, Action::Run("save authviews".into()));
    match &fx[..] {
        [Effect::SaveView(v)] => {
            assert_eq!(v.name, "authviews");
            assert_eq!(v.query, "service:auth");
            assert_eq!(v.range, "all");
        }
        other => panic!("{other:?}"),
    }
    keys(
        &mut app,
        &b,
        "/<Backspace><Backspace><Backspace><Backspace><Enter>:view authviews<Enter>",
    );
    assert_eq!(app.query, "service:auth");
}

/// The sync part of the status line stands out when the backend says it needs the analyst, not
/// when its text happens to contain "offline" or "conflict".
#[test]
fn the_sync_state_stands_out_when_the_backend_says_so() {
    use ratatui::style::Color;
    use sigscope::tui::backend::SyncLine;
    let b = fixture();
    let mut app = open(&b, 140, 30);
    // The colour of the status line's cell where `text` starts.
    let colour_of = |app: &sigscope::tui::App, text: &str| {
        let buf = render(app);
        let s = harness::screen(&buf);
        let (y, line) = s
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(text))
            .last()
            .unwrap_or_else(|| panic!("{text:?} is not on screen: {s}"));
        let x = line[..line.find(text).unwrap_or(0)].chars().count();
        buf[(x as u16, y as u16)].fg
    };

    let g = app.generation;
    drive(
        &mut app,
        &b,
        Action::Generation(
            g,
            Some(SyncLine {
                text: "synced · no conflicts, never offline".into(),
                alert: false,
            }),
        ),
    );
    assert_eq!(colour_of(&app, "synced · no conflicts"), Color::Reset);

    drive(
        &mut app,
        &b,
        Action::Generation(
            g,
            Some(SyncLine {
                text: "reconnecting · 2 refused".into(),
                alert: true,
            }),
        ),
    );
    assert_eq!(colour_of(&app, "reconnecting · 2 refused"), Color::Red);
}

/// The attack flow colours each outcome by what became of the attempts: blocked green; a passed
/// attempt (HTTP 200, not blocked) is not called exploited (issue 17, item 10).
#[test]
fn flow_outcomes_are_coloured_by_their_verdict() {
    use ratatui::style::Color;
    let b = fixture();
    let app = open(&b, 220, 40);
    let buf = render(&app);
    let s = harness::screen(&buf);
    let colour_of = |text: &str| {
        let (y, line) = s
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} is not on screen: {s}"));
        let x = line[..line.find(text).unwrap_or(0)].chars().count();
        buf[(x as u16 + 2, y as u16)].fg
    };
    assert_eq!(colour_of("└ blocked ×2"), Color::Green);
    assert_ne!(colour_of("└ passed ×1"), Color::Red);
}
