//! The full-pane lists (`:blocks`, `:notify`, `:conflicts`). Every value from the store goes through `SafeText`:
//! denylist values, reasons and rule queries come from attackers or other people.
use super::{padded, pane};
use crate::model::Block;
use crate::tui::app::App;
use crate::tui::backend::ChangeKind;
use crate::tui::lists::{BlocksView, ConflictsView, NotifyView, Overlay};
use crate::tui::text::SafeText;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    Clear.render(area, buf);
    match &app.overlay {
        Some(Overlay::Blocks(b)) => blocks(app, b, area, buf),
        Some(Overlay::Notify(n)) => notify(app, n, area, buf),
        Some(Overlay::Conflicts(c)) => conflicts(app, c, area, buf),
        Some(Overlay::Messages(m)) => super::records::messages(app, m, area, buf),
        Some(Overlay::Cases(v)) => super::cases::cases(app, v, area, buf),
        Some(Overlay::Incidents(v)) => super::cases::incidents(app, v, area, buf),
        None => {}
    }
}

/// One table cell: cleaned text cut to `w` cells, then padded, then a space.
fn cell(text: &str, w: usize, style: Style, dim: Style) -> Vec<Span<'static>> {
    let mut s = padded(SafeText::new(text).spans(w, style, dim), w);
    s.push(Span::raw(" "));
    s
}

fn expiry(app: &App, b: &Block) -> String {
    if b.lifted_at.is_some() {
        return "lifted".into();
    }
    match b.expires_at {
        None => "permanent".into(),
        Some(t) if t <= app.now => "expired".into(),
        Some(t) => {
            let left = t - app.now;
            let left = if left.num_days() >= 1 {
                format!("{}d", left.num_days())
            } else if left.num_hours() >= 1 {
                format!("{}h", left.num_hours())
            } else {
                format!("{}m", left.num_minutes().max(1))
            };
            format!("{} ({left})", crate::tui::clock::fmt(&t, "%m-%d %H:%M"))
        }
    }
}

fn blocks(app: &App, v: &BlocksView, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let rows = v.visible();
    let title = format!(
        "Denylist: {} {}{}",
        rows.len(),
        if v.all { "entries (all)" } else { "in force" },
        if v.loading { " (loading…)" } else { "" }
    );
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    let w = inner.width as usize;
    let cols = [
        (5usize, "KIND"),
        (20, "EXPIRES"),
        (20, "BY"),
        (14, "SIGNAL"),
    ];
    let fixed: usize = cols.iter().map(|c| c.0 + 1).sum();
    let rest = w.saturating_sub(fixed);
    let value_w = (rest * 2 / 5).max(8);
    let reason_w = rest.saturating_sub(value_w + 1).max(4);
    let mut lines = Vec::new();
    let filter = if v.filtering || !v.filter.text.is_empty() {
        let mut s = vec![Span::styled("filter: ", th.key)];
        s.extend(SafeText::new(&v.filter.text).spans(w.saturating_sub(8), th.base, th.escape));
        if v.filtering {
            s.push(Span::styled("▏", th.key));
        }
        Line::from(s)
    } else {
        Line::from(Span::styled("/ to filter", th.dim))
    };
    lines.push(filter);
    let mut head = Vec::new();
    for (wd, name) in [
        (value_w, "VALUE"),
        (cols[0].0, cols[0].1),
        (cols[1].0, cols[1].1),
        (reason_w, "REASON"),
        (cols[2].0, cols[2].1),
        (cols[3].0, cols[3].1),
    ] {
        head.extend(cell(name, wd, th.header, th.header));
    }
    lines.push(Line::from(head));
    let body = (inner.height as usize).saturating_sub(3);
    let start = v.cursor.saturating_sub(body.saturating_sub(1));
    if rows.is_empty() && !v.loading {
        lines.push(Line::from(Span::styled(
            if v.filter.text.is_empty() {
                "the denylist is empty"
            } else {
                "no block matches the filter"
            },
            th.dim,
        )));
    }
    for (i, b) in rows.iter().enumerate().skip(start).take(body) {
        let style = if i == v.cursor { th.selected } else { th.base };
        let mut s = Vec::new();
        s.extend(cell(&b.value, value_w, style, th.escape));
        s.extend(cell(b.kind.as_str(), cols[0].0, style, th.escape));
        s.extend(cell(&expiry(app, b), cols[1].0, style, th.escape));
        s.extend(cell(
            b.reason.as_deref().unwrap_or("-"),
            reason_w,
            style,
            th.escape,
        ));
        s.extend(cell(&b.created_by, cols[2].0, style, th.escape));
        s.extend(cell(
            b.signal_id.as_deref().unwrap_or("-"),
            cols[3].0,
            style,
            th.escape,
        ));
        lines.push(Line::from(padded(s, w)).style(style));
    }
    Paragraph::new(lines).render(inner, buf);
    let foot = footer_row(inner);
    let line = match v.confirm.and_then(|id| v.rows.iter().find(|b| b.id == id)) {
        Some(b) => {
            let mut s = vec![Span::styled("Lift the block of ", th.error)];
            s.extend(SafeText::new(&b.value).spans(40, th.error, th.escape));
            s.push(Span::styled("? (y/n)", th.error));
            Line::from(s)
        }
        None => {
            let mut hint = String::from("j/k move  / filter  a lifted+expired  r reload");
            // Changing the denylist is hidden when it cannot happen at all.
            if !app.opts.read_only {
                match app.refusal(ChangeKind::Block) {
                    None => hint.push_str("  e extend  x lift"),
                    Some(why) => hint.push_str(&format!("  (extend/lift: {why})")),
                }
            }
            hint.push_str("  Esc back");
            Line::from(Span::styled(hint, th.dim))
        }
    };
    Paragraph::new(line).render(foot, buf);
}

