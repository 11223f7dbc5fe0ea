//! The screens and switches issue 17 asked for: the scrollable `?` help, `p` (side panel),
//! `:sort` and `<`/`>`, and the `:messages` log.
use super::navigation::{load_detail, search};
use crate::tui::action::{Edit, Effect};
use crate::tui::app::{App, Pane};
use crate::tui::keys::Cmd;
use crate::tui::lists::{MessagesView, Overlay};
use crate::tui::sort::Sort;
use crate::tui::view::layout;

/// Keys while the help is open: it scrolls, and closes only on Esc, q or ?.
pub(super) fn help_key(app: &mut App, cmd: Cmd) {
    let max = crate::tui::view::help::max_scroll(app);
    let page = app.height.saturating_sub(6).max(1);
    app.help_scroll = match cmd {
        Cmd::Back | Cmd::Quit | Cmd::Help => {
            app.help = false;
            0
        }
        Cmd::Down => app.help_scroll.saturating_add(1),
        Cmd::Up => app.help_scroll.saturating_sub(1),
        Cmd::PageDown => app.help_scroll.saturating_add(page),
        Cmd::PageUp => app.help_scroll.saturating_sub(page),
        Cmd::Top => 0,
        Cmd::Bottom => max,
        _ => app.help_scroll,
    }
    .min(max);
}

pub(super) fn toggle_panel(app: &mut App) -> Vec<Effect> {
    app.panel_hidden = !app.panel_hidden;
    if app.panel_hidden {
        if app.focus == Pane::Side {
            app.focus = Pane::Stream;
        }
        app.side_open = false;
        app.info("side panel hidden (p shows it, Enter opens a signal full screen)");
        vec![]
    } else {
        app.info("side panel shown");
        load_detail(app, false).into_iter().collect()
    }
}

pub(super) fn set_sort(app: &mut App, sort: Sort) -> Vec<Effect> {
    app.sort = sort;
    app.info(format!(
        "sorted {} (:sort {} · < > change it)",
        sort.label(),
        sort.name()
    ));
    let q = app.query.clone();
    vec![search(app, &q)]
}

/// `:sort NAME`; no name or an unknown one says which exist.
pub(super) fn sort_command(app: &mut App, arg: Option<&str>) -> Vec<Effect> {
    match arg.and_then(Sort::parse) {
        Some(s) => set_sort(app, s),
        None => {
            let names: Vec<&str> = Sort::ALL.iter().map(|s| s.name()).collect();
            app.error(format!(
                "sort by one of: {} (now {})",
                names.join(", "),
                app.sort.name()
            ));
            vec![]
        }
    }
}

pub(super) fn open_messages(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Messages(MessagesView::default()));
    vec![]
}

/// Keys in the `:messages` log (newest first): j/k scroll, g/G ends, Esc or q back.
pub(super) fn messages_key(app: &mut App, e: Edit) -> Vec<Effect> {
    let max = app.messages.len().saturating_sub(1);
    let page = layout::stream_rows(app);
    let Some(Overlay::Messages(m)) = app.overlay.as_mut() else {
        return vec![];
    };
    match e {
        Edit::Cancel | Edit::Insert('q') => app.overlay = None,
        Edit::Up | Edit::Insert('k') => m.scroll = m.scroll.saturating_sub(1),
        Edit::Down | Edit::Insert('j') => m.scroll = (m.scroll + 1).min(max),
        Edit::Home | Edit::Insert('g') => m.scroll = 0,
        Edit::End | Edit::Insert('G') => m.scroll = max,
        Edit::Insert(' ') => m.scroll = (m.scroll + page).min(max),
        _ => {}
    }
    vec![]
}
