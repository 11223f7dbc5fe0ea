//! Drawing, and nothing else: every function here reads `App` and writes into a frame.
pub mod cases;
pub mod dialogs;
pub mod facets;
pub mod header;
pub mod help;
pub mod histogram;
pub mod layout;
pub mod lists;
pub mod records;
pub mod search_bar;
pub mod side_panel;
pub mod stats;
pub mod status;
pub mod stream;

use super::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use ratatui::Frame;

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    draw(app, area, buf);
    if let Some((x, y)) = cursor(app) {
        frame.set_cursor_position((x, y));
    }
}

/// Draw the whole explorer into a buffer (what `render` and the benchmarks use).
pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    if layout::too_small(area.width, area.height) {
        too_small(area, buf);
        return;
    }
    let l = layout::compute(app);
    search_bar::draw(app, l.search, buf);
    if let Some(r) = l.facets {
        facets::draw(app, r, buf);
    }
    if let Some(r) = l.histogram {
        histogram::draw(app, r, buf);
    }
    if let Some(r) = l.stream {
        stream::draw(app, r, buf);
    }
    if let Some(r) = l.side {
        side_panel::draw(app, r, buf);
    }
    if app.overlay.is_some() {
        let h = l.message.y.saturating_sub(area.y);
        lists::draw(app, Rect::new(area.x, area.y, area.width, h), buf);
    } else if app.stats.screen.is_some() {
        // Below the search bar, which still shows the query the figures are for.
        let h = l.message.y.saturating_sub(l.search.y + 1);
        stats::draw(app, Rect::new(area.x, l.search.y + 1, area.width, h), buf);
    }
    status::draw_message(app, l.message, buf);
    status::draw_status(app, l.status, buf);
    if app.form.is_some() {
        dialogs::draw(app, area, buf);
    }
    if app.help {
        help::draw(app, area, buf);
    }
}

fn cursor(app: &App) -> Option<(u16, u16)> {
    if layout::too_small(app.width, app.height) || app.help {
        return None;
    }
    if let Some(p) = &app.palette {
        let l = layout::compute(app);
        let x = 1 + super::text::SafeText::new(&p.text[..p.cursor]).width() as u16;
        return Some((x.min(l.message.width.saturating_sub(1)), l.message.y));
    }
    if app.editing && app.form.is_none() {
        return search_bar::cursor(app);
    }
    None
}

fn too_small(area: Rect, buf: &mut Buffer) {
    Clear.render(area, buf);
    let msg = format!(
        "terminal too small: {}x{}, sigscope needs at least {}x{}",
        area.width,
        area.height,
        layout::MIN_W,
        layout::MIN_H
    );
    let lines = vec![
        Line::from(""),
        Line::from(Span::raw(msg)),
        Line::from("enlarge the window, or press q to quit"),
    ];
    let y = area.height / 2;
    let r = Rect::new(
        area.x,
        area.y + y.saturating_sub(2),
        area.width,
        3.min(area.height),
    );
    Paragraph::new(lines)
        .alignment(ratatui::layout::Alignment::Center)
        .wrap(ratatui::widgets::Wrap { trim: true })
        .render(r, buf);
}

/// A bordered pane; the focused one has a bold, coloured border and its title in brackets.
pub fn pane(app: &App, title: String, focused: bool) -> Block<'static> {
    let t = &app.opts.theme;
    let (style, title) = if focused {
        (t.border_focus, format!("[ {title} ]"))
    } else {
        (t.border, format!(" {title} "))
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(
            title,
            if focused { t.border_focus } else { t.header },
        ))
}

/// Pad spans to exactly `w` cells.
pub fn padded(mut spans: Vec<Span<'static>>, w: usize) -> Vec<Span<'static>> {
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if used < w {
        spans.push(Span::raw(" ".repeat(w - used)));
    }
    spans
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
