//! The query and the time range, on the top line.
use crate::tui::app::App;
use crate::tui::text::SafeText;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

const PREFIX: &str = " / ";

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.opts.theme;
    let range = format!(" [{}] ", app.range.label());
    let qw = (area.width as usize).saturating_sub(PREFIX.len() + range.len() + 1);
    // The editor holds the applied query too, so a bad query stays visible with its error.
    let text = app.editor.text.as_str();
    let mut spans = vec![Span::styled(
        PREFIX,
        if app.editing { t.key } else { t.dim },
    )];
    if text.is_empty() && !app.editing {
        spans.push(Span::styled("(all signals — press / to search)", t.dim));
    } else {
        // Underline the error's span, when the error belongs to the text shown.
        let err = app.query_error.as_ref().filter(|_| app.error_query == text);
        match err {
            Some(e) => {
                let start = e.start.min(text.len());
                let mut end = e.end.clamp(start, text.len());
                if end == start {
                    end = text[start..]
                        .chars()
                        .next()
                        .map(|c| start + c.len_utf8())
                        .unwrap_or(start);
                }
                let (a, b, c) = if text.is_char_boundary(start) && text.is_char_boundary(end) {
                    (&text[..start], &text[start..end], &text[end..])
                } else {
                    (text, "", "")
                };
                let err_style = t.error.add_modifier(Modifier::UNDERLINED);
                spans.extend(SafeText::new(a).spans(qw, Style::default(), t.escape));
                let b_shown = if b.is_empty() { " " } else { b };
                spans.extend(SafeText::new(b_shown).spans(qw, err_style, err_style));
                spans.extend(SafeText::new(c).spans(qw, Style::default(), t.escape));
            }
            None => spans.extend(SafeText::new(text).spans(qw, Style::default(), t.escape)),
        }
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    let rx = area.x + area.width.saturating_sub(range.len() as u16);
    buf.set_string(rx, area.y, &range, t.header);
}

pub fn cursor(app: &App) -> Option<(u16, u16)> {
    let before = &app.editor.text[..app.editor.cursor];
    let x = PREFIX.len() as u16 + SafeText::new(before).width() as u16;
    Some((x.min(app.width.saturating_sub(1)), 0))
}
