//! The facet panel: each facet with its values and counts; `+`/`-` mark values in the query.
use super::{padded, pane};
use crate::tui::app::{App, Pane};
use crate::tui::query_edit::{quote_value, terms};
use crate::tui::text::SafeText;
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
            let lead = format!("{}{} ", if cursor { '>' } else { ' ' }, mark);
            // A long value (a rule name) goes on up to three lines rather than being cut at the
            // panel's width; the count stays on its last line.
            // The display text (full names for severity and state); a value with escapes is
            // split from its raw form, which `SafeText` escapes again piece by piece.
            let shown = if v.text.has_escapes() {
                v.raw.as_str()
            } else {
                v.text.as_str()
            };
            let parts = wrap(shown, w.saturating_sub(3), vw, 3);
            let last = parts.len().saturating_sub(1);
            for (i, part) in parts.iter().enumerate() {
                let t = SafeText::new(part);
                let mut spans = vec![Span::raw(if i == 0 { lead.clone() } else { "   ".into() })];
                if i == last {
                    spans.extend(padded(t.spans(vw, th.base, th.escape), vw));
                    spans.push(Span::styled(count.clone(), th.dim));
                } else {
                    spans.extend(t.spans(usize::MAX / 2, th.base, th.escape));
                }
                lines.push((Line::from(spans), cursor));
            }
            item += 1;
        }
    }
    if lines.is_empty() {
        buf.set_string(inner.x + 1, inner.y, "no facets", th.dim);
        return;
    }
    let h = inner.height as usize;
    let cur = lines.iter().rposition(|(_, c)| *c).unwrap_or(0);
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

/// `raw` in pieces: every piece but the last at most `full` cells, the last at most `last_w`
/// (room for the count), at most `max` pieces (the last then cut with `…` when drawn). Pieces
/// break after a space when there is one.
fn wrap(raw: &str, full: usize, last_w: usize, max: usize) -> Vec<String> {
    let width = |s: &str| SafeText::new(s).width();
    let mut out = Vec::new();
    let mut rest = raw;
    while out.len() + 1 < max && width(rest) > last_w && full > 0 {
        let mut end = 0;
        let mut space = None;
        for (i, c) in rest.char_indices() {
            let next = i + c.len_utf8();
            if width(&rest[..next]) > full {
                break;
            }
            end = next;
            if c == ' ' {
                space = Some(next);
            }
        }
        let cut = space.filter(|&s| s > end / 2).unwrap_or(end);
        if cut == 0 {
            break;
        }
        out.push(rest[..cut].trim_end().to_string());
        rest = &rest[cut..];
    }
    out.push(rest.to_string());
    out
}
