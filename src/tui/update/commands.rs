//! The bound commands (`Cmd`) outside any dialog: movement, panes, tabs, marking, copying, and
//! opening the forms, pickers and the palette.
use super::dialogs::open_range_picker;
use super::forms::open_form;
use super::navigation::{
    apply_query, ensure_visible, facet_pick, jump_to, load_detail, move_by, panes, refresh, select,
};
use crate::tui::action::Effect;
use crate::tui::app::{App, Pane, Tab};
use crate::tui::keys::Cmd;
use crate::tui::view::layout;

pub(super) fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if app.help {
        super::screens::help_key(app, cmd);
        return vec![];
    }
    let page = layout::stream_rows(app) as isize;
    match cmd {
        Cmd::Up => move_by(app, -1),
        Cmd::Down => move_by(app, 1),
        Cmd::PageUp => move_by(app, -page),
        Cmd::PageDown => move_by(app, page),
        Cmd::Top => move_by(app, -(isize::MAX / 2)),
        Cmd::Bottom => move_by(app, isize::MAX / 2),
        Cmd::Open => match app.focus {
            Pane::Stream => {
                if app.selected_row().is_none() {
                    return vec![];
                }
                app.side_open = true;
                app.focus = Pane::Side;
                load_detail(app, false).into_iter().collect()
            }
            // The query module edits the query text, keeping the analyst's own spelling.
            Pane::Facets => match facet_pick(app) {
                Some((key, value)) => {
                    let q = crate::query::toggle_facet(&app.query, &key, &value);
                    apply_query(app, q)
                }
                None => vec![],
            },
            Pane::Side => {
                let Some(d) = app.detail.clone() else {
                    return vec![];
                };
                if app.tab != Tab::Related {
                    return vec![];
                }
                let Some(r) = d.related.get(app.related_cursor) else {
                    return vec![];
                };
                jump_to(app, r)
            }
        },
        Cmd::Back => {
            app.message = None;
            if app.side_open && !layout::side_inline(app) {
                app.side_open = false;
            } else if super::marks::clear(app) {
                return vec![];
            }
            app.focus = Pane::Stream;
            vec![]
        }
        Cmd::NextPane => {
            let p = panes(app);
            if let Some(i) = p.iter().position(|x| *x == app.focus) {
                app.focus = p[(i + 1) % p.len()];
            } else if let Some(first) = p.first() {
                app.focus = *first;
            }
            if app.focus == Pane::Side {
                return load_detail(app, false).into_iter().collect();
            }
            vec![]
        }
        Cmd::Tab1 | Cmd::Tab2 | Cmd::Tab3 | Cmd::Tab4 => {
            app.tab = match cmd {
                Cmd::Tab1 => Tab::Flow,
                Cmd::Tab2 => Tab::Activity,
                Cmd::Tab3 => Tab::Rule,
                _ => Tab::Related,
            };
            app.side_scroll = 0;
            vec![]
        }
        Cmd::PrevTab | Cmd::NextTab => {
            let i = app.tab.index() as isize + if cmd == Cmd::NextTab { 1 } else { -1 };
            app.tab = Tab::ALL[i.rem_euclid(4) as usize];
            app.side_scroll = 0;
            vec![]
        }
        Cmd::Search => {
            app.editing = true;
            app.edit_origin = Some(app.editor.text.clone());
            app.editor.end();
            app.completion = None;
            vec![]
        }
        Cmd::TimeRange => {
            open_range_picker(app);
            vec![]
        }
        Cmd::Histogram => super::stats::toggle_histogram(app),
        Cmd::ToggleFacets => {
            app.facets_shown = Some(!layout::facets_visible(app));
            if !panes(app).contains(&app.focus) {
                app.focus = Pane::Stream;
            }
            ensure_visible(app);
            vec![]
        }
        Cmd::Exclude => {
            if app.focus != Pane::Facets {
                return vec![];
            }
            match facet_pick(app) {
                Some((key, value)) => {
                    let q = crate::query::exclude_facet(&app.query, &key, &value);
                    apply_query(app, q)
                }
                None => vec![],
            }
        }
        Cmd::Mark => {
            if let Some(id) = app.selected_row().map(|r| r.id.clone()) {
                if !app.marked.remove(&id) {
                    app.marked.insert(id);
                }
                let next = app.selected + 1;
                return select(app, next);
            }
            vec![]
        }
        Cmd::Assign
        | Cmd::State
        | Cmd::Case
        | Cmd::Incident
        | Cmd::Workflow
        | Cmd::BlockIps
        | Cmd::BlockUsers => open_form(app, cmd),
        Cmd::MarkAll => super::marks::ask_mark_all(app),
        Cmd::Refresh => {
            let mut fx = refresh(app);
            fx.push(Effect::LoadUsers);
            fx
        }
        Cmd::Live => {
            app.live = !app.live;
            app.info(if app.live { "live: on" } else { "live: paused" });
            if app.live {
                vec![Effect::PollGeneration]
            } else {
                vec![]
            }
        }
        Cmd::Copy => {
            let value = match app.focus {
                Pane::Facets => app
                    .facet_items()
                    .get(app.facet_cursor)
                    .map(|&(fi, vi)| app.results.facets[fi].values[vi].raw.clone()),
                Pane::Side if app.tab == Tab::Related => app
                    .detail
                    .as_ref()
                    .and_then(|d| d.related.get(app.related_cursor))
                    .map(|r| r.id.to_string()),
                Pane::Side => app.detail.as_ref().map(|d| d.id.clone()),
                Pane::Stream => app.selected_row().map(|r| r.id.to_string()),
            };
            match value {
                Some(v) => {
                    app.info(format!(
                        "copied {}",
                        crate::tui::text::fit(&crate::sanitize::clean(&v), 50)
                    ));
                    // Only sanitised text reaches the clipboard: a pasted id runs in a shell.
                    vec![Effect::Copy(crate::sanitize::clipboard(&v))]
                }
                None => vec![],
            }
        }
        Cmd::Palette => {
            let mut ed = crate::tui::editor::LineEditor::default();
            ed.history = app.palette_history.clone();
            app.palette = Some(ed);
            vec![]
        }
        Cmd::Help => {
            app.help = true;
            app.help_scroll = 0;
            vec![]
        }
        Cmd::TogglePanel => super::screens::toggle_panel(app),
        Cmd::SortPrev => super::screens::set_sort(app, app.sort.step(-1)),
        Cmd::SortNext => super::screens::set_sort(app, app.sort.step(1)),
        Cmd::Quit => {
            app.quit = true;
            vec![]
        }
    }
}
