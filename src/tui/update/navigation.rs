//! Moving around: the search that fills the stream, the selection and its side panel, panes and
//! tabs, facets that edit the query, and jumping to a related signal.
use crate::tui::action::Effect;
use crate::tui::app::{App, Pane, Tab};
use crate::tui::backend::{Row, SearchRequest};
use crate::tui::view::layout;
use std::sync::Arc;

pub(super) fn search(app: &mut App, query: &str) -> Effect {
    app.search_gen += 1;
    app.searching = true;
    let (from, to) = app.range.bounds(app.now);
    Effect::Search {
        gen: app.search_gen,
        req: SearchRequest {
            query: query.to_string(),
            from,
            to,
        },
        sort: app.sort,
    }
}

fn side_visible(app: &App) -> bool {
    layout::side_inline(app) || app.side_open
}

/// Load the side panel for the selection when it is on screen and not loaded yet (or `force`).
pub(super) fn load_detail(app: &mut App, force: bool) -> Option<Effect> {
    if !side_visible(app) {
        return None;
    }
    let id = app.selected_row()?.id.to_string();
    if !force && app.detail.as_ref().is_some_and(|d| d.id == id) {
        return None;
    }
    app.detail_gen += 1;
    app.detail_loading = true;
    Some(Effect::Detail {
        gen: app.detail_gen,
        id,
    })
}

pub(super) fn ensure_visible(app: &mut App) {
    let page = layout::stream_rows(app);
    if app.selected < app.offset {
        app.offset = app.selected;
    } else if app.selected >= app.offset + page {
        app.offset = app.selected + 1 - page;
    }
    let len = app.row_count();
    if app.offset + page > len {
        app.offset = len.saturating_sub(page);
    }
    // Build (and clean) the rows now on screen; everything else stays row numbers.
    let end = (app.offset + page).min(len);
    app.window = (app.offset..end)
        .filter_map(|i| app.results.rows.row(i))
        .collect();
}

pub(super) fn select(app: &mut App, idx: usize) -> Vec<Effect> {
    let len = app.row_count();
    if len == 0 {
        app.window.clear();
        app.selected = 0;
        app.offset = 0;
        app.selected_id = None;
        return vec![];
    }
    app.selected = idx.min(len - 1);
    ensure_visible(app);
    app.selected_id = app.selected_row().map(|r| r.id.clone());
    load_detail(app, false).into_iter().collect()
}

