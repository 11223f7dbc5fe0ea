//! `?`: every key of the focused pane and the global ones, read from the key table; actions the
//! acting user may not take are listed disabled with the reason.
use super::centered;
use crate::tui::app::{App, Pane};
use crate::tui::backend::ChangeKind;
use crate::tui::keys::{Cmd, Scope, TABLE};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

pub fn change_kind(cmd: Cmd) -> Option<ChangeKind> {
    Some(match cmd {
        Cmd::Assign => ChangeKind::Assign,
        Cmd::State => ChangeKind::SetState,
        Cmd::Case => ChangeKind::Case,
        Cmd::Incident => ChangeKind::Incident,
        Cmd::BlockIps | Cmd::BlockUsers => ChangeKind::Block,
        Cmd::Workflow => ChangeKind::Workflow,
        _ => return None,
    })
}

/// The help's size on a screen of `area`.
fn frame(area: Rect, lines: usize) -> Rect {
    let w = area.width.saturating_sub(4).min(96);
    let h = (lines as u16 + 2).min(area.height.saturating_sub(2));
    centered(area, w, h)
}

/// Extra commands that are not keys: (name, what), each listed on its own line.
const SCREENS: &[(&str, &str)] = &[
    (
        ":blocks",
        "denylist: / filter, a all, e extend, x lift, Esc back",
    ),
    (
        ":cases",
        "cases: Enter opens one with its signals and comments",
    ),
    (":incidents", "incidents: Enter opens one with its signals"),
    (
        ":messages",
        "every message of this session, whole, newest first",
    ),
    (
        ":sort NAME",
        "severity, time, state, assignee or last_seen (also < >)",
    ),
    (
        ":conflicts",
        "a remote's refused changes, yours and theirs; d dismiss",
    ),
    (":notify", "notification rules (targets masked), Esc back"),
    (
        "w/:workflow",
        "pick a workflow, fill its inputs, watch its steps",
    ),
];

fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let th = &app.opts.theme;
    let scope = match app.focus {
        Pane::Stream => Scope::Stream,
        Pane::Facets => Scope::Facets,
        Pane::Side => Scope::Side,
    };
    let mut lines = Vec::new();
    let keys_of = |lines: &mut Vec<Line<'static>>, title: &str, sc: Scope| {
        lines.push(Line::from(Span::styled(title.to_string(), th.header)));
        for b in TABLE.iter().filter(|b| b.scope == sc) {
            if b.changes && app.opts.read_only {
                continue;
            }
            let why = change_kind(b.cmd).and_then(|k| app.refusal(k));
            let keys = app.opts.keys.keys_of(b.cmd);
            let mut s = vec![Span::styled(format!("  {keys:<12}"), th.key)];
            match why {
                Some(w) => {
                    s.push(Span::styled(b.help.to_string(), th.disabled));
                    s.push(Span::styled(format!("  ({w})"), th.dim));
                }
                None => s.push(Span::raw(b.help.to_string())),
            }
            lines.push(Line::from(s));
        }
        lines.push(Line::from(""));
    };
    // The pane's own keys and the screens first: the keys that work everywhere (j/k, q) are the
    // ones an analyst knows already.
    keys_of(&mut lines, "This pane", scope);
    lines.push(Line::from(Span::styled("Screens and commands", th.header)));
    for (k, what) in SCREENS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<12}"), th.key),
            Span::raw(what.to_string()),
        ]));
    }
    lines.push(Line::from(""));
    keys_of(&mut lines, "Everywhere", Scope::Global);
    // The palette's commands, as many to a line as fit (never cut).
    let mut line = String::from("  :");
    for c in crate::tui::update::PALETTE {
        if line.len() + c.len() + 1 > width.saturating_sub(2) && line.len() > 3 {
            lines.push(Line::from(Span::styled(std::mem::take(&mut line), th.key)));
            line.push_str("   ");
        }
        line.push(' ');
        line.push_str(c);
    }
    lines.push(Line::from(Span::styled(line, th.key)));
    lines
}

/// How far the help can scroll on the current screen.
pub fn max_scroll(app: &App) -> u16 {
    let area = Rect::new(0, 0, app.width, app.height);
    let w = frame(area, 0).width as usize;
    let n = lines(app, w).len();
    let r = frame(area, n);
    (n as u16).saturating_sub(r.height.saturating_sub(2))
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let w = frame(area, 0).width as usize;
    let lines = lines(app, w);
    let r = frame(area, lines.len());
    let max = max_scroll(app);
    let scroll = app.help_scroll.min(max);
    // Where the reader is, and how to move and close, in the border (the help never hides it).
    let pos = if max > 0 {
        format!(" {}/{} j/k PgDn scroll · Esc q ? close ", scroll, max)
    } else {
        " Esc q ? close ".to_string()
    };
    Clear.render(r, buf);
    Paragraph::new(lines)
        .scroll((scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(th.border_focus)
                .title(Span::styled(" Keys ", th.header))
                .title_bottom(Line::from(Span::styled(pos, th.dim)).right_aligned()),
        )
        .render(r, buf);
}
