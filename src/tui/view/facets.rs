//! The facet panel: each facet with its values and counts; `+`/`-` mark values in the query.
use super::{padded, pane};
use crate::tui::app::{App, Pane};
use crate::tui::query_edit::{quote_value, terms};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let focused = app.focus == Pane::Facets;
    let block = pane(app, "Facets".into(), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let in_query = terms(&app.query);
    // (line, is the cursor's line)
    let mut lines: Vec<(Line<'static>, bool)> = Vec::new();
    let mut item = 0usize;
    let w = inner.width as usize;
    for f in &app.results.facets {
        lines.push((Line::from(Span::styled(f.label.clone(), th.header)), false));
        for v in &f.values {
            let term = format!("{}:{}", f.key, quote_value(&v.raw));
            let mark = if in_query.contains(&term) {
                "+"
            } else if in_query.contains(&format!("-{term}")) {
                "-"
            } else {
                " "
            };
            let cursor = focused && item == app.facet_cursor;
            let count = format!(" {}", v.count);
            let vw = w.saturating_sub(3 + count.len());
            let mut spans = vec![Span::raw(format!(
                "{}{} ",
                if cursor { '>' } else { ' ' },
                mark
            ))];
            spans.extend(padded(v.text.spans(vw, th.base, th.escape), vw));
            spans.push(Span::styled(count, th.dim));
            lines.push((Line::from(spans), cursor));
            item += 1;
        }
    }
    if lines.is_empty() {
        buf.set_string(inner.x + 1, inner.y, "no facets", th.dim);
        return;
    }
    let h = inner.height as usize;
    let cur = lines.iter().position(|(_, c)| *c).unwrap_or(0);
    let top = cur
        .saturating_sub(h.saturating_sub(2))
        .min(lines.len().saturating_sub(h));
    for (i, (line, cursor)) in lines.iter().skip(top).take(h).enumerate() {
        let y = inner.y + i as u16;
        buf.set_line(inner.x, y, line, inner.width);
        if *cursor {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), th.selected);
        }
    }
}
