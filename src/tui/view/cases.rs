//! `:cases` and `:incidents`: a table (status, priority or severity, assignee, linked signals),
//! and one record opened whole (description, signals, comments). Titles, descriptions and
//! comments are other people's text: all of it goes through `SafeText`.
use super::{padded, pane};
use crate::model::{Case, CaseStatus, Incident, IncidentState};
use crate::tui::app::App;
use crate::tui::clock;
use crate::tui::lists::RecordsView;
use crate::tui::text::SafeText;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

fn cell(text: &str, w: usize, style: Style, th: &Theme) -> Vec<Span<'static>> {
    let mut s = padded(SafeText::new(text).spans(w, style, th.escape), w);
    s.push(Span::raw(" "));
    s
}

fn whole(th: &Theme, k: &str, v: &str) -> Line<'static> {
    let mut s = vec![Span::styled(format!("{k}: "), th.dim)];
    s.extend(SafeText::new(v).spans(usize::MAX / 2, th.base, th.escape));
    Line::from(s)
}

/// Several short `k: v` on one line (the paragraph wraps it when narrow).
fn fields(th: &Theme, kv: &[(&str, &str)]) -> Line<'static> {
    let mut s = Vec::new();
    for (i, (k, v)) in kv.iter().enumerate() {
        let sep = if i > 0 { "  " } else { "" };
        s.push(Span::styled(format!("{sep}{k}: "), th.dim));
        s.extend(SafeText::new(v).spans(usize::MAX / 2, th.base, th.escape));
    }
    Line::from(s)
}

fn who(a: &Option<crate::model::Assignee>) -> String {
    a.as_ref()
        .map(|a| a.display().to_string())
        .unwrap_or_else(|| "-".into())
}

/// The table: a header and one line per row, the cursor's marked `>` and styled.
fn table(
    app: &App,
    area: Rect,
    buf: &mut Buffer,
    title: String,
    cols: &[(&str, usize)],
    rows: Vec<Vec<String>>,
    cursor: usize,
) {
    let th = &app.opts.theme;
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    let w = inner.width as usize;
    let fixed: usize = cols.iter().map(|c| c.1 + 1).sum::<usize>() + 2;
    let title_w = w.saturating_sub(fixed).max(8);
    let mut head = vec![Span::raw("  ")];
    for (name, cw) in cols {
        head.extend(cell(name, *cw, th.header, th));
    }
    head.push(Span::styled("TITLE", th.header));
    buf.set_line(inner.x, inner.y, &Line::from(head), inner.width);
    if rows.is_empty() {
        buf.set_string(inner.x + 2, inner.y + 1, "none yet", th.dim);
        return;
    }
    let h = inner.height.saturating_sub(1) as usize;
    let top = cursor.saturating_sub(h.saturating_sub(1));
    for (i, r) in rows.iter().enumerate().skip(top).take(h) {
        let y = inner.y + 1 + (i - top) as u16;
        let mut s = vec![Span::raw(if i == cursor { "> " } else { "  " })];
        for ((_, cw), v) in cols.iter().zip(r.iter()) {
            s.extend(cell(v, *cw, th.base, th));
        }
        if let Some(t) = r.get(cols.len()) {
            s.extend(SafeText::new(t).spans(title_w, th.base, th.escape));
        }
        buf.set_line(inner.x, y, &Line::from(s), inner.width);
        if i == cursor {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), th.selected);
        }
    }
}

fn status_label(s: CaseStatus) -> &'static str {
    s.label()
}

fn incident_state(s: IncidentState) -> &'static str {
    match s {
        IncidentState::Active => "Active",
        IncidentState::Stable => "Stable",
        IncidentState::Resolved => "Resolved",
    }
}

fn signals_lines(th: &Theme, ids: &[String]) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        format!("Signals ({})", ids.len()),
        th.header,
    ))];
    for id in ids {
        let mut s = vec![Span::raw("  ")];
        s.extend(SafeText::new(id).spans(usize::MAX / 2, th.base, th.escape));
        out.push(Line::from(s));
    }
    out
}

fn opened(
    app: &App,
    area: Rect,
    buf: &mut Buffer,
    title: String,
    lines: Vec<Line<'static>>,
    scroll: u16,
) {
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(inner, buf);
}

