//! The message line (last result or refusal, or the `:` palette) and the status line (counts, live
//! state, who is acting, key hints with disabled actions shown as such).
use crate::tui::app::{App, Level};
use crate::tui::keys::Cmd;
use crate::tui::text::SafeText;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw_message(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    if let Some(p) = &app.palette {
        let mut s = vec![Span::styled(":", th.key)];
        s.extend(SafeText::new(&p.text).spans(
            area.width.saturating_sub(2) as usize,
            th.base,
            th.escape,
        ));
        buf.set_line(area.x, area.y, &Line::from(s), area.width);
        return;
    }
    let (style, text) = match (&app.message, &app.query_error) {
        (Some((Level::Error, m)), _) => (th.error, format!(" ✗ {m}")),
        (Some((Level::Info, m)), _) => (th.ok, format!(" {m}")),
        (None, Some(e)) if app.error_query == app.editor.text => {
            (th.error, format!(" query: {} (at {})", e.message, e.start))
        }
        (None, None) if app.query == app.editor.text => match &app.results.hint {
            Some(h) => (th.header, format!(" note: {}", h.message)),
            None => return,
        },
        _ => return,
    };
    let t = SafeText::new(&text);
    buf.set_line(
        area.x,
        area.y,
        &Line::from(t.spans(area.width as usize, style, th.escape)),
        area.width,
    );
}

pub fn draw_status(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let mut left = format!(" {} of {}", app.row_count(), app.results.total);
    if !app.marked.is_empty() {
        left.push_str(&format!(" · {} marked", app.marked.len()));
    }
    if let Some((n, of)) = app.results.loading {
        left.push_str(&format!(" · loading {n}/{of}"));
    }
    left.push_str(if app.live { " · live" } else { " · paused" });
    // The sync state stands out when something needs the analyst (a refused change, offline).
    let mut sync_part = String::new();
    let mut alert = false;
    if let Some(sync) = &app.sync {
        sync_part = format!(" · {}", crate::sanitize::clean(&sync.text));
        alert = sync.alert;
    }
    let before = std::mem::take(&mut left);
    if app.opts.read_only {
        left.push_str(" · read-only");
    }
    if let Some(a) = &app.acting {
        left.push_str(" · ");
        left.push_str(&crate::sanitize::clean(a));
    }
    left.push(' ');
    let left_w = SafeText::new(&format!("{before}{sync_part}{left}")).width();
    let mut spans = vec![
        Span::styled(before, th.header),
        Span::styled(sync_part, if alert { th.error } else { th.header }),
        Span::styled(left, th.header),
    ];
    let all: &[(Cmd, &str)] = &[
        (Cmd::Search, "search"),
        (Cmd::Open, "open"),
        (Cmd::Assign, "assign"),
        (Cmd::State, "state"),
        (Cmd::BlockIps, "block"),
        (Cmd::TimeRange, "range"),
        (Cmd::Help, "help"),
        (Cmd::Quit, "quit"),
    ];
    let width = |hs: &[(Cmd, &str)]| -> usize {
        hs.iter()
            .map(|(c, l)| app.opts.keys.first_key_of(*c).chars().count() + l.len() + 2)
            .sum()
    };
    // When the hints do not fit, only the way to all of them is shown.
    let few: &[(Cmd, &str)] = &[(Cmd::Help, "help"), (Cmd::Quit, "quit")];
    let hints = if left_w + width(all) <= area.width as usize {
        all
    } else {
        few
    };
    for (cmd, label) in hints {
        let kind = super::help::change_kind(*cmd);
        if kind.is_some() && app.opts.read_only {
            continue;
        }
        let disabled = kind.and_then(|k| app.refusal(k)).is_some();
        let key = app.opts.keys.first_key_of(*cmd);
        spans.push(Span::raw(" "));
        if disabled {
            spans.push(Span::styled(format!("{key} {label}"), th.disabled));
        } else {
            spans.push(Span::styled(key, th.key));
            spans.push(Span::raw(format!(" {label}")));
        }
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
