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
    let mut acting = app.acting.as_deref().map(crate::sanitize::clean);
    // At 80 columns the counts and a long handle would leave no room for a single hint: the
    // handle loses its domain (`alice (standard)`), so that `? help` and `/ search` stay.
    let w_of = |a: &Option<String>| {
        SafeText::new(&format!(
            "{before}{sync_part}{left} · {} ",
            a.as_deref().unwrap_or("")
        ))
        .width()
    };
    if w_of(&acting) + 20 > area.width as usize {
        acting = acting.map(|a| match (a.split_once('@'), a.rfind(" (")) {
            (Some((user, _)), Some(i)) => format!("{user}{}", &a[i..]),
            _ => a,
        });
    }
    if let Some(a) = &acting {
        left.push_str(" · ");
        left.push_str(a);
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
    let width = |(c, l): &(Cmd, &str)| -> usize {
        app.opts.keys.first_key_of(*c).chars().count() + l.len() + 2
    };
    // As many hints as fit, the most useful first (help always: it leads to all the others), shown
    // in their usual order; at 80 columns that is a few, not none.
    let priority = [
        Cmd::Help,
        Cmd::Search,
        Cmd::Assign,
        Cmd::State,
        Cmd::Open,
        Cmd::TimeRange,
        Cmd::BlockIps,
        Cmd::Quit,
    ];
    let usable = |c: &Cmd| !(app.opts.read_only && super::help::change_kind(*c).is_some());
    let mut room = (area.width as usize).saturating_sub(left_w);
    let mut chosen = Vec::new();
    for c in priority.iter().filter(|c| usable(c)) {
        let Some(h) = all.iter().find(|(x, _)| x == c) else {
            continue;
        };
        if width(h) <= room || *c == Cmd::Help {
            room = room.saturating_sub(width(h));
            chosen.push(*c);
        }
    }
    for (cmd, label) in all.iter().filter(|(c, _)| chosen.contains(c)) {
        let kind = super::help::change_kind(*cmd);
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