pub fn cases(app: &App, v: &RecordsView<Case>, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    if let (true, Some(c)) = (v.open, v.selected()) {
        let mut lines = vec![
            Line::from(SafeText::new(&c.title).spans(usize::MAX / 2, th.header, th.escape)),
            fields(
                th,
                &[
                    ("status", status_label(c.status)),
                    ("priority", c.priority.as_str()),
                    ("assignee", &who(&c.assignee)),
                ],
            ),
            whole(
                th,
                &format!("created ({})", clock::label()),
                &clock::fmt(&c.created_at, "%Y-%m-%d %H:%M"),
            ),
            Line::from(Span::styled("Description", th.header)),
        ];
        let desc = if c.description.is_empty() {
            "(none)"
        } else {
            &c.description
        };
        lines.push(Line::from(SafeText::new(desc).spans(
            usize::MAX / 2,
            th.base,
            th.escape,
        )));
        lines.push(Line::from(""));
        // Comments before the signals: they are what a colleague reads a case for.
        lines.push(Line::from(Span::styled(
            format!("Comments ({})", c.comments.len()),
            th.header,
        )));
        for m in &c.comments {
            let mut s = vec![Span::styled(
                format!("  {} ", clock::fmt(&m.time, "%m-%d %H:%M")),
                th.dim,
            )];
            s.extend(SafeText::new(&m.author).spans(40, th.key, th.escape));
            s.push(Span::raw(": "));
            s.extend(SafeText::new(&m.text).spans(usize::MAX / 2, th.base, th.escape));
            lines.push(Line::from(s));
        }
        lines.push(Line::from(""));
        lines.extend(signals_lines(th, &c.signal_ids));
        let title = format!(
            "Case {} (j/k scroll · Esc back)",
            crate::sanitize::clean(&c.key)
        );
        return opened(app, area, buf, title, lines, v.scroll);
    }
    let rows = v
        .rows
        .iter()
        .map(|c| {
            vec![
                c.key.clone(),
                status_label(c.status).to_string(),
                c.priority.as_str().replace("NOT_DEFINED", "-"),
                who(&c.assignee),
                c.signal_ids.len().to_string(),
                c.comments.len().to_string(),
                c.title.clone(),
            ]
        })
        .collect();
    let title = format!(
        "Cases: {}{} (Enter opens · Esc back)",
        v.rows.len(),
        if v.loading { " (loading…)" } else { "" }
    );
    let cols = [
        ("KEY", 7),
        ("STATUS", 11),
        ("PRIO", 4),
        ("ASSIGNEE", 14),
        ("SIGNALS", 7),
        ("NOTES", 5),
    ];
    table(app, area, buf, title, &cols, rows, v.cursor);
}

pub fn incidents(app: &App, v: &RecordsView<Incident>, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    if let (true, Some(i)) = (v.open, v.selected()) {
        let mut lines = vec![
            Line::from(SafeText::new(&i.title).spans(usize::MAX / 2, th.header, th.escape)),
            fields(
                th,
                &[
                    ("severity", i.severity.as_str()),
                    ("state", incident_state(i.state)),
                    ("commander", &who(&i.commander)),
                ],
            ),
            whole(
                th,
                "customer impact",
                if i.customer_impacted { "yes" } else { "no" },
            ),
            whole(
                th,
                &format!("declared ({})", clock::label()),
                &clock::fmt(&i.created_at, "%Y-%m-%d %H:%M"),
            ),
            Line::from(""),
        ];
        lines.extend(signals_lines(th, &i.signal_ids));
        let title = format!("Incident {} (j/k scroll · Esc back)", i.display_id());
        return opened(app, area, buf, title, lines, v.scroll);
    }
    let rows = v
        .rows
        .iter()
        .map(|i| {
            vec![
                i.display_id(),
                incident_state(i.state).to_string(),
                i.severity.as_str().to_string(),
                who(&i.commander),
                i.signal_ids.len().to_string(),
                if i.customer_impacted { "yes" } else { "no" }.to_string(),
                i.title.clone(),
            ]
        })
        .collect();
    let title = format!(
        "Incidents: {}{} (Enter opens · Esc back)",
        v.rows.len(),
        if v.loading { " (loading…)" } else { "" }
    );
    let cols = [
        ("ID", 6),
        ("STATE", 8),
        ("SEV", 7),
        ("COMMANDER", 14),
        ("SIGNALS", 7),
        ("IMPACT", 6),
    ];
    table(app, area, buf, title, &cols, rows, v.cursor);
}
