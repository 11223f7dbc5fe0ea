//! The query and the time range, on the top line. A query longer than the bar scrolls with the
//! cursor while it is edited (`…` on the side that is out of sight), so nothing typed is ever
//! invisible at 80 columns.
use crate::tui::app::App;
use crate::tui::text::SafeText;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

const PREFIX: &str = " / ";

fn range_label(app: &App) -> String {
    format!(" [{}] ", app.range.label())
}

/// Cells the query text may use on a bar `width` cells wide.
fn query_width(app: &App, width: u16) -> usize {
    (width as usize).saturating_sub(PREFIX.len() + range_label(app).chars().count() + 1)
}

fn w(s: &str) -> usize {
    SafeText::new(s).width()
}

/// The byte offset the visible part of the query starts at: 0 unless the cursor would be out of
/// sight, else the first char boundary that leaves room for the `…` and the cursor cell.
pub fn scroll_start(app: &App, width: u16) -> usize {
    let text = app.editor.text.as_str();
    let cursor = app.editor.cursor.min(text.len());
    let qw = query_width(app, width);
    if !app.editing || w(&text[..cursor]) < qw {
        return 0;
    }
    let room = qw.saturating_sub(2);
    let mut start = 0;
    for (i, _) in text[..cursor].char_indices() {
        start = i;
        if w(&text[i..cursor]) <= room {
            break;
        }
    }
    start
}

/// Spans for `s`, at most `budget` cells, lowering the budget by what they use.
fn piece(s: &str, budget: &mut usize, style: Style, esc: Style) -> Vec<Span<'static>> {
    let spans = SafeText::new(s).spans(*budget, style, esc);
    let used: usize = spans.iter().map(|s| s.width()).sum();
    *budget = budget.saturating_sub(used);
    spans
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.opts.theme;
    let range = range_label(app);
    let mut budget = query_width(app, area.width);
    // The editor holds the applied query too, so a bad query stays visible with its error.
    let full = app.editor.text.as_str();
    let start = scroll_start(app, area.width);
    let text = &full[start..];
    let mut spans = vec![Span::styled(
        PREFIX,
        if app.editing { t.key } else { t.dim },
    )];
    if start > 0 {
        spans.push(Span::styled("…", t.dim));
        budget = budget.saturating_sub(1);
    }
    if full.is_empty() && !app.editing {
        spans.push(Span::styled("(all signals — press / to search)", t.dim));
    } else {
        // Underline the error's span, when the error belongs to the text shown.
        let err = app.query_error.as_ref().filter(|_| app.error_query == full);
        match err {
            Some(e) => {
                let s0 = e.start.saturating_sub(start).min(text.len());
                let mut end = e.end.saturating_sub(start).clamp(s0, text.len());
                if end == s0 {
                    end = text[s0..]
                        .chars()
                        .next()
                        .map(|c| s0 + c.len_utf8())
                        .unwrap_or(s0);
                }
                let (a, b, c) = if text.is_char_boundary(s0) && text.is_char_boundary(end) {
                    (&text[..s0], &text[s0..end], &text[end..])
                } else {
                    (text, "", "")
                };
                let err_style = t.error.add_modifier(Modifier::UNDERLINED);
                spans.extend(piece(a, &mut budget, Style::default(), t.escape));
                let b_shown = if b.is_empty() { " " } else { b };
                spans.extend(piece(b_shown, &mut budget, err_style, err_style));
                spans.extend(piece(c, &mut budget, Style::default(), t.escape));
            }
            None => spans.extend(piece(text, &mut budget, Style::default(), t.escape)),
        }
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    let rx = area.x + area.width.saturating_sub(range.chars().count() as u16);
    buf.set_string(rx, area.y, &range, t.header);
}

pub fn cursor(app: &App) -> Option<(u16, u16)> {
    let text = app.editor.text.as_str();
    let cursor = app.editor.cursor.min(text.len());
    let start = scroll_start(app, app.width).min(cursor);
    let ell = if start > 0 { 1 } else { 0 };
    let x = PREFIX.len() + ell + w(&text[start..cursor]);
    Some(((x as u16).min(app.width.saturating_sub(1)), 0))
}
