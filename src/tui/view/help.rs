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

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let scope = match app.focus {
        Pane::Stream => Scope::Stream,
        Pane::Facets => Scope::Facets,
        Pane::Side => Scope::Side,
    };
    let mut lines = Vec::new();
    for (title, sc) in [("This pane", scope), ("Everywhere", Scope::Global)] {
        lines.push(Line::from(Span::styled(title, th.header)));
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
    }
    lines.push(Line::from(vec![
        Span::styled("  :blocks     ", th.key),
        Span::raw("denylist: / filter, a all, e extend, x lift, Esc back"),
    ]));
    lines.push(Line::from(vec![
        Span::styled("  w/:workflow ", th.key),
        Span::raw("pick a workflow, fill its inputs, watch its steps"),
    ]));
    lines.push(Line::from(vec![
        Span::styled("  :conflicts  ", th.key),
        Span::raw("a remote's refused changes, yours and theirs; d dismiss"),
    ]));
    lines.push(Line::from(vec![
        Span::styled("  :notify     ", th.key),
        Span::raw("notification rules (targets masked), Esc back"),
    ]));
    lines.push(Line::from(vec![
        Span::styled("  :", th.key),
        Span::raw(format!(" {}", crate::tui::update::PALETTE.join(" "))),
    ]));
    lines.push(Line::from(Span::styled(
        "  any key closes this help",
        th.dim,
    )));
    let w = area.width.saturating_sub(4).min(76);
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = centered(area, w, h);
    Clear.render(r, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(th.border_focus)
                .title(Span::styled(" Keys ", th.header)),
        )
        .render(r, buf);
}
