//! `:cases` and `:incidents`: open the list, load it, move, open one (Enter), back (Esc).
use crate::model::{Case, Incident};
use crate::tui::action::{Edit, Effect};
use crate::tui::app::App;
use crate::tui::lists::{Overlay, RecordsView};

pub(super) fn open_cases(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Cases(RecordsView::default()));
    vec![Effect::LoadCaseList]
}

pub(super) fn open_incidents(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Incidents(RecordsView::default()));
    vec![Effect::LoadIncidentList]
}

fn loaded<T>(app: &mut App, v: &mut RecordsView<T>, r: Result<Vec<T>, String>, what: &str) {
    v.loading = false;
    match r {
        Ok(rows) => {
            v.rows = rows;
            v.cursor = v.cursor.min(v.rows.len().saturating_sub(1));
        }
        Err(e) => app.error(format!("loading the {what}: {e}")),
    }
}

pub(super) fn cases_loaded(app: &mut App, r: Result<Vec<Case>, String>) -> Vec<Effect> {
    if let Some(Overlay::Cases(mut v)) = app.overlay.take() {
        loaded(app, &mut v, r, "cases");
        app.overlay = Some(Overlay::Cases(v));
    }
    vec![]
}

pub(super) fn incidents_loaded(app: &mut App, r: Result<Vec<Incident>, String>) -> Vec<Effect> {
    if let Some(Overlay::Incidents(mut v)) = app.overlay.take() {
        loaded(app, &mut v, r, "incidents");
        app.overlay = Some(Overlay::Incidents(v));
    }
    vec![]
}

/// What a key does to a list: `None` leaves the screen.
fn step<T>(v: &mut RecordsView<T>, e: &Edit) -> Option<bool> {
    let last = v.rows.len().saturating_sub(1);
    match e {
        Edit::Cancel | Edit::Insert('q') if v.open => {
            v.open = false;
            v.scroll = 0;
        }
        Edit::Cancel | Edit::Insert('q') => return None,
        Edit::Submit if !v.rows.is_empty() => v.open = true,
        Edit::Up | Edit::Insert('k') if v.open => v.scroll = v.scroll.saturating_sub(1),
        Edit::Down | Edit::Insert('j') if v.open => v.scroll = v.scroll.saturating_add(1),
        Edit::Up | Edit::Insert('k') => v.cursor = v.cursor.saturating_sub(1),
        Edit::Down | Edit::Insert('j') => v.cursor = (v.cursor + 1).min(last),
        Edit::Home | Edit::Insert('g') => v.cursor = 0,
        Edit::End | Edit::Insert('G') => v.cursor = last,
        Edit::Insert('r') => {
            v.loading = true;
            return Some(true);
        }
        _ => {}
    }
    Some(false)
}

pub(super) fn key(app: &mut App, e: Edit) -> Vec<Effect> {
    let (outcome, reload) = match app.overlay.as_mut() {
        Some(Overlay::Cases(v)) => (step(v, &e), Effect::LoadCaseList),
        Some(Overlay::Incidents(v)) => (step(v, &e), Effect::LoadIncidentList),
        _ => return vec![],
    };
    match outcome {
        None => {
            app.overlay = None;
            vec![]
        }
        Some(true) => vec![reload],
        Some(false) => vec![],
    }
}
