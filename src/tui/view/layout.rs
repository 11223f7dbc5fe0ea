//! Where each pane goes for a terminal size; `update` uses it too (page size, what is visible).
use crate::tui::app::App;
use ratatui::layout::Rect;

pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 16;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub search: Rect,
    pub facets: Option<Rect>,
    pub stream: Option<Rect>,
    /// The signal-volume histogram, above the stream when it is on and has figures.
    pub histogram: Option<Rect>,
    pub side: Option<Rect>,
    pub message: Rect,
    pub status: Rect,
}

pub fn too_small(w: u16, h: u16) -> bool {
    w < MIN_W || h < MIN_H
}

pub fn facets_visible(app: &App) -> bool {
    match app.facets_shown {
        Some(v) => v && !(app.width < 100 && app.side_open),
        None => app.width >= 140,
    }
}

pub fn side_inline(app: &App) -> bool {
    app.width >= 100 && !app.panel_hidden
}

pub fn compute(app: &App) -> Layout {
    let (w, h) = (app.width, app.height);
    let body = Rect::new(0, 1, w, h.saturating_sub(3));
    let mut l = Layout {
        search: Rect::new(0, 0, w, 1),
        message: Rect::new(0, h.saturating_sub(2), w, 1),
        status: Rect::new(0, h.saturating_sub(1), w, 1),
        ..Default::default()
    };
    if !side_inline(app) && app.side_open {
        l.side = Some(body);
        return l;
    }
    let mut x = 0;
    let mut rest = w;
    if facets_visible(app) {
        // Narrower below 180 columns so that the stream keeps ATTACKERS and ASSIGNEE at 160.
        let fw = if w >= 180 { 30 } else { 26 };
        l.facets = Some(Rect::new(0, body.y, fw, body.height));
        x = fw;
        rest = w - fw;
    }
    if side_inline(app) {
        let sw = (rest * 34 / 100).clamp(44, 64).min(rest.saturating_sub(40));
        l.stream = Some(Rect::new(x, body.y, rest - sw, body.height));
        l.side = Some(Rect::new(x + rest - sw, body.y, sw, body.height));
    } else {
        l.stream = Some(Rect::new(x, body.y, rest, body.height));
    }
    if app.stats.histogram_shown() {
        if let Some(s) = l.stream {
            // One row on a small terminal; with room, a taller chart with its scale.
            let hh = if body.height >= 36 { 5 } else { 1 };
            l.histogram = Some(Rect::new(s.x, s.y, s.width, hh));
            l.stream = Some(Rect::new(
                s.x,
                s.y + hh,
                s.width,
                s.height.saturating_sub(hh),
            ));
        }
    }
    l
}

/// Rows of signals the stream shows at once (inside the border, under the header).
pub fn stream_rows(app: &App) -> usize {
    compute(app)
        .stream
        .map(|r| r.height.saturating_sub(3) as usize)
        .unwrap_or(1)
        .max(1)
}
