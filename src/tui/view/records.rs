//! Full-pane screens over the stream that read the explorer's own records: the `:messages` log.
use super::pane;
use crate::tui::app::{App, Level};
use crate::tui::lists::MessagesView;
use crate::tui::text::SafeText;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// Every message, newest first, whole (wrapped, never cut): the message line can only show the
/// last one, cut to the width.
pub fn messages(app: &App, v: &MessagesView, area: Rect, buf: &mut Buffer) {
    let th = &app.opts.theme;
    let title = format!(
        "Messages: {} (newest first · j/k scroll · Esc back)",
        app.messages.len()
    );
    let block = pane(app, title, true);
    let inner = block.inner(area);
    block.render(area, buf);
    if app.messages.is_empty() {
        buf.set_string(inner.x + 1, inner.y, "no messages yet", th.dim);
        return;
    }
    let lines: Vec<Line> = app
        .messages
        .iter()
        .rev()
        .skip(v.scroll)
        .map(|(when, level, text)| {
            let (mark, style) = match level {
                Level::Error => ("✗ ", th.error),
                Level::Info => ("  ", th.base),
            };
            let mut s = vec![
                Span::styled(format!("{} ", crate::tui::detail::fmt_clock(when)), th.dim),
                Span::styled(mark, style),
            ];
            s.extend(SafeText::new(text).spans(usize::MAX / 2, style, th.escape));
            Line::from(s)
        })
        .collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