pub(super) fn move_by(app: &mut App, delta: isize) -> Vec<Effect> {
    match app.focus {
        Pane::Stream => {
            let to = (app.selected as isize + delta).max(0) as usize;
            select(app, to)
        }
        Pane::Facets => {
            let n = app.facet_items().len();
            if n > 0 {
                app.facet_cursor =
                    (app.facet_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
            }
            app.facet_value = facet_pick(app);
            vec![]
        }
        Pane::Side => {
            if app.tab == Tab::Related {
                let n = app.detail.as_ref().map(|d| d.related.len()).unwrap_or(0);
                if n > 0 {
                    app.related_cursor =
                        (app.related_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
                }
            } else {
                app.side_scroll = (app.side_scroll as isize + delta).clamp(0, 10_000) as u16;
            }
            vec![]
        }
    }
}

pub(super) fn panes(app: &App) -> Vec<Pane> {
    let l = layout::compute(app);
    let mut v = Vec::new();
    if l.facets.is_some() {
        v.push(Pane::Facets);
    }
    if l.stream.is_some() {
        v.push(Pane::Stream);
    }
    if l.side.is_some() {
        v.push(Pane::Side);
    }
    v
}

/// Put the results of a search on screen, keeping the selected signal where it was on screen.
pub(super) fn take_results(
    app: &mut App,
    mut result: crate::tui::backend::SearchResult,
) -> Vec<Effect> {
    let screen_pos = app.selected.saturating_sub(app.offset);
    super::facet_order::arrange(&app.query, &mut result.facets);
    // The value the analyst put the cursor on, even if a search typed on the way lost it.
    let facet_at = app.facet_value.clone().or_else(|| facet_pick(app));
    for f in &result.facets {
        let known = app.known_values.entry(f.key.clone()).or_default();
        for v in &f.values {
            if known.len() < 500 && !known.contains(&v.raw) {
                known.push(v.raw.clone());
            }
        }
    }
    app.results = result;
    let len = app.row_count();
    let found = app
        .selected_id
        .as_ref()
        .and_then(|id| app.results.rows.position(id));
    match found {
        Some(i) => {
            app.selected = i;
            app.offset = i.saturating_sub(screen_pos);
        }
        None => {
            app.selected = app.selected.min(len.saturating_sub(1));
        }
    }
    let n = app.facet_items().len();
    // The cursor stays on its value when the counts (and so the order) change under it.
    let kept = facet_at
        .as_ref()
        .and_then(|(k, v)| super::facet_order::position(&app.results.facets, k, v));
    app.facet_cursor = kept.unwrap_or(app.facet_cursor).min(n.saturating_sub(1));
    app.facet_value = facet_at;
    if app.focus == Pane::Side {
        // The analyst is reading a signal: new results must not swap it for another one.
        app.selected = app.selected.min(len.saturating_sub(1));
        ensure_visible(app);
        app.selected_id = app.selected_row().map(|r| r.id.clone());
        return vec![];
    }
    select(app, app.selected)
}

/// The facet value under the cursor: its query key and raw value.
pub(super) fn facet_pick(app: &App) -> Option<(String, String)> {
    let (fi, vi) = *app.facet_items().get(app.facet_cursor)?;
    let f = &app.results.facets[fi];
    Some((f.key.clone(), f.values[vi].raw.clone()))
}

pub(super) fn apply_query(app: &mut App, q: String) -> Vec<Effect> {
    app.editor.set(&q);
    app.editor.remember();
    vec![search(app, &q)]
}

pub(super) fn refresh(app: &mut App) -> Vec<Effect> {
    let q = app.query.clone();
    let mut fx = vec![search(app, &q)];
    // Reload the signal on display (it may have just changed), whichever row is selected.
    match app.detail.as_ref().map(|d| d.id.clone()) {
        Some(id) if side_visible(app) => {
            app.detail_gen += 1;
            app.detail_loading = true;
            fx.push(Effect::Detail {
                gen: app.detail_gen,
                id,
            });
        }
        _ => fx.extend(load_detail(app, true)),
    }
    fx
}

pub(super) fn jump_to(app: &mut App, r: &Row) -> Vec<Effect> {
    let id: Arc<str> = r.id.clone();
    match app.results.rows.position(&id) {
        Some(i) => {
            app.tab = Tab::Flow;
            select(app, i)
        }
        None => {
            app.info("that signal is outside the current search; showing it here");
            app.tab = Tab::Flow;
            app.detail_gen += 1;
            app.detail_loading = true;
            vec![Effect::Detail {
                gen: app.detail_gen,
                id: id.to_string(),
            }]
        }
    }
}

/// `:goto ID`: select the signal when it is listed, else show it in the side panel all the same
/// (an id from a ticket or a colleague must open whatever the search).
pub(super) fn goto(app: &mut App, id: &str) -> Vec<Effect> {
    let id = id.trim();
    if let Some(i) = app.results.rows.position(id) {
        app.tab = Tab::Flow;
        app.side_open = true;
        app.focus = Pane::Side;
        let mut fx = select(app, i);
        fx.extend(load_detail(app, false));
        return fx;
    }
    app.info(format!(
        "{} is outside the current search; showing it here",
        crate::tui::text::fit(&crate::sanitize::clean(id), 40)
    ));
    app.tab = Tab::Flow;
    app.side_open = true;
    app.focus = Pane::Side;
    app.detail_gen += 1;
    app.detail_loading = true;
    vec![Effect::Detail {
        gen: app.detail_gen,
        id: id.to_string(),
    }]
}