fn notify(app: &App, v: &NotifyView, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let title = format!(
        "Notification rules: {}{}",
        v.rules.len(),
        if v.loading { " (loading…)" } else { "" }
    );
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    let w = inner.width as usize;
    let (name_w, on_w, sev_w) = (22usize, 3usize, 16usize);
    let rest = w.saturating_sub(name_w + on_w + sev_w + 3);
    let query_w = (rest / 2).max(6);
    let targets_w = rest.saturating_sub(query_w + 1).max(6);
    let mut lines = Vec::new();
    let mut head = Vec::new();
    for (wd, name) in [
        (name_w, "NAME"),
        (on_w, "ON"),
        (sev_w, "SEVERITIES"),
        (query_w, "QUERY"),
        (targets_w, "TARGETS"),
    ] {
        head.extend(cell(name, wd, th.header, th.header));
    }
    lines.push(Line::from(head));
    if v.rules.is_empty() && !v.loading {
        lines.push(Line::from(Span::styled(
            "no notification rules (sigscope notify rules add)",
            th.dim,
        )));
    }
    let body = (inner.height as usize).saturating_sub(2);
    let start = v.cursor.saturating_sub(body.saturating_sub(1));
    for (i, r) in v.rules.iter().enumerate().skip(start).take(body) {
        let style = if i == v.cursor { th.selected } else { th.base };
        let sev = if r.severities.is_empty() {
            "all".to_string()
        } else {
            r.severities.join(",")
        };
        let query = if r.query.is_empty() { "*" } else { &r.query };
        let mut s = Vec::new();
        s.extend(cell(&r.name, name_w, style, th.escape));
        s.extend(cell(
            if r.enabled { "on" } else { "off" },
            on_w,
            style,
            th.escape,
        ));
        s.extend(cell(&sev, sev_w, style, th.escape));
        s.extend(cell(query, query_w, style, th.escape));
        s.extend(cell(&r.targets.join(", "), targets_w, style, th.escape));
        lines.push(Line::from(padded(s, w)).style(style));
    }
    Paragraph::new(lines).render(inner, buf);
    let foot = footer_row(inner);
    Paragraph::new(Line::from(Span::styled(
        "j/k move  r reload  Esc back  (edit rules with sigscope notify rules)",
        th.dim,
    )))
    .render(foot, buf);
}

/// Each refused change takes a few lines: what, yours, theirs, the remote's answer. Both versions
/// are shown in full so nothing is decided for the analyst.
fn conflicts(app: &App, v: &ConflictsView, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let title = format!(
        "Conflicts and refused changes: {}{}",
        v.rows.len(),
        if v.loading { " (loading…)" } else { "" }
    );
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    let w = inner.width as usize;
    let text = |s: &str, style: Style| -> Vec<Span<'static>> {
        SafeText::new(s).spans(w.saturating_sub(12), style, th.escape)
    };
    let mut lines = Vec::new();
    if v.rows.is_empty() && !v.loading {
        lines.push(Line::from(Span::styled(
            "no conflicts: every change reached the remote",
            th.dim,
        )));
    }
    // Keep the selected entry on screen: entries before it scroll away first.
    let per = 5usize;
    let fit = ((inner.height as usize).saturating_sub(1) / per).max(1);
    let start = v.cursor.saturating_sub(fit - 1);
    for (i, r) in v.rows.iter().enumerate().skip(start).take(fit) {
        let sel = i == v.cursor;
        let style = if sel { th.selected } else { th.header };
        let head = format!(
            "{} #{} {} on {}{}",
            if r.conflict { "conflict" } else { "refused" },
            r.seq,
            r.action,
            r.signal_id.as_deref().unwrap_or("-"),
            r.base_version
                .map(|b| format!(" (from version {b})"))
                .unwrap_or_default()
        );
        lines.push(
            Line::from(padded(SafeText::new(&head).spans(w, style, th.escape), w)).style(style),
        );
        let mut yours = vec![Span::styled("  yours:    ", th.key)];
        yours.extend(text(&r.mine, th.base));
        lines.push(Line::from(yours));
        let mut theirs = vec![Span::styled("  theirs:   ", th.key)];
        match &r.theirs {
            Some(t) => {
                let v = r
                    .theirs_version
                    .map(|v| format!(" (version {v})"))
                    .unwrap_or_default();
                theirs.extend(text(&format!("{t}{v}"), th.base));
            }
            None => theirs.push(Span::styled("-", th.dim)),
        }
        lines.push(Line::from(theirs));
        let mut why = vec![Span::styled("  remote:   ", th.key)];
        why.extend(text(r.error.as_deref().unwrap_or("-"), th.dim));
        lines.push(Line::from(why));
        lines.push(Line::from(""));
    }
    Paragraph::new(lines).render(inner, buf);
    let foot = footer_row(inner);
    Paragraph::new(Line::from(Span::styled(
        "j/k move  d dismiss (the remote keeps theirs)  r reload  Esc back",
        th.dim,
    )))
    .render(foot, buf);
}

/// The last row of a list view, where its keys are shown.
fn footer_row(inner: Rect) -> Rect {
    Rect::new(
        inner.x,
        inner.y + inner.height.saturating_sub(1),
        inner.width,
        1.min(inner.height),
    )
}
